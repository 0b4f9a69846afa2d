/*
 * The contract between the supervisor and its workers: what a worker is
 * given (struct flow), the per-flow slot and area of the shared segment
 * that both see (live counters; latency table, reply ring), and the
 * records a worker writes on its pipe.  Both sides include this; the
 * worker never includes the supervisor's header, and the supervisor
 * takes from worker.h only the entry it calls in a child it forked.
 */
#ifndef SEQTEST_FLOW_H
#define SEQTEST_FLOW_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "stats.h"

/*
 * Where the receiving side is, so a stall can say what it waited for.
 * The sending side's own wait, a send that does not return, is in its
 * half of the slot (send_seqno, sending): a store or two a batch.
 */
struct wait_state {
	volatile uint64_t	seqno;		/* message or reply awaited */
	volatile uint32_t	have;		/* bytes of it already in hand */
	volatile uint32_t	need;		/* its size, 0 = header not yet */
};

/*
 * One outstanding reply: what the sender asked for, kept until the
 * receiver has checked the reply against it.  ts1 is kept in halves so
 * that an entry takes 12 bytes.
 */
struct ring_entry {
	uint32_t	ts1_lo;
	uint32_t	ts1_hi;
	uint16_t	ssz;
	uint16_t	rsz;
};

static inline uint64_t
ring_ts1(const struct ring_entry *e)
{
	return (uint64_t)e->ts1_hi << 32 | e->ts1_lo;
}

/*
 * The reply ring holds the replies outstanding and, behind them, the
 * last RING_KEEP taken (half the ring, if smaller), to check a repeated
 * or late reply against.  Its largest size is a power of two the
 * supervisor works out (struct flow's ring_max).  It starts with
 * ring_first entries and doubles, one generation after the other, when
 * the sender finds it full, so that its pages follow what the flow
 * needs.  Each generation has entries of its own, after the ones
 * before: generation g, of ring_first << g entries, begins at entry
 * ring_first * (2^g - 1), and its asks from start[g] on take them in
 * turn (ring_slot).  So the ring can grow at any ask, even while its
 * peer is stopped and every older ask is outstanding: the new asks
 * never land on an older generation's entries.
 */
#define CACHELINE	64
#define RING_FIRST	64
#define RING_LIMIT	16384
#define RING_GENS	9		/* RING_FIRST << 8 == RING_LIMIT */
#define RING_KEEP	64

/* Where ask n of generation g, begun at ask start, has its entry. */
static inline uint64_t
ring_slot(uint32_t ring_first, uint32_t g, uint64_t start, uint64_t n)
{
	uint64_t size = (uint64_t)ring_first << g;

	return (size - ring_first) + ((n - start) & (size - 1));
}

/* The replies a ring of size entries can have outstanding. */
static inline uint64_t
ring_room(uint64_t size)
{
	return size - (size / 2 < RING_KEEP ? size / 2 : RING_KEEP);
}

struct ring_hdr {
	volatile uint32_t	gen;		/* the newest asks' generation */
	uint32_t		pad;
	/* The ask that began each generation, never 0 but for the first;
	 * 0 until it has begun, so that a reader that sees gen before
	 * start[gen] falls back on the generation before, which is right
	 * for any ask it can have a reply to. */
	volatile uint64_t	start[RING_GENS];
};

/*
 * A flow's slot in the shared segment.  The sending and the receiving
 * side each write only their own half (each on its own cache lines);
 * the supervisor only reads, at any time.
 */
struct flow_shm {
	/* written by the sending side */
	volatile uint64_t	sent_msgs;
	volatile uint64_t	sent_bytes;
	volatile uint64_t	asked;		/* replies asked so far = ring head */
	volatile uint64_t	sched_ns;	/* rate=: when seqno 0 was due */
	volatile uint32_t	send_done;	/* the last request is composed */
	volatile uint32_t	send_errors;
	volatile uint32_t	fin_sent;	/* close=half: our FIN is out */
	volatile uint32_t	sending;	/* a send is under way */
	volatile uint64_t	send_seqno;	/* the message it moves */
	volatile uint32_t	send_dbg_lost;	/* -d characters left out */
	volatile uint32_t	last_rdly;	/* the last request's rdly */
	/* 64 bytes: the half fills its cache line, no pad */
	/* written by the receiving side */
	volatile uint64_t	recv_msgs;
	volatile uint64_t	recv_bytes;
	volatile uint64_t	replies;	/* replies checked = ring tail */
	volatile uint64_t	errors;
	volatile uint64_t	end_ns;		/* when it ended, by its clock */
	struct wait_state	wait;
	volatile uint32_t	recv_dbg_lost;	/* -d characters left out */
	uint32_t		pad2;
	/* written by the replier's child, read by the supervisor */
	volatile uint64_t	key;		/* the flow's identity */
	char			pad3[CACHELINE - 8];
};

/*
 * A round trip's latency, measured two ways (only with rate= do they
 * differ).  The response time runs from when the message was due by
 * the rate's schedule, so a stall that holds the sender back shows in
 * full in every message it delayed (the coordinated omission that
 * wrk2 corrects); the service time runs from the actual send.
 */
enum lat_kind {
	LAT_RESPONSE,		/* the headline: latency_us */
	LAT_SERVICE,		/* service_us, with rate= */
	LAT_KINDS
};

/*
 * A sender flow's area of the segment, after every flow's slot: its
 * latencies not yet sent on the pipe, written by the receiving side
 * (cells first, a page of their own), then its reply ring, written by
 * the sending side.  The supervisor reads the table live for interval
 * lines; lat_sent, bumped after each table that went on the pipe,
 * tells it whether what it read is already in the records.
 */
struct flow_area {
	struct hist_table	lat[LAT_KINDS];
	volatile uint64_t	lat_sent[LAT_KINDS];	/* tables sent so far */
	char			pad[CACHELINE - (LAT_KINDS *
				    (sizeof(struct hist_table) + 8)) %
				    CACHELINE];
	struct ring_hdr		ring;
	char			pad2[CACHELINE - sizeof(struct ring_hdr) %
				    CACHELINE];
	struct ring_entry	entry[];	/* see flow_area_size */
};

/*
 * The unit in which the segment and the buffers are laid out: a page on
 * most systems.  Where pages are larger, only some rounding is lost.
 */
#define PAGE_BYTES	((size_t)4096)

static inline size_t
round_page(size_t n)
{
	return (n + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES;
}

/*
 * The bytes of an area whose ring grows from ring_first to ring_max
 * entries: all its generations, 2 * ring_max - ring_first entries.
 */
static inline size_t
flow_area_size(uint32_t ring_first, uint32_t ring_max)
{
	return round_page(offsetof(struct flow_area, entry) +
	    (2 * (size_t)ring_max - ring_first) * sizeof(struct ring_entry));
}

/*
 * What a worker's buffers hold.  A worker that reads takes in at most
 * RECV_MSGS of the largest messages it has seen, and at least RECV_MIN
 * bytes, at a time: small messages keep the buffer's used part small.
 * A sender writes up to BATCH_MSGS messages or BATCH_BYTES at a time.
 * The supervisor sizes the buffers (struct flow) from these.
 */
#define RECV_MIN	((size_t)4096)
#define RECV_MSGS	32
#define RBUF_MAX	((size_t)256 * 1024)	/* a large stream's reads */
#define SBUF_MAX	((size_t)128 * 1024)
#define BATCH_MSGS	64
#define BATCH_BYTES	((size_t)64 * 1024)
#define DUMP_SIZE	8192

/* Result records on the pipe: each framed, each written atomically. */
enum rec_type {
	REC_ERROR = 1,		/* the first error, sent as it happens */
	REC_DONE,		/* the final result */
	REC_LAT			/* latencies: part of a table */
};

struct result {
	uint16_t	type;		/* enum rec_type */
	uint16_t	len;		/* sizeof(struct result) */
	uint16_t	role;		/* enum role */
	uint16_t	ended;		/* enum err_kind + 1 of the end, 0 = clean */
	uint32_t	flow;		/* its flow's id: the reader checks it */
	uint16_t	complete;	/* REC_DONE: all it was asked is done */
	uint16_t	stop_signo;	/* the signal that asked it to stop, 0 = none */
	uint64_t	sent_msgs;	/* this process's share of the flow */
	uint64_t	sent_bytes;
	uint64_t	recv_msgs;
	uint64_t	recv_bytes;
	uint64_t	errors[ERR_KINDS];
	struct flow_error first;
	/* How the connection ended, for the path facts of the report. */
	uint64_t	idle_ns;	/* without a byte before a fatal error */
	uint16_t	query;		/* replier: this was a query, not a flow */
	uint16_t	peer_closes;	/* receiver: the replier closes after
					   the closing reply (ours, not the
					   original) */
	uint32_t	pad;
};

/*
 * The replier's recent connection endings, in a page of the segment
 * that the supervisor writes (from the results) and a child answering
 * a query reads (peerview.c).  An entry's key is written last.
 */
#define VIEWS_KEPT	128

struct view_table {
	volatile uint64_t	n;		/* entries written so far */
	struct proto_view	v[VIEWS_KEPT];
};

/*
 * A latency table travels as records of up to LAT_CELLS cells each, the
 * first with the table's moments, the last marked as such.  A -s flow's
 * two processes share the pipe, and a write of up to PIPE_BUF bytes is
 * atomic: a worker writes whole records, up to LAT_WRITE bytes of them
 * at once, and the other process's never come in between.
 */
#define LAT_CELLS	56
#if defined(PIPE_BUF) && PIPE_BUF < 4096
#define LAT_WRITE	PIPE_BUF
#elif defined(PIPE_BUF)
#define LAT_WRITE	4096
#else
#define LAT_WRITE	512		/* POSIX's smallest PIPE_BUF */
#endif

struct lat_record {
	uint16_t		type;		/* REC_LAT */
	uint16_t		len;		/* sizeof(struct lat_record) */
	uint16_t		role;
	uint16_t		ncells;		/* cells used */
	uint32_t		flow;		/* as a result's */
	uint16_t		kind;		/* enum lat_kind */
	uint8_t			first;		/* the table's first: m is valid */
	uint8_t			last;		/* the table's last */
	struct hist_moments	m;
	struct hist_cell	cell[LAT_CELLS];
};

/* A record must fit POSIX's smallest PIPE_BUF to be written atomically;
 * each half of a slot fills one cache line.  Checked at compile time. */
typedef char result_fits_pipe_buf[sizeof(struct result) <= 512 ? 1 : -1];
typedef char lat_record_fits_pipe_buf[sizeof(struct lat_record) < 512 ?
    1 : -1];
/* And records are whole multiples of 8 bytes, so that, one after the
 * other in an aligned buffer, each is aligned. */
typedef char records_are_aligned[sizeof(struct result) % 8 == 0 &&
    sizeof(struct lat_record) % 8 == 0 ? 1 : -1];
/* The supervisor checks every record's header, read as a result's. */
typedef char record_headers_agree[offsetof(struct lat_record, role) ==
    offsetof(struct result, role) && offsetof(struct lat_record, flow) ==
    offsetof(struct result, flow) ? 1 : -1];
typedef char slot_is_three_lines[sizeof(struct flow_shm) == 3 * CACHELINE ?
    1 : -1];

/* Everything one worker needs, prepared by the supervisor before fork. */
struct flow {
	uint32_t		 id;
	int			 fd;		/* the connection */
	int			 result_fd;	/* write end of the result pipe */
	int			 dump_fd;	/* -1 without dump= */
	const struct config	*cfg;
	struct flow_shm		*shm;		/* in the shared segment */
	struct flow_area	*area;		/* senders only */
	size_t			 rbuf_size;	/* a reading worker's buffer */
	size_t			 sbuf_size;	/* a writing worker's buffer */
	uint32_t		 ring_max;	/* outstanding replies, at most */
	uint32_t		 ring_first;	/* the ring's first size */
	uint64_t		 start_ns;	/* the run's start, for dump */
	uint64_t		 seed;		/* this flow's random stream */
	uint64_t		 key;		/* its identity on the wire */
	pid_t			 supervisor;	/* a worker must not outlive it */
	const struct view_table	*views;		/* replier: endings, for a query */
	const struct flow_shm	*slots;		/* replier: every connection's */
	size_t			 nslots;
};

/* The processes of a flow: -s has a sender and a receiver, others one. */
static inline int
flow_nprocs(enum mode m)
{
	return m == MODE_SEND ? 2 : 1;
}

/* The role of a flow's process idx (0 or 1). */
static inline enum role
flow_role(enum mode m, int idx)
{
	if (m == MODE_SEND)
		return idx ? ROLE_RECEIVER : ROLE_SENDER;
	return m == MODE_SYNC ? ROLE_SYNC : ROLE_REPLIER;
}

/* The process index of a role: flow_role's inverse. */
static inline int
flow_proc_index(enum role r)
{
	return r == ROLE_RECEIVER;
}

/* The errors a process of a role has counted so far, in its half of shm. */
static inline uint64_t
flow_live_errors(const struct flow_shm *shm, enum role r)
{
	return r == ROLE_SENDER ? shm->send_errors : shm->errors;
}

/* A flow's replies: received, for a sender; sent, for a replier. */
static inline uint64_t
flow_replies(enum mode m, uint64_t sent_msgs, uint64_t recv_msgs)
{
	return m == MODE_REPLY ? sent_msgs : recv_msgs;
}

#endif
