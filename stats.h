/*
 * Latency histogram in the style of HdrHistogram: constant memory, three
 * significant digits, no pointers, so it can live in a shared segment
 * written by a worker and read or merged by the supervisor.
 *
 * Layout: values 0..2047 each have their own bucket; above that every
 * power of two [2^k, 2^(k+1)) is cut into 1024 equal sub-buckets, so a
 * bucket is never wider than 1/1024 of its lowest value (< 0.1%).
 * For v >= 2048, with b = floor(log2(v)) - 10: index = b * 1024 + (v >> b).
 */
#ifndef SEQTEST_STATS_H
#define SEQTEST_STATS_H

#include <stdint.h>

#define HIST_SUB_BITS	10	/* 1024 sub-buckets per power of two */
#define HIST_TOP_BITS	37	/* bucketed range is 0 .. 2^37-1 ns, ~137 s */
#define HIST_MAX	((UINT64_C(1) << HIST_TOP_BITS) - 1)
#define HIST_BUCKETS	((HIST_TOP_BITS - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

/*
 * An all-zero struct is an empty histogram, so a freshly mapped
 * anonymous segment needs no hist_init().  Copying it while the writer
 * records gives a snapshot that may be torn by a few counts; every
 * reader below tolerates that.
 */
struct hist {
	uint64_t	count;
	uint64_t	overflow;	/* > HIST_MAX, kept in the top bucket */
	uint64_t	min;		/* exact; 0 when empty */
	uint64_t	max;		/* exact, even above HIST_MAX */
	uint64_t	sum;		/* exact, for the mean */
	double		sumsq;		/* for the standard deviation */
	uint64_t	bucket[HIST_BUCKETS];
};

void	 hist_init(struct hist *);
void	 hist_record(struct hist *, uint64_t);	/* ns; hot path */
void	 hist_merge(struct hist *, const struct hist *);	/* dst += src */
void	 hist_diff(struct hist *, const struct hist *,
	    const struct hist *);		/* out = now - before */
uint64_t hist_percentile(const struct hist *, double);	/* pct 0..100 */
double	 hist_mean(const struct hist *);
double	 hist_stddev(const struct hist *);

#endif
