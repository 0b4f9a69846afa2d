/*
 * hostile: a misbehaving seqtest client, for the replier's tests.  It
 * connects, sends one kind of bad input, then reads until the replier
 * closes, and prints how the connection ended.  alarm() bounds it.
 * Mode evil_report is a misbehaving replier instead, for the senders'.
 *
 * usage: hostile host port mode [n]
 * modes: garbage ssz_small ssz_big rsz_big rdly_big partial idle many
 *        unpatterned (n good headers with zeroed payload, as the
 *        original seqtest sends; prints how many bytes came back)
 *        evil_report (listens on host:port, "Listening on" on stderr;
 *        answers the first request with an error report of kind n,
 *        default 4, bad header, whose detail holds terminal escapes, a
 *        newline and a byte 0xff)
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../proto.h"

static int
dial(const char *host, int port)
{
	struct sockaddr_in sin;
	int	 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "hostile: bad host %s\n", host);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("hostile: connect");
		exit(1);
	}
	return fd;
}

static void
send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			perror("hostile: write");
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Reads until the replier closes; prints how. */
static void
await_close(int fd)
{
	char	 buf[4096];
	ssize_t	 n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n == -1 && errno == EINTR))
		;
	printf("%s\n", n == 0 ? "closed by peer" : strerror(errno));
}

static void
recv_all(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "hostile: read: %s\n",
			    n == 0 ? "end of stream" : strerror(errno));
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Listens on host:port (0: any) and says where, as seqtest -r does. */
static int
listen_on(const char *host, int port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int	 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "hostile: bad host %s\n", host);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("hostile: listen");
		exit(1);
	}
	fprintf(stderr, "Listening on %s port %u\n", host,
	    (unsigned)ntohs(sin.sin_port));
	return fd;
}

/*
 * A replier that answers the first request with an error report whose
 * detail text is hostile: a peer's words must never reach a terminal.
 */
static void
evil_report(const char *host, int port, int kind)
{
	static const char evil[] = "\033[2J\033]0;pwned\007\nline two\377";
	unsigned char	 buf[PROTO_MSG_MAX];
	struct proto_error pe;
	struct msg_hdr	 h;
	int		 lfd, fd;

	lfd = listen_on(host, port);
	while ((fd = accept(lfd, NULL, NULL)) == -1 && errno == EINTR)
		;
	if (fd == -1) {
		perror("hostile: accept");
		exit(1);
	}
	recv_all(fd, buf, PROTO_HDR_LEN);
	proto_decode(buf, &h);
	if (h.ssz > PROTO_HDR_LEN)
		recv_all(fd, buf, h.ssz - PROTO_HDR_LEN);
	memset(&pe, 0, sizeof(pe));
	pe.seqno = h.seqno;
	pe.expected = 1;
	pe.got = 2;
	pe.kind = (uint16_t)kind;
	memcpy(pe.what, evil, sizeof(evil));
	proto_encode_error(buf, &pe);
	send_all(fd, buf, PROTO_ERR_LEN);
	(void)shutdown(fd, SHUT_WR);
	await_close(fd);
}

/* A header with one field made bad; ssz stays honest unless it is the fault. */
static void
send_bad_header(int fd, const char *mode)
{
	unsigned char	 msg[100];
	struct msg_hdr	 h;

	memset(&h, 0, sizeof(h));
	h.ssz = sizeof(msg);
	h.rsz = 40;
	if (strcmp(mode, "ssz_small") == 0)
		h.ssz = 12;
	else if (strcmp(mode, "ssz_big") == 0)
		h.ssz = 60000;
	else if (strcmp(mode, "rsz_big") == 0)
		h.rsz = 60000;
	else if (strcmp(mode, "rdly_big") == 0)
		h.rdly = 4000000000u;
	proto_encode(msg, &h);
	proto_fill(msg, sizeof(msg), 0);
	send_all(fd, msg, sizeof(msg));
}

/*
 * Sends n messages with honest headers and an all-zero payload, each
 * asking for a 40-byte reply; counts the bytes that come back.
 */
static void
unpatterned(int fd, int n)
{
	unsigned char	 msg[200], buf[4096];
	struct msg_hdr	 h;
	size_t		 got = 0;
	ssize_t		 r;
	int		 i;

	memset(msg, 0, sizeof(msg));
	memset(&h, 0, sizeof(h));
	h.ssz = sizeof(msg);
	h.rsz = PROTO_HDR_LEN;
	for (i = 0; i < n; i++) {
		h.seqno = (uint64_t)i;
		proto_encode(msg, &h);
		send_all(fd, msg, sizeof(msg));
	}
	(void)shutdown(fd, SHUT_WR);
	while ((r = read(fd, buf, sizeof(buf))) > 0 ||
	    (r == -1 && errno == EINTR))
		got += r > 0 ? (size_t)r : 0;
	printf("received %zu bytes\n", got);
}

/* Opens n connections, holds them a moment, then closes them all. */
static void
many(const char *host, int port, int n)
{
	int	*fds, i;

	if ((fds = calloc((size_t)n, sizeof(*fds))) == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		fds[i] = dial(host, port);
	sleep(1);
	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	free(fds);
	printf("opened %d\n", n);
}

int
main(int argc, char *argv[])
{
	unsigned char	 junk[1000];
	const char	*mode;
	int		 fd, n;

	if (argc < 4) {
		fprintf(stderr, "usage: hostile host port mode [n]\n");
		return 2;
	}
	alarm(60);
	memset(junk, 0, sizeof(junk));
	mode = argv[3];
	n = argc > 4 ? atoi(argv[4]) : 1;
	if (strcmp(mode, "evil_report") == 0) {
		evil_report(argv[1], atoi(argv[2]), argc > 4 ? n : 4);
		return 0;
	}
	if (strcmp(mode, "many") == 0) {
		many(argv[1], atoi(argv[2]), n);
		return 0;
	}
	fd = dial(argv[1], atoi(argv[2]));
	if (strcmp(mode, "unpatterned") == 0) {
		unpatterned(fd, n);
		return 0;
	}
	if (strcmp(mode, "garbage") == 0) {
		memset(junk, 0xa5, sizeof(junk));
		send_all(fd, junk, sizeof(junk));
	} else if (strcmp(mode, "partial") == 0) {
		send_bad_header(fd, "none");
		send_all(fd, junk, 30);	/* and half of the next header */
		(void)shutdown(fd, SHUT_WR);
	} else if (strcmp(mode, "idle") != 0)
		send_bad_header(fd, mode);
	await_close(fd);
	return 0;
}
