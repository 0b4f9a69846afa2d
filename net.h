/*
 * Sockets: a flow's connection, the replier's listeners, and their
 * addresses as text.  net_connect, net_listen and net_accept return a
 * descriptor, the others 0 or nothing; -1 on failure, with errno set
 * and, where given, *call naming the call that failed.
 */
#ifndef SEQTEST_NET_H
#define SEQTEST_NET_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"

int	 net_connect_start(const struct endpoint *, const char **);
int	 net_connect_finish(int, const char **);
int	 net_listen(const struct endpoint *, size_t, size_t, char *, size_t,
	    const char **);
int	 net_accept(int, char *, size_t);
int	 net_set_blocking(int, int);
int	 net_buffer_sizes(int, int *, int *);
void	 net_name(char *, size_t, const struct sockaddr *, socklen_t);
void	 net_local_name(char *, size_t, int);
int	 net_quickack(int);
void	 net_close(int);

#endif
