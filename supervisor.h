/*
 * The supervisor: opens the flows (or listens), forks the workers,
 * owns the shared segment, the result pipes, the signals and the
 * watchdog, and hands the results to the report.
 */
#ifndef SEQTEST_SUPERVISOR_H
#define SEQTEST_SUPERVISOR_H

#include "budget.h"
#include "config.h"

int	 sup_run(const struct config *, const struct budget *);

#endif
