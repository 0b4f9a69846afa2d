/*
 * seqtest's exit statuses, each named once here; the man page's EXIT
 * STATUS says when each is given.
 */
#ifndef SEQTEST_STATUS_H
#define SEQTEST_STATUS_H

#define EXIT_PASSED	0	/* every flow and every check held */
#define EXIT_FAILED	1	/* a flow or a check failed, or output was lost */
#define EXIT_BAD_INPUT	2	/* usage, an option, a file: nothing was run */
#define EXIT_MISSED	3	/* passed, but missed a condition of expect= */
#define EXIT_STATUSES	4	/* how many */

#endif
