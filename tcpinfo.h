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

#include "stats.h"

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

/*
 * What the kernel saw of a stalled connection, read by the watchdog:
 * which way data stopped moving.
 */
struct tcp_wait {
	uint32_t	have;		/* 1: the kernel gave these */
	uint32_t	has_wnd;	/* snd_wnd was given (Linux 5.4 on) */
	uint32_t	unacked;	/* segments sent, not yet acknowledged */
	uint32_t	backoff;	/* timeouts since data was last acked */
	uint32_t	data_recv_ms;	/* since data last arrived */
	uint32_t	ack_recv_ms;	/* since an ACK last arrived */
	uint32_t	notsent;	/* bytes queued, not yet sent (4.6 on) */
	uint32_t	snd_wnd;	/* the peer's window, bytes */
};

/* Which way a stalled connection stopped, as struct tcp_wait tells. */
enum tcp_stop {
	TCPS_UNKNOWN = 0,	/* no view, or none of the below */
	TCPS_NOT_THROUGH,	/* ours unacknowledged, retransmitted */
	TCPS_NOT_READ,		/* the peer's window is closed: not read */
	TCPS_SILENT		/* ours all acknowledged; nothing arrives */
};

void		 tcpv_read(int, struct tcp_view *);
void		 tcpv_count(const struct tcp_view *, uint64_t *, struct hist *);
void		 tcpv_read_wait(int, struct tcp_wait *);
enum tcp_stop	 tcpv_stopped(const struct tcp_wait *);
const char	*tcpv_key(enum tcpv_field);
uint32_t	 tcpv_mss(int);

#endif
