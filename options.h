/*
 * The command line's -o options and addresses, turned into a config.
 * Every function returns 0, or -1 with one line in err naming the culprit.
 */
#ifndef SEQTEST_OPTIONS_H
#define SEQTEST_OPTIONS_H

#include <stddef.h>

#include "config.h"

#define OPT_ERRLEN	512

void	opt_defaults(struct config *);
int	opt_parse_list(struct config *, const char *, char *);
int	opt_finish(struct config *, char *);
int	opt_given(const struct config *, const char *);
int	opt_split_address(const char *, char *, char *, char *, size_t, char *);
int	opt_resolve(struct config *, char *const *, int, char *);
void	opt_free(struct config *);

#endif
