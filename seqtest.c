/*
 * seqtest: verify that a TCP path delivers every byte, in order, under
 * load, and measure its round-trip latency.  This file only reads the
 * command line and hands the configuration to the supervisor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "errors.h"
#include "expect.h"
#include "merge.h"
#include "options.h"
#include "report.h"
#include "status.h"
#include "search.h"
#include "supervisor.h"

#define USAGE_WIDTH	79	/* -h fits an 80-column terminal */

/* The -o options for one set of modes, from options.c's table, wrapped. */
static void
usage_options(FILE *fp, enum opt_for who)
{
	char	 item[64];
	size_t	 i;
	int	 col = 0, len;

	fprintf(fp, "for %s:\n", opt_for_name(who));
	for (i = 0; i < opt_count(); i++) {
		if (opt_modes(i) != who)
			continue;
		len = opt_usage_item(i, item, sizeof(item));
		if (col > 0 && col + 1 + len > USAGE_WIDTH) {
			fputc('\n', fp);
			col = 0;
		}
		col += fprintf(fp, col > 0 ? " %s" : "  %s", item);
	}
	fputc('\n', fp);
}

static void
usage(FILE *fp)
{
	int	 who;

	fprintf(fp,
"usage: seqtest -s [-d] [-j | -J] [-o option=value[,...]] [local,]host:port ...\n"
"       seqtest -S [-d] [-j | -J] [-o option=value[,...]] [local,]host:port ...\n"
"       seqtest -r [-d] [-j | -J] [-o option=value[,...]] host:port ...\n"
"       seqtest -m [-j] [-o plot=file] file ...\n"
"       seqtest -h | -V\n"
"  -s send (a sender and a receiver per flow)   -S send synchronously\n"
"  -r reply   -m merge reports (file - is stdin)   -d progress and pids\n"
"  -j JSON report   -J JSON lines as the run goes   -V version\n"
"units: sizes " OPT_SIZES "; delays in ns; S in seconds\n"
"options ");
	/* The first heading ends that line: "..., for every mode:". */
	for (who = 0; who < OPT_FOR_N; who++)
		usage_options(fp, (enum opt_for)who);
	fputs("see seqtest(1)\n", fp);
}

/* One line naming what is wrong (also in JSON with -j, -J), exit 2. */
static int
usage_error(const struct config *cfg, const char *err)
{
	if (cfg->json)
		report_json_error(cfg->json, err, EXIT_BAD_INPUT);
	log_warnx("%s", err);
	return EXIT_BAD_INPUT;
}

static int
set_mode(struct config *cfg, enum mode m, char *err)
{
	if (cfg->mode != MODE_NONE && cfg->mode != m) {
		snprintf(err, OPT_ERRLEN, "only one of -s, -S, -r and -m may "
		    "be given");
		return -1;
	}
	cfg->mode = m;
	return 0;
}

static int
set_json(struct config *cfg, enum json_form form, char *err)
{
	if (cfg->json != JSON_NONE && cfg->json != form) {
		snprintf(err, OPT_ERRLEN, "only one of -j and -J may be given");
		return -1;
	}
	cfg->json = form;
	return 0;
}

/*
 * One flag, with its value if it takes one; returns 1 when -h or -V
 * has answered, -1 on error.
 */
static int
parse_flag(int c, const char *value, struct config *cfg, char *err)
{
	switch (c) {
	case 'd':
		cfg->debug++;
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	case 'j':
	case 'J':
		return set_json(cfg, c == 'j' ? JSON_DOC : JSON_LINES, err);
	case 'm':
		return set_mode(cfg, MODE_MERGE, err);
	case 'o':
		return opt_parse_list(cfg, value, err);
	case 'r':
	case 's':
	case 'S':
		return set_mode(cfg, c == 'r' ? MODE_REPLY : c == 's' ?
		    MODE_SEND : MODE_SYNC, err);
	case 'V':
		printf("seqtest %s\n", SEQTEST_VERSION);
		return 1;
	case ':':
		snprintf(err, OPT_ERRLEN, "flag -%c needs a value", optopt);
		return -1;
	default:
		snprintf(err, OPT_ERRLEN, "unknown flag -%c", optopt);
		return -1;
	}
}

/*
 * The flags, for getopt; a letter before ':' takes a value.  The first
 * ':' makes getopt quiet, and tell a missing value from a bad flag.
 */
#define FLAGS	":dhjJmo:rsSV"

/*
 * Flags and addresses in any order, the same with every libc: getopt
 * stops at an address where POSIX says so (and glibc only under
 * POSIXLY_CORRECT); it is taken, and getopt goes on after it.  All
 * after "--" are addresses.  The addresses go to addr, which has room
 * for argc.  Returns 1 when -h or -V has answered, -1 on error.
 */
static int
parse_args(int argc, char **argv, struct config *cfg, char **addr,
    int *naddr, char *err)
{
	int	 c, rv;

	opterr = 0;
	while (optind < argc) {
		if ((c = getopt(argc, argv, FLAGS)) != -1) {
			if ((rv = parse_flag(c, optarg, cfg, err)) != 0)
				return rv;
			continue;
		}
		if (optind > 1 && strcmp(argv[optind - 1], "--") == 0)
			break;
		if (optind < argc)
			addr[(*naddr)++] = argv[optind++];
	}
	while (optind < argc)
		addr[(*naddr)++] = argv[optind++];
	return 0;
}

/*
 * A descriptor of 0-2 closed at start would be taken by the first socket
 * or file, and our own output (-d progress, diagnostics) would go into
 * it.  Each closed one gets /dev/null, opened so that using it fails as
 * on a closed descriptor (EBADF): write-only for input, read-only for
 * output.  A report to a closed stdout is then one that cannot be
 * written, and report_close says so.
 */
static int
guard_std_fds(void)
{
	int	 fd, nfd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		do
			nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		while (nfd == -1 && errno == EINTR);
		if (nfd == -1)
			return -1;
		/* open takes the lowest free descriptor: this one. */
		if (nfd != fd) {
			(void)close(nfd);
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}

/* A seed from the clock when none was given; the report prints it. */
static void
default_seed(struct config *cfg)
{
	struct timespec ts;

	if (opt_given(cfg, "seed"))
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	cfg->seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	cfg->seed ^= (uint64_t)getpid() << 32;
}

/*
 * -m: files to merge, and of a run's options only plot=.  Returns the
 * status.
 */
static int
merge_files(struct config *cfg, char **files, int nfiles)
{
	char	 err[OPT_ERRLEN];

	if (opt_given_but(cfg, "plot"))
		snprintf(err, sizeof(err), "-m takes no -o option but plot=");
	else if (cfg->json == JSON_LINES)
		snprintf(err, sizeof(err), "-J is not for -m: -j gives the "
		    "merged document");
	else if (nfiles == 0)
		snprintf(err, sizeof(err), "-m needs a file, or - for the "
		    "standard input");
	else
		return merge_run(cfg, files, (size_t)nfiles);
	return usage_error(cfg, err);
}

/* Conditions of expect= or search=, in err after the option's name. */
static int
parse_conds(const char *name, const char *list, struct expect_cond **conds,
    size_t *n, char *err)
{
	char	 why[OPT_ERRLEN - 32];

	if (list == NULL || expect_parse(list, conds, n, why,
	    sizeof(why)) == 0)
		return 0;
	snprintf(err, OPT_ERRLEN, "option %s: %s", name, why);
	return -1;
}

/*
 * expect='s and search='s conditions, parsed once, here: a bad one is
 * refused before any address is resolved or anything is sent.
 */
static int
parse_expect(struct config *cfg, char *err)
{
	if (parse_conds("search", cfg->search, &cfg->search_conds,
	    &cfg->nsearch, err) == -1)
		return -1;
	return parse_conds("expect", cfg->expect, &cfg->expect_conds,
	    &cfg->nexpect, err);
}

/* What each flow needs, worked out once, and whether the run fits. */
static int
plan_run(const struct config *cfg, struct budget *plan, char *err)
{
	budget_plan(cfg, plan);
	return budget_check(cfg, plan, err, OPT_ERRLEN);
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct budget	 plan;
	char		 err[OPT_ERRLEN], **addr;
	int		 naddr = 0, rv;

	if (guard_std_fds() == -1) {
		log_warn("/dev/null for a closed standard descriptor");
		return EXIT_FAILED;
	}
	if ((addr = calloc((size_t)argc, sizeof(*addr))) == NULL) {
		log_warn("arguments");
		return EXIT_FAILED;
	}
	opt_defaults(&cfg);
	cfg.argc = argc;
	cfg.argv = argv;
	rv = parse_args(argc, argv, &cfg, addr, &naddr, err);
	if (rv == 0 && cfg.mode == MODE_MERGE)
		rv = merge_files(&cfg, addr, naddr);
	else if (rv == 0 && opt_finish(&cfg, err) == 0 &&
	    parse_expect(&cfg, err) == 0 &&
	    opt_resolve(&cfg, addr, naddr, err) == 0 &&
	    plan_run(&cfg, &plan, err) == 0) {
		default_seed(&cfg);
		rv = cfg.search != NULL ? search_run(&cfg, &plan) :
		    sup_run(&cfg, &plan);
	} else if (rv != 1)
		rv = usage_error(&cfg, err);
	else
		rv = EXIT_PASSED;	/* -h or -V answered */
	free(addr);
	opt_free(&cfg);
	return report_close(rv);
}
