/*
 * ref_pingpong: the fastest plain ping-pong over loopback TCP, the
 * reference that seqtest -S is measured against.  P pairs of
 * processes: each client writes M bytes and reads the M bytes its
 * server echoes, for N round trips or T seconds.  All clients connect
 * first and start together; the rate is all round trips over the span
 * from the first start to the last end.
 *
 * Prints one line on stdout:
 * ref_pingpong pairs=P size=M roundtrips=R seconds=S rt_per_s=X
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refnet.h"

#define PAIRS_MAX	1024
#define SIZE_MAX_MSG	(1 << 20)

struct options {
	size_t		size;		/* message bytes, both ways */
	uint64_t	count;		/* round trips per pair; 0 = timed */
	uint64_t	seconds;	/* run time when count is 0 */
	int		pairs;
};

/* The descriptors the parent holds while it forks. */
struct fds {
	int		listener;
	int		ready[2];	/* a byte per connected client */
	int		gate[2];	/* its close starts all clients */
	int		results[2];	/* one struct result per client */
};

/* One client's record on the results pipe, well under PIPE_BUF. */
struct result {
	uint64_t	start_ns;
	uint64_t	end_ns;
	uint64_t	roundtrips;
};

static void
usage(void)
{
	fprintf(stderr, "usage: ref_pingpong [-m size] [-n roundtrips | "
	    "-t seconds] [-p pairs]\n");
	exit(2);
}

static void
parse_options(int argc, char *argv[], struct options *opt)
{
	int ch;

	opt->size = 40;
	opt->count = 0;
	opt->seconds = 0;
	opt->pairs = 1;
	while ((ch = getopt(argc, argv, "m:n:p:t:")) != -1) {
		switch (ch) {
		case 'm':
			opt->size = (size_t)parse_num(optarg, 1, SIZE_MAX_MSG,
			    "-m");
			break;
		case 'n':
			opt->count = (uint64_t)parse_num(optarg, 1, INT64_MAX,
			    "-n");
			break;
		case 'p':
			opt->pairs = (int)parse_num(optarg, 1, PAIRS_MAX, "-p");
			break;
		case 't':
			opt->seconds = (uint64_t)parse_num(optarg, 1, 86400,
			    "-t");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (opt->count > 0 && opt->seconds > 0))
		usage();
	if (opt->count == 0 && opt->seconds == 0)
		opt->count = 200000;
}

/* Read one M-byte message and write it back; die on error or EOF. */
static void
exchange(int s, unsigned char *buf, size_t size)
{
	ssize_t r;

	if (write_full(s, buf, size) == -1)
		die("client write");
	if ((r = read_full(s, buf, size)) == -1)
		die("client read");
	if ((size_t)r != size) {
		errno = ECONNRESET;
		die("client read: short echo");
	}
}

/* Returns the round trips done: count of them, or until the deadline. */
static uint64_t
ping_pong(int s, unsigned char *buf, const struct options *opt,
    uint64_t start)
{
	uint64_t n, deadline;

	deadline = start + opt->seconds * 1000000000ULL;
	for (n = 0;; n++) {
		if (opt->count > 0 && n >= opt->count)
			break;
		/* The clock is cheap, but a round trip is cheaper still. */
		if (opt->count == 0 && n % 16 == 0 && now_ns() >= deadline)
			break;
		exchange(s, buf, opt->size);
	}
	return n;
}

/* Wait until the parent closes the gate: EOF on gate[0]. */
static void
wait_gate(int gate)
{
	char b;
	ssize_t r;

	while ((r = read(gate, &b, 1)) == -1 && errno == EINTR)
		;
	if (r == -1)
		die("read gate");
	close_or_die(gate);
}

static void
run_client(struct fds *f, uint16_t port, const struct options *opt)
{
	struct result res;
	unsigned char *buf;
	int s;

	close_or_die(f->listener);
	close_or_die(f->ready[0]);
	close_or_die(f->gate[1]);
	close_or_die(f->results[0]);
	if ((buf = calloc(1, opt->size)) == NULL)
		die("calloc");
	s = connect_loopback(port, 1);
	if (write_full(f->ready[1], "r", 1) == -1)
		die("write ready");
	close_or_die(f->ready[1]);
	wait_gate(f->gate[0]);
	res.start_ns = now_ns();
	res.roundtrips = ping_pong(s, buf, opt, res.start_ns);
	res.end_ns = now_ns();
	close_or_die(s);
	if (write_full(f->results[1], &res, sizeof(res)) == -1)
		die("write result");
	_exit(0);
}

/* Echo M-byte messages on one accepted connection until EOF. */
static void
run_server(struct fds *f, size_t size)
{
	unsigned char *buf;
	ssize_t r;
	int s;

	close_or_die(f->ready[0]);
	close_or_die(f->ready[1]);
	close_or_die(f->gate[0]);
	close_or_die(f->gate[1]);
	close_or_die(f->results[0]);
	close_or_die(f->results[1]);
	if ((buf = malloc(size)) == NULL)
		die("malloc");
	s = accept_peer(f->listener, 1);
	close_or_die(f->listener);
	while ((r = read_full(s, buf, size)) == (ssize_t)size) {
		if (write_full(s, buf, size) == -1)
			die("server write");
	}
	if (r == -1)
		die("server read");
	_exit(r == 0 ? 0 : 1);
}

/* End every child started so far, reap them, and fail the run. */
static void
abort_run(const pid_t *pids, int n, const char *why)
{
	int i;

	fprintf(stderr, "ref_pingpong: %s\n", why);
	for (i = 0; i < n; i++) {
		if (kill(pids[i], SIGTERM) == -1 && errno != ESRCH)
			die("kill");
	}
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], NULL, 0) == -1)
			die("waitpid");
	}
	exit(1);
}

/* Fork a server and a client per pair; pids gets 2 * pairs entries. */
static void
start_pairs(struct fds *f, uint16_t port, const struct options *opt,
    pid_t *pids)
{
	int i, n = 0;
	pid_t pid;

	for (i = 0; i < opt->pairs * 2; i++) {
		if ((pid = fork()) == -1) {
			fprintf(stderr, "ref_pingpong: fork: %s\n",
			    strerror(errno));
			abort_run(pids, n, "cannot start all pairs");
		}
		if (pid == 0 && i % 2 == 0)
			run_server(f, opt->size);
		if (pid == 0)
			run_client(f, port, opt);
		pids[n++] = pid;
	}
}

/*
 * Collect one result per client into *total, spanning the earliest
 * start to the latest end.  Returns 0, or -1 if a client failed.
 */
static int
collect_results(int fd, int clients, struct result *total)
{
	struct result r;
	int i;

	memset(total, 0, sizeof(*total));
	total->start_ns = UINT64_MAX;
	for (i = 0; i < clients; i++) {
		if (read_full(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			return -1;
		if (r.start_ns < total->start_ns)
			total->start_ns = r.start_ns;
		if (r.end_ns > total->end_ns)
			total->end_ns = r.end_ns;
		total->roundtrips += r.roundtrips;
	}
	return 0;
}

/* Returns 0 if every child exited with status 0, else -1. */
static int
reap_children(const pid_t *pids, int n)
{
	int i, status, failed = 0;

	for (i = 0; i < n; i++) {
		while (waitpid(pids[i], &status, 0) == -1) {
			if (errno != EINTR)
				die("waitpid");
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	return failed ? -1 : 0;
}

/* Start all pairs, open the gate once every client is connected. */
static void
run_pairs(const struct options *opt, struct result *total)
{
	struct fds f;
	pid_t pids[PAIRS_MAX * 2];
	char ready[PAIRS_MAX];
	uint16_t port;
	int n = opt->pairs * 2;

	f.listener = open_listener(opt->pairs, &port);
	if (pipe(f.ready) == -1 || pipe(f.gate) == -1 ||
	    pipe(f.results) == -1)
		die("pipe");
	start_pairs(&f, port, opt, pids);
	close_or_die(f.listener);
	close_or_die(f.ready[1]);
	close_or_die(f.gate[0]);
	close_or_die(f.results[1]);
	if (read_full(f.ready[0], ready, (size_t)opt->pairs) != opt->pairs)
		abort_run(pids, n, "a client failed to connect");
	close_or_die(f.gate[1]);
	if (collect_results(f.results[0], opt->pairs, total) == -1)
		abort_run(pids, n, "a client failed");
	if (reap_children(pids, n) == -1) {
		fprintf(stderr, "ref_pingpong: a child failed\n");
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct result total;
	double secs;

	refnet_prog = "ref_pingpong";
	parse_options(argc, argv, &opt);
	run_pairs(&opt, &total);
	secs = (double)(total.end_ns - total.start_ns) / 1e9;
	if (printf("ref_pingpong pairs=%d size=%zu roundtrips=%llu "
	    "seconds=%.6f rt_per_s=%.1f\n", opt.pairs, opt.size,
	    (unsigned long long)total.roundtrips, secs,
	    secs > 0 ? (double)total.roundtrips / secs : 0.0) < 0 ||
	    fflush(stdout) == EOF)
		die("stdout");
	return 0;
}
