# Shared helpers for seqtest's bats tests.  Every test starts its own
# replier on a kernel-chosen loopback port and ends exactly the processes
# it started, by PID.

bats_require_minimum_version 1.5.0

SEQTEST="${SEQTEST:-$BATS_TEST_DIRNAME/../seqtest}"
FAULTPROXY="$BATS_TEST_DIRNAME/faultproxy"
STARTED_PIDS=()

# wait_for_line FILE REGEX [TENTHS]: bounded wait for a line in a file.
wait_for_line() {
	local file=$1 re=$2 tries=${3:-100}
	while ((tries-- > 0)); do
		grep -qE "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for /$re/ in $file" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

# port_of FILE: the port of the "Listening on HOST port N" line.
port_of() {
	sed -n 's/^Listening on .* port \([0-9]*\)$/\1/p' "$1" | head -n 1
}

# start_listener OUT ERR CMD...: runs CMD in the background, waits for
# its "Listening on" line; sets LISTENER_PID and LISTENER_PORT.
start_listener() {
	local out=$1 err=$2
	shift 2
	# Emptied here: the child's own redirection may come after our first
	# look, which would find an earlier listener's line in a reused file.
	: >"$err"
	"$@" >"$out" 2>"$err" &
	LISTENER_PID=$!
	STARTED_PIDS+=("$LISTENER_PID")
	wait_for_line "$err" '^Listening on ' || return 1
	LISTENER_PORT=$(port_of "$err")
}

# start_replier [flags...] [-- address...]: sets REPLIER_PID, PORT (of the
# first listener), REPLIER_ERR and REPLIER_OUT.
start_replier() {
	local addr=(127.0.0.1:0)
	local args=()
	while (($#)); do
		if [[ $1 == -- ]]; then shift; addr=("$@"); break; fi
		args+=("$1"); shift
	done
	REPLIER_ERR=$BATS_TEST_TMPDIR/replier.err
	REPLIER_OUT=$BATS_TEST_TMPDIR/replier.out
	start_listener "$REPLIER_OUT" "$REPLIER_ERR" \
	    "$SEQTEST" -r "${args[@]}" "${addr[@]}" || return 1
	REPLIER_PID=$LISTENER_PID
	PORT=$LISTENER_PORT
}

# start_proxy FAULT [flags...]: a faultproxy in front of the replier.
start_proxy() {
	PROXY_ERR=$BATS_TEST_TMPDIR/proxy.err
	start_listener /dev/null "$PROXY_ERR" \
	    "$FAULTPROXY" -t 120 -c "127.0.0.1:$PORT" -f "$@" || return 1
	PROXY_PID=$LISTENER_PID
	PROXY_PORT=$LISTENER_PORT
}

# stop_pid PID: SIGTERM, then wait for it (bounded), SIGKILL if needed.
stop_pid() {
	local pid=$1 tries=50
	kill "$pid" 2>/dev/null || return 0
	while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# stop_replier: ends the replier and keeps its exit status in REPLIER_RC.
stop_replier() {
	kill "$REPLIER_PID" 2>/dev/null
	REPLIER_RC=0
	wait "$REPLIER_PID" || REPLIER_RC=$?
}

# children_of PID: the PIDs whose parent is PID (from /proc).
children_of() {
	awk -v pp="$1" '$4 == pp { print $1 }' /proc/[0-9]*/stat 2>/dev/null
}

# json_get FILE EXPR: evaluates a python expression on the document "d".
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# run_sender_bg ARGS...: starts a sender in the background, output in
# $SENDER_OUT and $SENDER_ERR, its pid in SENDER_PID.
run_sender_bg() {
	SENDER_OUT=$BATS_TEST_TMPDIR/sender.out
	SENDER_ERR=$BATS_TEST_TMPDIR/sender.err
	"$SEQTEST" "$@" >"$SENDER_OUT" 2>"$SENDER_ERR" &
	SENDER_PID=$!
	STARTED_PIDS+=("$SENDER_PID")
}

# worker_pids: every pid the -d lines name.
worker_pids() {
	grep -oE 'pid [0-9]+' "$SENDER_ERR" | awk '{ print $2 }'
}

# interrupt_and_check WHICH: ends flow 1's WHICH (sender|receiver|sync
# sender) with SIGTERM, as the supervisor itself would, and checks that
# the flow is reported interrupted, not clean.
interrupt_and_check() {
	local which=$1 pid rc=0
	wait_for_line "$SENDER_ERR" '^seqtest: flow 3: '
	pid=$(sed -n "s/^seqtest: flow 1: .*$which pid \\([0-9]*\\).*/\\1/p" "$SENDER_ERR")
	[ -n "$pid" ]
	kill -TERM "$pid"
	wait "$SENDER_PID" || rc=$?
	cat "$SENDER_ERR" "$SENDER_OUT"
	[ "$rc" -eq 1 ]
	grep -qE "^seqtest: flow 1 \\(127.0.0.1 port $PORT\\): interrupted: $which pid $pid stopped early by signal 15 \\(Terminated\\)\$" "$SENDER_ERR"
	[ "$(grep -c '^seqtest: flow 1 ' "$SENDER_ERR")" -eq 1 ]
	grep -q '^Flows: 4, failed 1$' "$SENDER_OUT"
	grep -q '^Errors: 1 (interrupted 1)$' "$SENDER_OUT"
	for pid in $(worker_pids); do
		! kill -0 "$pid" 2>/dev/null
	done
}

# gone PID: true once PID has ended (a zombie not yet reaped counts).
gone() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[[ -z $state || $state == Z ]]
}

# all_gone TENTHS PID...: waits at most TENTHS tenths of a second for
# every PID to end; names those still there if some are.
all_gone() {
	local tries=$1 pid left
	shift
	while :; do
		left=
		for pid in "$@"; do
			gone "$pid" || left="$left $pid"
		done
		[[ -z $left ]] && return 0
		((tries-- > 0)) || break
		sleep 0.1
	done
	echo "still running:$left" >&2
	ps -o pid,ppid,stat,etime,args -p "${left# }" >&2 || true
	return 1
}

# cpu_ticks PID: the CPU time PID has used so far, utime + stime, in
# clock ticks (CLK_TCK a second).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# cpu_share PID SECONDS: the percentage of one CPU that PID uses over
# the next SECONDS (a whole number).
cpu_share() {
	local a b
	a=$(cpu_ticks "$1")
	sleep "$2"
	b=$(cpu_ticks "$1")
	echo $(( (b - a) * 100 / ($(getconf CLK_TCK) * $2) ))
}

# build_portable: a seqtest built without Linux's PR_SET_PDEATHSIG, to
# test the lifeline every Unix has; sets PORTABLE to its path.
build_portable() {
	local top=$BATS_TEST_DIRNAME/..
	PORTABLE=$BATS_FILE_TMPDIR/seqtest-portable
	[[ -x $PORTABLE ]] && return 0
	${CC:-cc} -std=c99 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
	    -DSEQTEST_VERSION='"portable"' -DSEQTEST_NO_PDEATHSIG -O2 \
	    -o "$PORTABLE" "$top"/*.c -lm
}

teardown() {
	local pid
	for pid in "${STARTED_PIDS[@]}"; do
		stop_pid "$pid"
	done
}

# field NAME: the number after "NAME" in $output, e.g. field Received.
field() {
	sed -n "s/^$1 \\([0-9]*\\).*/\\1/p" <<<"$output" | head -n 1
}

# start_discard: a listener that accepts, reads everything and never
# answers; sets DISCARD_PID and DISCARD_PORT.
start_discard() {
	start_listener /dev/null "$BATS_TEST_TMPDIR/discard.err" python3 -c '
import socket, sys, threading
def drain(c):
    while c.recv(65536):
        pass
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print("Listening on 127.0.0.1 port %d" % s.getsockname()[1],
      file=sys.stderr, flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
' || return 1
	DISCARD_PID=$LISTENER_PID
	DISCARD_PORT=$LISTENER_PORT
}
