/*
 * The supervisor: opens the flows (or listens), forks the workers,
 * owns the shared segment, the result pipes, the signals and the
 * watchdog, and hands the results to the report.
 */
#ifndef SEQTEST_SUPERVISOR_H
#define SEQTEST_SUPERVISOR_H

#include <stdint.h>

#include "budget.h"
#include "config.h"
#include "report.h"

/*
 * A run watched as it goes, as a search's step (search.c): tick has the
 * run so far every 100 ms, and ends it early by returning nonzero; end
 * has the totals, in place of the report, which a watched run does not
 * print.  Neither may keep the histograms, which go with the run.
 */
struct sup_watch {
	int	(*tick)(void *, const struct report_snapshot *, uint64_t);
	void	(*end)(void *, const struct report_totals *);
	void	*arg;
};

int	 sup_run(const struct config *, const struct budget *);
int	 sup_run_watched(const struct config *, const struct budget *,
	    const struct sup_watch *);

#endif
