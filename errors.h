/*
 * The error model: what can go wrong with a flow, by kind and detail,
 * the names of each in text and in JSON, the one-line diagnostic, and
 * the warn helpers every "seqtest: " line on stderr goes through.  What
 * else goes there is output, not a diagnostic: the replier's "Listening
 * on" line, and interval lines with -j.
 */
#ifndef SEQTEST_ERRORS_H
#define SEQTEST_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

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
	ERR_INTERRUPTED,	/* a worker ended with its work unfinished */
	ERR_KINDS
};

/*
 * The detail of an error: which header field, what happened to a
 * payload, or how a stream ended.  Its text is in errors.c's table, in
 * this order; the replier's error report carries that text on the wire.
 */
enum err_detail {
	DET_NONE = 0,
	DET_SEQNO,		/* header fields */
	DET_REPLY_SEQNO,
	DET_TS1,
	DET_SSZ,
	DET_RSZ,
	DET_TS3_BEFORE_TS2,
	DET_SSZ_SMALL,		/* a bound broken, as proto_verdict says */
	DET_SSZ_BIG,
	DET_RSZ_SMALL,
	DET_RSZ_BIG,
	DET_RDLY_BIG,
	DET_CHANGED,		/* payload damage, as proto_damage says */
	DET_MISSING,
	DET_REPEATED,
	DET_SWAPPED,
	DET_INSERTED,
	DET_MID_MESSAGE,	/* how a stream ended short */
	DET_REPLIES_MISSING,
	DET_CLOSED_EARLY,
	DET_HALF_CLOSE,		/* ended after our FIN, replies missing */
	DET_NOT_ASKED,		/* a reply beyond those asked for */
	DET_AFTER_END,		/* bytes after the closing reply or last request */
	DET_CUT,		/* ended before the flow's last message */
	DET_UNKNOWN,		/* a peer's word we do not know */
	DET_SENDING,		/* a stall in a send: never from a peer */
	DET_KINDS
};

enum direction {
	DIR_REQ = 0,		/* sender to replier */
	DIR_REP			/* replier to sender */
};

/* Which process of a flow; an error of the process names it. */
enum role {
	ROLE_SENDER = 0,	/* -s: writes messages */
	ROLE_RECEIVER,		/* -s: reads and checks replies */
	ROLE_SYNC,		/* -S: both, one at a time */
	ROLE_REPLIER,		/* -r: one accepted connection */
	ROLES
};

/* The first error of a flow, exactly.  Each field means one thing. */
struct flow_error {
	uint32_t	kind;		/* enum err_kind */
	uint32_t	dir;		/* enum direction */
	uint32_t	detail;		/* enum err_detail */
	uint32_t	role;		/* enum role of the process concerned */
	uint64_t	seqno;		/* of the message it was found in */
	uint64_t	expected;	/* the value or bound it should have had */
	uint64_t	got;		/* the value found */
	uint32_t	offset;		/* byte in the message */
	uint32_t	nbytes;		/* bytes lost, repeated or swapped */
	int32_t		sys_errno;	/* of the failed call; 0 = none */
	int32_t		pid;		/* crash, interrupted: the process */
	int32_t		signo;		/* crash, interrupted: its signal; 0 = none */
	int32_t		exit_code;	/* crash: its exit status */
	uint32_t	timeout_s;	/* stall: the seconds without progress */
	uint32_t	by_peer;	/* found by the replier, reported to us */
	char		call[16];	/* the system call that failed */
};

const char	*err_kind_name(enum err_kind);
const char	*err_kind_key(enum err_kind);
const char	*err_detail_name(enum err_detail);
enum err_detail	 err_detail_parse(const char *);
enum err_kind	 err_kind_of_peer(unsigned);
enum err_detail	 err_detail_of_verdict(enum proto_verdict);
enum err_detail	 err_detail_of_damage(enum proto_damage);
enum err_kind	 err_kind_of_damage(enum proto_damage);
const char	*err_role_name(enum role);
const char	*err_dir_name(enum direction);
void		 err_set_call(struct flow_error *, const char *);
void		 err_format(char *, size_t, const struct flow_error *);
int		 err_has_seqno(const struct flow_error *);

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a)	__attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* "seqtest: " and the message on stderr, as warnx(3) and warn(3). */
void		 log_warnx(const char *, ...) PRINTF_LIKE(1, 2);
void		 log_warn(const char *, ...) PRINTF_LIKE(1, 2);
void		 log_escape(char *, size_t, const char *);

#endif
