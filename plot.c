/*
 * plot=: see plot.h.  The page is WIDTH by HEIGHT px: a title, then two
 * plot areas of PLOT_W by PLOT_H, one above the other, with one latency
 * axis, log scale, whole decades from the run's least latency to its
 * largest.  The document is made in memory and written whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "options.h"
#include "plot.h"

#define WIDTH		900
#define HEIGHT		790
#define HEIGHT_KNEE	450	/* search='s: the title and one plot */
#define LEFT		80	/* the plot areas' left edge */
#define PLOT_W		780
#define PLOT_H		260
#define TOP_TIME	130	/* latency over time's top edge */
#define TOP_SPECTRUM	470	/* the spectrum's */
#define TITLE_LINES	4	/* of the command; more is cut */
#define WRAP		118	/* characters of a line, at 12 px monospace */
#define LEGEND_X	(LEFT + 220)
#define LEGEND_STEP	112	/* px to the next legend entry */
#define MARK_H		10	/* an error's mark, at the top */
#define DASH_PX		4	/* a series' first point */

/* Classes: a, b, c the series; e an error's mark, k a stall's. */
static const char head[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
    "viewBox=\"0 0 %d %d\">\n"
    "<style>text{font-family:sans-serif;font-size:12px}"
    ".t{font-family:monospace}.h{font-size:14px;font-weight:bold}"
    "path{fill:none}.g{stroke:#ddd}.f{stroke:#000}"
    ".s{stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}"
    ".a{stroke:#1f77b4}.b{stroke:#ff7f0e}.c{stroke:#2ca02c}"
    ".e{stroke:#d62728;stroke-width:4}"
    ".k{stroke:#d62728;stroke-dasharray:5 3;fill:#d62728;fill-opacity:.1}"
    "</style>\n"
    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n";

/* Where a plot is, and the values at its edges. */
struct axes {
	int	 top;		/* of its area, px */
	double	 xmax;		/* x at its right edge; 0 at the left */
	int	 lo, hi;	/* latency at its bottom and top: 10^lo, 10^hi ns */
};

/* Creates or empties the file; returns it, or -1 after one line. */
int
plot_open(const char *path)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		log_warn("plot %s", path);
	return fd;
}

/*
 * Up to n bytes of s as XML text: its markup escaped, and any byte not
 * printable ASCII as '?', as it may not be UTF-8.
 */
static void
put_xml(FILE *fp, const char *s, size_t n)
{
	static const char	 marks[] = "&<>\"'";
	static const char *const names[] = {
		"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"
	};
	const char		*m;

	for (; n > 0 && *s != '\0'; s++, n--) {
		if ((m = strchr(marks, *s)) != NULL)
			fputs(names[m - marks], fp);
		else
			putc(*s >= ' ' && *s <= '~' ? *s : '?', fp);
	}
}

/* The bytes a POSIX shell takes as they are in a word. */
#define SHELL_PLAIN	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_-./:,=@%+"

/*
 * The command as typed, its arguments as a shell reads them back, so
 * that it can be pasted: one with other bytes in '...', a ' as '\''.
 */
static void
put_command(FILE *fp, const struct config *cfg)
{
	const char	*a;
	int		 i;

	for (i = 0; i < cfg->argc; i++) {
		a = cfg->argv[i];
		if (i > 0)
			putc(' ', fp);
		if (*a != '\0' && a[strspn(a, SHELL_PLAIN)] == '\0') {
			fputs(a, fp);
			continue;
		}
		putc('\'', fp);
		for (; *a != '\0'; a++)
			if (*a == '\'')
				fputs("'\\''", fp);
			else
				putc(*a, fp);
		putc('\'', fp);
	}
}

/* The command, or what -m merged, as text to free; NULL with errno. */
static char *
command_text(const struct config *cfg, const struct report_totals *t)
{
	static const struct report_totals none;

	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if (t == NULL)
		t = &none;
	if (t->merged != 0)
		fprintf(fp, "seqtest -m: %zu reports of mode %s merged",
		    t->merged, report_mode_name(cfg->mode));
	else
		put_command(fp, cfg);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * s in lines from y down, each cut after a comma or a space near WRAP
 * characters; past TITLE_LINES, "..." says the rest is left out.
 */
static void
put_lines(FILE *fp, const char *s, int y)
{
	size_t	 cut;
	int	 n;

	for (n = 0; *s != '\0' && n < TITLE_LINES; n++, y += 16) {
		cut = strlen(s);
		if (cut > WRAP)
			for (cut = WRAP; cut > WRAP / 2 &&
			    strchr(", ", s[cut - 1]) == NULL; cut--)
				;
		fprintf(fp, "<text class=\"t\" x=\"10\" y=\"%d\">", y);
		put_xml(fp, s, cut);
		s += cut;
		fputs(n + 1 == TITLE_LINES && *s != '\0' ? "...</text>\n" :
		    "</text>\n", fp);
	}
}

/*
 * The version, the date (UTC) the run started or the merge was made,
 * the run's length and its replies; then the command.
 */
static void
put_title(FILE *fp, const struct report_totals *t, const char *cmd)
{
	time_t		 when = time(NULL);
	struct tm	 tm;

	if (t->merged == 0)
		when -= (time_t)t->secs;
	if (gmtime_r(&when, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	fprintf(fp, "<text class=\"h\" x=\"10\" y=\"22\">seqtest %s, "
	    "%04d-%02d-%02dT%02d:%02d:%02dZ, %.2f s, %llu replies, errors: "
	    "%llu</text>\n", SEQTEST_VERSION, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    t->secs, (unsigned long long)t->replies,
	    (unsigned long long)t->nerrors);
	put_lines(fp, cmd, 44);
}

/* The latency axis: the decades around every latency of the run. */
static void
latency_range(struct axes *a, const struct report_totals *t, int rate)
{
	double	 lo = t->lat->min, hi = t->lat->max;

	if (rate && t->svc->count != 0 && t->svc->min < lo)
		lo = t->svc->min;
	if (rate && t->svc->max > hi)
		hi = t->svc->max;
	if (t->lat->count == 0)
		lo = hi = 1e3;
	/* log10 of 1 ns or more is not negative: the cast is floor. */
	a->lo = (int)log10(lo < 1 ? 1 : lo);
	a->hi = (int)ceil(log10(hi < 1 ? 1 : hi));
	if (a->hi <= a->lo)
		a->hi = a->lo + 1;
}

static double
x_px(const struct axes *a, double x)
{
	return LEFT + PLOT_W * x / a->xmax;
}

/* The height of 10^lg ns. */
static double
y_log(const struct axes *a, double lg)
{
	return a->top + PLOT_H * (a->hi - lg) / (a->hi - a->lo);
}

/* The height of a latency, 1 ns at least. */
static double
y_px(const struct axes *a, uint64_t ns)
{
	return y_log(a, log10(ns < 1 ? 1.0 : (double)ns));
}

/*
 * A plot's group: its title, the frame and, at each decade of latency,
 * a line and its label, "1 us", "10 us", "100 us", "1 ms"...
 */
static void
open_plot(FILE *fp, const struct axes *a, const char *id, const char *title,
    const char *xlabel)
{
	static const char units[][3] = { "ns", "us", "ms", "s" };
	int	 d, u;

	fprintf(fp, "<g id=\"%s\">\n<text class=\"h\" x=\"%d\" y=\"%d\">%s"
	    "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
	    "<text transform=\"rotate(-90)\" x=\"%d\" y=\"20\" "
	    "text-anchor=\"middle\">latency (log scale)</text>\n", id, LEFT,
	    a->top - 8, title, LEFT + PLOT_W / 2, a->top + PLOT_H + 36, xlabel,
	    -(a->top + PLOT_H / 2));
	for (d = a->lo; d <= a->hi; d++) {
		u = d / 3 < 3 ? d / 3 : 3;
		fprintf(fp, "<path class=\"g\" d=\"M%d %.1fh%d\"/><text x=\"%d\" "
		    "y=\"%.1f\" text-anchor=\"end\">1%.*s %s</text>\n", LEFT,
		    y_log(a, d), PLOT_W, LEFT - 6, y_log(a, d) + 4, d - 3 * u,
		    "000000000000", units[u]);
	}
	fprintf(fp, "<path class=\"f\" d=\"M%d %dh%dv%dh-%dz\"/>\n", LEFT,
	    a->top, PLOT_W, PLOT_H, PLOT_W);
}

/* A line across the plot at x, and its label below. */
static void
x_tick(FILE *fp, const struct axes *a, double x, const char *label)
{
	fprintf(fp, "<path class=\"g\" d=\"M%.1f %dv%d\"/><text x=\"%.1f\" "
	    "y=\"%d\" text-anchor=\"middle\">%s</text>\n", x_px(a, x), a->top,
	    PLOT_H, x_px(a, x), a->top + PLOT_H + 16, label);
}

/* One of the series' or marks' class at a legend's place, named. */
static void
legend(FILE *fp, const struct axes *a, int place, const char *cls,
    const char *name)
{
	int	 x = LEGEND_X + LEGEND_STEP * place;

	fprintf(fp, "<path class=\"%s\" d=\"M%d %dh18\"/><text x=\"%d\" "
	    "y=\"%d\">%s</text>\n", cls, x, a->top - 12, x + 22, a->top - 8,
	    name);
}

/* Seconds: 5 to 10 lines, 1, 2 or 5 times a power of ten apart. */
static void
time_ticks(FILE *fp, const struct axes *a)
{
	char	 label[32];
	double	 step = 1e-6;
	int	 k;

	while (step * 10 <= a->xmax / 4)
		step *= 10;
	if (a->xmax / step > 20)
		step *= 5;
	else if (a->xmax / step > 8)
		step *= 2;
	for (k = 0; k * step <= a->xmax; k++) {
		snprintf(label, sizeof(label), "%g", k * step);
		x_tick(fp, a, k * step, label);
	}
}

/* An interval's latency: k 0 its p50, 1 its p99, 2 its max. */
static uint64_t
interval_latency(const struct interval *iv, int k)
{
	return k == 0 ? iv->p50_ns : k == 1 ? iv->p99_ns : iv->max_ns;
}

static double
interval_middle(const struct interval *iv)
{
	return (iv->start_ns + iv->end_ns) / 2e9;
}

/*
 * A series over the intervals, broken where one had no latency; each
 * part starts with a dash of DASH px, so that a point alone shows.
 */
static void
time_series(FILE *fp, const struct axes *a, const struct report_totals *t,
    int k, const char *cls)
{
	const struct interval	*iv;
	double			 x, y;
	int			 gap = 1;

	fprintf(fp, "<path class=\"%s\" d=\"", cls);
	for (iv = t->ivals; iv < t->ivals + t->nivals; iv++) {
		if (iv->latencies == 0) {
			gap = 1;
			continue;
		}
		x = x_px(a, interval_middle(iv));
		y = y_px(a, interval_latency(iv, k));
		if (gap)
			fprintf(fp, "M%.1f %.1f", x - DASH_PX, y);
		fprintf(fp, "L%.1f %.1f", x, y);
		gap = 0;
	}
	fputs("\"/>\n", fp);
}

/* The intervals with errors: a mark at the top of each. */
static void
error_marks(FILE *fp, const struct axes *a, const struct report_totals *t)
{
	const struct interval	*iv;

	fputs("<path class=\"e\" d=\"", fp);
	for (iv = t->ivals; iv < t->ivals + t->nivals; iv++)
		if (iv->errors != 0)
			fprintf(fp, "M%.1f %dv%d", x_px(a, interval_middle(iv)),
			    a->top, MARK_H);
	fputs("\"/>\n", fp);
}

/*
 * The intervals where the watchdog stalled a flow: a band over the
 * timeout seconds without progress that it waited, up to then.
 */
static void
stall_marks(FILE *fp, const struct axes *a, const struct report_totals *t,
    uint64_t timeout)
{
	const struct interval	*iv;
	double			 end, from;

	fputs("<path class=\"k\" d=\"", fp);
	for (iv = t->ivals; iv < t->ivals + t->nivals; iv++) {
		if (iv->stalls == 0)
			continue;
		end = interval_middle(iv);
		from = end > timeout ? end - timeout : 0;
		fprintf(fp, "M%.1f %dH%.1fv%dH%.1fz", x_px(a, from), a->top,
		    x_px(a, end), PLOT_H, x_px(a, from));
	}
	fputs("\"/>\n", fp);
}

/* p50, p99 and max of each interval over time; -m's have none. */
static void
plot_time(FILE *fp, struct axes *a, const struct config *cfg,
    const struct report_totals *t)
{
	static const char *const cls[] = { "s a", "s b", "s c", "e", "k" };
	static const char *const names[] = {
		"p50", "p99", "max", "errors", "stall"
	};
	int	 k;

	a->top = TOP_TIME;
	a->xmax = t->nivals != 0 ? t->ivals[t->nivals - 1].end_ns / 1e9 : 1;
	if (!(a->xmax > 0))
		a->xmax = 1;
	open_plot(fp, a, "latency-over-time", "Latency over time",
	    "time since the start (s)");
	if (t->nivals == 0)
		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		    "no time plot: the runs merged did not start together"
		    "</text>\n", LEFT + PLOT_W / 2, a->top + PLOT_H / 2);
	else
		time_ticks(fp, a);
	stall_marks(fp, a, t, cfg->timeout);
	for (k = 0; k < 3; k++)
		time_series(fp, a, t, k, cls[k]);
	error_marks(fp, a, t);
	for (k = 0; k < 5; k++)
		legend(fp, a, k, cls[k], names[k]);
	fputs("</g>\n", fp);
}

/* 0%, 90%, 99%, 99.9%...: where 1/(1-p) is 1, 10, 100, 1000... */
static void
percentile_ticks(FILE *fp, const struct axes *a)
{
	char	 label[32];
	double	 rest = 100;
	int	 k;

	for (k = 0; k <= a->xmax; k++, rest /= 10) {
		snprintf(label, sizeof(label), "%.*f%%", k > 2 ? k - 2 : 0,
		    100 - rest);
		x_tick(fp, a, k, label);
	}
}

/* Where the values past the seen smallest start: log10 of 1/(1-p). */
static double
percentile_x(uint64_t count, uint64_t seen)
{
	return log10((double)count / (double)(seen < count ?
	    count - seen : 1));
}

/*
 * A histogram's latency against its percentile, a step at each bucket
 * that holds values, from the least value to the largest.
 */
static void
spectrum_curve(FILE *fp, const struct axes *a, const struct hist *h,
    const char *cls)
{
	uint64_t	 v, n, seen = 0;
	size_t		 i;

	if (h->count == 0)
		return;
	fprintf(fp, "<path class=\"%s\" d=\"M%d %.1f", cls, LEFT,
	    y_px(a, h->min));
	for (i = hist_next(h, 0, &v, &n); i < HIST_BUCKETS;
	    i = hist_next(h, i + 1, &v, &n)) {
		seen += n;
		fprintf(fp, "V%.1fH%.1f", y_px(a, v > h->min ? v : h->min),
		    x_px(a, percentile_x(h->count, seen)));
	}
	fprintf(fp, "V%.1f\"/>\n", y_px(a, h->max));
}

/* The spectrum: with rate=, of the response and of the service time. */
static void
plot_spectrum(FILE *fp, struct axes *a, const struct config *cfg,
    const struct report_totals *t)
{
	a->top = TOP_SPECTRUM;
	/* A decade past the last percentile, so that it is not at the edge. */
	a->xmax = 1 + (int)log10(t->lat->count > 1 ? (double)t->lat->count :
	    1.0);
	open_plot(fp, a, "percentile-spectrum", "Percentile spectrum",
	    "percentile (log scale of 1/(1-p))");
	percentile_ticks(fp, a);
	spectrum_curve(fp, a, t->lat, "s a");
	legend(fp, a, 3, "s a", cfg->rate ? "response time" : "latency");
	if (cfg->rate) {
		spectrum_curve(fp, a, t->svc, "s b");
		legend(fp, a, 4, "s b", "service time");
	}
	fputs("</g>\n", fp);
}

static void
put_svg(FILE *fp, const struct config *cfg, const struct report_totals *t,
    const char *cmd)
{
	struct axes	 a;

	fprintf(fp, head, WIDTH, HEIGHT, WIDTH, HEIGHT);
	put_title(fp, t, cmd);
	latency_range(&a, t, cfg->rate != 0);
	plot_time(fp, &a, cfg, t);
	plot_spectrum(fp, &a, cfg, t);
	fputs("</svg>\n", fp);
}

/* All len bytes of buf to fd; -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The steps' offered rates, least first, for the knee curve. */
static int
by_offered(const void *a, const void *b)
{
	const struct search_step *x = a, *y = b;

	return (x->offered > y->offered) - (x->offered < y->offered);
}

/* Latencies from the least p50 to the largest p99 of the steps. */
static void
knee_range(struct axes *a, const struct search_step *st, size_t n)
{
	double	 lo = 0, hi = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (st[i].latencies == 0)
			continue;
		if (lo == 0 || st[i].p50_ns < lo)
			lo = st[i].p50_ns;
		if (st[i].p99_ns > hi)
			hi = st[i].p99_ns;
	}
	a->lo = (int)log10(lo < 1 ? 1 : lo);
	a->hi = (int)ceil(log10(hi < 1 ? 1 : hi));
	if (a->hi <= a->lo)
		a->hi = a->lo + 1;
}

/* p50 (k 0) or p99 through the steps, least rate first. */
static void
knee_series(FILE *fp, const struct axes *a, const struct search_step *st,
    size_t n, int k)
{
	const char	*move = "M";
	size_t		 i;

	fprintf(fp, "<path class=\"s %s\" d=\"", k == 0 ? "a" : "b");
	for (i = 0; i < n; i++) {
		if (st[i].latencies == 0)
			continue;
		fprintf(fp, "%s%.1f %.1f", move, x_px(a, st[i].offered),
		    y_px(a, k == 0 ? st[i].p50_ns : st[i].p99_ns));
		move = "L";
	}
	fputs("\"/>\n", fp);
	for (i = 0; k == 1 && i < n; i++)
		if (st[i].latencies != 0)
			fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
			    "fill=\"%s\"/>\n", x_px(a, st[i].offered),
			    y_px(a, st[i].p99_ns), st[i].held ? "#2ca02c" :
			    "#d62728");
}

/*
 * search=: the knee curve, the p50 and p99 of each step against the
 * messages it offered a second, a dot green where the step held and
 * red where it missed, and a dashed line at the answer.
 */
static void
put_knee(FILE *fp, const struct search_answer *sa, struct search_step *st,
    const char *cmd)
{
	struct axes	 a;
	size_t		 i, n = sa->nsteps;

	fprintf(fp, head, WIDTH, HEIGHT_KNEE, WIDTH, HEIGHT_KNEE);
	fprintf(fp, "<text class=\"h\" x=\"10\" y=\"22\">seqtest %s, "
	    "search: %zu steps, highest rate held %llu a flow, %llu flow%s"
	    "</text>\n", SEQTEST_VERSION, n, (unsigned long long)sa->held,
	    (unsigned long long)sa->flows, sa->flows == 1 ? "" : "s");
	put_lines(fp, cmd, 44);
	memcpy(st, sa->steps, n * sizeof(*st));
	qsort(st, n, sizeof(*st), by_offered);
	a.top = TOP_TIME;
	a.xmax = n != 0 && st[n - 1].offered > 0 ? st[n - 1].offered * 1.05 : 1;
	knee_range(&a, st, n);
	open_plot(fp, &a, "knee", "Latency against the rate offered",
	    "messages offered a second, all flows (dots: green held, red "
	    "missed)");
	time_ticks(fp, &a);
	if (sa->held != 0)
		fprintf(fp, "<path class=\"k\" d=\"M%.1f %dv%d\"/>\n",
		    x_px(&a, (double)(sa->held * sa->flows)), a.top, PLOT_H);
	for (i = 0; i < 2; i++)
		knee_series(fp, &a, st, n, (int)i);
	/* Past the title, which is longer than the run's plots'. */
	legend(fp, &a, 1, "s a", "p50");
	legend(fp, &a, 2, "s b", "p99");
	legend(fp, &a, 3, "k", "highest held");
	fputs("</g>\n</svg>\n", fp);
}

/*
 * The plot, of the run or the runs -m merged (t), or of a search (sa),
 * made in memory and written to fd, which plot_open gave, and closed.
 * Returns 0, or -1 after one line naming the file.
 */
static int
emit(int fd, const struct config *cfg, const struct report_totals *t,
    const struct search_answer *sa)
{
	struct search_step *st = NULL;
	char	*cmd, *svg = NULL;
	size_t	 len = 0;
	FILE	*fp = NULL;
	int	 rv = -1, err;

	if ((cmd = command_text(cfg, t)) != NULL &&
	    (sa == NULL || (st = calloc(sa->nsteps + 1, sizeof(*st))) != NULL) &&
	    (fp = open_memstream(&svg, &len)) != NULL) {
		if (sa != NULL)
			put_knee(fp, sa, st, cmd);
		else
			put_svg(fp, cfg, t, cmd);
		err = ferror(fp);
		if (fclose(fp) == 0 && !err)
			rv = write_all(fd, svg, len);
		else if (err)
			errno = ENOMEM;
	}
	err = errno;
	/* After EINTR the descriptor is gone on Linux: never retry. */
	if (close(fd) == -1 && errno != EINTR && rv == 0) {
		err = errno;
		rv = -1;
	}
	if (rv == -1) {
		errno = err;
		log_warn("plot %s", cfg->plot);
	}
	free(st);
	free(cmd);
	free(svg);
	return rv;
}

/* The plot of a run, or of the runs -m merged (t->merged): see emit. */
int
plot_write(int fd, const struct config *cfg, const struct report_totals *t)
{
	return emit(fd, cfg, t, NULL);
}

/* The knee curve of a search: see emit. */
int
plot_knee(int fd, const struct config *cfg, const struct search_answer *sa)
{
	return emit(fd, cfg, NULL, sa);
}
