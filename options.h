/*
 * The command line's -o options and addresses, turned into a config.
 * Every function returns 0, or -1 with one line in err naming the culprit.
 */
#ifndef SEQTEST_OPTIONS_H
#define SEQTEST_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "proto.h"

#define OPT_ERRLEN	512

/* The sizes the options take, as -h says, from proto.h's limits. */
#define OPT_STR_(x)	#x
#define OPT_STR(x)	OPT_STR_(x)
#define OPT_SIZES	"0.." OPT_STR(PROTO_MSG_MAX) " bytes, under " \
			OPT_STR(PROTO_MSG_MIN) " taken as " OPT_STR(PROTO_MSG_MIN)

/* The modes an option applies to; given to another mode, it is refused. */
enum opt_for {
	OPT_FOR_ALL,		/* -s, -S and -r */
	OPT_FOR_SENDERS,	/* -s and -S */
	OPT_FOR_REPLIER,	/* -r */
	OPT_FOR_N		/* how many */
};

/* An option's value, as the report prints it. */
enum opt_type {
	OPT_NUMBER,		/* num */
	OPT_SECONDS,		/* num, in ns */
	OPT_STRING		/* str, or NULL when not set */
};

struct opt_value {
	char		 key[24];	/* its name in the JSON options */
	enum opt_type	 type;
	uint64_t	 num;
	const char	*str;
};

void	opt_defaults(struct config *);
int	opt_parse_list(struct config *, const char *, char *);
int	opt_finish(struct config *, char *);
int	opt_given(const struct config *, const char *);
int	opt_given_but(const struct config *, const char *);
const char *opt_for_name(enum opt_for);
int	opt_split_address(const char *, char *, char *, char *, size_t, char *);
int	opt_resolve(struct config *, char *const *, int, char *);
void	opt_free(struct config *);

/* The option table, for the report and -h: option i, 0 <= i < opt_count(). */
size_t		 opt_count(void);
enum opt_for	 opt_modes(size_t);
int		 opt_value(const struct config *, size_t, size_t,
		    struct opt_value *);
int		 opt_usage_item(size_t, char *, size_t);

#endif
