/*
 * Unit test of stats.c: one line per check, "ok" or "FAIL", exit 1 if
 * any failed.  Build: cc -O2 -o tests/stats_test tests/stats_test.c stats.c -lm
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rng.h"
#include "../stats.h"

#define NVALS		1000000
#define SEED		0x5e9fe57ULL
#define REL_PREC	0.001	/* three significant digits */
#define REL_MOMENT	1e-9	/* mean and stddev */

static int	failures;

static void
check(int ok, const char *fmt, ...)
{
	va_list	 ap;

	printf("%s - ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

static struct hist *
new_hist(void)
{
	struct hist	*h;

	if ((h = malloc(sizeof(*h))) == NULL) {
		perror("malloc");
		exit(2);
	}
	memset(h, 0xa5, sizeof(*h));	/* hist_init must clear it all */
	hist_init(h);
	return h;
}

static double
rel_err(double got, double want)
{
	if (want == 0)
		return fabs(got);
	return fabs(got - want) / fabs(want);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank of num/den of n, in integers so it is exact: 1..n. */
static uint64_t
exact_rank(uint64_t n, uint64_t num, uint64_t den)
{
	uint64_t rank = (num * n + den - 1) / den;

	return rank == 0 ? 1 : rank;
}

/* The spec's index formula, written independently of stats.c. */
static size_t
spec_index(uint64_t v)
{
	int	 k = 0;

	if (v > HIST_MAX)
		v = HIST_MAX;
	if (v < 2048)
		return v;
	while ((v >> k) > 1)
		k++;
	return (size_t)(k - 10) * 1024 + (size_t)(v >> (k - 10));
}

static void
test_empty(void)
{
	struct hist	*h = new_hist(), *d = new_hist();
	size_t		 i, nonzero = 0;

	for (i = 0; i < HIST_BUCKETS; i++)
		nonzero += h->bucket[i] != 0;
	check(h->count == 0 && h->overflow == 0 && h->min == 0 &&
	    h->max == 0 && h->sum == 0 && h->sumsq == 0 && nonzero == 0,
	    "empty: hist_init clears every field and bucket");
	check(hist_percentile(h, 0) == 0 && hist_percentile(h, 50) == 0 &&
	    hist_percentile(h, 100) == 0, "empty: p0, p50, p100 are 0");
	check(hist_mean(h) == 0 && hist_stddev(h) == 0,
	    "empty: mean and stddev are 0, no division by zero");
	hist_merge(h, d);
	hist_diff(d, h, h);
	check(h->count == 0 && h->min == 0 && d->count == 0 && d->min == 0 &&
	    d->max == 0, "empty: merge and diff of empties stay empty");
	hist_record(h, 7);
	check(hist_stddev(h) == 0 && hist_mean(h) == 7 &&
	    hist_percentile(h, 50) == 7, "one value: stddev 0, mean and p50 7");
	free(h);
	free(d);
}

static void
test_small(void)
{
	static const uint64_t vals[] = {
		0, 1, 1, 2, 3, 5, 8, 1000, 1500, 2047
	};
	static const struct { double pct; uint64_t want; } pcts[] = {
		{ 0, 0 }, { 10, 0 }, { 10.5, 1 }, { 30, 1 }, { 50, 3 },
		{ 70, 8 }, { 80, 1000 }, { 90, 1500 }, { 90.1, 2047 },
		{ 100, 2047 }
	};
	struct hist	*h = new_hist();
	size_t		 i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		hist_record(h, vals[i]);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t got = hist_percentile(h, pcts[i].pct);

		check(got == pcts[i].want, "small set: p%g = %llu, want %llu",
		    pcts[i].pct, (unsigned long long)got,
		    (unsigned long long)pcts[i].want);
	}
	check(hist_percentile(h, -5) == 0 && hist_percentile(h, NAN) == 0 &&
	    hist_percentile(h, 150) == 2047,
	    "small set: p-5 and pNaN are min, p150 is max");
	check(hist_mean(h) == 456.7, "small set: mean %.17g, want 456.7",
	    hist_mean(h));
	check(rel_err(hist_stddev(h), sqrt(744031.3 - 456.7 * 456.7)) < 1e-12,
	    "small set: stddev %.10g", hist_stddev(h));
	free(h);
}

/*
 * Every value 0..n-1 once, n <= 2048: each percentile p0, p0.1 .. p100
 * must be exact, whole ranks included (p64.4 of 250 is rank 161).
 */
static void
test_exact_range(uint64_t n)
{
	struct hist	*h = new_hist();
	uint64_t	 v, k, bad = 0;

	for (v = 0; v < n; v++)
		hist_record(h, v);
	for (k = 0; k <= 1000; k++)
		bad += hist_percentile(h, k / 10.0) !=
		    exact_rank(n, k, 1000) - 1;
	check(bad == 0, "values 0..%llu: p0, p0.1 .. p100 exact (%llu wrong)",
	    (unsigned long long)n - 1, (unsigned long long)bad);
	free(h);
}

/* Boundary values land where the spec's formula says, not one off. */
static void
test_layout(void)
{
	struct hist	*h;
	uint64_t	 v, bad = 0;
	int		 k, d;

	check(HIST_BUCKETS == 28672 && spec_index(HIST_MAX) == HIST_BUCKETS - 1,
	    "layout: HIST_BUCKETS = %d, top value in the last bucket",
	    HIST_BUCKETS);
	check(sizeof(struct hist) == 48 + 8 * (size_t)HIST_BUCKETS,
	    "layout: sizeof(struct hist) = %zu, no padding",
	    sizeof(struct hist));
	for (k = 10; k < 38; k++) {
		for (d = -2; d <= 2; d++) {
			v = (UINT64_C(1) << k) + (uint64_t)(int64_t)d;
			h = new_hist();
			hist_record(h, v);
			bad += h->bucket[spec_index(v)] != 1;
			bad += hist_percentile(h, 50) != v;
			free(h);
		}
	}
	check(bad == 0, "layout: 2^k-2 .. 2^k+2, k = 10..37, in the spec's "
	    "bucket (%llu wrong)", (unsigned long long)bad);
}

/* Log-uniform in [1 ns, 10 s]: the spread latencies really have. */
static uint64_t
log_uniform(uint64_t *state)
{
	/* 53 random bits: u in [0, 1). */
	double	 u = (double)(rng_next(state) >> 11) * 0x1.0p-53;

	return (uint64_t)(exp(u * log(1e10)) + 0.5);
}

static uint64_t *
make_values(void)
{
	uint64_t	*v, state = SEED;
	size_t		 i;

	if ((v = malloc(NVALS * sizeof(*v))) == NULL) {
		perror("malloc");
		exit(2);
	}
	for (i = 0; i < NVALS; i++)
		v[i] = log_uniform(&state);
	return v;
}

static void
check_moments(const struct hist *h, const uint64_t *v, size_t n,
    const char *what)
{
	long double	 sum = 0, dev = 0, mean;
	size_t		 i;

	for (i = 0; i < n; i++)
		sum += v[i];
	mean = sum / n;
	for (i = 0; i < n; i++)
		dev += (v[i] - mean) * (v[i] - mean);
	check(rel_err(hist_mean(h), (double)mean) < REL_MOMENT,
	    "%s: mean %.6f, exact %.6Lf", what, hist_mean(h), mean);
	check(rel_err(hist_stddev(h), (double)sqrtl(dev / n)) < REL_MOMENT,
	    "%s: stddev %.6f, exact %.6Lf", what, hist_stddev(h),
	    sqrtl(dev / n));
}

static void
check_percentiles(const struct hist *h, const uint64_t *sorted, size_t n)
{
	static const struct { double pct; uint64_t num, den; } p[] = {
		{ 50, 50, 100 }, { 90, 90, 100 }, { 99, 99, 100 },
		{ 99.9, 999, 1000 }
	};
	size_t		 i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		uint64_t got = hist_percentile(h, p[i].pct);
		uint64_t want = sorted[exact_rank(n, p[i].num, p[i].den) - 1];

		check(rel_err(got, want) < REL_PREC, "random: p%g = %llu, "
		    "exact %llu, error %.4f%%", p[i].pct,
		    (unsigned long long)got, (unsigned long long)want,
		    100 * rel_err(got, want));
	}
	check(h->min == sorted[0] && hist_percentile(h, 0) == sorted[0],
	    "random: min = p0 = %llu exactly", (unsigned long long)h->min);
	check(h->max == sorted[n - 1] &&
	    hist_percentile(h, 100) == sorted[n - 1],
	    "random: max = p100 = %llu exactly", (unsigned long long)h->max);
}

/* Every p0.1 step: within 0.1% and, being highest-equivalent, never low. */
static void
sweep_percentiles(const struct hist *h, const uint64_t *sorted, size_t n)
{
	double		 worst = 0;
	uint64_t	 k, bad = 0;

	for (k = 0; k <= 1000; k++) {
		uint64_t got = hist_percentile(h, k / 10.0);
		uint64_t want = sorted[exact_rank(n, k, 1000) - 1];
		double err = rel_err(got, want);

		if (err > worst)
			worst = err;
		bad += err >= REL_PREC || got < want;
	}
	check(bad == 0, "random: p0 .. p100 by 0.1: none low, worst error "
	    "%.4f%% (%llu wrong)", 100 * worst, (unsigned long long)bad);
}

static void
test_random(const uint64_t *v)
{
	struct hist	*h = new_hist();
	uint64_t	*sorted;
	size_t		 i;

	for (i = 0; i < NVALS; i++)
		hist_record(h, v[i]);
	check(h->count == NVALS && h->overflow == 0,
	    "random: %d values counted, none overflowed", NVALS);
	if ((sorted = malloc(NVALS * sizeof(*sorted))) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(sorted, v, NVALS * sizeof(*sorted));
	qsort(sorted, NVALS, sizeof(*sorted), cmp_u64);
	check_percentiles(h, sorted, NVALS);
	sweep_percentiles(h, sorted, NVALS);
	check_moments(h, v, NVALS, "random");
	free(sorted);
	free(h);
}

/* Equal counts and buckets; sumsq only to tol, float sums are not exact. */
static int
same_counts(const struct hist *a, const struct hist *b, double tol)
{
	return a->count == b->count && a->overflow == b->overflow &&
	    a->sum == b->sum && rel_err(a->sumsq, b->sumsq) < tol &&
	    memcmp(a->bucket, b->bucket, sizeof(a->bucket)) == 0;
}

static void
test_merge(const uint64_t *v)
{
	struct hist	*a = new_hist(), *b = new_hist(), *all = new_hist();
	struct hist	*e = new_hist();
	size_t		 i;

	for (i = 0; i < NVALS; i++) {
		hist_record(i < NVALS / 2 ? a : b, v[i]);
		hist_record(all, v[i]);
	}
	hist_merge(a, b);
	check(same_counts(a, all, REL_MOMENT) && a->min == all->min &&
	    a->max == all->max,
	    "merge: two halves equal recording all");
	hist_merge(e, all);
	check(memcmp(e, all, sizeof(*e)) == 0, "merge: into empty is a copy");
	hist_init(b);
	hist_merge(e, b);
	check(memcmp(e, all, sizeof(*e)) == 0,
	    "merge: of empty changes nothing");
	free(a);
	free(b);
	free(all);
	free(e);
}

/*
 * Walking the non-empty buckets and adding each where it starts, after
 * the moments, rebuilds the histogram: what -j writes and -m reads.
 * A value that is not where a bucket starts is refused.
 */
static void
test_walk(const uint64_t *v)
{
	struct hist		*h = new_hist(), *back = new_hist();
	struct hist_moments	 m;
	uint64_t		 lowest, n, buckets = 0;
	size_t			 i;

	for (i = 0; i < NVALS; i++)
		hist_record(h, v[i]);
	hist_record(h, HIST_MAX + 12345);
	m.overflow = h->overflow;
	m.min = h->min;
	m.max = h->max;
	m.sum = h->sum;
	m.sumsq = h->sumsq;
	hist_add_moments(back, &m);
	for (i = hist_next(h, 0, &lowest, &n); i < HIST_BUCKETS;
	    i = hist_next(h, i + 1, &lowest, &n)) {
		buckets++;
		if (hist_add_bucket(back, lowest, n) == -1)
			break;
	}
	check(i == HIST_BUCKETS && memcmp(h, back, sizeof(*h)) == 0,
	    "walk: %llu buckets added back give the same histogram",
	    (unsigned long long)buckets);
	check(hist_add_bucket(back, 2047, 1) == 0 &&
	    hist_add_bucket(back, 2048, 1) == 0 &&
	    hist_add_bucket(back, 2049, 1) == -1 &&
	    hist_add_bucket(back, HIST_MAX + 1, 1) == -1 &&
	    hist_add_bucket(back, 0, UINT64_MAX) == -1,
	    "walk: only where a bucket starts, and no count that wraps");
	hist_init(back);
	check(hist_next(back, 0, &lowest, &n) == HIST_BUCKETS,
	    "walk: an empty histogram has no bucket");
	free(h);
	free(back);
}

/* Diffs whose extremes are known exactly, or that hold nothing. */
static void
diff_extremes(struct hist *h, struct hist *before, struct hist *out)
{
	uint64_t	 big = 20000000000ULL;

	memcpy(before, h, sizeof(*h));
	hist_record(h, big);
	hist_diff(out, h, before);
	check(out->count == 1 && out->max == big && out->min <= big &&
	    rel_err(out->min, big) < REL_PREC,
	    "diff: a new max is exact (%llu), min from its bucket (%llu)",
	    (unsigned long long)out->max, (unsigned long long)out->min);
	hist_diff(out, h, h);
	check(out->count == 0 && out->min == 0 && out->max == 0 &&
	    hist_percentile(out, 50) == 0 && hist_stddev(out) == 0,
	    "diff: of a snapshot with itself is empty");
	hist_init(before);
	hist_diff(out, h, before);
	check(memcmp(out, h, sizeof(*h)) == 0,
	    "diff: against an empty snapshot is the whole histogram");
	memcpy(before, h, sizeof(*h));
	hist_record(h, 3);
	memcpy(out, h, sizeof(*h));
	hist_diff(h, h, before);
	hist_diff(before, out, before);
	check(memcmp(h, before, sizeof(*h)) == 0 && h->count == 1 &&
	    h->min == 3 && h->max == 3, "diff: in place, out = now or before");
}

/* Snapshots of a run; the interval recorded alone into ref. */
static void
test_diff(const uint64_t *v)
{
	struct hist	*h = new_hist(), *before = new_hist();
	struct hist	*ref = new_hist(), *out = new_hist();
	size_t		 i;

	for (i = 0; i < NVALS / 2; i++)
		hist_record(h, v[i]);
	memcpy(before, h, sizeof(*h));
	/* Interval inside the run's range, so its min and max are not new. */
	for (i = NVALS / 2; i < NVALS; i++) {
		if (v[i] >= 5000 && v[i] <= 5000000000ULL) {
			hist_record(h, v[i]);
			hist_record(ref, v[i]);
		}
	}
	hist_diff(out, h, before);
	check(same_counts(out, ref, REL_MOMENT), "diff: interval counts, sum "
	    "and buckets equal the interval's (%llu values)",
	    (unsigned long long)out->count);
	check(out->min <= ref->min && rel_err(out->min, ref->min) < REL_PREC &&
	    out->max >= ref->max && rel_err(out->max, ref->max) < REL_PREC,
	    "diff: min %llu ~ %llu, max %llu ~ %llu from buckets",
	    (unsigned long long)out->min, (unsigned long long)ref->min,
	    (unsigned long long)out->max, (unsigned long long)ref->max);
	check(hist_percentile(out, 50) == hist_percentile(ref, 50) &&
	    hist_percentile(out, 99) == hist_percentile(ref, 99) &&
	    hist_mean(out) == hist_mean(ref) &&
	    rel_err(hist_stddev(out), hist_stddev(ref)) < REL_MOMENT,
	    "diff: p50, p99, mean and stddev equal the interval's");
	diff_extremes(h, before, out);
	free(h);
	free(before);
	free(ref);
	free(out);
}

static void
test_overflow(void)
{
	struct hist	*h = new_hist();
	uint64_t	 big = 1000000000000ULL;	/* 1000 s */

	hist_record(h, HIST_MAX);
	check(h->overflow == 0 && h->bucket[HIST_BUCKETS - 1] == 1,
	    "overflow: HIST_MAX = %llu is the top bucket, not overflow",
	    (unsigned long long)HIST_MAX);
	hist_record(h, HIST_MAX + 1);
	hist_record(h, big);
	check(h->overflow == 2 && h->bucket[HIST_BUCKETS - 1] == 3,
	    "overflow: HIST_MAX+1 and 1000 s counted in overflow, top bucket");
	check(h->max == big && hist_percentile(h, 100) == big,
	    "overflow: max and p100 stay exact at %llu",
	    (unsigned long long)big);
	check(hist_percentile(h, 50) == HIST_MAX && h->min == HIST_MAX,
	    "overflow: p50 reports the top of the range");
	check(hist_mean(h) == (double)(2 * HIST_MAX + 1 + big) / 3,
	    "overflow: mean still exact, %.1f", hist_mean(h));
	free(h);
}

/*
 * A worker's way: values into a table, the table moved into a struct
 * hist whenever it refuses one, as cells and moments.  rec: in records
 * of a few cells, moments first, as the pipe carries them.
 */
static void
record_tabled(struct hist *h, struct hist_table *t, const uint64_t *v,
    size_t n, int rec, size_t *moves)
{
	size_t	 i, k, c;

	for (i = 0; i <= n; i++) {
		if (i < n && htab_record(t, v[i]) == 0)
			continue;
		if (!rec)
			hist_add_table(h, t);
		else if (t->count > 0) {
			hist_add_moments(h, &t->m);
			for (k = 0; k < HTAB_CELLS; k += c) {
				c = HTAB_CELLS - k < 56 ? HTAB_CELLS - k : 56;
				hist_add_cells(h, t->cell + k, c);
			}
		}
		htab_clear(t);
		(*moves)++;
		if (i < n && htab_record(t, v[i]) != 0)
			check(0, "table: an empty table refused %llu",
			    (unsigned long long)v[i]);
	}
}

/* Through tables, the same histogram as recorded directly. */
static void
test_table(const uint64_t *v)
{
	struct hist	*h = new_hist(), *all = new_hist();
	struct hist_table *t;
	size_t		 i, moves = 0;
	int		 rec;

	if ((t = malloc(sizeof(*t))) == NULL) {
		perror("malloc");
		exit(2);
	}
	check(sizeof(t->cell) == 4096, "table: %d cells, %zu bytes of them",
	    HTAB_CELLS, sizeof(t->cell));
	for (i = 0; i < NVALS; i++)
		hist_record(all, v[i]);
	for (rec = 0; rec < 2; rec++) {
		hist_init(h);
		htab_clear(t);
		moves = 0;
		record_tabled(h, t, v, NVALS, rec, &moves);
		check(same_counts(h, all, REL_MOMENT) && h->min == all->min &&
		    h->max == all->max && h->overflow == all->overflow,
		    "table%s: %d values in %zu tables equal recording all",
		    rec ? " records" : "", NVALS, moves);
		check(hist_percentile(h, 50) == hist_percentile(all, 50) &&
		    hist_percentile(h, 99.9) == hist_percentile(all, 99.9) &&
		    hist_mean(h) == hist_mean(all),
		    "table%s: p50, p99.9 and mean as recorded directly",
		    rec ? " records" : "");
	}
	free(h);
	free(all);
	free(t);
}

/* What a table refuses, and values it holds at the edges. */
static void
test_table_edges(void)
{
	struct hist	*h = new_hist();
	struct hist_table *t;
	uint64_t	 v;
	size_t		 i;
	int		 bad = 0;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		perror("calloc");
		exit(2);
	}
	for (v = 0; v < HTAB_FULL; v++)
		bad |= htab_record(t, v) != 0;
	check(!bad && t->used == HTAB_FULL && htab_record(t, 5) == 0,
	    "table: takes %d buckets, and more of a bucket it has",
	    HTAB_FULL);
	check(htab_record(t, HTAB_FULL) == -1 && t->count == HTAB_FULL + 1,
	    "table: refuses a new bucket when full, records nothing");
	for (i = 0; i < HTAB_CELLS && t->cell[i].bucket != 7 + 1; i++)
		;
	t->cell[i].count = UINT32_MAX;
	check(htab_record(t, 7) == -1, "table: refuses a count at its top");
	htab_clear(t);
	check(htab_record(t, 0) == 0 && htab_record(t, HIST_MAX + 5) == 0,
	    "table: takes 0 and a value above HIST_MAX");
	hist_add_table(h, t);
	check(h->count == 2 && h->min == 0 && h->max == HIST_MAX + 5 &&
	    h->overflow == 1 && h->bucket[0] == 1 &&
	    h->bucket[HIST_BUCKETS - 1] == 1,
	    "table: min 0, max and overflow exact, top bucket");
	htab_clear(t);
	hist_add_table(h, t);
	check(h->count == 2, "table: an empty one adds nothing");
	free(h);
	free(t);
}

int
main(void)
{
	uint64_t	*v;

	printf("sizeof(struct hist) = %zu bytes, %d buckets\n",
	    sizeof(struct hist), HIST_BUCKETS);
	test_empty();
	test_small();
	test_exact_range(250);
	test_exact_range(375);
	test_exact_range(2048);
	test_layout();
	test_overflow();
	v = make_values();
	test_random(v);
	test_merge(v);
	test_walk(v);
	test_diff(v);
	test_table(v);
	test_table_edges();
	free(v);
	printf("%s: %d failed\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
