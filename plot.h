/*
 * plot=: a run, or the runs -m merged, as one self-contained SVG file:
 * latency over time, from the intervals, and the percentile spectrum,
 * from the histograms; or a search's knee curve, latency against the
 * rate offered.  No script, no link, no font but the generic
 * families.
 */
#ifndef SEQTEST_PLOT_H
#define SEQTEST_PLOT_H

#include "config.h"
#include "report.h"

int	 plot_open(const char *);
int	 plot_write(int, const struct config *, const struct report_totals *);
int	 plot_knee(int, const struct config *, const struct search_answer *);

#endif
