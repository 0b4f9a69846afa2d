/*
 * One flow's loop, in one process.  A worker owns its connection: it
 * writes numbered, patterned messages, or reads and checks them, and
 * answers as each message asks.  Buffers are allocated once at start,
 * sized by the supervisor for the flow's messages; per message there is
 * no malloc, no stdio and no system call besides the send and the
 * receive (and the delays the user asked for).  Latencies go into a
 * small table that is written to the supervisor's pipe when it fills,
 * every few hundred distinct latencies at most.
 *
 * A worker dies with its supervisor: on Linux the kernel sees to it
 * (supervisor.c); everywhere, a worker checks twice a second that the
 * supervisor is still its parent.  Blocked, it wakes for that by the
 * socket's timeouts; sleeping, it sleeps half a second at most at a
 * time; busy, it checks on the clock it reads anyway.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "peerview.h"
#include "proto.h"
#include "rng.h"
#include "worker.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* the worker ignores SIGPIPE anyway */
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT	0	/* SO_SNDTIMEO bounds the wait */
#endif

#define SEQNO_NEAR	16384		/* further off: the stream is misframed */
#define SPIN_NS		50000		/* ns: the end of a delay is spun */
#define SLACK_NS	10000		/* ns a sleep may overrun, Linux */
#define LINGER_NS	2000000000u	/* reading after an error report */
#define CLOSE_WAIT_NS	(30 * NS_PER_SEC)	/* for the replier's close,
						   without timeout= */
/* Between checks that the supervisor lives: half a second, so that a
 * worker woken by a peer that stopped with it still ends within one. */
#define LIFELINE_NS	(NS_PER_SEC / 2)

struct worker {
	struct flow		*f;
	const struct config	*cfg;
	enum role		 role;
	unsigned char		*bufs;		/* rbuf, sbuf and dump */
	unsigned char		*rbuf;		/* bytes received, not yet used */
	size_t			 rhave;
	size_t			 rcap;
	size_t			 biggest;	/* largest message read so far */
	unsigned char		*sbuf;		/* bytes composed, not yet sent */
	size_t			 slen;
	size_t			 scap;
	size_t			 sbatch;	/* messages in sbuf */
	const struct ring_entry	*entry;		/* the reply's, once its head held */
	uint32_t		 ring_gen;	/* sender: the ring's generation */
	uint64_t		 rng;
	uint64_t		 nsent;		/* messages composed */
	uint64_t		 next_req;	/* replier: next request seqno */
	uint64_t		 reply_seq;	/* replier: next reply seqno */
	uint64_t		 start_ns;	/* this worker's first send */
	uint64_t		 end_ns;	/* duration's end, 0 = none */
	uint64_t		 nerrors;	/* this process's errors */
	uint64_t		 lifeline_ns;	/* when to check on the supervisor */
	uint64_t		 served_ns;	/* replier: the last rdly's end */
	int			 fatal;		/* the stream can't be trusted */
	int			 last_sent;	/* the closing request is composed */
	int			 answered;	/* replier: the last request taken
						   asked, and was answered */
	int			 marks_last;	/* replier: the sender marks its last */
	int			 got_last;	/* replier: it came */
	int			 query;		/* replier: a query came instead */
	uint64_t		 last_io_ns;	/* when bytes last moved */
	uint32_t		 reply_rdly;	/* receiver: the last reply's rdly */
	int			 eof;
	int			 head_checked;	/* header at rbuf[0] checked */
	int			 head;		/* enum head_verdict of it */
	size_t			 part_checked;	/* its payload checked so far */
	int			 part_bad;	/* its damage already reported */
	char			*dump;		/* lines not yet written */
	size_t			 dlen;
	struct result		 res;
};

/*
 * Set by SIGTERM to its number: this worker is asked to end now, by the
 * supervisor or by someone else; the result record tells which signal.
 */
static volatile sig_atomic_t stop_asked;

void
worker_on_term(int sig)
{
	stop_asked = sig;
}

/* The supervisor's pid, as it was when it forked this worker. */
static pid_t supervisor;

/*
 * Ends this worker if the supervisor is gone: it was re-parented then.
 * Nothing is reported, as no one is left to read it.
 */
static void
check_lifeline(void)
{
	if (getppid() != supervisor)
		_exit(1);
}

/* A busy worker checks now and then, on a time it has read anyway. */
static void
lifeline_tick(struct worker *w, uint64_t now)
{
	if (now < w->lifeline_ns)
		return;
	w->lifeline_ns = now + LIFELINE_NS;
	check_lifeline();
}

/* A send or receive that waited the socket's timeout (SO_*TIMEO). */
static int
timed_out(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

/*
 * Waits ns.  Sleeps until SPIN_NS before the end, then spins: a sleep
 * wakes tens of microseconds late, too late to end a delay on time, but
 * a delay spun whole keeps a CPU busy (the original seqtest spun every
 * delay under a millisecond).  A long delay is slept in parts, to check
 * on the supervisor between.
 */
static void
delay_ns(uint64_t ns)
{
	struct timespec ts;
	uint64_t	end = clock_now() + ns, now;

	while ((now = clock_now()) < end && !stop_asked) {
		uint64_t left = end - now;

		if (left <= SPIN_NS)
			continue;
		left -= SPIN_NS;
		if (left > LIFELINE_NS) {
			left = LIFELINE_NS;
			check_lifeline();
		}
		ts.tv_sec = (time_t)(left / NS_PER_SEC);
		ts.tv_nsec = (long)(left % NS_PER_SEC);
		if (nanosleep(&ts, NULL) == -1 && errno != EINTR)
			return;
	}
}

/* Writes all of buf to a pipe or file; returns 0, or -1 with errno. */
static int
write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR && !stop_asked)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends one result record: smaller than PIPE_BUF, so written atomically. */
static void
send_record(struct worker *w, enum rec_type type)
{
	w->res.type = (uint16_t)type;
	w->res.len = (uint16_t)sizeof(w->res);
	w->res.role = (uint16_t)w->role;
	w->res.flow = w->f->id;
	/* Nothing to do if the supervisor is gone: it reports us as lost. */
	(void)write_full(w->f->result_fd, &w->res, sizeof(w->res));
}

/*
 * Sends a latency table to the supervisor, LAT_CELLS cells a record,
 * as many records a write as LAT_WRITE holds, and empties it.  lat_sent
 * is bumped last, after the records are in the pipe: a table read while
 * it is unchanged is not yet in them.
 */
static void
send_latencies(struct worker *w, enum lat_kind kind)
{
	struct flow_area	*a = w->f->area;
	struct hist_table	*t = &a->lat[kind];
	struct lat_record	 r;
	unsigned char		 buf[LAT_WRITE / sizeof(r) * sizeof(r)];
	size_t			 i = 0, n = 0;

	memset(&r, 0, sizeof(r));
	r.type = REC_LAT;
	r.len = (uint16_t)sizeof(r);
	r.role = (uint16_t)w->role;
	r.flow = w->f->id;
	r.kind = (uint16_t)kind;
	r.first = 1;
	r.m = t->m;
	while (i < HTAB_CELLS) {
		for (r.ncells = 0; i < HTAB_CELLS && r.ncells < LAT_CELLS; i++)
			if (t->cell[i].bucket != 0)
				r.cell[r.ncells++] = t->cell[i];
		r.last = i == HTAB_CELLS;
		memcpy(buf + n, &r, sizeof(r));
		n += sizeof(r);
		if (r.last || n + sizeof(r) > sizeof(buf)) {
			/* Nothing to do if the supervisor is gone. */
			(void)write_full(w->f->result_fd, buf, n);
			n = 0;
		}
		r.first = 0;
	}
	htab_clear(t);
	a->lat_sent[kind]++;
}

/* Hot path: a reply's latency, into its table; out with it when full. */
static void
record_latency(struct worker *w, enum lat_kind kind, uint64_t ns)
{
	if (htab_record(&w->f->area->lat[kind], ns) == 0)
		return;
	send_latencies(w, kind);
	/* An empty table takes any value. */
	(void)htab_record(&w->f->area->lat[kind], ns);
}

/*
 * Counts an error of a kind; the first one of the flow is sent to the
 * supervisor at once, in full.  A fatal error ends the flow.
 */
static void
flow_error(struct worker *w, const struct flow_error *e, int fatal)
{
	/*
	 * Each side counts in its own half of the slot, no shared writes
	 * (flow_live_errors reads them), before its first is sent.
	 */
	if (w->role == ROLE_SENDER)
		w->f->shm->send_errors++;
	else
		w->f->shm->errors++;
	if (w->nerrors++ == 0) {
		/* Both processes of a flow may send one; the first read wins. */
		w->res.first = *e;
		send_record(w, REC_ERROR);
	}
	w->res.errors[e->kind]++;
	if (fatal && !w->fatal) {
		w->fatal = 1;
		w->res.ended = (uint16_t)(e->kind + 1);
		/* How long the connection was quiet before it failed. */
		w->res.idle_ns = clock_now() - (w->last_io_ns != 0 ?
		    w->last_io_ns : w->start_ns);
	}
}

/* An error of a kind about one message, in this worker's direction. */
static struct flow_error
make_error(const struct worker *w, enum err_kind kind, uint64_t seqno,
    enum err_detail detail)
{
	struct flow_error e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.dir = (w->role == ROLE_REPLIER) ? DIR_REQ : DIR_REP;
	e.detail = detail;
	e.role = w->role;
	e.seqno = seqno;
	return e;
}

/* Reports a field that is not what it should be; detail names it. */
static void
report(struct worker *w, enum err_kind kind, uint64_t seqno,
    enum err_detail detail, uint64_t expected, uint64_t got, int fatal)
{
	struct flow_error e = make_error(w, kind, seqno, detail);

	e.expected = expected;
	e.got = got;
	flow_error(w, &e, fatal);
}

/*
 * The message a failed call was moving, in its direction: the first of
 * those composed and not yet sent, or the one being read (in hand, or
 * the next).
 */
static uint64_t
moving_seqno(const struct worker *w, enum direction dir)
{
	if (w->role == ROLE_REPLIER)
		return dir == DIR_REQ ? w->next_req : w->reply_seq - w->sbatch;
	return dir == DIR_REQ ? w->nsent - w->sbatch : w->f->shm->wait.seqno;
}

/*
 * A failed system call.  A reset is its own kind; EPIPE means the peer
 * closed while we were sending: the stream was cut short.
 */
static void
report_errno(struct worker *w, const char *call, int err, enum direction dir)
{
	struct flow_error e;
	enum err_kind	  kind = ERR_IO;

	if (err == ECONNRESET)
		kind = ERR_RESET;
	else if (err == EPIPE)
		kind = ERR_SHORT;
	e = make_error(w, kind, moving_seqno(w, dir), DET_NONE);
	err_set_call(&e, call);
	e.dir = dir;
	e.sys_errno = err;
	flow_error(w, &e, 1);
}

/* Writes the decimal digits of v at p; returns the end. */
static char *
put_u64(char *p, uint64_t v)
{
	char	 tmp[20];
	int	 n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* Writes buffered dump lines; a failure is reported once and ends dumping. */
static void
flush_dump(struct worker *w)
{
	if (w->dlen == 0 || w->f->dump_fd == -1)
		return;
	if (write_full(w->f->dump_fd, w->dump, w->dlen) == -1) {
		report_errno(w, "write dump", errno, DIR_REP);
		w->f->dump_fd = -1;
	}
	w->dlen = 0;
}

/* Appends "flow time latency rsz ssz" for one reply, without stdio. */
static void
dump_sample(struct worker *w, uint64_t ts1, uint64_t lat, unsigned rsz,
    unsigned ssz)
{
	char	*p;

	if (w->f->dump_fd == -1)
		return;
	if (w->dlen > DUMP_SIZE - 100)
		flush_dump(w);
	p = w->dump + w->dlen;
	p = put_u64(p, w->f->id);
	*p++ = ' ';
	p = put_u64(p, ts1 > w->f->start_ns ? ts1 - w->f->start_ns : 0);
	*p++ = ' ';
	p = put_u64(p, lat);
	*p++ = ' ';
	p = put_u64(p, rsz);
	*p++ = ' ';
	p = put_u64(p, ssz);
	*p++ = '\n';
	w->dlen = (size_t)(p - w->dump);
}

/*
 * A send that has not returned whole: publishes the message it moves,
 * the first of the batch not yet sent whole, for a stall's line.  Only
 * a send that blocked, or was cut short, comes here.
 */
static void
note_send_wait(struct worker *w, size_t done)
{
	struct msg_hdr	 h;
	size_t		 pos = 0, size;
	uint64_t	 seqno = w->f->shm->send_seqno;

	while (pos + PROTO_HDR_LEN <= w->slen) {
		proto_decode(w->sbuf + pos, &h);
		size = w->role == ROLE_REPLIER ? h.rsz : h.ssz;
		if (size < PROTO_HDR_LEN || pos + size > done)
			break;
		pos += size;
		seqno++;
	}
	w->f->shm->send_seqno = seqno;
}

/*
 * Sends all that is composed; returns 0, or -1 with errno.  The socket's
 * timeout wakes a send that waits, to check on the supervisor.
 */
static int
send_all(struct worker *w)
{
	size_t	 done = 0;
	ssize_t	 n;

	while (done < w->slen) {
		n = send(w->f->fd, w->sbuf + done, w->slen - done,
		    MSG_NOSIGNAL);
		if (n >= 0) {
			done += (size_t)n;
			if (done < w->slen)
				note_send_wait(w, done);
			continue;
		}
		if (errno == EINTR && !stop_asked)
			continue;
		if (!timed_out(errno) || stop_asked)
			return -1;
		check_lifeline();
	}
	return 0;
}

/*
 * Sends what is composed; returns -1 once the flow has failed.  Whether
 * a send is under way, and what it moves, is in the slot: a stall that
 * finds it there was a send that did not return.
 */
static int
flush_send(struct worker *w)
{
	struct flow_shm	*shm = w->f->shm;
	enum direction	 dir = w->role == ROLE_REPLIER ? DIR_REP : DIR_REQ;
	int		 rv;

	if (w->slen == 0)
		return 0;
	shm->send_seqno = moving_seqno(w, dir);
	shm->sending = 1;
	rv = send_all(w);
	shm->sending = 0;
	if (rv == -1) {
		if (stop_asked) {
			w->fatal = 1;
			return -1;
		}
		report_errno(w, "send", errno, dir);
		return -1;
	}
	w->slen = 0;
	w->sbatch = 0;
	return 0;
}

/*
 * -d: a character on stdout, but where -J keeps it for whole lines.
 * Never at the cost of waiting: a reader that pauses must not stall the
 * flow, so a character stdout has no room for now is left out, and
 * counted for the supervisor to say at the end.
 */
static void
progress(const struct worker *w, const char *c)
{
	struct pollfd	 pfd = { STDOUT_FILENO, POLLOUT, 0 };
	struct flow_shm	*shm = w->f->shm;

	if (!w->cfg->debug || w->cfg->json == JSON_LINES)
		return;
	if (poll(&pfd, 1, 0) == 1 && pfd.revents == POLLOUT &&
	    write(STDOUT_FILENO, c, 1) == 1)
		return;
	if (w->role == ROLE_RECEIVER)
		shm->recv_dbg_lost++;
	else
		shm->send_dbg_lost++;
}

/*
 * What the next message will be; always four draws, so a seed replays.
 * Whether it asks for a reply is decided apart: the last one always does.
 */
struct plan {
	uint64_t	sdly;
	uint32_t	rdly;
	uint16_t	ssz;
	uint16_t	rsz;
	int		asks;
};

static void
plan_message(struct worker *w, struct plan *p)
{
	const struct config *c = w->cfg;

	p->ssz = (uint16_t)rng_range(&w->rng, c->ssize.min, c->ssize.max);
	p->rsz = (uint16_t)rng_range(&w->rng, c->rsize.min, c->rsize.max);
	p->rdly = (uint32_t)rng_range(&w->rng, c->rdelay.min, c->rdelay.max);
	p->sdly = rng_range(&w->rng, c->sdelay.min, c->sdelay.max);
	p->asks = c->rinterval != 0 && w->nsent % c->rinterval == 0;
}

/*
 * Is the message about to be composed the flow's last?  The count's
 * last, or, with duration=, the first one composed at the deadline.
 */
static int
is_last(const struct worker *w)
{
	if (w->cfg->count != 0 && w->nsent + 1 >= w->cfg->count)
		return 1;
	return w->end_ns != 0 && clock_now() >= w->end_ns;
}

static int
more_to_send(const struct worker *w)
{
	return !w->fatal && !stop_asked && !w->last_sent;
}

/*
 * When message n is due by the rate's schedule.  The sending side
 * publishes the schedule's start before its first message, for a -s
 * flow's receiver.
 */
static uint64_t
due(const struct worker *w, uint64_t n)
{
	uint64_t rate = w->cfg->rate;

	/* In two parts, so that n * NS_PER_SEC cannot overflow. */
	return w->f->shm->sched_ns + n / rate * NS_PER_SEC +
	    n % rate * NS_PER_SEC / rate;
}

/* Waits the message's delay, then for its slot in the rate schedule. */
static void
pace(struct worker *w, const struct plan *p)
{
	uint64_t target, now;

	if (p->sdly == 0 && w->cfg->rate == 0)
		return;
	if (flush_send(w) == -1)
		return;
	if (p->sdly != 0)
		delay_ns(p->sdly);
	if (w->cfg->rate == 0)
		return;
	/* Against the schedule, not after the last send, so no drift;
	 * behind it, what is due goes at once. */
	target = due(w, w->nsent);
	if ((now = clock_now()) < target)
		delay_ns(target - now);
}

/*
 * The entry of ask n, in the generation that holds it (see flow.h);
 * NULL when n was not asked, or was answered and a later ask of its
 * generation may have taken its entry.  An outstanding ask's entry is
 * never taken, and a generation's entries only by its own asks: those
 * before the next generation's start, once that has begun.
 */
static const struct ring_entry *
ring_entry_of(const struct flow *f, uint64_t n)
{
	const struct ring_hdr *r = &f->area->ring;
	uint64_t size, asked = f->shm->asked, end = asked;
	uint32_t g = r->gen;

	while (g > 0 && (r->start[g] == 0 || n < r->start[g]))
		g--;
	size = (uint64_t)f->ring_first << g;
	/* Asked after start[g + 1] was set: read after asked, it is. */
	if (g + 1 < RING_GENS && r->start[g + 1] != 0)
		end = r->start[g + 1];
	if (n >= asked || (n < f->shm->replies && end - n > size))
		return NULL;
	return &f->area->entry[ring_slot(f->ring_first, g, r->start[g], n)];
}

/*
 * A ring found full doubles, up to ring_max, from the next ask on (see
 * flow.h).  Returns its size.
 */
static uint64_t
grow_ring(struct worker *w, uint64_t size)
{
	struct ring_hdr	*r = &w->f->area->ring;
	uint64_t	 asked = w->f->shm->asked;

	if (asked - w->f->shm->replies < ring_room(size) ||
	    size >= w->f->ring_max)
		return size;
	r->start[++w->ring_gen] = asked;
	r->gen = w->ring_gen;		/* after start: see struct ring_hdr */
	return 2 * size;
}

/*
 * Waits until the ring has room for one more outstanding reply, keeping
 * the replies just taken to check a repeated or late one against (see
 * ring_room).  Only an async sender far ahead of its receiver ever
 * waits here.
 */
static int
wait_ring(struct worker *w)
{
	struct timespec ts = { 0, 20000 };
	uint64_t	size;

	size = grow_ring(w, (uint64_t)w->f->ring_first << w->ring_gen);
	while (w->f->shm->asked - w->f->shm->replies >= ring_room(size)) {
		if (stop_asked)
			return -1;
		lifeline_tick(w, clock_now());
		if (flush_send(w) == -1)
			return -1;
		if (nanosleep(&ts, NULL) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* Composes one message into the send buffer, recording what it asks. */
static void
compose_message(struct worker *w, const struct plan *p)
{
	struct flow_shm		*shm = w->f->shm;
	struct ring_entry	*e;
	struct msg_hdr		 h;
	unsigned char		*msg;

	msg = w->sbuf + w->slen;
	memset(&h, 0, sizeof(h));
	h.seqno = w->nsent;
	h.ts1 = clock_now();
	h.ts2 = proto_ending(w->last_sent ? PROTO_F_LAST : 0);
	h.ts3 = w->f->key;
	w->last_io_ns = h.ts1;
	lifeline_tick(w, h.ts1);
	h.rdly = p->asks ? p->rdly : 0;
	h.ssz = p->ssz;
	h.rsz = p->asks ? p->rsz : 0;
	if (h.rsz != 0) {
		/* Published before the send; the send orders the stores. */
		e = &w->f->area->entry[ring_slot(w->f->ring_first,
		    w->ring_gen, w->f->area->ring.start[w->ring_gen],
		    shm->asked)];
		e->ts1_lo = (uint32_t)h.ts1;
		e->ts1_hi = (uint32_t)(h.ts1 >> 32);
		e->ssz = h.ssz;
		e->rsz = h.rsz;
		shm->asked++;
	}
	proto_encode(msg, &h);
	proto_fill(msg, h.ssz, h.seqno);
	/* Before the send, as the ring entry: the receiver may see the
	 * closing reply before this process runs again. */
	if (w->last_sent) {
		shm->last_rdly = h.rdly;
		shm->send_done = 1;
	}
	w->slen += h.ssz;
	w->sbatch++;
	w->nsent++;
	shm->sent_msgs++;
	shm->sent_bytes += h.ssz;
	progress(w, ">");
}

/*
 * Plans, paces and composes the next message; -1 when the flow failed.
 * The last one asks for the closing reply, whatever rinterval says: its
 * answer proves that every request before it arrived whole.
 */
static int
next_message(struct worker *w)
{
	struct plan p;

	plan_message(w, &p);
	pace(w, &p);
	/* A stop that came during the delay sends nothing new. */
	if (stop_asked)
		return 0;
	if (is_last(w))
		w->last_sent = p.asks = 1;
	if (p.asks && wait_ring(w) == -1)
		return -1;
	if (w->slen + p.ssz > w->scap && flush_send(w) == -1)
		return -1;
	compose_message(w, &p);
	return w->fatal ? -1 : 0;
}

/*
 * The last request is sent.  With close=half the write side is shut
 * down now, which tests whether the path carries a half-closed
 * connection; otherwise the connection stays whole until the closing
 * reply is in.
 */
static void
end_sending(struct worker *w)
{
	if (w->cfg->close != CLOSE_HALF || w->fatal || stop_asked)
		return;
	/* Before the FIN: the receiver may see the path's answer to it
	 * before this process runs again. */
	w->f->shm->fin_sent = 1;
	if (shutdown(w->f->fd, SHUT_WR) == -1 && errno != ENOTCONN)
		report_errno(w, "shutdown", errno, DIR_REQ);
}

/*
 * The closing reply is in and checked: the flow is complete.  The
 * connection closes when this process exits (the last one holding it);
 * close=reset makes that close an RST.
 */
static void
end_flow(struct worker *w)
{
	struct linger	 lg = { 1, 0 };

	if (w->cfg->close == CLOSE_RESET && setsockopt(w->f->fd, SOL_SOCKET,
	    SO_LINGER, &lg, sizeof(lg)) == -1)
		report_errno(w, "setsockopt SO_LINGER", errno, DIR_REP);
}

/* All asked is answered, the closing reply too: the flow is complete. */
static int
flow_complete(const struct worker *w)
{
	const struct flow_shm *shm = w->f->shm;

	return shm->send_done && shm->replies >= shm->asked && w->rhave == 0;
}

/*
 * A sender stopped by a signal tells the replier that the flow ends on
 * purpose: a bare request marked last, asking nothing.  Sent once,
 * without waiting; with composed bytes still unsent the stream is cut
 * inside a message anyway, and the replier says so.
 */
static void
send_stop_mark(struct worker *w)
{
	unsigned char	 msg[PROTO_HDR_LEN];
	struct msg_hdr	 h;

	/* Nothing sent: the replier has nothing to judge either. */
	if (!stop_asked || w->fatal || w->last_sent || w->slen != 0 ||
	    w->nsent == 0)
		return;
	memset(&h, 0, sizeof(h));
	h.seqno = w->nsent;
	h.ts1 = clock_now();
	h.ts2 = proto_ending(PROTO_F_LAST);
	h.ts3 = w->f->key;
	h.ssz = PROTO_HDR_LEN;
	proto_encode(msg, &h);
	if (send(w->f->fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(msg))
		return;		/* the replier then fails a cut connection */
	w->nsent++;
	w->f->shm->sent_msgs++;
	w->f->shm->sent_bytes += sizeof(msg);
}

static void
run_sender(struct worker *w)
{
	while (more_to_send(w)) {
		if (next_message(w) == -1)
			break;
		if (w->sbatch >= BATCH_MSGS || w->slen >= BATCH_BYTES)
			(void)flush_send(w);
	}
	if (!w->fatal)
		(void)flush_send(w);
	end_sending(w);
	send_stop_mark(w);
}

/*
 * An RST that ends the stream as an EOF would: at the replier, right
 * after the answer to the last request (a sender's close=reset).  At a
 * sender a reset is a reset, after our FIN too: check_end blames the
 * path's half-close only for an orderly end with replies missing.
 */
static int
reset_is_end(const struct worker *w)
{
	return w->role == ROLE_REPLIER && w->rhave == 0 && (w->got_last ||
	    (w->answered && !w->marks_last));
}

/*
 * How much to read at once: RECV_MSGS of the largest messages so far,
 * as much as a large stream needs, while a flow of small ones touches
 * only the start of its buffer.
 */
static size_t
recv_len(const struct worker *w)
{
	size_t	 n = RECV_MSGS * w->biggest;

	if (n < RECV_MIN)
		n = RECV_MIN;
	return n < w->rcap - w->rhave ? n : w->rcap - w->rhave;
}

static void
note_size(struct worker *w, size_t size)
{
	if (size > w->biggest)
		w->biggest = size;
}

/* Reads what the socket has; sets eof, or reports a failure. */
static void
recv_some(struct worker *w)
{
	ssize_t	 n;

	for (;;) {
		/* A SIGTERM between two receives interrupts neither. */
		if (stop_asked) {
			w->eof = 1;
			return;
		}
		n = recv(w->f->fd, w->rbuf + w->rhave, recv_len(w), 0);
		if (n > 0) {
			w->rhave += (size_t)n;
			return;
		}
		if (n == 0 || (errno == ECONNRESET && reset_is_end(w))) {
			w->eof = 1;
			return;
		}
		if (errno == EINTR)
			continue;
		if (!timed_out(errno))
			break;
		/* A while without data: a stall is the watchdog's. */
		check_lifeline();
	}
	report_errno(w, "recv", errno,
	    w->role == ROLE_REPLIER ? DIR_REQ : DIR_REP);
}

/*
 * A seqno that is not the next one: lost ahead, repeated, or reordered.
 * One far from the expected is no seqno at all: the stream is misframed.
 */
static enum err_kind
seqno_error(uint64_t got, uint64_t expected)
{
	if (got > expected)
		return got - expected > SEQNO_NEAR ? ERR_HEADER : ERR_LOST;
	if (expected - got > SEQNO_NEAR)
		return ERR_HEADER;
	return got + 1 == expected ? ERR_DUP : ERR_ORDER;
}

/*
 * A seqno ahead of the expected one: lost, unless the message after this
 * one, when it is already in hand, is one of those skipped: then the two
 * came out of order.  size is this message's size, avail the bytes held.
 */
static enum err_kind
ahead_kind(const unsigned char *msg, size_t avail, size_t size,
    uint64_t expected, uint64_t got)
{
	struct msg_hdr	 next;

	if (avail < size + PROTO_HDR_LEN)
		return ERR_LOST;
	proto_decode(msg + size, &next);
	return next.seqno >= expected && next.seqno < got ? ERR_ORDER :
	    ERR_LOST;
}

/* Checks the payload; the replier ends the connection on damage. */
static void
check_pattern(struct worker *w, const unsigned char *msg, size_t len,
    uint64_t seqno)
{
	struct proto_diag d;
	struct flow_error e;

	if (!w->cfg->verify || w->part_bad ||
	    proto_check_from(msg, w->part_checked, len, seqno) == 0)
		return;
	w->part_bad = 1;
	proto_diagnose(msg, len, seqno, &d);
	e = make_error(w, err_kind_of_damage(d.damage), seqno,
	    err_detail_of_damage(d.damage));
	e.offset = (uint32_t)d.offset;
	e.nbytes = (uint32_t)d.nbytes;
	e.expected = d.expected;
	e.got = d.got;
	/* Bytes shifted: what follows is misframed too. */
	flow_error(w, &e, w->role == ROLE_REPLIER ||
	    d.damage != DAMAGE_CHANGED);
}

/*
 * A message still coming in: its bytes so far are checked now, so that
 * damage shows at once, not when (or if) the rest arrives.
 */
static void
check_partial(struct worker *w, const unsigned char *msg, size_t have,
    uint64_t seqno)
{
	check_pattern(w, msg, have, seqno);
	if (!w->part_bad)
		w->part_checked = have;
}

/* The message at the buffer's start is whole and taken: forget it. */
static void
next_frame(struct worker *w)
{
	w->head_checked = 0;
	w->part_checked = 0;
	w->part_bad = 0;
}

/* Is this the reply to that request?  Its echo says so. */
static int
echoes(const struct msg_hdr *h, const struct ring_entry *e)
{
	return h->ts1 == ring_ts1(e) && h->ssz == e->ssz && h->rsz == e->rsz;
}

/* Compares a reply's echoed fields with what was asked of it. */
static void
check_echo(struct worker *w, const struct msg_hdr *h,
    const struct ring_entry *e)
{
	if (h->ts1 != ring_ts1(e))
		report(w, ERR_HEADER, h->seqno, DET_TS1, ring_ts1(e), h->ts1, 0);
	if (h->ssz != e->ssz)
		report(w, ERR_HEADER, h->seqno, DET_SSZ, e->ssz, h->ssz, 0);
	if (h->ts3 < h->ts2)
		report(w, ERR_HEADER, h->seqno, DET_TS3_BEFORE_TS2, h->ts2,
		    h->ts3, 0);
}

/* The bound a header field broke: the largest accepted, or the least. */
static uint64_t
limit_of(enum proto_verdict v, const struct proto_limits *lim)
{
	switch (v) {
	case PROTO_SSZ_BIG:
		return lim->ssz_max;
	case PROTO_RSZ_BIG:
		return lim->rsz_max;
	case PROTO_RDLY_BIG:
		return lim->rdly_max;
	default:
		return PROTO_MSG_MIN;
	}
}

/* The value of the header field a verdict is about. */
static uint64_t
field_of(enum proto_verdict v, const struct msg_hdr *h)
{
	if (v == PROTO_SSZ_SMALL || v == PROTO_SSZ_BIG)
		return h->ssz;
	if (v == PROTO_RDLY_BIG)
		return h->rdly;
	return h->rsz;
}

enum head_verdict {
	HEAD_TAKE,		/* check and take the body */
	HEAD_SKIP,		/* a reply already had: skip its body */
	HEAD_STOP		/* misframed: the flow ends */
};

/*
 * The reply in its turn: was it asked for, and is it the size asked?
 * Either wrong, the stream cannot be framed any more.
 */
static enum head_verdict
check_asked(struct worker *w, const struct msg_hdr *h,
    const struct ring_entry *e)
{
	uint64_t asked = w->f->shm->asked;

	if (h->seqno >= asked) {
		/* Replies asked so far, and replies with this one. */
		report(w, ERR_HEADER, h->seqno, DET_NOT_ASKED, asked,
		    h->seqno + 1, 1);
		return HEAD_STOP;
	}
	if (e == NULL || h->rsz != e->rsz) {
		report(w, ERR_HEADER, h->seqno, DET_RSZ, e == NULL ? 0 : e->rsz,
		    h->rsz, 1);
		return HEAD_STOP;
	}
	check_echo(w, h, e);
	w->entry = e;
	return HEAD_TAKE;
}

/*
 * Checks a reply's header as soon as it is in, before its body: a
 * misframed stream is caught at once, not after a wait for a size that
 * is garbage.  A whole reply lost, repeated or reordered is counted and
 * the flow goes on; anything else in seqno or rsz ends it.
 */
static enum head_verdict
check_reply_head(struct worker *w, const struct msg_hdr *h,
    const unsigned char *msg, size_t avail)
{
	static const struct proto_limits any = {
		PROTO_MSG_MAX, PROTO_MSG_MAX, UINT32_MAX
	};
	struct flow_shm		*shm = w->f->shm;
	const struct ring_entry	*e = ring_entry_of(w->f, h->seqno);
	uint64_t		 idx = shm->replies;
	enum proto_verdict	 v;
	enum err_kind		 kind;

	if ((v = proto_check_reply(h, &any)) != PROTO_OK) {
		report(w, ERR_HEADER, idx, err_detail_of_verdict(v),
		    limit_of(v, &any), field_of(v, h), 1);
		return HEAD_STOP;
	}
	if (h->seqno != idx) {
		kind = seqno_error(h->seqno, idx);
		if (kind == ERR_HEADER || e == NULL || !echoes(h, e)) {
			report(w, ERR_HEADER, idx, DET_REPLY_SEQNO, idx, h->seqno,
			    1);
			return HEAD_STOP;
		}
		if (kind == ERR_LOST)
			kind = ahead_kind(msg, avail, h->rsz, idx, h->seqno);
		report(w, kind, h->seqno, DET_SEQNO, idx, h->seqno, 0);
		if (h->seqno < idx)
			return HEAD_SKIP;
	}
	return check_asked(w, h, e);
}

/* The time from start to now, less what the replier held the message. */
static uint64_t
since(uint64_t now, uint64_t start, uint64_t held)
{
	return now > start && now - start > held ? now - start - held : 0;
}

/*
 * Takes one whole reply whose header held (and found its entry): checks
 * its payload and records its latency, the time since the request was
 * sent less the replier's own time.
 */
static void
take_reply(struct worker *w, const struct msg_hdr *h,
    const unsigned char *msg, uint64_t now)
{
	struct flow_shm		*shm = w->f->shm;
	const struct ring_entry	*e = w->entry;
	uint64_t		 lat, held, ts1 = ring_ts1(e);

	check_pattern(w, msg, h->rsz, h->seqno);
	held = h->ts3 >= h->ts2 ? h->ts3 - h->ts2 : 0;
	lat = since(now, ts1, held);
	if (h->seqno >= w->cfg->warmup && w->cfg->rate == 0)
		record_latency(w, LAT_RESPONSE, lat);
	else if (h->seqno >= w->cfg->warmup) {
		record_latency(w, LAT_RESPONSE, since(now, due(w, h->seqno),
		    held));
		record_latency(w, LAT_SERVICE, lat);
	}
	dump_sample(w, ts1, lat, h->rsz, e->ssz);
	w->reply_rdly = h->rdly;
	shm->recv_msgs++;
	shm->recv_bytes += h->rsz;
	shm->replies = h->seqno + 1;
	progress(w, "<");
}

/* The replier found an error in our requests and says so before closing. */
static void
take_peer_error(struct worker *w, const unsigned char *msg)
{
	struct proto_error	 pe;
	struct flow_error	 e;

	proto_decode_error(msg, &pe);
	e = make_error(w, err_kind_of_peer(pe.kind), pe.seqno,
	    err_detail_parse(pe.what));
	e.dir = DIR_REQ;
	e.by_peer = 1;
	e.expected = pe.expected;
	e.got = pe.got;
	e.offset = pe.offset;
	e.nbytes = pe.nbytes;
	flow_error(w, &e, 1);
}

/* Keeps what is left of a partial message at the buffer's start. */
static void
keep_rest(struct worker *w, size_t used, uint64_t seqno)
{
	struct wait_state *ws = &w->f->shm->wait;
	struct msg_hdr	 h;

	w->rhave -= used;
	if (used > 0 && w->rhave > 0)
		memmove(w->rbuf, w->rbuf + used, w->rhave);
	ws->seqno = seqno;
	ws->have = (uint32_t)w->rhave;
	/* Until the header is whole, what is awaited is the header. */
	ws->need = w->rhave > 0 ? PROTO_HDR_LEN : 0;
	if (w->rhave >= PROTO_HDR_LEN) {
		proto_decode(w->rbuf, &h);
		ws->need = w->role == ROLE_REPLIER ? h.ssz : h.rsz;
	}
}

/* Is this header a replier's error report? */
static int
is_peer_error(const struct msg_hdr *h)
{
	return h->seqno == PROTO_ERR_SEQNO && h->rsz == PROTO_ERR_LEN;
}

/*
 * Every whole reply in the buffer, at once.  A header is checked as soon
 * as it is in; head_checked remembers that for a body still to come.
 */
static void
take_replies(struct worker *w, uint64_t now)
{
	struct msg_hdr	 h;
	size_t		 pos = 0;

	lifeline_tick(w, now);
	w->last_io_ns = now;
	while (!w->fatal && w->rhave - pos >= PROTO_HDR_LEN) {
		proto_decode(w->rbuf + pos, &h);
		note_size(w, h.rsz);
		if (is_peer_error(&h)) {
			if (w->rhave - pos < PROTO_ERR_LEN)
				break;
			take_peer_error(w, w->rbuf + pos);
			break;
		}
		if (!(pos == 0 && w->head_checked))
			w->head = check_reply_head(w, &h, w->rbuf + pos,
			    w->rhave - pos);
		if (w->head == HEAD_STOP)
			break;
		if (w->rhave - pos < h.rsz) {
			w->head_checked = 1;
			if (w->head == HEAD_TAKE)
				check_partial(w, w->rbuf + pos, w->rhave - pos,
				    h.seqno);
			break;
		}
		if (w->head == HEAD_TAKE)
			take_reply(w, &h, w->rbuf + pos, now);
		pos += h.rsz;
		next_frame(w);
	}
	keep_rest(w, pos, w->f->shm->replies);
}

/*
 * The stream ended, in an orderly way, before the flow was complete:
 * say where.  After our FIN (close=half), replies missing mean the path
 * ended the connection when it saw the FIN.
 */
static void
check_end(struct worker *w)
{
	struct flow_shm *shm = w->f->shm;

	if (w->fatal || stop_asked)
		return;
	if (shm->fin_sent && shm->replies < shm->asked)
		report(w, ERR_SHORT, shm->replies, DET_HALF_CLOSE, shm->asked,
		    shm->replies, 1);
	else if (w->rhave > 0)
		report(w, ERR_SHORT, shm->wait.seqno, DET_MID_MESSAGE,
		    shm->wait.need, w->rhave, 1);
	else if (!shm->send_done)
		report(w, ERR_SHORT, shm->replies, DET_CLOSED_EARLY, 0, 0,
		    1);
	else if (shm->replies < shm->asked)
		report(w, ERR_SHORT, shm->replies, DET_REPLIES_MISSING,
		    shm->asked, shm->replies, 1);
}

/*
 * Did the replier say, in the closing reply, that it closes after it?
 * Ours does; the original seqtest waits for our close instead.
 */
static int
replier_closes(const struct worker *w)
{
	return (w->reply_rdly ^ w->f->shm->last_rdly) == PROTO_CLOSES;
}

/*
 * The replier closes after the closing reply: reads on to that close,
 * for half of timeout= at most (the watchdog has the whole), and any
 * byte before it is one no request asked for, however late it came.
 */
static void
await_close(struct worker *w)
{
	uint64_t limit = w->cfg->timeout ? w->cfg->timeout * NS_PER_SEC / 2 :
	    CLOSE_WAIT_NS;
	uint64_t end = clock_now() + limit, extra = 0;
	ssize_t	 n;

	/* The closing reply and the FIN after it, acknowledged at once:
	 * the replier must not retransmit them waiting. */
	(void)net_quickack(w->f->fd);	/* else only a retransmit more */
	while (!stop_asked && clock_now() < end) {
		(void)net_quickack(w->f->fd);
		n = recv(w->f->fd, w->rbuf, w->rcap, 0);
		if (n > 0)
			extra += (uint64_t)n;
		else if (n == 0 || errno == ECONNRESET)
			break;
		else if (errno == EINTR || timed_out(errno))
			check_lifeline();
		else {
			report_errno(w, "recv", errno, DIR_REP);
			return;
		}
	}
	if (extra != 0)
		report(w, ERR_HEADER, w->f->shm->replies - 1, DET_AFTER_END, 0,
		    extra, 1);
}

/* The end of a receiving side: complete, or what was missing. */
static void
finish_receiving(struct worker *w)
{
	if (w->fatal || stop_asked || !flow_complete(w)) {
		check_end(w);
		return;
	}
	if (replier_closes(w)) {
		w->res.peer_closes = 1;
		await_close(w);
	}
	if (!w->fatal)
		end_flow(w);
}

/* Reads and checks replies until all asked so far are in. */
static void
await_replies(struct worker *w)
{
	struct flow_shm *shm = w->f->shm;

	while (!w->fatal && !w->eof && shm->replies < shm->asked) {
		recv_some(w);
		if (!w->fatal && !w->eof)
			take_replies(w, clock_now());
	}
}

/* -s, the receiving side: replies until the closing one. */
static void
run_receiver(struct worker *w)
{
	while (!w->fatal && !w->eof && !flow_complete(w)) {
		recv_some(w);
		if (!w->fatal && !w->eof)
			take_replies(w, clock_now());
	}
	finish_receiving(w);
}

/* -S: send a message, wait for its reply if it asks one, then the next. */
static void
run_sync(struct worker *w)
{
	while (more_to_send(w) && !w->eof) {
		if (next_message(w) == -1 || flush_send(w) == -1)
			break;
		if (w->last_sent)
			end_sending(w);
		await_replies(w);
	}
	send_stop_mark(w);
	finish_receiving(w);
}

/*
 * A request's rdly, as a service time: from when it could be served,
 * its arrival or the end of the one before, so that a late wake-up is
 * not added to every request of a backlog, and a backlog drains at one
 * request per rdly, as a server of that service time would.
 */
static void
serve_delay(struct worker *w, uint64_t rdly, uint64_t arrived)
{
	uint64_t	 start, now;

	start = arrived > w->served_ns ? arrived : w->served_ns;
	w->served_ns = start + rdly;
	if ((now = clock_now()) < w->served_ns)
		delay_ns(w->served_ns - now);
}

/* Composes the reply a request asked for: its echo, our times, our seqno. */
static int
compose_reply(struct worker *w, const struct msg_hdr *req, uint64_t now)
{
	struct msg_hdr	 h;
	unsigned char	*msg;

	if (req->rdly != 0) {
		/* The delay is the replier's "work": answer earlier ones first. */
		if (flush_send(w) == -1)
			return -1;
		serve_delay(w, req->rdly, now);
	}
	if (w->slen + req->rsz > w->scap && flush_send(w) == -1)
		return -1;
	msg = w->sbuf + w->slen;
	h.seqno = w->reply_seq++;
	h.ts1 = req->ts1;
	h.ts2 = now;
	h.ts3 = clock_now();
	/* The answer to the last request: we close after it. */
	h.rdly = w->got_last ? req->rdly ^ PROTO_CLOSES : req->rdly;
	h.ssz = req->ssz;
	h.rsz = req->rsz;
	proto_encode(msg, &h);
	proto_fill(msg, h.rsz, h.seqno);
	w->slen += h.rsz;
	w->sbatch++;
	w->f->shm->sent_msgs++;
	w->f->shm->sent_bytes += h.rsz;
	progress(w, "+");
	return 0;
}

/* Takes one whole request whose header held, and answers it if it asks. */
static void
take_request(struct worker *w, const struct msg_hdr *h,
    const unsigned char *msg, uint64_t now)
{
	struct flow_shm *shm = w->f->shm;

	if (w->next_req++ == 0 && proto_marks_last(h)) {
		w->marks_last = 1;
		shm->key = h->ts3;	/* for a query, and our ending */
	}
	if (w->marks_last && proto_is_last(h))
		w->got_last = 1;
	check_pattern(w, msg, h->ssz, h->seqno);
	if (w->fatal)
		return;
	shm->recv_msgs++;
	shm->recv_bytes += h->ssz;
	progress(w, "-");
	w->answered = h->rsz != 0;
	if (h->rsz != 0)
		(void)compose_reply(w, h, now);
}

/*
 * Checks a request's header as soon as it is in: its seqno first (a
 * misframed stream shows there), then what it asks against the limits.
 */
static int
check_request_head(struct worker *w, const struct msg_hdr *h,
    const unsigned char *msg, size_t avail, const struct proto_limits *lim)
{
	enum proto_verdict v;
	enum err_kind	 kind;

	if (h->seqno != w->next_req) {
		if (w->next_req == 0 && proto_is_query(h)) {
			w->query = 1;	/* not a flow: answered apart */
			return -1;
		}
		kind = seqno_error(h->seqno, w->next_req);
		if (kind == ERR_LOST)
			kind = ahead_kind(msg, avail, h->ssz, w->next_req,
			    h->seqno);
		report(w, kind, kind == ERR_HEADER ? w->next_req : h->seqno,
		    DET_SEQNO, w->next_req, h->seqno, 1);
		return -1;
	}
	if ((v = proto_check_request(h, lim)) != PROTO_OK) {
		report(w, ERR_HEADER, h->seqno, err_detail_of_verdict(v),
		    limit_of(v, lim), field_of(v, h), 1);
		return -1;
	}
	return 0;
}

/* Every whole request in the buffer; any error ends the connection. */
static void
take_requests(struct worker *w, const struct proto_limits *lim, uint64_t now)
{
	struct msg_hdr	 h;
	size_t		 pos = 0;

	lifeline_tick(w, now);
	w->last_io_ns = now;
	while (!w->fatal && !w->got_last && w->rhave - pos >= PROTO_HDR_LEN) {
		proto_decode(w->rbuf + pos, &h);
		note_size(w, h.ssz);
		if (!(pos == 0 && w->head_checked) &&
		    check_request_head(w, &h, w->rbuf + pos, w->rhave - pos,
		    lim) == -1)
			break;
		if (w->rhave - pos < h.ssz) {
			w->head_checked = 1;
			check_partial(w, w->rbuf + pos, w->rhave - pos, h.seqno);
			break;
		}
		take_request(w, &h, w->rbuf + pos, now);
		pos += h.ssz;
		next_frame(w);
	}
	if (w->got_last && w->rhave > pos)
		report(w, ERR_HEADER, w->next_req, DET_AFTER_END, 0,
		    w->rhave - pos, 1);
	keep_rest(w, pos, w->next_req);
}

/*
 * Tells the sender what was wrong with its requests, then closes
 * gracefully: our FIN after the report, and what the sender still
 * sends is read and dropped for a while, so that an RST caused by
 * unread data cannot destroy the report before it is read.
 */
static void
send_error_report(struct worker *w)
{
	const struct flow_error	*e = &w->res.first;
	struct proto_error	 pe;
	struct pollfd		 p;
	uint64_t		 end = clock_now() + LINGER_NS;

	memset(&pe, 0, sizeof(pe));
	pe.seqno = e->seqno;
	pe.expected = e->expected;
	pe.got = e->got;
	pe.offset = e->offset;
	pe.nbytes = e->nbytes;
	pe.kind = (uint16_t)e->kind;
	/* pe is zeroed: the name stays NUL-terminated. */
	strncpy(pe.what, err_detail_name((enum err_detail)e->detail),
	    sizeof(pe.what) - 1);
	/* The replies before the error are good: they go first. */
	if (flush_send(w) == -1)
		return;
	proto_encode_error(w->sbuf, &pe);
	w->slen = PROTO_ERR_LEN;
	if (flush_send(w) == -1 || shutdown(w->f->fd, SHUT_WR) == -1)
		return;
	p.fd = w->f->fd;
	p.events = POLLIN;
	while (!stop_asked && clock_now() < end &&
	    poll(&p, 1, (int)((end - clock_now()) / 1000000) + 1) >= 0)
		if (recv(w->f->fd, w->rbuf, w->rcap, 0) == 0)
			break;
}

/*
 * How a replier's connection ends: after the closing reply, our FIN;
 * inside a message, or at a boundary before the last request of a
 * sender that marks it, a short stream; after an error found in the
 * requests, the report of it to the sender.
 */
static void
end_replier(struct worker *w)
{
	if (w->got_last && w->answered && !w->fatal) {
		/* Our FIN now, after the closing reply: the sender waits on it. */
		if (shutdown(w->f->fd, SHUT_WR) == -1 && errno != ENOTCONN)
			report_errno(w, "shutdown", errno, DIR_REP);
		return;
	}
	if (!w->fatal && !stop_asked && w->rhave > 0)
		report(w, ERR_SHORT, w->next_req, DET_MID_MESSAGE,
		    w->f->shm->wait.need, w->rhave, 1);
	else if (!w->fatal && !stop_asked && w->marks_last && !w->got_last) {
		/* Closed at a message boundary, but before the last one. */
		report(w, ERR_SHORT, w->next_req, DET_CUT, 0, 0, 1);
		return;
	}
	if (w->fatal && !stop_asked && w->res.first.sys_errno == 0)
		send_error_report(w);
}

/*
 * -r, one connection: answer until the request marked last (or the
 * peer's close, for a sender that does not mark it).  A query instead
 * of a first request is answered from what we saw of other connections.
 */
static void
run_replier(struct worker *w)
{
	struct proto_limits lim;

	lim.ssz_max = (uint16_t)w->cfg->ssize.max;
	lim.rsz_max = (uint16_t)w->cfg->rsize.max;
	lim.rdly_max = (uint32_t)w->cfg->rdelay.max;
	/* After a stop mark, which asks nothing, on to the sender's close. */
	while (!w->fatal && !w->eof && !(w->got_last && w->answered) &&
	    !w->query) {
		recv_some(w);
		if (w->fatal || w->eof)
			break;
		take_requests(w, &lim, clock_now());
		if (!w->fatal)
			(void)flush_send(w);
	}
	if (w->query) {
		peerview_answer(w->f->fd, w->f, w->rbuf);
		w->res.query = 1;
		return;
	}
	end_replier(w);
}

/*
 * One allocation for the buffers this role uses, sized for the flow's
 * messages; their pages are taken only as they fill.
 */
static int
alloc_buffers(struct worker *w)
{
	size_t	 dump = w->f->dump_fd != -1 ? DUMP_SIZE : 0;

	w->rcap = w->role != ROLE_SENDER ? w->f->rbuf_size : 0;
	w->scap = w->role != ROLE_RECEIVER ? w->f->sbuf_size : 0;
	if ((w->bufs = malloc(w->scap + w->rcap + dump)) == NULL)
		return -1;
	w->sbuf = w->bufs;
	w->rbuf = w->bufs + w->scap;
	w->dump = (char *)w->rbuf + w->rcap;
	return 0;
}

static void
copy_counters(struct worker *w)
{
	const struct flow_shm *shm = w->f->shm;

	if (w->role == ROLE_SENDER || w->role == ROLE_SYNC ||
	    w->role == ROLE_REPLIER) {
		w->res.sent_msgs = shm->sent_msgs;
		w->res.sent_bytes = shm->sent_bytes;
	}
	if (w->role != ROLE_SENDER) {
		w->res.recv_msgs = shm->recv_msgs;
		w->res.recv_bytes = shm->recv_bytes;
	}
}

/*
 * Socket timeouts wake a blocked send or receive now and then to check
 * on the supervisor (set once: the hot path makes no extra call).
 */
static int
set_lifeline(struct worker *w)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(LIFELINE_NS / NS_PER_SEC);
	tv.tv_usec = (suseconds_t)(LIFELINE_NS % NS_PER_SEC / 1000);
	if (setsockopt(w->f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1 || setsockopt(w->f->fd, SOL_SOCKET, SO_SNDTIMEO,
	    &tv, sizeof(tv)) == -1) {
		report_errno(w, "setsockopt", errno, DIR_REP);
		return -1;
	}
	return 0;
}

/*
 * Linux lets a sleep overrun by up to 50 us by default, to save
 * wake-ups: as much as the SPIN_NS a delay spins at its end, which
 * would then often end late.  Less is asked.  Returns -1 if refused,
 * which only makes delays end a little late.
 */
static int
limit_slack(void)
{
#ifdef PR_SET_TIMERSLACK
	return prctl(PR_SET_TIMERSLACK, (unsigned long)SLACK_NS, 0, 0, 0);
#else
	return 0;
#endif
}

/* The flow's loop for this worker's role, once it has what it needs. */
static void
run_role(struct worker *w)
{
	if (alloc_buffers(w) == -1) {
		report_errno(w, "malloc", ENOMEM, DIR_REQ);
		return;
	}
	if (set_lifeline(w) == -1)
		return;
	(void)limit_slack();	/* see there: nothing to do about it */
	if (w->role == ROLE_SENDER)
		run_sender(w);
	else if (w->role == ROLE_RECEIVER)
		run_receiver(w);
	else if (w->role == ROLE_SYNC)
		run_sync(w);
	else
		run_replier(w);
}

/*
 * Did this worker do all it was asked?  The supervisor reports an end
 * it did not ask for when the answer is no and no error says why.
 */
static int
job_done(const struct worker *w)
{
	switch (w->role) {
	case ROLE_SENDER:
		return w->last_sent && w->slen == 0 && !w->fatal;
	case ROLE_RECEIVER:
	case ROLE_SYNC:
		return flow_complete(w);
	default:
		/* Until the last request, or the peer's close; an EOF made
		 * by SIGTERM does not count. */
		return (w->got_last || w->eof) && w->rhave == 0 && !stop_asked;
	}
}

/*
 * Runs one flow in one role, then sends the final result.  Returns the
 * process's exit status: 0 when every check held, else 1.
 */
int
worker_run(struct flow *f, enum role role)
{
	struct worker	 w;
	unsigned	 k;
	int		 bad = 0;

	memset(&w, 0, sizeof(w));
	w.f = f;
	w.cfg = f->cfg;
	w.role = role;
	w.rng = f->seed;
	w.start_ns = clock_now();
	if (w.cfg->duration > 0)
		w.end_ns = w.start_ns + w.cfg->duration;
	supervisor = f->supervisor;
	w.lifeline_ns = w.start_ns + LIFELINE_NS;
	if (role == ROLE_SENDER || role == ROLE_SYNC)
		f->shm->sched_ns = w.start_ns;
	run_role(&w);
	/* The run's time is the flows' own, not when the supervisor saw it. */
	if (role != ROLE_SENDER)
		f->shm->end_ns = clock_now();
	flush_dump(&w);
	/* The -s sender's tables are its receiver's: not ours to send. */
	for (k = 0; k < LAT_KINDS; k++)
		if ((role == ROLE_RECEIVER || role == ROLE_SYNC) &&
		    w.f->area->lat[k].count != 0)
			send_latencies(&w, (enum lat_kind)k);
	copy_counters(&w);
	w.res.complete = (uint16_t)(job_done(&w) || w.query);
	w.res.stop_signo = (uint16_t)stop_asked;
	send_record(&w, REC_DONE);
	for (k = 0; k < ERR_KINDS; k++)
		bad |= w.res.errors[k] != 0;
	free(w.bufs);
	return bad ? 1 : 0;
}
