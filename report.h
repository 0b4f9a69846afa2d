/*
 * The report: the text the original seqtest printed, one JSON document
 * (-j) or JSON lines as the run goes (-J), interval lines.  It reads
 * only what the supervisor, or -m's merge, hands it.
 */
#ifndef SEQTEST_REPORT_H
#define SEQTEST_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "errors.h"
#include "stats.h"
#include "status.h"
#include "tcpinfo.h"

/* A flow's final word: its counts as its workers reported them. */
struct flow_summary {
	uint32_t		 id;
	uint64_t		 key;		/* its identity on the wire */
	int			 failed;	/* ended abnormally */
	int			 cut_short;	/* ended early by the run's stop */
	int			 not_started;	/* never connected: a stop, a limit */
	int			 has_first;
	struct flow_error	 first;		/* its first error */
	uint64_t		 errors[ERR_KINDS];
	uint64_t		 sent_msgs;
	uint64_t		 sent_bytes;
	uint64_t		 recv_msgs;
	uint64_t		 recv_bytes;
	uint64_t		 replies;
	char			 peer[96];	/* remote address; "" = unused */
	struct tcp_view		 tcp;		/* the kernel's, at its end */
	struct tcp_view		 stall;		/* the kernel's, when it stalled */
	struct tcp_wait		 stall_wait;	/* and which way data stopped */
	/* The path's facts, and the replier's view (peerview.c). */
	char			 local[96];	/* sender: our end of it */
	uint64_t		 connect_ns;	/* sender: the connect's time */
	uint64_t		 idle_ns;	/* quiet before a fatal error */
	uint32_t		 mss;		/* our kernel's, toward the peer */
	int			 peer_closes;	/* the replier is ours */
	struct proto_view	 view;		/* its answer; view.key 0: none */
	char			 view_line[320];	/* the two-sided line */
};

/*
 * One interval of interval=: what moved during it and its own latencies
 * (the headline's), as its line says.  The supervisor keeps them, in
 * order, for -j's "intervals" and for plot=, which has intervals of its
 * own without interval= (supervisor.c).
 */
struct interval {
	uint64_t	 start_ns;	/* since the run started */
	uint64_t	 end_ns;
	uint64_t	 sent_msgs;
	uint64_t	 sent_bytes;
	uint64_t	 recv_msgs;
	uint64_t	 recv_bytes;
	uint64_t	 replies;
	uint64_t	 errors;	/* found during it */
	uint64_t	 stalls;	/* of them, flows the watchdog stalled */
	uint64_t	 latencies;	/* recorded during it */
	uint64_t	 p50_ns;	/* theirs, within 0.1%; 0 if none */
	uint64_t	 p99_ns;
	uint64_t	 max_ns;
};

/*
 * The path's facts over the flows, for the text report's Path: line:
 * the least MSS each way, the longest connect, a flow the replier saw
 * from another address than ours (a NAT or proxy), the longest quiet
 * before a connection failed.  0 or "" where unknown.
 */
struct report_path {
	uint32_t	 mss_req;	/* requests: the sender's kernel's */
	uint32_t	 mss_rep;	/* replies: the replier's kernel's */
	uint64_t	 connect_ns;
	uint64_t	 idle_ns;
	char		 seen[96];	/* how the replier saw that flow */
	char		 local[96];	/* and its own address */
};

#define PATH_MSS_NOTABLE	1220	/* below what a 1280-byte MTU path gives */
#define PATH_IDLE_NOTABLE	500000000	/* ns: quiet long enough to say */

/* Totals of a run, or of the runs -m merged. */
struct report_totals {
	uint64_t	 flows;
	uint64_t	 failed;
	uint64_t	 sent_msgs;
	uint64_t	 sent_bytes;
	uint64_t	 recv_msgs;
	uint64_t	 recv_bytes;
	uint64_t	 replies;
	uint64_t	 errors[ERR_KINDS];
	uint64_t	 nerrors;
	double		 secs;
	struct hist	*lat;		/* merged over the flows: the headline */
	struct hist	*svc;		/* rate=: service times (see flow.h) */
	uint64_t	 tcp_retrans;	/* the kernel's retransmits, all flows */
	struct hist	*rtt;		/* each flow's smoothed rtt, us */
	const struct interval *ivals;	/* -j: the intervals, in order */
	size_t		 nivals;
	uint64_t	 not_started;	/* flows never connected */
	const struct flow_summary *sums;	/* a run's flows, to name them */
	size_t		 nsums;
	size_t		 merged;	/* -m: documents merged; 0 = a run */
	struct report_path path;
	uint64_t	 start_wall_ns;	/* start_at=: the clock at the start */
};

/*
 * One condition of expect= as the run met it (expect.c judges it): the
 * figure in the unit of the JSON report, microseconds for latencies.
 */
struct report_expect {
	const char	*cond;		/* as given: "p99<2ms" */
	int		 have;		/* a figure to judge; 0: none, null */
	int		 held;
	double		 value;
};

/* Live figures of the run so far, for the interval lines. */
struct report_snapshot {
	uint64_t	 ns;
	uint64_t	 sent_msgs;
	uint64_t	 sent_bytes;
	uint64_t	 recv_msgs;
	uint64_t	 recv_bytes;
	uint64_t	 replies;
	uint64_t	 errors;
	uint64_t	 stalls;
	struct hist	*lat;
	uint64_t	 tcp_retrans;	/* ended and live flows' retransmits */
	uint64_t	 rtt_flows;	/* live flows the kernel gave a view of */
	uint64_t	 rtt_us;	/* their median smoothed rtt */
};

/* One step of search=: a run at one rate= (search.c). */
struct search_step {
	uint64_t	 rate;		/* rate=: messages a second, a flow */
	double		 offered;	/* messages a second, all flows */
	double		 achieved;	/* received a second, all flows */
	double		 secs;
	uint64_t	 latencies;
	uint64_t	 p50_ns;
	uint64_t	 p99_ns;
	uint64_t	 errors;
	int		 status;	/* the run's exit status */
	int		 held;		/* every condition, and no error */
	int		 early;		/* ended early: a condition missed */
};

/*
 * A search's answer: the highest rate= held and the lowest above it
 * missed (0: none), so the knee lies between them.
 */
struct search_answer {
	const struct search_step *steps;
	size_t		 nsteps;
	uint64_t	 flows;
	uint64_t	 held;
	uint64_t	 missed;
};

/*
 * Every write of the report is checked.  The first that fails makes
 * report_failed true (the supervisor then stops the run) and makes
 * report_close, at exit, say so and return 1.
 */
int	 report_failed(void);
int	 report_close(int);
int	 report_fail_status(int);

/* -m: writes the merged documents' flows, the elements of "flows". */
typedef void	 report_flows_fn(FILE *, const void *);

const char	*report_mode_name(enum mode);
void	 report_listening(const char *);
void	 report_addresses(const struct config *);
void	 report_start(const struct config *);
void	 report_flow_error(const struct config *, const struct flow_summary *);
void	 report_text(const struct config *, const struct report_totals *);
void	 report_interval(const struct config *, const struct interval *,
	    const struct report_snapshot *);
void	 report_flow_end(const struct config *, const struct flow_summary *);
void	 report_peer_view(const struct config *, const struct flow_summary *);
void	 report_json(const struct config *, const struct report_totals *,
	    const struct flow_summary *, size_t, const struct report_expect *,
	    int);
void	 report_json_merged(const struct config *, const struct report_totals *,
	    report_flows_fn *, const void *, report_flows_fn *, const void *,
	    int);
void	 report_search_step(const struct config *, const struct search_step *,
	    size_t);
void	 report_search(const struct config *, const struct search_answer *,
	    int);
void	 report_json_error(enum json_form, const char *, int);
double	 report_msg_rate(uint64_t, double);
double	 report_mbit_rate(uint64_t, double);

#endif
