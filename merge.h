/*
 * -m: the reports of runs made apart, on one host or many (their -j
 * documents, or the summary lines of -J), merged into one report as if
 * one run had made them all: counters and errors summed, percentiles
 * from the histograms added together, the worst exit status.
 */
#ifndef SEQTEST_MERGE_H
#define SEQTEST_MERGE_H

#include <stddef.h>

#include "config.h"

int	 merge_run(const struct config *, char *const *, size_t);

#endif
