/*
 * Intervals and snapshots.  A snapshot is the run so far: the ended
 * flows' totals plus the live flows' counters and the latencies their
 * tables hold unsent.  An interval is the difference of two snapshots,
 * so the intervals of a run add up to its totals.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errors.h"
#include "intervals.h"
#include "tcpinfo.h"

#define IVALS_FIRST	64		/* intervals kept, at first */
#define IVALS_MAX	(IVALS_FIRST << 11)	/* a day's at 1 s, 12 MiB */
#define PLOT_STEP_MIN	(NS_PER_SEC / 10)	/* plot='s own interval */
#define PLOT_POINTS	512	/* plot='s own intervals: then merged */

/*
 * Adds what a live flow's latency table holds and has not sent.  A
 * table on its way (records read but lat_sent not yet bumped, or the
 * other way round, or bumped while we copied) is left out: its records
 * bring it into the next snapshot, and interval lines are differences
 * of snapshots, so nothing is counted twice.
 */
static void
add_live_table(struct intervals *iv, const struct live_flow *lf,
    struct hist *into)
{
	uint64_t sent = lf->area->lat_sent[LAT_RESPONSE];

	if (sent != lf->lat_tables[LAT_RESPONSE] ||
	    lf->lat_partial[LAT_RESPONSE])
		return;
	memcpy(iv->table, &lf->area->lat[LAT_RESPONSE], sizeof(*iv->table));
	if (lf->area->lat_sent[LAT_RESPONSE] == sent)
		hist_add_table(into, iv->table);
}

/* Adds a live flow's counters to the snapshot sn. */
static void
add_live_flow(struct intervals *iv, const struct live_flow *lf,
    struct report_snapshot *sn)
{
	const struct flow_shm	*shm = lf->shm;

	sn->sent_msgs += shm->sent_msgs;
	sn->sent_bytes += shm->sent_bytes;
	sn->recv_msgs += shm->recv_msgs;
	sn->recv_bytes += shm->recv_bytes;
	sn->replies += flow_replies(iv->src.cfg->mode, shm->sent_msgs,
	    shm->recv_msgs);
	sn->errors += lf->nerrors;
	if (lf->area != NULL)
		add_live_table(iv, lf, sn->lat);
}

/*
 * Reads the run so far into sn: the totals (with every latency table
 * read from the pipes) plus the live flows' counters and unsent
 * latencies.
 */
static void
read_snapshot(struct intervals *iv, struct report_snapshot *sn, uint64_t now)
{
	const struct ival_source *src = &iv->src;
	struct live_flow	 lf;
	size_t			 i;

	sn->ns = now;
	sn->sent_msgs = src->tot->sent_msgs;
	sn->sent_bytes = src->tot->sent_bytes;
	sn->recv_msgs = src->tot->recv_msgs;
	sn->recv_bytes = src->tot->recv_bytes;
	sn->replies = src->tot->replies;
	sn->errors = src->tot->nerrors;
	sn->stalls = *src->stalls;
	memcpy(sn->lat, src->tot->lat, sizeof(*sn->lat));
	for (i = 0; i < src->nslots; i++)
		if (src->live(src->run, i, &lf))
			add_live_flow(iv, &lf, sn);
}

/* The run so far into sn, whose lat has room: a search's step reads it. */
void
intervals_snapshot(struct intervals *iv, struct report_snapshot *sn,
    uint64_t now)
{
	read_snapshot(iv, sn, now);
}

/*
 * The kernel's view of the run so far, for an interval line: the ended
 * flows' retransmits and the live ones', and the live flows' median
 * smoothed rtt.  iv->ival is free: the line's interval was made from
 * it already (make_interval), and the next one fills it anew.
 */
static void
read_snapshot_tcp(struct intervals *iv, struct report_snapshot *sn)
{
	const struct ival_source *src = &iv->src;
	struct live_flow	 lf;
	struct tcp_view		 tv;
	size_t			 i;

	sn->tcp_retrans = src->tot->tcp_retrans;
	hist_init(iv->ival);
	for (i = 0; i < src->nslots; i++) {
		if (!src->live(src->run, i, &lf))
			continue;
		tcpv_read(lf.sock_fd, &tv);
		tcpv_count(&tv, &sn->tcp_retrans, iv->ival);
	}
	sn->rtt_flows = iv->ival->count;
	sn->rtt_us = hist_percentile(iv->ival, 50.0);
}

/* What moved between the last two snapshots, and its latencies. */
static void
make_interval(struct intervals *iv, struct interval *to)
{
	const struct report_snapshot *a = &iv->snap[0], *b = &iv->snap[1];

	to->start_ns = a->ns - iv->start_ns;
	to->end_ns = b->ns - iv->start_ns;
	to->sent_msgs = b->sent_msgs - a->sent_msgs;
	to->sent_bytes = b->sent_bytes - a->sent_bytes;
	to->recv_msgs = b->recv_msgs - a->recv_msgs;
	to->recv_bytes = b->recv_bytes - a->recv_bytes;
	to->replies = b->replies - a->replies;
	to->errors = b->errors - a->errors;
	to->stalls = b->stalls - a->stalls;
	hist_diff(iv->ival, b->lat, a->lat);
	to->latencies = iv->ival->count;
	to->p50_ns = hist_percentile(iv->ival, 50.0);
	to->p99_ns = hist_percentile(iv->ival, 99.0);
	to->max_ns = iv->ival->max;
}

/*
 * Two neighbouring intervals as one: the counts summed; p50 and p99 the
 * larger of the two, which bounds the pair's from above.
 */
static void
join_intervals(struct interval *to, const struct interval *a,
    const struct interval *b)
{
	to->start_ns = a->start_ns;
	to->end_ns = b->end_ns;
	to->sent_msgs = a->sent_msgs + b->sent_msgs;
	to->sent_bytes = a->sent_bytes + b->sent_bytes;
	to->recv_msgs = a->recv_msgs + b->recv_msgs;
	to->recv_bytes = a->recv_bytes + b->recv_bytes;
	to->replies = a->replies + b->replies;
	to->errors = a->errors + b->errors;
	to->stalls = a->stalls + b->stalls;
	to->latencies = a->latencies + b->latencies;
	to->p50_ns = a->p50_ns > b->p50_ns ? a->p50_ns : b->p50_ns;
	to->p99_ns = a->p99_ns > b->p99_ns ? a->p99_ns : b->p99_ns;
	to->max_ns = a->max_ns > b->max_ns ? a->max_ns : b->max_ns;
}

/*
 * plot= without interval=: PLOT_POINTS intervals become half as many,
 * each pair joined, and the interval doubles from the last one's end,
 * so that a run of any length plots as a few hundred points.
 */
static void
halve_intervals(struct intervals *iv)
{
	size_t	 i;

	for (i = 0; i < iv->nkept / 2; i++)
		join_intervals(&iv->kept[i], &iv->kept[2 * i],
		    &iv->kept[2 * i + 1]);
	iv->nkept /= 2;
	iv->step_ns *= 2;
	iv->next_ns = iv->snap[1].ns;	/* intervals_tick adds step_ns */
}

/*
 * -j, plot=: keeps the interval, in an array that doubles as it fills,
 * at most IVALS_MAX long: past that, or should memory run out, the
 * later ones are left out, and a line says so.
 */
static void
keep_interval(struct intervals *iv, const struct interval *one)
{
	const struct config *cfg = iv->src.cfg;
	struct interval	*p;
	size_t		 cap = iv->cap ? 2 * iv->cap : IVALS_FIRST;

	if ((cfg->json != JSON_DOC && cfg->plot == NULL) || iv->full)
		return;
	if (cfg->interval == 0 && iv->nkept == PLOT_POINTS)
		halve_intervals(iv);
	if (iv->nkept == iv->cap) {
		if (cap > IVALS_MAX ||
		    (p = realloc(iv->kept, cap * sizeof(*p))) == NULL) {
			log_warnx("the report keeps only the first %zu "
			    "intervals", iv->nkept);
			iv->full = 1;
			return;
		}
		iv->kept = p;
		iv->cap = cap;
	}
	iv->kept[iv->nkept++] = *one;
}

/*
 * The interval from the last snapshot to now: its line, which only
 * interval= asks for, and kept.
 */
static void
end_interval(struct intervals *iv, uint64_t now)
{
	struct report_snapshot	 tmp;
	struct interval		 one;

	read_snapshot(iv, &iv->snap[1], now);
	make_interval(iv, &one);
	if (iv->src.cfg->interval != 0) {
		read_snapshot_tcp(iv, &iv->snap[1]);
		report_interval(iv->src.cfg, &one, &iv->snap[1]);
	}
	keep_interval(iv, &one);
	tmp = iv->snap[0];
	iv->snap[0] = iv->snap[1];
	iv->snap[1] = tmp;
}

/*
 * The interval in effect: interval='s or, for plot= alone, one of about
 * a hundredth of duration=, rounded down to 1, 2 or 5 times a power of
 * ten, and PLOT_STEP_MIN at least; keep_interval doubles it as needed.
 * 0: no intervals.
 */
uint64_t
intervals_step(const struct config *cfg)
{
	uint64_t	 step = PLOT_STEP_MIN, want = cfg->duration / 100;

	if (cfg->interval != 0 || cfg->plot == NULL)
		return cfg->interval;
	while (step * 10 <= want)
		step *= 10;
	return want >= 5 * step ? 5 * step : want >= 2 * step ? 2 * step :
	    step;
}

/*
 * The bytes of memory intervals_start needs for a step, aligned: a
 * table for snapshots, and with a step, the intervals' histograms.
 */
size_t
intervals_mem(uint64_t step_ns)
{
	return sizeof(struct hist_table) +
	    (step_ns == 0 ? 0 : 3 * sizeof(struct hist));
}

/*
 * Starts the intervals of a run that started at start_ns, with the step
 * intervals_step gave and mem, of intervals_mem's bytes, zero-filled.
 */
void
intervals_start(struct intervals *iv, const struct ival_source *src,
    uint64_t step_ns, void *mem, uint64_t start_ns)
{
	char	*p = mem;

	memset(iv, 0, sizeof(*iv));
	iv->src = *src;
	iv->step_ns = step_ns;
	iv->start_ns = start_ns;
	iv->table = (struct hist_table *)(void *)p;
	if (step_ns == 0)
		return;
	p += sizeof(struct hist_table);
	iv->snap[0].lat = (struct hist *)(void *)p;
	iv->snap[1].lat = (struct hist *)(void *)(p + sizeof(struct hist));
	iv->ival = (struct hist *)(void *)(p + 2 * sizeof(struct hist));
	iv->snap[0].ns = start_ns;
	iv->next_ns = start_ns + step_ns;
}

/*
 * At each tick of the supervisor: one interval per step.  After a
 * pause (the supervisor stopped, or slow) one covers the whole gap, not
 * a burst of empty ones, and the next ends on the first boundary of the
 * schedule after now.
 */
void
intervals_tick(struct intervals *iv, uint64_t now)
{
	if (iv->step_ns == 0 || now < iv->next_ns)
		return;
	end_interval(iv, now);
	/* After end_interval, which may have doubled it. */
	iv->next_ns += iv->step_ns * ((now - iv->next_ns) / iv->step_ns + 1);
}

/*
 * At the run's end, the part of an interval since the last one: with
 * every flow ended, its snapshot is the totals, so that the intervals
 * add up to them.  Hands the kept ones to tot, until intervals_free.
 * Returns the run's end: end, or the last interval's if that was later
 * (a tick between the flows' last reply and the supervisor seeing it).
 */
uint64_t
intervals_last(struct intervals *iv, uint64_t end, struct report_totals *tot)
{
	if (iv->step_ns != 0 && end > iv->snap[0].ns)
		end_interval(iv, end);
	tot->ivals = iv->kept;
	tot->nivals = iv->nkept;
	return iv->step_ns != 0 && iv->snap[0].ns > end ? iv->snap[0].ns : end;
}

void
intervals_free(struct intervals *iv)
{
	free(iv->kept);
	iv->kept = NULL;
	iv->nkept = iv->cap = 0;
}
