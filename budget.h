/*
 * What a flow needs, worked out before the first fork from the options
 * and from what a new socket holds: each worker's buffers, the largest
 * reply ring, the flow's area of the shared segment, and an estimate of
 * the memory the flow takes on this host; and whether the whole run
 * fits in the memory the system has.
 */
#ifndef SEQTEST_BUDGET_H
#define SEQTEST_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct budget {
	size_t		nflows;		/* flows; -r: connections at once */
	size_t		rbuf;		/* a reading worker's buffer, bytes */
	size_t		sbuf;		/* a writing worker's buffer */
	uint32_t	ring_max;	/* outstanding replies at most */
	uint32_t	ring_first;	/* the ring's first size */
	size_t		area;		/* a flow's area of the segment; 0: -r */
	uint64_t	flow;		/* estimate: all a flow takes here */
};

void	 budget_plan(const struct config *, struct budget *);
int	 budget_check(const struct config *, const struct budget *, char *,
	    size_t);

#endif
