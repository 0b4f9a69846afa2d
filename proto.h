/*
 * seqtest wire format: the 40-byte message header, its validation and
 * the payload pattern.  Pure functions: no I/O, no globals.
 */
#ifndef SEQTEST_PROTO_H
#define SEQTEST_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_HDR_LEN	40	/* header bytes at the start of every message */
#define PROTO_MSG_MIN	40	/* smallest message: a bare header */
#define PROTO_MSG_MAX	65535	/* ssz and rsz are u16 on the wire */

/*
 * All fields little-endian, no padding:
 * 0 seqno u64, 8 ts1 u64, 16 ts2 u64, 24 ts3 u64, 32 rdly u32,
 * 36 ssz u16, 38 rsz u16.
 */
struct msg_hdr {
	uint64_t	seqno;	/* sender's message number, or replier's reply number */
	uint64_t	ts1;	/* sender's send time, ns */
	uint64_t	ts2;	/* replier's receive time, ns */
	uint64_t	ts3;	/* replier's send time, ns */
	uint32_t	rdly;	/* delay asked of the replier, ns */
	uint16_t	ssz;	/* this message's whole size, header included */
	uint16_t	rsz;	/* reply size asked for; 0 = no reply */
};

/*
 * A flow's ending, in fields the original seqtest ignores.  Its replier
 * never reads a request's ts2 and ts3 (a reply carries its own times
 * there), and its sender never reads a reply's rdly.  Our sender puts
 * PROTO_MARK in ts2's high half of every request, to say that it marks
 * its last message, and flags in the low half; ts3 is the flow's
 * identity, random, by which the replier keeps what it saw of the flow
 * (peerview.c).  Our replier answers a request marked last with rdly's
 * PROTO_CLOSES bit flipped: it closes the connection after this reply,
 * so the sender reads on to that close, and any byte before it is one
 * too many.
 */
#define PROTO_MARK	0x73717431u	/* "sqt1" */
#define PROTO_F_LAST	1u		/* no request follows this one */
#define PROTO_CLOSES	0x80000000u

/*
 * A query, on a fresh connection: what did the replier see of flow ts3?
 * A bare request whose seqno is PROTO_QUERY_SEQNO and whose ts2 has the
 * mark and PROTO_F_QUERY; it asks a reply of PROTO_VIEW_LEN bytes.  The
 * original seqtest answers it as any request (reply seqno 0); ours with
 * the header echoed (seqno, ts1, ts3 the identity, rsz) and at 40: u32
 * state, u32 kind (enum err_kind + 1 of its end, 0 = clean), u32
 * detail, u32 mss, u64 seqno (the request it waited for), u64 replies
 * sent, u64 ns without a byte before the end, u32 its connection
 * number, and at 84 the sender's address as it saw it, NUL-padded.
 */
#define PROTO_QUERY_SEQNO	(UINT64_MAX - 1)
#define PROTO_F_QUERY		2u
#define PROTO_VIEW_LEN		136

enum proto_view_state {
	VIEW_NONE = 0,		/* no record of the flow */
	VIEW_LIVE,		/* its connection is still open */
	VIEW_ENDED,		/* its connection ended, as kind says */
	VIEW_FOREIGN,		/* the sender's: a replier that does not say */
	VIEW_UNREACHABLE	/* the sender's: no answer at all */
};

struct proto_view {
	uint64_t	key;
	uint64_t	seqno;
	uint64_t	replies;
	uint64_t	idle_ns;
	uint32_t	state;
	uint32_t	kind;
	uint32_t	detail;
	uint32_t	mss;
	uint32_t	conn;
	char		peer[52];	/* NUL-terminated after decoding */
};

/* What a reader accepts from its peer. */
struct proto_limits {
	uint16_t	ssz_max;
	uint16_t	rsz_max;
	uint32_t	rdly_max;
};

enum proto_verdict {
	PROTO_OK = 0,
	PROTO_SSZ_SMALL,	/* ssz < 40 */
	PROTO_SSZ_BIG,		/* ssz above the limit */
	PROTO_RSZ_SMALL,	/* rsz in 1..39 */
	PROTO_RSZ_BIG,		/* rsz above the limit */
	PROTO_RDLY_BIG		/* rdly above the limit */
};

/*
 * A replier that finds an error in the request stream tells the sender
 * before it closes: one message whose seqno is PROTO_ERR_SEQNO and whose
 * rsz is PROTO_ERR_LEN.  Header fields: ts1 = expected, ts2 = got,
 * ts3 = the bad request's seqno, rdly = byte offset, ssz = kind (in
 * errors.h's enum err_kind order); then at 40 a u32 byte count and at 44
 * 32 bytes of NUL-padded detail name (errors.c's table).  Only this project's peers send it.
 */
#define PROTO_ERR_SEQNO	UINT64_MAX
#define PROTO_ERR_LEN	76

struct proto_error {
	uint64_t	seqno;
	uint64_t	expected;
	uint64_t	got;
	uint32_t	offset;
	uint32_t	nbytes;
	uint16_t	kind;
	char		what[32];	/* NUL-terminated after decoding */
};

void		 proto_encode(unsigned char *, const struct msg_hdr *);
void		 proto_decode(const unsigned char *, struct msg_hdr *);
enum proto_verdict proto_check_request(const struct msg_hdr *,
		    const struct proto_limits *);
enum proto_verdict proto_check_reply(const struct msg_hdr *,
		    const struct proto_limits *);

uint64_t	 proto_ending(unsigned);
int		 proto_marks_last(const struct msg_hdr *);
int		 proto_is_last(const struct msg_hdr *);
int		 proto_is_query(const struct msg_hdr *);
void		 proto_query(unsigned char *, uint64_t, uint64_t);
void		 proto_encode_view(unsigned char *, const struct proto_view *,
		    uint64_t);
int		 proto_decode_view(const unsigned char *, uint64_t,
		    struct proto_view *);

void		 proto_encode_error(unsigned char *, const struct proto_error *);
void		 proto_decode_error(const unsigned char *, struct proto_error *);

/* What happened to a payload that does not hold its pattern. */
enum proto_damage {
	DAMAGE_NONE = 0,
	DAMAGE_CHANGED,		/* bytes differ (flipped, overwritten) */
	DAMAGE_MISSING,		/* nbytes are gone: what follows is shifted */
	DAMAGE_REPEATED,	/* nbytes come again */
	DAMAGE_SWAPPED,		/* two runs of nbytes in each other's place */
	DAMAGE_INSERTED		/* nbytes of foreign bytes, then the pattern */
};

struct proto_diag {
	enum proto_damage damage;
	size_t		offset;		/* first byte that differs */
	size_t		nbytes;
	unsigned char	expected;	/* at offset */
	unsigned char	got;
};

unsigned char	 proto_pattern_byte(uint64_t, size_t);
void		 proto_fill(unsigned char *, size_t, uint64_t);
size_t		 proto_check_payload(const unsigned char *, size_t, uint64_t);
size_t		 proto_check_from(const unsigned char *, size_t, size_t,
		    uint64_t);
void		 proto_diagnose(const unsigned char *, size_t, uint64_t,
		    struct proto_diag *);

#endif
