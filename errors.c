/*
 * The error model's names and wording.  Every diagnostic's text is made
 * here, from numbers and from this file's own tables: nothing a peer
 * sent is ever printed as it came, and the warn helpers escape any byte
 * that is not printable ASCII, whatever its source.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

/* Text and JSON names of the kinds, in enum err_kind's order. */
static const char *const kind_names[ERR_KINDS] = {
	"lost", "duplicated", "out of order", "corrupt payload",
	"bad header", "short stream", "stalled", "reset", "i/o error",
	"connect failed", "crashed", "interrupted"
};
static const char *const kind_keys[ERR_KINDS] = {
	"lost", "duplicated", "out_of_order", "corrupt", "bad_header",
	"short", "stalled", "reset", "io", "connect", "crashed",
	"interrupted"
};

/* In enum err_detail's order; these words also travel on the wire. */
static const char *const detail_names[DET_KINDS] = {
	"", "seqno", "reply seqno", "ts1", "ssz", "rsz", "ts3 before ts2",
	"ssz below 40", "ssz above the limit", "rsz below 40",
	"rsz above the limit", "rdly above the limit",
	"payload", "missing", "repeated", "swapped", "inserted",
	"mid-message", "replies missing", "closed early", "half-close",
	"more replies than asked", "after the end", "cut before the last",
	"unknown", "sending"
};

static const char *const role_names[ROLES] = {
	"sender", "receiver", "sync sender", "replier"
};

const char *
err_kind_name(enum err_kind kind)
{
	return (unsigned)kind < ERR_KINDS ? kind_names[kind] : "unknown";
}

const char *
err_kind_key(enum err_kind kind)
{
	return (unsigned)kind < ERR_KINDS ? kind_keys[kind] : "unknown";
}

const char *
err_detail_name(enum err_detail d)
{
	return (unsigned)d < DET_KINDS ? detail_names[d] : "unknown";
}

/* A detail from its wire text; anything else is DET_UNKNOWN. */
enum err_detail
err_detail_parse(const char *text)
{
	unsigned d;

	for (d = DET_NONE + 1; d < DET_UNKNOWN; d++)
		if (strcmp(text, detail_names[d]) == 0)
			return (enum err_detail)d;
	return DET_UNKNOWN;
}

/*
 * A kind from a replier's error report.  A replier reports only what it
 * found in the requests; a crash, a stall or a failed call would be the
 * sender's own, so such a claim is not believed: a bad header.
 */
enum err_kind
err_kind_of_peer(unsigned kind)
{
	return kind <= ERR_SHORT ? (enum err_kind)kind : ERR_HEADER;
}

enum err_detail
err_detail_of_verdict(enum proto_verdict v)
{
	switch (v) {
	case PROTO_SSZ_SMALL:
		return DET_SSZ_SMALL;
	case PROTO_SSZ_BIG:
		return DET_SSZ_BIG;
	case PROTO_RSZ_SMALL:
		return DET_RSZ_SMALL;
	case PROTO_RSZ_BIG:
		return DET_RSZ_BIG;
	case PROTO_RDLY_BIG:
		return DET_RDLY_BIG;
	default:
		return DET_NONE;
	}
}

enum err_detail
err_detail_of_damage(enum proto_damage d)
{
	switch (d) {
	case DAMAGE_MISSING:
		return DET_MISSING;
	case DAMAGE_REPEATED:
		return DET_REPEATED;
	case DAMAGE_SWAPPED:
		return DET_SWAPPED;
	case DAMAGE_INSERTED:
		return DET_INSERTED;
	default:
		return DET_CHANGED;
	}
}

/* Damage to a payload, told as the kind of error it shows. */
enum err_kind
err_kind_of_damage(enum proto_damage d)
{
	switch (d) {
	case DAMAGE_MISSING:
		return ERR_LOST;
	case DAMAGE_REPEATED:
		return ERR_DUP;
	case DAMAGE_SWAPPED:
		return ERR_ORDER;
	default:
		return ERR_CORRUPT;
	}
}

const char *
err_role_name(enum role role)
{
	return (unsigned)role < ROLES ? role_names[role] : "worker";
}

const char *
err_dir_name(enum direction dir)
{
	return dir == DIR_REQ ? "request" : "reply";
}

void
err_set_call(struct flow_error *e, const char *call)
{
	snprintf(e->call, sizeof(e->call), "%s", call);
}

static int
is_damage(enum err_detail d)
{
	return d >= DET_CHANGED && d <= DET_INSERTED;
}

/* Damage inside a payload: where, and how many bytes moved. */
static int
format_damage(char *buf, size_t len, const struct flow_error *e,
    const char *msg)
{
	const char		*kind = err_kind_name((enum err_kind)e->kind);
	unsigned long long	 seq = e->seqno;

	switch (e->detail) {
	case DET_MISSING:
		return snprintf(buf, len, "%s seqno %llu: %s: %u bytes missing "
		    "at offset %u", msg, seq, kind, e->nbytes, e->offset);
	case DET_REPEATED:
		return snprintf(buf, len, "%s seqno %llu: %s: %u bytes "
		    "repeated at offset %u", msg, seq, kind, e->nbytes,
		    e->offset);
	case DET_SWAPPED:
		return snprintf(buf, len, "%s seqno %llu: %s: %u bytes at "
		    "offset %u swapped with the next %u", msg, seq, kind,
		    e->nbytes, e->offset, e->nbytes);
	default:
		return snprintf(buf, len, "%s seqno %llu: %s at offset %u: "
		    "expected 0x%02llx, got 0x%02llx%s", msg, seq, kind,
		    e->offset, (unsigned long long)e->expected,
		    (unsigned long long)e->got, e->detail == DET_INSERTED ?
		    " (foreign bytes inserted)" : "");
	}
}

/*
 * A worker that ended without doing all it was asked: crashed (killed,
 * or no result) or interrupted (stopped early, or an early exit).
 */
static int
format_ended(char *buf, size_t len, const struct flow_error *e)
{
	const char	*who = err_role_name((enum role)e->role);
	const char	*kind = err_kind_name((enum err_kind)e->kind);
	int		 crash = e->kind == ERR_CRASH;

	if (e->signo != 0)
		return snprintf(buf, len, "%s: %s pid %ld %s by signal %d (%s)",
		    kind, who, (long)e->pid, crash ? "killed" : "stopped early",
		    (int)e->signo, strsignal(e->signo));
	if (crash)
		return snprintf(buf, len, "%s: %s pid %ld exited with status "
		    "%d and no result", kind, who, (long)e->pid,
		    (int)e->exit_code);
	return snprintf(buf, len, "%s: %s pid %ld ended early, its work "
	    "unfinished", kind, who, (long)e->pid);
}

static int
format_stall(char *buf, size_t len, const struct flow_error *e)
{
	int	 n;

	n = snprintf(buf, len, "stalled: no progress for %u s, %s %s seqno "
	    "%llu", e->timeout_s, e->detail == DET_SENDING ?
	    "blocked sending" : "waiting for",
	    err_dir_name((enum direction)e->dir),
	    (unsigned long long)e->seqno);
	if (e->expected != 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " (have %llu of %llu "
		    "bytes)", (unsigned long long)e->got,
		    (unsigned long long)e->expected);
	return n;
}

/* The stream ended before all was exchanged: where, and what was missing. */
static int
format_short(char *buf, size_t len, const struct flow_error *e,
    const char *msg)
{
	unsigned long long seq = e->seqno, exp = e->expected, got = e->got;

	if (e->detail == DET_MID_MESSAGE)
		return snprintf(buf, len, "%s seqno %llu: short stream: it "
		    "ended inside the message (have %llu of %llu bytes)", msg,
		    seq, got, exp);
	if (e->detail == DET_HALF_CLOSE)
		return snprintf(buf, len, "%s seqno %llu: short stream: the "
		    "connection ended after our FIN with replies missing (got "
		    "%llu of %llu): the path does not carry a half-close "
		    "(close=half; nginx: proxy_half_close on)", msg, seq, got,
		    exp);
	if (e->detail == DET_CUT)
		return snprintf(buf, len, "%s seqno %llu: short stream: the "
		    "connection ended before the flow's last message", msg,
		    seq);
	if (e->detail == DET_REPLIES_MISSING)
		return snprintf(buf, len, "%s seqno %llu: short stream: the "
		    "peer closed with replies missing (got %llu of %llu)", msg,
		    seq, got, exp);
	return snprintf(buf, len, "%s seqno %llu: short stream: the peer "
	    "closed while we were sending", msg, seq);
}

/* A failed system call, with the message it was moving. */
static int
format_errno(char *buf, size_t len, const struct flow_error *e,
    const char *msg)
{
	const char *kind = err_kind_name((enum err_kind)e->kind);

	if (e->kind == ERR_CONNECT)
		return snprintf(buf, len, "%s: %s: %s", kind, e->call,
		    strerror(e->sys_errno));
	return snprintf(buf, len, "%s seqno %llu: %s: %s: %s", msg,
	    (unsigned long long)e->seqno, kind, e->call,
	    strerror(e->sys_errno));
}

/*
 * Whether the error names a message: all but a flow that could not
 * connect and a worker that crashed or ended early.
 */
int
err_has_seqno(const struct flow_error *e)
{
	return e->kind != ERR_CONNECT && e->kind != ERR_CRASH &&
	    e->kind != ERR_INTERRUPTED;
}

/*
 * The words after "flow N (peer)": what went wrong, exactly, and, when
 * the replier found it in our requests, that it did.
 */
void
err_format(char *buf, size_t len, const struct flow_error *e)
{
	const char	*msg = err_dir_name((enum direction)e->dir);
	int		 n;

	if (e->kind == ERR_CRASH || e->kind == ERR_INTERRUPTED)
		n = format_ended(buf, len, e);
	else if (e->kind == ERR_STALL)
		n = format_stall(buf, len, e);
	else if (e->sys_errno != 0 || e->kind == ERR_IO ||
	    e->kind == ERR_RESET || e->kind == ERR_CONNECT)
		n = format_errno(buf, len, e, msg);
	else if (e->kind == ERR_SHORT)
		n = format_short(buf, len, e, msg);
	else if (e->detail == DET_AFTER_END)
		n = snprintf(buf, len, "%s seqno %llu: %s: %llu bytes after "
		    "the %s", msg, (unsigned long long)e->seqno,
		    err_kind_name((enum err_kind)e->kind),
		    (unsigned long long)e->got, e->dir == DIR_REP ?
		    "closing reply" : "last request");
	else if (is_damage((enum err_detail)e->detail))
		n = format_damage(buf, len, e, msg);
	else
		n = snprintf(buf, len, "%s seqno %llu: %s: %s: expected %llu, "
		    "got %llu", msg, (unsigned long long)e->seqno,
		    err_kind_name((enum err_kind)e->kind),
		    err_detail_name((enum err_detail)e->detail),
		    (unsigned long long)e->expected,
		    (unsigned long long)e->got);
	if (e->by_peer && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (seen by the replier)");
}

/*
 * Copies src into dst (len bytes) with every byte outside printable
 * ASCII, and the backslash, written as an escape (\xNN, \\), so that
 * a diagnostic stays one line of plain text whatever went into it: a
 * name, a path or an argument can hold any byte.
 */
static void
escape(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)src;
	size_t			 n = 0;

	for (; *p != '\0' && n + 5 <= len; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			dst[n++] = (char)*p;
			continue;
		}
		dst[n++] = '\\';
		if (*p == '\\') {
			dst[n++] = '\\';
			continue;
		}
		dst[n++] = 'x';
		dst[n++] = hex[*p >> 4];
		dst[n++] = hex[*p & 0xf];
	}
	dst[n] = '\0';
}

/* Text from elsewhere (a report's label) made safe to print, as above. */
void
log_escape(char *dst, size_t len, const char *src)
{
	escape(dst, len, src);
}

static void
vwarn(int err, const char *fmt, va_list ap)
{
	char	 line[512], safe[4 * sizeof(line)];

	(void)vsnprintf(line, sizeof(line), fmt, ap);
	escape(safe, sizeof(safe), line);
	if (err != 0)
		(void)fprintf(stderr, "seqtest: %s: %s\n", safe, strerror(err));
	else
		(void)fprintf(stderr, "seqtest: %s\n", safe);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
}

/* As log_warnx, with ": " and errno's text at the end. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 err = errno;

	va_start(ap, fmt);
	vwarn(err, fmt, ap);
	va_end(ap);
}
