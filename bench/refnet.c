/*
 * Helpers shared by ref_pingpong and ref_stream.  Every system call is
 * checked; failures end the calling process with exit status 1.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "refnet.h"

const char *refnet_prog = "ref";

/*
 * Print "prog: what: reason" on stderr and leave with status 1.
 * _exit() so that a forked child never flushes inherited stdio.
 */
void
die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", refnet_prog, what, strerror(errno));
	_exit(1);
}

/* Print "prog: what: why" on stderr and leave with status 2. */
void
usage_error(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", refnet_prog, what, why);
	exit(2);
}

/* Return s as a number in [min, max]; a usage error names the option. */
long long
parse_num(const char *s, long long min, long long max, const char *name)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		usage_error(name, "not a number");
	if (errno == ERANGE || v < min || v > max)
		usage_error(name, "out of range");
	return v;
}

/*
 * Read exactly n bytes unless EOF comes first.  Returns the bytes read
 * (less than n only at EOF), or -1 with errno set.
 */
ssize_t
read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = read(fd, p + done, n - done);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* Write all n bytes.  Returns 0, or -1 with errno set. */
int
write_full(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = write(fd, p + done, n - done);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

/* Turn Nagle off so that every small write leaves at once. */
static void
set_nodelay(int s)
{
	int on = 1;

	if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		die("setsockopt TCP_NODELAY");
}

/*
 * Listen on 127.0.0.1 at a port the kernel picks; store the port in
 * *port.  Returns the listening socket.
 */
int
open_listener(int backlog, uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s, on = 1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		die("setsockopt SO_REUSEADDR");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind 127.0.0.1");
	if (listen(s, backlog) == -1)
		die("listen");
	if (getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		die("getsockname");
	*port = ntohs(sin.sin_port);
	return s;
}

/* Accept one connection on listener l; Nagle off if nodelay. */
int
accept_peer(int l, int nodelay)
{
	int s;

	while ((s = accept(l, NULL, NULL)) == -1) {
		if (errno != EINTR)
			die("accept");
	}
	if (nodelay)
		set_nodelay(s);
	return s;
}

/* Connect to 127.0.0.1:port; Nagle off if nodelay. */
int
connect_loopback(uint16_t port, int nodelay)
{
	struct sockaddr_in sin;
	int s;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("connect 127.0.0.1");
	if (nodelay)
		set_nodelay(s);
	return s;
}

/* Nanoseconds on the monotonic clock, comparable across processes. */
uint64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
close_or_die(int fd)
{
	if (close(fd) == -1)
		die("close");
}
