/*
 * seqtest: verify that a TCP path delivers every byte, in order, under
 * load, and measure its round-trip latency.  This file only reads the
 * command line and hands the configuration to the supervisor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "errors.h"
#include "options.h"
#include "supervisor.h"

#define EXIT_USAGE	2

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: seqtest -s [-dj] [-o option=value[,...]] [local,]host:port ...\n"
"       seqtest -S [-dj] [-o option=value[,...]] [local,]host:port ...\n"
"       seqtest -r [-dj] [-o option=value[,...]] host:port ...\n"
"       seqtest -h | -V\n"
"  -s send (a sender and a receiver per flow)   -S send synchronously\n"
"  -r reply        -d progress and pids   -j JSON report   -V version\n"
"options (sizes in bytes, 40..65535; delays in ns):\n"
"  ssize ssize_min ssize_max    rsize rsize_min rsize_max    count=%d\n"
"  sdelay sdelay_min sdelay_max rdelay rdelay_min rdelay_max rinterval=%d\n"
"  threads  dump=FILE  verify=1  timeout=%d  maxconn=%d  conns=0\n"
"  duration=S  rate=N  interval=S  warmup=N  seed=N\n"
"see seqtest(1)\n", DEF_COUNT, DEF_RINTERVAL, DEF_TIMEOUT, DEF_MAXCONN);
}

/* One line naming what is wrong (a JSON document with -j), exit 2. */
static int
usage_error(const struct config *cfg, const char *err)
{
	const char *p;

	if (!cfg->json) {
		log_warnx("%s", err);
		return EXIT_USAGE;
	}
	printf("{\"error\": \"");
	for (p = err; *p != '\0'; p++)
		printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	printf("\", \"exit_status\": %d}\n", EXIT_USAGE);
	log_warnx("%s", err);
	return EXIT_USAGE;
}

static int
set_mode(struct config *cfg, enum mode m, char *err)
{
	if (cfg->mode != MODE_NONE && cfg->mode != m) {
		snprintf(err, OPT_ERRLEN, "only one of -s, -S and -r may be "
		    "given");
		return -1;
	}
	cfg->mode = m;
	return 0;
}

/* Flags and -o lists; returns 1 when -h or -V has answered, -1 on error. */
static int
parse_flags(int argc, char **argv, struct config *cfg, char *err)
{
	int	 c;

	opterr = 0;
	while ((c = getopt(argc, argv, ":dhjo:rsSV")) != -1) {
		switch (c) {
		case 'd':
			cfg->debug++;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'j':
			cfg->json = 1;
			break;
		case 'o':
			if (opt_parse_list(cfg, optarg, err) == -1)
				return -1;
			break;
		case 'r':
		case 's':
		case 'S':
			if (set_mode(cfg, c == 'r' ? MODE_REPLY : c == 's' ?
			    MODE_SEND : MODE_SYNC, err) == -1)
				return -1;
			break;
		case 'V':
			printf("seqtest %s\n", SEQTEST_VERSION);
			return 1;
		case ':':
			snprintf(err, OPT_ERRLEN, "flag -%c needs a value",
			    optopt);
			return -1;
		default:
			snprintf(err, OPT_ERRLEN, "unknown flag -%c", optopt);
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

	if (cfg->seed_set)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	cfg->seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	cfg->seed ^= (uint64_t)getpid() << 32;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	char		 err[OPT_ERRLEN];
	int		 rv;

	opt_defaults(&cfg);
	rv = parse_flags(argc, argv, &cfg, err);
	if (rv == 0 && opt_finish(&cfg, err) == 0 &&
	    opt_resolve(&cfg, argv + optind, argc - optind, err) == 0 &&
	    budget_check(&cfg, err, OPT_ERRLEN) == 0) {
		default_seed(&cfg);
		rv = sup_run(&cfg);
	} else if (rv != 1)
		rv = usage_error(&cfg, err);
	else
		rv = 0;
	opt_free(&cfg);
	return rv;
}
