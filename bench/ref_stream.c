/*
 * ref_stream: the fastest plain one-way stream over loopback TCP, the
 * reference that seqtest -s is measured against.  The parent writes
 * B-byte buffers for T seconds (or until it has written a total); a
 * forked child reads up to R bytes at a time and discards them.  At
 * EOF the child sends back its byte count, so the time covers every
 * byte received, not just every byte handed to the kernel.
 *
 * Nagle stays on unless -N: a bulk sender gains from it (iperf3 leaves
 * it on too), while -N shows what TCP_NODELAY costs at this size.
 *
 * Prints one line on stdout:
 * ref_stream size=B nodelay=0|1 bytes=N seconds=S bytes_per_s=X
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refnet.h"

#define SIZE_MAX_BUF	(1 << 24)

struct options {
	size_t		size;		/* bytes per write */
	size_t		rsize;		/* bytes per read, at most */
	uint64_t	total;		/* bytes to write; 0 = timed */
	uint64_t	seconds;	/* run time when total is 0 */
	int		nodelay;	/* set TCP_NODELAY on both ends */
};

static void
usage(void)
{
	fprintf(stderr, "usage: ref_stream [-N] [-b size] [-r size] "
	    "[-B bytes | -t seconds]\n");
	exit(2);
}

static void
parse_options(int argc, char *argv[], struct options *opt)
{
	int ch;

	opt->size = 8000;
	opt->rsize = 256 * 1024;
	opt->total = 0;
	opt->seconds = 0;
	opt->nodelay = 0;
	while ((ch = getopt(argc, argv, "B:b:Nr:t:")) != -1) {
		switch (ch) {
		case 'B':
			opt->total = (uint64_t)parse_num(optarg, 1, INT64_MAX,
			    "-B");
			break;
		case 'b':
			opt->size = (size_t)parse_num(optarg, 1, SIZE_MAX_BUF,
			    "-b");
			break;
		case 'N':
			opt->nodelay = 1;
			break;
		case 'r':
			opt->rsize = (size_t)parse_num(optarg, 1, SIZE_MAX_BUF,
			    "-r");
			break;
		case 't':
			opt->seconds = (uint64_t)parse_num(optarg, 1, 86400,
			    "-t");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (opt->total > 0 && opt->seconds > 0))
		usage();
	if (opt->total == 0 && opt->seconds == 0)
		opt->seconds = 5;
}

/* Child: read and discard until EOF, then send back the byte count. */
static void
run_sink(int listener, const struct options *opt)
{
	unsigned char *buf;
	uint64_t got = 0;
	ssize_t r;
	int s;

	if ((buf = malloc(opt->rsize)) == NULL)
		die("malloc");
	s = accept_peer(listener, opt->nodelay);
	close_or_die(listener);
	for (;;) {
		r = read(s, buf, opt->rsize);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die("sink read");
		if (r == 0)
			break;
		got += (uint64_t)r;
	}
	if (write_full(s, &got, sizeof(got)) == -1)
		die("sink write");
	close_or_die(s);
	_exit(0);
}

/* Returns the bytes written: the total asked, or until the deadline. */
static uint64_t
write_stream(int s, const unsigned char *buf, const struct options *opt,
    uint64_t start)
{
	uint64_t sent, deadline;
	size_t n;
	unsigned long i;

	deadline = start + opt->seconds * 1000000000ULL;
	for (i = 0, sent = 0;; i++) {
		if (opt->total > 0 && sent >= opt->total)
			break;
		if (opt->total == 0 && i % 16 == 0 && now_ns() >= deadline)
			break;
		n = opt->size;
		if (opt->total > 0 && opt->total - sent < n)
			n = (size_t)(opt->total - sent);
		if (write_full(s, buf, n) == -1)
			die("write");
		sent += n;
	}
	return sent;
}

/*
 * Stream to the sink on port, wait for its count and check it.
 * Stores the bytes and nanoseconds in *bytes and *ns.
 */
static void
run_source(uint16_t port, const struct options *opt, uint64_t *bytes,
    uint64_t *ns)
{
	unsigned char *buf;
	uint64_t start, got;
	int s;

	if ((buf = calloc(1, opt->size)) == NULL)
		die("calloc");
	s = connect_loopback(port, opt->nodelay);
	start = now_ns();
	*bytes = write_stream(s, buf, opt, start);
	if (shutdown(s, SHUT_WR) == -1)
		die("shutdown");
	if (read_full(s, &got, sizeof(got)) != (ssize_t)sizeof(got))
		die("read count");
	*ns = now_ns() - start;
	close_or_die(s);
	free(buf);
	if (got != *bytes) {
		fprintf(stderr, "ref_stream: sent %llu bytes, sink got %llu\n",
		    (unsigned long long)*bytes, (unsigned long long)got);
		exit(1);
	}
}

/* Returns 0 if the child exited with status 0, else -1. */
static int
reap_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			die("waitpid");
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct options opt;
	uint64_t bytes, ns;
	uint16_t port;
	double secs;
	pid_t pid;
	int l;

	refnet_prog = "ref_stream";
	parse_options(argc, argv, &opt);
	l = open_listener(1, &port);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0)
		run_sink(l, &opt);
	close_or_die(l);
	run_source(port, &opt, &bytes, &ns);
	if (reap_child(pid) == -1) {
		fprintf(stderr, "ref_stream: the sink failed\n");
		return 1;
	}
	secs = (double)ns / 1e9;
	if (printf("ref_stream size=%zu nodelay=%d bytes=%llu seconds=%.6f "
	    "bytes_per_s=%.1f\n", opt.size, opt.nodelay,
	    (unsigned long long)bytes, secs,
	    secs > 0 ? (double)bytes / secs : 0.0) < 0 ||
	    fflush(stdout) == EOF)
		die("stdout");
	return 0;
}
