/*
 * The report at the end of a run: the original seqtest's text shape, or
 * one JSON document (-j), or JSON lines as the run goes (-J).  Results
 * on stdout; diagnostics went to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "options.h"
#include "report.h"
#include "wallclock.h"

#define DETAIL_MAX	512	/* a flow's first error, in words */

static const char *const mode_names[] = {
	"none", "send", "sync", "reply", "merge"
};

static int	 out_errno;	/* first failed write, or 0 */

/*
 * A report that cannot be written must not be lost in silence: the
 * supervisor stops the run when this says so, and report_close says so.
 */
int
report_failed(void)
{
	return out_errno != 0;
}

/* Notes a write of the report that failed with err. */
static void
out_fail(int err)
{
	if (out_errno == 0)
		out_errno = err != 0 ? err : EIO;
}

/* Ends a part of the report: flushed, and any failed write noted. */
static void
out_end(FILE *fp)
{
	if (fflush(fp) != 0 || ferror(fp))
		out_fail(errno);
}

/*
 * -J: each object is made in memory and written whole by write(2), not
 * through stdout's buffer, so that a run killed at any moment leaves
 * only whole lines (at worst, a long line that a kill cut in the middle
 * of its write(2), without its newline).
 */
struct line {
	FILE	*fp;
	char	*buf;
	size_t	 len;
};

/* Starts an object of a type; returns where to write its members. */
static FILE *
line_open(struct line *l, const char *type)
{
	l->buf = NULL;
	l->len = 0;
	if ((l->fp = open_memstream(&l->buf, &l->len)) == NULL) {
		out_fail(errno);
		return NULL;
	}
	fprintf(l->fp, "{\"type\": \"%s\", ", type);
	return l->fp;
}

/* Ends the object, with its newline, and writes it, all of it. */
static void
line_write(struct line *l)
{
	const char	*p;
	size_t		 left;
	ssize_t		 n;

	fputs("}\n", l->fp);
	if (fclose(l->fp) != 0) {
		out_fail(errno);
		free(l->buf);
		return;
	}
	for (p = l->buf, left = l->len; left > 0 && out_errno == 0;) {
		if ((n = write(STDOUT_FILENO, p, left)) == -1) {
			if (errno != EINTR)
				out_fail(errno);
			continue;
		}
		p += n;
		left -= (size_t)n;
	}
	free(l->buf);
}

const char *
report_mode_name(enum mode m)
{
	return (unsigned)m <= MODE_MERGE ? mode_names[m] : "none";
}

/*
 * The exit status of a run of status that also lost output (its report
 * or its plot): a failed run, 1, which wins over a missed expect= as
 * over a clean run, not over a failure already there.
 */
int
report_fail_status(int status)
{
	return status != EXIT_PASSED && status != EXIT_MISSED ? status :
	    EXIT_FAILED;
}

/*
 * Flushes and closes standard output at exit: a file system may report
 * a failed write only then.  Returns the exit status: status, or as
 * report_fail_status says when output was lost, which is then said on
 * stderr.
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
	return report_fail_status(status);
}

void
report_listening(const char *name)
{
	fprintf(stderr, "Listening on %s\n", name);
}

/*
 * Which way a stalled connection stopped, in words, from this end's
 * side: a replier's own data are replies and its peer is the sender.
 * Nothing when the kernel did not say.
 */
static size_t
stall_verdict(char *buf, size_t len, const struct flow_summary *f)
{
	const struct tcp_wait	*tw = &f->stall_wait;
	int			 rep = f->first.role == ROLE_REPLIER;
	const char		*ours = rep ? "replies" : "requests";
	const char		*peer = rep ? "sender" : "replier";
	int			 n = 0;

	switch (tcpv_stopped(tw)) {
	case TCPS_NOT_THROUGH:
		n = snprintf(buf, len, ": %s are not getting through; no ACK "
		    "for %.1f s", ours, tw->ack_recv_ms / 1e3);
		break;
	case TCPS_NOT_READ:
		n = snprintf(buf, len, ": the %s stopped reading; its window "
		    "is closed and our %s wait in the send buffer", peer,
		    ours);
		break;
	case TCPS_SILENT:
		n = snprintf(buf, len, ": nothing arrives from the %s for "
		    "%.1f s; all our %s are acknowledged", peer,
		    tw->data_recv_ms / 1e3, ours);
		break;
	default:
		break;
	}
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/*
 * A flow's first error in words; a stall's with what the kernel saw
 * then: which way data stopped, and its figures.  Data unacknowledged
 * and retransmitted means a dead path, a send held back by the peer's
 * window a peer that stopped reading.
 */
static void
format_detail(char *buf, size_t len, const struct flow_summary *f)
{
	const uint64_t	*k = f->stall.v;
	size_t		 n;

	err_format(buf, len, &f->first);
	if (f->first.kind != ERR_STALL)
		return;
	n = strlen(buf);
	n += stall_verdict(buf + n, len - n, f);
	if (!TCPV_HAS(&f->stall, TCPV_SNDBUF_LIMITED))
		return;
	/* Signed, the times convert to double in one instruction. */
	snprintf(buf + n, len - n, " (kernel: %llu segments unacknowledged, "
	    "%llu retransmits, rwnd-limited %.1f s, sndbuf-limited %.1f s)",
	    (unsigned long long)k[TCPV_UNACKED],
	    (unsigned long long)k[TCPV_RETRANS],
	    (int64_t)k[TCPV_RWND_LIMITED] / 1e6,
	    (int64_t)k[TCPV_SNDBUF_LIMITED] / 1e6);
}

/* -J: a flow's first error, with the words of its diagnostic. */
static void
error_line(const struct flow_summary *f, const char *detail)
{
	const struct flow_error	*e = &f->first;
	struct line		 l;

	if (line_open(&l, "error") == NULL)
		return;
	fprintf(l.fp, "\"flow\": %u, \"peer\": ", f->id);
	json_put_str(l.fp, f->peer);
	fputs(", \"kind\": ", l.fp);
	json_put_str(l.fp, err_kind_key((enum err_kind)e->kind));
	if (err_has_seqno(e))
		fprintf(l.fp, ", \"seqno\": %llu, \"detail\": ",
		    (unsigned long long)e->seqno);
	else
		fputs(", \"seqno\": null, \"detail\": ", l.fp);
	json_put_str(l.fp, detail);
	line_write(&l);
}

/*
 * One line on stderr for a flow's first error: flow, peer and detail;
 * with -J, an object too.
 */
void
report_flow_error(const struct config *cfg, const struct flow_summary *f)
{
	char	 detail[DETAIL_MAX];

	format_detail(detail, sizeof(detail), f);
	if (cfg->mode == MODE_REPLY)
		log_warnx("connection %u from %s: %s", f->id, f->peer, detail);
	else
		log_warnx("flow %u (%s): %s", f->id, f->peer, detail);
	if (cfg->json == JSON_LINES)
		error_line(f, detail);
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

/*
 * The ids of the flows never started, as ranges: "0-3, 7, 9-15".  Each
 * flow's slot is its id: a run after all those not started is ranges.
 */
static void
print_id_ranges(const struct flow_summary *f, size_t n)
{
	const char	*sep = "";
	size_t		 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; f[i].not_started && j < n && f[j].not_started &&
		    f[j].id == f[j - 1].id + 1; j++)
			;
		if (!f[i].not_started)
			continue;
		if (j - i == 1)
			printf("%s%u", sep, f[i].id);
		else
			printf("%s%u-%u", sep, f[i].id, f[j - 1].id);
		sep = ", ";
	}
}

/* "Not started: 12 flows (4-15)", in a run that ended before they did. */
static void
print_not_started(const struct report_totals *t)
{
	if (t->not_started == 0)
		return;
	printf("Not started: %llu flow%s (", (unsigned long long)t->not_started,
	    t->not_started == 1 ? "" : "s");
	print_id_ranges(t->sums, t->nsums);
	printf(")\n");
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

/* Is anything about the path worth a line? */
static int
path_notable(const struct report_path *p)
{
	return (p->mss_req != 0 && p->mss_req < PATH_MSS_NOTABLE) ||
	    (p->mss_rep != 0 && p->mss_rep < PATH_MSS_NOTABLE) ||
	    p->seen[0] != '\0' || p->idle_ns >= PATH_IDLE_NOTABLE;
}

/* Path: the facts of struct report_path, when one of them is notable. */
static void
print_path(const struct report_totals *t)
{
	const struct report_path *p = &t->path;

	if (!path_notable(p))
		return;
	printf("Path: MSS ");
	if (p->mss_req != 0)
		printf("%u requests%s", p->mss_req, p->mss_rep ? ", " : "");
	if (p->mss_rep != 0)
		printf("%u replies", p->mss_rep);
	if (p->mss_req == 0 && p->mss_rep == 0)
		printf("unknown");
	if (p->connect_ns != 0)
		printf("; connect %.1f ms", (double)p->connect_ns / 1e6);
	if (p->idle_ns >= PATH_IDLE_NOTABLE)
		printf("; %.1f s idle before a failure",
		    (double)p->idle_ns / 1e9);
	if (p->seen[0] != '\0')
		printf("; the replier saw %s, we are %s: a NAT or proxy is in "
		    "the path", p->seen, p->local);
	printf("\n");
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
	print_path(t);
	print_errors(t);
	if (t->merged != 0)
		printf("Merged: %zu documents\n", t->merged);
}

/*
 * label=, seed_index= and start_at='s lines, for runs of many hosts:
 * the wall clock at the start, against start_at, shows their skew.
 */
static void
print_run_names(const struct config *cfg, const struct report_totals *t)
{
	char	 at[WALL_TEXT], wall[WALL_TEXT];

	if (t->merged != 0)
		return;
	if (cfg->label != NULL)
		printf("Label: %s\n", cfg->label);
	if (cfg->seed_index != 0)
		printf("Seed index: %llu\n",
		    (unsigned long long)cfg->seed_index);
	if (t->start_wall_ns == 0)
		return;
	wall_format(cfg->start_at_ns, at, sizeof(at));
	wall_format(t->start_wall_ns, wall, sizeof(wall));
	printf("Start: %s by this host's clock, start_at %s, %+.3f ms\n",
	    wall, at, ((double)t->start_wall_ns - (double)cfg->start_at_ns) /
	    1e6);
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
	print_not_started(t);
	print_tcp(t);
	print_path(t);
	print_errors(t);
	/* Merged runs had seeds of their own, in their documents. */
	if (t->merged != 0)
		printf("Merged: %zu documents\n", t->merged);
	else
		printf("Seed: %llu\n", (unsigned long long)cfg->seed);
	print_run_names(cfg, t);
	out_end(stdout);
}

static void
json_u64(FILE *fp, const char *key, uint64_t v, const char *after)
{
	fprintf(fp, "\"%s\": %llu%s", key, (unsigned long long)v, after);
}

static void
json_errors(FILE *fp, const uint64_t *errors)
{
	uint64_t total = 0;
	size_t	 k;

	putc('{', fp);
	for (k = 0; k < ERR_KINDS; k++) {
		json_put_str(fp, err_kind_key((enum err_kind)k));
		fprintf(fp, ": %llu, ", (unsigned long long)errors[k]);
		total += errors[k];
	}
	json_u64(fp, "total", total, "}");
}

/* A value, or null where the kernel did not give it. */
static void
json_u64_or_null(FILE *fp, const char *key, int have, uint64_t v,
    const char *after)
{
	if (have)
		json_u64(fp, key, v, after);
	else
		fprintf(fp, "\"%s\": null%s", key, after);
}

/* A flow's "tcp": the kernel's view at its end. */
static void
json_tcp_view(FILE *fp, const struct tcp_view *tv)
{
	unsigned f;

	fputs(", \"tcp\": {", fp);
	for (f = 0; f < TCPV_FIELDS; f++)
		json_u64_or_null(fp, tcpv_key((enum tcpv_field)f),
		    TCPV_HAS(tv, f), tv->v[f],
		    f + 1 < TCPV_FIELDS ? ", " : "}");
}

/*
 * The run's "tcp": retransmits over its flows, their rtt's median and
 * largest; all null without a view (or a run that was never set up).
 */
static void
json_tcp_totals(FILE *fp, const struct report_totals *t)
{
	const struct hist	*h = t->rtt;
	int			 have = h != NULL && h->count != 0;

	fputs("\"tcp\": {", fp);
	json_u64_or_null(fp, "retrans", have, t->tcp_retrans, ", ");
	json_u64_or_null(fp, "rtt_us_p50", have,
	    have ? hist_percentile(h, 50.0) : 0, ", ");
	json_u64_or_null(fp, "rtt_us_max", have, have ? h->max : 0, "}, ");
}

/* Every option's value, by name, from options.c's table. */
static void
json_options(FILE *fp, const struct config *c)
{
	struct opt_value v;
	const char	*sep = "";
	size_t		 i, n;

	fputs("\"options\": {", fp);
	for (i = 0; i < opt_count(); i++)
		for (n = 0; opt_value(c, i, n, &v) == 0; n++) {
			fputs(sep, fp);
			json_put_str(fp, v.key);
			if (v.type == OPT_NUMBER)
				fprintf(fp, ": %llu", (unsigned long long)v.num);
			else if (v.type == OPT_SECONDS)
				fprintf(fp, ": %.3f", (double)v.num / NS_PER_SEC);
			else if (v.str != NULL) {
				fputs(": ", fp);
				json_put_str(fp, v.str);
			} else
				fputs(": null", fp);
			sep = ", ";
		}
	fputs("}, ", fp);
}

/* What every document starts with: the version that wrote it, the mode. */
static void
json_version(FILE *fp, enum mode m)
{
	fputs("\"version\": ", fp);
	json_put_str(fp, SEQTEST_VERSION);
	fputs(", \"mode\": ", fp);
	json_put_str(fp, report_mode_name(m));
	fputs(", ", fp);
}

/* A run's own: its version, mode, seed and options. */
static void
json_head(FILE *fp, const struct config *cfg)
{
	json_version(fp, cfg->mode);
	json_u64(fp, "seed", cfg->seed, ", ");
	json_options(fp, cfg);
}

static const char *const view_states[] = {
	"no record", "open", "ended", "does not say", "unreachable"
};

/* A flow's "path": its facts, ours and, where asked, the replier's. */
static void
json_path(FILE *fp, const struct flow_summary *f)
{
	const struct proto_view *v = &f->view;
	int	 seen = v->key != 0 && (v->state == VIEW_ENDED ||
	    v->state == VIEW_LIVE);

	fputs(", \"path\": {\"local\": ", fp);
	json_put_str(fp, f->local);
	fputs(", ", fp);
	json_u64_or_null(fp, "connect_us", f->connect_ns != 0,
	    f->connect_ns / 1000, ", ");
	json_u64_or_null(fp, "mss", f->mss != 0, f->mss, ", ");
	json_u64_or_null(fp, "peer_mss", seen && v->mss != 0, v->mss, ", ");
	fputs("\"replier_saw\": ", fp);
	if (seen)
		json_put_str(fp, v->peer);
	else
		fputs("null", fp);
	fprintf(fp, ", \"nat\": %s, ", seen && strcmp(v->peer, f->local) ?
	    "true" : "false");
	json_u64_or_null(fp, "idle_ms", f->failed && f->idle_ns != 0,
	    f->idle_ns / 1000000, "}");
}

/* A failed flow's "peer_view": what its replier saw, and the line. */
static void
json_peer_view(FILE *fp, const struct flow_summary *f)
{
	const struct proto_view *v = &f->view;

	fputs(", \"peer_view\": ", fp);
	if (v->key == 0 || f->view_line[0] == '\0') {
		fputs("null", fp);
		return;
	}
	fputs("{\"state\": ", fp);
	json_put_str(fp, view_states[v->state <= VIEW_UNREACHABLE ?
	    v->state : VIEW_FOREIGN]);
	fputs(", \"ended\": ", fp);
	if (v->state == VIEW_ENDED)
		json_put_str(fp, v->kind == 0 ? "ok" :
		    err_kind_key((enum err_kind)(v->kind - 1)));
	else
		fputs("null", fp);
	fputs(", ", fp);
	json_u64(fp, "seqno", v->seqno, ", ");
	json_u64(fp, "replies", v->replies, ", ");
	json_u64(fp, "idle_ms", v->idle_ns / 1000000, ", \"line\": ");
	json_put_str(fp, f->view_line);
	putc('}', fp);
}

static void
json_flow(FILE *fp, const struct flow_summary *f, const char *sep)
{
	char	 detail[DETAIL_MAX];

	fprintf(fp, "%s{\"id\": %u, \"peer\": ", sep, f->id);
	json_put_str(fp, f->peer);
	fputs(", ", fp);
	json_u64(fp, "sent_msgs", f->sent_msgs, ", ");
	json_u64(fp, "sent_bytes", f->sent_bytes, ", ");
	json_u64(fp, "recv_msgs", f->recv_msgs, ", ");
	json_u64(fp, "recv_bytes", f->recv_bytes, ", ");
	json_u64(fp, "replies", f->replies, ", \"errors\": ");
	json_errors(fp, f->errors);
	json_tcp_view(fp, &f->tcp);
	json_path(fp, f);
	json_peer_view(fp, f);
	fputs(", \"ended\": ", fp);
	if (!f->has_first) {
		json_put_str(fp, f->not_started ? "not_started" : f->failed ?
		    "failed" : f->cut_short ? "interrupted" : "ok");
		fputs(", \"first_error\": null}", fp);
		return;
	}
	json_put_str(fp, err_kind_key((enum err_kind)f->first.kind));
	format_detail(detail, sizeof(detail), f);
	fputs(", \"first_error\": ", fp);
	json_put_str(fp, detail);
	putc('}', fp);
}

static void
json_latency(FILE *fp, const char *key, const struct hist *h)
{
	if (h == NULL || h->count == 0) {
		fprintf(fp, "\"%s\": null, ", key);
		return;
	}
	fprintf(fp, "\"%s\": {\"count\": %llu, \"mean\": %.3f, "
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
json_expect(FILE *fp, const struct report_expect *e, size_t n)
{
	size_t	 i;

	fputs("\"expect\": [", fp);
	for (i = 0; i < n; i++) {
		fprintf(fp, "%s{\"cond\": ", i > 0 ? ", " : "");
		json_put_str(fp, e[i].cond);
		if (e[i].have)
			fprintf(fp, ", \"value\": %.15g", e[i].value);
		else
			fputs(", \"value\": null", fp);
		fprintf(fp, ", \"held\": %s}", e[i].held ? "true" : "false");
	}
	fputs("], ", fp);
}

/*
 * A histogram, lossless: "PREFIXhistogram", its non-empty buckets as
 * [lowest value in ns, count], and "PREFIXhistogram_moments", what a
 * merge needs besides to give exact min, max, mean and stddev (sumsq
 * with all the digits that make the same double again).
 */
static void
json_hist(FILE *fp, const char *prefix, const struct hist *h)
{
	const char	*sep = "";
	uint64_t	 v, n;
	size_t		 i = HIST_BUCKETS;

	fprintf(fp, "\"%shistogram\": [", prefix);
	if (h != NULL)
		i = hist_next(h, 0, &v, &n);
	for (; i < HIST_BUCKETS; i = hist_next(h, i + 1, &v, &n)) {
		fprintf(fp, "%s[%llu, %llu]", sep, (unsigned long long)v,
		    (unsigned long long)n);
		sep = ", ";
	}
	fprintf(fp, "], \"%shistogram_moments\": ", prefix);
	if (h == NULL || h->count == 0) {
		fputs("null, ", fp);
		return;
	}
	fprintf(fp, "{\"count\": %llu, \"min_ns\": %llu, \"max_ns\": %llu, "
	    "\"sum_ns\": %llu, \"sumsq_ns2\": %.17g, \"overflow\": %llu}, ",
	    (unsigned long long)h->count, (unsigned long long)h->min,
	    (unsigned long long)h->max, (unsigned long long)h->sum, h->sumsq,
	    (unsigned long long)h->overflow);
}

/* A latency in microseconds, or null when the interval had none. */
static void
json_us(FILE *fp, const char *key, const struct interval *iv, uint64_t ns)
{
	if (iv->latencies != 0)
		fprintf(fp, "\"%s\": %.3f, ", key, ns / 1e3);
	else
		fprintf(fp, "\"%s\": null, ", key);
}

/* An interval's members, as its object in "intervals" or its -J line. */
static void
json_interval(FILE *fp, const struct interval *iv)
{
	fprintf(fp, "\"start_s\": %.6f, \"end_s\": %.6f, ",
	    (double)iv->start_ns / NS_PER_SEC, (double)iv->end_ns / NS_PER_SEC);
	json_u64(fp, "sent_msgs", iv->sent_msgs, ", ");
	json_u64(fp, "sent_bytes", iv->sent_bytes, ", ");
	json_u64(fp, "recv_msgs", iv->recv_msgs, ", ");
	json_u64(fp, "recv_bytes", iv->recv_bytes, ", ");
	json_u64(fp, "replies", iv->replies, ", ");
	json_us(fp, "p50_us", iv, iv->p50_ns);
	json_us(fp, "p99_us", iv, iv->p99_ns);
	json_us(fp, "max_us", iv, iv->max_ns);
	json_u64(fp, "errors", iv->errors, "");
}

/* interval='s, in order; plot='s own, without interval=, are not. */
static void
json_intervals(FILE *fp, const struct config *cfg,
    const struct report_totals *t)
{
	size_t	 i;

	fputs("\"intervals\": [", fp);
	for (i = 0; cfg->interval != 0 && i < t->nivals; i++) {
		fputs(i > 0 ? ", {" : "{", fp);
		json_interval(fp, &t->ivals[i]);
		putc('}', fp);
	}
	fputs("], ", fp);
}

/*
 * From the totals to the exit status, the document's last member;
 * expect holds the verdicts on expect='s conditions, cfg->nexpect of
 * them (none in a merged document).
 */
static void
json_totals(FILE *fp, const struct config *cfg, const struct report_totals *t,
    const struct report_expect *expect, int status)
{
	json_u64(fp, "connections", t->flows, ", ");
	json_u64(fp, "failed", t->failed, ", ");
	json_u64(fp, "replies", t->replies, ", ");
	json_u64(fp, "sent_msgs", t->sent_msgs, ", ");
	json_u64(fp, "sent_bytes", t->sent_bytes, ", ");
	json_u64(fp, "recv_msgs", t->recv_msgs, ", ");
	json_u64(fp, "recv_bytes", t->recv_bytes, ", ");
	fprintf(fp, "\"duration_s\": %.6f, ", t->secs);
	json_latency(fp, "latency_us", t->lat);
	if (cfg->rate != 0)
		json_latency(fp, "service_us", t->svc);
	json_hist(fp, "", t->lat);
	if (cfg->rate != 0)
		json_hist(fp, "service_", t->svc);
	json_tcp_totals(fp, t);
	fputs("\"errors\": ", fp);
	json_errors(fp, t->errors);
	fputs(", ", fp);
	if (expect != NULL && cfg->nexpect > 0)
		json_expect(fp, expect, cfg->nexpect);
	fprintf(fp, "\"exit_status\": %d", status);
}

/* start_at=: the run's time and the host's clock at its start. */
static void
json_start_clock(FILE *fp, const struct config *cfg,
    const struct report_totals *t)
{
	char	 wall[WALL_TEXT];

	wall_format(t->start_wall_ns, wall, sizeof(wall));
	json_u64(fp, "start_at_ns", cfg->start_at_ns, ", ");
	json_u64(fp, "start_wall_ns", t->start_wall_ns, ", \"start_wall\": ");
	json_put_str(fp, wall);
	fputs(", ", fp);
}

/* "not_started": the ids of the flows never started, in a sender run. */
static void
json_not_started(FILE *fp, const struct flow_summary *flows, size_t n)
{
	const char	*sep = "";
	size_t		 i;

	fputs("\"not_started\": [", fp);
	for (i = 0; i < n; i++)
		if (flows[i].not_started) {
			fprintf(fp, "%s%u", sep, flows[i].id);
			sep = ", ";
		}
	fputs("], ", fp);
}

/*
 * A run's document, after its opening brace.  flows is the supervisor's
 * table; only slots that held a flow (sender modes) are listed.
 */
static void
json_run(FILE *fp, const struct config *cfg, const struct report_totals *t,
    const struct flow_summary *flows, size_t nflows,
    const struct report_expect *expect, int status)
{
	const char	*sep = "";
	size_t		 i;

	json_head(fp, cfg);
	if (t->start_wall_ns != 0)
		json_start_clock(fp, cfg, t);
	fputs("\"flows\": [", fp);
	for (i = 0; cfg->mode != MODE_REPLY && i < nflows; i++) {
		if (flows[i].peer[0] == '\0')
			continue;
		json_flow(fp, &flows[i], sep);
		sep = ", ";
	}
	fputs("], ", fp);
	if (cfg->mode != MODE_REPLY)
		json_not_started(fp, flows, nflows);
	if (cfg->json == JSON_DOC)
		json_intervals(fp, cfg, t);
	json_totals(fp, cfg, t, expect, status);
}

/*
 * The whole run as one JSON document (-j), or as the -J summary: the
 * same but for the intervals, which had lines of their own.
 */
void
report_json(const struct config *cfg, const struct report_totals *t,
    const struct flow_summary *flows, size_t nflows,
    const struct report_expect *expect, int status)
{
	struct line	 l;

	if (cfg->json == JSON_LINES) {
		if (line_open(&l, "summary") != NULL) {
			json_run(l.fp, cfg, t, flows, nflows, expect, status);
			line_write(&l);
		}
		return;
	}
	putchar('{');
	json_run(stdout, cfg, t, flows, nflows, expect, status);
	fputs("}\n", stdout);
	out_end(stdout);
}

/*
 * -m -j: the merged documents as one, of their mode, with the number
 * merged in place of a seed and options, their flows one after the
 * other, what write_sources says of them, and their intervals when
 * they could be merged.
 */
void
report_json_merged(const struct config *cfg, const struct report_totals *t,
    report_flows_fn *write_flows, const void *arg,
    report_flows_fn *write_sources, const void *sarg, int status)
{
	putchar('{');
	json_version(stdout, cfg->mode);
	printf("\"merged\": %zu, \"flows\": [", t->merged);
	write_flows(stdout, arg);
	fputs("], ", stdout);
	write_sources(stdout, sarg);
	/* Merged by wall clock, when the runs shared a start_at=. */
	if (t->nivals != 0)
		json_intervals(stdout, cfg, t);
	json_totals(stdout, cfg, t, NULL, status);
	fputs("}\n", stdout);
	out_end(stdout);
}

/* -J: the run's version, mode, seed, options and addresses, first. */
void
report_start(const struct config *cfg)
{
	struct line	 l;
	size_t		 i;

	if (cfg->json != JSON_LINES || line_open(&l, "start") == NULL)
		return;
	json_head(l.fp, cfg);
	fputs("\"addresses\": [", l.fp);
	for (i = 0; i < cfg->nep; i++) {
		fputs(i > 0 ? ", " : "", l.fp);
		json_put_str(l.fp, cfg->ep[i].name);
	}
	putc(']', l.fp);
	line_write(&l);
}

/*
 * One interval line, iperf3-like: what moved during it, its rate, and
 * its own latency percentiles.  On stderr with -j, so that stdout stays
 * one JSON document; with -J, an object on stdout instead.  now gives
 * what the line tells so far: retransmits, the flows' rtt, errors.
 */
void
report_interval(const struct config *cfg, const struct interval *iv,
    const struct report_snapshot *now)
{
	FILE		*fp = cfg->json ? stderr : stdout;
	double		 secs = (double)(iv->end_ns - iv->start_ns) / NS_PER_SEC;
	struct line	 l;

	if (cfg->json == JSON_LINES) {
		if (line_open(&l, "interval") != NULL) {
			json_interval(l.fp, iv);
			line_write(&l);
		}
		return;
	}
	fprintf(fp, "[%7.2f-%7.2f s] sent %llu msgs %.1f msg/s %.2f Mbit/s, "
	    "received %llu msgs, %llu replies",
	    (double)iv->start_ns / NS_PER_SEC, (double)iv->end_ns / NS_PER_SEC,
	    (unsigned long long)iv->sent_msgs, report_msg_rate(iv->sent_msgs, secs),
	    report_mbit_rate(iv->sent_bytes, secs),
	    (unsigned long long)iv->recv_msgs,
	    (unsigned long long)iv->replies);
	if (iv->latencies > 0)
		fprintf(fp, ", p50 %.1f us, p99 %.1f us", iv->p50_ns / 1e3,
		    iv->p99_ns / 1e3);
	if (now->rtt_flows != 0)
		fprintf(fp, ", retransmits %llu, rtt p50 %llu us",
		    (unsigned long long)now->tcp_retrans,
		    (unsigned long long)now->rtt_us);
	fprintf(fp, ", errors %llu\n", (unsigned long long)now->errors);
	out_end(fp);
}

/*
 * A flow's end: with -J, its object (as in "flows") on a line; with -j,
 * the replier's document of one connection (JSON Lines).
 */
void
report_flow_end(const struct config *cfg, const struct flow_summary *f)
{
	struct line	 l;

	if (cfg->json == JSON_LINES) {
		if (line_open(&l, "flow_end") != NULL) {
			json_flow(l.fp, f, "\"flow\": ");
			line_write(&l);
		}
		return;
	}
	if (cfg->json != JSON_DOC || cfg->mode != MODE_REPLY)
		return;
	fputs("{\"mode\": \"reply\", \"connection\": ", stdout);
	json_flow(stdout, f, "");
	printf(", \"exit_status\": %d}\n", f->failed || f->has_first ?
	    EXIT_FAILED : EXIT_PASSED);
	out_end(stdout);
}

/*
 * A flow's replier, asked after the run (peerview.c): the two-sided
 * line of a failed flow, on the report's side of the output, before
 * its totals; a line of its own with -J; with -j, in the document.
 */
void
report_peer_view(const struct config *cfg, const struct flow_summary *f)
{
	struct line	 l;

	if (!cfg->json && f->view_line[0] != '\0')
		printf("Replier on flow %u (%s): %s\n", f->id, f->peer,
		    f->view_line);
	if (cfg->json != JSON_LINES || line_open(&l, "peer_view") == NULL)
		return;
	fprintf(l.fp, "\"flow\": %u", f->id);
	json_path(l.fp, f);
	json_peer_view(l.fp, f);
	line_write(&l);
}

/* A command-line error as a JSON document (-j) or line (-J). */
void
report_json_error(enum json_form form, const char *err, int status)
{
	struct line	 l;
	FILE		*fp = stdout;

	if (form == JSON_LINES && (fp = line_open(&l, "usage_error")) == NULL)
		return;
	if (form != JSON_LINES)
		putc('{', fp);
	fputs("\"error\": ", fp);
	json_put_str(fp, err);
	fprintf(fp, ", \"exit_status\": %d", status);
	if (form == JSON_LINES) {
		line_write(&l);
		return;
	}
	fputs("}\n", fp);
	out_end(fp);
}

/* A step's verdict, in words: the text table's last column. */
static const char *
step_result(const struct search_step *st)
{
	if (st->held)
		return "held";
	if (st->status != 0 && st->status != EXIT_MISSED)
		return "failed";
	return st->early ? "missed, ended early" : "missed";
}

/* A step's members, as its object in "steps" or its -J line. */
static void
json_step(FILE *fp, const struct search_step *st, size_t i)
{
	fprintf(fp, "\"step\": %zu, ", i + 1);
	json_u64(fp, "rate", st->rate, ", ");
	fprintf(fp, "\"offered\": %.1f, \"achieved\": %.1f, "
	    "\"duration_s\": %.6f, ", st->offered, st->achieved, st->secs);
	if (st->latencies != 0)
		fprintf(fp, "\"p50_us\": %.3f, \"p99_us\": %.3f, ",
		    st->p50_ns / 1e3, st->p99_ns / 1e3);
	else
		fputs("\"p50_us\": null, \"p99_us\": null, ", fp);
	json_u64(fp, "errors", st->errors, ", ");
	fprintf(fp, "\"held\": %s, \"ended_early\": %s, \"exit_status\": %d",
	    st->held ? "true" : "false", st->early ? "true" : "false",
	    st->status);
}

/*
 * One step of search=, as it ends: a line of the table (its head before
 * the first), or with -J an object.  -j waits for the end.
 */
void
report_search_step(const struct config *cfg, const struct search_step *st,
    size_t i)
{
	struct line	 l;

	if (cfg->json == JSON_LINES) {
		if (line_open(&l, "step") != NULL) {
			json_step(l.fp, st, i);
			line_write(&l);
		}
		return;
	}
	if (cfg->json != JSON_NONE)
		return;
	if (i == 0)
		printf("Search: %s, %llu flow%s, steps of %.1f s\n"
		    "step       rate    offered   achieved     p50 us     "
		    "p99 us  errors  result\n", cfg->search,
		    (unsigned long long)config_flows(cfg),
		    config_flows(cfg) == 1 ? "" : "s",
		    (double)cfg->duration / NS_PER_SEC);
	printf("%4zu %10llu %10.1f %10.1f", i + 1,
	    (unsigned long long)st->rate, st->offered, st->achieved);
	if (st->latencies != 0)
		printf(" %10.1f %10.1f", st->p50_ns / 1e3, st->p99_ns / 1e3);
	else
		printf(" %10s %10s", "-", "-");
	printf(" %7llu  %s\n", (unsigned long long)st->errors,
	    step_result(st));
	out_end(stdout);
}

/* The knee lies within this fraction above the rate held; -1: unknown. */
static double
search_precision(const struct search_answer *a)
{
	if (a->held == 0 || a->missed == 0)
		return -1;
	return (double)(a->missed - a->held) / (double)a->held;
}

/* The answer on its own line, and what bounds it. */
static void
print_answer(const struct search_answer *a, int status)
{
	double	 prec = search_precision(a);

	if (status != 0 && status != EXIT_MISSED) {
		if (a->nsteps == 0)
			printf("Highest rate: none: no step ran\n");
		else
			printf("Highest rate: none: step %zu failed\n",
			    a->nsteps);
		return;
	}
	if (a->held == 0) {
		printf("Highest rate: none: rate=%llu, the lowest, missed\n",
		    (unsigned long long)a->missed);
		return;
	}
	printf("Highest rate: rate=%llu a flow, %llu msg/s in all",
	    (unsigned long long)a->held,
	    (unsigned long long)(a->held * a->flows));
	if (prec >= 0)
		printf("; rate=%llu missed: within %.1f%%",
		    (unsigned long long)a->missed, prec * 100);
	else
		printf("; none missed: at least this");
	printf(", %zu steps\n", a->nsteps);
}

/* The search object: conditions, flows, steps, the answer. */
static void
json_search(FILE *fp, const struct config *cfg, const struct search_answer *a)
{
	double	 prec = search_precision(a);
	size_t	 i;

	fputs("\"search\": {\"conditions\": ", fp);
	json_put_str(fp, cfg->search);
	fputs(", ", fp);
	json_u64(fp, "flows", a->flows, ", \"steps\": [");
	for (i = 0; i < a->nsteps; i++) {
		fputs(i > 0 ? ", {" : "{", fp);
		json_step(fp, &a->steps[i], i);
		putc('}', fp);
	}
	fputs("], \"rate\": ", fp);
	if (a->held != 0)
		fprintf(fp, "%llu", (unsigned long long)a->held);
	else
		fputs("null", fp);
	fputs(", \"missed_rate\": ", fp);
	if (a->missed != 0)
		fprintf(fp, "%llu", (unsigned long long)a->missed);
	else
		fputs("null", fp);
	if (prec >= 0)
		fprintf(fp, ", \"precision\": %.6f}, ", prec);
	else
		fputs(", \"precision\": null}, ", fp);
}

/*
 * A search's end: the answer line, or with -j its document, with -J
 * its last line.
 */
void
report_search(const struct config *cfg, const struct search_answer *a,
    int status)
{
	struct line	 l;
	FILE		*fp = stdout;

	if (cfg->json == JSON_NONE) {
		print_answer(a, status);
		out_end(stdout);
		return;
	}
	if (cfg->json == JSON_LINES && (fp = line_open(&l, "search")) == NULL)
		return;
	if (cfg->json == JSON_DOC)
		putc('{', fp);
	json_head(fp, cfg);
	json_search(fp, cfg, a);
	fprintf(fp, "\"exit_status\": %d", status);
	if (cfg->json == JSON_LINES) {
		line_write(&l);
		return;
	}
	fputs("}\n", fp);
	out_end(fp);
}
