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
#else
void
tcpv_read(int fd, struct tcp_view *tv)
{
	(void)fd;
	memset(tv, 0, sizeof(*tv));
}
#endif

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
