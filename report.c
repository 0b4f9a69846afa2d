/*
 * The report at the end of a run: the original seqtest's text shape, or
 * one JSON document (-j).  Results on stdout; diagnostics went to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "supervisor.h"

static const char *const mode_names[] = { "none", "send", "sync", "reply" };

/* JSON keys for the error kinds, in enum err_kind's order. */
static const char *const err_keys[ERR_KINDS] = {
	"lost", "duplicated", "out_of_order", "corrupt", "bad_header",
	"short", "stalled", "reset", "io", "connect", "crashed"
};

static const char *
dir_name(uint32_t dir)
{
	return dir == DIR_REQ ? "request" : "reply";
}

/* Damage inside a payload: where, and how many bytes moved. */
static int
format_damage(char *buf, size_t len, const struct flow_error *e,
    const char *msg)
{
	const char *kind = worker_err_name((enum err_kind)e->kind);

	switch (e->kind) {
	case ERR_LOST:
		return snprintf(buf, len, "%s seqno %llu: %s: %u bytes missing "
		    "at offset %u", msg, (unsigned long long)e->seqno, kind,
		    e->nbytes, e->offset);
	case ERR_DUP:
		return snprintf(buf, len, "%s seqno %llu: %s: %u bytes "
		    "repeated at offset %u", msg, (unsigned long long)e->seqno,
		    kind, e->nbytes, e->offset);
	case ERR_ORDER:
		return snprintf(buf, len, "%s seqno %llu: %s: %u bytes at "
		    "offset %u swapped with the next %u", msg,
		    (unsigned long long)e->seqno, kind, e->nbytes, e->offset,
		    e->nbytes);
	default:
		return snprintf(buf, len, "%s seqno %llu: %s at offset %u: "
		    "expected 0x%02llx, got 0x%02llx%s", msg,
		    (unsigned long long)e->seqno, kind, e->offset,
		    (unsigned long long)e->expected,
		    (unsigned long long)e->got, e->nbytes ? " (foreign bytes "
		    "inserted)" : "");
	}
}

static int
format_crash(char *buf, size_t len, const struct flow_error *e)
{
	if (e->sys_errno)
		return snprintf(buf, len, "crashed: %s pid %llu killed by "
		    "signal %llu (%s)", e->what,
		    (unsigned long long)e->expected,
		    (unsigned long long)e->got, strsignal((int)e->got));
	return snprintf(buf, len, "crashed: %s pid %llu exited with status "
	    "%llu and no result", e->what, (unsigned long long)e->expected,
	    (unsigned long long)e->got);
}

static int
format_stall(char *buf, size_t len, const struct flow_error *e)
{
	int	 n;

	n = snprintf(buf, len, "stalled: no progress for %u s, waiting for "
	    "%s seqno %llu", e->offset, dir_name(e->dir),
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

	if (strcmp(e->what, "mid-message") == 0)
		return snprintf(buf, len, "%s seqno %llu: short stream: it "
		    "ended inside the message (have %llu of %llu bytes)", msg,
		    seq, got, exp);
	if (strcmp(e->what, "replies missing") == 0)
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
	const char *kind = worker_err_name((enum err_kind)e->kind);

	if (e->kind == ERR_CONNECT)
		return snprintf(buf, len, "%s: %s: %s", kind, e->what,
		    strerror(e->sys_errno));
	return snprintf(buf, len, "%s seqno %llu: %s: %s: %s", msg,
	    (unsigned long long)e->seqno, kind, e->what,
	    strerror(e->sys_errno));
}

static int
is_payload(const struct flow_error *e)
{
	static const char *const names[] = {
		"payload", "missing", "repeated", "swapped", "inserted"
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(e->what, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * The words after "flow N (peer)": what went wrong, exactly, and, when
 * the replier found it in our requests, that it did.
 */
void
report_format_error(char *buf, size_t len, const struct flow_error *e)
{
	const char	*kind = worker_err_name((enum err_kind)e->kind);
	const char	*msg = dir_name(e->dir);
	int		 n;

	if (e->kind == ERR_CRASH)
		n = format_crash(buf, len, e);
	else if (e->kind == ERR_STALL)
		n = format_stall(buf, len, e);
	else if (e->sys_errno != 0 || e->kind == ERR_IO ||
	    e->kind == ERR_RESET || e->kind == ERR_CONNECT)
		n = format_errno(buf, len, e, msg);
	else if (e->kind == ERR_SHORT)
		n = format_short(buf, len, e, msg);
	else if (is_payload(e))
		n = format_damage(buf, len, e, msg);
	else
		n = snprintf(buf, len, "%s seqno %llu: %s: %s: expected %llu, "
		    "got %llu", msg, (unsigned long long)e->seqno, kind,
		    e->what, (unsigned long long)e->expected,
		    (unsigned long long)e->got);
	if (e->by_peer && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (seen by the replier)");
}

void
report_addresses(const struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->nep; i++)
		printf("Address %zu: %s\n", i, cfg->ep[i].name);
	fflush(stdout);
}

static double
per_sec(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

static void
print_latency(const struct hist *h)
{
	printf("ROUND TRIP LATENCY:\n");
	printf("Average:  %.1f us\n", hist_mean(h) / 1e3);
	printf("Stddev:   %.1f us\n", hist_stddev(h) / 1e3);
	printf("Median:   %.1f us\n", hist_percentile(h, 50.0) / 1e3);
	printf("90.0%%ile: %.1f us\n", hist_percentile(h, 90.0) / 1e3);
	printf("99.0%%ile: %.1f us\n", hist_percentile(h, 99.0) / 1e3);
	printf("99.9%%ile: %.1f us\n", hist_percentile(h, 99.9) / 1e3);
	printf("Minimum:  %.1f us\n", h->min / 1e3);
	printf("Maximum:  %.1f us\n", h->max / 1e3);
}

/* "Errors: 3 (lost 1, corrupt payload 2)", or "Errors: 0". */
static void
print_errors(const struct sup_totals *t)
{
	const char	*sep = " (";
	size_t		 k;

	printf("Errors: %llu", (unsigned long long)t->nerrors);
	for (k = 0; k < ERR_KINDS; k++) {
		if (t->errors[k] == 0)
			continue;
		printf("%s%s %llu", sep, worker_err_name((enum err_kind)k),
		    (unsigned long long)t->errors[k]);
		sep = ", ";
	}
	printf("%s\n", t->nerrors ? ")" : "");
}

static void
report_replier(const struct sup_totals *t)
{
	printf("Connections: %llu, failed %llu\n",
	    (unsigned long long)t->flows, (unsigned long long)t->failed);
	printf("Received: %llu messages, %llu bytes\n",
	    (unsigned long long)t->recv_msgs, (unsigned long long)t->recv_bytes);
	printf("Sent: %llu replies, %llu bytes\n",
	    (unsigned long long)t->sent_msgs, (unsigned long long)t->sent_bytes);
	printf("Time: %.1f us\n", t->secs * 1e6);
	print_errors(t);
}

void
report_text(const struct config *cfg, const struct sup_totals *t)
{
	if (cfg->debug)
		printf("\n");	/* end the line of progress characters */
	if (cfg->mode == MODE_REPLY) {
		report_replier(t);
		fflush(stdout);
		return;
	}
	printf("Received %llu replies\n", (unsigned long long)t->replies);
	printf("Time: %.1f us\n", t->secs * 1e6);
	if (t->lat->count > 0)
		print_latency(t->lat);
	printf("Sent: %llu messages, %llu bytes\n",
	    (unsigned long long)t->sent_msgs, (unsigned long long)t->sent_bytes);
	printf("Received: %llu messages, %llu bytes\n",
	    (unsigned long long)t->recv_msgs, (unsigned long long)t->recv_bytes);
	printf("Message rate: %.1f msg/s sent, %.1f msg/s received\n",
	    per_sec(t->sent_msgs, t->secs), per_sec(t->recv_msgs, t->secs));
	printf("Bit rate: %.2f Mbit/s sent, %.2f Mbit/s received\n",
	    per_sec(t->sent_bytes, t->secs) * 8 / 1e6,
	    per_sec(t->recv_bytes, t->secs) * 8 / 1e6);
	printf("Flows: %llu, failed %llu\n", (unsigned long long)t->flows,
	    (unsigned long long)t->failed);
	print_errors(t);
	printf("Seed: %llu\n", (unsigned long long)cfg->seed);
	fflush(stdout);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned)(unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void
json_u64(const char *key, uint64_t v, const char *after)
{
	printf("\"%s\": %llu%s", key, (unsigned long long)v, after);
}

static void
json_errors(const uint64_t *errors)
{
	uint64_t total = 0;
	size_t	 k;

	printf("{");
	for (k = 0; k < ERR_KINDS; k++) {
		json_str(err_keys[k]);
		printf(": %llu, ", (unsigned long long)errors[k]);
		total += errors[k];
	}
	json_u64("total", total, "}");
}

static void
json_options(const struct config *c)
{
	printf("\"options\": {");
	json_u64("ssize_min", c->ssize.min, ", ");
	json_u64("ssize_max", c->ssize.max, ", ");
	json_u64("rsize_min", c->rsize.min, ", ");
	json_u64("rsize_max", c->rsize.max, ", ");
	json_u64("sdelay_min", c->sdelay.min, ", ");
	json_u64("sdelay_max", c->sdelay.max, ", ");
	json_u64("rdelay_min", c->rdelay.min, ", ");
	json_u64("rdelay_max", c->rdelay.max, ", ");
	json_u64("rinterval", c->rinterval, ", ");
	json_u64("count", c->count, ", ");
	json_u64("threads", c->threads, ", ");
	json_u64("verify", (uint64_t)c->verify, ", ");
	json_u64("timeout", c->timeout, ", ");
	json_u64("maxconn", c->maxconn, ", ");
	json_u64("conns", c->conns, ", ");
	json_u64("rate", c->rate, ", ");
	json_u64("warmup", c->warmup, ", ");
	printf("\"duration\": %.3f, \"interval\": %.3f}, ", c->duration / 1e9,
	    c->interval / 1e9);
}

static void
json_flow(const struct sup_flow *sf, const char *sep, int replier)
{
	const struct flow_shm *shm = sf->shm;
	char	 detail[256];

	printf("%s{\"id\": %u, \"peer\": ", sep, sf->id);
	json_str(sf->peer);
	printf(", ");
	json_u64("sent_msgs", shm->sent_msgs, ", ");
	json_u64("sent_bytes", shm->sent_bytes, ", ");
	json_u64("recv_msgs", shm->recv_msgs, ", ");
	json_u64("recv_bytes", shm->recv_bytes, ", ");
	/* Replies received by a sender; sent, by a replier. */
	json_u64("replies", replier ? shm->sent_msgs : shm->recv_msgs,
	    ", \"errors\": ");
	json_errors(sf->errors);
	printf(", \"ended\": ");
	if (!sf->has_first) {
		json_str(sf->failed ? "failed" : "ok");
		printf(", \"first_error\": null}");
		return;
	}
	json_str(err_keys[sf->first.kind < ERR_KINDS ? sf->first.kind : 0]);
	report_format_error(detail, sizeof(detail), &sf->first);
	printf(", \"first_error\": ");
	json_str(detail);
	printf("}");
}

static void
json_latency(const struct hist *h)
{
	if (h->count == 0) {
		printf("\"latency_us\": null, ");
		return;
	}
	printf("\"latency_us\": {\"count\": %llu, \"mean\": %.3f, "
	    "\"stddev\": %.3f, \"min\": %.3f, \"p50\": %.3f, \"p90\": %.3f, "
	    "\"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}, ",
	    (unsigned long long)h->count, hist_mean(h) / 1e3,
	    hist_stddev(h) / 1e3, h->min / 1e3,
	    hist_percentile(h, 50.0) / 1e3, hist_percentile(h, 90.0) / 1e3,
	    hist_percentile(h, 99.0) / 1e3, hist_percentile(h, 99.9) / 1e3,
	    h->max / 1e3);
}

/*
 * The whole run as one JSON document.  flows is the supervisor's table;
 * only slots that held a flow (sender modes) are listed.
 */
void
report_json(const struct config *cfg, const struct sup_totals *t,
    const struct sup_flow *flows, size_t nflows, int status)
{
	const char	*sep = "";
	size_t		 i;

	printf("{\"version\": ");
	json_str(SEQTEST_VERSION);
	printf(", \"mode\": ");
	json_str(mode_names[cfg->mode]);
	printf(", ");
	json_u64("seed", cfg->seed, ", ");
	json_options(cfg);
	printf("\"flows\": [");
	for (i = 0; cfg->mode != MODE_REPLY && i < nflows; i++) {
		if (flows[i].peer[0] == '\0')
			continue;
		json_flow(&flows[i], sep, 0);
		sep = ", ";
	}
	printf("], ");
	json_u64("connections", t->flows, ", ");
	json_u64("failed", t->failed, ", ");
	json_u64("replies", t->replies, ", ");
	json_u64("sent_msgs", t->sent_msgs, ", ");
	json_u64("sent_bytes", t->sent_bytes, ", ");
	json_u64("recv_msgs", t->recv_msgs, ", ");
	json_u64("recv_bytes", t->recv_bytes, ", ");
	printf("\"duration_s\": %.6f, ", t->secs);
	json_latency(t->lat);
	printf("\"errors\": ");
	json_errors(t->errors);
	printf(", \"exit_status\": %d}\n", status);
	fflush(stdout);
}

/*
 * One interval line, iperf3-like: what moved since the last line, its
 * rate, and the interval's own latency percentiles.  On stderr with -j,
 * so that stdout stays one JSON document.
 */
void
report_interval(const struct config *cfg, uint64_t start_ns,
    const struct sup_snapshot *a, const struct sup_snapshot *b,
    struct hist *ival)
{
	FILE	*fp = cfg->json ? stderr : stdout;
	double	 secs = (double)(b->ns - a->ns) / 1e9;

	fprintf(fp, "[%7.2f-%7.2f s] sent %llu msgs %.1f msg/s %.2f Mbit/s, "
	    "received %llu msgs, %llu replies",
	    (double)(a->ns - start_ns) / 1e9, (double)(b->ns - start_ns) / 1e9,
	    (unsigned long long)(b->sent_msgs - a->sent_msgs),
	    per_sec(b->sent_msgs - a->sent_msgs, secs),
	    per_sec(b->sent_bytes - a->sent_bytes, secs) * 8 / 1e6,
	    (unsigned long long)(b->recv_msgs - a->recv_msgs),
	    (unsigned long long)(b->replies - a->replies));
	hist_diff(ival, b->lat, a->lat);
	if (ival->count > 0)
		fprintf(fp, ", p50 %.1f us, p99 %.1f us",
		    hist_percentile(ival, 50.0) / 1e3,
		    hist_percentile(ival, 99.0) / 1e3);
	fprintf(fp, ", errors %llu\n", (unsigned long long)b->errors);
	fflush(fp);
}

/* -r -j: one document per connection, as it ends (JSON Lines). */
void
report_json_conn(const struct sup_flow *sf)
{
	int	 bad = sf->failed || sf->has_first;

	printf("{\"mode\": \"reply\", \"connection\": ");
	json_flow(sf, "", 1);
	printf(", \"exit_status\": %d}\n", bad);
	fflush(stdout);
}
