/*
 * What a flow needs.  Buffers follow the largest message a worker reads
 * or writes and what a socket holds; the reply ring follows the replies
 * that can be outstanding; the estimate adds what each worker process
 * costs the kernel and itself.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "flow.h"
#include "net.h"

/*
 * What a worker process takes besides its buffers and the segment: its
 * kernel stack, page tables and task structures, and the pages it
 * writes after the fork (stack, libc's data).  Measured with
 * bench/memory on x86-64 Linux with glibc; a static musl build takes
 * less.
 */
#define PROC_BYTES	((uint64_t)112 * 1024)

static size_t
page_size(void)
{
	long	 n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

static size_t
round_page(size_t n)
{
	size_t	 pg = page_size();

	return (n + pg - 1) / pg * pg;
}

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
socket_sizes(const struct config *c, size_t *snd, size_t *rcv)
{
	int	 af = c->nep > 0 ? c->ep[0].addr.ss_family : AF_INET;
	int	 s, r;

	if (net_buffer_sizes(af, &s, &r) == -1 || s <= 0 || r <= 0) {
		s = 16384;
		r = 131072;
	}
	*snd = (size_t)s;
	*rcv = (size_t)r;
}

/* The largest message a worker reads: a reply, or the replier's limit. */
static size_t
in_max(const struct config *c)
{
	if (c->mode == MODE_REPLY)
		return (size_t)c->ssize.max;
	/* A replier's error report may come in a reply's place. */
	return max_size((size_t)c->rsize.max, PROTO_ERR_LEN);
}

static size_t
out_max(const struct config *c)
{
	if (c->mode == MODE_REPLY)
		return max_size((size_t)c->rsize.max, PROTO_ERR_LEN);
	return (size_t)c->ssize.max;
}

/*
 * A reading worker's buffer: a batch of its largest messages, but no
 * more than a new socket's receive buffer nor RBUF_MAX, and at least
 * one whole message.
 */
static size_t
rbuf_size(const struct config *c, size_t rcv)
{
	size_t	 m = in_max(c), n;

	n = min_size(RBUF_MAX, min_size(rcv, RECV_MSGS * m));
	return round_page(max_size(m, max_size(n, RECV_MIN)));
}

static size_t
sbuf_size(const struct config *c)
{
	size_t	 m = out_max(c);

	return round_page(max_size(m, min_size(SBUF_MAX, BATCH_MSGS * m)));
}

static uint32_t
pow2_at_least(uint64_t n)
{
	uint32_t p = 1;

	while (p < n && p < RING_LIMIT)
		p <<= 1;
	return p;
}

/*
 * The ring: twice the replies that can be outstanding, as the sender
 * keeps half of it for the replies just taken (see wait_ring).  -S
 * waits for each reply, and -s with rinterval=0 asks only the closing
 * one.  Otherwise: the asking requests that fit in flight one way and
 * the replies that fit the other way, in the buffers of our socket and,
 * taken as alike, the peer's; Linux keeps about half of a buffer for
 * data.  The sender waits when they are all out, so the ring bounds
 * what is in flight, not the other way round.
 */
static uint32_t
ring_size(const struct config *c, size_t snd, size_t rcv)
{
	uint64_t fly = (snd + rcv) / 2, n;

	if (c->mode != MODE_SEND || c->rinterval == 0)
		return 2;
	n = fly / (c->rinterval * c->ssize.min) + fly / c->rsize.min +
	    BATCH_MSGS / c->rinterval + 2;
	return pow2_at_least(2 * n);
}

/* Bytes of its buffers a flow's workers can fill: see RECV_MSGS. */
static uint64_t
buffers_used(const struct config *c, const struct budget *b)
{
	size_t	 rd, m = in_max(c);

	rd = min_size(b->rbuf, round_page(m + max_size(RECV_MIN,
	    RECV_MSGS * m)));
	return (uint64_t)rd + b->sbuf + (c->dump != NULL ? DUMP_SIZE : 0);
}

/* Fills b for the run c; an estimate for one flow (-r: connection). */
void
budget_plan(const struct config *c, struct budget *b)
{
	size_t	 snd, rcv;
	int	 nprocs = c->mode == MODE_SEND ? 2 : 1;

	memset(b, 0, sizeof(*b));
	socket_sizes(c, &snd, &rcv);
	b->rbuf = rbuf_size(c, rcv);
	b->sbuf = sbuf_size(c);
	if (c->mode != MODE_REPLY) {
		b->ring_max = ring_size(c, snd, rcv);
		b->ring_first = b->ring_max < RING_FIRST ? b->ring_max :
		    RING_FIRST;
		b->area = flow_area_size(b->ring_max, page_size());
	}
	b->buffers = buffers_used(c, b);
	b->procs = (uint64_t)nprocs * PROC_BYTES;
	b->flow = b->buffers + b->procs + b->area;
}
