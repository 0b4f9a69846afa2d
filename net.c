/*
 * Sockets, in a room of their own: the supervisor asks for a connected
 * or listening descriptor and gets one, or the call that failed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "net.h"

/* Closes fd keeping errno, for cleanup paths that report the first one. */
void
net_close(int fd)
{
	int	 saved = errno;

	(void)close(fd);
	errno = saved;
}

int
net_set_blocking(int fd, int blocking)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

/*
 * The buffer sizes a new TCP socket of family af gets (on Linux, the
 * middle values of net.ipv4.tcp_wmem and tcp_rmem).  Returns 0, or -1
 * with errno.
 */
int
net_buffer_sizes(int af, int *snd, int *rcv)
{
	socklen_t len = sizeof(int);
	int	 fd, rv = -1;

	if ((fd = socket(af, SOCK_STREAM, 0)) == -1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, snd, &len) == 0) {
		len = sizeof(int);
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcv, &len) == 0)
			rv = 0;
	}
	net_close(fd);
	return rv;
}

/* An IPv6 scope: "%IFNAME" for a link-local address, else "%ID". */
static void
scope_name(char *buf, size_t len, const struct sockaddr_in6 *sin6)
{
	buf[0] = '%';
	if ((!IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) &&
	    !IN6_IS_ADDR_MC_LINKLOCAL(&sin6->sin6_addr)) ||
	    if_indextoname(sin6->sin6_scope_id, buf + 1) == NULL)
		snprintf(buf + 1, len - 1, "%u", (unsigned)sin6->sin6_scope_id);
}

/*
 * "HOST port N", numerically, of an IPv4 or IPv6 socket address, as
 * getnameinfo() with NI_NUMERICHOST writes it, scope included.  With
 * inet_ntop() alone a static binary is some 3 KB smaller than with
 * getnameinfo() and what it pulls in.
 */
void
net_name(char *buf, size_t len, const struct sockaddr *sa, socklen_t salen)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	char				 host[INET6_ADDRSTRLEN];
	char				 scope[IF_NAMESIZE + 12] = "";
	const char			*ok = NULL;
	unsigned			 port = 0;

	if (sa->sa_family == AF_INET && salen >= sizeof(*sin)) {
		ok = inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6 && salen >= sizeof(*sin6)) {
		/* An IPv4 peer of a [::] listener, named as it names itself. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			ok = inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			    host, sizeof(host));
		else
			ok = inet_ntop(AF_INET6, &sin6->sin6_addr, host,
			    sizeof(host));
		port = ntohs(sin6->sin6_port);
		if (sin6->sin6_scope_id != 0)
			scope_name(scope, sizeof(scope), sin6);
	}
	if (ok == NULL)
		snprintf(buf, len, "(unprintable address)");
	else
		snprintf(buf, len, "%s%s port %u", host, scope, port);
}

/*
 * Starts one flow's connection, bound to LOCAL if given, without
 * waiting for it: the supervisor starts every flow at once and polls
 * for each to become writable.  Returns the socket, non-blocking, its
 * connect under way or done, or -1 with errno and the failed call.
 */
int
net_connect_start(const struct endpoint *ep, const char **call)
{
	int	 fd, on = 1;

	*call = "socket";
	if ((fd = socket(ep->addr.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	*call = "setsockopt TCP_NODELAY";
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		goto fail;
	*call = "bind";
	if (ep->locallen != 0 &&
	    bind(fd, (const struct sockaddr *)&ep->local, ep->locallen) == -1)
		goto fail;
	*call = "connect";
	if (net_set_blocking(fd, 0) == -1)
		goto fail;
	if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) ==
	    -1 && errno != EINPROGRESS && errno != EINTR)
		goto fail;
	return fd;
fail:
	net_close(fd);
	return -1;
}

/*
 * The end of a connect net_connect_start began, once its socket polled
 * writable (or in error): 0, the socket made blocking for its workers,
 * or -1 with errno and the failed call.
 */
int
net_connect_finish(int fd, const char **call)
{
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	*call = "connect";
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	*call = "fcntl";
	return net_set_blocking(fd, 1);
}

/* True when ep is 0.0.0.0 at a port the kernel does not choose. */
static int
is_v4_any(const struct endpoint *ep, in_port_t port)
{
	const struct sockaddr_in	*sin = (const void *)&ep->addr;

	return ep->addr.ss_family == AF_INET && port != 0 &&
	    sin->sin_addr.s_addr == htonl(INADDR_ANY) && sin->sin_port == port;
}

/*
 * IPV6_V6ONLY for IPv6 listener i of all[n].  [::] takes IPv4 too, as
 * a user of it expects, unless 0.0.0.0 at its port is also given: then
 * each takes its own family, so that both can be.  Any other address
 * takes its own family only.
 */
static int
v6only(const struct endpoint *all, size_t n, size_t i)
{
	const struct sockaddr_in6	*sin6 = (const void *)&all[i].addr;
	size_t				 k;

	if (!IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		return 1;
	for (k = 0; k < n; k++)
		if (is_v4_any(&all[k], sin6->sin6_port))
			return 1;
	return 0;
}

/*
 * Binds and listens on listener i of all[n], non-blocking; names in buf
 * where, with the real port.  Returns the socket, or -1 with the failed
 * call.
 */
int
net_listen(const struct endpoint *all, size_t n, size_t i, char *buf,
    size_t len, const char **call)
{
	const struct endpoint	*ep = &all[i];
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	int			 fd, on = 1, only;

	*call = "socket";
	if ((fd = socket(ep->addr.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	*call = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (ep->addr.ss_family == AF_INET6) {
		only = v6only(all, n, i);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only,
		    sizeof(only)) == -1)
			goto fail;
	}
	*call = "bind";
	if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) == -1)
		goto fail;
	*call = "listen";
	if (listen(fd, SOMAXCONN) == -1 || net_set_blocking(fd, 0) == -1)
		goto fail;
	*call = "getsockname";
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		goto fail;
	net_name(buf, len, (struct sockaddr *)&ss, sslen);
	return fd;
fail:
	net_close(fd);
	return -1;
}

/*
 * Accepts one connection, blocking and with TCP_NODELAY as a flow's
 * socket is; names its peer in buf.  Returns it, or -1 with errno.
 */
int
net_accept(int lfd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	int			 fd, on = 1;

	if ((fd = accept(lfd, (struct sockaddr *)&ss, &sslen)) == -1)
		return -1;
	if (net_set_blocking(fd, 1) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1) {
		net_close(fd);
		return -1;
	}
	net_name(buf, len, (struct sockaddr *)&ss, sslen);
	return fd;
}

/* Names in buf the local address and port of socket fd ("" if unknown). */
void
net_local_name(char *buf, size_t len, int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);

	buf[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		net_name(buf, len, (struct sockaddr *)&ss, sslen);
}

/*
 * Acknowledges what came at once, and what comes next, instead of after
 * the delayed-ACK timer: a peer that sent its last segment and waits
 * for our ACK would otherwise probe for it with a retransmit (Linux's
 * TCP_QUICKACK; elsewhere nothing to do).  Returns 0, or -1 with errno.
 */
int
net_quickack(int fd)
{
#ifdef TCP_QUICKACK
	int	 on = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#else
	(void)fd;
	return 0;
#endif
}
