/*
 * faultproxy: a TCP relay that damages a stream on purpose, so the tests
 * can show that seqtest notices each kind of corruption and that a
 * correct but unkind path (short reads and writes, delays) passes.
 *
 * Each accepted client is paired with a new connection to the real
 * server, and bytes are relayed both ways from one poll() loop in one
 * process.  In one direction of every pair exactly one fault is injected
 * at a byte offset of that direction's stream: bytes dropped, duplicated,
 * flipped, swapped or inserted, or the pair truncated, reset or stalled.
 * Mode "clean" injects nothing but re-frames both streams with random
 * read and write sizes and short pauses between writes.
 *
 * A read never crosses a fault boundary (the offset, offset+N, ...), so a
 * fault lands on its exact byte however the peers split their writes.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../rng.h"

#define READ_MAX	16384		/* largest read in fault modes */
#define CLEAN_READ_MAX	4096		/* largest random read in clean mode */
#define CLEAN_WRITE_MAX	4096		/* largest random write in clean mode */
#define CLEAN_PAUSE_NS	200000L		/* longest pause after a clean write */
#define MAX_PAIRS	256		/* 512 sockets, under the usual 1024 */
#define COUNT_MAX	(1L << 20)
#define OFFSET_MAX	(1LL << 62)	/* offset + 2 * count cannot overflow */
#define LIFETIME_MAX	1000000LL	/* keeps the poll timeout in an int */
#define DRAIN_READS	64		/* bound on discarding unread input */
#define GARBAGE		0xA5		/* what "insert" inserts */
#define HOST_LEN	256
#define PORT_LEN	8

enum fault {
	FAULT_CLEAN, FAULT_DROP, FAULT_DUP, FAULT_FLIP, FAULT_SWAP,
	FAULT_INSERT, FAULT_TRUNCATE, FAULT_RESET, FAULT_STALL
};

static const char *const fault_names[] = {
	"clean", "drop", "dup", "flip", "swap",
	"insert", "truncate", "reset", "stall"
};

enum { DIR_REQ, DIR_REP };	/* client to server, server to client */

struct config {
	const char	*server_spec;
	const char	*listen_spec;
	enum fault	 fault;
	int		 fault_dir;
	uint64_t	 offset;
	size_t		 count;
	long long	 lifetime;
};

/* One direction of a pair: bytes read from `from`, written to `to`. */
struct direction {
	int		 from;
	int		 to;
	enum fault	 fault;		/* FAULT_CLEAN when not the -D side */
	uint64_t	 offset;
	size_t		 count;
	uint64_t	 pos;		/* bytes read from `from` so far */
	int		 eof;		/* `from` has sent its FIN */
	int		 shut;		/* that FIN was passed on to `to` */
	unsigned char	*out;		/* bytes waiting to be written */
	size_t		 out_len;
	size_t		 out_off;
	unsigned char	*held;		/* dup and swap keep [O, O+N) here */
	size_t		 held_len;
};

enum pair_state { PAIR_CONNECTING, PAIR_RELAYING, PAIR_STALLED };

struct pair {
	enum pair_state	 state;
	int		 client;
	int		 server;
	struct addrinfo	*next_addr;	/* server address to try next */
	struct direction dir[2];	/* DIR_REQ, DIR_REP */
};

struct proxy {
	struct config	 cfg;
	struct addrinfo	*server_addrs;
	int		 listen_fd;
	int		 wake_fd;	/* read end of the signal pipe */
	struct pair	*pairs[MAX_PAIRS];
	size_t		 npairs;
	uint64_t	 rng;
	struct timespec	 deadline;
	struct pollfd	 pfds[2 + 2 * MAX_PAIRS];
};

static volatile sig_atomic_t stop_requested;
static int signal_pipe_wr = -1;

static void
vsay(const char *fmt, va_list ap)
{
	int saved_errno = errno;

	(void)fputs("faultproxy: ", stderr);
	(void)vfprintf(stderr, fmt, ap);
	(void)fputc('\n', stderr);
	errno = saved_errno;
}

/* Prints one diagnostic line; errno is kept for the caller. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* Prints one line and exits: 2 for bad usage, 1 for a failed setup. */
static void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(status);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Parses a decimal in [min, max] or exits with status 2 naming `what`. */
static long long
parse_number(const char *s, long long min, long long max, const char *what)
{
	char *end;
	long long value;

	errno = 0;
	value = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE ||
	    value < min || value > max)
		die(2, "%s must be %lld..%lld: %s", what, min, max, s);
	return value;
}

static enum fault
parse_fault(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (strcmp(name, fault_names[i]) == 0)
			return (enum fault)i;
	die(2, "unknown fault: %s", name);
	return FAULT_CLEAN;
}

static int
parse_direction(const char *name)
{
	if (strcmp(name, "req") == 0)
		return DIR_REQ;
	if (strcmp(name, "rep") == 0)
		return DIR_REP;
	die(2, "direction must be req or rep: %s", name);
	return DIR_REQ;
}

/*
 * Splits "host:port" or "[v6addr]:port" into host and a checked decimal
 * port.  Exits with status 2 on a malformed spec.
 */
static void
split_hostport(const char *spec, char *host, char *port, long long min_port)
{
	const char *name, *colon, *bracket;
	size_t name_len;

	if (spec[0] == '[') {
		bracket = strchr(spec, ']');
		if (bracket == NULL || bracket[1] != ':')
			die(2, "bad host:port: %s", spec);
		name = spec + 1;
		colon = bracket + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL ||
		    memchr(spec, ':', (size_t)(colon - spec)) != NULL)
			die(2, "bad host:port: %s", spec);
		name = spec;
		bracket = colon;
	}
	name_len = (size_t)(bracket - name);
	if (name_len == 0 || name_len >= HOST_LEN)
		die(2, "bad host in %s", spec);
	memcpy(host, name, name_len);
	host[name_len] = '\0';
	(void)snprintf(port, PORT_LEN, "%lld",
	    parse_number(colon + 1, min_port, 65535, "port"));
}

/* Resolves a host:port spec for TCP; exits 1 when it cannot. */
static struct addrinfo *
resolve(const char *spec, int passive)
{
	char host[HOST_LEN], port[PORT_LEN];
	struct addrinfo hints, *res;
	int rc;

	split_hostport(spec, host, port, passive ? 0 : 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		die(1, "%s: %s", spec, gai_strerror(rc));
	return res;
}

static void
set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_spec = "127.0.0.1:0";
	cfg->fault = FAULT_CLEAN;
	cfg->fault_dir = DIR_REQ;
	cfg->offset = 1000;
	cfg->count = 1;
	cfg->lifetime = 120;
}

/* Fills cfg from the command line; bad usage exits with status 2. */
static void
parse_args(int argc, char *argv[], struct config *cfg)
{
	int ch, have_fault = 0;

	set_defaults(cfg);
	opterr = 0;
	while ((ch = getopt(argc, argv, ":t:c:f:D:O:n:")) != -1) {
		switch (ch) {
		case 't':
			cfg->lifetime = parse_number(optarg, 1, LIFETIME_MAX,
			    "lifetime");
			break;
		case 'c':
			cfg->server_spec = optarg;
			break;
		case 'f':
			cfg->fault = parse_fault(optarg);
			have_fault = 1;
			break;
		case 'D':
			cfg->fault_dir = parse_direction(optarg);
			break;
		case 'O':
			cfg->offset = (uint64_t)parse_number(optarg, 0,
			    OFFSET_MAX, "offset");
			break;
		case 'n':
			cfg->count = (size_t)parse_number(optarg, 1, COUNT_MAX,
			    "count");
			break;
		case ':':
			die(2, "option -%c needs an argument", optopt);
			break;
		default:
			die(2, "unknown option -%c", optopt);
			break;
		}
	}
	if (argc - optind > 1)
		die(2, "too many arguments: %s", argv[optind + 1]);
	if (argc - optind == 1)
		cfg->listen_spec = argv[optind];
	if (cfg->server_spec == NULL)
		die(2, "missing -c host:port");
	if (!have_fault)
		die(2, "missing -f fault");
}

/* Returns 0, or -1 with errno set. */
static int
set_nonblock(int fd)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ? -1 : 0;
}

/* Relayed bytes go out at once; the peers choose their own framing. */
static int
set_nodelay(int fd)
{
	int on = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* Closes fd if open, warning on failure; errno is kept for the caller. */
static void
close_fd(int fd)
{
	int saved_errno = errno;

	/* After EINTR the descriptor is gone on Linux: never retry. */
	if (fd != -1 && close(fd) == -1 && errno != EINTR)
		say("close: %s", strerror(errno));
	errno = saved_errno;
}

/* Makes the next close() of fd send RST instead of FIN. */
static void
set_abortive(int fd)
{
	struct linger lg;

	lg.l_onoff = 1;
	lg.l_linger = 0;
	if (fd != -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1)
		say("SO_LINGER: %s", strerror(errno));
}

/*
 * Sends FIN, then reads and discards what the peer already sent: close()
 * with unread input would send RST, and a truncate must look like FIN.
 */
static void
close_with_fin(int fd)
{
	static unsigned char sink[READ_MAX];
	ssize_t n;
	int i;

	if (fd == -1)
		return;
	if (shutdown(fd, SHUT_WR) == -1 && errno != ENOTCONN)
		say("shutdown: %s", strerror(errno));
	for (i = 0; i < DRAIN_READS; i++) {
		n = read(fd, sink, sizeof(sink));
		if (n == 0 || (n == -1 && errno != EINTR))
			break;
	}
	close_fd(fd);
}

static void
on_signal(int sig)
{
	int saved_errno = errno;
	ssize_t n;

	(void)sig;
	stop_requested = 1;
	/* Wakes poll(); if the pipe is full a wake-up is already due. */
	n = write(signal_pipe_wr, "x", 1);
	(void)n;
	errno = saved_errno;
}

/*
 * Installs the SIGTERM/SIGINT handler and ignores SIGPIPE, so a write to
 * a closed peer fails with EPIPE.  Returns the wake-up pipe's read end.
 */
static int
setup_signals(void)
{
	struct sigaction sa;
	int fds[2];

	if (pipe(fds) == -1)
		die(1, "pipe: %s", strerror(errno));
	if (set_nonblock(fds[0]) == -1 || set_nonblock(fds[1]) == -1)
		die(1, "pipe: %s", strerror(errno));
	signal_pipe_wr = fds[1];
	memset(&sa, 0, sizeof(sa));
	if (sigemptyset(&sa.sa_mask) == -1)
		die(1, "sigemptyset: %s", strerror(errno));
	sa.sa_handler = on_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		die(1, "sigaction: %s", strerror(errno));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		die(1, "sigaction: %s", strerror(errno));
	return fds[0];
}

/* Prints the line the tests wait for, with the port the kernel chose. */
static void
announce_listener(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[HOST_LEN], port[PORT_LEN];
	int rc;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		die(1, "getsockname: %s", strerror(errno));
	rc = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
	    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
	if (rc != 0)
		die(1, "getnameinfo: %s", gai_strerror(rc));
	if (fprintf(stderr, "Listening on %s port %s\n", host, port) < 0 ||
	    fflush(stderr) == EOF)
		die(1, "stderr: %s", strerror(errno));
}

/* Returns a non-blocking listening socket; exits 1 when none can be had. */
static int
open_listener(const char *spec)
{
	struct addrinfo *res, *ai;
	int fd = -1, on = 1;

	res = resolve(spec, 1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == 0 &&
		    bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SOMAXCONN) == 0 && set_nonblock(fd) == 0)
			break;
		close_fd(fd);
		fd = -1;
	}
	if (fd == -1)
		die(1, "listen %s: %s", spec, strerror(errno));
	freeaddrinfo(res);
	announce_listener(fd);
	return fd;
}

/* Milliseconds until the lifetime ends, rounded up; <= 0 once over. */
static long long
lifetime_left_ms(const struct timespec *deadline)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		die(1, "clock_gettime: %s", strerror(errno));
	return (deadline->tv_sec - now.tv_sec) * 1000LL +
	    (deadline->tv_nsec - now.tv_nsec + 999999L) / 1000000L;
}

static void
start_clock(struct proxy *px)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		die(1, "clock_gettime: %s", strerror(errno));
	px->rng = (uint64_t)now.tv_sec * 1000000007ULL ^
	    (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 32);
	px->deadline = now;
	px->deadline.tv_sec += (time_t)px->cfg.lifetime;
}

static int
is_cut(enum fault fault)
{
	return fault == FAULT_TRUNCATE || fault == FAULT_RESET ||
	    fault == FAULT_STALL;
}

static int
has_pending(const struct direction *d)
{
	return d->out_off < d->out_len;
}

/*
 * How many bytes may be read before the next fault boundary, so that a
 * chunk lies wholly before, inside or after each faulted range.  A cut
 * fault stops reading at its offset: 0 there.
 */
static uint64_t
room_to_boundary(const struct direction *d)
{
	uint64_t bound[3], o = d->offset, n = d->count;
	size_t nbound = 0, i;

	switch (d->fault) {
	case FAULT_CLEAN:
		return UINT64_MAX;
	case FAULT_FLIP:
		n = 1;
		/* FALLTHROUGH */
	case FAULT_DROP:
	case FAULT_DUP:
		bound[nbound++] = o;
		bound[nbound++] = o + n;
		break;
	case FAULT_SWAP:
		bound[nbound++] = o;
		bound[nbound++] = o + n;
		bound[nbound++] = o + 2 * n;
		break;
	default:	/* insert and the cut faults */
		if (is_cut(d->fault))
			return o - d->pos;
		bound[nbound++] = o;
		break;
	}
	for (i = 0; i < nbound; i++)
		if (bound[i] > d->pos)
			return bound[i] - d->pos;
	return UINT64_MAX;
}

static int
wants_read(const struct direction *d)
{
	return !d->eof && !has_pending(d) && room_to_boundary(d) > 0;
}

static void
queue_bytes(struct direction *d, const void *bytes, size_t len)
{
	memcpy(d->out + d->out_len, bytes, len);
	d->out_len += len;
}

static void
hold_bytes(struct direction *d, const void *bytes, size_t len)
{
	memcpy(d->held + d->held_len, bytes, len);
	d->held_len += len;
}

static void
release_held(struct direction *d)
{
	queue_bytes(d, d->held, d->held_len);
	d->held_len = 0;
}

/*
 * Queues one chunk read at stream position d->pos, applying the fault.
 * The queue is empty on entry and holds READ_MAX + count bytes, enough
 * for a chunk plus the inserted, repeated or held-back bytes.
 */
static void
queue_chunk(struct direction *d, unsigned char *chunk, size_t len)
{
	uint64_t start = d->pos, end = d->pos + len, o = d->offset;
	int in_first = start >= o && start < o + d->count;

	switch (d->fault) {
	case FAULT_DROP:
		if (in_first)
			return;
		break;
	case FAULT_FLIP:
		if (start == o)
			chunk[0] ^= 1;
		break;
	case FAULT_INSERT:
		if (start == o) {
			memset(d->out + d->out_len, GARBAGE, d->count);
			d->out_len += d->count;
		}
		break;
	case FAULT_DUP:
		if (in_first)
			hold_bytes(d, chunk, len);
		queue_bytes(d, chunk, len);
		if (end == o + d->count)
			release_held(d);
		return;
	case FAULT_SWAP:
		if (in_first) {
			hold_bytes(d, chunk, len);
			return;
		}
		queue_bytes(d, chunk, len);
		if (end == o + 2 * d->count)
			release_held(d);
		return;
	default:
		break;
	}
	queue_bytes(d, chunk, len);
}

/*
 * Reads one chunk from d->from and queues it for d->to.  Returns -1 on a
 * read error, else 0 (also for EOF and for nothing to read yet).
 */
static int
read_chunk(struct proxy *px, struct direction *d)
{
	static unsigned char chunk[READ_MAX];
	uint64_t want;
	ssize_t n;

	want = px->cfg.fault == FAULT_CLEAN ?
	    rng_range(&px->rng, 1, CLEAN_READ_MAX) : READ_MAX;
	n = read(d->from, chunk, (size_t)min_u64(want, room_to_boundary(d)));
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1;
	if (n == 0) {
		d->eof = 1;
		/* A swap cut short by EOF still delivers what it held. */
		if (d->fault == FAULT_SWAP)
			release_held(d);
		return 0;
	}
	queue_chunk(d, chunk, (size_t)n);
	d->pos += (uint64_t)n;
	return 0;
}

/* Sleeps 0..CLEAN_PAUSE_NS so the peer sees writes spread in time. */
static void
pause_briefly(struct proxy *px)
{
	struct timespec ts;

	ts.tv_sec = 0;
	ts.tv_nsec = (long)rng_range(&px->rng, 0, CLEAN_PAUSE_NS);
	while (nanosleep(&ts, &ts) == -1) {
		if (errno != EINTR || stop_requested)
			break;
	}
}

/*
 * Writes queued bytes to d->to: as many as the socket takes in fault
 * modes, a random piece of at most CLEAN_WRITE_MAX and then a pause in
 * clean mode.  Returns -1 on a write error, else 0.
 */
static int
write_queued(struct proxy *px, struct direction *d)
{
	size_t want = d->out_len - d->out_off;
	ssize_t n;

	if (px->cfg.fault == FAULT_CLEAN)
		want = (size_t)min_u64(want,
		    rng_range(&px->rng, 1, CLEAN_WRITE_MAX));
	n = write(d->to, d->out + d->out_off, want);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1;
	d->out_off += (size_t)n;
	if (d->out_off == d->out_len)
		d->out_off = d->out_len = 0;
	if (px->cfg.fault == FAULT_CLEAN)
		pause_briefly(px);
	return 0;
}

/*
 * Moves d one step: reads a chunk when the queue is empty, writes what
 * is queued, and passes the FIN on once the queue is drained.  Returns
 * -1 when the pair is broken, else 0.
 */
static int
service_direction(struct proxy *px, struct direction *d, short from_rev,
    short to_rev)
{
	int got_chunk = 0;

	if (d->shut)
		return 0;
	if ((from_rev & (POLLIN | POLLHUP | POLLERR)) && wants_read(d)) {
		if (read_chunk(px, d) == -1)
			return -1;
		got_chunk = 1;
	}
	if (has_pending(d) &&
	    (got_chunk || (to_rev & (POLLOUT | POLLHUP | POLLERR))) &&
	    write_queued(px, d) == -1)
		return -1;
	if (d->eof && !has_pending(d)) {
		if (shutdown(d->to, SHUT_WR) == -1)
			return -1;
		d->shut = 1;
	}
	return 0;
}

static void
free_pair(struct pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(p->dir[i].out);
		free(p->dir[i].held);
	}
	free(p);
}

/* Closes both sockets, with RST when abortive, and frees the pair. */
static void
close_pair(struct pair *p, int abortive)
{
	if (abortive) {
		set_abortive(p->client);
		set_abortive(p->server);
		close_fd(p->client);
		close_fd(p->server);
	} else {
		close_with_fin(p->client);
		close_with_fin(p->server);
	}
	free_pair(p);
}

/* Returns a pair for a new client, or NULL with errno set. */
static struct pair *
new_pair(struct proxy *px, int client)
{
	struct pair *p;
	struct direction *d;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->state = PAIR_CONNECTING;
	p->client = client;
	p->server = -1;
	p->next_addr = px->server_addrs;
	for (i = 0; i < 2; i++) {
		d = &p->dir[i];
		d->fault = i == px->cfg.fault_dir ? px->cfg.fault : FAULT_CLEAN;
		d->offset = px->cfg.offset;
		d->count = px->cfg.count;
		d->out = malloc(READ_MAX + d->count);
		d->held = d->fault != FAULT_CLEAN ? malloc(d->count) : NULL;
		if (d->out == NULL ||
		    (d->fault != FAULT_CLEAN && d->held == NULL)) {
			free_pair(p);
			errno = ENOMEM;
			return NULL;
		}
	}
	return p;
}

/*
 * Starts a non-blocking connect to the next server address.  Returns 0
 * when one is under way, -1 with errno set when no address is left.
 */
static int
connect_next(struct pair *p)
{
	struct addrinfo *ai;
	int fd;

	while ((ai = p->next_addr) != NULL) {
		p->next_addr = ai->ai_next;
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (set_nonblock(fd) == 0 &&
		    (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS || errno == EINTR)) {
			p->server = fd;
			return 0;
		}
		close_fd(fd);
	}
	return -1;
}

/*
 * Completes the connect once the server socket is writable, trying the
 * next address if it failed.  Returns -1 when no server can be reached.
 */
static int
finish_connect(struct proxy *px, struct pair *p)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(p->server, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		close_fd(p->server);
		p->server = -1;
		if (connect_next(p) == 0)
			return 0;
		say("connect %s: %s", px->cfg.server_spec, strerror(err));
		return -1;
	}
	if (set_nodelay(p->client) == -1 || set_nodelay(p->server) == -1) {
		say("TCP_NODELAY: %s", strerror(errno));
		return -1;
	}
	p->dir[DIR_REQ].from = p->dir[DIR_REP].to = p->client;
	p->dir[DIR_REQ].to = p->dir[DIR_REP].from = p->server;
	p->state = PAIR_RELAYING;
	return 0;
}

/*
 * Applies a truncate, reset or stall fault once the bytes before its
 * offset are written.  Returns 1 when the pair was closed, else 0.
 */
static int
cut_pair(struct pair *p, enum fault fault)
{
	if (fault == FAULT_STALL) {
		/* Both sockets stay open but leave the poll set for good. */
		p->state = PAIR_STALLED;
		return 0;
	}
	/*
	 * On reset, bytes the kernel still holds unsent are lost with the
	 * RST; on loopback they have normally reached the peer already.
	 */
	close_pair(p, fault == FAULT_RESET);
	return 1;
}

/*
 * Handles the poll results of one pair.  Returns 1 when the pair was
 * closed and freed, 0 when it lives on.
 */
static int
service_pair(struct proxy *px, struct pair *p, short client_rev,
    short server_rev)
{
	struct direction *d;
	int i;

	if (p->state == PAIR_CONNECTING) {
		if (server_rev == 0)
			return 0;
		if (finish_connect(px, p) == -1) {
			close_pair(p, 1);
			return 1;
		}
		/* Fall on so that a cut at offset 0 happens now. */
		client_rev = server_rev = 0;
	}
	if (p->state != PAIR_RELAYING)
		return 0;
	for (i = 0; i < 2; i++) {
		d = &p->dir[i];
		if (service_direction(px, d, i == DIR_REQ ? client_rev :
		    server_rev, i == DIR_REQ ? server_rev : client_rev) == -1) {
			/* A broken relay resets both peers: no false EOF. */
			close_pair(p, 1);
			return 1;
		}
		if (is_cut(d->fault) && d->pos == d->offset && !has_pending(d))
			return cut_pair(p, d->fault);
	}
	if (p->dir[DIR_REQ].shut && p->dir[DIR_REP].shut) {
		close_pair(p, 0);
		return 1;
	}
	return 0;
}

/* What to poll for on fd, one of the pair's two sockets. */
static short
socket_events(const struct pair *p, int fd)
{
	short events = 0;
	int i;

	if (p->state == PAIR_CONNECTING)
		return fd == p->server ? POLLOUT : 0;
	if (p->state == PAIR_STALLED)
		return 0;
	for (i = 0; i < 2; i++) {
		if (p->dir[i].from == fd && wants_read(&p->dir[i]))
			events |= POLLIN;
		if (p->dir[i].to == fd && has_pending(&p->dir[i]))
			events |= POLLOUT;
	}
	return events;
}

/* Sockets with nothing to wait for are left out, so POLLHUP cannot spin. */
static void
set_pollfd(struct pollfd *pfd, const struct pair *p, int fd)
{
	pfd->events = fd == -1 ? 0 : socket_events(p, fd);
	pfd->fd = pfd->events != 0 ? fd : -1;
	pfd->revents = 0;
}

/* Slot 0 is the signal pipe, 1 the listener, then two per pair. */
static nfds_t
build_pollfds(struct proxy *px)
{
	size_t i;

	px->pfds[0].fd = px->wake_fd;
	px->pfds[0].events = POLLIN;
	px->pfds[1].fd = px->npairs < MAX_PAIRS ? px->listen_fd : -1;
	px->pfds[1].events = POLLIN;
	for (i = 0; i < px->npairs; i++) {
		set_pollfd(&px->pfds[2 + 2 * i], px->pairs[i],
		    px->pairs[i]->client);
		set_pollfd(&px->pfds[3 + 2 * i], px->pairs[i],
		    px->pairs[i]->server);
	}
	return (nfds_t)(2 + 2 * px->npairs);
}

/* Walks backwards so that moving the last pair into a hole is safe. */
static void
service_pairs(struct proxy *px)
{
	size_t i = px->npairs;

	while (i-- > 0) {
		if (service_pair(px, px->pairs[i], px->pfds[2 + 2 * i].revents,
		    px->pfds[3 + 2 * i].revents))
			px->pairs[i] = px->pairs[--px->npairs];
	}
}

/* Accepts one client and starts its server connect; failures are local. */
static void
accept_client(struct proxy *px)
{
	struct pair *p;
	int fd;

	if ((fd = accept(px->listen_fd, NULL, NULL)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			say("accept: %s", strerror(errno));
		return;
	}
	if (set_nonblock(fd) == -1 || (p = new_pair(px, fd)) == NULL) {
		say("new client: %s", strerror(errno));
		set_abortive(fd);
		close_fd(fd);
		return;
	}
	if (connect_next(p) == -1) {
		say("connect %s: %s", px->cfg.server_spec, strerror(errno));
		close_pair(p, 1);
		return;
	}
	px->pairs[px->npairs++] = p;
}

/* Relays until the lifetime ends or a signal asks to stop. */
static void
run_proxy(struct proxy *px)
{
	long long left;
	nfds_t nfds;

	while (!stop_requested &&
	    (left = lifetime_left_ms(&px->deadline)) > 0) {
		nfds = build_pollfds(px);
		if (poll(px->pfds, nfds, left > INT_MAX ? INT_MAX :
		    (int)left) == -1) {
			if (errno == EINTR)
				continue;
			die(1, "poll: %s", strerror(errno));
		}
		service_pairs(px);
		if (px->pfds[1].revents != 0)
			accept_client(px);
	}
}

static void
close_proxy(struct proxy *px)
{
	while (px->npairs > 0)
		close_pair(px->pairs[--px->npairs], 0);
	close_fd(px->listen_fd);
	close_fd(px->wake_fd);
	close_fd(signal_pipe_wr);
	freeaddrinfo(px->server_addrs);
}

int
main(int argc, char *argv[])
{
	static struct proxy px;

	parse_args(argc, argv, &px.cfg);
	px.server_addrs = resolve(px.cfg.server_spec, 0);
	px.wake_fd = setup_signals();
	px.listen_fd = open_listener(px.cfg.listen_spec);
	start_clock(&px);
	run_proxy(&px);
	close_proxy(&px);
	return 0;
}
