/*
 * expect=: conditions on a run's figures, as "p99<2ms/errors=0".  Parsed
 * once, before anything is sent; judged once, against the run's totals,
 * after it has ended.
 */
#ifndef SEQTEST_EXPECT_H
#define SEQTEST_EXPECT_H

#include <stddef.h>

#include "report.h"

#define EXPECT_MAX	32	/* conditions in one expect= */
#define EXPECT_TEXT	48	/* a condition's text and its NUL */

/* One condition, parsed. */
struct expect_cond {
	char		 text[EXPECT_TEXT];	/* as given: "p99<2ms" */
	unsigned char	 key;		/* what it reads: expect.c's keys */
	unsigned char	 op;		/* <, <=, >, >=, = */
	unsigned char	 unit;		/* a latency's: ns, us, ms, s */
	double		 bound;		/* in ns for a latency */
};

int	 expect_parse(const char *, struct expect_cond **, size_t *, char *,
	    size_t);
size_t	 expect_check(const struct expect_cond *, size_t,
	    const struct report_totals *, struct report_expect *);
size_t	 expect_missed_early(const struct expect_cond *, size_t,
	    const struct report_totals *);
void	 expect_warn(const struct expect_cond *, size_t,
	    const struct report_expect *);

#endif
