/*
 * A worker: one process running one flow's loop in one role, on the
 * connection and slot the supervisor gave it (flow.h).
 */
#ifndef SEQTEST_WORKER_H
#define SEQTEST_WORKER_H

#include "flow.h"

int	 worker_run(struct flow *, enum role);
void	 worker_on_term(int);

#endif
