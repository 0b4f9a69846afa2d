/*
 * Latency histogram in the style of HdrHistogram: constant memory, three
 * significant digits, no pointers.  The supervisor keeps the whole layout
 * (struct hist, 229 KiB) for the run; a worker keeps only its non-empty
 * buckets (struct hist_table, 4 KiB) and hands them on as cells.
 *
 * Layout: values 0..2047 each have their own bucket; above that every
 * power of two [2^k, 2^(k+1)) is cut into 1024 equal sub-buckets, so a
 * bucket is never wider than 1/1024 of its lowest value (< 0.1%).
 * For v >= 2048, with b = floor(log2(v)) - 10: index = b * 1024 + (v >> b).
 */
#ifndef SEQTEST_STATS_H
#define SEQTEST_STATS_H

#include <stddef.h>
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

/*
 * A worker's compact form: the non-empty buckets only, in a table of
 * HTAB_CELLS cells (one page of cells), open addressing on the bucket
 * index.  It takes at most HTAB_FULL buckets, so that probes stay short;
 * then, or when a count would overflow, htab_record() refuses and the
 * owner moves the table out (into a struct hist, or through a pipe as
 * cells and moments) and clears it.  An all-zero table is empty.
 */
#define HTAB_CELLS	512		/* power of two */
#define HTAB_FULL	384		/* 3/4 of the cells */

struct hist_cell {
	uint32_t	bucket;		/* bucket index + 1; 0 = empty cell */
	uint32_t	count;
};

/* What a set of values adds besides its buckets (count: their sum). */
struct hist_moments {
	uint64_t	overflow;
	uint64_t	min;		/* exact; meaningless when empty */
	uint64_t	max;
	uint64_t	sum;
	double		sumsq;
};

struct hist_table {
	struct hist_cell	cell[HTAB_CELLS];
	uint64_t		count;
	uint32_t		used;		/* cells taken */
	uint32_t		pad;
	struct hist_moments	m;
};

void	 hist_init(struct hist *);
void	 hist_record(struct hist *, uint64_t);	/* ns; hot path */
void	 hist_merge(struct hist *, const struct hist *);	/* dst += src */
void	 hist_diff(struct hist *, const struct hist *,
	    const struct hist *);		/* out = now - before */
uint64_t hist_percentile(const struct hist *, double);	/* pct 0..100 */
double	 hist_mean(const struct hist *);
double	 hist_stddev(const struct hist *);
size_t	 hist_next(const struct hist *, size_t, uint64_t *, uint64_t *);
int	 hist_add_bucket(struct hist *, uint64_t, uint64_t);
const char *hist_misfit(const struct hist *);

int	 htab_record(struct hist_table *, uint64_t);	/* hot; -1: full */
void	 htab_clear(struct hist_table *);
void	 hist_add_cells(struct hist *, const struct hist_cell *, size_t);
void	 hist_add_moments(struct hist *, const struct hist_moments *);
void	 hist_add_table(struct hist *, const struct hist_table *);

#endif
