/*
 * Option parsing: "name=value,name=value" lists and address arguments.
 * Numbers go through one range-checked parser; nothing here uses atoi.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "options.h"
#include "proto.h"
#include "wallclock.h"

enum opt_kind {
	K_SIZE,		/* message size: below 40 rounds up, above 65535 fails */
	K_U64,		/* whole number in [lo, hi] */
	K_SECS,		/* seconds, with a fraction, in [lo, hi]; as ns */
	K_FLAG,		/* 0 or 1, kept in an int */
	K_STR,		/* a string, non-empty, in a malloc'd char * */
	K_ENUM		/* one of its words, kept as its index in an enum */
};

/*
 * What an option's name sets, as bits: a range's min and its max.  A
 * range's NAME sets both, NAME_min and NAME_max one; a plain option's
 * name sets both, its one value.
 */
#define SETS_MIN	1u
#define SETS_MAX	2u
#define SETS_BOTH	(SETS_MIN | SETS_MAX)

/* One option, 32 bytes: the static binary has a size budget. */
struct opt_def {
	const char	*name;
	unsigned char	 kind;	/* enum opt_kind */
	unsigned char	 range;	/* 1: a struct range, NAME, NAME_min, NAME_max */
	unsigned short	 off;	/* of the field (or struct range) in config */
	unsigned char	 lo;	/* the least value */
	unsigned char	 who;	/* enum opt_for: the modes it applies to */
	union {				/* the values it takes, by kind: */
		uint64_t		 hi;	/* a number's largest */
		const char *const	*words;	/* K_ENUM's, NULL-ended */
		const char		*what;	/* K_STR's, as -h names it */
	} vals;
	uint32_t	 def;	/* the default as typed, of both ends of a range */
	uint32_t	 limit;	/* a range's max on the replier, unless given */
};

#define OFF(f)		offsetof(struct config, f)
#define NS_MAX		UINT32_MAX	/* rdly is a u32 on the wire */
#define SDELAY_MAX	3600000000000ULL
#define COUNT_MAX	1000000000000000ULL

#define RANGE(who, name, kind, field, hi, def, limit)			\
	{ name, kind, 1, OFF(field), 0, who, { hi }, def, limit }
#define FIELD(who, name, kind, field, lo, hi, def)			\
	{ name, kind, 0, OFF(field), lo, who, { hi }, def, 0 }
/* A string's placeholder in -h is what it takes: "FILE". */
#define STRING(who, name, field, placeholder)				\
	{ name, K_STR, 0, OFF(field), 0, who, { .what = placeholder }, 0, 0 }
/* An enum's default is its first word. */
#define ENUM(who, name, field, list)					\
	{ name, K_ENUM, 0, OFF(field), 0, who, { .words = list }, 0, 0 }
/* Short names for the table's first column. */
#define ALL		OPT_FOR_ALL
#define SENDERS		OPT_FOR_SENDERS
#define REPLIER		OPT_FOR_REPLIER

/* close=, in enum close_mode's order. */
static const char *const close_words[] = { "full", "half", "reset", NULL };

/*
 * Every -o option, a range in one RANGE line.  The replier takes the size
 * and rdelay ranges as limits, checks payloads (verify), ends idle
 * connections (timeout) and prints interval lines; what only draws,
 * paces or counts messages is for the senders.
 */
static const struct opt_def opt_defs[] = {
	RANGE(ALL, "ssize", K_SIZE, ssize, PROTO_MSG_MAX, PROTO_MSG_MIN, PROTO_MSG_MAX),
	RANGE(ALL, "rsize", K_SIZE, rsize, PROTO_MSG_MAX, PROTO_MSG_MIN, PROTO_MSG_MAX),
	RANGE(SENDERS, "sdelay", K_U64, sdelay, SDELAY_MAX, 0, 0),
	RANGE(ALL, "rdelay", K_U64, rdelay, NS_MAX, 0, DEF_RDLY_LIMIT),
	FIELD(SENDERS, "rinterval", K_U64, rinterval, 0, UINT32_MAX, DEF_RINTERVAL),
	FIELD(SENDERS, "count", K_U64, count, 0, COUNT_MAX, DEF_COUNT),
	FIELD(SENDERS, "threads", K_U64, threads, 1, MAX_FLOWS, 0),
	FIELD(ALL, "verify", K_FLAG, verify, 0, 1, 1),
	STRING(SENDERS, "dump", dump, "FILE"),
	FIELD(ALL, "timeout", K_U64, timeout, 0, 86400, DEF_TIMEOUT),
	FIELD(REPLIER, "maxconn", K_U64, maxconn, 1, MAX_FLOWS, DEF_MAXCONN),
	FIELD(REPLIER, "conns", K_U64, conns, 0, 1000000000, 0),
	FIELD(SENDERS, "duration", K_SECS, duration, 0, 31536000, 0),
	FIELD(SENDERS, "rate", K_U64, rate, 0, 1000000000, 0),
	FIELD(ALL, "interval", K_SECS, interval, 0, 86400, 0),
	FIELD(SENDERS, "warmup", K_U64, warmup, 0, COUNT_MAX, 0),
	FIELD(SENDERS, "seed", K_U64, seed, 0, UINT64_MAX, 0),
	ENUM(SENDERS, "close", close, close_words),
	STRING(SENDERS, "expect", expect, "COND[/COND...]"),
	STRING(SENDERS, "plot", plot, "FILE.svg"),
	STRING(SENDERS, "search", search, "COND[/COND...]"),
	FIELD(SENDERS, "search_max", K_U64, search_max, 1, 1000000000, DEF_SEARCH_MAX),
	FIELD(SENDERS, "search_steps", K_U64, search_steps, 2, 100, DEF_SEARCH_STEPS),
	STRING(SENDERS, "start_at", start_at, "TIME"),
	STRING(SENDERS, "label", label, "NAME"),
	FIELD(SENDERS, "seed_index", K_U64, seed_index, 0, UINT32_MAX, 0),
};

#define NOPTS		(sizeof(opt_defs) / sizeof(opt_defs[0]))
/* Two bits in config's given per option: what of it was given. */
#define GIVEN(i, sets)	((uint64_t)(sets) << 2 * (i))

/*
 * Fail to compile when the table outgrows config's 64 given bits, or
 * when an enum is not the size of the int that K_ENUM keeps it in.
 */
typedef char opt_defs_fit_given[NOPTS <= 32 ? 1 : -1];
typedef char close_mode_is_int[sizeof(enum close_mode) == sizeof(int) ?
    1 : -1];

/* Whether an option's field is an int (or an enum) rather than a uint64_t. */
static int
kept_in_int(const struct opt_def *d)
{
	return d->kind == K_FLAG || d->kind == K_ENUM;
}

/* Stores a number in a plain option's field, or in the ends of a range. */
static void
store_number(struct config *cfg, const struct opt_def *d, unsigned sets,
    uint64_t v)
{
	char		*field = (char *)cfg + d->off;
	struct range	*r = (struct range *)(void *)field;
	int		 n = (int)v;

	if (d->kind == K_SIZE && v < PROTO_MSG_MIN)
		v = PROTO_MSG_MIN;
	if (d->range) {
		if (sets & SETS_MIN)
			r->min = v;
		if (sets & SETS_MAX)
			r->max = v;
	} else if (kept_in_int(d))
		memcpy(field, &n, sizeof(n));
	else
		memcpy(field, &v, sizeof(v));
}

/* The number a plain option holds, or one end of a range. */
static uint64_t
load_number(const struct config *cfg, const struct opt_def *d, unsigned sets)
{
	const char		*field = (const char *)cfg + d->off;
	const struct range	*r = (const struct range *)(const void *)field;
	uint64_t		 v;
	int			 n;

	if (d->range)
		return sets == SETS_MAX ? r->max : r->min;
	if (kept_in_int(d)) {
		memcpy(&n, field, sizeof(n));
		return (uint64_t)n;
	}
	memcpy(&v, field, sizeof(v));
	return v;
}

/* Each option's default, of both ends for a range. */
void
opt_defaults(struct config *cfg)
{
	const struct opt_def	*d;

	memset(cfg, 0, sizeof(*cfg));
	for (d = opt_defs; d < opt_defs + NOPTS; d++)
		if (d->kind != K_STR)
			store_number(cfg, d, SETS_BOTH, d->kind == K_SECS ?
			    d->def * UINT64_C(1000000000) : d->def);
}

/* Parses a whole decimal number in [lo, hi]. */
static int
parse_u64(const char *name, const char *s, uint64_t lo, uint64_t hi,
    uint64_t *out, char *err)
{
	unsigned long long v;
	char	*end;

	if (*s == '\0') {
		snprintf(err, OPT_ERRLEN, "option %s: missing value", name);
		return -1;
	}
	if (*s < '0' || *s > '9') {
		snprintf(err, OPT_ERRLEN, "option %s: '%s' is not a "
		    "non-negative whole number", name, s);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0') {
		snprintf(err, OPT_ERRLEN, "option %s: '%s' is not a whole "
		    "number", name, s);
		return -1;
	}
	if (errno == ERANGE || v > hi || v < lo) {
		snprintf(err, OPT_ERRLEN, "option %s: %s is out of range "
		    "(%llu to %llu)", name, s, (unsigned long long)lo,
		    (unsigned long long)hi);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Parses seconds, with up to nine decimals, into nanoseconds in [lo, hi]
 * seconds.  By hand, not strtod, for exactness: a double holds few
 * decimals exactly, and strtod's value times 1e9 is 1 ns short for
 * about 2% of nine-decimal values (0.062998929 s gives 62998928 ns);
 * and plain decimals only (no hex, no exponent).  A tenth decimal is
 * refused, not dropped: 1 ns is the unit, and a value is checked as it
 * was given, so that no small duration becomes 0 ("none") and no large
 * one slips under the limit.
 */
static int
parse_secs(const char *name, const char *s, uint64_t lo, uint64_t hi,
    uint64_t *out, char *err)
{
	const char	*p = s;
	uint64_t	 whole = 0, frac = 0, scale = 1000000000u;

	/* Past hi, whole stays hi + 1: out of range, and no overflow. */
	for (; *p >= '0' && *p <= '9'; p++)
		whole = whole > hi ? hi + 1 : whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;	/* 0 after the ninth: more is refused */
			frac += (uint64_t)(*p - '0') * scale;
		}
	if (*s == '\0' || *p != '\0' || *s == '.' || p[-1] == '.') {
		snprintf(err, OPT_ERRLEN, *s ? "option %s: '%s' is not a "
		    "number of seconds" : "option %s: missing value%s", name,
		    s);
		return -1;
	}
	if (scale == 0) {
		snprintf(err, OPT_ERRLEN, "option %s: '%s' has more than 9 "
		    "decimals (1 ns is the unit)", name, s);
		return -1;
	}
	if (whole > hi || whole < lo || (whole == hi && frac > 0)) {
		snprintf(err, OPT_ERRLEN, "option %s: %s is out of range "
		    "(%llu to %llu seconds)", name, s, (unsigned long long)lo,
		    (unsigned long long)hi);
		return -1;
	}
	*out = whole * 1000000000u + frac;
	return 0;
}

/*
 * Parses one of words into its index, the value of its enum.  The error
 * is written as the words are tried, and read only when none matched.
 */
static int
parse_word(const char *name, const char *const *words, const char *s,
    uint64_t *out, char *err)
{
	size_t	 i;
	int	 n;

	/* Fits: the value is cut short, and names and words are short. */
	n = snprintf(err, OPT_ERRLEN, "option %.32s: '%.100s' is not one of",
	    name, s);
	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(s, words[i]) == 0) {
			*out = i;
			return 0;
		}
		n += snprintf(err + n, OPT_ERRLEN - (size_t)n, "%s %s",
		    i > 0 ? "," : "", words[i]);
	}
	return -1;
}

/* What the modes of an opt_for are called, in messages and in -h. */
const char *
opt_for_name(enum opt_for who)
{
	static const char *const names[] = {
		"every mode", "senders (-s, -S)", "the replier (-r)"
	};

	return names[who];
}

/* The name that sets these ends of d: "ssize", "ssize_min", "count". */
static void
name_ends(char *buf, size_t size, const struct opt_def *d, unsigned sets)
{
	snprintf(buf, size, "%s%s", d->name, !d->range || sets == SETS_BOTH ?
	    "" : sets == SETS_MIN ? "_min" : "_max");
}

/* The index of the option called name, or -1; *sets: what name sets. */
static int
find_opt(const char *name, unsigned *sets)
{
	char	 buf[32];
	size_t	 i;

	for (i = 0; i < NOPTS; i++)
		for (*sets = SETS_BOTH; *sets != 0; (*sets)--) {
			name_ends(buf, sizeof(buf), &opt_defs[i], *sets);
			if (strcmp(buf, name) == 0)
				return (int)i;
		}
	return -1;
}

/* Whether the option called name was given; 0 for an unknown name. */
int
opt_given(const struct config *cfg, const char *name)
{
	unsigned sets;
	int	 i = find_opt(name, &sets);

	return i != -1 && (cfg->given & GIVEN(i, sets)) != 0;
}

/* Whether an option other than the one called name was given. */
int
opt_given_but(const struct config *cfg, const char *name)
{
	unsigned sets;
	int	 i = find_opt(name, &sets);

	return (cfg->given & ~(i != -1 ? GIVEN(i, sets) : 0)) != 0;
}

/* Replaces a string option's value with a copy of value. */
static int
store_string(struct config *cfg, const struct opt_def *d, const char *value,
    char *err)
{
	char	**field = (char **)(void *)((char *)cfg + d->off);
	char	 *copy;

	if ((copy = strdup(value)) == NULL) {
		snprintf(err, OPT_ERRLEN, "out of memory");
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Applies one "name=value" item, name being what the user typed. */
static int
apply_opt(struct config *cfg, const struct opt_def *d, const char *name,
    unsigned sets, const char *value, char *err)
{
	uint64_t v;

	switch (d->kind) {
	case K_STR:
		return store_string(cfg, d, value, err);
	case K_ENUM:
		if (parse_word(name, d->vals.words, value, &v, err) == -1)
			return -1;
		break;
	case K_SECS:
		if (parse_secs(name, value, d->lo, d->vals.hi, &v, err) == -1)
			return -1;
		break;
	default:
		if (parse_u64(name, value, d->lo, d->vals.hi, &v, err) == -1)
			return -1;
		break;
	}
	store_number(cfg, d, sets, v);
	return 0;
}

/*
 * An unknown option right after expect= is most likely its next
 * condition, separated by a comma: say what separates them.
 */
static void
unknown_opt(const char *item, int prev, char *err)
{
	if (prev != -1 && opt_defs[prev].off == OFF(expect))
		snprintf(err, OPT_ERRLEN, "unknown option '%s' (separate "
		    "expect= conditions with '%c')", item, EXPECT_SEP);
	else
		snprintf(err, OPT_ERRLEN, "unknown option '%s'", item);
}

/* Parses "name=value[,name=value...]"; later items override earlier. */
int
opt_parse_list(struct config *cfg, const char *list, char *err)
{
	char		*copy, *item, *next, *value;
	unsigned	 sets;
	int		 i, prev = -1;

	if ((copy = strdup(list)) == NULL) {
		snprintf(err, OPT_ERRLEN, "out of memory");
		return -1;
	}
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if ((value = strchr(item, '=')) != NULL)
			*value++ = '\0';
		if ((i = find_opt(item, &sets)) == -1) {
			unknown_opt(item, prev, err);
			goto fail;
		}
		if (value == NULL || *value == '\0') {
			snprintf(err, OPT_ERRLEN, "option %s: missing value",
			    item);
			goto fail;
		}
		if (apply_opt(cfg, &opt_defs[i], item, sets, value, err) == -1)
			goto fail;
		cfg->given |= GIVEN(i, sets);
		prev = i;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

/*
 * A range whose ends contradict each other is an error only when the
 * user gave both; otherwise the end left at its default follows the other.
 * On the replier an unset max is its limit, the largest value it accepts
 * from a peer; set first, so that a min above it raises it.
 */
static int
finish_range(struct config *cfg, size_t i, char *err)
{
	const struct opt_def	*d = &opt_defs[i];
	struct range		*r;
	int			 setmin, setmax;

	r = (struct range *)(void *)((char *)cfg + d->off);
	setmin = (cfg->given & GIVEN(i, SETS_MIN)) != 0;
	setmax = (cfg->given & GIVEN(i, SETS_MAX)) != 0;
	if (cfg->mode == MODE_REPLY && !setmax)
		r->max = d->limit;
	if (r->min <= r->max)
		return 0;
	if (setmin && setmax) {
		snprintf(err, OPT_ERRLEN, "option %s_min %llu is above "
		    "%s_max %llu", d->name, (unsigned long long)r->min,
		    d->name, (unsigned long long)r->max);
		return -1;
	}
	if (setmin)
		r->max = r->min;
	else
		r->min = r->max;
	return 0;
}

/* Whether an option for who applies in mode (a mode, not MODE_NONE). */
static int
applies(enum opt_for who, enum mode mode)
{
	return who == OPT_FOR_ALL ||
	    (who == OPT_FOR_REPLIER) == (mode == MODE_REPLY);
}

/*
 * An option given to a mode it is not for is refused rather than
 * ignored: the user meant something that this run would not do.
 */
static int
check_modes(const struct config *cfg, char *err)
{
	char	 name[32];
	size_t	 i;

	for (i = 0; i < NOPTS; i++) {
		if ((cfg->given & GIVEN(i, SETS_BOTH)) == 0 ||
		    applies(opt_defs[i].who, cfg->mode))
			continue;
		/* The name given: NAME_min alone is named so. */
		name_ends(name, sizeof(name), &opt_defs[i],
		    (unsigned)(cfg->given >> 2 * i) & SETS_BOTH);
		snprintf(err, OPT_ERRLEN, "option %s: only for %s", name,
		    opt_for_name(opt_defs[i].who));
		return -1;
	}
	return 0;
}

/*
 * search=: runs of duration= (DEF_SEARCH_SECS unless given) at rates
 * from rate= (DEF_SEARCH_START unless given) up to search_max=, so
 * neither count= nor what is one run's alone (expect=, interval=,
 * dump=, start_at=) goes with it.
 */
static int
finish_search(struct config *cfg, char *err)
{
	static const char *const alone[] = { "count", "expect", "interval",
	    "dump", "start_at" };
	size_t	 i;

	for (i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
		if (opt_given(cfg, alone[i])) {
			snprintf(err, OPT_ERRLEN, "option %s: not with search=, "
			    "whose steps each run for duration=", alone[i]);
			return -1;
		}
	if (!opt_given(cfg, "duration"))
		cfg->duration = DEF_SEARCH_SECS * UINT64_C(1000000000);
	if (cfg->duration == 0) {
		snprintf(err, OPT_ERRLEN, "option duration: a search's steps "
		    "need one");
		return -1;
	}
	if (!opt_given(cfg, "rate"))
		cfg->rate = DEF_SEARCH_START;
	if (cfg->rate == 0 || cfg->rate > cfg->search_max) {
		snprintf(err, OPT_ERRLEN, "option rate: a search starts at a "
		    "rate from 1 to search_max=%llu, not %llu",
		    (unsigned long long)cfg->search_max,
		    (unsigned long long)cfg->rate);
		return -1;
	}
	return 0;
}

/*
 * start_at=: a wall-clock time to start at, ahead of now by at most
 * START_AT_AHEAD; one past, or further off, is refused with the figure.
 */
static int
finish_start_at(struct config *cfg, char *err)
{
	uint64_t	 now = wall_now(), at;

	if (wall_parse(cfg->start_at, &at) == -1) {
		snprintf(err, OPT_ERRLEN, "option start_at: '%s' is neither "
		    "seconds since the epoch nor an ISO 8601 time in UTC, as "
		    "2026-12-03T19:40:00Z", cfg->start_at);
		return -1;
	}
	if (at <= now) {
		snprintf(err, OPT_ERRLEN, "option start_at: %s is %.3f s past",
		    cfg->start_at, (double)(now - at) / 1e9);
		return -1;
	}
	if (at - now > START_AT_AHEAD * UINT64_C(1000000000)) {
		snprintf(err, OPT_ERRLEN, "option start_at: %s is %.0f s ahead, "
		    "more than %d", cfg->start_at, (double)(at - now) / 1e9,
		    START_AT_AHEAD);
		return -1;
	}
	cfg->start_at_ns = at;
	return 0;
}

/*
 * A line comes at the supervisor's tick: a finer interval would give
 * uneven lines, not the ones asked for.
 */
static int
check_interval(const struct config *cfg, char *err)
{
	unsigned sets;
	int	 i = find_opt("interval", &sets);

	if (cfg->interval == 0 || cfg->interval >= TICK_MS * UINT64_C(1000000))
		return 0;
	snprintf(err, OPT_ERRLEN, "option interval: %.9g s is finer than the "
	    "supervisor's tick of %g s (0 for none, or %g to %llu seconds)",
	    (double)cfg->interval / 1e9, TICK_MS / 1e3, TICK_MS / 1e3,
	    (unsigned long long)opt_defs[i].vals.hi);
	return -1;
}

/*
 * Checks what only the whole set of options can tell, and fills in the
 * defaults that depend on the mode.
 */
int
opt_finish(struct config *cfg, char *err)
{
	size_t	 i;

	if (cfg->mode == MODE_NONE) {
		snprintf(err, OPT_ERRLEN, "one of -s, -S, -r or -m is required");
		return -1;
	}
	if (check_modes(cfg, err) == -1)
		return -1;
	for (i = 0; i < NOPTS; i++)
		if (opt_defs[i].range && finish_range(cfg, i, err) == -1)
			return -1;
	if (cfg->search != NULL && finish_search(cfg, err) == -1)
		return -1;
	if (cfg->start_at != NULL && finish_start_at(cfg, err) == -1)
		return -1;
	if (cfg->duration > 0 && !opt_given(cfg, "count"))
		cfg->count = 0;
	if (cfg->count == 0 && cfg->duration == 0 && cfg->mode != MODE_REPLY) {
		snprintf(err, OPT_ERRLEN, "option count=0 needs a duration");
		return -1;
	}
	return check_interval(cfg, err);
}

/* Removes the brackets of "[v6addr]" in place; -1 when they are unbalanced. */
static int
strip_brackets(char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || (s[0] != '[' && s[len - 1] != ']'))
		return strchr(s, '[') || strchr(s, ']') ? -1 : 0;
	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return -1;
	memmove(s, s + 1, len - 2);
	s[len - 2] = '\0';
	return 0;
}

/*
 * Splits "[LOCAL,]HOST:PORT" into its parts; the port is after the last
 * colon and brackets around an IPv6 host are removed.  Each output buffer
 * is size bytes.
 */
int
opt_split_address(const char *arg, char *local, char *host, char *port,
    size_t size, char *err)
{
	const char	*comma, *remote, *colon;
	size_t		 len;

	comma = strchr(arg, ',');
	remote = comma ? comma + 1 : arg;
	len = comma ? (size_t)(comma - arg) : 0;
	if (len >= size || strlen(remote) >= size)
		goto toolong;
	memcpy(local, arg, len);
	local[len] = '\0';
	if ((colon = strrchr(remote, ':')) == NULL || colon[1] == '\0') {
		snprintf(err, OPT_ERRLEN, "address '%.100s': missing port", arg);
		return -1;
	}
	len = (size_t)(colon - remote);
	memcpy(host, remote, len);
	host[len] = '\0';
	/* Fits: remote, and so its tail, was checked shorter than size. */
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	if (strip_brackets(host) == -1 || strip_brackets(local) == -1) {
		snprintf(err, OPT_ERRLEN, "address '%.100s': unbalanced brackets",
		    arg);
		return -1;
	}
	return 0;
toolong:
	snprintf(err, OPT_ERRLEN, "address '%.40s...': too long", arg);
	return -1;
}

/* Resolves LOCAL to an address of the remote's family, port 0. */
static int
resolve_local(struct endpoint *ep, const char *local, const char *arg,
    char *err)
{
	struct addrinfo	 hints, *res, *ai;
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ep->addr.ss_family;
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(local, "0", &hints, &res)) != 0) {
		snprintf(err, OPT_ERRLEN, "address '%.100s': cannot resolve local "
		    "'%.100s': %s", arg, local, gai_strerror(rv));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_addrlen <= sizeof(ep->local))
			break;
	if (ai == NULL) {
		freeaddrinfo(res);
		snprintf(err, OPT_ERRLEN, "address '%.100s': no local address",
		    arg);
		return -1;
	}
	memcpy(&ep->local, ai->ai_addr, ai->ai_addrlen);
	ep->locallen = ai->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Appends every address a name resolves to. */
static int
add_endpoints(struct config *cfg, struct addrinfo *res, const char *local,
    const char *arg, char *err)
{
	struct addrinfo	*ai;
	struct endpoint	*ep;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(ep->addr))
			continue;
		ep = realloc(cfg->ep, (cfg->nep + 1) * sizeof(*ep));
		if (ep == NULL) {
			snprintf(err, OPT_ERRLEN, "out of memory");
			return -1;
		}
		cfg->ep = ep;
		ep = &cfg->ep[cfg->nep++];
		memset(ep, 0, sizeof(*ep));
		memcpy(&ep->addr, ai->ai_addr, ai->ai_addrlen);
		ep->addrlen = ai->ai_addrlen;
		net_name(ep->name, sizeof(ep->name),
		    (struct sockaddr *)&ep->addr, ep->addrlen);
		if (*local != '\0' && resolve_local(ep, local, arg, err) == -1)
			return -1;
	}
	return 0;
}

/* Resolves one address argument into endpoints. */
static int
resolve_one(struct config *cfg, const char *arg, char *err)
{
	char		 local[256], host[256], port[256];
	struct addrinfo	 hints, *res;
	uint64_t	 pnum;
	int		 rv;

	if (opt_split_address(arg, local, host, port, sizeof(host), err) == -1)
		return -1;
	if (*local != '\0' && cfg->mode == MODE_REPLY) {
		snprintf(err, OPT_ERRLEN, "address '%.100s': LOCAL, is for "
		    "senders; the replier listens on HOST:PORT", arg);
		return -1;
	}
	if (parse_u64("port", port, cfg->mode == MODE_REPLY ? 0 : 1, 65535,
	    &pnum, err) == -1) {
		snprintf(err, OPT_ERRLEN, "address '%.100s': bad port '%.20s'", arg,
		    port);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV |
	    (cfg->mode == MODE_REPLY ? AI_PASSIVE : 0);
	rv = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rv != 0) {
		snprintf(err, OPT_ERRLEN, "address '%.100s': cannot resolve '%.100s': "
		    "%s", arg, host, gai_strerror(rv));
		return -1;
	}
	rv = add_endpoints(cfg, res, local, arg, err);
	freeaddrinfo(res);
	return rv;
}

int
opt_resolve(struct config *cfg, char *const *args, int nargs, char *err)
{
	int	 i;

	if (nargs <= 0) {
		snprintf(err, OPT_ERRLEN, "no address given");
		return -1;
	}
	for (i = 0; i < nargs; i++)
		if (resolve_one(cfg, args[i], err) == -1)
			return -1;
	if (cfg->nep == 0) {
		snprintf(err, OPT_ERRLEN, "no usable address");
		return -1;
	}
	/* Without threads=, one flow per address: the count the report shows. */
	if (cfg->mode != MODE_REPLY && cfg->threads == 0)
		cfg->threads = cfg->nep;
	return 0;
}

/* Frees the endpoints, every string option's value and what it parsed. */
void
opt_free(struct config *cfg)
{
	const struct opt_def	*d;
	char			**field;

	for (d = opt_defs; d < opt_defs + NOPTS; d++) {
		if (d->kind != K_STR)
			continue;
		field = (char **)(void *)((char *)cfg + d->off);
		free(*field);
		*field = NULL;
	}
	free(cfg->ep);
	cfg->ep = NULL;
	cfg->nep = 0;
	free(cfg->expect_conds);
	cfg->expect_conds = NULL;
	cfg->nexpect = 0;
	free(cfg->search_conds);
	cfg->search_conds = NULL;
	cfg->nsearch = 0;
}

size_t
opt_count(void)
{
	return NOPTS;
}

enum opt_for
opt_modes(size_t i)
{
	return (enum opt_for)opt_defs[i].who;
}

/*
 * Value n of option i in cfg, with its JSON key: a plain option has one,
 * a range two, its _min and its _max.  Returns -1 past the last.
 */
int
opt_value(const struct config *cfg, size_t i, size_t n, struct opt_value *v)
{
	const struct opt_def	*d = &opt_defs[i];
	unsigned		 sets = n == 0 ? SETS_MIN : SETS_MAX;

	if (n > d->range)
		return -1;
	name_ends(v->key, sizeof(v->key), d, sets);
	v->type = d->kind == K_SECS ? OPT_SECONDS : OPT_NUMBER;
	if (d->kind == K_STR) {
		v->type = OPT_STRING;
		v->str = *(char *const *)(const void *)((const char *)cfg +
		    d->off);
	} else if (d->kind == K_ENUM) {
		v->type = OPT_STRING;
		v->str = d->vals.words[load_number(cfg, d, sets)];
	} else
		v->num = load_number(cfg, d, sets);
	return 0;
}

/*
 * Option i as -h shows it, in buf: "count=1000", for a range
 * "ssize[_min,_max]=40".  A default of 0 means none or off, so a
 * placeholder of its kind stands in for it; a string has its own, and an
 * enum's is its first word.
 * Returns the length.
 */
int
opt_usage_item(size_t i, char *buf, size_t size)
{
	static const char	 placeholders[][4] = {
		"N", "N", "S", "0|1"	/* by enum opt_kind, but K_STR */
	};
	const struct opt_def	*d = &opt_defs[i];
	const char		*ends = d->range ? "[_min,_max]" : "";
	const char		*value;

	if (d->kind == K_ENUM)
		value = d->vals.words[d->def];
	else if (d->kind == K_STR)
		value = d->vals.what;
	else if (d->def == 0)
		value = placeholders[d->kind];
	else
		return snprintf(buf, size, "%s%s=%lu", d->name, ends,
		    (unsigned long)d->def);
	return snprintf(buf, size, "%s%s=%s", d->name, ends, value);
}
