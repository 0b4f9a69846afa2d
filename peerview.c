/*
 * Asking the other end.  A replier's child that finds a query where a
 * flow's first request would be answers it from the table of endings
 * the supervisor keeps in the segment, or from the slot of a
 * connection still open, whose end it waits for a moment; the sender
 * asks over a fresh connection after a flow failed, and puts its own
 * verdict and the replier's side by side in one line.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "peerview.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

#define LIVE_WAIT_NS	(NS_PER_SEC)		/* for a live connection's end */
#define LIVE_POLL_NS	(20 * 1000000L)
#define IDLE_CUT_NS	(NS_PER_SEC)		/* idle this long: an idle cut */

/* Keeps one ending, over the oldest; its key last, see view_table. */
void
peerview_keep(struct view_table *t, const struct proto_view *v)
{
	struct proto_view	*e = &t->v[t->n % VIEWS_KEPT];
	uint64_t		 key = v->key;

	*(volatile uint64_t *)&e->key = 0;
	*e = *v;
	e->key = 0;
	*(volatile uint64_t *)&e->key = key;
	t->n++;
}

static int
find_ended(const struct view_table *t, uint64_t key, struct proto_view *v)
{
	size_t	 i;

	for (i = 0; i < VIEWS_KEPT; i++)
		if (t->v[i].key == key) {
			*v = t->v[i];
			return v->key == key;
		}
	return 0;
}

/* A connection of the flow still open: where it is now. */
static int
find_live(const struct flow *f, uint64_t key, struct proto_view *v)
{
	size_t	 i;

	for (i = 0; i < f->nslots; i++)
		if (f->slots[i].key == key) {
			v->state = VIEW_LIVE;
			v->seqno = f->slots[i].recv_msgs;
			v->replies = f->slots[i].sent_msgs;
			return 1;
		}
	return 0;
}

/*
 * What we saw of flow key: its ending, or, for a connection still
 * open, its end if it comes within LIVE_WAIT_NS (both ends of a cut
 * learn of it at about the same time), else where it is.
 */
static void
look_up(const struct flow *f, uint64_t key, struct proto_view *v)
{
	struct timespec	 ts = { 0, LIVE_POLL_NS };
	uint64_t	 end = clock_now() + LIVE_WAIT_NS;
	int		 live = 0;

	memset(v, 0, sizeof(*v));
	while (key != 0 && !find_ended(f->views, key, v)) {
		if (find_live(f, key, v))
			live = 1;
		else if (!live)
			break;		/* no record: VIEW_NONE */
		if (clock_now() >= end)
			break;
		(void)nanosleep(&ts, NULL);
	}
	v->key = key;
}

static int
send_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A replier's child: answers the query whose header is at req. */
void
peerview_answer(int fd, const struct flow *f, const unsigned char *req)
{
	unsigned char	 buf[PROTO_VIEW_LEN];
	struct proto_view v;
	struct msg_hdr	 q;

	proto_decode(req, &q);
	look_up(f, q.ts3, &v);
	proto_encode_view(buf, &v, q.ts1);
	(void)send_all(fd, buf, sizeof(buf));	/* the asker says if not */
}

/* Reads up to len bytes within timeout seconds; returns the count, -1. */
static ssize_t
read_answer(int fd, unsigned char *buf, size_t len, uint64_t timeout)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	uint64_t	 end = clock_now() + timeout * NS_PER_SEC, now;
	size_t		 have = 0;
	ssize_t		 n;

	while (have < len && (now = clock_now()) < end) {
		if (poll(&p, 1, (int)((end - now) / 1000000) + 1) == -1 &&
		    errno != EINTR)
			return -1;
		if ((n = recv(fd, buf + have, len - have, MSG_DONTWAIT)) > 0)
			have += (size_t)n;
		else if (n == 0)
			break;
		else if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
	if (have < len && clock_now() >= end)
		errno = ETIMEDOUT;
	return (ssize_t)have;
}

/*
 * Connects to ep within timeout seconds; returns the socket, blocking,
 * or -1 with errno and the failed call.
 */
static int
dial(const struct endpoint *ep, uint64_t timeout, const char **call)
{
	struct pollfd	 p;
	int		 fd, n, err;

	if ((fd = net_connect_start(ep, call)) == -1)
		return -1;
	p.fd = fd;
	p.events = POLLOUT;
	while ((n = poll(&p, 1, (int)(timeout * 1000))) == -1 &&
	    errno == EINTR)
		;
	if (n == 1 && net_connect_finish(fd, call) == 0)
		return fd;
	err = n == 0 ? ETIMEDOUT : errno;
	*call = "connect";
	net_close(fd);
	errno = err;
	return -1;
}

static void
unreachable(struct peer_answer *a, const char *call, int err)
{
	a->v.state = VIEW_UNREACHABLE;
	a->err = err;
	snprintf(a->call, sizeof(a->call), "%s", call);
}

/*
 * The sender: asks the replier at ep what it saw of flow key, within
 * timeout seconds for the connect and again for the answer.
 */
void
peerview_ask(const struct endpoint *ep, uint64_t key, uint64_t timeout,
    struct peer_answer *a)
{
	unsigned char	 buf[PROTO_VIEW_LEN];
	const char	*call;
	ssize_t		 n;
	int		 fd;

	memset(a, 0, sizeof(*a));
	memset(buf, 0, sizeof(buf));
	if ((fd = dial(ep, timeout, &call)) == -1) {
		unreachable(a, call, errno);
		return;
	}
	proto_query(buf, key, clock_now());
	if (send_all(fd, buf, PROTO_HDR_LEN) == -1)
		unreachable(a, "send", errno);
	else if ((n = read_answer(fd, buf, sizeof(buf), timeout)) == -1)
		unreachable(a, "recv", errno);
	else if (n < PROTO_HDR_LEN)
		unreachable(a, "recv", n == 0 && errno != ETIMEDOUT ? 0 :
		    errno);
	else if (proto_decode_view(buf, key, &a->v) == -1)
		a->v.state = VIEW_FOREIGN;
	net_close(fd);
}

static double
secs(uint64_t ns)
{
	return (double)ns / NS_PER_SEC;
}

/* The replier saw its connection reset. */
static int
line_reset(char *buf, size_t len, const struct flow_error *ours,
    const struct proto_view *v)
{
	if (ours->kind == ERR_RESET)
		return snprintf(buf, len, "the replier did not send this "
		    "reset: it saw its own connection reset at request seqno "
		    "%llu; something in the path sent both",
		    (unsigned long long)v->seqno);
	return snprintf(buf, len, "the replier saw its connection reset at "
	    "request seqno %llu, after %.1f s idle",
	    (unsigned long long)v->seqno, secs(v->idle_ns));
}

/* The replier saw its connection closed by the other side. */
static int
line_closed(char *buf, size_t len, const struct flow_error *ours,
    const struct proto_view *v)
{
	const char *what = v->idle_ns >= IDLE_CUT_NS ? "an idle connection" :
	    "the connection";

	if (ours->kind == ERR_RESET)
		return snprintf(buf, len, "the replier did not send this "
		    "reset: it saw the connection closed after %.1f s idle at "
		    "request seqno %llu; something in the path reset ours and "
		    "closed its", secs(v->idle_ns),
		    (unsigned long long)v->seqno);
	if (ours->kind == ERR_SHORT)
		return snprintf(buf, len, "the replier saw the connection "
		    "closed after %.1f s idle at request seqno %llu, and did "
		    "not close it itself; something in the path closed %s",
		    secs(v->idle_ns), (unsigned long long)v->seqno, what);
	return snprintf(buf, len, "the replier saw the connection closed "
	    "after %.1f s idle at request seqno %llu", secs(v->idle_ns),
	    (unsigned long long)v->seqno);
}

/* The replier's connection is still open: ours ended alone. */
static int
line_live(char *buf, size_t len, const struct flow_error *ours,
    const struct proto_view *v)
{
	const char *tail = ours->kind == ERR_RESET ? "it did not send this "
	    "reset; something in the path sent it to us alone" :
	    ours->kind == ERR_SHORT ? "it did not close it; something in the "
	    "path closed ours alone" : ours->kind == ERR_STALL ? "what we "
	    "sent after that has not reached it" : "it saw nothing of this";

	return snprintf(buf, len, "the replier's connection is still open, "
	    "waiting for request seqno %llu after %llu replies: %s",
	    (unsigned long long)v->seqno, (unsigned long long)v->replies,
	    tail);
}

/* Did we find damage in the replies, the replier's bytes? */
static int
damaged_replies(const struct flow_error *ours)
{
	return ours->kind <= ERR_HEADER && ours->dir == DIR_REP &&
	    !ours->by_peer;
}

/* The replier's connection ended, as its kind says. */
static int
line_ended(char *buf, size_t len, const struct flow_error *ours,
    const struct proto_view *v)
{
	if (v->kind == ERR_SHORT + 1 && damaged_replies(ours))
		return snprintf(buf, len, "the replier saw no error: its "
		    "connection ended when we closed ours, at request seqno "
		    "%llu; what we found was done to its replies on the way",
		    (unsigned long long)v->seqno);
	if (v->kind == 0)
		return snprintf(buf, len, "the replier saw a clean end: the "
		    "flow's last request came and was answered");
	if (v->kind == ERR_RESET + 1)
		return line_reset(buf, len, ours, v);
	if (v->kind == ERR_SHORT + 1)
		return line_closed(buf, len, ours, v);
	if (v->kind == ERR_STALL + 1)
		return snprintf(buf, len, "the replier stalled too, waiting "
		    "for request seqno %llu", (unsigned long long)v->seqno);
	return snprintf(buf, len, "the replier ended the connection itself: "
	    "it found %s at request seqno %llu",
	    err_kind_name((enum err_kind)(v->kind - 1)),
	    (unsigned long long)v->seqno);
}

/*
 * The two-sided line: what the replier saw, against our own first
 * error; or why we could not learn it, and that ours is one-sided.
 */
void
peerview_line(char *buf, size_t len, const struct flow_error *ours,
    const struct peer_answer *a)
{
	const struct proto_view *v = &a->v;

	switch (v->state) {
	case VIEW_UNREACHABLE:
		snprintf(buf, len, "the replier could not be asked what it saw "
		    "(%s: %s); this diagnosis is one-sided", a->call,
		    a->err != 0 ? strerror(a->err) : "closed without an answer");
		break;
	case VIEW_FOREIGN:
		snprintf(buf, len, "the replier does not say what it saw (the "
		    "original seqtest?); this diagnosis is one-sided");
		break;
	case VIEW_NONE:
		snprintf(buf, len, "the replier has no record of this flow: "
		    "its first request never reached the replier");
		break;
	case VIEW_LIVE:
		(void)line_live(buf, len, ours, v);
		break;
	default:
		(void)line_ended(buf, len, ours, v);
	}
}
