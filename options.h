/*
 * The command line's -o options and addresses, turned into a config.
 * Every function returns 0, or -1 with one line in err naming the culprit.
 */
#ifndef SEQTEST_OPTIONS_H
#define SEQTEST_OPTIONS_H

#include <stddef.h>

#include "config.h"

#define OPT_ERRLEN	512

/* The modes an option applies to; given to another mode, it is refused. */
enum opt_for {
	OPT_FOR_ALL,		/* -s, -S and -r */
	OPT_FOR_SENDERS,	/* -s and -S */
	OPT_FOR_REPLIER,	/* -r */
	OPT_FOR_N		/* how many */
};

void	opt_defaults(struct config *);
int	opt_parse_list(struct config *, const char *, char *);
int	opt_finish(struct config *, char *);
int	opt_given(const struct config *, const char *);
const char *opt_for_name(enum opt_for);
int	opt_split_address(const char *, char *, char *, char *, size_t, char *);
int	opt_resolve(struct config *, char *const *, int, char *);
void	opt_free(struct config *);

#endif
