/*
 * -m across hosts: see fleet.h.  Hosts that share a start_at= start
 * within milliseconds of it (each report has its clock at the start),
 * so interval k of each covers the same wall-clock time: their counts
 * are summed into one interval, which adds up to the merged totals as
 * each host's add up to its own.  Percentiles cannot be added: a merged
 * interval has the largest of the hosts', which bounds it from above,
 * as plot='s joined intervals do.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errors.h"
#include "fleet.h"
#include "wallclock.h"

/* Reasons the intervals are left out, as the merged report says them. */
#define NO_START_AT	"the reports do not share a start_at="
#define NO_INTERVALS	"a report has no intervals (-j with interval= " \
			"keeps them)"
#define NOT_ONE_STEP	"the reports' interval= differ"
#define LATE_START	"a host started more than half an interval " \
			"after start_at="

/* A member of obj as a whole number; 0 when it is not one. */
static uint64_t
get_u64(const struct json *j, uint32_t obj, const char *key)
{
	uint64_t v;

	return json_uint(j, json_find(j, obj, key), &v) == 0 ? v : 0;
}

/* A member in seconds as ns; 0 when it is not a number. */
static uint64_t
get_ns(const struct json *j, uint32_t obj, const char *key)
{
	double	 v;

	if (json_real(j, json_find(j, obj, key), &v) == -1 || !(v >= 0) ||
	    v > 1e9)
		return 0;
	return (uint64_t)llround(v * 1e9);
}

/* A latency in microseconds as ns, and whether there is one. */
static int
get_us(const struct json *j, uint32_t obj, const char *key, uint64_t *ns)
{
	double	 v;

	if (json_real(j, json_find(j, obj, key), &v) == -1 || !(v >= 0) ||
	    v > 1e13)
		return 0;
	*ns = (uint64_t)llround(v * 1e3);
	return 1;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t	 n = *cap ? *cap : 16;
	void	*q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	if ((q = realloc(*p, n * size)) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	*p = q;
	*cap = n;
	return 0;
}

/* One interval object of a report, added to the merged interval k. */
static void
add_interval(struct fleet *f, size_t k, const struct json *j, uint32_t o)
{
	struct interval	*iv = &f->ivals[k];
	uint64_t	 end = get_ns(j, o, "end_s"), p50, p99, max;

	iv->start_ns = k * f->step_ns;
	if (end > iv->end_ns)
		iv->end_ns = end;
	iv->sent_msgs += get_u64(j, o, "sent_msgs");
	iv->sent_bytes += get_u64(j, o, "sent_bytes");
	iv->recv_msgs += get_u64(j, o, "recv_msgs");
	iv->recv_bytes += get_u64(j, o, "recv_bytes");
	iv->replies += get_u64(j, o, "replies");
	iv->errors += get_u64(j, o, "errors");
	if (!get_us(j, o, "p50_us", &p50) || !get_us(j, o, "p99_us", &p99) ||
	    !get_us(j, o, "max_us", &max))
		return;
	/* Here a count of the hosts' intervals that had latencies. */
	iv->latencies++;
	iv->p50_ns = p50 > iv->p50_ns ? p50 : iv->p50_ns;
	iv->p99_ns = p99 > iv->p99_ns ? p99 : iv->p99_ns;
	iv->max_ns = max > iv->max_ns ? max : iv->max_ns;
}

/*
 * Whether a report's intervals can join the others': the same start_at=
 * and interval=, and a start within half an interval of the time.
 * Sets left_out when not.
 */
static int
aligned(struct fleet *f, const struct json *j, uint32_t doc,
    uint32_t opts, uint32_t ivals)
{
	const char	*at = json_text(j, json_find(j, opts, "start_at"));
	uint64_t	 at_ns, step = get_ns(j, opts, "interval");
	uint64_t	 wall = get_u64(j, doc, "start_wall_ns");

	if (at == NULL || wall_parse(at, &at_ns) == -1 || wall == 0 ||
	    (f->nsrc > 1 && at_ns != f->start_at_ns))
		f->left_out = NO_START_AT;
	else if (step == 0 || j->node[ivals].type != JSON_ARRAY)
		f->left_out = NO_INTERVALS;
	else if (f->nsrc > 1 && step != f->step_ns)
		f->left_out = NOT_ONE_STEP;
	else if (wall < at_ns || wall - at_ns > step / 2)
		f->left_out = LATE_START;
	if (f->left_out != NULL)
		return 0;
	f->start_at_ns = at_ns;
	f->step_ns = step;
	return 1;
}

/* A report's intervals, each into the merged one of its time. */
static int
take_intervals(struct fleet *f, const struct json *j, uint32_t doc,
    uint32_t opts)
{
	uint32_t	 ivals = json_find(j, doc, "intervals"), o;
	uint64_t	 wall = get_u64(j, doc, "start_wall_ns"), at;
	size_t		 k;

	f->named |= j->node[ivals].type == JSON_ARRAY &&
	    j->node[ivals].child != 0;
	if (f->left_out != NULL || !aligned(f, j, doc, opts, ivals))
		return 0;
	for (o = j->node[ivals].child; o != 0; o = j->node[o].next) {
		at = wall - f->start_at_ns + get_ns(j, o, "start_s");
		k = (size_t)((at + f->step_ns / 2) / f->step_ns);
		if (grow((void **)&f->ivals, &f->ivcap, k + 1,
		    sizeof(*f->ivals)) == -1)
			return -1;
		for (; f->nivals <= k; f->nivals++)
			memset(&f->ivals[f->nivals], 0, sizeof(*f->ivals));
		add_interval(f, k, j, o);
	}
	return 0;
}

/*
 * A report merge.c has checked: its source kept, its intervals merged.
 * Returns 0, or -1 when memory runs out.
 */
int
fleet_take(struct fleet *f, const struct json *j, uint32_t doc)
{
	uint32_t		 opts = json_find(j, doc, "options");
	const char		*label = json_text(j, json_find(j, opts,
				    "label"));
	struct fleet_source	*s;

	if (grow((void **)&f->src, &f->srccap, f->nsrc + 1,
	    sizeof(*f->src)) == -1)
		return -1;
	s = &f->src[f->nsrc++];
	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
	s->seed = get_u64(j, doc, "seed");
	s->seed_index = get_u64(j, opts, "seed_index");
	s->start_wall_ns = get_u64(j, doc, "start_wall_ns");
	f->named |= label != NULL || s->seed_index != 0 ||
	    s->start_wall_ns != 0;
	return take_intervals(f, j, doc, opts);
}

/*
 * After the last report: the merged intervals into t, and their
 * interval in *step, or none (0) and the reason kept.
 */
void
fleet_finish(struct fleet *f, struct report_totals *t, uint64_t *step)
{
	*step = 0;
	if (f->left_out != NULL || f->nivals == 0) {
		f->nivals = 0;
		return;
	}
	t->ivals = f->ivals;
	t->nivals = f->nivals;
	*step = f->step_ns;
}

/* The text report's lines: each source, and where the intervals are. */
void
fleet_print(const struct fleet *f)
{
	char	 label[4 * FLEET_LABEL], wall[WALL_TEXT];
	size_t	 i;

	for (i = 0; f->named && i < f->nsrc; i++) {
		log_escape(label, sizeof(label), f->src[i].label);
		printf("Source %zu: label %s, seed %llu, seed_index %llu", i,
		    label[0] != '\0' ? label : "-",
		    (unsigned long long)f->src[i].seed,
		    (unsigned long long)f->src[i].seed_index);
		if (f->src[i].start_wall_ns != 0) {
			wall_format(f->src[i].start_wall_ns, wall,
			    sizeof(wall));
			printf(", start %s", wall);
		}
		putchar('\n');
	}
	if (f->nivals != 0)
		printf("Intervals: %zu of %.3f s, aligned by start_at\n",
		    f->nivals, (double)f->step_ns / NS_PER_SEC);
	else if (f->left_out != NULL && f->named)
		printf("Intervals: left out: %s\n", f->left_out);
}

/* -j: "sources", and why the intervals are left out, when it is said. */
void
fleet_write(FILE *fp, const void *arg)
{
	const struct fleet	*f = arg;
	size_t			 i;

	if (!f->named)
		return;
	fputs("\"sources\": [", fp);
	for (i = 0; i < f->nsrc; i++) {
		fprintf(fp, "%s{\"source\": %zu, \"label\": ", i ? ", " : "",
		    i);
		if (f->src[i].label[0] != '\0')
			json_put_str(fp, f->src[i].label);
		else
			fputs("null", fp);
		fprintf(fp, ", \"seed\": %llu, \"seed_index\": %llu, "
		    "\"start_wall_ns\": %llu}",
		    (unsigned long long)f->src[i].seed,
		    (unsigned long long)f->src[i].seed_index,
		    (unsigned long long)f->src[i].start_wall_ns);
	}
	fputs("], \"intervals_left_out\": ", fp);
	if (f->nivals == 0 && f->left_out != NULL)
		json_put_str(fp, f->left_out);
	else
		fputs("null", fp);
	fputs(", ", fp);
}

void
fleet_free(struct fleet *f)
{
	free(f->src);
	free(f->ivals);
}
