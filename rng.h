/*
 * The project's own random generator (splitmix64), so that a seed gives
 * the same sizes and delays on every libc.  State is the caller's.
 */
#ifndef SEQTEST_RNG_H
#define SEQTEST_RNG_H

#include <stdint.h>

static inline uint64_t
rng_next(uint64_t *state)
{
	uint64_t z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A value in [lo, hi], both included; lo when hi <= lo. */
static inline uint64_t
rng_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
	uint64_t span;

	if (hi <= lo)
		return lo;
	if (lo == 0 && hi == UINT64_MAX)
		return rng_next(state);	/* the span would not fit */
	span = hi - lo + 1;
	return lo + rng_next(state) % span;
}

#endif
