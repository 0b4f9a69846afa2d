/*
 * The kernel's own view of a connection, from Linux's TCP_INFO: its
 * round-trip time, retransmissions, window, and how long sending was
 * held back.  Read at a flow's end, at a stall and at each interval
 * line, never per message.  A value the system does not give is
 * absent (null in the report).
 */
#ifndef SEQTEST_TCPINFO_H
#define SEQTEST_TCPINFO_H

#include <stdint.h>

/* The values, in this order; tcpinfo.c has their offsets and JSON keys. */
enum tcpv_field {
	TCPV_RTT = 0,		/* smoothed round-trip time, us */
	TCPV_RTTVAR,		/* its mean deviation, us */
	TCPV_RETRANS,		/* segments retransmitted, in all */
	TCPV_LOST,		/* segments the kernel now holds lost */
	TCPV_REORDERING,	/* reordering it allows for, in segments */
	TCPV_CWND,		/* congestion window, segments */
	TCPV_UNACKED,		/* segments sent, not yet acknowledged */
	TCPV_BUSY,		/* us with data to send (Linux 4.10 on) */
	TCPV_RWND_LIMITED,	/* us of it held back by the peer's window */
	TCPV_SNDBUF_LIMITED,	/* us of it held back by our send buffer */
	TCPV_FIELDS
};

struct tcp_view {
	uint32_t	have;		/* bit f: value f was given */
	uint32_t	pad;
	uint64_t	v[TCPV_FIELDS];
};

#define TCPV_HAS(tv, f)	(((tv)->have >> (f)) & 1u)

void		 tcpv_read(int, struct tcp_view *);
const char	*tcpv_key(enum tcpv_field);
uint32_t	 tcpv_mss(int);

#endif
