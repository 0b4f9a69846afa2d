/*
 * TCP_INFO, read on Linux only: other systems have no such option or
 * lay it out otherwise, and there every value is absent.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <string.h>

#include "tcpinfo.h"

/* In enum tcpv_field's order. */
static const char *const tcpv_keys[TCPV_FIELDS] = {
	"rtt_us", "rttvar_us", "retrans", "lost", "reordering", "cwnd",
	"unacked", "busy_us", "rwnd_limited_us", "sndbuf_limited_us"
};

const char *
tcpv_key(enum tcpv_field f)
{
	return tcpv_keys[f];
}

/* Adds a flow's view, if any, to *retrans and its rtt to rtt. */
void
tcpv_count(const struct tcp_view *tv, uint64_t *retrans, struct hist *rtt)
{
	if (!TCPV_HAS(tv, TCPV_RETRANS))
		return;
	*retrans += tv->v[TCPV_RETRANS];
	hist_record(rtt, tv->v[TCPV_RTT]);
}

#if defined(__linux__) && defined(TCP_INFO)
/*
 * Where each value lies in the kernel's struct tcp_info (uapi
 * linux/tcp.h), which only grows and is laid out alike on every
 * architecture.  libc's copy of the struct may end before the newer
 * fields (glibc's at tcpi_total_retrans), so the bytes are read at
 * these offsets; the length the kernel returns says what it filled.
 */
static const unsigned char tcpv_off[TCPV_BUSY] = {
	68, 72, 100, 32, 88, 80, 24	/* u32 each */
};
#define TCPI_BASIC	104	/* through tcpi_total_retrans: any Linux */
#define TCPI_CHRONO	168	/* tcpi_busy_time, then the two limits */
#define TCPI_LEN	192	/* through tcpi_sndbuf_limited (4.10 on) */

/* Fills tv with what the kernel gives; nothing if getsockopt fails. */
void
tcpv_read(int fd, struct tcp_view *tv)
{
	uint64_t	 buf[TCPI_LEN / 8];	/* aligned, for the u64s */
	uint32_t	 u32;
	socklen_t	 len = sizeof(buf);
	unsigned	 f;

	memset(tv, 0, sizeof(*tv));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == -1 ||
	    len < TCPI_BASIC)
		return;
	for (f = 0; f < TCPV_BUSY; f++) {
		memcpy(&u32, (char *)buf + tcpv_off[f], sizeof(u32));
		tv->v[f] = u32;
	}
	tv->have = (1u << TCPV_BUSY) - 1;
	if (len < TCPI_LEN)
		return;
	memcpy(&tv->v[TCPV_BUSY], (char *)buf + TCPI_CHRONO, 3 * 8);
	tv->have = (1u << TCPV_FIELDS) - 1;
}

/* In struct tcp_info: u8s, then u32s; the length says what was filled. */
#define TCPI_BACKOFF	4
#define TCPI_UNACKED	24
#define TCPI_DATA_RECV	52	/* tcpi_last_data_recv, ms */
#define TCPI_ACK_RECV	56	/* tcpi_last_ack_recv, ms */
#define TCPI_NOTSENT	144	/* tcpi_notsent_bytes (4.6 on) */
#define TCPI_SND_WND	228	/* tcpi_snd_wnd (5.4 on) */

static uint32_t
tcpi_u32(const uint64_t *buf, size_t off)
{
	uint32_t u32;

	memcpy(&u32, (const char *)buf + off, sizeof(u32));
	return u32;
}

/* Fills tw with what the kernel gives; have 0 if getsockopt fails. */
void
tcpv_read_wait(int fd, struct tcp_wait *tw)
{
	uint64_t	 buf[(TCPI_SND_WND + 8) / 8];
	socklen_t	 len = sizeof(buf);

	memset(tw, 0, sizeof(*tw));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) == -1 ||
	    len < TCPI_BASIC)
		return;
	tw->have = 1;
	tw->backoff = ((const unsigned char *)buf)[TCPI_BACKOFF];
	tw->unacked = tcpi_u32(buf, TCPI_UNACKED);
	tw->data_recv_ms = tcpi_u32(buf, TCPI_DATA_RECV);
	tw->ack_recv_ms = tcpi_u32(buf, TCPI_ACK_RECV);
	if (len >= TCPI_NOTSENT + 4)
		tw->notsent = tcpi_u32(buf, TCPI_NOTSENT);
	if (len >= TCPI_SND_WND + 4) {
		tw->snd_wnd = tcpi_u32(buf, TCPI_SND_WND);
		tw->has_wnd = 1;
	}
}
#else
void
tcpv_read(int fd, struct tcp_view *tv)
{
	(void)fd;
	memset(tv, 0, sizeof(*tv));
}

void
tcpv_read_wait(int fd, struct tcp_wait *tw)
{
	(void)fd;
	memset(tw, 0, sizeof(*tw));
}
#endif

#define ACK_LATE_MS	1000	/* no ACK for so long: ours are lost */

/*
 * Which way data stopped.  Segments unacknowledged after a timeout went
 * off: ours do not get through.  Nothing in flight but bytes queued, or
 * a window of 0: the peer does not read (zero-window probes are never
 * counted in flight).  Nothing in flight, nothing queued: ours are all
 * acknowledged, and the peer sends nothing.
 */
enum tcp_stop
tcpv_stopped(const struct tcp_wait *tw)
{
	if (!tw->have)
		return TCPS_UNKNOWN;
	if (tw->unacked > 0)
		return tw->backoff > 0 || tw->ack_recv_ms >= ACK_LATE_MS ?
		    TCPS_NOT_THROUGH : TCPS_UNKNOWN;
	if (tw->has_wnd ? tw->snd_wnd == 0 : tw->notsent > 0)
		return TCPS_NOT_READ;
	/* Queued, the window open, nothing in flight: held back here. */
	return tw->notsent > 0 ? TCPS_UNKNOWN : TCPS_SILENT;
}

/*
 * The MSS this end's kernel sends with (TCP_MAXSEG): what the path's
 * handshake left it, a clamp in the path included.  0 if not given.
 */
uint32_t
tcpv_mss(int fd)
{
#ifdef TCP_MAXSEG
	int		 mss = 0;
	socklen_t	 len = sizeof(mss);

	if (fd != -1 && getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss,
	    &len) == 0 && mss > 0)
		return (uint32_t)mss;
#else
	(void)fd;
#endif
	return 0;
}
