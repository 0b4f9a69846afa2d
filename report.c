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
#include "options.h"
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
 * output was lost, which is then said on stderr: a failed run, which
 * wins over a missed expect= as over a clean run.
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
	return status != 0 && status != EXIT_MISSED ? status : 1;
}

void
report_listening(const char *name)
{
	fprintf(stderr, "Listening on %s\n", name);
}

/*
 * A flow's first error in words; a stall's with what the kernel saw
 * then: data unacknowledged and retransmitted means a dead path, a
 * send held back by the peer's window a peer that stopped reading.
 */
static void
format_detail(char *buf, size_t len, const struct flow_summary *f)
{
	const uint64_t	*k = f->stall.v;
	size_t		 n;

	err_format(buf, len, &f->first);
	if (f->first.kind != ERR_STALL ||
	    !TCPV_HAS(&f->stall, TCPV_SNDBUF_LIMITED))
		return;
	n = strlen(buf);
	/* Signed, the times convert to double in one instruction. */
	snprintf(buf + n, len - n, " (kernel: %llu segments unacknowledged, "
	    "%llu retransmits, rwnd-limited %.1f s, sndbuf-limited %.1f s)",
	    (unsigned long long)k[TCPV_UNACKED],
	    (unsigned long long)k[TCPV_RETRANS],
	    (int64_t)k[TCPV_RWND_LIMITED] / 1e6,
	    (int64_t)k[TCPV_SNDBUF_LIMITED] / 1e6);
}

/* One line on stderr for a flow's first error: flow, peer and detail. */
void
report_flow_error(const struct config *cfg, const struct flow_summary *f)
{
	char	 detail[320];

	format_detail(detail, sizeof(detail), f);
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

/* Messages a second over secs: the report's message rates. */
double
report_msg_rate(uint64_t msgs, double secs)
{
	return per_sec(msgs, secs);
}

/* Bytes over secs in Mbit/s, a megabit 10^6 bits: the report's bit rates. */
double
report_mbit_rate(uint64_t bytes, double secs)
{
	return per_sec(bytes, secs) * 8 / 1e6;
}

/* One block of latencies, headed as the original's, with its measure. */
static void
print_latency(const struct hist *h, const char *measure)
{
	printf("ROUND TRIP LATENCY%s:\n", measure);
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

/* The kernel's view over the run; nothing where it gave none. */
static void
print_tcp(const struct report_totals *t)
{
	if (t->rtt != NULL && t->rtt->count != 0)
		printf("TCP: retransmits %llu, rtt p50 %llu us, max %llu us\n",
		    (unsigned long long)t->tcp_retrans,
		    (unsigned long long)hist_percentile(t->rtt, 50.0),
		    (unsigned long long)t->rtt->max);
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
	print_tcp(t);
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
	/* With rate=, the two measures (flow.h), the headline first. */
	if (cfg->rate == 0 && t->lat->count > 0)
		print_latency(t->lat, "");
	else if (t->lat->count > 0) {
		print_latency(t->lat, " (response time, from the schedule)");
		print_latency(t->svc, " (service time, from the send)");
	}
	printf("Sent: %llu messages, %llu bytes\n",
	    (unsigned long long)t->sent_msgs, (unsigned long long)t->sent_bytes);
	printf("Received: %llu messages, %llu bytes\n",
	    (unsigned long long)t->recv_msgs, (unsigned long long)t->recv_bytes);
	printf("Message rate: %.1f msg/s sent, %.1f msg/s received\n",
	    report_msg_rate(t->sent_msgs, t->secs),
	    report_msg_rate(t->recv_msgs, t->secs));
	printf("Bit rate: %.2f Mbit/s sent, %.2f Mbit/s received\n",
	    report_mbit_rate(t->sent_bytes, t->secs),
	    report_mbit_rate(t->recv_bytes, t->secs));
	printf("Flows: %llu, failed %llu\n", (unsigned long long)t->flows,
	    (unsigned long long)t->failed);
	print_tcp(t);
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

/* A value, or null where the kernel did not give it. */
static void
json_u64_or_null(const char *key, int have, uint64_t v, const char *after)
{
	if (have)
		json_u64(key, v, after);
	else
		printf("\"%s\": null%s", key, after);
}

/* A flow's "tcp": the kernel's view at its end. */
static void
json_tcp_view(const struct tcp_view *tv)
{
	unsigned f;

	printf(", \"tcp\": {");
	for (f = 0; f < TCPV_FIELDS; f++)
		json_u64_or_null(tcpv_key((enum tcpv_field)f),
		    TCPV_HAS(tv, f), tv->v[f],
		    f + 1 < TCPV_FIELDS ? ", " : "}");
}

/*
 * The run's "tcp": retransmits over its flows, their rtt's median and
 * largest; all null without a view (or a run that was never set up).
 */
static void
json_tcp_totals(const struct report_totals *t)
{
	const struct hist	*h = t->rtt;
	int			 have = h != NULL && h->count != 0;

	printf("\"tcp\": {");
	json_u64_or_null("retrans", have, t->tcp_retrans, ", ");
	json_u64_or_null("rtt_us_p50", have,
	    have ? hist_percentile(h, 50.0) : 0, ", ");
	json_u64_or_null("rtt_us_max", have, have ? h->max : 0, "}, ");
}

/* Every option's value, by name, from options.c's table. */
static void
json_options(const struct config *c)
{
	struct opt_value v;
	const char	*sep = "";
	size_t		 i, n;

	printf("\"options\": {");
	for (i = 0; i < opt_count(); i++)
		for (n = 0; opt_value(c, i, n, &v) == 0; n++) {
			printf("%s", sep);
			json_str(v.key);
			if (v.type == OPT_NUMBER)
				printf(": %llu", (unsigned long long)v.num);
			else if (v.type == OPT_SECONDS)
				printf(": %.3f", (double)v.num / NS_PER_SEC);
			else if (v.str != NULL) {
				printf(": ");
				json_str(v.str);
			} else
				printf(": null");
			sep = ", ";
		}
	printf("}, ");
}

static void
json_flow(const struct flow_summary *f, const char *sep)
{
	char	 detail[320];

	printf("%s{\"id\": %u, \"peer\": ", sep, f->id);
	json_str(f->peer);
	printf(", ");
	json_u64("sent_msgs", f->sent_msgs, ", ");
	json_u64("sent_bytes", f->sent_bytes, ", ");
	json_u64("recv_msgs", f->recv_msgs, ", ");
	json_u64("recv_bytes", f->recv_bytes, ", ");
	json_u64("replies", f->replies, ", \"errors\": ");
	json_errors(f->errors);
	json_tcp_view(&f->tcp);
	printf(", \"ended\": ");
	if (!f->has_first) {
		json_str(f->failed ? "failed" : f->cut_short ? "interrupted" :
		    "ok");
		printf(", \"first_error\": null}");
		return;
	}
	json_str(err_kind_key((enum err_kind)f->first.kind));
	format_detail(detail, sizeof(detail), f);
	printf(", \"first_error\": ");
	json_str(detail);
	printf("}");
}

static void
json_latency(const char *key, const struct hist *h)
{
	if (h == NULL || h->count == 0) {
		printf("\"%s\": null, ", key);
		return;
	}
	printf("\"%s\": {\"count\": %llu, \"mean\": %.3f, "
	    "\"stddev\": %.3f, \"min\": %.3f, \"p50\": %.3f, \"p90\": %.3f, "
	    "\"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}, ",
	    key, (unsigned long long)h->count, hist_mean(h) / 1e3,
	    hist_stddev(h) / 1e3, h->min / 1e3,
	    hist_percentile(h, 50.0) / 1e3, hist_percentile(h, 90.0) / 1e3,
	    hist_percentile(h, 99.0) / 1e3, hist_percentile(h, 99.9) / 1e3,
	    h->max / 1e3);
}

/*
 * expect='s conditions as the run met them: {"cond", "value", "held"},
 * the value null where there was no figure to judge.
 */
static void
json_expect(const struct report_expect *e, size_t n)
{
	size_t	 i;

	printf("\"expect\": [");
	for (i = 0; i < n; i++) {
		printf("%s{\"cond\": ", i > 0 ? ", " : "");
		json_str(e[i].cond);
		if (e[i].have)
			printf(", \"value\": %.15g", e[i].value);
		else
			printf(", \"value\": null");
		printf(", \"held\": %s}", e[i].held ? "true" : "false");
	}
	printf("], ");
}

/*
 * The whole run as one JSON document.  flows is the supervisor's table;
 * only slots that held a flow (sender modes) are listed.  expect holds
 * the verdicts on expect='s conditions, cfg->nexpect of them.
 */
void
report_json(const struct config *cfg, const struct report_totals *t,
    const struct flow_summary *flows, size_t nflows,
    const struct report_expect *expect, int status)
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
	json_latency("latency_us", t->lat);
	if (cfg->rate != 0)
		json_latency("service_us", t->svc);
	json_tcp_totals(t);
	printf("\"errors\": ");
	json_errors(t->errors);
	printf(", ");
	if (cfg->nexpect > 0)
		json_expect(expect, cfg->nexpect);
	printf("\"exit_status\": %d}\n", status);
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
	    report_msg_rate(b->sent_msgs - a->sent_msgs, secs),
	    report_mbit_rate(b->sent_bytes - a->sent_bytes, secs),
	    (unsigned long long)(b->recv_msgs - a->recv_msgs),
	    (unsigned long long)(b->replies - a->replies));
	hist_diff(ival, b->lat, a->lat);
	if (ival->count > 0)
		fprintf(fp, ", p50 %.1f us, p99 %.1f us",
		    hist_percentile(ival, 50.0) / 1e3,
		    hist_percentile(ival, 99.0) / 1e3);
	if (b->rtt_flows != 0)
		fprintf(fp, ", retransmits %llu, rtt p50 %llu us",
		    (unsigned long long)b->tcp_retrans,
		    (unsigned long long)b->rtt_us);
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
