/*
 * -m of runs made on many hosts as one: each report's source (its
 * label=, seed, seed_index= and clock at the start) and, when the
 * reports share a start_at=, their intervals merged, aligned by the
 * wall clock.  Read from the documents merge.c has checked.
 */
#ifndef SEQTEST_FLEET_H
#define SEQTEST_FLEET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "report.h"

#define FLEET_LABEL	64	/* a source's label, as much as is kept */

struct fleet_source {
	char		 label[FLEET_LABEL];	/* "" = none */
	uint64_t	 seed;
	uint64_t	 seed_index;
	uint64_t	 start_wall_ns;		/* 0: no start_at= */
};

struct fleet {
	struct fleet_source	*src;
	size_t			 nsrc;
	size_t			 srccap;
	struct interval		*ivals;		/* merged, by wall clock */
	size_t			 nivals;
	size_t			 ivcap;
	uint64_t		 start_at_ns;	/* the first report's */
	uint64_t		 step_ns;	/* its interval= */
	int			 named;		/* a label, seed_index, start
						   clock or intervals: the
						   sources are listed */
	const char		*left_out;	/* why no intervals; NULL */
};

int	 fleet_take(struct fleet *, const struct json *, uint32_t);
void	 fleet_finish(struct fleet *, struct report_totals *, uint64_t *);
void	 fleet_print(const struct fleet *);
void	 fleet_write(FILE *, const void *);
void	 fleet_free(struct fleet *);

#endif
