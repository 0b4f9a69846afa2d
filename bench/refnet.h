/*
 * Helpers shared by the reference loops: one range-checked number
 * parser, full reads and writes, loopback TCP sockets and the
 * monotonic clock.
 */
#ifndef REFNET_H
#define REFNET_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

extern const char *refnet_prog;	/* program name for messages */

void		 die(const char *);
void		 usage_error(const char *, const char *);
long long	 parse_num(const char *, long long, long long, const char *);
ssize_t		 read_full(int, void *, size_t);
int		 write_full(int, const void *, size_t);
int		 open_listener(int, uint16_t *);
int		 accept_peer(int, int);
int		 connect_loopback(uint16_t, int);
uint64_t	 now_ns(void);

void	close_or_die(int);

#endif
