/*
 * Latency histogram: see stats.h for the bucket layout.  Recording is a
 * handful of adds and one count-leading-zeros; everything that walks
 * the buckets runs only when a report is made.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stats.h"

#define SUB_COUNT	((size_t)1 << HIST_SUB_BITS)
#define EXACT_COUNT	(2 * SUB_COUNT)	/* values below this are exact */
/* A sum of squares added in doubles: its rounding, relative, at most. */
#define SUMSQ_SLACK	1e-6

/* Leading zero bits of v, which must not be 0 (the builtin is undefined). */
static inline int
clz64(uint64_t v)
{
#ifdef __GNUC__
	return __builtin_clzll(v);
#else
	int	 n;

	/* Binary search without a loop: shift the top 1 bit up, halving. */
	n = ((v >> 32) == 0) << 5;
	n += (((v << n) >> 48) == 0) << 4;
	n += (((v << n) >> 56) == 0) << 3;
	n += (((v << n) >> 60) == 0) << 2;
	n += (((v << n) >> 62) == 0) << 1;
	n += ((v << n) >> 63) == 0;
	return n;
#endif
}

/* Bucket of v, which must be at most HIST_MAX. */
static inline size_t
bucket_index(uint64_t v)
{
	int	 b;

	if (v < EXACT_COUNT)
		return v;
	b = 63 - clz64(v) - HIST_SUB_BITS;
	return ((size_t)b << HIST_SUB_BITS) + (size_t)(v >> b);
}

/* log2 of bucket i's width: the shift bucket_index() applied. */
static size_t
bucket_shift(size_t i)
{
	if (i < EXACT_COUNT)
		return 0;
	return (i >> HIST_SUB_BITS) - 1;
}

/* Smallest value that lands in bucket i. */
static uint64_t
bucket_lowest(size_t i)
{
	size_t	 b = bucket_shift(i);

	return (uint64_t)(i - (b << HIST_SUB_BITS)) << b;
}

/* Largest value that lands in bucket i (its highest-equivalent value). */
static uint64_t
bucket_highest(size_t i)
{
	size_t	 b = bucket_shift(i);

	return ((uint64_t)(i - (b << HIST_SUB_BITS) + 1) << b) - 1;
}

static uint64_t
clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return v;
}

/* a - b, or 0 if a torn or misordered snapshot makes that negative. */
static uint64_t
sub_floor(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

/*
 * Hot path: no loops, no libm.  The min test uses count so that an
 * all-zero struct needs no sentinel.
 */
void
hist_record(struct hist *h, uint64_t ns)
{
	h->count++;
	h->sum += ns;
	h->sumsq += (double)ns * (double)ns;
	if (ns < h->min || h->count == 1)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	if (ns > HIST_MAX) {
		h->overflow++;
		ns = HIST_MAX;
	}
	h->bucket[bucket_index(ns)]++;
}

/* Adds src into dst; dst may be src. */
void
hist_merge(struct hist *dst, const struct hist *src)
{
	size_t	 i;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->overflow += src->overflow;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	for (i = 0; i < HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

/* Index of the first non-empty bucket, HIST_BUCKETS if none. */
static size_t
first_bucket(const struct hist *h)
{
	size_t	 i;

	for (i = 0; i < HIST_BUCKETS; i++)
		if (h->bucket[i] != 0)
			break;
	return i;
}

/* Index of the last non-empty bucket; only called when there is one. */
static size_t
last_bucket(const struct hist *h)
{
	size_t	 i;

	for (i = HIST_BUCKETS - 1; i > 0; i--)
		if (h->bucket[i] != 0)
			break;
	return i;
}

/*
 * The interval's min and max: the outer edges of its first and last
 * buckets, within 0.1%, clamped to the run's [min, max].  That makes them
 * exact when the run's extreme arrived in the interval.
 */
static void
diff_bounds(struct hist *out, uint64_t min, uint64_t max)
{
	size_t	 lo;

	out->min = out->max = 0;
	if ((lo = first_bucket(out)) == HIST_BUCKETS)
		return;
	out->min = clamp(bucket_lowest(lo), min, max);
	out->max = clamp(bucket_highest(last_bucket(out)), min, max);
}

/*
 * out = what was recorded between snapshot before and snapshot now of
 * the same histogram; out may be either.  sumsq loses precision when the
 * interval is tiny next to the whole run.
 */
void
hist_diff(struct hist *out, const struct hist *now, const struct hist *before)
{
	uint64_t min = now->min, max = now->max;	/* out may be now */
	size_t	 i;

	out->count = sub_floor(now->count, before->count);
	out->overflow = sub_floor(now->overflow, before->overflow);
	out->sum = sub_floor(now->sum, before->sum);
	out->sumsq = now->sumsq - before->sumsq;
	if (out->sumsq < 0)
		out->sumsq = 0;
	for (i = 0; i < HIST_BUCKETS; i++)
		out->bucket[i] = sub_floor(now->bucket[i], before->bucket[i]);
	diff_bounds(out, min, max);
}

/*
 * Whether h's moments can be those of its buckets, as in a histogram
 * read from outside (-m): NULL when they can, else the one that cannot.
 * min and max lie in the first and last buckets, max above HIST_MAX
 * exactly when overflow counts values kept in the top bucket; the mean
 * lies between them, and the sum of squares between count * min^2 (or
 * sum^2 / count, the least it can be) and count * max^2, within the
 * rounding of its sum.  So moments added up from such histograms stay
 * finite: count * max^2 is below 2^192.
 */
const char *
hist_misfit(const struct hist *h)
{
	double	 n = (double)h->count, lo, hi;

	if (h->count == 0)
		return NULL;
	if (bucket_index(clamp(h->min, 0, HIST_MAX)) != first_bucket(h))
		return "min_ns is not in the first bucket";
	if (bucket_index(clamp(h->max, 0, HIST_MAX)) != last_bucket(h))
		return "max_ns is not in the last bucket";
	if (h->overflow > h->bucket[HIST_BUCKETS - 1] ||
	    (h->overflow != 0) != (h->max > HIST_MAX))
		return "overflow does not match max_ns and the top bucket";
	if (h->sum / h->count < h->min ||
	    h->sum / h->count + (h->sum % h->count != 0) > h->max)
		return "sum_ns / count is not between min_ns and max_ns";
	lo = fmax(n * (double)h->min * (double)h->min,
	    (double)h->sum * ((double)h->sum / n));
	hi = n * (double)h->max * (double)h->max;
	if (!(h->sumsq >= lo * (1 - SUMSQ_SLACK) &&
	    h->sumsq <= hi * (1 + SUMSQ_SLACK)))
		return "sumsq_ns2 is not between count * min_ns^2 and "
		    "count * max_ns^2";
	return NULL;
}

/* Nearest rank of pct in n > 0 values: 1..n, NaN counted as 0. */
static uint64_t
pct_rank(uint64_t n, double pct)
{
	double	 r;

	if (!(pct > 0))
		return 1;
	if (pct >= 100)
		return n;
	/*
	 * Shave off rounding error so that a whole rank (p64.4 of 250 is
	 * 161, computed 161.00000000000003) is not bumped up one.
	 */
	r = pct * (double)n / 100;
	r = ceil(r - r * 1e-15);
	if (r < 1)
		return 1;
	return r >= (double)n ? n : (uint64_t)r;
}

/* Bucket holding the rank-th smallest value; the top one if torn short. */
static size_t
rank_bucket(const struct hist *h, uint64_t rank)
{
	uint64_t seen = 0;
	size_t	 i;

	for (i = 0; i < HIST_BUCKETS - 1; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	return i;
}

/*
 * Smallest recorded value v with at least pct% of values <= v, reported
 * as its bucket's highest-equivalent value (never below the true one,
 * at most 0.1% above) within [min, max]; p0 is min, p100 max, 0 if empty.
 */
uint64_t
hist_percentile(const struct hist *h, double pct)
{
	uint64_t rank;

	if (h->count == 0)
		return 0;
	rank = pct_rank(h->count, pct);
	if (rank == 1)
		return h->min;
	if (rank == h->count)
		return h->max;
	return clamp(bucket_highest(rank_bucket(h, rank)), h->min, h->max);
}

/* Exact but for the final rounding to double; 0 if empty. */
double
hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0;
	return (double)h->sum / (double)h->count;
}

/* Population standard deviation; 0 below two values. */
double
hist_stddev(const struct hist *h)
{
	double	 mean, var;

	if (h->count < 2)
		return 0;
	mean = hist_mean(h);
	var = h->sumsq / (double)h->count - mean * mean;
	return var > 0 ? sqrt(var) : 0;
}

/*
 * The first non-empty bucket at index i or after: returns its index,
 * with its lowest value and its count, or HIST_BUCKETS when none is
 * left.  So a report or a plot walks only the buckets that hold values:
 * for (i = hist_next(h, 0, &v, &n); i < HIST_BUCKETS;
 *     i = hist_next(h, i + 1, &v, &n)).
 */
size_t
hist_next(const struct hist *h, size_t i, uint64_t *lowest, uint64_t *count)
{
	for (; i < HIST_BUCKETS; i++) {
		if (h->bucket[i] == 0)
			continue;
		*lowest = bucket_lowest(i);
		*count = h->bucket[i];
		break;
	}
	return i;
}

/*
 * Adds n values to the bucket whose lowest value is ns, and to the
 * count; their moments come apart (hist_add_moments, first).  Returns
 * 0, or -1 with nothing added when ns is no bucket's lowest value or
 * the count would wrap: what hist_next gave, and nothing else, is taken.
 */
int
hist_add_bucket(struct hist *h, uint64_t ns, uint64_t n)
{
	size_t	 i;

	if (ns > HIST_MAX || h->count + n < n)
		return -1;
	i = bucket_index(ns);
	if (bucket_lowest(i) != ns)
		return -1;
	h->bucket[i] += n;
	h->count += n;
	return 0;
}

/* The cell where a bucket's search starts: Fibonacci hashing. */
static size_t
cell_home(uint32_t key)
{
	return (size_t)((key * UINT32_C(2654435761)) >> 23) &
	    (HTAB_CELLS - 1);
}

/* The cell of bucket key (index + 1), or NULL when the table is full. */
static struct hist_cell *
find_cell(struct hist_table *t, uint32_t key)
{
	struct hist_cell *c;
	size_t		  i = cell_home(key);

	while ((c = &t->cell[i])->bucket != key) {
		if (c->bucket == 0) {
			if (t->used >= HTAB_FULL)
				return NULL;
			c->bucket = key;
			t->used++;
			break;
		}
		i = (i + 1) & (HTAB_CELLS - 1);
	}
	return c;
}

/*
 * Hot path: records ns, as hist_record() would.  Returns 0, or -1 with
 * nothing recorded when the table has no room for it: a new bucket once
 * HTAB_FULL are taken, or a count at its top.
 */
int
htab_record(struct hist_table *t, uint64_t ns)
{
	struct hist_cell *c;
	uint64_t	  v = ns > HIST_MAX ? HIST_MAX : ns;

	c = find_cell(t, (uint32_t)bucket_index(v) + 1);
	if (c == NULL || c->count == UINT32_MAX)
		return -1;
	c->count++;
	if (ns < t->m.min || t->count == 0)
		t->m.min = ns;
	if (ns > t->m.max)
		t->m.max = ns;
	t->count++;
	t->m.overflow += ns > HIST_MAX;
	t->m.sum += ns;
	t->m.sumsq += (double)ns * (double)ns;
	return 0;
}

void
htab_clear(struct hist_table *t)
{
	memset(t, 0, sizeof(*t));
}

/* Adds n cells to h's buckets and count; cells out of range are ignored. */
void
hist_add_cells(struct hist *h, const struct hist_cell *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (c[i].bucket == 0 || c[i].bucket > HIST_BUCKETS)
			continue;
		h->bucket[c[i].bucket - 1] += c[i].count;
		h->count += c[i].count;
	}
}

/*
 * Adds what the values of some cells had besides their buckets; before
 * the cells themselves, as h's count still tells whether h was empty.
 */
void
hist_add_moments(struct hist *h, const struct hist_moments *m)
{
	if (m->max > h->max)
		h->max = m->max;
	if (h->count == 0 || m->min < h->min)
		h->min = m->min;
	h->overflow += m->overflow;
	h->sum += m->sum;
	h->sumsq += m->sumsq;
}

/* Adds a table into h, walking only its cells. */
void
hist_add_table(struct hist *h, const struct hist_table *t)
{
	if (t->count == 0)
		return;
	hist_add_moments(h, &t->m);
	hist_add_cells(h, t->cell, HTAB_CELLS);
}
