/*
 * The one clock: CLOCK_MONOTONIC in nanoseconds, read by workers for
 * latencies and by the supervisor for its watchdog and intervals.
 */
#ifndef SEQTEST_CLOCK_H
#define SEQTEST_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC	UINT64_C(1000000000)

static inline uint64_t
clock_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif
