/*
 * -m: see merge.h.  Each input is read whole and parsed a document at a
 * time; every document is checked before anything of it is used, and
 * one that is not a report of this version refuses the whole merge
 * (exit 2), naming the input and the byte.  A document is added to the
 * running totals and forgotten, and an input freed, before the next:
 * what the merge keeps is its totals and, with -j, its flows as text.
 * No socket, no process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "fleet.h"
#include "json.h"
#include "merge.h"
#include "plot.h"
#include "report.h"
#include "stats.h"
#include "status.h"

#define READ_FIRST	65536		/* bytes of an input's first read */
/* A run's duration as -j writes it, to the microsecond; so the rates
 * and times of the merged report stay finite. */
#define SECS_MIN	1e-6
#define SECS_MAX	1e12
/*
 * The nodes of one document, at most: those of a report of MAX_FLOWS
 * flows (35 each now, room for more) and two full histograms, whose
 * buckets take three each.  Past it, the document is refused: so the
 * parse of a large input takes no more memory than this.
 */
#define FLOW_NODES	128
#define DOC_NODES	(MAX_FLOWS * FLOW_NODES + 6 * HIST_BUCKETS + 4096)

/*
 * The members of a document that the merge reads; the others are only
 * checked as JSON, and take no memory, however large.
 */
static const char *const doc_members[] = {
	"type", "connection", "version", "mode", "flows", "connections",
	"failed", "replies", "sent_msgs", "sent_bytes", "recv_msgs",
	"recv_bytes", "duration_s", "errors", "exit_status", "histogram",
	"histogram_moments", "service_histogram",
	"service_histogram_moments", "tcp",
	/* fleet.c's: the sources, and intervals to merge by time. */
	"seed", "options", "start_wall_ns", "intervals", NULL
};

/* An input: a file, or "-" for the standard input. */
struct input {
	const char	*name;
	struct json	 json;
};

struct merge {
	enum json_form		 json;
	struct report_totals	 tot;		/* lat, svc, rtt: the merged */
	struct hist		*plain;		/* headlines without rate= */
	struct hist		*one;		/* a document's, being read */
	struct input		*in;
	size_t			 nin;
	FILE			*flows;		/* -j: the flows, as written */
	char			*flows_text;	/* its buffer, once closed */
	size_t			 flows_size;
	size_t			 nflows;
	enum mode		 mode;		/* of the first document */
	int			 rate;		/* one had service times */
	int			 status;	/* the worst so far */
	struct fleet		 fleet;		/* sources, intervals by time */
};

/* An input's name as the diagnostics give it. */
static const char *
input_name(const struct input *in)
{
	return strcmp(in->name, "-") == 0 ? "standard input" : in->name;
}

/* The line that refuses the merge, on stderr and, with -j, as JSON. */
static int
say_refused(const struct merge *m, const char *line)
{
	log_warnx("%s", line);
	if (m->json != JSON_NONE)
		report_json_error(m->json, line, EXIT_BAD_INPUT);
	return -1;
}

/*
 * Refuses the merge: one line naming the input and the byte where the
 * trouble is.  Returns -1.
 */
static int PRINTF_LIKE(4, 5)
refuse(const struct merge *m, const struct input *in, size_t at,
    const char *fmt, ...)
{
	char	 why[256], line[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: byte %zu: %s", input_name(in), at,
	    why);
	return say_refused(m, line);
}

/* Reads fd to its end into *buf, NUL-terminated; -1 with errno. */
static int
read_all(int fd, char **buf, size_t *len)
{
	size_t	 room = 0;	/* bytes *buf takes before the two spare */
	ssize_t	 n;
	char	*p;

	*buf = NULL;
	*len = 0;
	/* One byte past JSON_MAX_INPUT tells an input that is too large. */
	for (;;) {
		if (*len == room + 1 || room == 0) {
			if (room == JSON_MAX_INPUT) {
				errno = EFBIG;
				return -1;
			}
			room = room == 0 ? READ_FIRST : 2 * room;
			if (room > JSON_MAX_INPUT)
				room = JSON_MAX_INPUT;
			if ((p = realloc(*buf, room + 2)) == NULL)
				return -1;
			*buf = p;
		}
		n = read(fd, *buf + *len, room + 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (n == -1)
		return -1;
	(*buf)[*len] = '\0';
	return 0;
}

/* The input's bytes into its json; -1 with errno, all freed. */
static int
read_input(struct input *in)
{
	char	*buf;
	size_t	 len;
	int	 fd = STDIN_FILENO, rv, saved;

	if (strcmp(in->name, "-") != 0 &&
	    (fd = open(in->name, O_RDONLY)) == -1)
		return -1;
	rv = read_all(fd, &buf, &len);
	saved = errno;
	if (fd != STDIN_FILENO)
		(void)close(fd);
	if (rv == -1) {
		free(buf);
		errno = saved;
		return -1;
	}
	json_init(&in->json, buf, len);
	return 0;
}

/* Member key of obj as a whole number, or the document is refused. */
static int
get_uint(const struct merge *m, const struct input *in, uint32_t obj,
    const char *key, uint64_t *v)
{
	if (json_uint(&in->json, json_find(&in->json, obj, key), v) == 0)
		return 0;
	return refuse(m, in, in->json.node[obj].at, "\"%s\" is missing or "
	    "not a whole number", key);
}

/* dst += v, or the document is refused: counts must add up exactly. */
static int
add_count(const struct merge *m, const struct input *in, uint32_t at,
    uint64_t *dst, uint64_t v)
{
	if (*dst + v < v)
		return refuse(m, in, in->json.node[at].at, "counts too large "
		    "to add up");
	*dst += v;
	return 0;
}

/* The version that wrote it must be ours, and the mode the first's. */
static int
merge_kind(struct merge *m, const struct input *in, uint32_t doc)
{
	const struct json *j = &in->json;
	const char	*version = json_text(j, json_find(j, doc, "version"));
	const char	*mode = json_text(j, json_find(j, doc, "mode"));
	int		 i;

	if (version == NULL)
		return refuse(m, in, j->node[doc].at, "no \"version\": not a "
		    "seqtest report");
	if (strcmp(version, SEQTEST_VERSION) != 0)
		return refuse(m, in, j->node[doc].at, "a report of version %s, "
		    "not %s", version, SEQTEST_VERSION);
	for (i = MODE_SEND; i <= MODE_REPLY; i++)
		if (mode != NULL &&
		    strcmp(mode, report_mode_name((enum mode)i)) == 0)
			break;
	if (i > MODE_REPLY)
		return refuse(m, in, j->node[doc].at, "no \"mode\" of a run");
	if (m->tot.merged != 0 && (enum mode)i != m->mode)
		return refuse(m, in, j->node[doc].at, "a report of mode %s "
		    "among reports of mode %s", mode, report_mode_name(m->mode));
	m->mode = (enum mode)i;
	return 0;
}

/* The counters, summed, and the longest duration. */
static int
merge_counts(struct merge *m, const struct input *in, uint32_t doc)
{
	static const char *const keys[] = { "connections", "failed",
	    "replies", "sent_msgs", "sent_bytes", "recv_msgs", "recv_bytes" };
	struct report_totals *t = &m->tot;
	uint64_t	*sum[] = { &t->flows, &t->failed, &t->replies,
	    &t->sent_msgs, &t->sent_bytes, &t->recv_msgs, &t->recv_bytes };
	uint64_t	 v;
	double		 secs;
	size_t		 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (get_uint(m, in, doc, keys[i], &v) == -1 ||
		    add_count(m, in, doc, sum[i], v) == -1)
			return -1;
	if (json_real(&in->json, json_find(&in->json, doc, "duration_s"),
	    &secs) == -1 || !(secs == 0 || (secs >= SECS_MIN &&
	    secs <= SECS_MAX)))
		return refuse(m, in, in->json.node[doc].at, "\"duration_s\" "
		    "is missing or not a run's seconds (0, or %g to %g)",
		    SECS_MIN, SECS_MAX);
	if (secs > t->secs)
		t->secs = secs;
	return 0;
}

/* The errors by kind, each kind of errors.c's. */
static int
merge_errors(struct merge *m, const struct input *in, uint32_t doc)
{
	uint32_t errors = json_find(&in->json, doc, "errors");
	uint64_t v;
	size_t	 k;

	if (in->json.node[errors].type != JSON_OBJECT)
		return refuse(m, in, in->json.node[doc].at, "no \"errors\"");
	for (k = 0; k < ERR_KINDS; k++) {
		if (get_uint(m, in, errors, err_kind_key((enum err_kind)k),
		    &v) == -1 ||
		    add_count(m, in, errors, &m->tot.errors[k], v) == -1 ||
		    add_count(m, in, errors, &m->tot.nerrors, v) == -1)
			return -1;
	}
	return 0;
}

/*
 * How bad an exit status is: passed, then an expectation missed, a
 * check failed, bad input; -1 for a status seqtest never gives.
 */
static int
badness(uint64_t status)
{
	static const int rank[EXIT_STATUSES] = {
		[EXIT_PASSED] = 0, [EXIT_MISSED] = 1, [EXIT_FAILED] = 2,
		[EXIT_BAD_INPUT] = 3
	};

	return status < EXIT_STATUSES ? rank[status] : -1;
}

static int
merge_status(struct merge *m, const struct input *in, uint32_t doc)
{
	uint64_t status;

	if (get_uint(m, in, doc, "exit_status", &status) == -1)
		return -1;
	if (badness(status) == -1)
		return refuse(m, in, in->json.node[doc].at, "exit status %llu "
		    "is none of seqtest's", (unsigned long long)status);
	if (badness(status) > badness((uint64_t)m->status))
		m->status = (int)status;
	return 0;
}

/* A bucket, [lowest value in ns, count]; -1 if e is not one. */
static int
get_bucket(const struct json *j, uint32_t e, uint64_t *ns, uint64_t *n)
{
	uint32_t v = j->node[e].type == JSON_ARRAY ? j->node[e].child : 0;

	if (v == 0 || json_uint(j, v, ns) == -1 ||
	    json_uint(j, j->node[v].next, n) == -1 ||
	    j->node[j->node[v].next].next != 0)
		return -1;
	return 0;
}

/*
 * A histogram's moments, at mom, into h, whose buckets hold count
 * values (h is one document's, read afresh); the document at doc is
 * named when there are none.
 */
static int
get_moments(const struct merge *m, const struct input *in, uint32_t doc,
    uint32_t mom, uint64_t count, struct hist *h)
{
	const struct json *j = &in->json;
	uint64_t n;

	if (j->node[mom].type != JSON_OBJECT)
		return refuse(m, in, j->node[mom != 0 ? mom : doc].at,
		    "histogram moments missing");
	if (get_uint(m, in, mom, "count", &n) == -1 ||
	    get_uint(m, in, mom, "min_ns", &h->min) == -1 ||
	    get_uint(m, in, mom, "max_ns", &h->max) == -1 ||
	    get_uint(m, in, mom, "sum_ns", &h->sum) == -1 ||
	    get_uint(m, in, mom, "overflow", &h->overflow) == -1)
		return -1;
	if (json_real(j, json_find(j, mom, "sumsq_ns2"), &h->sumsq) == -1 ||
	    !(h->sumsq >= 0))
		return refuse(m, in, j->node[mom].at, "\"sumsq_ns2\" is "
		    "missing or not a number");
	if (n != count)
		return refuse(m, in, j->node[mom].at, "histogram "
		    "moments that do not match its buckets: count");
	return 0;
}

/*
 * The buckets of histogram arr into h, once every one is known to be
 * one: [lowest value in ns, count], their counts adding up.
 */
static int
get_buckets(const struct merge *m, const struct input *in, uint32_t arr,
    struct hist *h)
{
	const struct json *j = &in->json;
	uint32_t	 e;
	uint64_t	 ns, n, count = 0;

	for (e = j->node[arr].child; e != 0; e = j->node[e].next) {
		if (get_bucket(j, e, &ns, &n) == -1)
			return refuse(m, in, j->node[e].at, "a bucket that is "
			    "not [value_ns, count]");
		if (count + n < n)
			return refuse(m, in, j->node[e].at, "counts too large "
			    "to add up");
		count += n;
	}
	for (e = j->node[arr].child; e != 0; e = j->node[e].next) {
		(void)get_bucket(j, e, &ns, &n);
		if (hist_add_bucket(h, ns, n) == -1)
			return refuse(m, in, j->node[e].at, "%llu ns is not "
			    "where a bucket starts", (unsigned long long)ns);
	}
	return 0;
}

/* Whether src adds to dst with no count or sum wrapping. */
static int
hist_adds_up(const struct hist *dst, const struct hist *src)
{
	return dst->count + src->count >= src->count &&
	    dst->sum + src->sum >= src->sum &&
	    dst->overflow + src->overflow >= src->overflow;
}

/*
 * Histogram "PREFIXhistogram" with its "PREFIXhistogram_moments" added
 * to h, once its moments are known to fit its buckets.
 */
static int
merge_hist(struct merge *m, const struct input *in, uint32_t doc,
    const char *prefix, struct hist *h)
{
	const struct json	*j = &in->json;
	struct hist		*one = m->one;
	const char		*why;
	char			 key[40];
	uint32_t		 arr, mom;

	snprintf(key, sizeof(key), "%shistogram", prefix);
	if (j->node[arr = json_find(j, doc, key)].type != JSON_ARRAY)
		return refuse(m, in, j->node[doc].at, "no \"%s\" array", key);
	hist_init(one);
	if (get_buckets(m, in, arr, one) == -1)
		return -1;
	if (one->count == 0)
		return 0;
	snprintf(key, sizeof(key), "%shistogram_moments", prefix);
	mom = json_find(j, doc, key);
	if (get_moments(m, in, doc, mom, one->count, one) == -1)
		return -1;
	if ((why = hist_misfit(one)) != NULL)
		return refuse(m, in, j->node[mom].at, "histogram moments that "
		    "do not match its buckets: %s", why);
	if (!hist_adds_up(h, one))
		return refuse(m, in, j->node[arr].at, "counts too large to "
		    "add up");
	hist_merge(h, one);
	return 0;
}

/*
 * The latencies: a run without rate= measured from the send, so its
 * histogram is its service times too, should another have had a rate.
 */
static int
merge_latencies(struct merge *m, const struct input *in, uint32_t doc)
{
	if (merge_hist(m, in, doc, "", m->tot.lat) == -1)
		return -1;
	if (json_find(&in->json, doc, "service_histogram") == 0)
		return merge_hist(m, in, doc, "", m->plain);
	m->rate = 1;
	return merge_hist(m, in, doc, "service_", m->tot.svc);
}

/*
 * The kernel's view: retransmits from the run's "tcp", and each flow's
 * rtt, of which the run's median and largest are made again.
 */
static int
merge_tcp(struct merge *m, const struct input *in, uint32_t doc,
    uint32_t flows)
{
	const struct json *j = &in->json;
	uint32_t	 f, tcp = json_find(j, doc, "tcp");
	uint64_t	 v;

	if (j->node[tcp].type != JSON_OBJECT)
		return refuse(m, in, j->node[doc].at, "no \"tcp\"");
	if (json_uint(j, json_find(j, tcp, "retrans"), &v) == 0 &&
	    add_count(m, in, tcp, &m->tot.tcp_retrans, v) == -1)
		return -1;
	for (f = j->node[flows].child; f != 0; f = j->node[f].next) {
		if (j->node[f].type != JSON_OBJECT)
			return refuse(m, in, j->node[f].at, "a flow that is "
			    "not an object");
		tcp = json_find(j, f, "tcp");
		if (json_uint(j, json_find(j, tcp, "rtt_us"), &v) == 0)
			hist_record(m->tot.rtt, v);
	}
	return 0;
}

/*
 * With -j, the document's flows as the merged document lists them, each
 * with the number of its document: kept as text, so that the input
 * they came from need not be.
 */
static int
keep_flows(struct merge *m, const struct input *in, uint32_t flows)
{
	const struct json *j = &in->json;
	uint32_t	 f;

	for (f = j->node[flows].child; m->flows != NULL && f != 0;
	    f = j->node[f].next) {
		fprintf(m->flows, "%s{\"source\": %zu",
		    m->nflows++ != 0 ? ", " : "", m->tot.merged);
		json_put_members(m->flows, j, f, "source", ", ");
		putc('}', m->flows);
	}
	m->tot.merged++;
	if (m->flows != NULL && ferror(m->flows)) {
		log_warnx("out of memory");
		return -1;
	}
	return 0;
}

/*
 * One document: added to the merge; returns 1, or 0 for a line that is
 * no run's report (-J's lines before its summary, the replier's lines
 * of one connection), or -1 when it is refused.
 */
static int
merge_document(struct merge *m, const struct input *in, uint32_t doc)
{
	const struct json *j = &in->json;
	const char	*type = json_text(j, json_find(j, doc, "type"));
	uint32_t	 flows = json_find(j, doc, "flows");

	if (j->node[doc].type != JSON_OBJECT)
		return refuse(m, in, j->node[doc].at, "not a JSON object");
	if ((type != NULL && strcmp(type, "summary") != 0) ||
	    json_find(j, doc, "connection") != 0)
		return 0;
	if (merge_kind(m, in, doc) == -1)
		return -1;
	if (j->node[flows].type != JSON_ARRAY)
		return refuse(m, in, j->node[doc].at, "no \"flows\" array");
	if (merge_counts(m, in, doc) == -1 || merge_errors(m, in, doc) == -1 ||
	    merge_status(m, in, doc) == -1 ||
	    merge_latencies(m, in, doc) == -1 ||
	    merge_tcp(m, in, doc, flows) == -1 ||
	    keep_flows(m, in, flows) == -1 || fleet_take(&m->fleet, j, doc) == -1)
		return -1;
	return 1;
}

/* Every document of an input; it must hold one at least. */
static int
merge_input(struct merge *m, struct input *in)
{
	uint32_t doc;
	int	 rv, taken = 0;
	char	 line[512];

	if (read_input(in) == -1) {
		snprintf(line, sizeof(line), "%s: %s", input_name(in),
		    strerror(errno));
		return say_refused(m, line);
	}
	in->json.keep = doc_members;
	in->json.max_nodes = DOC_NODES;
	while ((doc = json_parse_next(&in->json)) != 0) {
		if ((rv = merge_document(m, in, doc)) == -1)
			return -1;
		taken += rv;
		json_drop_nodes(&in->json);
	}
	if (in->json.err != NULL)
		return refuse(m, in, in->json.err_at, "%s", in->json.err);
	if (taken == 0)
		return refuse(m, in, in->json.len, "no report in it");
	json_free(&in->json);
	return 0;
}

/* -j: each document's flows, as keep_flows wrote them. */
static void
write_flows(FILE *fp, const void *arg)
{
	const struct merge *m = arg;

	fputs(m->flows_text, fp);
}

/* The flows' text, complete; -1 when memory ran out. */
static int
close_flows(struct merge *m)
{
	int	 rv = fclose(m->flows);

	m->flows = NULL;
	if (rv == EOF || m->flows_text == NULL) {
		log_warn("memory for the merge");
		return -1;
	}
	return 0;
}

/*
 * The merged report, as one run's would be, of the documents' mode, and
 * with plot= its plot, written first: one that cannot be opened is bad
 * input, as for a run, and one that cannot be written fails the merge.
 * Returns the exit status.
 */
static int
print_merged(const struct config *cfg, struct merge *m)
{
	struct config	 c = *cfg;
	int		 fd, status = m->status;

	c.mode = m->mode;
	c.rate = m->rate;
	c.debug = 0;
	if (m->rate)
		hist_merge(m->tot.svc, m->plain);
	fleet_finish(&m->fleet, &m->tot, &c.interval);
	if (c.plot != NULL && (fd = plot_open(c.plot)) == -1)
		return EXIT_BAD_INPUT;
	if (c.plot != NULL && plot_write(fd, &c, &m->tot) == -1)
		status = report_fail_status(status);
	if (c.json == JSON_DOC && close_flows(m) == -1)
		return 1;
	if (c.json == JSON_DOC)
		report_json_merged(&c, &m->tot, write_flows, m, fleet_write,
		    &m->fleet, status);
	else {
		report_text(&c, &m->tot);
		fleet_print(&m->fleet);
	}
	return status;
}

static void
free_merge(struct merge *m)
{
	size_t	 i;

	for (i = 0; i < m->nin; i++)
		json_free(&m->in[i].json);
	free(m->in);
	if (m->flows != NULL)
		(void)fclose(m->flows);
	free(m->flows_text);
	free(m->tot.lat);
	free(m->tot.svc);
	free(m->tot.rtt);
	free(m->plain);
	free(m->one);
	fleet_free(&m->fleet);
}

/*
 * Merges the reports in the named inputs and prints the result.
 * Returns the exit status: the worst of theirs, or 2 when one cannot be
 * read or is refused or the plot cannot be opened, 1 when memory runs
 * out or the plot cannot be written.
 */
int
merge_run(const struct config *cfg, char *const *names, size_t n)
{
	struct merge	 m;
	size_t		 i;
	int		 status = EXIT_PASSED;

	memset(&m, 0, sizeof(m));
	m.json = cfg->json;
	m.in = calloc(n, sizeof(*m.in));
	m.tot.lat = calloc(1, sizeof(struct hist));
	m.tot.svc = calloc(1, sizeof(struct hist));
	m.tot.rtt = calloc(1, sizeof(struct hist));
	m.plain = calloc(1, sizeof(struct hist));
	m.one = calloc(1, sizeof(struct hist));
	if (m.json == JSON_DOC)
		m.flows = open_memstream(&m.flows_text, &m.flows_size);
	if (m.in == NULL || m.tot.lat == NULL || m.tot.svc == NULL ||
	    m.tot.rtt == NULL || m.plain == NULL || m.one == NULL ||
	    (m.json == JSON_DOC && m.flows == NULL)) {
		log_warn("memory for the merge");
		status = EXIT_FAILED;
	}
	for (i = 0; status == EXIT_PASSED && i < n; i++) {
		m.in[i].name = names[i];
		m.nin = i + 1;
		if (merge_input(&m, &m.in[i]) == -1)
			status = EXIT_BAD_INPUT;
	}
	if (status == EXIT_PASSED)
		status = print_merged(cfg, &m);
	free_merge(&m);
	return status;
}
