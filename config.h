/*
 * The run's configuration: what the command line asked for, checked and
 * resolved.  Built by seqtest.c (through options.c), read by everyone.
 */
#ifndef SEQTEST_CONFIG_H
#define SEQTEST_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

enum mode {
	MODE_NONE = 0,
	MODE_SEND,		/* -s: a sender and a receiver process per flow */
	MODE_SYNC,		/* -S: one process per flow, send then wait */
	MODE_REPLY,		/* -r: one process per accepted connection */
	MODE_MERGE		/* -m: reports of other runs, merged into one */
};

/* The report's form: text, one JSON document (-j), JSON lines (-J). */
enum json_form {
	JSON_NONE = 0,
	JSON_DOC,
	JSON_LINES
};

/* How a sender ends a flow, after its closing exchange. */
enum close_mode {
	CLOSE_FULL = 0,		/* close after the closing reply */
	CLOSE_HALF,		/* shut down writing after the last request */
	CLOSE_RESET		/* an RST (SO_LINGER 0) after the closing reply */
};

struct expect_cond;		/* one condition of expect= (expect.h) */

struct range {
	uint64_t	min;
	uint64_t	max;
};

/* One resolved address: where to connect (or listen), and where from. */
struct endpoint {
	struct sockaddr_storage	addr;
	socklen_t		addrlen;
	struct sockaddr_storage	local;		/* LOCAL,REMOTE:PORT form */
	socklen_t		locallen;	/* 0: no local bind */
	char			name[96];	/* "127.0.0.1 port 9000" */
};

/* Defaults, named once so the man page, usage and code agree. */
#define DEF_COUNT	1000
#define DEF_RINTERVAL	1
#define DEF_TIMEOUT	30
#define DEF_MAXCONN	1024
#define DEF_RDLY_LIMIT	1000000000u	/* replier: largest rdly honoured, ns */
#define MAX_FLOWS	10000
/* The supervisor's tick, its longest sleep: interval= is no finer. */
#define TICK_MS		100
#define DEF_SEARCH_START	100	/* search=: the first rate, without rate= */
#define DEF_SEARCH_MAX		1000000	/* search=: the highest rate tried */
#define DEF_SEARCH_STEPS	16	/* search=: the most steps */
#define DEF_SEARCH_SECS		2	/* search=: a step's duration= */
#define START_AT_AHEAD		86400	/* s: start_at= at most a day ahead */

struct config {
	enum mode	 mode;
	int		 debug;		/* -d: progress characters, pids */
	enum json_form	 json;		/* -j, -J: a JSON report */
	struct range	 ssize;		/* whole message sizes, 40..65535 */
	struct range	 rsize;
	struct range	 sdelay;	/* ns before each send */
	struct range	 rdelay;	/* ns asked of the replier */
	uint64_t	 rinterval;	/* reply to every Nth; 0 = never */
	uint64_t	 count;		/* messages per flow; 0 = see duration */
	uint64_t	 threads;	/* flows; 0 = one per address */
	int		 verify;	/* check payload patterns */
	enum close_mode	 close;
	char		*dump;		/* per-reply samples, or NULL */
	uint64_t	 timeout;	/* s without progress before a flow is stalled */
	uint64_t	 maxconn;	/* replier: concurrent connection children */
	uint64_t	 conns;		/* replier: exit after this many; 0 = never */
	uint64_t	 duration;	/* ns to send for, instead of count */
	uint64_t	 rate;		/* messages per second per flow; 0 = no pacing */
	uint64_t	 interval;	/* ns between progress lines; 0 = none,
					   else TICK_MS at least */
	uint64_t	 warmup;	/* replies per flow left out of statistics */
	uint64_t	 seed;
	char		*expect;	/* expect=: conditions as given, or NULL */
/* Between expect='s conditions: a comma would end the -o item. */
#define EXPECT_SEP	'/'
	char		*plot;		/* plot=: the SVG file, or NULL */
	struct expect_cond *expect_conds;	/* parsed by seqtest.c's main */
	size_t		 nexpect;
	char		*search;	/* search=: its conditions, or NULL */
	struct expect_cond *search_conds;	/* parsed by opt_finish */
	size_t		 nsearch;
	uint64_t	 search_max;	/* the highest rate= a step may have */
	uint64_t	 search_steps;	/* the most steps */
	char		*start_at;	/* start_at=: as given, or NULL */
	uint64_t	 start_at_ns;	/* its wall-clock time; 0 = none */
	char		*label;		/* label=: the run's name, or NULL */
	uint64_t	 seed_index;	/* this host's, in a fleet of one seed */
	uint64_t	 given;		/* what was given; see options.c */
	struct endpoint	*ep;
	size_t		 nep;
	char *const	*argv;		/* the command as typed, for plot= */
	int		 argc;
};

/* A sender run's flows: threads=, or one per address. */
static inline uint64_t
config_flows(const struct config *c)
{
	return c->threads ? c->threads : c->nep;
}

#endif
