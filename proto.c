/*
 * seqtest wire format.  Headers are built byte by byte so the layout is
 * the table in proto.h on every host, whatever its endianness or struct
 * padding.  No I/O and no globals: everything here can be fuzzed.
 */
#include "proto.h"

static void
put_le(unsigned char *p, uint64_t v, int len)
{
	int	 i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int len)
{
	uint64_t v = 0;
	int	 i;

	for (i = len - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void
proto_encode(unsigned char *buf, const struct msg_hdr *h)
{
	put_le(buf + 0, h->seqno, 8);
	put_le(buf + 8, h->ts1, 8);
	put_le(buf + 16, h->ts2, 8);
	put_le(buf + 24, h->ts3, 8);
	put_le(buf + 32, h->rdly, 4);
	put_le(buf + 36, h->ssz, 2);
	put_le(buf + 38, h->rsz, 2);
}

void
proto_decode(const unsigned char *buf, struct msg_hdr *h)
{
	h->seqno = get_le(buf + 0, 8);
	h->ts1 = get_le(buf + 8, 8);
	h->ts2 = get_le(buf + 16, 8);
	h->ts3 = get_le(buf + 24, 8);
	h->rdly = (uint32_t)get_le(buf + 32, 4);
	h->ssz = (uint16_t)get_le(buf + 36, 2);
	h->rsz = (uint16_t)get_le(buf + 38, 2);
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

const char *
proto_verdict_str(enum proto_verdict v)
{
	switch (v) {
	case PROTO_OK:
		return "ok";
	case PROTO_SSZ_SMALL:
		return "ssz below 40";
	case PROTO_SSZ_BIG:
		return "ssz above the limit";
	case PROTO_RSZ_SMALL:
		return "rsz below 40";
	case PROTO_RSZ_BIG:
		return "rsz above the limit";
	case PROTO_RDLY_BIG:
		return "rdly above the limit";
	}
	return "unknown";
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

/* Fills bytes [PROTO_HDR_LEN, len) of a message with its pattern. */
void
proto_fill(unsigned char *msg, size_t len, uint64_t seqno)
{
	unsigned char	 key = seqno_key(seqno);
	size_t		 off;

	for (off = PROTO_HDR_LEN; off < len; off++)
		msg[off] = (unsigned char)(key + off + (off >> 8) * 0x5bu);
}

/*
 * Returns 0 when bytes [PROTO_HDR_LEN, len) hold the pattern, else the
 * offset of the first byte that does not.  Checks a block at a time so
 * the common, clean case runs without a branch per byte.
 */
size_t
proto_check_payload(const unsigned char *msg, size_t len, uint64_t seqno)
{
	unsigned char	 key = seqno_key(seqno), diff;
	size_t		 off, end, blk;

	for (blk = PROTO_HDR_LEN; blk < len; blk = end) {
		end = blk + 256 < len ? blk + 256 : len;
		diff = 0;
		for (off = blk; off < end; off++)
			diff |= msg[off] ^
			    (unsigned char)(key + off + (off >> 8) * 0x5bu);
		if (diff == 0)
			continue;
		for (off = blk; off < end; off++)
			if (msg[off] != proto_pattern_byte(seqno, off))
				return off;
	}
	return 0;
}
