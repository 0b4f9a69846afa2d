/*
 * Wall-clock time, for runs on many hosts that start together:
 * start_at='s time, the wait until it, and the start as the report
 * writes it.  Everything else is measured on the monotonic clock
 * (clock.h).  Times are nanoseconds since the epoch, in UTC.
 */
#ifndef SEQTEST_WALLCLOCK_H
#define SEQTEST_WALLCLOCK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define WALL_TEXT	32	/* "2026-12-03T19:40:00.123456789Z" and NUL */

int		 wall_parse(const char *, uint64_t *);
uint64_t	 wall_now(void);
int		 wall_wait(uint64_t, volatile sig_atomic_t *);
void		 wall_format(uint64_t, char *, size_t);

#endif
