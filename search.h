/*
 * search=: steps of runs at different rates, to the highest rate at
 * which every condition holds (search.c).
 */
#ifndef SEQTEST_SEARCH_H
#define SEQTEST_SEARCH_H

#include "budget.h"
#include "config.h"

int	 search_run(const struct config *, const struct budget *);

#endif
