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

enum opt_kind {
	K_SIZE,		/* message size: below 40 rounds up, above 65535 fails */
	K_U64,		/* whole number in [lo, hi] */
	K_SECS,		/* seconds, may have a fraction, in [lo, hi] */
	K_STR		/* non-empty string */
};

enum opt_part {
	P_BOTH,		/* sets a range's min and max */
	P_MIN,
	P_MAX,
	P_ONE		/* a plain field */
};

struct opt_def {
	const char	*name;
	enum opt_kind	 kind;
	enum opt_part	 part;
	size_t		 off;	/* of the field (or struct range) in config */
	uint64_t	 lo;
	uint64_t	 hi;
	unsigned	 setbit;
};

#define OFF(f)		offsetof(struct config, f)
#define NS_MAX		UINT32_MAX	/* rdly is a u32 on the wire */
#define SDELAY_MAX	3600000000000ULL

static const struct opt_def opt_defs[] = {
	{ "ssize", K_SIZE, P_BOTH, OFF(ssize), 0, PROTO_MSG_MAX, OPT_SET_SSIZE_MAX },
	{ "ssize_min", K_SIZE, P_MIN, OFF(ssize), 0, PROTO_MSG_MAX, 0 },
	{ "ssize_max", K_SIZE, P_MAX, OFF(ssize), 0, PROTO_MSG_MAX, OPT_SET_SSIZE_MAX },
	{ "rsize", K_SIZE, P_BOTH, OFF(rsize), 0, PROTO_MSG_MAX, OPT_SET_RSIZE_MAX },
	{ "rsize_min", K_SIZE, P_MIN, OFF(rsize), 0, PROTO_MSG_MAX, 0 },
	{ "rsize_max", K_SIZE, P_MAX, OFF(rsize), 0, PROTO_MSG_MAX, OPT_SET_RSIZE_MAX },
	{ "sdelay", K_U64, P_BOTH, OFF(sdelay), 0, SDELAY_MAX, 0 },
	{ "sdelay_min", K_U64, P_MIN, OFF(sdelay), 0, SDELAY_MAX, 0 },
	{ "sdelay_max", K_U64, P_MAX, OFF(sdelay), 0, SDELAY_MAX, 0 },
	{ "rdelay", K_U64, P_BOTH, OFF(rdelay), 0, NS_MAX, OPT_SET_RDELAY_MAX },
	{ "rdelay_min", K_U64, P_MIN, OFF(rdelay), 0, NS_MAX, 0 },
	{ "rdelay_max", K_U64, P_MAX, OFF(rdelay), 0, NS_MAX, OPT_SET_RDELAY_MAX },
	{ "rinterval", K_U64, P_ONE, OFF(rinterval), 0, UINT32_MAX, 0 },
	{ "count", K_U64, P_ONE, OFF(count), 0, 1000000000000000ULL, OPT_SET_COUNT },
	{ "threads", K_U64, P_ONE, OFF(threads), 1, MAX_FLOWS, 0 },
	{ "verify", K_U64, P_ONE, OFF(verify), 0, 1, 0 },
	{ "dump", K_STR, P_ONE, OFF(dump), 0, 0, 0 },
	{ "timeout", K_U64, P_ONE, OFF(timeout), 0, 86400, 0 },
	{ "maxconn", K_U64, P_ONE, OFF(maxconn), 1, MAX_FLOWS, 0 },
	{ "conns", K_U64, P_ONE, OFF(conns), 0, 1000000000, 0 },
	{ "duration", K_SECS, P_ONE, OFF(duration), 0, 31536000, 0 },
	{ "rate", K_U64, P_ONE, OFF(rate), 0, 1000000000, 0 },
	{ "interval", K_SECS, P_ONE, OFF(interval), 0, 86400, 0 },
	{ "warmup", K_U64, P_ONE, OFF(warmup), 0, 1000000000000000ULL, 0 },
	{ "seed", K_U64, P_ONE, OFF(seed), 0, UINT64_MAX, 0 },
};

#define NOPTS	(sizeof(opt_defs) / sizeof(opt_defs[0]))

void
opt_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ssize.min = cfg->ssize.max = PROTO_MSG_MIN;
	cfg->rsize.min = cfg->rsize.max = PROTO_MSG_MIN;
	cfg->rinterval = DEF_RINTERVAL;
	cfg->count = DEF_COUNT;
	cfg->verify = 1;
	cfg->timeout = DEF_TIMEOUT;
	cfg->maxconn = DEF_MAXCONN;
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
 * seconds.  By hand, not strtod: plain decimals only, exact, and no
 * floating-point parser in a static binary.  A tenth decimal is refused,
 * not dropped: 1 ns is the unit, and a value is checked as it was given,
 * so that no small duration becomes 0 ("none") and no large one slips
 * under the limit.
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

static const struct opt_def *
find_opt(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(opt_defs[i].name) == len &&
		    strncmp(opt_defs[i].name, name, len) == 0)
			return &opt_defs[i];
	return NULL;
}

/* Stores a parsed number in its field, or in one end of its range. */
static void
store_number(struct config *cfg, const struct opt_def *d, uint64_t v)
{
	char		*base = (char *)cfg + d->off;
	struct range	*r = (struct range *)(void *)base;

	if (d->kind == K_SIZE && v < PROTO_MSG_MIN)
		v = PROTO_MSG_MIN;
	switch (d->part) {
	case P_BOTH:
		r->min = r->max = v;
		break;
	case P_MIN:
		r->min = v;
		break;
	case P_MAX:
		r->max = v;
		break;
	case P_ONE:
		if (d->off == OFF(verify))
			cfg->verify = (int)v;
		else
			*(uint64_t *)(void *)base = v;
		break;
	}
}

/*
 * Which ends of which range an option sets, as OPT_SET_RANGE bits, so
 * that opt_finish can tell a contradiction from a default left behind.
 */
static unsigned
range_bits(const struct opt_def *d)
{
	static const size_t ranges[] = {
		OFF(ssize), OFF(rsize), OFF(sdelay), OFF(rdelay)
	};
	unsigned bits = 0;
	size_t	 i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i] != d->off)
			continue;
		if (d->part == P_MIN || d->part == P_BOTH)
			bits |= OPT_SET_RANGE(i, 0);
		if (d->part == P_MAX || d->part == P_BOTH)
			bits |= OPT_SET_RANGE(i, 1);
	}
	return bits;
}

/* Applies one "name=value" item. */
static int
apply_opt(struct config *cfg, const struct opt_def *d, char *value, char *err)
{
	uint64_t v;

	cfg->set |= d->setbit | range_bits(d);
	switch (d->kind) {
	case K_STR:
		if (*value == '\0') {
			snprintf(err, OPT_ERRLEN, "option %s: missing value",
			    d->name);
			return -1;
		}
		free(cfg->dump);
		if ((cfg->dump = strdup(value)) == NULL) {
			snprintf(err, OPT_ERRLEN, "out of memory");
			return -1;
		}
		return 0;
	case K_SECS:
		if (parse_secs(d->name, value, d->lo, d->hi, &v, err) == -1)
			return -1;
		*(uint64_t *)(void *)((char *)cfg + d->off) = v;
		return 0;
	default:
		if (parse_u64(d->name, value, d->lo, d->hi, &v, err) == -1)
			return -1;
		if (d->off == OFF(seed))
			cfg->seed_set = 1;
		store_number(cfg, d, v);
		return 0;
	}
}

/* Parses "name=value[,name=value...]"; later items override earlier. */
int
opt_parse_list(struct config *cfg, const char *list, char *err)
{
	const struct opt_def *d;
	char	*copy, *item, *next, *eq;

	if ((copy = strdup(list)) == NULL) {
		snprintf(err, OPT_ERRLEN, "out of memory");
		return -1;
	}
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		eq = strchr(item, '=');
		d = find_opt(item, eq ? (size_t)(eq - item) : strlen(item));
		if (d == NULL) {
			snprintf(err, OPT_ERRLEN, "unknown option '%.*s'",
			    (int)(eq ? eq - item : (long)strlen(item)), item);
			goto fail;
		}
		if (eq == NULL) {
			snprintf(err, OPT_ERRLEN, "option %s: missing value",
			    d->name);
			goto fail;
		}
		if (apply_opt(cfg, d, eq + 1, err) == -1)
			goto fail;
	}
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

static const char *const range_names[] = { "ssize", "rsize", "sdelay", "rdelay" };

/*
 * A range whose ends contradict each other is an error only when the
 * user gave both; otherwise the end left at its default follows the other.
 */
static int
finish_range(struct config *cfg, struct range *r, int i, char *err)
{
	int	 setmin = (cfg->set & OPT_SET_RANGE(i, 0)) != 0;
	int	 setmax = (cfg->set & OPT_SET_RANGE(i, 1)) != 0;

	if (r->min <= r->max)
		return 0;
	if (setmin && setmax) {
		snprintf(err, OPT_ERRLEN, "option %s_min %llu is above "
		    "%s_max %llu", range_names[i], (unsigned long long)r->min,
		    range_names[i], (unsigned long long)r->max);
		return -1;
	}
	if (setmin)
		r->max = r->min;
	else
		r->min = r->max;
	return 0;
}

/*
 * Checks what only the whole set of options can tell, and fills in the
 * defaults that depend on the mode.  On the replier the _max options are
 * the largest values it accepts from a peer.
 */
int
opt_finish(struct config *cfg, char *err)
{
	struct range	*ranges[4];
	int		 i;

	ranges[0] = &cfg->ssize;
	ranges[1] = &cfg->rsize;
	ranges[2] = &cfg->sdelay;
	ranges[3] = &cfg->rdelay;
	if (cfg->mode == MODE_NONE) {
		snprintf(err, OPT_ERRLEN, "one of -s, -S or -r is required");
		return -1;
	}
	/* The replier's limits first, so a min above them raises them. */
	if (cfg->mode == MODE_REPLY) {
		if (!(cfg->set & OPT_SET_SSIZE_MAX))
			cfg->ssize.max = PROTO_MSG_MAX;
		if (!(cfg->set & OPT_SET_RSIZE_MAX))
			cfg->rsize.max = PROTO_MSG_MAX;
		if (!(cfg->set & OPT_SET_RDELAY_MAX))
			cfg->rdelay.max = DEF_RDLY_LIMIT;
	}
	for (i = 0; i < 4; i++)
		if (finish_range(cfg, ranges[i], i, err) == -1)
			return -1;
	if (cfg->mode == MODE_REPLY && cfg->dump != NULL) {
		snprintf(err, OPT_ERRLEN, "option dump: only senders (-s, -S) "
		    "record replies");
		return -1;
	}
	if (cfg->duration > 0 && !(cfg->set & OPT_SET_COUNT))
		cfg->count = 0;
	if (cfg->count == 0 && cfg->duration == 0 && cfg->mode != MODE_REPLY) {
		snprintf(err, OPT_ERRLEN, "option count=0 needs a duration");
		return -1;
	}
	return 0;
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
	return 0;
}

void
opt_free(struct config *cfg)
{
	free(cfg->ep);
	free(cfg->dump);
	cfg->ep = NULL;
	cfg->dump = NULL;
	cfg->nep = 0;
}
