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
	# Emptied first: the background shell opens "$err" only later, and a
	# "Listening on" line left in it by an earlier listener of the test
	# would be read at once, its port long closed or someone else's.
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

# not CMD...: fails when CMD succeeds.  Use it for "must not" checks:
# bats does not fail a test on a "! CMD" that is not its last command.
not() {
	! "$@"
}

# children_of PID: the PIDs whose parent is PID (from /proc).
children_of() {
	awk -v pp="$1" '$4 == pp { print $1 }' /proc/[0-9]*/stat 2>/dev/null
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

# run_with REDIRS ARGS...: runs seqtest ARGS with REDIRS (such as '2>&-'
# or '>/dev/full') applied by the shell, as a user's shell would; stdout
# in $output, stderr in $stderr.
run_with() {
	local redirs=$1
	shift
	run --separate-stderr bash -c "exec \"\$0\" \"\$@\" $redirs" \
	    "$SEQTEST" "$@"
	echo "[$redirs] status $status; stderr: $stderr" >&3
}

# conn_errors FILE: a replier's error lines for its connections (the -d
# "closed" lines are not errors).
conn_errors() {
	grep -E '^seqtest: connection [0-9]+ from .* port [0-9]+: ' "$1" || true
}

# one_clean_line TEXT: one line of printable ASCII, "seqtest: " first.
one_clean_line() {
	[ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]
	[[ $1 == "seqtest: "* ]]
	[ -z "$(printf '%s' "$1" | LC_ALL=C tr -d ' -~')" ]
}

# wait_gone PID: bounded wait (5 s) for a process to end by itself.
wait_gone() {
	local tries=50
	while ((tries-- > 0)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "pid $1 still running" >&2
	return 1
}
