/*
 * One flow's loop, run in a child process, and what it shares with and
 * reports to the supervisor: the per-flow slot of the shared segment
 * (live counters, the reply ring, the latency histogram) and the result
 * records it writes on its pipe.
 */
#ifndef SEQTEST_WORKER_H
#define SEQTEST_WORKER_H

#include <sys/types.h>

#include <stdint.h>

#include "config.h"
#include "stats.h"

/* What went wrong, by kind; the report counts each. */
enum err_kind {
	ERR_LOST = 0,		/* a seqno was skipped */
	ERR_DUP,		/* a seqno came again */
	ERR_ORDER,		/* a seqno came out of order */
	ERR_CORRUPT,		/* a payload byte differs from the pattern */
	ERR_HEADER,		/* a header field is wrong or out of bounds */
	ERR_SHORT,		/* the stream ended before all was exchanged */
	ERR_STALL,		/* no progress for timeout seconds */
	ERR_RESET,		/* connection reset by the peer */
	ERR_IO,			/* any other failed system call */
	ERR_CONNECT,		/* the flow could not be opened */
	ERR_CRASH,		/* a worker died by a signal or without result */
	ERR_KINDS
};

enum direction {
	DIR_REQ = 0,		/* sender to replier */
	DIR_REP			/* replier to sender */
};

enum role {
	ROLE_SENDER = 0,	/* -s: writes messages */
	ROLE_RECEIVER,		/* -s: reads and checks replies */
	ROLE_SYNC,		/* -S: both, one at a time */
	ROLE_REPLIER,		/* -r: one accepted connection */
	ROLES
};

/* The first error of a flow, exactly. */
struct flow_error {
	uint32_t	kind;		/* enum err_kind */
	uint32_t	dir;		/* enum direction */
	uint64_t	seqno;		/* of the message it was found in */
	uint64_t	expected;
	uint64_t	got;
	uint32_t	offset;		/* byte in the message; 0 = n/a */
	uint32_t	nbytes;		/* bytes lost, repeated or swapped */
	int32_t		sys_errno;	/* 0 = not a system call failure */
	uint32_t	by_peer;	/* found by the replier, reported to us */
	char		what[32];	/* "seqno", "ts1", "payload", "recv"... */
};

/* Where the receiving side is, so a stall can say what it waited for. */
struct wait_state {
	volatile uint64_t	seqno;		/* message or reply awaited */
	volatile uint32_t	have;		/* bytes of it already in hand */
	volatile uint32_t	need;		/* its size, 0 = header not yet */
};

/*
 * One outstanding reply: what the sender asked for, kept until the
 * receiver has checked the reply against it.
 */
struct ring_entry {
	uint64_t	seqno;		/* the request's seqno */
	uint64_t	ts1;
	uint32_t	rdly;
	uint16_t	ssz;
	uint16_t	rsz;
};

#define RING_SIZE	16384		/* power of two */
#define CACHELINE	64

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
	volatile uint32_t	send_done;
	volatile uint32_t	send_errors;
	char			pad1[CACHELINE - 32];
	/* written by the receiving side */
	volatile uint64_t	recv_msgs;
	volatile uint64_t	recv_bytes;
	volatile uint64_t	replies;	/* replies checked = ring tail */
	volatile uint64_t	errors;
	struct wait_state	wait;
	char			pad2[CACHELINE - 48];
};

/* Result records on the pipe: one framed record, atomically written. */
enum rec_type {
	REC_ERROR = 1,		/* the first error, sent as it happens */
	REC_DONE		/* the final result */
};

struct result {
	uint16_t	type;		/* enum rec_type */
	uint16_t	len;		/* sizeof(struct result) */
	uint16_t	role;		/* enum role */
	uint16_t	ended;		/* enum err_kind + 1 of the end, 0 = clean */
	uint32_t	flow;
	uint32_t	pad;
	uint64_t	sent_msgs;	/* this process's share of the flow */
	uint64_t	sent_bytes;
	uint64_t	recv_msgs;
	uint64_t	recv_bytes;
	uint64_t	errors[ERR_KINDS];
	struct flow_error first;
};

/* Everything one worker needs, prepared by the supervisor before fork. */
struct flow {
	uint32_t		 id;
	int			 fd;		/* the connection */
	int			 result_fd;	/* write end of the result pipe */
	int			 dump_fd;	/* -1 without dump= */
	const struct config	*cfg;
	struct flow_shm		*shm;		/* in the shared segment */
	struct ring_entry	*ring;		/* RING_SIZE entries; senders only */
	struct hist		*lat;		/* senders only */
	uint64_t		 start_ns;	/* the run's start, for dump */
	uint64_t		 seed;		/* this flow's random stream */
};

int	 worker_run(struct flow *, enum role);
void	 worker_on_term(int);
uint64_t worker_now(void);
const char *worker_err_name(enum err_kind);

#endif
