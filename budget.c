/*
 * What a flow needs.  Buffers follow the largest message a worker reads
 * or writes and what a socket holds; the reply ring follows the replies
 * that can be outstanding; the estimate adds what each worker process
 * costs the kernel and itself.  The run is refused before it starts
 * when its flows would need more memory than the system has, rather
 * than be ended by the OOM killer partway through.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "errors.h"
#include "flow.h"
#include "net.h"

/*
 * Measured (bench/vm: a 256 MiB machine, Linux 6.1, the static musl
 * build; MemAvailable over 200 flows, all alive at once, to a replier
 * outside it).  PROC_BYTES is what a worker process takes beyond its
 * buffers and its part of the segment: kernel stack 16 KiB, page tables
 * 36, the pages it writes after the fork and its task's structures;
 * 96 KiB measured, where a bare fork of a static binary takes 65.
 * CONN_BYTES is what a flow's connection takes: the socket, the page
 * fragment (up to 32 KiB) that the kernel keeps for the process that
 * sends on it, its pipe; 53 KiB measured.  Rounded up: the check errs
 * on the safe side.  glibc's processes took less on the hosts measured.
 */
#define PROC_BYTES	((uint64_t)100 * 1024)
#define CONN_BYTES	((uint64_t)60 * 1024)
#define RUN_BYTES	((uint64_t)4 * sizeof(struct hist))	/* its own */
#define SLOT_BYTES	((uint64_t)1024)	/* the supervisor's, a flow */
#define KIB		((uint64_t)1024)
#define MIB		(KIB * KIB)

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t
max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/*
 * The sizes a new socket's buffers get, for the run's first address
 * family; the kernel's usual defaults if even a socket cannot be made
 * (the run will say why when it connects).
 */
static void
socket_sizes(const struct config *c, int *snd, int *rcv)
{
	int	 af = c->nep > 0 ? c->ep[0].addr.ss_family : AF_INET;

	if (net_buffer_sizes(af, snd, rcv) == -1 || *snd <= 0 || *rcv <= 0) {
		*snd = 16384;
		*rcv = 131072;
	}
}

/*
 * The ring: room for the replies that can be outstanding, besides the
 * ones it keeps (see ring_room).  -S waits for each reply, and -s with
 * rinterval=0 asks only the closing one.  Otherwise: the asking requests
 * that fit in flight one way and the replies that fit the other way,
 * fly bytes each, in the buffers of our socket and, taken as alike, the
 * peer's, and the asking ones in a batch, messages being of their mean
 * size.  The sender waits when they are all out, so the ring bounds
 * what is in flight, and so what the socket buffers hold, not the other
 * way round.
 */
static uint32_t
ring_size(const struct config *c, uint64_t fly)
{
	uint64_t n = 1, req = (c->ssize.min + c->ssize.max) / 2, batch;
	uint32_t p = 2;

	batch = BATCH_BYTES / req + 1 < BATCH_MSGS ? BATCH_BYTES / req + 1 :
	    BATCH_MSGS;
	if (c->mode == MODE_SEND && c->rinterval != 0)
		n = (fly / req + batch) / c->rinterval +
		    fly * 2 / (c->rsize.min + c->rsize.max) + 2;
	while (ring_room(p) < n && p < RING_LIMIT)
		p <<= 1;
	return p;
}

/*
 * Fills b for the run c; an estimate for one flow (-r: connection).  A
 * reading worker's buffer holds a batch of the largest messages it
 * reads, but no more than a new socket's receive buffer nor RBUF_MAX,
 * and at least one whole message; a writing worker's, its batch.  A
 * reply's place may hold a replier's error report.
 */
void
budget_plan(const struct config *c, struct budget *b)
{
	size_t	 in = max_size(c->rsize.max, PROTO_ERR_LEN), out = c->ssize.max;
	int	 snd, rcv;

	if (c->mode == MODE_REPLY) {
		in = c->ssize.max;
		out = max_size(c->rsize.max, PROTO_ERR_LEN);
	}
	memset(b, 0, sizeof(*b));
	b->nflows = c->mode == MODE_REPLY ? c->maxconn : config_flows(c);
	socket_sizes(c, &snd, &rcv);
	b->rbuf = round_page(max_size(in, min_size(min_size(RBUF_MAX,
	    (size_t)rcv), RECV_MSGS * in)));
	b->sbuf = round_page(max_size(out, min_size(SBUF_MAX,
	    BATCH_MSGS * out)));
	if (c->mode != MODE_REPLY) {
		/* Linux keeps about half of a buffer for data. */
		b->ring_max = ring_size(c, ((uint64_t)snd + (uint64_t)rcv) / 2);
		b->ring_first = b->ring_max < RING_FIRST ? b->ring_max :
		    RING_FIRST;
		b->area = flow_area_size(b->ring_first, b->ring_max);
	}
	/* Of the read buffer, what RECV_MSGS reads at a time can fill. */
	b->flow = min_size(b->rbuf, round_page(in + RECV_MIN + RECV_MSGS *
	    in)) + b->sbuf + (c->dump != NULL ? DUMP_SIZE : 0) + b->area +
	    (uint64_t)flow_nprocs(c->mode) * PROC_BYTES + CONN_BYTES;
}

#define ENV_AVAIL	"SEQTEST_MEM_AVAILABLE"

/* Linux's estimate of what can be had without swapping, in kB, in text. */
static const char *
meminfo_available(char *text, size_t size)
{
	const char *p = NULL;
	ssize_t	 n;
	int	 fd;

	if ((fd = open("/proc/meminfo", O_RDONLY)) == -1)
		return NULL;
	if ((n = read(fd, text, size - 1)) > 0) {
		text[n] = '\0';
		if ((p = strstr(text, "\nMemAvailable:")) != NULL)
			p += sizeof("\nMemAvailable:") - 1;
	}
	(void)close(fd);
	return p;
}

/*
 * The memory the system can give us, in bytes, in *avail; 0 when it is
 * unknown.  The environment's SEQTEST_MEM_AVAILABLE (KiB) comes first:
 * a share of a host, or a small board's figure for a test, taken as the
 * figure it is, however small.  Then Linux's MemAvailable; elsewhere the
 * free pages.  Returns 1 when *avail is known, 0 when not, -1 with one
 * line in err when the environment's value is not a number of KiB that
 * bytes can count.
 */
static int
mem_available(uint64_t *avail, char *err, size_t errlen)
{
	const char *env = getenv(ENV_AVAIL), *p = env;
	char	 text[2048], *end = NULL;
	unsigned long long kib = 0;

	if (p == NULL)
		p = meminfo_available(text, sizeof(text));
	if (p != NULL) {
		errno = 0;
		kib = strtoull(p, &end, 10);
	}
	if (env != NULL && (*env < '0' || *env > '9' || *end != '\0')) {
		snprintf(err, errlen, "%s=%.40s: not a number of KiB",
		    ENV_AVAIL, env);
		return -1;
	}
	if (env != NULL && (errno == ERANGE || kib > UINT64_MAX / KIB)) {
		snprintf(err, errlen, "%s=%.40s: more than %llu KiB", ENV_AVAIL,
		    env, (unsigned long long)(UINT64_MAX / KIB));
		return -1;
	}
	*avail = kib * KIB;
	if (env != NULL || *avail > 0)
		return 1;
#if defined(_SC_AVPHYS_PAGES) && !defined(__linux__)
	if (sysconf(_SC_AVPHYS_PAGES) > 0) {
		*avail = (uint64_t)sysconf(_SC_AVPHYS_PAGES) *
		    (uint64_t)sysconf(_SC_PAGESIZE);
		return 1;
	}
#endif
	return 0;
}

/* Bytes in words: "N MiB", or "N KiB" below a MiB. */
static const char *
mem_words(uint64_t bytes, char *text, size_t size)
{
	if (bytes >= MIB)
		snprintf(text, size, "%llu MiB", (unsigned long long)(bytes /
		    MIB));
	else
		snprintf(text, size, "%llu KiB", (unsigned long long)(bytes /
		    KIB));
	return text;
}

/*
 * Checks that the sender's flows, as planned in b, fit in the memory the
 * system has; with -d, says what they take.  Both say how many flows
 * fit, the count a refused run can try.  Returns 0, or -1 with one line
 * in err.
 */
int
budget_check(const struct config *c, const struct budget *b, char *err,
    size_t errlen)
{
	uint64_t	 n = b->nflows, need, avail;
	uint64_t	 room = 0;
	char		 have[32];
	int		 known, fits, len;

	if (c->mode == MODE_REPLY)
		return 0;
	if ((known = mem_available(&avail, err, errlen)) == -1)
		return -1;
	need = n * (b->flow + SLOT_BYTES) + RUN_BYTES;
	if (avail > RUN_BYTES)
		room = (avail - RUN_BYTES) / (b->flow + SLOT_BYTES);
	fits = !known || need <= avail;
	len = snprintf(err, errlen, "%llu flow%s need%s about %llu MiB here "
	    "(%llu KiB a flow), ", (unsigned long long)n, n == 1 ? "" : "s",
	    n == 1 ? "s" : "", (unsigned long long)((need + MIB - 1) / MIB),
	    (unsigned long long)(b->flow / KIB));
	if (len > 0 && (size_t)len < errlen)
		snprintf(err + len, errlen - (size_t)len, !known ? "the memory "
		    "available is unknown" : fits ? "of %s available: room for "
		    "%llu" : "more than the %s available: at most %llu fit",
		    mem_words(avail, have, sizeof(have)),
		    (unsigned long long)room);
	if (c->debug)
		log_warnx("memory: %s", err);
	return fits ? 0 : -1;
}
