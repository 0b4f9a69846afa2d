/*
 * The report at the end of a run: the original seqtest's text shape, or
 * one JSON document (-j).  Results on stdout; diagnostics went to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "report.h"

static const char *const mode_names[] = { "none", "send", "sync", "reply" };

static int			 out_errno;	/* first failed write, or 0 */
static volatile sig_atomic_t	*out_stop;	/* set when one fails */

/*
 * A report that cannot be written must not be lost in silence: the run
 * stops as if asked to by a signal, and report_close says so.
 */
void
report_on_failure(volatile sig_atomic_t *stop)
{
	out_stop = stop;
}

int
report_failed(void)
{
	return out_errno != 0;
}

/* Ends a part of the report: flushed, and any failed write noted. */
static void
out_end(FILE *fp)
{
	if (fflush(fp) == 0 && !ferror(fp))
		return;
	if (out_errno == 0)
		out_errno = errno != 0 ? errno : EIO;
	if (out_stop != NULL)
		*out_stop = 1;
}

/*
 * Flushes and closes standard output at exit: a file system may report
 * a failed write only then.  Returns the exit status: status, or 1 when
 * output was lost, which is then said on stderr.
 */
int
report_close(int status)
{
	out_end(stdout);
	/* After EINTR the descriptor is gone on Linux: never retry. */
	if (close(STDOUT_FILENO) == -1 && errno != EINTR && out_errno == 0)
		out_errno = errno;
	if (out_errno == 0)
		return status;
	errno = out_errno;
	log_warn("writing the report");
	return status != 0 ? status : 1;
}

void
report_listening(const char *name)
{
	fprintf(stderr, "Listening on %s\n", name);
}

/* One line on stderr for a flow's first error: flow, peer and detail. */
void
report_flow_error(const struct config *cfg, const struct flow_summary *f)
{
	char	 detail[256];

	err_format(detail, sizeof(detail), &f->first);
	if (cfg->mode == MODE_REPLY)
		log_warnx("connection %u from %s: %s", f->id, f->peer, detail);
	else
		log_warnx("flow %u (%s): %s", f->id, f->peer, detail);
}

void
report_addresses(const struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->nep; i++)
		printf("Address %zu: %s\n", i, cfg->ep[i].name);
	out_end(stdout);
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
print_errors(const struct report_totals *t)
{
	const char	*sep = " (";
	size_t		 k;

	printf("Errors: %llu", (unsigned long long)t->nerrors);
	for (k = 0; k < ERR_KINDS; k++) {
		if (t->errors[k] == 0)
			continue;
		printf("%s%s %llu", sep, err_kind_name((enum err_kind)k),
		    (unsigned long long)t->errors[k]);
		sep = ", ";
	}
	printf("%s\n", t->nerrors ? ")" : "");
}

static void
report_replier(const struct report_totals *t)
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
report_text(const struct config *cfg, const struct report_totals *t)
{
	if (cfg->debug)
		printf("\n");	/* end the line of progress characters */
	if (cfg->mode == MODE_REPLY) {
		report_replier(t);
		out_end(stdout);
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
	out_end(stdout);
}

/*
 * A JSON string: quotes and backslashes escaped, and every byte outside
 * printable ASCII as \u00XX, so that the document is plain ASCII and
 * valid whatever the bytes were (a byte above 0x7f reads as Latin-1).
 */
static void
json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", (unsigned)*p);
		else
			putchar(*p);
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
		json_str(err_kind_key((enum err_kind)k));
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
	printf("\"duration\": %.3f, \"interval\": %.3f}, ",
	    (double)c->duration / NS_PER_SEC, (double)c->interval / NS_PER_SEC);
}

static void
json_flow(const struct flow_summary *f, const char *sep)
{
	char	 detail[256];

	printf("%s{\"id\": %u, \"peer\": ", sep, f->id);
	json_str(f->peer);
	printf(", ");
	json_u64("sent_msgs", f->sent_msgs, ", ");
	json_u64("sent_bytes", f->sent_bytes, ", ");
	json_u64("recv_msgs", f->recv_msgs, ", ");
	json_u64("recv_bytes", f->recv_bytes, ", ");
	json_u64("replies", f->replies, ", \"errors\": ");
	json_errors(f->errors);
	printf(", \"ended\": ");
	if (!f->has_first) {
		json_str(f->failed ? "failed" : "ok");
		printf(", \"first_error\": null}");
		return;
	}
	json_str(err_kind_key((enum err_kind)f->first.kind));
	err_format(detail, sizeof(detail), &f->first);
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
report_json(const struct config *cfg, const struct report_totals *t,
    const struct flow_summary *flows, size_t nflows, int status)
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
		json_flow(&flows[i], sep);
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
	out_end(stdout);
}

/*
 * One interval line, iperf3-like: what moved since the last line, its
 * rate, and the interval's own latency percentiles.  On stderr with -j,
 * so that stdout stays one JSON document.
 */
void
report_interval(const struct config *cfg, uint64_t start_ns,
    const struct report_snapshot *a, const struct report_snapshot *b,
    struct hist *ival)
{
	FILE	*fp = cfg->json ? stderr : stdout;
	double	 secs = (double)(b->ns - a->ns) / NS_PER_SEC;

	fprintf(fp, "[%7.2f-%7.2f s] sent %llu msgs %.1f msg/s %.2f Mbit/s, "
	    "received %llu msgs, %llu replies",
	    (double)(a->ns - start_ns) / NS_PER_SEC,
	    (double)(b->ns - start_ns) / NS_PER_SEC,
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
	out_end(fp);
}

/* -r -j: one document per connection, as it ends (JSON Lines). */
void
report_json_conn(const struct flow_summary *f)
{
	int	 bad = f->failed || f->has_first;

	printf("{\"mode\": \"reply\", \"connection\": ");
	json_flow(f, "");
	printf(", \"exit_status\": %d}\n", bad);
	out_end(stdout);
}

/* A command-line error as a JSON document (-j). */
void
report_json_error(const char *err, int status)
{
	printf("{\"error\": ");
	json_str(err);
	printf(", \"exit_status\": %d}\n", status);
	out_end(stdout);
}
