/*
 * The supervisor.  It makes the shared segment before any fork, opens
 * each flow (or listens and accepts), forks the workers, and then only
 * watches: result records on the pipes, children ending, the watchdog,
 * signals.  A child that dies is reported; the other flows go on.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/wait.h>
#if defined(__linux__) && !defined(SEQTEST_NO_PDEATHSIG)
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "clock.h"
#include "expect.h"
#include "flow.h"
#include "intervals.h"
#include "net.h"
#include "peerview.h"
#include "plot.h"
#include "report.h"
#include "rng.h"
#include "status.h"
#include "supervisor.h"
#include "wallclock.h"
#include "worker.h"

#define KILL_GRACE_NS	(2 * NS_PER_SEC)	/* SIGTERM, then SIGKILL */
#define REC_MAX		(sizeof(struct lat_record) > sizeof(struct result) ? \
			    sizeof(struct lat_record) : sizeof(struct result))
#define READ_SIZE	16384		/* a pipe read: several tables' worth */
#define DUMP_RETRY_NS	20000000	/* between tries to open a FIFO */
#define ASK_MAX		8		/* failed flows whose replier is asked */
#define ASK_TIMEOUT	5		/* s, at most, to connect and to answer */

/* The signal that asked the run to stop (SIGINT, SIGTERM), 0 = none. */
static volatile sig_atomic_t got_stop;

/* The supervisor's view of one flow, or of one replier connection. */
struct sup_flow {
	int			 in_use;	/* slot holds a live flow */
	int			 result_fd;	/* read end, -1 once closed */
	int			 result_w;	/* write end, until the forks; -1 */
	int			 sock_fd;	/* our copy of the connection; -1 */
	int			 connecting;	/* sock_fd's connect is under way */
	uint64_t		 connect_end;	/* when it times out; 0 = never */
	uint64_t		 connect_start;	/* when it began */
	pid_t			 pid[2];	/* by process index; 0 = ended */
	int			 got_done[2];	/* REC_DONE read */
	struct result		 res[2];
	uint32_t		 first_kind[2];	/* REC_ERROR's kind + 1; 0: none */
	uint64_t		 found[ERR_KINDS]; /* errors we found ourselves */
	unsigned char		 part[REC_MAX];	/* a record read in part */
	size_t			 rlen;		/* bytes of a partial record */
	uint64_t		 lat_tables[LAT_KINDS];	/* tables read whole */
	int			 lat_partial[LAT_KINDS]; /* one coming in */
	int			 stopping;	/* we asked it to end */
	int			 unfinished;	/* a worker ended, its work not done */
	uint64_t		 progress;	/* counters' sum at last change */
	uint64_t		 progress_ns;	/* when they last changed */
	uint64_t		 stop_ns;	/* when we asked it to end */
	struct flow_shm		*shm;
	struct flow_area	*area;		/* sender modes */
	struct flow_summary	*sum;		/* its final word, for the report */
};

struct sup {
	const struct config	*cfg;
	pid_t			 pid;		/* ours, as the workers know it */
	struct sup_flow		*flows;
	struct flow_summary	*sums;
	size_t			 nslots;
	size_t			 alive;		/* children not yet reaped */
	int			*lfd;		/* replier's listeners */
	size_t			 nlfd;
	void			*seg;
	size_t			 seglen;
	struct budget		 plan;		/* buffer, ring and area sizes */
	void			*tables;	/* flows .. live: see alloc_tables */
	size_t			 tableslen;
	char			*areas;		/* sender modes: one per flow */
	int			 dump_fd;
	int			 plot_fd;	/* plot=: its file, until written */
	uint64_t		 start_ns;
	uint64_t		 end_ns;	/* the last flow's end, or 0 */
	uint64_t		 accepted;
	uint64_t		 queries;	/* of them, queries, not flows */
	struct view_table	*views;		/* replier: in the segment */
	int			 stopping;
	uint64_t		 stop_ns;	/* when the run was asked to stop */
	size_t			 cut_short;	/* flows its stop ended early */
	size_t			 not_started;	/* flows never connected: a stop,
						   a limit */
	struct report_totals	 tot;
	struct report_expect	 expect[EXPECT_MAX];	/* expect='s verdicts */
	struct pollfd		*pfd;
	size_t			*pfd_slot;
	unsigned char		*rbuf;		/* READ_SIZE: what a read brings */
	uint64_t		 stalls;	/* flows the watchdog stalled */
	uint64_t		 ival_ns;	/* the interval in effect; 0: none */
	void			*ival_mem;	/* intervals_mem's, for intervals */
	struct intervals	 ivals;
	uint64_t		 dbg_lost;	/* -d characters left out */
	const struct sup_watch	*watch;		/* a search's step; NULL */
	struct report_snapshot	 wsnap;		/* the watch's, each tick */
	uint64_t		 next_watch_ns;
};

/* The starts, which the watchdog and a stop end (see there). */
static void	 not_started(struct sup *, size_t, int);
static void	 connect_timeouts(struct sup *, uint64_t);

/* Installed so that SIGCHLD interrupts poll(): the loop then reaps. */
static void
on_chld(int sig)
{
	(void)sig;
}

static void
on_stop(int sig)
{
	got_stop = sig;
}

/*
 * The run is to stop: a signal asked, or the report could not be
 * written (report.c), which must not go on in silence.
 */
static int
stop_asked(void)
{
	return got_stop != 0 || report_failed();
}

/* No SA_RESTART: a signal must wake poll() so the loop sees its flag. */
static int
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static int
install_signals(void)
{
	if (set_handler(SIGCHLD, on_chld) == -1 ||
	    set_handler(SIGINT, on_stop) == -1 ||
	    set_handler(SIGTERM, on_stop) == -1 ||
	    set_handler(SIGPIPE, SIG_IGN) == -1) {
		log_warn("sigaction");
		return -1;
	}
	return 0;
}

/*
 * Maps len zero-filled bytes, MAP_SHARED or MAP_PRIVATE as flags says;
 * pages are taken only as they are written.
 */
static void *
map_zeroed(size_t len, int flags)
{
	void	*p;
#ifdef MAP_ANONYMOUS
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1,
	    0);
#else
	int	 fd, saved;

	/* POSIX before 2024 has no MAP_ANONYMOUS; /dev/zero is the same. */
	if ((fd = open("/dev/zero", O_RDWR)) == -1)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	saved = errno;
	(void)close(fd);
	errno = saved;
#endif
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Maps the one shared segment: a slot per flow, and for senders an area
 * per flow with its latency table and reply ring.  Zero-filled, which
 * is each part's empty state.  Where the system can tell, its pages are
 * not reserved up front: most are never used.
 */
#ifndef MAP_NORESERVE
#define MAP_NORESERVE	0
#endif

static void *
map_shared(size_t len)
{
	return map_zeroed(len, MAP_SHARED | MAP_NORESERVE);
}

/*
 * The slots, then, page-aligned, the replier's table of endings and the
 * areas (plan.area each, or none).
 */
static int
make_segment(struct sup *s)
{
	size_t	 n = s->nslots, shm;
	char	*base;

	size_t	 views = s->cfg->mode == MODE_REPLY ?
		    round_page(sizeof(struct view_table)) : 0;

	shm = round_page(n * sizeof(struct flow_shm));
	s->seglen = shm + views + n * s->plan.area;
	if ((base = map_shared(s->seglen)) == NULL) {
		log_warn("shared segment of %zu bytes", s->seglen);
		return -1;
	}
	s->seg = base;
	s->views = views != 0 ? (struct view_table *)(void *)(base + shm) :
	    NULL;
	s->areas = s->plan.area != 0 ? base + shm + views : NULL;
	return 0;
}

/* Bytes for n things of size bytes, so that the next part stays aligned. */
static size_t
part_len(size_t n, size_t size)
{
	return (n * size + CACHELINE - 1) / CACHELINE * CACHELINE;
}

/* Carves the next part of n things of size bytes from *p. */
static void *
carve_part(char **p, size_t n, size_t size)
{
	void	*part = *p;

	*p += part_len(n, size);
	return part;
}

/*
 * The supervisor's own tables (flows, summaries, poll sets, the run's
 * histograms, its read buffer) in one private mapping, which each child
 * unmaps right after the fork: the pages the supervisor writes later
 * would otherwise be kept, as they were, by every child that still maps
 * them.
 */
static int
alloc_tables(struct sup *s)
{
	size_t	 n = s->nslots, np = s->nslots + s->cfg->nep;
	size_t	 iv = intervals_mem(s->ival_ns), nh = 3 + (s->watch != NULL);
	char	*p;

	s->tableslen = part_len(n, sizeof(*s->flows)) +
	    part_len(n, sizeof(*s->sums)) + part_len(np, sizeof(*s->pfd)) +
	    part_len(np, sizeof(*s->pfd_slot)) +
	    part_len(nh, sizeof(struct hist)) + part_len(1, iv) +
	    part_len(1, READ_SIZE);
	if ((p = s->tables = map_zeroed(s->tableslen, MAP_PRIVATE)) == NULL) {
		log_warn("memory for %zu flows", n);
		return -1;
	}
	s->flows = carve_part(&p, n, sizeof(*s->flows));
	s->sums = carve_part(&p, n, sizeof(*s->sums));
	s->pfd = carve_part(&p, np, sizeof(*s->pfd));
	s->pfd_slot = carve_part(&p, np, sizeof(*s->pfd_slot));
	s->rbuf = carve_part(&p, 1, READ_SIZE);
	s->tot.lat = carve_part(&p, 1, sizeof(struct hist));
	s->tot.rtt = carve_part(&p, 1, sizeof(struct hist));
	s->tot.svc = carve_part(&p, 1, sizeof(struct hist));
	s->ival_mem = carve_part(&p, 1, iv);
	if (s->watch != NULL)
		s->wsnap.lat = carve_part(&p, 1, sizeof(struct hist));
	return 0;
}

static int
alloc_slots(struct sup *s)
{
	size_t	 i;

	if (alloc_tables(s) == -1)
		return -1;
	for (i = 0; i < s->nslots; i++) {
		s->flows[i].result_fd = -1;
		s->flows[i].result_w = -1;
		s->flows[i].sock_fd = -1;
		s->flows[i].shm = (struct flow_shm *)s->seg + i;
		if (s->areas != NULL)
			s->flows[i].area = (struct flow_area *)(void *)
			    (s->areas + i * s->plan.area);
		s->flows[i].sum = &s->sums[i];
	}
	return 0;
}

/*
 * A worker must not outlive the supervisor, even one killed by SIGKILL.
 * Linux ends it with us at once; elsewhere, or should the prctl fail,
 * the worker checks that we are still its parent twice a second
 * (worker.c): a failure needs no handling.  We may have died before the
 * prctl: then the worker was already re-parented.
 */
static void
tie_to_supervisor(pid_t sup)
{
#ifdef PR_SET_PDEATHSIG
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != sup)
		_exit(1);
}

/*
 * In a new child: tied to the supervisor's life, the default signal
 * dispositions, SIGTERM asks the worker to end, and every descriptor
 * the flow does not own is closed.
 */
static void
child_setup(struct sup *s, size_t slot)
{
	size_t	 i;

	tie_to_supervisor(s->pid);
	(void)set_handler(SIGCHLD, SIG_DFL);
	(void)set_handler(SIGINT, SIG_IGN);	/* the supervisor decides */
	(void)set_handler(SIGTERM, worker_on_term);
	(void)set_handler(SIGPIPE, SIG_IGN);
	for (i = 0; i < s->nslots; i++) {
		if (i != slot && s->flows[i].result_fd != -1)
			(void)close(s->flows[i].result_fd);
		/* A flow still connecting has its pipe whole. */
		if (i != slot && s->flows[i].result_w != -1)
			(void)close(s->flows[i].result_w);
		/* Nor may it hold another flow's connection open. */
		if (i != slot && s->flows[i].sock_fd != -1)
			(void)close(s->flows[i].sock_fd);
	}
	for (i = 0; i < s->nlfd; i++)
		(void)close(s->lfd[i]);
	if (s->plot_fd != -1)
		(void)close(s->plot_fd);
}

/*
 * The seed of a flow's own random stream, from the run's seed and, for a
 * host of a fleet that shares it, the host's seed_index (0 leaves it).
 */
static uint64_t
flow_seed(const struct config *cfg, uint32_t id)
{
	uint64_t st = cfg->seed ^ ((uint64_t)id * 0xd1342543de82ef95ULL) ^
	    (cfg->seed_index * 0x9e3779b97f4a7c15ULL);

	return rng_next(&st);
}

/*
 * A flow's identity on the wire, by which the replier keeps what it saw
 * of the flow: random for each run, even with seed=, and never 0.
 */
static uint64_t
flow_key(const struct sup *s, uint32_t id)
{
	uint64_t st = s->cfg->seed ^ clock_now() ^ (uint64_t)s->pid << 40 ^
	    (uint64_t)id * 0xd1342543de82ef95ULL;
	uint64_t k = rng_next(&st);

	return k != 0 ? k : 1;
}

/*
 * Forks one worker on fd for the flow in slot; the child never returns.
 * Returns the child's pid, or -1.
 */
static pid_t
fork_worker(struct sup *s, size_t slot, int fd, int wfd, enum role role)
{
	struct sup_flow	*sf = &s->flows[slot];
	struct flow	 f;
	sigset_t	 stops, old;
	pid_t		 pid;
	int		 err;

	/*
	 * A SIGTERM sent to the child before it has its own handler would
	 * run ours there and be lost: held until it has.
	 */
	(void)sigemptyset(&stops);
	(void)sigaddset(&stops, SIGTERM);
	(void)sigaddset(&stops, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stops, &old) == -1)
		return -1;
	if ((pid = fork()) != 0) {
		err = errno;
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		errno = err;
		return pid;
	}
	child_setup(s, slot);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	(void)close(sf->result_fd);
	memset(&f, 0, sizeof(f));
	f.id = sf->sum->id;
	f.fd = fd;
	f.result_fd = wfd;
	f.dump_fd = s->dump_fd;
	f.cfg = s->cfg;
	f.shm = sf->shm;
	f.area = sf->area;
	f.rbuf_size = s->plan.rbuf;
	f.sbuf_size = s->plan.sbuf;
	f.ring_max = s->plan.ring_max;
	f.ring_first = s->plan.ring_first;
	f.start_ns = s->start_ns;
	f.seed = flow_seed(s->cfg, sf->sum->id);
	f.key = sf->sum->key;
	f.views = s->views;
	f.slots = (const struct flow_shm *)s->seg;
	f.nslots = s->nslots;
	f.supervisor = s->pid;
	(void)munmap(s->tables, s->tableslen);	/* see alloc_tables */
	_exit(worker_run(&f, role));
}

/* Keeps and prints a flow's first error; later ones are only counted. */
static void
note_error(struct sup *s, struct sup_flow *sf, const struct flow_error *e)
{
	if (sf->sum->has_first)
		return;
	sf->sum->first = *e;
	sf->sum->has_first = 1;
	report_flow_error(s->cfg, sf->sum);
}

/* An error the supervisor itself finds: connect, fork, crash, stall. */
static void
flow_fail(struct sup *s, struct sup_flow *sf, struct flow_error *e)
{
	sf->found[e->kind]++;
	sf->sum->failed = 1;
	note_error(s, sf, e);
}

static void
fail_call(struct sup *s, struct sup_flow *sf, enum err_kind kind,
    const char *call, int err)
{
	struct flow_error e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.sys_errno = err;
	err_set_call(&e, call);
	flow_fail(s, sf, &e);
	if (err == EAGAIN && strcmp(call, "fork") == 0)
		log_warnx("fork: the process limit was reached (RLIMIT_NPROC): "
		    "raise it with ulimit -u, or run fewer flows");
	else if (err == EMFILE)
		log_warnx("%s: the descriptor limit was reached "
		    "(RLIMIT_NOFILE): raise it with ulimit -n, or run fewer "
		    "flows", call);
	else if (err == ENFILE)
		log_warnx("%s: the system's file table is full (fs.file-max)",
		    call);
}

static void
signal_flow(struct sup_flow *sf, int sig)
{
	int	 i;

	for (i = 0; i < 2; i++)
		if (sf->pid[i] > 0 && kill(sf->pid[i], sig) == -1 &&
		    errno != ESRCH)
			log_warn("kill %ld", (long)sf->pid[i]);
}

/* Asks a flow's children to end; SIGKILL follows if they do not. */
static void
stop_flow(struct sup_flow *sf, uint64_t now)
{
	if (sf->stopping)
		return;
	sf->stopping = 1;
	sf->stop_ns = now;
	signal_flow(sf, SIGTERM);
}

/*
 * The length of a record, from its type and length fields; 0 for one
 * no worker writes, which cannot be framed.  Every record's fields
 * start as a struct result's.
 */
static size_t
record_len(const struct result *r)
{
	if ((r->type == REC_ERROR || r->type == REC_DONE) &&
	    r->len == sizeof(struct result))
		return r->len;
	if (r->type == REC_LAT && r->len == sizeof(struct lat_record))
		return r->len;
	return 0;
}

/*
 * Whether a record's header is what this flow's workers write: its
 * flow's id, and a role of the run's mode.  Every record's header
 * starts as a struct result's.
 */
static int
valid_header(const struct sup *s, const struct sup_flow *sf,
    const struct result *r)
{
	int	 idx;

	if (r->flow != sf->sum->id || r->role >= ROLES)
		return 0;
	idx = flow_proc_index((enum role)r->role);
	return idx < flow_nprocs(s->cfg->mode) &&
	    flow_role(s->cfg->mode, idx) == (enum role)r->role;
}

/* A record that is not what a worker writes means the child is broken. */
static int
valid_result(const struct result *r)
{
	return r->first.kind < ERR_KINDS;
}

/* The run's histogram for latencies of a kind. */
static struct hist *
run_hist(struct sup *s, unsigned kind)
{
	return kind == LAT_SERVICE ? s->tot.svc : s->tot.lat;
}

/*
 * Part of a flow's latency table: into the run's histogram, walking
 * only the cells it has.  The first record of a table brings the
 * moments, the last one completes it.
 */
static void
take_latencies(struct sup *s, struct sup_flow *sf, const struct lat_record *r)
{
	struct hist	*into;

	if (r->ncells > LAT_CELLS || r->kind >= LAT_KINDS)
		return;
	into = run_hist(s, r->kind);
	if (r->first)
		hist_add_moments(into, &r->m);
	hist_add_cells(into, r->cell, r->ncells);
	sf->lat_partial[r->kind] = !r->last;
	if (r->last)
		sf->lat_tables[r->kind]++;
}

static void
take_result(struct sup *s, struct sup_flow *sf, const struct result *r)
{
	int	 idx = flow_proc_index((enum role)r->role);

	if (!valid_result(r))
		return;
	if (r->type == REC_ERROR) {
		sf->first_kind[idx] = r->first.kind + 1;
		note_error(s, sf, &r->first);
		return;
	}
	sf->res[idx] = *r;
	sf->got_done[idx] = 1;
	sf->sum->peer_closes |= r->peer_closes;
	if (r->ended != 0 && (sf->sum->idle_ns == 0 ||
	    r->idle_ns < sf->sum->idle_ns))
		sf->sum->idle_ns = r->idle_ns;
	if (r->ended != 0) {
		/* The flow is broken: its other process can stop now. */
		sf->sum->failed = 1;
		stop_flow(sf, clock_now());
	}
}

/*
 * Takes every whole record of the have bytes at buf, which is aligned;
 * returns the bytes taken.  One that cannot be framed, or whose header
 * names another flow or a role not of the run, means the child is
 * broken: all is taken, and dropped.
 */
static size_t
take_records(struct sup *s, struct sup_flow *sf, const unsigned char *buf,
    size_t have)
{
	const struct result *r;
	size_t	 len, pos = 0;

	/* Records are whole multiples of 8 bytes: each stays aligned. */
	while (have - pos >= 2 * sizeof(uint16_t)) {
		r = (const struct result *)(const void *)(buf + pos);
		if ((len = record_len(r)) == 0)
			return have;
		if (have - pos < len)
			break;
		if (!valid_header(s, sf, r))
			return have;
		if (r->type == REC_LAT)
			take_latencies(s, sf, (const void *)r);
		else
			take_result(s, sf, r);
		pos += len;
	}
	return pos;
}

/*
 * Reads what the flow's pipe holds, READ_SIZE bytes at a time into the
 * supervisor's buffer, after the part of a record the last read left;
 * closes the pipe at EOF.
 */
static void
read_results(struct sup *s, struct sup_flow *sf)
{
	unsigned char	*buf = s->rbuf;
	size_t		 have, took;
	ssize_t		 n;

	while (sf->result_fd != -1) {
		memcpy(buf, sf->part, sf->rlen);
		n = read(sf->result_fd, buf + sf->rlen, READ_SIZE - sf->rlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			(void)close(sf->result_fd);
			sf->result_fd = -1;
			return;
		}
		have = sf->rlen + (size_t)n;
		took = take_records(s, sf, buf, have);
		sf->rlen = have - took;
		memcpy(sf->part, buf + took, sf->rlen);
		/* Short of what was asked: the pipe is empty for now. */
		if (have < READ_SIZE)
			return;
	}
}

/* A child that ended without its result: killed, or broken. */
static void
child_lost(struct sup *s, struct sup_flow *sf, int idx, pid_t pid, int st)
{
	struct flow_error e;

	sf->unfinished = 1;
	if (sf->stopping && WIFSIGNALED(st))
		return;		/* we ended it; its cause is already noted */
	memset(&e, 0, sizeof(e));
	e.kind = ERR_CRASH;
	e.role = flow_role(s->cfg->mode, idx);
	e.pid = (int32_t)pid;
	if (WIFSIGNALED(st))
		e.signo = WTERMSIG(st);
	else
		e.exit_code = WEXITSTATUS(st);
	flow_fail(s, sf, &e);
	/* The flow is broken: its other process must not wait on it forever. */
	stop_flow(sf, clock_now());
}

/*
 * A worker that ended with its work unfinished and no error to say why:
 * stopped by a signal we did not send, or an early exit.  Not when we
 * asked it to stop, or the run is stopping: then the flow is cut short.
 */
static void
ended_early(struct sup *s, struct sup_flow *sf, int idx, pid_t pid)
{
	const struct result	*r = &sf->res[idx];
	struct flow_error	 e;

	sf->unfinished = 1;
	if (r->ended != 0 || sf->stopping || stop_asked())
		return;
	memset(&e, 0, sizeof(e));
	e.kind = ERR_INTERRUPTED;
	e.role = r->role;
	e.pid = (int32_t)pid;
	e.signo = r->stop_signo;
	flow_fail(s, sf, &e);
	/* Its other process must not wait for it. */
	stop_flow(sf, clock_now());
}

/*
 * A flow's final counts: from its workers' result records, which are
 * the word of each worker; from the live slot for one that died first.
 * Process 0 sends (or is the only one); the last one receives.
 */
static void
final_counts(const struct sup *s, const struct sup_flow *sf)
{
	const struct flow_shm	*shm = sf->shm;
	struct flow_summary	*c = sf->sum;
	int			 rx = flow_nprocs(s->cfg->mode) - 1;

	c->sent_msgs = sf->got_done[0] ? sf->res[0].sent_msgs : shm->sent_msgs;
	c->sent_bytes = sf->got_done[0] ? sf->res[0].sent_bytes :
	    shm->sent_bytes;
	c->recv_msgs = sf->got_done[rx] ? sf->res[rx].recv_msgs :
	    shm->recv_msgs;
	c->recv_bytes = sf->got_done[rx] ? sf->res[rx].recv_bytes :
	    shm->recv_bytes;
	c->replies = flow_replies(s->cfg->mode, c->sent_msgs, c->recv_msgs);
}

/*
 * The kernel's view at a flow's end.  Its workers have exited, and our
 * copy of the connection kept it as they left it; closing that copy
 * ends the connection (with close=reset, their SO_LINGER makes it an
 * RST).
 */
static void
end_connection(struct sup *s, struct sup_flow *sf)
{
	struct tcp_view	*tv = &sf->sum->tcp;

	tcpv_read(sf->sock_fd, tv);
	sf->sum->mss = tcpv_mss(sf->sock_fd);
	if (sf->sock_fd != -1)
		(void)close(sf->sock_fd);
	sf->sock_fd = -1;
	tcpv_count(tv, &s->tot.tcp_retrans, s->tot.rtt);
}

/*
 * A flow's errors by kind, the one count of them, for its summary and
 * for a snapshot: the supervisor's own, and each worker's, from its
 * REC_DONE; from one without (still running, or dead), as many as it
 * has counted live, of the kind of the first, which is all it told.
 */
static void
count_errors(const struct sup *s, const struct sup_flow *sf,
    uint64_t *errors)
{
	enum role	 role;
	size_t		 k;
	int		 idx;

	memcpy(errors, sf->found, sizeof(sf->found));
	for (idx = 0; idx < flow_nprocs(s->cfg->mode); idx++) {
		role = flow_role(s->cfg->mode, idx);
		if (sf->got_done[idx])
			for (k = 0; k < ERR_KINDS; k++)
				errors[k] += sf->res[idx].errors[k];
		else if (sf->first_kind[idx] != 0)
			errors[sf->first_kind[idx] - 1] +=
			    flow_live_errors(sf->shm, role);
	}
}

/*
 * A flow's end, as its receiving worker timed it, or now for one that
 * died first: the run ends with its last flow.
 */
static void
note_end(struct sup *s, const struct flow_shm *shm)
{
	uint64_t end = shm->end_ns != 0 ? shm->end_ns : clock_now();

	if (end > s->end_ns)
		s->end_ns = end;
}

/*
 * When the run ended.  The senders': when their last flow did, as its
 * worker timed it, so that a supervisor held up (stopped, or slow to be
 * scheduled) does not stretch the run; now when no flow started, and
 * for the replier, whose run is its time listening.
 */
static uint64_t
run_end(const struct sup *s, uint64_t now)
{
	if (s->cfg->mode != MODE_REPLY && s->end_ns > s->start_ns)
		return s->end_ns;
	return now;
}

/*
 * A replier's connection that ended: its ending, for a sender's query
 * (peerview.c).  The child wrote the flow's identity in its slot.
 */
static void
keep_ending(struct sup *s, const struct sup_flow *sf)
{
	const struct flow_summary	*c = sf->sum;
	struct proto_view		 v;

	if (s->views == NULL || sf->shm->key == 0)
		return;
	memset(&v, 0, sizeof(v));
	v.key = sf->shm->key;
	v.state = VIEW_ENDED;
	v.seqno = sf->shm->recv_msgs;
	v.replies = c->sent_msgs;
	v.idle_ns = c->idle_ns;
	v.kind = c->has_first ? c->first.kind + 1 : 0;
	v.detail = c->has_first ? c->first.detail : 0;
	v.mss = c->mss;
	v.conn = c->id;
	memcpy(v.peer, c->peer, sizeof(v.peer) - 1);	/* v is zeroed */
	peerview_keep(s->views, &v);
}

/* The least of two MSS, 0 being unknown. */
static uint32_t
least_mss(uint32_t a, uint32_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* A flow's path facts, into the run's (see struct report_path). */
static void
add_path(struct sup *s, const struct flow_summary *c)
{
	struct report_path *p = &s->tot.path;

	if (s->cfg->mode == MODE_REPLY)
		p->mss_rep = least_mss(p->mss_rep, c->mss);
	else
		p->mss_req = least_mss(p->mss_req, c->mss);
	if (c->connect_ns > p->connect_ns)
		p->connect_ns = c->connect_ns;
	if (c->failed && c->idle_ns > p->idle_ns)
		p->idle_ns = c->idle_ns;
}

/* Adds an ended flow to the totals and frees its slot. */
static void
finish_flow(struct sup *s, struct sup_flow *sf)
{
	struct report_totals	*t = &s->tot;
	struct flow_summary	*c = sf->sum;
	size_t			 k;

	if (sf->result_fd != -1)
		(void)close(sf->result_fd);
	sf->result_fd = -1;
	if (sf->result_w != -1)
		(void)close(sf->result_w);
	sf->result_w = -1;
	s->dbg_lost += sf->shm->send_dbg_lost + sf->shm->recv_dbg_lost;
	end_connection(s, sf);
	final_counts(s, sf);
	if (sf->got_done[0] && sf->res[0].query) {
		s->queries++;	/* a sender's question, not a flow */
		sf->in_use = 0;
		return;
	}
	count_errors(s, sf, c->errors);
	note_end(s, sf->shm);
	t->flows++;
	t->sent_msgs += c->sent_msgs;
	t->sent_bytes += c->sent_bytes;
	t->recv_msgs += c->recv_msgs;
	t->recv_bytes += c->recv_bytes;
	t->replies += c->replies;
	for (k = 0; k < ERR_KINDS; k++) {
		t->errors[k] += c->errors[k];
		t->nerrors += c->errors[k];
		c->failed |= c->errors[k] != 0;
	}
	t->failed += c->failed != 0;
	if (stop_asked() && sf->unfinished && !c->has_first &&
	    !c->not_started) {
		c->cut_short = 1;
		s->cut_short++;
	}
	/* What a worker that died had not sent. */
	for (k = 0; sf->area != NULL && k < LAT_KINDS; k++)
		if (sf->area->lat_sent[k] == sf->lat_tables[k] &&
		    !sf->lat_partial[k])
			hist_add_table(run_hist(s, k), &sf->area->lat[k]);
	add_path(s, c);
	keep_ending(s, sf);
	report_flow_end(s->cfg, c);
	if (s->cfg->debug && s->cfg->mode == MODE_REPLY)
		log_warnx("connection %u from %s closed: %llu messages, %llu "
		    "replies", c->id, c->peer,
		    (unsigned long long)c->recv_msgs,
		    (unsigned long long)c->replies);
	sf->in_use = 0;
}

/* Reaps every ended child; a flow ends when its children have. */
static void
reap_children(struct sup *s)
{
	struct sup_flow	*sf;
	size_t		 i;
	pid_t		 pid;
	int		 st, idx;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < s->nslots; i++) {
			sf = &s->flows[i];
			idx = sf->pid[0] == pid ? 0 : sf->pid[1] == pid ? 1 : -1;
			if (sf->in_use && idx != -1)
				break;
		}
		if (i == s->nslots)
			continue;
		s->alive--;
		sf->pid[idx] = 0;
		/*
		 * A reaped child's records are all in the pipe: read them
		 * before judging it lost, and, once the flow's last child
		 * is gone, to the EOF that closes the pipe.
		 */
		read_results(s, sf);
		if (!sf->got_done[idx])
			child_lost(s, sf, idx, pid, st);
		else if (!sf->res[idx].complete)
			ended_early(s, sf, idx, pid);
		if (sf->pid[0] == 0 && sf->pid[1] == 0)
			finish_flow(s, sf);
	}
}

/*
 * The wait a stalled flow was in: a send that did not return, if one
 * is under way (the sending side's half of the slot), else the reply
 * or request its receiving side waited for.
 */
static void
stall_wait(const struct sup *s, const struct sup_flow *sf,
    struct flow_error *e)
{
	const struct flow_shm	*shm = sf->shm;
	enum mode		 m = s->cfg->mode;

	if (shm->sending) {
		e->detail = DET_SENDING;
		e->dir = m == MODE_REPLY ? DIR_REP : DIR_REQ;
		e->role = flow_role(m, 0);
		e->seqno = shm->send_seqno;
		return;
	}
	e->dir = m == MODE_REPLY ? DIR_REQ : DIR_REP;
	e->role = flow_role(m, flow_nprocs(m) - 1);
	e->seqno = shm->wait.seqno;
	e->got = shm->wait.have;
	e->expected = shm->wait.need;
}

/* No progress for the timeout: say what the flow waited for, end it. */
static void
stall_flow(struct sup *s, struct sup_flow *sf, uint64_t now)
{
	struct flow_error e;

	memset(&e, 0, sizeof(e));
	e.kind = ERR_STALL;
	stall_wait(s, sf, &e);
	e.timeout_s = (uint32_t)s->cfg->timeout;
	/* What the kernel saw tells a dead path from a peer not reading. */
	tcpv_read(sf->sock_fd, &sf->sum->stall);
	tcpv_read_wait(sf->sock_fd, &sf->sum->stall_wait);
	flow_fail(s, sf, &e);
	s->stalls++;
	stop_flow(sf, now);
}

static uint64_t
flow_progress(const struct flow_shm *shm)
{
	return shm->sent_msgs + shm->sent_bytes + shm->recv_msgs +
	    shm->recv_bytes + shm->replies;
}

/* The supervisor owns timeouts: stalled flows, and stragglers to kill. */
static void
watchdog(struct sup *s, uint64_t now)
{
	struct sup_flow	*sf;
	uint64_t	 p, limit = s->cfg->timeout * NS_PER_SEC;
	size_t		 i;

	connect_timeouts(s, now);
	for (i = 0; i < s->nslots; i++) {
		sf = &s->flows[i];
		if (!sf->in_use || (sf->pid[0] == 0 && sf->pid[1] == 0))
			continue;
		if (sf->stopping) {
			if (now - sf->stop_ns > KILL_GRACE_NS)
				signal_flow(sf, SIGKILL);
			continue;
		}
		if ((p = flow_progress(sf->shm)) != sf->progress) {
			sf->progress = p;
			sf->progress_ns = now;
		} else if (limit != 0 && now - sf->progress_ns >= limit)
			stall_flow(s, sf, now);
	}
}

static void
stop_all(struct sup *s, uint64_t now)
{
	size_t	 i;

	s->stopping = 1;
	s->stop_ns = now;
	for (i = 0; i < s->nlfd; i++)
		(void)close(s->lfd[i]);
	s->nlfd = 0;
	for (i = 0; i < s->nslots; i++)
		if (s->flows[i].in_use && s->flows[i].connecting)
			not_started(s, i, 0);
		else if (s->flows[i].in_use)
			stop_flow(&s->flows[i], now);
}

/* -d: the pids of a flow's workers, for tests that signal them. */
static void
print_pids(const struct sup *s, const struct sup_flow *sf)
{
	enum mode m = s->cfg->mode;

	if (flow_nprocs(m) == 2)
		log_warnx("flow %u: %s pid %ld, %s pid %ld", sf->sum->id,
		    err_role_name(flow_role(m, 0)), (long)sf->pid[0],
		    err_role_name(flow_role(m, 1)), (long)sf->pid[1]);
	else
		log_warnx("%s %u: %s pid %ld", m == MODE_REPLY ? "connection" :
		    "flow", sf->sum->id, err_role_name(flow_role(m, 0)),
		    (long)sf->pid[0]);
}

/*
 * Makes a flow's result pipe, its read end non-blocking.  Returns 0, or
 * -1 with the flow failed and *err the errno.
 */
static int
open_pipe(struct sup *s, struct sup_flow *sf, int *err)
{
	const char	*call = "pipe";
	int		 p[2];

	if (pipe(p) == -1)
		goto fail;
	call = "fcntl";
	if (net_set_blocking(p[0], 0) == -1) {
		net_close(p[0]);
		net_close(p[1]);
		goto fail;
	}
	sf->result_fd = p[0];
	sf->result_w = p[1];
	return 0;
fail:
	*err = errno;
	fail_call(s, sf, ERR_IO, call, *err);
	return -1;
}

/*
 * Forks the flow's workers on fd, with its result pipe (made before its
 * connect, in sender modes).
 */
static void
fork_flow(struct sup *s, size_t slot, int fd)
{
	struct sup_flow	*sf = &s->flows[slot];
	int		 i, err, n = flow_nprocs(s->cfg->mode);

	if (sf->result_w == -1 && open_pipe(s, sf, &err) == -1)
		return;
	for (i = 0; i < n && !sf->sum->failed; i++) {
		sf->pid[i] = fork_worker(s, slot, fd, sf->result_w,
		    flow_role(s->cfg->mode, i));
		if (sf->pid[i] == -1) {
			sf->pid[i] = 0;
			fail_call(s, sf, ERR_IO, "fork", errno);
			stop_flow(sf, clock_now());
		} else
			s->alive++;
	}
	(void)close(sf->result_w);
	sf->result_w = -1;
	if (s->cfg->debug)
		print_pids(s, sf);
}

/* Takes a free slot for a new flow, its segment slot zeroed. */
static void
claim_slot(struct sup *s, size_t slot, uint32_t id, const char *peer)
{
	struct sup_flow		*sf = &s->flows[slot];
	struct flow_shm		*shm = sf->shm;
	struct flow_area	*area = sf->area;
	struct flow_summary	*sum = sf->sum;

	memset(sf, 0, sizeof(*sf));
	memset(shm, 0, sizeof(*shm));
	memset(sum, 0, sizeof(*sum));
	sf->shm = shm;
	sf->area = area;
	sf->sum = sum;

	sf->result_fd = -1;
	sf->result_w = -1;
	sf->sock_fd = -1;
	sf->in_use = 1;
	sf->progress_ns = clock_now();
	sum->id = id;
	snprintf(sum->peer, sizeof(sum->peer), "%s", peer);
}

/*
 * Sender modes: starts flow i's connect, without waiting for it; the
 * loop forks its workers once it is done (flow_connected).  Returns -1
 * when a system limit refused it: starting more would fail the same.
 */
static int
start_flow(struct sup *s, size_t i)
{
	const struct endpoint	*ep = &s->cfg->ep[i % s->cfg->nep];
	struct sup_flow		*sf = &s->flows[i];
	const char		*call = "socket";
	int			 fd, err = 0;

	claim_slot(s, i, (uint32_t)i, ep->name);
	sf->sum->key = flow_key(s, (uint32_t)i);
	sf->connect_start = clock_now();
	/* The pipe first: a flow whose connect is under way has all its
	 * descriptors, and a limit met stops the starts, not the forks. */
	if (open_pipe(s, sf, &err) == -1 ||
	    (fd = net_connect_start(ep, &call)) == -1) {
		if (err == 0) {
			err = errno;
			fail_call(s, sf, ERR_CONNECT, call, err);
		}
		finish_flow(s, sf);
		return err == EMFILE || err == ENFILE ? -1 : 0;
	}
	sf->sock_fd = fd;	/* kept for the kernel's view, until the end */
	sf->connecting = 1;
	if (s->cfg->timeout != 0)
		sf->connect_end = clock_now() + s->cfg->timeout * NS_PER_SEC;
	return 0;
}

/*
 * Ends a flow whose connection was never made.  Its socket is closed
 * first: it has no view of a connection to count.
 */
static void
unconnected(struct sup *s, struct sup_flow *sf)
{
	if (sf->sock_fd != -1)
		(void)close(sf->sock_fd);
	sf->sock_fd = -1;
	sf->connecting = 0;
	finish_flow(s, sf);
}

/*
 * Flow i's connect is done, or failed: its workers start, or it ends.
 * Returns -1 when its pipe or fork failed, a system limit that the
 * next flows would meet too.
 */
static int
flow_connected(struct sup *s, struct sup_flow *sf)
{
	const char	*call;
	int		 failed;

	sf->connecting = 0;
	if (net_connect_finish(sf->sock_fd, &call) == -1) {
		fail_call(s, sf, ERR_CONNECT, call, errno);
		unconnected(s, sf);
		return 0;
	}
	/* The watchdog counts from the workers' start, not the connect's. */
	sf->progress_ns = clock_now();
	sf->sum->connect_ns = sf->progress_ns - sf->connect_start;
	net_local_name(sf->sum->local, sizeof(sf->sum->local), sf->sock_fd);
	fork_flow(s, (size_t)(sf - s->flows), sf->sock_fd);
	failed = sf->sum->failed;
	if (sf->pid[0] == 0 && sf->pid[1] == 0)
		finish_flow(s, sf);
	return failed ? -1 : 0;
}

/*
 * A flow that never started: its connect cut short by the run's stop,
 * or never begun after a system limit (then it failed).  Its slot is
 * claimed, if it was not, so that the report names it.
 */
static void
not_started(struct sup *s, size_t i, int failed)
{
	const struct endpoint	*ep = &s->cfg->ep[i % s->cfg->nep];
	struct sup_flow		*sf = &s->flows[i];

	if (!sf->in_use)
		claim_slot(s, i, (uint32_t)i, ep->name);
	sf->sum->not_started = 1;
	sf->sum->failed = failed;
	s->not_started++;
	unconnected(s, sf);
}

/* A system limit met: the flows still connecting are not started. */
static void
stop_starts(struct sup *s)
{
	size_t	 i, n = 0;

	for (i = 0; i < s->nslots; i++)
		if (s->flows[i].in_use && s->flows[i].connecting) {
			not_started(s, i, 1);
			n++;
		}
	if (n > 0)
		log_warnx("%zu flows not started", n);
}

/* Connects that took longer than timeout= fail, as a blocking one would. */
static void
connect_timeouts(struct sup *s, uint64_t now)
{
	struct sup_flow	*sf;
	size_t		 i;

	for (i = 0; i < s->nslots; i++) {
		sf = &s->flows[i];
		if (!sf->in_use || !sf->connecting || sf->connect_end == 0 ||
		    now < sf->connect_end)
			continue;
		fail_call(s, sf, ERR_CONNECT, "connect", ETIMEDOUT);
		unconnected(s, sf);
	}
}

static int
open_listeners(struct sup *s)
{
	const struct endpoint	*ep;
	const char		*call;
	char			 name[96];
	size_t			 i;
	int			 fd;

	if ((s->lfd = calloc(s->cfg->nep, sizeof(*s->lfd))) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	for (i = 0; i < s->cfg->nep; i++) {
		ep = &s->cfg->ep[i];
		if ((fd = net_listen(s->cfg->ep, s->cfg->nep, i, name,
		    sizeof(name), &call)) == -1) {
			log_warn("listen on %s: %s", ep->name, call);
			return -1;
		}
		s->lfd[s->nlfd++] = fd;
		report_listening(name);
	}
	return 0;
}

static size_t
count_active(const struct sup *s)
{
	size_t	 i, n = 0;

	for (i = 0; i < s->nslots; i++)
		n += s->flows[i].in_use != 0;
	return n;
}

/* Accepts one connection and forks its replier child into a free slot. */
static void
accept_conn(struct sup *s, int lfd)
{
	char	 peer[96];
	size_t	 slot;
	int	 fd;

	if ((fd = net_accept(lfd, peer, sizeof(peer))) == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	for (slot = 0; slot < s->nslots && s->flows[slot].in_use; slot++)
		;
	if (slot == s->nslots) {
		log_warnx("accepted connection from %s: no free slot", peer);
		(void)close(fd);
		return;
	}
	claim_slot(s, slot, (uint32_t)s->accepted++, peer);
	fork_flow(s, slot, fd);
	s->flows[slot].sock_fd = fd;
	if (s->flows[slot].pid[0] == 0)
		finish_flow(s, &s->flows[slot]);
}

/* A live flow, as intervals.c reads it; 0 when the slot is free. */
static int
live_flow(const void *run, size_t slot, struct live_flow *lf)
{
	const struct sup	*s = run;
	const struct sup_flow	*sf = &s->flows[slot];
	uint64_t		 errors[ERR_KINDS];
	size_t			 k;

	if (!sf->in_use)
		return 0;
	lf->shm = sf->shm;
	lf->area = sf->area;
	count_errors(s, sf, errors);
	for (lf->nerrors = 0, k = 0; k < ERR_KINDS; k++)
		lf->nerrors += errors[k];
	lf->lat_tables = sf->lat_tables;
	lf->lat_partial = sf->lat_partial;
	lf->sock_fd = sf->sock_fd;
	return 1;
}

static void
start_intervals(struct sup *s)
{
	struct ival_source src;

	src.cfg = s->cfg;
	src.tot = &s->tot;
	src.stalls = &s->stalls;
	src.nslots = s->nslots;
	src.live = live_flow;
	src.run = s;
	intervals_start(&s->ivals, &src, s->ival_ns, s->ival_mem, s->start_ns);
}

/* The descriptors to wait on: result pipes, and listeners with room. */
static nfds_t
build_pollfds(struct sup *s)
{
	nfds_t	 n = 0;
	size_t	 i;

	for (i = 0; i < s->nslots; i++) {
		/* A flow has its result pipe once its connect is done. */
		if (s->flows[i].connecting) {
			s->pfd[n].fd = s->flows[i].sock_fd;
			s->pfd[n].events = POLLOUT;
		} else if (s->flows[i].result_fd != -1) {
			s->pfd[n].fd = s->flows[i].result_fd;
			s->pfd[n].events = POLLIN;
		} else
			continue;
		s->pfd_slot[n++] = i;
	}
	if (s->stopping || count_active(s) >= s->cfg->maxconn ||
	    (s->cfg->conns != 0 && s->accepted - s->queries >= s->cfg->conns))
		return n;
	for (i = 0; i < s->nlfd; i++) {
		s->pfd[n].fd = s->lfd[i];
		s->pfd[n].events = POLLIN;
		s->pfd_slot[n++] = s->nslots + i;
	}
	return n;
}

static int
run_done(const struct sup *s)
{
	if (s->cfg->mode != MODE_REPLY || s->stopping)
		return s->alive == 0 && count_active(s) == 0;
	return s->cfg->conns != 0 &&
	    s->accepted - s->queries >= s->cfg->conns && count_active(s) == 0;
}

/*
 * A search's step: the run so far, each tick, to the watch, which may
 * end the run now (stopped as by a signal, but not interrupted).
 */
static void
tick_watch(struct sup *s, uint64_t now)
{
	if (s->watch == NULL || s->stopping || now < s->next_watch_ns)
		return;
	s->next_watch_ns = now + (uint64_t)TICK_MS * 1000000;
	intervals_snapshot(&s->ivals, &s->wsnap, now);
	if (s->watch->tick(s->watch->arg, &s->wsnap, now - s->start_ns))
		stop_all(s, now);
}

/*
 * One turn of the loop: what is ready on the pipes, connects and
 * listeners, waiting up to wait_ms for it, then the ended children, a
 * stop, the watchdog and the interval line.  One connected flow's
 * workers start a turn: forks take long on a busy host, and the flows
 * started already are served between them, so that none waits on a
 * full result pipe (a start of many flows stays smooth).
 */
static void
serve(struct sup *s, int wait_ms)
{
	struct sup_flow	*sf;
	nfds_t		 n, i;
	size_t		 slot;
	int		 forked = 0;

	n = build_pollfds(s);
	if (poll(s->pfd, n, wait_ms) > 0) {
		for (i = 0; i < n; i++) {
			if (s->pfd[i].revents == 0)
				continue;
			slot = s->pfd_slot[i];
			sf = slot < s->nslots ? &s->flows[slot] : NULL;
			if (sf == NULL)
				accept_conn(s, s->pfd[i].fd);
			else if (!sf->connecting)
				read_results(s, sf);
			else if (!forked++ && flow_connected(s, sf) == -1)
				stop_starts(s);
		}
	}
	reap_children(s);
	if (stop_asked() && !s->stopping)
		stop_all(s, clock_now());
	watchdog(s, clock_now());
	intervals_tick(&s->ivals, clock_now());
	tick_watch(s, clock_now());
}

/* Waits for events until every flow has ended (or, -r, until stopped). */
static void
event_loop(struct sup *s)
{
	while (!run_done(s))
		serve(s, TICK_MS);
}

/*
 * Opens the dump file; a FIFO waits for its reader, as long as timeout=
 * (0: for ever) or until a stop signal.  O_NONBLOCK makes open() fail
 * with ENXIO rather than wait where no one can stop it; the descriptor
 * is made blocking once open.  With debug, says once that it waits.
 * Returns it, or -1 (errno 0: timed out).
 */
static int
open_dump_file(const char *path, uint64_t timeout, int debug)
{
	struct timespec	 pause = { 0, DUMP_RETRY_NS };
	uint64_t	 end = clock_now() + timeout * NS_PER_SEC;
	int		 fd;

	while ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_NONBLOCK, 0644)) == -1 && (errno == ENXIO || errno == EINTR)) {
		if (debug && errno == ENXIO) {
			log_warnx("dump file %s: waiting for a reader", path);
			debug = 0;
		}
		if (stop_asked() || (timeout != 0 && clock_now() >= end)) {
			errno = 0;
			return -1;
		}
		if (nanosleep(&pause, NULL) == -1 && errno != EINTR)
			return -1;
	}
	if (fd != -1 && net_set_blocking(fd, 1) == -1) {
		net_close(fd);
		return -1;
	}
	return fd;
}

static int
open_dump(struct sup *s)
{
	static const char header[] = "# flow time latency rsz ssz\n";
	const char	*path = s->cfg->dump;

	if (path == NULL || s->cfg->mode == MODE_REPLY)
		return 0;
	if ((s->dump_fd = open_dump_file(path, s->cfg->timeout,
	    s->cfg->debug)) == -1) {
		if (errno != 0)
			log_warn("dump file %s", path);
		else if (!stop_asked())
			log_warnx("dump file %s: no reader after %llu s", path,
			    (unsigned long long)s->cfg->timeout);
		return -1;
	}
	if (write(s->dump_fd, header, sizeof(header) - 1) !=
	    (ssize_t)sizeof(header) - 1) {
		log_warn("dump file %s", path);
		return -1;
	}
	return 0;
}

/*
 * Starts every flow's connect at once: a path that drops SYNs fails them
 * all within one timeout=, not one after the other.  A system limit
 * stops the starts; the flows left are not started, and failed.
 */
static void
start_flows(struct sup *s)
{
	size_t	 i, j;

	for (i = 0; i < s->nslots && !stop_asked(); i++) {
		if (start_flow(s, i) == 0)
			continue;
		/* Those connecting already go on, while they can. */
		if (i + 1 < s->nslots)
			log_warnx("%zu flows not started", s->nslots - i - 1);
		for (j = i + 1; j < s->nslots; j++)
			not_started(s, j, 1);
		return;
	}
	/* A stop in the middle: the flows after it are not started. */
	for (j = i; j < s->nslots; j++)
		not_started(s, j, 0);
}

/*
 * A sender run stopped by a signal exits 1: say so, and how many flows
 * it cut short.  The replier's normal end is a signal: nothing to say.
 */
static void
report_stop(const struct sup *s)
{
	uint64_t	 at = s->stop_ns ? s->stop_ns : clock_now();
	char		 more[48] = "";

	/* A report that failed stopped the run: it has said so. */
	if (!got_stop || s->cfg->mode == MODE_REPLY || report_failed())
		return;
	/* start_ns is 0 until the flows start. */
	if (s->not_started != 0)
		snprintf(more, sizeof(more), ", %zu never started",
		    s->not_started);
	log_warnx("interrupted by SIG%s after %.1f s; %zu flow%s ended "
	    "early%s", got_stop == SIGINT ? "INT" : "TERM", s->start_ns == 0 ?
	    0.0 : (double)(at - s->start_ns) / NS_PER_SEC, s->cut_short,
	    s->cut_short == 1 ? "" : "s", more);
}

static void
release(struct sup *s)
{
	size_t	 i;

	for (i = 0; i < s->nlfd; i++)
		(void)close(s->lfd[i]);
	if (s->dump_fd != -1)
		(void)close(s->dump_fd);
	if (s->plot_fd != -1)
		(void)close(s->plot_fd);
	if (s->seg != NULL)
		(void)munmap(s->seg, s->seglen);
	if (s->tables != NULL)
		(void)munmap(s->tables, s->tableslen);
	free(s->lfd);
	intervals_free(&s->ivals);
}

/*
 * start_at=: waits for the wall clock's time, then the run starts on the
 * monotonic clock; the wall clock then is kept for the report, which
 * shows how far apart hosts that shared the time started.  Returns 0,
 * or -1 when a signal stopped the wait.
 */
static int
wait_start(struct sup *s)
{
	if (wall_wait(s->cfg->start_at_ns, &got_stop) == -1) {
		if (!got_stop)
			log_warn("waiting for start_at");
		return -1;
	}
	s->tot.start_wall_ns = wall_now();
	return 0;
}

/*
 * Everything before the first flow starts.  Returns 0, or the exit
 * status of a run that could not be set up.
 */
static int
set_up(struct sup *s)
{
	const struct config *cfg = s->cfg;

	if (install_signals() == -1 || make_segment(s) == -1 ||
	    alloc_slots(s) == -1)
		return EXIT_FAILED;
	/* A path the user gave that cannot be opened: bad input. */
	if (open_dump(s) == -1)
		return stop_asked() ? EXIT_FAILED : EXIT_BAD_INPUT;
	/* Before the run, not after it: a path that fails, fails at once. */
	if (cfg->plot != NULL && (s->plot_fd = plot_open(cfg->plot)) == -1)
		return stop_asked() ? EXIT_FAILED : EXIT_BAD_INPUT;
	if (cfg->mode == MODE_REPLY && open_listeners(s) == -1)
		return EXIT_FAILED;
	if (cfg->mode != MODE_REPLY && !cfg->json && s->watch == NULL)
		report_addresses(cfg);
	if (cfg->start_at_ns != 0 && wait_start(s) == -1)
		return EXIT_FAILED;
	s->start_ns = clock_now();
	start_intervals(s);
	return EXIT_PASSED;
}

/*
 * Judges expect='s conditions, once, after the run: a run that failed
 * stays 1, one that passed is 3 when a condition was missed.  A run
 * never started has no figures.  Returns the exit status.
 */
static int
judge_expect(struct sup *s, int ran, int status)
{
	const struct config *cfg = s->cfg;
	size_t	 missed;

	missed = expect_check(cfg->expect_conds, cfg->nexpect,
	    ran ? &s->tot : NULL, s->expect);
	return status == EXIT_PASSED && missed > 0 ? EXIT_MISSED : status;
}

/* plot=: the run's plot; one that cannot be written fails the run. */
static int
write_plot(struct sup *s, int status)
{
	int	 fd = s->plot_fd;

	s->plot_fd = -1;
	if (fd == -1 || plot_write(fd, s->cfg, &s->tot) == 0)
		return status;
	return report_fail_status(status);
}

/* Is a failed flow's replier worth asking?  Only if it was connected. */
static int
worth_asking(const struct flow_summary *c)
{
	return c->failed && c->has_first && !c->cut_short && c->key != 0 &&
	    c->first.kind != ERR_CONNECT;
}

/*
 * Asks the replier of flow i what it saw of it; keeps the answer (its
 * view of the path) and, for a failed flow, says the two-sided line.
 */
static void
ask_peer(struct sup *s, size_t i)
{
	struct flow_summary	*c = &s->sums[i];
	struct peer_answer	 a;
	uint64_t		 t = s->cfg->timeout;

	peerview_ask(&s->cfg->ep[i % s->cfg->nep], c->key,
	    t != 0 && t < ASK_TIMEOUT ? t : ASK_TIMEOUT, &a);
	c->view = a.v;
	c->view.key = c->key;		/* asked */
	if (c->failed)
		peerview_line(c->view_line, sizeof(c->view_line), &c->first,
		    &a);
	report_peer_view(s->cfg, c);
	if ((a.v.state == VIEW_ENDED || a.v.state == VIEW_LIVE) &&
	    s->tot.path.seen[0] == '\0' && a.v.peer[0] != '\0' &&
	    strcmp(a.v.peer, c->local) != 0) {
		snprintf(s->tot.path.seen, sizeof(s->tot.path.seen), "%s",
		    a.v.peer);
		snprintf(s->tot.path.local, sizeof(s->tot.path.local), "%s",
		    c->local);
	}
	if (a.v.state == VIEW_ENDED || a.v.state == VIEW_LIVE)
		s->tot.path.mss_rep = least_mss(s->tot.path.mss_rep, a.v.mss);
}

/*
 * After the run, never during it: the repliers of failed flows are
 * asked what they saw, ASK_MAX of them; without a failure, one flow's,
 * where the replier is ours, for the path's facts.
 */
static void
ask_peers(struct sup *s)
{
	size_t	 i, asked = 0;

	if (s->cfg->mode == MODE_REPLY || got_stop)
		return;
	for (i = 0; i < s->nslots && asked < ASK_MAX; i++)
		if (worth_asking(&s->sums[i])) {
			ask_peer(s, i);
			asked++;
		}
	for (i = 0; asked == 0 && i < s->nslots; i++)
		if (s->sums[i].peer_closes && !s->sums[i].failed) {
			ask_peer(s, i);
			break;
		}
}

/*
 * The run's report: -j, -J's summary or the text, and expect='s lines.
 * A search's step has none: the search reports it (search.c).
 */
static void
report_run(struct sup *s, int ran, int status)
{
	const struct config *cfg = s->cfg;

	if (s->watch != NULL) {
		if (ran)
			s->watch->end(s->watch->arg, &s->tot);
		return;
	}
	/* -j, -J: a document at every ending, a run not set up included. */
	if (cfg->json)
		report_json(cfg, &s->tot, s->sums, s->sums != NULL ?
		    s->nslots : 0, s->expect, status);
	else if (ran)
		report_text(cfg, &s->tot);
	/* After the report: its last words on a terminal. */
	if (ran)
		expect_warn(cfg->expect_conds, cfg->nexpect, s->expect);
}

/*
 * Runs the whole test as configured and prints its report, or with a
 * watch, hands the totals to it.  Returns the exit status: 0 when every
 * flow exchanged everything and every check held, 1 otherwise (a plot
 * that could not be written too), 2 for a dump or plot file that cannot
 * be opened, 3 when the run passed but missed a condition of expect=.
 */
int
sup_run_watched(const struct config *cfg, const struct budget *plan,
    const struct sup_watch *watch)
{
	struct sup	 s;
	uint64_t	 end;
	int		 status, ran;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.watch = watch;
	s.pid = getpid();
	s.dump_fd = -1;
	s.plot_fd = -1;
	s.ival_ns = intervals_step(cfg);
	s.nslots = plan->nflows;
	s.plan = *plan;
	if (watch == NULL)
		report_start(cfg);
	status = set_up(&s);
	ran = status == EXIT_PASSED;
	if (ran) {
		if (cfg->mode != MODE_REPLY)
			start_flows(&s);
		event_loop(&s);
		end = intervals_last(&s.ivals, run_end(&s, clock_now()),
		    &s.tot);
		ask_peers(&s);
		s.tot.secs = (double)(end - s.start_ns) / NS_PER_SEC;
		s.tot.not_started = s.not_started;
		s.tot.sums = s.sums;
		s.tot.nsums = s.nslots;
		status = s.tot.failed != 0 || s.tot.nerrors != 0 ||
		    (got_stop && cfg->mode != MODE_REPLY) || report_failed() ?
		    EXIT_FAILED : EXIT_PASSED;
	}
	status = judge_expect(&s, ran, status);
	/* Before the report, whose exit status counts it. */
	if (ran)
		status = write_plot(&s, status);
	report_stop(&s);
	report_run(&s, ran, status);
	if (s.dbg_lost != 0)
		log_warnx("-d: %llu progress characters left out: standard "
		    "output was not ready for them", (unsigned long long)s.dbg_lost);
	release(&s);
	return status;
}

int
sup_run(const struct config *cfg, const struct budget *plan)
{
	return sup_run_watched(cfg, plan, NULL);
}
