/*
 * libFuzzer target for proto.c: every byte a peer can send reaches
 * proto_decode and the checks, so they must agree with the layout in
 * proto.h and with each other whatever the input.  A broken invariant
 * aborts, which libFuzzer reports as a crash with the input saved.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define REQUIRE(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Limits come from the input's last 8 bytes when there is room after
 * the header, so the fuzzer explores them too; else the replier's own.
 */
static void
pick_limits(const uint8_t *data, size_t size, struct proto_limits *lim)
{
	const uint8_t	*t;

	if (size < PROTO_HDR_LEN + 8) {
		lim->ssz_max = PROTO_MSG_MAX;
		lim->rsz_max = PROTO_MSG_MAX;
		lim->rdly_max = 1000000000u;
		return;
	}
	t = data + size - 8;
	lim->ssz_max = (uint16_t)(t[0] | t[1] << 8);
	lim->rsz_max = (uint16_t)(t[2] | t[3] << 8);
	lim->rdly_max = (uint32_t)t[4] | (uint32_t)t[5] << 8 |
	    (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
}

/* Decoding then encoding gives back the same 40 bytes. */
static void
check_roundtrip(const uint8_t *data, struct msg_hdr *h)
{
	unsigned char	 buf[PROTO_HDR_LEN];

	proto_decode(data, h);
	proto_encode(buf, h);
	REQUIRE(memcmp(buf, data, PROTO_HDR_LEN) == 0);
	/* Spot-check the documented offsets, not just self-consistency. */
	REQUIRE((h->seqno & 0xff) == data[0]);
	REQUIRE((h->rdly & 0xff) == data[32]);
	REQUIRE(h->ssz == (uint16_t)(data[36] | data[37] << 8));
	REQUIRE(h->rsz == (uint16_t)(data[38] | data[39] << 8));
}

/*
 * Each verdict's stated reason is true of the header; OK means every
 * field is acceptable.  The order of the tests is left to proto.c.
 */
static void
check_request_verdict(const struct msg_hdr *h, const struct proto_limits *lim)
{
	enum proto_verdict v = proto_check_request(h, lim);

	switch (v) {
	case PROTO_OK:
		REQUIRE(h->ssz >= PROTO_MSG_MIN && h->ssz <= lim->ssz_max);
		REQUIRE(h->rsz == 0 || h->rsz >= PROTO_MSG_MIN);
		REQUIRE(h->rsz <= lim->rsz_max);
		REQUIRE(h->rdly <= lim->rdly_max);
		break;
	case PROTO_SSZ_SMALL:
		REQUIRE(h->ssz < PROTO_MSG_MIN);
		break;
	case PROTO_SSZ_BIG:
		REQUIRE(h->ssz > lim->ssz_max);
		break;
	case PROTO_RSZ_SMALL:
		REQUIRE(h->rsz != 0 && h->rsz < PROTO_MSG_MIN);
		break;
	case PROTO_RSZ_BIG:
		REQUIRE(h->rsz > lim->rsz_max);
		break;
	case PROTO_RDLY_BIG:
		REQUIRE(h->rdly > lim->rdly_max);
		break;
	default:
		abort();
	}
}

/* As above for a reply, which must carry a whole rsz and has no rdly test. */
static void
check_reply_verdict(const struct msg_hdr *h, const struct proto_limits *lim)
{
	enum proto_verdict v = proto_check_reply(h, lim);

	switch (v) {
	case PROTO_OK:
		REQUIRE(h->ssz >= PROTO_MSG_MIN && h->ssz <= lim->ssz_max);
		REQUIRE(h->rsz >= PROTO_MSG_MIN && h->rsz <= lim->rsz_max);
		break;
	case PROTO_SSZ_SMALL:
		REQUIRE(h->ssz < PROTO_MSG_MIN);
		break;
	case PROTO_SSZ_BIG:
		REQUIRE(h->ssz > lim->ssz_max);
		break;
	case PROTO_RSZ_SMALL:
		REQUIRE(h->rsz < PROTO_MSG_MIN);
		break;
	case PROTO_RSZ_BIG:
		REQUIRE(h->rsz > lim->rsz_max);
		break;
	default:
		abort();
	}
}

/*
 * proto_check_payload against the obvious byte-by-byte scan: 0 when
 * the payload is clean, else exactly the first bad offset.
 */
static void
check_payload(const uint8_t *msg, size_t len, uint64_t seqno)
{
	size_t	 bad, off;

	bad = proto_check_payload(msg, len, seqno);
	for (off = PROTO_HDR_LEN; off < len; off++)
		if (msg[off] != proto_pattern_byte(seqno, off))
			break;
	if (off == len)
		REQUIRE(bad == 0);
	else
		REQUIRE(bad == off);
}

/*
 * proto_check_from and proto_diagnose agree with the whole check: the
 * first bad byte is the same from any starting point before it, and the
 * diagnosis names it, with a count only for the shifting kinds.
 */
static void
check_diagnosis(const uint8_t *msg, size_t len, uint64_t seqno)
{
	struct proto_diag d;
	size_t		 bad = proto_check_payload(msg, len, seqno);
	size_t		 from = len > 0 ? msg[len - 1] % (len + 1) : 0;

	if (bad == 0 || from <= bad)
		REQUIRE(proto_check_from(msg, from, len, seqno) == bad);
	proto_diagnose(msg, len, seqno, &d);
	REQUIRE((d.damage == DAMAGE_NONE) == (bad == 0));
	if (bad == 0)
		return;
	REQUIRE(d.offset == bad);
	REQUIRE(d.got == msg[bad]);
	REQUIRE(d.expected == proto_pattern_byte(seqno, bad));
	REQUIRE((d.damage == DAMAGE_CHANGED) == (d.nbytes == 0));
	REQUIRE(d.nbytes <= 256);
}

/* A filled message passes and its header is left alone. */
static void
check_fill(const uint8_t *data, size_t len, uint64_t seqno)
{
	unsigned char	*copy;
	size_t		 off;

	if ((copy = malloc(len)) == NULL)
		abort();
	memcpy(copy, data, len);
	proto_fill(copy, len, seqno);
	REQUIRE(memcmp(copy, data, PROTO_HDR_LEN) == 0);
	for (off = PROTO_HDR_LEN; off < len; off++)
		REQUIRE(copy[off] == proto_pattern_byte(seqno, off));
	REQUIRE(proto_check_payload(copy, len, seqno) == 0);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hdr		 h;
	struct proto_limits	 lim;
	size_t			 len;

	if (size < PROTO_HDR_LEN)
		return 0;
	check_roundtrip(data, &h);
	pick_limits(data, size, &lim);
	check_request_verdict(&h, &lim);
	check_reply_verdict(&h, &lim);
	len = size < PROTO_MSG_MAX ? size : PROTO_MSG_MAX;
	check_payload(data, len, h.seqno);
	check_diagnosis(data, len, h.seqno);
	check_fill(data, len, h.seqno);
	return 0;
}
