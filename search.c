/*
 * search=: the highest rate= at which every condition holds and no
 * error occurs.  Each step is a whole run of the supervisor at one
 * rate, on fresh connections, so that it starts from a drained path:
 * the rate doubles from rate= while steps hold, and then the gap
 * between the highest held and the lowest missed is halved, until it
 * is SEARCH_PRECISION of the rate held, search_steps= steps were run,
 * or search_max= held.  Past the path's capacity the backlog grows
 * without end, and with it latency from the schedule: a step is judged
 * while it runs, and one that has missed already ends at once.  A rate
 * is missed when two steps at it missed: a pause of a busy host may
 * make one miss below the knee, where nothing makes one hold above it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expect.h"
#include "plot.h"
#include "report.h"
#include "search.h"
#include "status.h"
#include "supervisor.h"

#define SEARCH_PRECISION	0.01	/* of the rate held: close enough */
#define JUDGE_FROM		2	/* judged from half the step on */

struct search {
	const struct config	*cfg;		/* the search's */
	const struct budget	*plan;		/* every step's: the same flows */
	struct config		 step;		/* the run's, at the step's rate */
	struct search_step	*steps;
	size_t			 nsteps;
	uint64_t		 held;		/* highest rate held; 0: none */
	uint64_t		 missed;	/* lowest missed above it; 0: none */
	int			 early;		/* this step ended early */
};

/*
 * The watch's tick: the step so far, judged on the conditions that stay
 * missed once missed.  Not in its first half, which a pause of the host
 * (another load) may have held back, with more to come that will
 * not.  Returns 1 to end the step now.
 */
static int
judge_tick(void *arg, const struct report_snapshot *sn, uint64_t elapsed)
{
	struct search		*se = arg;
	struct report_totals	 t;

	if (elapsed < se->step.duration / JUDGE_FROM)
		return 0;
	memset(&t, 0, sizeof(t));
	t.nerrors = sn->errors;
	t.replies = sn->replies;
	t.recv_msgs = sn->recv_msgs;
	t.recv_bytes = sn->recv_bytes;
	t.secs = (double)elapsed / NS_PER_SEC;
	t.lat = sn->lat;
	if (expect_missed_early(se->step.search_conds, se->step.nsearch,
	    &t) == 0)
		return 0;
	se->early = 1;
	return 1;
}

/* The watch's end: the step's figures, kept, the histograms read now. */
static void
take_step(void *arg, const struct report_totals *t)
{
	struct search		*se = arg;
	struct search_step	*st = &se->steps[se->nsteps];

	st->rate = se->step.rate;
	st->offered = (double)(se->step.rate * config_flows(&se->step));
	st->achieved = report_msg_rate(t->recv_msgs, t->secs);
	st->secs = t->secs;
	st->latencies = t->lat->count;
	st->p50_ns = hist_percentile(t->lat, 50.0);
	st->p99_ns = hist_percentile(t->lat, 99.0);
	st->errors = t->nerrors;
}

/*
 * Runs one step at rate; returns its exit status: 0 held, 3 missed, 1
 * failed (a stream error, never searched past), 2 not set up.
 */
static int
run_step(struct search *se, uint64_t rate)
{
	struct sup_watch	 w = { judge_tick, take_step, se };
	struct search_step	*st = &se->steps[se->nsteps];
	int			 status;

	memset(st, 0, sizeof(*st));
	se->step.rate = rate;
	se->early = 0;
	status = sup_run_watched(&se->step, se->plan, &w);
	st->rate = rate;
	st->status = status;
	st->early = se->early;
	st->held = status == EXIT_PASSED && !se->early;
	if (status == EXIT_PASSED && se->early)
		st->status = status = EXIT_MISSED;
	report_search_step(se->cfg, st, se->nsteps++);
	return status;
}

/* Whether the last two steps missed, at the same rate. */
static int
missed_twice(const struct search *se)
{
	const struct search_step *st = se->steps + se->nsteps;

	return se->nsteps >= 2 && !st[-1].held && !st[-2].held &&
	    st[-1].rate == st[-2].rate;
}

/* The next step's rate, or 0 when the search is done. */
static uint64_t
next_rate(const struct search *se, const struct config *cfg)
{
	uint64_t	 gap;

	if (se->nsteps >= cfg->search_steps || se->held == cfg->search_max ||
	    se->held == 0)
		return 0;
	if (se->missed == 0)
		return se->held > cfg->search_max / 2 ? cfg->search_max :
		    2 * se->held;
	gap = se->missed - se->held;
	if (gap <= 1 || (double)gap <= SEARCH_PRECISION * (double)se->held)
		return 0;
	return se->held + gap / 2;
}

/*
 * Steps from rate= on, as next_rate says, until it says done or a step
 * fails.  Returns the last step's exit status, 0 when one held and the
 * later ones missed.
 */
static int
run_steps(struct search *se, const struct config *cfg)
{
	uint64_t	 rate = cfg->rate;
	int		 status = EXIT_PASSED;

	while (rate != 0) {
		status = run_step(se, rate);
		if (status != EXIT_PASSED && status != EXIT_MISSED)
			return status;
		if (status == EXIT_MISSED && !missed_twice(se) &&
		    se->nsteps < cfg->search_steps)
			continue;
		if (status == EXIT_PASSED)
			se->held = rate;
		else
			se->missed = rate;
		rate = next_rate(se, cfg);
	}
	return status == EXIT_MISSED && se->held != 0 ? EXIT_PASSED : status;
}

/*
 * Runs the search that cfg asks for and prints its table and answer;
 * with plot=, the knee curve.  Returns the exit status: 0 when a rate
 * held, 3 when even the first, the lowest, missed, 1 when a step failed
 * or the plot could not be written, 2 when a step could not be set up
 * or the plot's file created.
 */
int
search_run(const struct config *cfg, const struct budget *plan)
{
	struct search		 se;
	struct search_answer	 a;
	int			 status = EXIT_BAD_INPUT, plot_fd = -1;

	memset(&se, 0, sizeof(se));
	if ((se.steps = calloc(cfg->search_steps, sizeof(*se.steps))) == NULL) {
		log_warnx("out of memory");
		return EXIT_FAILED;
	}
	se.cfg = cfg;
	se.plan = plan;
	se.step = *cfg;
	se.step.json = JSON_NONE;
	se.step.plot = NULL;
	se.step.expect_conds = cfg->search_conds;
	se.step.nexpect = cfg->nsearch;
	report_start(cfg);
	/* Before the first step: a path that fails, fails at once. */
	if (cfg->plot == NULL || (plot_fd = plot_open(cfg->plot)) != -1) {
		if (!cfg->json)
			report_addresses(cfg);
		status = run_steps(&se, cfg);
	}
	a.steps = se.steps;
	a.nsteps = se.nsteps;
	a.flows = config_flows(cfg);
	a.held = se.held;
	a.missed = se.missed;
	/* Before the report, whose exit status counts it. */
	if (plot_fd != -1 && plot_knee(plot_fd, cfg, &a) == -1)
		status = report_fail_status(status);
	report_search(cfg, &a, status);
	free(se.steps);
	return status;
}
