/*
 * expect=: conditions on the run's figures, each "KEY OP NUMBER[UNIT]",
 * separated by '/', as "p99<2ms/errors=0/rate>=50000".  The parser is
 * pure: no I/O, no state.  A condition is judged on the figures the
 * report prints, read from the same totals with the same computations.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

/* In key_names' order: the latencies, the counts, the rates. */
enum expect_key {
	KEY_P50, KEY_P90, KEY_P99, KEY_P999, KEY_MAX, KEY_MEAN,
	KEY_ERRORS, KEY_REPLIES, KEY_RATE, KEY_MBPS, KEYS
};

static const char *const key_names[KEYS] = {
	"p50", "p90", "p99", "p999", "max", "mean", "errors", "replies",
	"rate", "mbps"
};

/* The percentiles of KEY_P50 to KEY_P999. */
static const double key_pcts[] = { 50.0, 90.0, 99.0, 99.9 };

enum expect_op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OPS };

static const char *const op_names[OPS] = { "<", "<=", ">", ">=", "=" };

/* A latency's units, and their decimals to the nanosecond. */
#define UNITS		4
static const char *const unit_names[UNITS] = { "ns", "us", "ms", "s" };
static const unsigned char unit_digits[UNITS] = { 0, 3, 6, 9 };

#define DECIMALS	9		/* the most a number has: ns in s */
#define BILLION		UINT64_C(1000000000)
#define WHOLE_CAP	UINT64_C(10000000000000000)	/* 10^16 */
#define LATENCY_MAX	3600e9		/* ns: an hour, past the histogram */
#define NUMBER_MAX	1e15		/* a count or a rate */

/* A number as typed: its whole part and its decimals, in billionths. */
struct number {
	uint64_t	 whole;		/* past WHOLE_CAP, WHOLE_CAP + 1 */
	uint64_t	 nano;
	unsigned	 decimals;
};

static int	refuse(char *, size_t, const char *, const char *, ...)
		    PRINTF_LIKE(4, 5);

/* "'COND': " and the reason, in err; returns -1. */
static int
refuse(char *err, size_t len, const char *cond, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(err, len, "'%s': ", cond);
	if (n < 0 || (size_t)n >= len)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(err + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* names as "a, b, c", for the messages that list what is valid. */
static const char *
join_names(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t	 i, at = 0;

	buf[0] = '\0';
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i > 0 ? ", " : "", names[i]);
	return buf;
}

/* The index of the len bytes at s in names, or -1. */
static int
find_name(const char *const *names, size_t n, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/*
 * The operator at s, and its length; -1 when none is there.  From the
 * last: "<=" comes after "<" in op_names, so the longest matches first.
 */
static int
scan_op(const char *s, size_t *len)
{
	int	 op;

	for (op = OPS - 1; op >= 0; op--) {
		*len = strlen(op_names[op]);
		if (strncmp(s, op_names[op], *len) == 0)
			return op;
	}
	return -1;
}

static int
is_latency(unsigned key)
{
	return key <= KEY_MEAN;
}

/* Nanoseconds in a latency unit. */
static uint64_t
unit_ns(unsigned unit)
{
	uint64_t ns = 1;
	unsigned d;

	for (d = 0; d < unit_digits[unit]; d++)
		ns *= 10;
	return ns;
}

/*
 * Reads digits, with a fraction, at *s and moves *s past them.  By
 * hand, as options.c reads seconds, for exactness: a bound such as
 * "p99<0.062998929s" is whole nanoseconds, where strtod's double would
 * be 1 ns short, and "finer than 1 ns" is told from the digits.
 * Returns 0; -1 when no digit is at *s, -2 when none follows its '.'.
 */
static int
scan_number(const char **s, struct number *num)
{
	const char	*p = *s;
	uint64_t	 scale = BILLION;

	memset(num, 0, sizeof(*num));
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		num->whole = num->whole > WHOLE_CAP ? WHOLE_CAP + 1 :
		    num->whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.' && (p[1] < '0' || p[1] > '9'))
		return -2;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			num->decimals++;
			scale /= 10;	/* 0 past the ninth: more is refused */
			num->nano += (uint64_t)(*p - '0') * scale;
		}
	*s = p;
	return 0;
}

/* A latency's bound: with a unit, in whole nanoseconds, at most an hour. */
static int
latency_bound(const char *text, struct expect_cond *c,
    const struct number *num, const char *unit, char *err, size_t len)
{
	char		 names[32];
	uint64_t	 ns;
	double		 bound;
	int		 u;

	join_names(names, sizeof(names), unit_names, UNITS);
	if (*unit == '\0')
		return refuse(err, len, text, "%s needs a unit (%s)",
		    key_names[c->key], names);
	if ((u = find_name(unit_names, UNITS, unit, strlen(unit))) == -1)
		return refuse(err, len, text, "unknown unit '%s' (%s)", unit,
		    names);
	ns = unit_ns((unsigned)u);
	if (num->nano * ns % BILLION != 0)
		return refuse(err, len, text, "finer than 1 ns");
	bound = (double)num->whole * (double)ns +
	    (double)(num->nano * ns / BILLION);
	if (bound > LATENCY_MAX)
		return refuse(err, len, text, "out of range (0 to %.0f %s)",
		    LATENCY_MAX / (double)ns, unit_names[u]);
	c->unit = (unsigned char)u;
	c->bound = bound;
	return 0;
}

/* A count's or a rate's bound: no unit, and a count is whole. */
static int
plain_bound(const char *text, struct expect_cond *c,
    const struct number *num, const char *unit, char *err, size_t len)
{
	double	 bound;

	if (*unit != '\0')
		return refuse(err, len, text, "%s takes no unit",
		    key_names[c->key]);
	if (c->key <= KEY_REPLIES && num->nano != 0)
		return refuse(err, len, text, "%s is a whole number",
		    key_names[c->key]);
	bound = (double)num->whole + (double)num->nano / (double)BILLION;
	if (bound > NUMBER_MAX)
		return refuse(err, len, text, "out of range (0 to %.0f)",
		    NUMBER_MAX);
	c->bound = bound;
	return 0;
}

/* Parses one condition, text, into c.  Returns 0, or -1 with err. */
static int
parse_cond(const char *text, struct expect_cond *c, char *err, size_t len)
{
	char		 names[80];
	const char	*p = text;
	struct number	 num;
	size_t		 n;
	int		 key, op, rv;

	/* The key is all before the operator. */
	n = strcspn(p, "<>=");
	if (p[n] == '\0')
		return refuse(err, len, text, "missing operator (%s)",
		    join_names(names, sizeof(names), op_names, OPS));
	join_names(names, sizeof(names), key_names, KEYS);
	if (n == 0)
		return refuse(err, len, text, "missing key (%s)", names);
	if ((key = find_name(key_names, KEYS, p, n)) == -1)
		return refuse(err, len, text, "unknown key '%.*s' (%s)",
		    (int)n, p, names);
	p += n;
	op = scan_op(p, &n);	/* one is there: strcspn stopped at it */
	p += n;
	if ((rv = scan_number(&p, &num)) == -1)
		return refuse(err, len, text, "no number after '%s'",
		    op_names[op]);
	if (rv == -2)
		return refuse(err, len, text, "no digit after '.'");
	if (num.decimals > DECIMALS)
		return refuse(err, len, text, "more than %d decimals",
		    DECIMALS);
	/* No unit starts with an e: this is an exponent, not a unit. */
	if ((*p == 'e' || *p == 'E') && strspn(p + 1, "+-0123456789") > 0)
		return refuse(err, len, text, "an exponent ('%s'): write the "
		    "number in digits", p);
	c->key = (unsigned char)key;
	c->op = (unsigned char)op;
	return is_latency(c->key) ? latency_bound(text, c, &num, p, err, len) :
	    plain_bound(text, c, &num, p, err, len);
}

/* Copies the condition from p to end into c's text; -1 with err. */
static int
copy_text(const char *list, const char *p, const char *end,
    struct expect_cond *c, char *err, size_t len)
{
	size_t	 n = (size_t)(end - p);

	if (n == 0) {
		snprintf(err, len, "'%s': an empty condition "
		    "(conditions are separated by '%c')", list, EXPECT_SEP);
		return -1;
	}
	if (n >= sizeof(c->text)) {
		snprintf(err, len, "'%.*s': longer than %zu "
		    "characters", (int)n, p, sizeof(c->text) - 1);
		return -1;
	}
	memcpy(c->text, p, n);
	c->text[n] = '\0';
	return 0;
}

/*
 * Parses list, conditions separated by EXPECT_SEP, into *conds, an
 * array of *n that the caller frees.  Returns 0, or -1 with one line in
 * err, of len bytes, naming the condition at fault (the caller puts the
 * option's name before it: expect= and search= take conditions).
 */
int
expect_parse(const char *list, struct expect_cond **conds, size_t *n,
    char *err, size_t len)
{
	struct expect_cond	*c;
	const char		*p, *end;
	size_t			 i, count = 1;

	*conds = NULL;
	*n = 0;
	for (p = list; (p = strchr(p, EXPECT_SEP)) != NULL; p++)
		count++;
	if (count > EXPECT_MAX) {
		snprintf(err, len, "more than %d conditions",
		    EXPECT_MAX);
		return -1;
	}
	if ((c = calloc(count, sizeof(*c))) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (i = 0, p = list; i < count; i++, p = end + 1) {
		if ((end = strchr(p, EXPECT_SEP)) == NULL)
			end = p + strlen(p);
		if (copy_text(list, p, end, &c[i], err, len) == -1 ||
		    parse_cond(c[i].text, &c[i], err, len) == -1) {
			free(c);
			return -1;
		}
	}
	*conds = c;
	*n = count;
	return 0;
}

/*
 * The figure key reads in the totals, a latency in ns; 0 when there is
 * none, no latency having been measured.  Rates are of what was
 * received, as the report's.
 */
static int
read_figure(unsigned key, const struct report_totals *t, double *v)
{
	const struct hist *h = t->lat;

	switch (key) {
	case KEY_ERRORS:
		*v = (double)t->nerrors;
		return 1;
	case KEY_REPLIES:
		*v = (double)t->replies;
		return 1;
	case KEY_RATE:
		*v = report_msg_rate(t->recv_msgs, t->secs);
		return 1;
	case KEY_MBPS:
		*v = report_mbit_rate(t->recv_bytes, t->secs);
		return 1;
	}
	if (h == NULL || h->count == 0)
		return 0;
	if (key == KEY_MAX)
		*v = (double)h->max;
	else if (key == KEY_MEAN)
		*v = hist_mean(h);
	else
		*v = (double)hist_percentile(h, key_pcts[key]);
	return 1;
}

static int
holds(unsigned op, double v, double bound)
{
	switch (op) {
	case OP_LT:
		return v < bound;
	case OP_LE:
		return v <= bound;
	case OP_GT:
		return v > bound;
	case OP_GE:
		return v >= bound;
	default:
		return v == bound;
	}
}

/*
 * Judges the n conditions on the totals t into res, each figure in the
 * JSON report's unit (us for a latency); with t NULL, a run that never
 * started, none has a figure.  Returns how many were missed.
 */
size_t
expect_check(const struct expect_cond *c, size_t n,
    const struct report_totals *t, struct report_expect *res)
{
	size_t	 i, missed = 0;
	double	 v = 0;

	for (i = 0; i < n; i++) {
		res[i].cond = c[i].text;
		res[i].have = t != NULL && read_figure(c[i].key, t, &v);
		res[i].held = res[i].have && holds(c[i].op, v, c[i].bound);
		res[i].value = !res[i].have ? 0 :
		    is_latency(c[i].key) ? v / 1e3 : v;
		missed += !res[i].held;
	}
	return missed;
}

/*
 * Whether a condition, missed by a run so far, stays missed as the run
 * goes on at a rate past what the path takes: an upper bound on a
 * latency, which a growing backlog only makes longer, or on errors.
 */
static int
stays_missed(const struct expect_cond *c)
{
	return (is_latency(c->key) || c->key == KEY_ERRORS) &&
	    (c->op == OP_LT || c->op == OP_LE ||
	    (c->key == KEY_ERRORS && c->op == OP_EQ));
}

/*
 * A search's step, judged while it runs: how many of the conditions
 * that stay missed the run so far t has missed already.
 */
size_t
expect_missed_early(const struct expect_cond *c, size_t n,
    const struct report_totals *t)
{
	size_t	 i, missed = 0;
	double	 v;

	for (i = 0; i < n; i++)
		if (stays_missed(&c[i]) && read_figure(c[i].key, t, &v) &&
		    !holds(c[i].op, v, c[i].bound))
			missed++;
	return missed;
}

/*
 * A figure as a missed line gives it: a latency in its condition's
 * unit, to the nanosecond, without trailing zeros; a rate as the
 * report prints it.
 */
static void
format_figure(char *buf, size_t len, const struct expect_cond *c,
    double value)
{
	unsigned	 d = unit_digits[c->unit];
	size_t		 n;

	if (!is_latency(c->key)) {
		snprintf(buf, len, c->key == KEY_RATE ? "%.1f msg/s" :
		    c->key == KEY_MBPS ? "%.2f Mbit/s" : "%.0f", value);
		return;
	}
	n = (size_t)snprintf(buf, len, "%.*f", (int)d,
	    value * 1e3 / (double)unit_ns(c->unit));
	if (n >= len)
		n = len - 1;
	while (d > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	snprintf(buf + n, len - n, " %s", unit_names[c->unit]);
}

/* Says on stderr each condition missed, with what the run got. */
void
expect_warn(const struct expect_cond *c, size_t n,
    const struct report_expect *res)
{
	char	 got[64];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (res[i].held)
			continue;
		if (!res[i].have) {
			log_warnx("expect %s: no latency was measured",
			    c[i].text);
			continue;
		}
		format_figure(got, sizeof(got), &c[i], res[i].value);
		log_warnx("expect %s: got %s", c[i].text, got);
	}
}
