/*
 * The supervisor: opens the flows (or listens), forks the workers,
 * owns the shared segment, the result pipes, the signals, the watchdog
 * and the report.
 */
#ifndef SEQTEST_SUPERVISOR_H
#define SEQTEST_SUPERVISOR_H

#include <sys/types.h>

#include <stdint.h>

#include "config.h"
#include "stats.h"
#include "worker.h"

/* The supervisor's view of one flow, or of one replier connection. */
struct sup_flow {
	uint32_t		 id;
	int			 in_use;	/* slot holds a live flow */
	int			 result_fd;	/* read end, -1 once closed */
	pid_t			 pid[2];	/* 0 = not running */
	int			 got_done[2];	/* REC_DONE read, by child */
	struct result		 res[2];	/* by child: sender/sync/replier, receiver */
	unsigned char		 rbuf[2 * sizeof(struct result)];
	size_t			 rlen;		/* bytes of a partial record */
	struct flow_error	 first;		/* the flow's first error */
	int			 has_first;
	uint64_t		 errors[ERR_KINDS];
	int			 failed;	/* ended abnormally */
	int			 stopping;	/* we asked it to end */
	uint64_t		 progress;	/* counters' sum at last change */
	uint64_t		 progress_ns;	/* when they last changed */
	uint64_t		 stop_ns;	/* when we asked it to end */
	struct flow_shm		*shm;
	char			 peer[96];	/* remote address, for messages */
};

/* Totals of a run, for the report. */
struct sup_totals {
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
	struct hist	*lat;		/* merged over the flows */
};

/* Live figures of the run so far, for the interval lines. */
struct sup_snapshot {
	uint64_t	 ns;
	uint64_t	 sent_msgs;
	uint64_t	 sent_bytes;
	uint64_t	 recv_msgs;
	uint64_t	 recv_bytes;
	uint64_t	 replies;
	uint64_t	 errors;
	struct hist	*lat;
};

int	 sup_run(const struct config *);

/* report.c */
void	 report_format_error(char *, size_t, const struct flow_error *);
void	 report_addresses(const struct config *);
void	 report_text(const struct config *, const struct sup_totals *);
void	 report_interval(const struct config *, uint64_t,
	    const struct sup_snapshot *, const struct sup_snapshot *,
	    struct hist *);
void	 report_json_conn(const struct sup_flow *);
void	 report_json(const struct config *, const struct sup_totals *,
	    const struct sup_flow *, size_t, int);

#endif
