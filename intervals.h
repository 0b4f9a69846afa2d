/*
 * Intervals and snapshots: the run so far, read from the shared
 * segment at the supervisor's tick, and what moved between two reads.
 * interval= prints a line for each; -j and plot= keep them.  The
 * supervisor starts them, ticks them and ends them with the run; it
 * shows each live flow through a live_flow_fn.
 */
#ifndef SEQTEST_INTERVALS_H
#define SEQTEST_INTERVALS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "flow.h"
#include "report.h"
#include "stats.h"

/* A live flow, as a snapshot reads it. */
struct live_flow {
	const struct flow_shm	*shm;
	const struct flow_area	*area;		/* sender modes; else NULL */
	uint64_t		 nerrors;	/* counted so far, as at its end */
	const uint64_t		*lat_tables;	/* tables read whole, by kind */
	const int		*lat_partial;	/* one coming in, by kind */
	int			 sock_fd;	/* for the kernel's view */
};

/* Fills in the flow in slot and returns 1; 0 when the slot is free. */
typedef int	 live_flow_fn(const void *, size_t, struct live_flow *);

/* What the supervisor shows of the run; its pointers stay valid. */
struct ival_source {
	const struct config		*cfg;
	const struct report_totals	*tot;	/* of the flows ended */
	const uint64_t			*stalls; /* flows the watchdog stalled */
	size_t				 nslots;
	live_flow_fn			*live;
	const void			*run;	/* live's first argument */
};

/* The state of the intervals: intervals.c's alone. */
struct intervals {
	struct ival_source	 src;
	uint64_t		 start_ns;	/* the run's */
	uint64_t		 step_ns;	/* the interval in effect; 0: none */
	uint64_t		 next_ns;	/* when the next one ends */
	struct report_snapshot	 snap[2];	/* last, now */
	struct hist		*ival;		/* an interval's own latencies */
	struct hist_table	*table;		/* a flow's table, as read */
	struct interval		*kept;		/* -j, plot=: the intervals so far */
	size_t			 nkept;
	size_t			 cap;
	int			 full;		/* later ones are left out */
};

uint64_t intervals_step(const struct config *);
size_t	 intervals_mem(uint64_t);
void	 intervals_start(struct intervals *, const struct ival_source *,
	    uint64_t, void *, uint64_t);
void	 intervals_tick(struct intervals *, uint64_t);
void	 intervals_snapshot(struct intervals *, struct report_snapshot *,
	    uint64_t);
uint64_t intervals_last(struct intervals *, uint64_t,
	    struct report_totals *);
void	 intervals_free(struct intervals *);

#endif
