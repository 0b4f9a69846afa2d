/*
 * The contract between the supervisor and its workers: what a worker is
 * given (struct flow), the per-flow slot of the shared segment that both
 * see (live counters, the reply ring), and the result records a worker
 * writes on its pipe.  Both sides include this; neither includes the
 * other's header.
 */
#ifndef SEQTEST_FLOW_H
#define SEQTEST_FLOW_H

#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "stats.h"

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
	volatile uint32_t	send_done;	/* the last request is composed */
	volatile uint32_t	send_errors;
	volatile uint32_t	fin_sent;	/* close=half: our FIN is out */
	char			pad1[CACHELINE - 36];
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
	uint16_t	complete;	/* REC_DONE: all it was asked is done */
	uint16_t	stop_signo;	/* the signal that asked it to stop, 0 = none */
	uint64_t	sent_msgs;	/* this process's share of the flow */
	uint64_t	sent_bytes;
	uint64_t	recv_msgs;
	uint64_t	recv_bytes;
	uint64_t	errors[ERR_KINDS];
	struct flow_error first;
};

/* A record must fit POSIX's smallest PIPE_BUF to be written atomically;
 * each half of a slot fills one cache line.  Checked at compile time. */
typedef char result_fits_pipe_buf[sizeof(struct result) <= 512 ? 1 : -1];
typedef char slot_is_two_lines[sizeof(struct flow_shm) == 2 * CACHELINE ?
    1 : -1];

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
	pid_t			 supervisor;	/* a worker must not outlive it */
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

/* A flow's replies: received, for a sender; sent, for a replier. */
static inline uint64_t
flow_replies(enum mode m, uint64_t sent_msgs, uint64_t recv_msgs)
{
	return m == MODE_REPLY ? sent_msgs : recv_msgs;
}

#endif
