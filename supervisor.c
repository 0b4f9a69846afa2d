/*
 * The supervisor.  It makes the shared segment before any fork, opens
 * each flow (or listens and accepts), forks the workers, and then only
 * watches: result records on the pipes, children ending, the watchdog,
 * signals.  A child that dies is reported; the other flows go on.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "supervisor.h"

#define KILL_GRACE_NS	2000000000u	/* SIGTERM, then SIGKILL after this */
#define TICK_MS		100		/* the loop's longest sleep */

/* Compile-time checks, C99 style: a record must fit POSIX's smallest
 * PIPE_BUF to be written atomically; each half of a slot, a cache line. */
typedef char result_fits_pipe_buf[sizeof(struct result) <= 512 ? 1 : -1];
typedef char slot_is_two_lines[sizeof(struct flow_shm) == 2 * CACHELINE ?
    1 : -1];

static volatile sig_atomic_t got_chld;
static volatile sig_atomic_t got_stop;

struct sup {
	const struct config	*cfg;
	struct sup_flow		*flows;
	size_t			 nslots;
	size_t			 alive;		/* children not yet reaped */
	int			*lfd;		/* replier's listeners */
	size_t			 nlfd;
	void			*seg;
	size_t			 seglen;
	struct ring_entry	*rings;
	struct hist		*hists;
	int			 dump_fd;
	uint64_t		 start_ns;
	uint64_t		 accepted;
	int			 stopping;
	struct sup_totals	 tot;
	struct pollfd		*pfd;
	size_t			*pfd_slot;
	struct sup_snapshot	 snap[2];	/* interval: last, now */
	struct hist		*ival;		/* interval's own latencies */
	uint64_t		 next_ival_ns;
};

static void
on_chld(int sig)
{
	(void)sig;
	got_chld = 1;
}

static void
on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
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
		fprintf(stderr, "seqtest: sigaction: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Maps one shared anonymous segment: a slot per flow, and for senders a
 * reply ring and a histogram per flow.  Zero-filled, which is each
 * part's empty state.  Pages are touched only as flows use them.
 */
static void *
map_shared(size_t len)
{
	void	*p;
#ifdef MAP_ANONYMOUS
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
#else
	int	 fd, saved;

	/* POSIX before 2024 has no MAP_ANONYMOUS; /dev/zero is the same. */
	if ((fd = open("/dev/zero", O_RDWR)) == -1)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	saved = errno;
	(void)close(fd);
	errno = saved;
#endif
	return p == MAP_FAILED ? NULL : p;
}

static int
make_segment(struct sup *s)
{
	size_t	 n = s->nslots, shm, ring = 0, hist = 0;
	char	*base;

	shm = n * sizeof(struct flow_shm);
	if (s->cfg->mode != MODE_REPLY) {
		ring = n * RING_SIZE * sizeof(struct ring_entry);
		hist = n * sizeof(struct hist);
	}
	s->seglen = shm + ring + hist;
	if ((base = map_shared(s->seglen)) == NULL) {
		fprintf(stderr, "seqtest: shared segment of %zu bytes: %s\n",
		    s->seglen, strerror(errno));
		return -1;
	}
	s->seg = base;
	s->rings = ring ? (struct ring_entry *)(void *)(base + shm) : NULL;
	s->hists = hist ? (struct hist *)(void *)(base + shm + ring) : NULL;
	return 0;
}

static int
alloc_slots(struct sup *s)
{
	size_t	 i;

	s->flows = calloc(s->nslots, sizeof(*s->flows));
	s->pfd = calloc(s->nslots + s->cfg->nep, sizeof(*s->pfd));
	s->pfd_slot = calloc(s->nslots + s->cfg->nep, sizeof(*s->pfd_slot));
	s->tot.lat = calloc(1, sizeof(*s->tot.lat));
	if (s->flows == NULL || s->pfd == NULL || s->pfd_slot == NULL ||
	    s->tot.lat == NULL) {
		fprintf(stderr, "seqtest: out of memory for %zu flows\n",
		    s->nslots);
		return -1;
	}
	for (i = 0; i < s->nslots; i++) {
		s->flows[i].result_fd = -1;
		s->flows[i].id = (uint32_t)i;
		s->flows[i].shm = (struct flow_shm *)s->seg + i;
	}
	return 0;
}

/* Closes fd keeping errno, for cleanup paths that report the first one. */
static void
close_keep_errno(int fd)
{
	int	 saved = errno;

	(void)close(fd);
	errno = saved;
}

/* Waits for a non-blocking connect; returns 0 or -1 with errno. */
static int
finish_connect(int fd, uint64_t timeout)
{
	struct pollfd	 p;
	socklen_t	 len = sizeof(int);
	int		 rv, err = 0;

	p.fd = fd;
	p.events = POLLOUT;
	do
		rv = poll(&p, 1, timeout ? (int)(timeout * 1000) : -1);
	while (rv == -1 && errno == EINTR && !got_stop);
	if (rv == 0)
		errno = ETIMEDOUT;
	if (rv <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static int
set_blocking(int fd, int blocking)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

/*
 * Opens one flow's connection, bound to LOCAL if given, within the
 * timeout.  Returns the socket, or -1 with errno and the failed call.
 */
static int
open_connection(const struct endpoint *ep, uint64_t timeout,
    const char **call)
{
	int	 fd, on = 1;

	*call = "socket";
	if ((fd = socket(ep->addr.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	*call = "setsockopt TCP_NODELAY";
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		goto fail;
	*call = "bind";
	if (ep->locallen != 0 &&
	    bind(fd, (const struct sockaddr *)&ep->local, ep->locallen) == -1)
		goto fail;
	*call = "connect";
	if (set_blocking(fd, 0) == -1)
		goto fail;
	if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) ==
	    -1 && (errno != EINPROGRESS || finish_connect(fd, timeout) == -1))
		goto fail;
	if (set_blocking(fd, 1) == -1)
		goto fail;
	return fd;
fail:
	close_keep_errno(fd);
	return -1;
}

/*
 * In a new child: the default signal dispositions, SIGTERM asks the
 * worker to end, and every descriptor the flow does not own is closed.
 */
static void
child_setup(struct sup *s, size_t slot)
{
	size_t	 i;

	(void)set_handler(SIGCHLD, SIG_DFL);
	(void)set_handler(SIGINT, SIG_IGN);	/* the supervisor decides */
	(void)set_handler(SIGTERM, worker_on_term);
	(void)set_handler(SIGPIPE, SIG_IGN);
	for (i = 0; i < s->nslots; i++)
		if (i != slot && s->flows[i].result_fd != -1)
			(void)close(s->flows[i].result_fd);
	for (i = 0; i < s->nlfd; i++)
		(void)close(s->lfd[i]);
}

/* The seed of a flow's own random stream, from the run's seed. */
static uint64_t
flow_seed(uint64_t seed, uint32_t id)
{
	uint64_t st = seed ^ ((uint64_t)id * 0xd1342543de82ef95ULL);

	return rng_next(&st);
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
	pid_t		 pid;

	if ((pid = fork()) != 0)
		return pid;
	child_setup(s, slot);
	(void)close(sf->result_fd);
	memset(&f, 0, sizeof(f));
	f.id = sf->id;
	f.fd = fd;
	f.result_fd = wfd;
	f.dump_fd = s->dump_fd;
	f.cfg = s->cfg;
	f.shm = sf->shm;
	f.ring = s->rings ? s->rings + slot * RING_SIZE : NULL;
	f.lat = s->hists ? s->hists + slot : NULL;
	f.start_ns = s->start_ns;
	f.seed = flow_seed(s->cfg->seed, sf->id);
	_exit(worker_run(&f, role));
}

static const char *
role_name(unsigned role)
{
	static const char *const names[ROLES] = {
		"sender", "receiver", "sync sender", "replier"
	};

	return role < ROLES ? names[role] : "worker";
}

/* One line on stderr for a flow's first error: flow, peer and detail. */
static void
print_error(const struct sup *s, const struct sup_flow *sf,
    const struct flow_error *e)
{
	char	 detail[256];

	report_format_error(detail, sizeof(detail), e);
	if (s->cfg->mode == MODE_REPLY)
		fprintf(stderr, "seqtest: connection %u from %s: %s\n", sf->id,
		    sf->peer, detail);
	else
		fprintf(stderr, "seqtest: flow %u (%s): %s\n", sf->id,
		    sf->peer, detail);
}

/* Keeps and prints a flow's first error; later ones are only counted. */
static void
note_error(struct sup *s, struct sup_flow *sf, const struct flow_error *e)
{
	if (sf->has_first)
		return;
	sf->first = *e;
	sf->has_first = 1;
	print_error(s, sf, e);
}

/* An error the supervisor itself finds: connect, fork, crash, stall. */
static void
flow_fail(struct sup *s, struct sup_flow *sf, struct flow_error *e)
{
	sf->errors[e->kind]++;
	sf->failed = 1;
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
	snprintf(e.what, sizeof(e.what), "%s", call);
	flow_fail(s, sf, &e);
	if (err == EAGAIN && strcmp(call, "fork") == 0)
		fprintf(stderr, "seqtest: fork: the process limit was reached "
		    "(RLIMIT_NPROC): raise it with ulimit -u, or run fewer "
		    "flows\n");
	else if (err == EMFILE)
		fprintf(stderr, "seqtest: %s: the descriptor limit was reached "
		    "(RLIMIT_NOFILE): raise it with ulimit -n, or run fewer "
		    "flows\n", call);
	else if (err == ENFILE)
		fprintf(stderr, "seqtest: %s: the system's file table is full "
		    "(fs.file-max)\n", call);
}

static void
signal_flow(struct sup_flow *sf, int sig)
{
	int	 i;

	for (i = 0; i < 2; i++)
		if (sf->pid[i] > 0 && kill(sf->pid[i], sig) == -1 &&
		    errno != ESRCH)
			fprintf(stderr, "seqtest: kill %ld: %s\n",
			    (long)sf->pid[i], strerror(errno));
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

/* A record that is not what a worker writes means the child is broken. */
static int
valid_record(const struct result *r)
{
	return r->len == sizeof(*r) && r->role < ROLES &&
	    (r->type == REC_ERROR || r->type == REC_DONE) &&
	    r->first.kind < ERR_KINDS;
}

static void
take_record(struct sup *s, struct sup_flow *sf, const struct result *r)
{
	int	 idx = r->role == ROLE_RECEIVER;
	size_t	 k;

	if (r->type == REC_ERROR) {
		note_error(s, sf, &r->first);
		return;
	}
	sf->res[idx] = *r;
	sf->got_done[idx] = 1;
	for (k = 0; k < ERR_KINDS; k++)
		sf->errors[k] += r->errors[k];
	if (r->ended != 0) {
		/* The flow is broken: its other process can stop now. */
		sf->failed = 1;
		stop_flow(sf, worker_now());
	}
}

/* Reads what the flow's pipe holds; closes it at EOF. */
static void
read_results(struct sup *s, struct sup_flow *sf)
{
	struct result	 r;
	ssize_t		 n;

	while (sf->result_fd != -1) {
		n = read(sf->result_fd, sf->rbuf + sf->rlen,
		    sizeof(sf->rbuf) - sf->rlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			(void)close(sf->result_fd);
			sf->result_fd = -1;
			return;
		}
		sf->rlen += (size_t)n;
		while (sf->rlen >= sizeof(r)) {
			memcpy(&r, sf->rbuf, sizeof(r));
			sf->rlen -= sizeof(r);
			memmove(sf->rbuf, sf->rbuf + sizeof(r), sf->rlen);
			if (valid_record(&r))
				take_record(s, sf, &r);
		}
	}
}

/* A child that ended without its result: killed, or broken. */
static void
child_lost(struct sup *s, struct sup_flow *sf, int idx, pid_t pid, int st)
{
	struct flow_error e;
	int	 role;

	if (sf->stopping && WIFSIGNALED(st))
		return;		/* we ended it; its cause is already noted */
	role = s->cfg->mode == MODE_SEND ? (idx ? ROLE_RECEIVER : ROLE_SENDER) :
	    s->cfg->mode == MODE_SYNC ? ROLE_SYNC : ROLE_REPLIER;
	memset(&e, 0, sizeof(e));
	e.kind = ERR_CRASH;
	e.expected = (uint64_t)pid;
	e.sys_errno = WIFSIGNALED(st);
	e.got = (uint64_t)(WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	snprintf(e.what, sizeof(e.what), "%s", role_name((unsigned)role));
	flow_fail(s, sf, &e);
	/* The flow is broken: its other process must not wait on it forever. */
	stop_flow(sf, worker_now());
}

/*
 * A flow's final counts: from its workers' result records, which are
 * the word of each worker; from the live slot for one that died first.
 */
static void
final_counts(const struct sup_flow *sf, struct result *c)
{
	const struct flow_shm	*shm = sf->shm;
	const struct result	*r = &sf->res[0];

	c->sent_msgs = shm->sent_msgs;
	c->sent_bytes = shm->sent_bytes;
	c->recv_msgs = shm->recv_msgs;
	c->recv_bytes = shm->recv_bytes;
	if (sf->got_done[0] && r->role != ROLE_RECEIVER) {
		c->sent_msgs = r->sent_msgs;
		c->sent_bytes = r->sent_bytes;
	}
	if (sf->got_done[1])
		r = &sf->res[1];
	if ((sf->got_done[0] && r->role != ROLE_SENDER) || sf->got_done[1]) {
		c->recv_msgs = r->recv_msgs;
		c->recv_bytes = r->recv_bytes;
	}
}

/* Adds an ended flow to the totals and frees its slot. */
static void
finish_flow(struct sup *s, struct sup_flow *sf, size_t slot)
{
	struct sup_totals	*t = &s->tot;
	struct result		 c;
	size_t			 k;

	if (sf->result_fd != -1)
		(void)close(sf->result_fd);
	sf->result_fd = -1;
	final_counts(sf, &c);
	t->flows++;
	t->sent_msgs += c.sent_msgs;
	t->sent_bytes += c.sent_bytes;
	t->recv_msgs += c.recv_msgs;
	t->recv_bytes += c.recv_bytes;
	/* Replies received by a sender; sent, by a replier. */
	t->replies += s->cfg->mode != MODE_REPLY ? c.recv_msgs : c.sent_msgs;
	for (k = 0; k < ERR_KINDS; k++) {
		t->errors[k] += sf->errors[k];
		t->nerrors += sf->errors[k];
		sf->failed |= sf->errors[k] != 0;
	}
	t->failed += sf->failed != 0;
	if (s->hists != NULL)
		hist_merge(t->lat, &s->hists[slot]);
	if (s->cfg->json && s->cfg->mode == MODE_REPLY)
		report_json_conn(sf);
	if (s->cfg->debug && s->cfg->mode == MODE_REPLY)
		fprintf(stderr, "seqtest: connection %u from %s closed: %llu "
		    "messages, %llu replies\n", sf->id, sf->peer,
		    (unsigned long long)c.recv_msgs,
		    (unsigned long long)c.sent_msgs);
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
		read_results(s, sf);
		if (!sf->got_done[idx])
			child_lost(s, sf, idx, pid, st);
		if (sf->pid[0] == 0 && sf->pid[1] == 0) {
			read_results(s, sf);
			finish_flow(s, sf, i);
		}
	}
}

/* No progress for the timeout: say what the flow waited for, end it. */
static void
stall_flow(struct sup *s, struct sup_flow *sf, uint64_t now)
{
	struct flow_error e;

	memset(&e, 0, sizeof(e));
	e.kind = ERR_STALL;
	e.dir = s->cfg->mode == MODE_REPLY ? DIR_REQ : DIR_REP;
	e.seqno = sf->shm->wait.seqno;
	e.got = sf->shm->wait.have;
	e.expected = sf->shm->wait.need;
	e.offset = (uint32_t)s->cfg->timeout;
	flow_fail(s, sf, &e);
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
	uint64_t	 p, limit = s->cfg->timeout * 1000000000u;
	size_t		 i;

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
	for (i = 0; i < s->nlfd; i++)
		(void)close(s->lfd[i]);
	s->nlfd = 0;
	for (i = 0; i < s->nslots; i++)
		if (s->flows[i].in_use)
			stop_flow(&s->flows[i], now);
}

/* Makes the flow's result pipe and forks its workers on fd. */
static void
fork_flow(struct sup *s, size_t slot, int fd)
{
	static const enum role send_roles[2] = { ROLE_SENDER, ROLE_RECEIVER };
	struct sup_flow	*sf = &s->flows[slot];
	enum role	 roles[2];
	int		 p[2], i, n;

	n = s->cfg->mode == MODE_SEND ? 2 : 1;
	roles[0] = s->cfg->mode == MODE_SEND ? send_roles[0] :
	    s->cfg->mode == MODE_SYNC ? ROLE_SYNC : ROLE_REPLIER;
	roles[1] = send_roles[1];
	if (pipe(p) == -1) {
		fail_call(s, sf, ERR_IO, "pipe", errno);
		return;
	}
	if (set_blocking(p[0], 0) == -1)
		fail_call(s, sf, ERR_IO, "fcntl", errno);
	sf->result_fd = p[0];
	for (i = 0; i < n && !sf->failed; i++) {
		if ((sf->pid[i] = fork_worker(s, slot, fd, p[1], roles[i])) ==
		    -1) {
			sf->pid[i] = 0;
			fail_call(s, sf, ERR_IO, "fork", errno);
			stop_flow(sf, worker_now());
		} else
			s->alive++;
	}
	(void)close(p[1]);
	if (s->cfg->debug && n == 2)
		fprintf(stderr, "seqtest: flow %u: %s pid %ld, %s pid %ld\n",
		    sf->id, role_name(roles[0]), (long)sf->pid[0],
		    role_name(roles[1]), (long)sf->pid[1]);
	else if (s->cfg->debug)
		fprintf(stderr, "seqtest: %s %u: %s pid %ld\n",
		    roles[0] == ROLE_REPLIER ? "connection" : "flow", sf->id,
		    role_name(roles[0]), (long)sf->pid[0]);
}

/* Takes a free slot for a new flow, its segment slot zeroed. */
static void
claim_slot(struct sup *s, size_t slot, uint32_t id, const char *peer)
{
	struct sup_flow	*sf = &s->flows[slot];
	struct flow_shm	*shm = sf->shm;

	memset(sf, 0, sizeof(*sf));
	memset(shm, 0, sizeof(*shm));
	sf->id = id;
	sf->shm = shm;
	sf->result_fd = -1;
	sf->in_use = 1;
	sf->progress_ns = worker_now();
	snprintf(sf->peer, sizeof(sf->peer), "%s", peer);
}

/* Sender modes: connect flow i to its address and start its workers. */
static int
start_flow(struct sup *s, size_t i)
{
	const struct endpoint	*ep = &s->cfg->ep[i % s->cfg->nep];
	struct sup_flow		*sf = &s->flows[i];
	const char		*call;
	int			 fd, err;

	claim_slot(s, i, (uint32_t)i, ep->name);
	if ((fd = open_connection(ep, s->cfg->timeout, &call)) == -1) {
		err = errno;
		fail_call(s, sf, ERR_CONNECT, call, err);
		finish_flow(s, sf, i);
		return err == EMFILE || err == ENFILE ? -1 : 0;
	}
	fork_flow(s, i, fd);
	(void)close(fd);
	if (sf->pid[0] == 0 && sf->pid[1] == 0)
		finish_flow(s, sf, i);
	return sf->failed ? -1 : 0;
}

/* "HOST port N" of a bound or accepted socket's address. */
static void
name_sockaddr(char *buf, size_t len, const struct sockaddr *sa, socklen_t salen)
{
	char	 host[64], serv[16];

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, len, "(unknown)");
	else
		snprintf(buf, len, "%s port %s", host, serv);
}

/* Binds and listens on one address; says where, with the real port. */
static int
open_listener(const struct endpoint *ep, const char **call)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 name[96];
	int			 fd, on = 1;

	*call = "socket";
	if ((fd = socket(ep->addr.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	*call = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* Listening on :: and 0.0.0.0 both must not collide. */
	if (ep->addr.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	*call = "bind";
	if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) == -1)
		goto fail;
	*call = "listen";
	if (listen(fd, SOMAXCONN) == -1 || set_blocking(fd, 0) == -1)
		goto fail;
	*call = "getsockname";
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		goto fail;
	name_sockaddr(name, sizeof(name), (struct sockaddr *)&ss, len);
	fprintf(stderr, "Listening on %s\n", name);
	return fd;
fail:
	close_keep_errno(fd);
	return -1;
}

static int
open_listeners(struct sup *s)
{
	const char	*call;
	size_t		 i;
	int		 fd;

	if ((s->lfd = calloc(s->cfg->nep, sizeof(*s->lfd))) == NULL) {
		fprintf(stderr, "seqtest: out of memory\n");
		return -1;
	}
	for (i = 0; i < s->cfg->nep; i++) {
		if ((fd = open_listener(&s->cfg->ep[i], &call)) == -1) {
			fprintf(stderr, "seqtest: listen on %s: %s: %s\n",
			    s->cfg->ep[i].name, call, strerror(errno));
			return -1;
		}
		s->lfd[s->nlfd++] = fd;
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
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 peer[96];
	size_t			 slot;
	int			 fd, on = 1;

	if ((fd = accept(lfd, (struct sockaddr *)&ss, &len)) == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			fprintf(stderr, "seqtest: accept: %s\n",
			    strerror(errno));
		return;
	}
	for (slot = 0; slot < s->nslots && s->flows[slot].in_use; slot++)
		;
	if (slot == s->nslots || set_blocking(fd, 1) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1) {
		fprintf(stderr, "seqtest: accepted connection: %s\n",
		    slot == s->nslots ? "no free slot" : strerror(errno));
		(void)close(fd);
		return;
	}
	name_sockaddr(peer, sizeof(peer), (struct sockaddr *)&ss, len);
	claim_slot(s, slot, (uint32_t)s->accepted++, peer);
	fork_flow(s, slot, fd);
	(void)close(fd);
	if (s->flows[slot].pid[0] == 0)
		finish_flow(s, &s->flows[slot], slot);
}

/* The run so far: ended flows' totals plus the live flows' counters. */
static void
take_snapshot(const struct sup *s, struct sup_snapshot *sn, uint64_t now)
{
	const struct flow_shm	*shm;
	size_t			 i;

	sn->ns = now;
	sn->sent_msgs = s->tot.sent_msgs;
	sn->sent_bytes = s->tot.sent_bytes;
	sn->recv_msgs = s->tot.recv_msgs;
	sn->recv_bytes = s->tot.recv_bytes;
	sn->replies = s->tot.replies;
	sn->errors = s->tot.nerrors;
	memcpy(sn->lat, s->tot.lat, sizeof(*sn->lat));
	for (i = 0; i < s->nslots; i++) {
		if (!s->flows[i].in_use)
			continue;
		shm = s->flows[i].shm;
		sn->sent_msgs += shm->sent_msgs;
		sn->sent_bytes += shm->sent_bytes;
		sn->recv_msgs += shm->recv_msgs;
		sn->recv_bytes += shm->recv_bytes;
		sn->replies += s->cfg->mode != MODE_REPLY ? shm->recv_msgs :
		    shm->sent_msgs;
		/* Workers count theirs live; the supervisor's own kinds here. */
		sn->errors += shm->errors + shm->send_errors +
		    s->flows[i].errors[ERR_STALL] + s->flows[i].errors[ERR_CRASH];
		if (s->hists != NULL)
			hist_merge(sn->lat, &s->hists[i]);
	}
}

/* interval=S: one line per interval, from the shared segment. */
static void
tick_interval(struct sup *s, uint64_t now)
{
	struct sup_snapshot tmp;

	if (s->cfg->interval == 0 || now < s->next_ival_ns)
		return;
	take_snapshot(s, &s->snap[1], now);
	report_interval(s->cfg, s->start_ns, &s->snap[0], &s->snap[1],
	    s->ival);
	tmp = s->snap[0];
	s->snap[0] = s->snap[1];
	s->snap[1] = tmp;
	s->next_ival_ns += s->cfg->interval;
}

static int
start_intervals(struct sup *s)
{
	if (s->cfg->interval == 0)
		return 0;
	s->snap[0].lat = calloc(1, sizeof(struct hist));
	s->snap[1].lat = calloc(1, sizeof(struct hist));
	s->ival = calloc(1, sizeof(struct hist));
	if (s->snap[0].lat == NULL || s->snap[1].lat == NULL ||
	    s->ival == NULL) {
		fprintf(stderr, "seqtest: out of memory\n");
		return -1;
	}
	s->snap[0].ns = s->start_ns;
	s->next_ival_ns = s->start_ns + s->cfg->interval;
	return 0;
}

/* The descriptors to wait on: result pipes, and listeners with room. */
static nfds_t
build_pollfds(struct sup *s)
{
	nfds_t	 n = 0;
	size_t	 i;

	for (i = 0; i < s->nslots; i++) {
		if (s->flows[i].result_fd == -1)
			continue;
		s->pfd[n].fd = s->flows[i].result_fd;
		s->pfd[n].events = POLLIN;
		s->pfd_slot[n++] = i;
	}
	if (s->stopping || count_active(s) >= s->cfg->maxconn ||
	    (s->cfg->conns != 0 && s->accepted >= s->cfg->conns))
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
	return s->cfg->conns != 0 && s->accepted >= s->cfg->conns &&
	    count_active(s) == 0;
}

/* Waits for events until every flow has ended (or, -r, until stopped). */
static void
event_loop(struct sup *s)
{
	nfds_t	 n, i;
	size_t	 slot;

	while (!run_done(s)) {
		n = build_pollfds(s);
		if (poll(s->pfd, n, TICK_MS) > 0) {
			for (i = 0; i < n; i++) {
				if (s->pfd[i].revents == 0)
					continue;
				slot = s->pfd_slot[i];
				if (slot < s->nslots)
					read_results(s, &s->flows[slot]);
				else
					accept_conn(s, s->pfd[i].fd);
			}
		}
		got_chld = 0;
		reap_children(s);
		if (got_stop && !s->stopping)
			stop_all(s, worker_now());
		watchdog(s, worker_now());
		tick_interval(s, worker_now());
	}
}

static int
open_dump(struct sup *s)
{
	static const char header[] = "# thread time latency rsz ssz\n";
	const char	*path = s->cfg->dump;

	if (path == NULL || s->cfg->mode == MODE_REPLY)
		return 0;
	s->dump_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (s->dump_fd == -1 ||
	    write(s->dump_fd, header, sizeof(header) - 1) !=
	    (ssize_t)sizeof(header) - 1) {
		fprintf(stderr, "seqtest: dump file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
start_flows(struct sup *s)
{
	size_t	 i;

	for (i = 0; i < s->nslots && !got_stop; i++)
		if (start_flow(s, i) == -1) {
			/* A system limit: starting more would fail the same. */
			s->tot.flows += s->nslots - i - 1;
			s->tot.failed += s->nslots - i - 1;
			if (i + 1 < s->nslots)
				fprintf(stderr, "seqtest: %zu flows not started\n",
				    s->nslots - i - 1);
			break;
		}
}

static void
release(struct sup *s)
{
	size_t	 i;

	for (i = 0; i < s->nlfd; i++)
		(void)close(s->lfd[i]);
	if (s->dump_fd != -1)
		(void)close(s->dump_fd);
	if (s->seg != NULL)
		(void)munmap(s->seg, s->seglen);
	free(s->lfd);
	free(s->flows);
	free(s->pfd);
	free(s->pfd_slot);
	free(s->tot.lat);
	free(s->snap[0].lat);
	free(s->snap[1].lat);
	free(s->ival);
}

/*
 * Runs the whole test as configured and prints its report.  Returns the
 * exit status: 0 when every flow exchanged everything and every check
 * held, 1 otherwise.
 */
int
sup_run(const struct config *cfg)
{
	struct sup	 s;
	int		 status = 1;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.dump_fd = -1;
	s.nslots = cfg->mode == MODE_REPLY ? cfg->maxconn :
	    cfg->threads ? cfg->threads : cfg->nep;
	if (install_signals() == -1 || make_segment(&s) == -1 ||
	    alloc_slots(&s) == -1)
		goto out;
	if (open_dump(&s) == -1) {
		status = 2;	/* a path the user gave: bad input */
		goto out;
	}
	if (cfg->mode == MODE_REPLY && open_listeners(&s) == -1)
		goto out;
	if (cfg->mode != MODE_REPLY && !cfg->json)
		report_addresses(cfg);
	s.start_ns = worker_now();
	if (start_intervals(&s) == -1)
		goto out;
	if (cfg->mode != MODE_REPLY)
		start_flows(&s);
	event_loop(&s);
	s.tot.secs = (double)(worker_now() - s.start_ns) / 1e9;
	status = s.tot.failed != 0 || s.tot.nerrors != 0 ||
	    (got_stop && cfg->mode != MODE_REPLY);
	if (cfg->json)
		report_json(cfg, &s.tot, s.flows, s.nslots, status);
	else
		report_text(cfg, &s.tot);
out:
	release(&s);
	return status;
}
