/*
 * hostile: a misbehaving seqtest client, for the replier's tests.  It
 * connects, sends one kind of bad input, then reads until the replier
 * closes, and prints how the connection ended.  alarm() bounds it.
 * The reply_ modes and evil_report make it a misbehaving replier
 * instead, for the senders' tests: it listens on host:port (port 0:
 * any), says so as seqtest does, and answers the first request of one
 * connection.
 *
 * usage: hostile host port mode [n]
 * modes: garbage ssz_small ssz_big rsz_big rdly_big partial idle many
 *        unpatterned (n good headers with zeroed payload, as the
 *        original seqtest sends; prints how many bytes came back)
 *        reset (n good requests, their replies read, then part of the
 *        next one and an RST)
 *        reset_reply (n good requests, the last asking the replier to
 *        wait 900 ms; an RST while it waits)
 *        noread (n requests asking 60000-byte replies, none of them
 *        read: the replier's send blocks; waits until killed)
 * replier modes: reply_ssz_small reply_rsz_small (a reply header with
 *        that size 12), reply_unasked (a reply to a request that asked
 *        none)
 *        reply_reset (answers nothing: reads until the sender's FIN,
 *        then ends the connection with an RST)
 *        original (answers every request as the original seqtest's
 *        replier does: rdly echoed, the last one too, and no close of
 *        its own; prints "closed by peer" when the sender closes)
 *        late_junk, late_dup (answers every request as seqtest does,
 *        the last one with the mark that it closes after it; then,
 *        200 ms later, 70 junk bytes or that closing reply again, and
 *        the close)
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
#include <time.h>
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

/* Reads len bytes into buf, or, with buf NULL, drops them. */
static void
read_exact(int fd, unsigned char *buf, size_t len)
{
	static unsigned char	 junk[4096];

	while (len > 0) {
		ssize_t n = read(fd, buf != NULL ? buf : junk,
		    len < sizeof(junk) ? len : sizeof(junk));

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "hostile: the peer closed early\n");
			exit(1);
		}
		len -= (size_t)n;
		if (buf != NULL)
			buf += n;
	}
}

static void
read_full(int fd, size_t len)
{
	read_exact(fd, NULL, len);
}

/* Closes with an RST: SO_LINGER with a zero timeout. */
static void
reset_close(int fd)
{
	struct linger	 lg = { 1, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1) {
		perror("hostile: setsockopt");
		exit(1);
	}
	(void)close(fd);
	printf("reset\n");
}

/*
 * n good requests, each asking a 40-byte reply, the last one to be
 * held rdly ns.  Returns once the first n - 1 replies are in.
 */
static void
good_requests(int fd, int n, uint32_t rdly)
{
	unsigned char	 msg[100];
	struct msg_hdr	 h;
	int		 i;

	memset(&h, 0, sizeof(h));
	h.ssz = sizeof(msg);
	h.rsz = PROTO_HDR_LEN;
	for (i = 0; i < n; i++) {
		h.seqno = (uint64_t)i;
		h.rdly = i == n - 1 ? rdly : 0;
		proto_encode(msg, &h);
		proto_fill(msg, sizeof(msg), h.seqno);
		send_all(fd, msg, sizeof(msg));
	}
	read_full(fd, (size_t)(n - 1) * PROTO_HDR_LEN);
}

/*
 * An RST in the middle of request n (reset), or while the replier holds
 * the reply to request n - 1 (reset_reply).
 */
static void
reset_mid(int fd, const char *mode, int n)
{
	struct timespec	 pause = { 0, 100000000 };
	unsigned char	 msg[100];
	struct msg_hdr	 h;

	if (strcmp(mode, "reset_reply") == 0) {
		/* Long, so that the RST comes first even on a loaded host. */
		good_requests(fd, n, 900000000);
		reset_close(fd);
		return;
	}
	good_requests(fd, n, 0);
	read_full(fd, PROTO_HDR_LEN);
	memset(&h, 0, sizeof(h));
	h.seqno = (uint64_t)n;
	h.ssz = sizeof(msg);
	h.rsz = PROTO_HDR_LEN;
	proto_encode(msg, &h);
	send_all(fd, msg, 30);
	/* Let the replier read those bytes before the RST destroys them. */
	(void)nanosleep(&pause, NULL);
	reset_close(fd);
}

/*
 * n requests, each asking a 60000-byte reply, and not a byte read: the
 * replier's send blocks once our window and its buffer are full.  Waits
 * to be killed (alarm() bounds it); says first that all are sent.
 */
static void
no_read(int fd, int n)
{
	unsigned char	 msg[PROTO_HDR_LEN];
	struct msg_hdr	 h;
	int		 i;

	memset(&h, 0, sizeof(h));
	h.ssz = sizeof(msg);
	h.rsz = 60000;
	for (i = 0; i < n; i++) {
		h.seqno = (uint64_t)i;
		proto_encode(msg, &h);
		send_all(fd, msg, sizeof(msg));
	}
	printf("sent %d\n", n);
	(void)fflush(stdout);
	for (;;)
		(void)pause();
}

/* Listens on host:port and accepts one connection. */
static int
accept_one(const char *host, int port)
{
	struct sockaddr_in sin;
	socklen_t	 len = sizeof(sin);
	int		 lfd, fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		exit(2);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1) {
		perror("hostile: listen");
		exit(1);
	}
	fprintf(stderr, "Listening on %s port %d\n", host, ntohs(sin.sin_port));
	if ((fd = accept(lfd, NULL, NULL)) == -1) {
		perror("hostile: accept");
		exit(1);
	}
	(void)close(lfd);
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
	int		 fd = accept_one(host, port);

	read_exact(fd, buf, PROTO_HDR_LEN);
	proto_decode(buf, &h);
	if (h.ssz > PROTO_HDR_LEN)
		read_full(fd, h.ssz - PROTO_HDR_LEN);
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

/*
 * A replier whose first reply is bad: a size of 12 (reply_ssz_small,
 * reply_rsz_small), or an answer to a request that asked none
 * (reply_unasked).  Then it reads until the sender closes.
 */
static void
serve_bad_reply(const char *host, int port, const char *mode)
{
	unsigned char	 req[PROTO_HDR_LEN], msg[PROTO_HDR_LEN];
	struct msg_hdr	 h;
	int		 fd = accept_one(host, port);

	read_exact(fd, req, sizeof(req));
	proto_decode(req, &h);
	if (h.ssz > PROTO_HDR_LEN)
		read_full(fd, h.ssz - PROTO_HDR_LEN);
	h.seqno = 0;
	h.ts2 = h.ts3 = 0;
	h.rsz = PROTO_HDR_LEN;
	if (strcmp(mode, "reply_ssz_small") == 0)
		h.ssz = 12;
	else if (strcmp(mode, "reply_rsz_small") == 0)
		h.rsz = 12;
	proto_encode(msg, &h);
	send_all(fd, msg, sizeof(msg));
	await_close(fd);
}

/* reply_reset: reads all the sender sends, answers none, then an RST. */
static void
reset_unanswered(const char *host, int port)
{
	unsigned char	 buf[4096];
	int		 fd = accept_one(host, port);
	ssize_t		 n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n == -1 && errno == EINTR))
		continue;
	reset_close(fd);
}

/* Answers the request h: its echo, a reply seqno, the pattern. */
static void
answer(int fd, const struct msg_hdr *req, uint64_t seqno, uint32_t rdly)
{
	unsigned char	 msg[PROTO_MSG_MAX];
	struct msg_hdr	 h = *req;

	h.seqno = seqno;
	h.ts2 = h.ts3 = 0;
	h.rdly = rdly;
	proto_encode(msg, &h);
	proto_fill(msg, h.rsz, h.seqno);
	send_all(fd, msg, h.rsz);
}

/*
 * A replier that does all right until the closing reply, and then, too
 * late to share a segment with it, sends what no request asked for; or,
 * in mode original, one that answers as the original seqtest does.
 */
static void
serve_late(const char *host, int port, const char *mode)
{
	struct timespec	 pause = { 0, 200000000 };
	unsigned char	 req[PROTO_HDR_LEN], junk[70];
	struct msg_hdr	 h, last;
	uint64_t	 replies = 0;
	int		 fd = accept_one(host, port);

	do {
		read_exact(fd, req, sizeof(req));
		proto_decode(req, &h);
		if (h.ssz > PROTO_HDR_LEN)
			read_full(fd, h.ssz - PROTO_HDR_LEN);
		if (h.rsz != 0 && (!proto_is_last(&h) ||
		    strcmp(mode, "original") == 0))
			answer(fd, &h, replies++, h.rdly);
	} while (!proto_is_last(&h));
	if (strcmp(mode, "original") == 0) {
		await_close(fd);
		return;
	}
	last = h;
	answer(fd, &last, replies, last.rdly ^ PROTO_CLOSES);
	(void)nanosleep(&pause, NULL);
	memset(junk, 0x5a, sizeof(junk));
	if (strcmp(mode, "late_dup") == 0)
		answer(fd, &last, replies, last.rdly ^ PROTO_CLOSES);
	else
		send_all(fd, junk, sizeof(junk));
	(void)close(fd);
	printf("closed\n");
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
	if (strcmp(mode, "reply_reset") == 0) {
		reset_unanswered(argv[1], atoi(argv[2]));
		return 0;
	}
	if (strncmp(mode, "late_", 5) == 0 || strcmp(mode, "original") == 0) {
		serve_late(argv[1], atoi(argv[2]), mode);
		return 0;
	}
	if (strncmp(mode, "reply_", 6) == 0) {
		serve_bad_reply(argv[1], atoi(argv[2]), mode);
		return 0;
	}
	fd = dial(argv[1], atoi(argv[2]));
	if (strcmp(mode, "unpatterned") == 0) {
		unpatterned(fd, n);
		return 0;
	}
	if (strcmp(mode, "noread") == 0)
		no_read(fd, n);
	if (strncmp(mode, "reset", 5) == 0) {
		reset_mid(fd, mode, n);
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
