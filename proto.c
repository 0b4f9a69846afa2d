/*
 * seqtest wire format.  Headers are built byte by byte so the layout is
 * the table in proto.h on every host, whatever its endianness or struct
 * padding.  No I/O and no globals: everything here can be fuzzed.
 */
#include "proto.h"

/*
 * Little-endian fields, byte by byte so that any host reads and writes
 * the same bytes.  Written out whole, not as loops: compilers see the
 * pattern and make each one a single load or store (with a byte swap on
 * a big-endian host), which halves the cost of a small message.
 */
static void
put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static uint64_t
get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

void
proto_encode(unsigned char *buf, const struct msg_hdr *h)
{
	put_le64(buf + 0, h->seqno);
	put_le64(buf + 8, h->ts1);
	put_le64(buf + 16, h->ts2);
	put_le64(buf + 24, h->ts3);
	put_le32(buf + 32, h->rdly);
	put_le16(buf + 36, h->ssz);
	put_le16(buf + 38, h->rsz);
}

void
proto_decode(const unsigned char *buf, struct msg_hdr *h)
{
	h->seqno = get_le64(buf + 0);
	h->ts1 = get_le64(buf + 8);
	h->ts2 = get_le64(buf + 16);
	h->ts3 = get_le64(buf + 24);
	h->rdly = get_le32(buf + 32);
	h->ssz = get_le16(buf + 36);
	h->rsz = get_le16(buf + 38);
}

void
proto_encode_error(unsigned char *buf, const struct proto_error *e)
{
	struct msg_hdr	 h;
	size_t		 i;

	h.seqno = PROTO_ERR_SEQNO;
	h.ts1 = e->expected;
	h.ts2 = e->got;
	h.ts3 = e->seqno;
	h.rdly = e->offset;
	h.ssz = e->kind;
	h.rsz = PROTO_ERR_LEN;
	proto_encode(buf, &h);
	put_le32(buf + 40, e->nbytes);
	for (i = 0; i < sizeof(e->what); i++)
		buf[44 + i] = (unsigned char)e->what[i];
}

void
proto_decode_error(const unsigned char *buf, struct proto_error *e)
{
	struct msg_hdr	 h;
	size_t		 i;

	proto_decode(buf, &h);
	e->expected = h.ts1;
	e->got = h.ts2;
	e->seqno = h.ts3;
	e->offset = h.rdly;
	e->kind = h.ssz;
	e->nbytes = get_le32(buf + 40);
	for (i = 0; i < sizeof(e->what); i++)
		e->what[i] = (char)buf[44 + i];
	e->what[sizeof(e->what) - 1] = '\0';
}

/* A request's ts2: our mark, and flags (PROTO_F_LAST). */
uint64_t
proto_ending(unsigned flags)
{
	return (uint64_t)PROTO_MARK << 32 | flags;
}

/* Does the request come from a sender that marks its last message? */
int
proto_marks_last(const struct msg_hdr *h)
{
	return h->ts2 >> 32 == PROTO_MARK;
}

int
proto_is_last(const struct msg_hdr *h)
{
	return proto_marks_last(h) && (h->ts2 & PROTO_F_LAST) != 0;
}

int
proto_is_query(const struct msg_hdr *h)
{
	return h->seqno == PROTO_QUERY_SEQNO && proto_marks_last(h) &&
	    (h->ts2 & PROTO_F_QUERY) != 0;
}

/* The query for flow key, sent at ts1. */
void
proto_query(unsigned char *buf, uint64_t key, uint64_t ts1)
{
	struct msg_hdr	 h;

	h.seqno = PROTO_QUERY_SEQNO;
	h.ts1 = ts1;
	h.ts2 = proto_ending(PROTO_F_QUERY);
	h.ts3 = key;
	h.rdly = 0;
	h.ssz = PROTO_HDR_LEN;
	h.rsz = PROTO_VIEW_LEN;
	proto_encode(buf, &h);
}

/* The answer to a query sent at ts1. */
void
proto_encode_view(unsigned char *buf, const struct proto_view *v,
    uint64_t ts1)
{
	size_t	 i;

	proto_query(buf, v->key, ts1);
	put_le32(buf + 40, v->state);
	put_le32(buf + 44, v->kind);
	put_le32(buf + 48, v->detail);
	put_le32(buf + 52, v->mss);
	put_le64(buf + 56, v->seqno);
	put_le64(buf + 64, v->replies);
	put_le64(buf + 72, v->idle_ns);
	put_le32(buf + 80, v->conn);
	for (i = 0; i < sizeof(v->peer); i++)
		buf[84 + i] = (unsigned char)v->peer[i];
}

/*
 * An answer to our query for key: 0, or -1 when it is not one (the
 * original seqtest's reply, say).  The address text is the peer's:
 * anything but what an address and port are written with becomes '?'.
 */
int
proto_decode_view(const unsigned char *buf, uint64_t key,
    struct proto_view *v)
{
	struct msg_hdr	 h;
	size_t		 i;
	unsigned char	 c;

	proto_decode(buf, &h);
	if (h.seqno != PROTO_QUERY_SEQNO || h.rsz != PROTO_VIEW_LEN ||
	    h.ts3 != key)
		return -1;
	v->key = key;
	v->state = get_le32(buf + 40);
	v->kind = get_le32(buf + 44);
	v->detail = get_le32(buf + 48);
	v->mss = get_le32(buf + 52);
	v->seqno = get_le64(buf + 56);
	v->replies = get_le64(buf + 64);
	v->idle_ns = get_le64(buf + 72);
	v->conn = get_le32(buf + 80);
	for (i = 0; i < sizeof(v->peer); i++) {
		c = buf[84 + i];
		v->peer[i] = (char)((c >= '0' && c <= '9') || (c >= 'a' &&
		    c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
		    c == ':' || c == '%' || c == ' ' || c == 0 ? c : '?');
	}
	v->peer[sizeof(v->peer) - 1] = '\0';
	return v->state <= VIEW_ENDED ? 0 : -1;
}

/* A request must frame (ssz) and ask only what the replier allows. */
enum proto_verdict
proto_check_request(const struct msg_hdr *h, const struct proto_limits *lim)
{
	if (h->ssz < PROTO_MSG_MIN)
		return PROTO_SSZ_SMALL;
	if (h->ssz > lim->ssz_max)
		return PROTO_SSZ_BIG;
	if (h->rsz != 0 && h->rsz < PROTO_MSG_MIN)
		return PROTO_RSZ_SMALL;
	if (h->rsz > lim->rsz_max)
		return PROTO_RSZ_BIG;
	if (h->rdly > lim->rdly_max)
		return PROTO_RDLY_BIG;
	return PROTO_OK;
}

/* A reply is framed by its rsz, which must be a whole message. */
enum proto_verdict
proto_check_reply(const struct msg_hdr *h, const struct proto_limits *lim)
{
	if (h->rsz < PROTO_MSG_MIN)
		return PROTO_RSZ_SMALL;
	if (h->rsz > lim->rsz_max)
		return PROTO_RSZ_BIG;
	if (h->ssz < PROTO_MSG_MIN)
		return PROTO_SSZ_SMALL;
	if (h->ssz > lim->ssz_max)
		return PROTO_SSZ_BIG;
	return PROTO_OK;
}

/*
 * The pattern's base depends on the seqno, so a message delivered in
 * another's place is caught; each byte depends on its offset (low and
 * high bits), so dropped, repeated or shifted bytes are caught too.
 */
static unsigned char
seqno_key(uint64_t seqno)
{
	return (unsigned char)(seqno * 0x9du + (seqno >> 8) * 0x3bu +
	    (seqno >> 16) * 0x17u + (seqno >> 24));
}

unsigned char
proto_pattern_byte(uint64_t seqno, size_t off)
{
	return (unsigned char)(seqno_key(seqno) + off + (off >> 8) * 0x5bu);
}

/*
 * Inside a 256-byte aligned block the pattern is base + (offset & 255),
 * base = key + (offset >> 8) * 0x5b.  Working a block at a time gives
 * loops with a fixed trip count for whole blocks, which compilers turn
 * into vector code: the pattern costs little next to the copy to the
 * kernel.
 */
static unsigned char
block_base(unsigned char key, size_t off)
{
	return (unsigned char)(key + (off >> 8) * 0x5bu);
}

/* Fills bytes [lo, hi) of the block at p. */
static void
fill_block(unsigned char *p, size_t lo, size_t hi, unsigned char base)
{
	size_t	 j;

	if (lo == 0 && hi == 256) {
		for (j = 0; j < 256; j++)
			p[j] = (unsigned char)(base + j);
		return;
	}
	for (j = lo; j < hi; j++)
		p[j] = (unsigned char)(base + j);
}

/* Non-zero when bytes [lo, hi) of the block at p differ from the pattern. */
static unsigned char
block_diff(const unsigned char *p, size_t lo, size_t hi, unsigned char base)
{
	unsigned char	 d = 0;
	size_t		 j;

	if (lo == 0 && hi == 256) {
		for (j = 0; j < 256; j++)
			d |= (unsigned char)(p[j] ^ (unsigned char)(base + j));
		return d;
	}
	for (j = lo; j < hi; j++)
		d |= (unsigned char)(p[j] ^ (unsigned char)(base + j));
	return d;
}

/* Fills bytes [PROTO_HDR_LEN, len) of a message with its pattern. */
void
proto_fill(unsigned char *msg, size_t len, uint64_t seqno)
{
	unsigned char	 key = seqno_key(seqno);
	size_t		 off, blk, end;

	for (off = PROTO_HDR_LEN; off < len; off = end) {
		blk = off & ~(size_t)255;
		end = blk + 256 < len ? blk + 256 : len;
		fill_block(msg + blk, off - blk, end - blk,
		    block_base(key, off));
	}
}

/*
 * Returns 0 when bytes [PROTO_HDR_LEN, len) hold the pattern, else the
 * offset of the first byte that does not.
 */
size_t
proto_check_payload(const unsigned char *msg, size_t len, uint64_t seqno)
{
	return proto_check_from(msg, PROTO_HDR_LEN, len, seqno);
}

/* The same for bytes [from, len) only: a message checked as it arrives. */
size_t
proto_check_from(const unsigned char *msg, size_t from, size_t len,
    uint64_t seqno)
{
	unsigned char	 key = seqno_key(seqno);
	size_t		 off, blk, end;

	for (off = from < PROTO_HDR_LEN ? PROTO_HDR_LEN : from; off < len;
	    off = end) {
		blk = off & ~(size_t)255;
		end = blk + 256 < len ? blk + 256 : len;
		if (block_diff(msg + blk, off - blk, end - blk,
		    block_base(key, off)) == 0)
			continue;
		for (; off < end; off++)
			if (msg[off] != proto_pattern_byte(seqno, off))
				return off;
	}
	return 0;
}

#define SHIFT_MAX	256	/* largest shift looked for, in bytes */
#define SHIFT_RUN	8	/* bytes that must agree to call it a shift */

/* Do the run bytes from off hold the pattern of offset off + k? */
static int
holds_shifted(const unsigned char *msg, size_t len, uint64_t seqno,
    size_t off, long k, size_t run)
{
	size_t	 t;

	if (off + run > len || (long)off + k < PROTO_HDR_LEN)
		return 0;
	for (t = 0; t < run; t++)
		if (msg[off + t] !=
		    proto_pattern_byte(seqno, (size_t)((long)(off + t) + k)))
			return 0;
	return 1;
}

/* The run to compare: SHIFT_RUN bytes, or what is left of the message. */
static size_t
run_at(size_t len, size_t off)
{
	return len - off < SHIFT_RUN ? len - off : SHIFT_RUN;
}

/*
 * A run of n bytes from the next chunk, then n from this one, then the
 * pattern again (or the end): two chunks swapped.
 */
static int
is_swap(const unsigned char *msg, size_t len, uint64_t seqno, size_t off,
    size_t n)
{
	return holds_shifted(msg, len, seqno, off, (long)n, n) &&
	    holds_shifted(msg, len, seqno, off + n, -(long)n, n) &&
	    (off + 2 * n == len ||
	    holds_shifted(msg, len, seqno, off + 2 * n, 0,
	    run_at(len, off + 2 * n)));
}

/* Looks for a shift that explains the bytes from off on. */
static void
find_shift(const unsigned char *msg, size_t len, uint64_t seqno,
    struct proto_diag *d)
{
	size_t	 off = d->offset, n, run = run_at(len, off);

	for (n = 1; n <= SHIFT_MAX && run >= 4; n++) {
		if (off + 2 * n <= len && is_swap(msg, len, seqno, off, n)) {
			d->damage = DAMAGE_SWAPPED;
			break;
		}
		if (off + n + 4 <= len &&
		    holds_shifted(msg, len, seqno, off, (long)n, run_at(len - n,
		    off))) {
			d->damage = DAMAGE_MISSING;
			break;
		}
		if (holds_shifted(msg, len, seqno, off, -(long)n, run)) {
			d->damage = DAMAGE_REPEATED;
			break;
		}
		/* Foreign bytes push the pattern back by as many. */
		if (off + n + 4 <= len && holds_shifted(msg, len, seqno,
		    off + n, -(long)n, run_at(len, off + n))) {
			d->damage = DAMAGE_INSERTED;
			break;
		}
	}
	if (d->damage != DAMAGE_CHANGED)
		d->nbytes = n;
}

/*
 * Says how a payload departs from its pattern: where, and whether the
 * bytes after that point are shifted (some missing, repeated, swapped or
 * inserted) or only changed.  Needs a few bytes after the damage to tell
 * a shift; else, or when nothing fits, the damage is "changed".
 */
void
proto_diagnose(const unsigned char *msg, size_t len, uint64_t seqno,
    struct proto_diag *d)
{
	d->damage = DAMAGE_NONE;
	d->nbytes = 0;
	d->expected = d->got = 0;
	if ((d->offset = proto_check_payload(msg, len, seqno)) == 0)
		return;
	d->expected = proto_pattern_byte(seqno, d->offset);
	d->got = msg[d->offset];
	d->damage = DAMAGE_CHANGED;
	/* One changed byte, and the pattern goes on: nothing shifted. */
	if (holds_shifted(msg, len, seqno, d->offset + 1, 0,
	    run_at(len, d->offset + 1)) || d->offset + 1 == len)
		return;
	find_shift(msg, len, seqno, d);
}
