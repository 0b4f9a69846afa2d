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
	# Emptied here, not by the background job's redirection, which may
	# come after the wait below has read an earlier listener's line.
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
# Its lifetime is only a bound for a proxy the test failed to end: long
# enough for the 10^6-message relay test on a loaded machine.
start_proxy() {
	PROXY_ERR=$BATS_TEST_TMPDIR/proxy.err
	start_listener /dev/null "$PROXY_ERR" \
	    "$FAULTPROXY" -t 600 -c "127.0.0.1:$PORT" -f "$@" || return 1
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

# interval_re REPLIES: an interval line with no error, its replies
# count matching the pattern REPLIES; the kernel's figures where it has
# them.
interval_re() {
	printf '%s' "^\\[ *[0-9.]+- *[0-9.]+ s\\] sent [0-9]+ msgs [0-9.]+ msg/s [0-9.]+ Mbit/s, received [0-9]+ msgs, $1 replies, p50 [0-9.]+ us, p99 [0-9.]+ us(, retransmits [0-9]+, rtt p50 [0-9]+ us)?, errors 0\$"
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

# wait_sender: waits for the sender run_sender_bg started; its exit
# status in SENDER_STATUS.
wait_sender() {
	SENDER_STATUS=0
	wait "$SENDER_PID" || SENDER_STATUS=$?
}

# connection_child N: the pid of the replier's child for connection N,
# once the replier's -d has named it.
connection_child() {
	wait_for_line "$REPLIER_ERR" "^seqtest: connection $1: replier pid " ||
	    return 1
	sed -n "s/^seqtest: connection $1: replier pid //p" "$REPLIER_ERR"
}

# worker_pids: every pid the -d lines name.
worker_pids() {
	grep -oE 'pid [0-9]+' "$SENDER_ERR" | awk '{ print $2 }'
}

# signal_flow1 SIG WHICH: once flows 0 to 3 are up (-d), sends SIG to
# flow 1's WHICH (sender|receiver|sync sender) and waits for the run;
# sets FLOW1_PID and SENDER_STATUS.
signal_flow1() {
	local sig=$1 which=$2
	wait_for_line "$SENDER_ERR" '^seqtest: flow 3: ' || return 1
	FLOW1_PID=$(sed -n "s/^seqtest: flow 1: .*$which pid \\([0-9]*\\).*/\\1/p" "$SENDER_ERR")
	[ -n "$FLOW1_PID" ] || { echo "no pid for flow 1's $which" >&2; return 1; }
	kill -"$sig" "$FLOW1_PID"
	wait_sender
	cat "$SENDER_ERR" "$SENDER_OUT"
}

# flow1_ended SIG WHICH KIND WHAT ERRORS: signal_flow1 SIG WHICH, then
# checks that flow 1 alone ended KIND ("WHICH pid N WHAT"), the run
# exits 1 with ERRORS as its error line's parenthesis, and no worker is
# left.  One function of plain assertions: errexit checks each one.
flow1_ended() {
	local kind=$3 what=$4 errors=$5
	signal_flow1 "$1" "$2"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -qE "^seqtest: flow 1 \\(127.0.0.1 port $PORT\\): $kind: $2 pid $FLOW1_PID $what\$" "$SENDER_ERR"
	[ "$(grep -c '^seqtest: flow 1 ' "$SENDER_ERR")" -eq 1 ]
	grep -q '^Flows: 4, failed 1$' "$SENDER_OUT"
	grep -q "^Errors: 1 ($errors)\$" "$SENDER_OUT"
	none_running $(worker_pids)
}

# interrupt_and_check WHICH: ends flow 1's WHICH with SIGTERM, as the
# supervisor itself would; the flow is reported interrupted, not clean.
interrupt_and_check() {
	flow1_ended TERM "$1" interrupted \
	    'stopped early by signal 15 \(Terminated\)' 'interrupted 1'
}

# none_running PID...: fails, naming them, when any PID still runs (for
# processes whose parent has ended and so reaped them).
none_running() {
	(($#)) || { echo "none_running: no pid to check" >&2; return 1; }
	all_gone 0 "$@"
}

# in_kernel PID FUNC: bounded wait (10 s) until PID waits in a kernel
# function whose name holds FUNC (its wchan, such as hrtimer_nanosleep).
in_kernel() {
	local tries=100
	while ((tries-- > 0)); do
		[[ $(cat "/proc/$1/wchan" 2>/dev/null) == *"$2"* ]] && return 0
		sleep 0.1
	done
	echo "pid $1 never waited in $2: $(cat "/proc/$1/wchan" 2>&1)" >&2
	return 1
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
# the next SECONDS (a whole number).  Fails, printing nothing, when PID
# did not run all along: an ended process would seem idle.
cpu_share() {
	local a b
	a=$(cpu_ticks "$1") && [[ -n $a ]] || return 1
	sleep "$2"
	is_running "$1" || { echo "pid $1 ended before its CPU was measured" >&2; return 1; }
	b=$(cpu_ticks "$1") && [[ -n $b ]] || return 1
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
	for pid in "${STOPPED_PIDS[@]}"; do
		kill -CONT "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED_PIDS[@]}"; do
		stop_pid "$pid"
	done
}

# stop_process PID: SIGSTOP, undone by teardown should the test fail
# before it sends SIGCONT itself.
STOPPED_PIDS=()
stop_process() {
	kill -STOP "$1"
	STOPPED_PIDS+=("$1")
}

# What the kernel saw, which ends a stall line where TCP_INFO is, as a
# regular expression: grep -E "...waiting for reply seqno 5($KERNEL)?$".
KERNEL=' \(kernel: [^)]*\)'
# And before it, which way data stopped: at a peer that went quiet, with
# all of ours acknowledged (a relay or a listener that takes them in).
QUIET_REPLIER=": nothing arrives from the replier for [0-9.]+ s; all our requests are acknowledged$KERNEL"
QUIET_SENDER=": nothing arrives from the sender for [0-9.]+ s; all our replies are acknowledged$KERNEL"
# At a replier whose window closed: it, or a relay before it, stopped
# reading, and our requests wait in our send buffer.
NOT_READING=": the replier stopped reading; its window is closed and our requests wait in the send buffer$KERNEL"

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

# Real TCP proxies in front of the replier (tests/proxies.bats).  Each
# runs in the foreground on 127.0.0.1, its configuration filled in from
# tests/proxy/ into $BATS_TEST_TMPDIR, and is ended by PID like the rest.

PROXY_CONF_DIR="$BATS_TEST_DIRNAME/proxy"

# find_tool NAME: the path of NAME, also looked for in the sbin
# directories a non-root PATH lacks; fails when it is not installed.
find_tool() {
	local dir
	command -v "$1" 2>/dev/null && return 0
	for dir in /usr/sbin /sbin /usr/local/sbin; do
		[[ -x $dir/$1 ]] && { echo "$dir/$1"; return 0; }
	done
	return 1
}

# free_port: a 127.0.0.1 port that was free a moment ago (the kernel gave
# it to a socket that is closed again).  Another process may take it in
# between, so start_tcp_proxy retries when the bind fails.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# is_running PID: true while PID exists and is not a zombie.
is_running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# forget_pid PID: takes a reaped PID out of STARTED_PIDS, so that teardown
# never signals whatever process is given that number next.
forget_pid() {
	local pid keep=()
	for pid in "${STARTED_PIDS[@]}"; do
		[[ $pid == "$1" ]] || keep+=("$pid")
	done
	STARTED_PIDS=("${keep[@]}")
}

# listening_port PID: the port on which process PID itself listens at
# 127.0.0.1 (from ss), or nothing.
listening_port() {
	ss -Hltnp 'src 127.0.0.1' 2>/dev/null |
	    awk -v p=",pid=$1," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }'
}

# fill_conf TEMPLATE LISTEN: tests/proxy/TEMPLATE with its @NAME@ fields
# filled in, written to $BATS_TEST_TMPDIR; prints the file's path.
fill_conf() {
	local out=$BATS_TEST_TMPDIR/$1
	sed -e "s|@DIR@|$BATS_TEST_TMPDIR|g" -e "s|@LISTEN@|$2|g" \
	    -e "s|@BACKEND@|$PORT|g" -e "s|@LOAD_MODULE@|$NGINX_LOAD_MODULE|g" \
	    -e "s|@GADDR@|$PATH_GS_ADDR|g" -e "s|@RADDR@|$PATH_R_ADDR|g" \
	    "$PROXY_CONF_DIR/$1" >"$out"
	echo "$out"
}

# nginx_stream EXE: sets NGINX_LOAD_MODULE to the load_module line that
# nginx EXE needs for its stream module (empty when it is built in, as
# `nginx -V` tells); skips the test when there is no stream module.
nginx_stream() {
	local conf dir
	conf=$("$1" -V 2>&1)
	NGINX_LOAD_MODULE=
	if [[ $conf == *--with-stream=dynamic* ]]; then
		dir=$(sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' <<<"$conf")
		[[ -f ${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so ]] ||
		    skip "nginx's stream module is not installed (libnginx-mod-stream)"
		NGINX_LOAD_MODULE="load_module ${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so;"
	elif ! grep -qE -- '--with-stream( |$)' <<<"$conf"; then
		skip "nginx is built without the stream module"
	fi
}

# proxy_command NAME EXE LISTEN: sets PROXY_CMD, the foreground command
# line of proxy NAME (program EXE) on 127.0.0.1:LISTEN, forwarding to the
# replier at 127.0.0.1:$PORT.
proxy_command() {
	local name=$1 exe=$2 listen=$3 dst=127.0.0.1:$PORT
	case $name in
	nginx | nginx-half-close)
		PROXY_CMD=("$exe" -p "$BATS_TEST_TMPDIR" -e "$BATS_TEST_TMPDIR/nginx.log"
		    -c "$(fill_conf "$name.conf" "$listen")") ;;
	haproxy)
		PROXY_CMD=("$exe" -db -f "$(fill_conf haproxy.cfg "$listen")") ;;
	rinetd)
		PROXY_CMD=("$exe" -f -c "$(fill_conf rinetd.conf "$listen")") ;;
	socat)
		PROXY_CMD=("$exe" "TCP-LISTEN:$listen,bind=127.0.0.1,fork" "TCP:$dst") ;;
	pen)
		PROXY_CMD=("$exe" -f "127.0.0.1:$listen" "$dst") ;;
	redir)
		PROXY_CMD=("$exe" -n "127.0.0.1:$listen" "$dst") ;;
	simpleproxy)
		PROXY_CMD=("$exe" -L "127.0.0.1:$listen" -R "$dst") ;;
	*)
		echo "no such proxy: $name" >&2
		return 1 ;;
	esac
}

# start_tcp_proxy NAME: proxy NAME (nginx, nginx-half-close, haproxy,
# socat, pen, rinetd, redir, simpleproxy) in front of the replier started
# by start_replier; sets PROXY_PID and PROXY_PORT once the proxy's own
# socket listens.  Those that take port 0 get the kernel's choice, the
# others a free_port, with a new one when the bind loses a race.  Skips
# the test when the proxy is not installed.
start_tcp_proxy() {
	local name=$1 exe listen=0 tries attempt
	exe=$(find_tool "${name%-half-close}") || skip "${name%-half-close} is not installed"
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
	case $name in
	nginx*) nginx_stream "$exe" ;;
	esac
	PROXY_ERR=$BATS_TEST_TMPDIR/$name.err
	for attempt in 1 2 3 4 5; do
		case $name in
		nginx* | haproxy | pen | simpleproxy) listen=$(free_port) ;;
		esac
		proxy_command "$name" "$exe" "$listen" || return 1
		"${PROXY_CMD[@]}" </dev/null >"$PROXY_ERR" 2>&1 &
		PROXY_PID=$!
		STARTED_PIDS+=("$PROXY_PID")
		tries=100
		while ((tries-- > 0)) && is_running "$PROXY_PID"; do
			PROXY_PORT=$(listening_port "$PROXY_PID")
			if [[ -n $PROXY_PORT ]] && ((listen == 0 || PROXY_PORT == listen)); then
				return 0
			fi
			sleep 0.1
		done
		if is_running "$PROXY_PID"; then
			echo "$name did not listen within 10 s: ${PROXY_CMD[*]}" >&2
			cat "$PROXY_ERR" >&2
			return 1
		fi
		wait "$PROXY_PID" 2>/dev/null || true
		forget_pid "$PROXY_PID"
		((listen != 0)) || break
	done
	echo "$name did not start: ${PROXY_CMD[*]}" >&2
	cat "$PROXY_ERR" >&2
	return 1
}

# Two network namespaces joined by a veth pair (tests/netns.bats): the
# replier's NS_R (st0, $NS_R_ADDR) and the sender's NS_S (st1, $NS_S_ADDR),
# a private /30 that exists only inside them.  netns_teardown removes
# them, and with them their links and nftables rules.

NETNS=()
NS_R_ADDR=10.199.0.1
NS_S_ADDR=10.199.0.2

# netns_try WHAT CMD...: runs CMD; when it fails, skips the test with
# WHAT and CMD's error (the namespaces made so far go in teardown).
netns_try() {
	local what=$1 err=$BATS_TEST_TMPDIR/netns.err
	shift
	"$@" 2>"$err" || skip "$what failed: $(head -n 1 "$err")"
}

# link_up NS DEV: bounded wait until DEV in NS is up.
link_up() {
	local tries=50
	until ip -n "$1" link show dev "$2" | grep -q ' state UP '; do
		((tries-- > 0)) || { echo "$2 in $1 is not up" >&2; return 1; }
		sleep 0.1
	done
}

# make_netns_pair: makes NS_R and NS_S, names unique to this run and test,
# joins them and brings the links up.  gso_max_segs 1 makes TCP hand the
# veth one segment at a time, as a wire would carry it, not 64 KiB
# bundles that nftables would see (and drop) as one packet.  Skips the
# test when not root or when ip netns, veth or nft is missing or fails.
make_netns_pair() {
	((EUID == 0)) || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	find_tool nft >/dev/null || skip "nft (nftables) is not installed"
	NS_R=seqtest-$$-$BATS_TEST_NUMBER-r
	NS_S=seqtest-$$-$BATS_TEST_NUMBER-s
	netns_try "ip netns add" ip netns add "$NS_R"
	NETNS+=("$NS_R")
	netns_try "ip netns add" ip netns add "$NS_S"
	NETNS+=("$NS_S")
	netns_try "ip netns exec" ip netns exec "$NS_S" true
	netns_try "a veth pair" ip link add st0 netns "$NS_R" gso_max_segs 1 \
	    type veth peer name st1 netns "$NS_S" gso_max_segs 1
	ip -n "$NS_R" addr add "$NS_R_ADDR/30" dev st0
	ip -n "$NS_S" addr add "$NS_S_ADDR/30" dev st1
	ip -n "$NS_R" link set dev st0 up
	ip -n "$NS_S" link set dev st1 up
	link_up "$NS_R" st0
	link_up "$NS_S" st1
}

# A routed path (tests of what a middlebox does): the sender's NS_S,
# a router NS_G and the replier's NS_R, two veth pairs, each a private
# /30 that exists only inside them.  The sender is $PATH_S_ADDR on s0 and
# the replier $PATH_R_ADDR on r0; the router has g0 toward the sender
# ($PATH_GS_ADDR) and g1 toward the replier ($PATH_GR_ADDR) and forwards
# between them.  Rules and daemons of a test run in NS_G, the middlebox.
PATH_S_ADDR=10.199.1.1
PATH_GS_ADDR=10.199.1.2
PATH_GR_ADDR=10.199.2.1
PATH_R_ADDR=10.199.2.2

# make_router_path: makes NS_S, NS_G and NS_R (names unique to this run
# and test), the links, the routes and forwarding in NS_G.  Skips as
# make_netns_pair does; netns_teardown removes them.
make_router_path() {
	local ns
	((EUID == 0)) || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	find_tool nft >/dev/null || skip "nft (nftables) is not installed"
	NS_S=seqtest-$$-$BATS_TEST_NUMBER-s
	NS_G=seqtest-$$-$BATS_TEST_NUMBER-g
	NS_R=seqtest-$$-$BATS_TEST_NUMBER-r
	for ns in "$NS_S" "$NS_G" "$NS_R"; do
		netns_try "ip netns add" ip netns add "$ns"
		NETNS+=("$ns")
	done
	netns_try "ip netns exec" ip netns exec "$NS_G" true
	netns_try "a veth pair" ip link add s0 netns "$NS_S" gso_max_segs 1 \
	    type veth peer name g0 netns "$NS_G" gso_max_segs 1
	netns_try "a veth pair" ip link add g1 netns "$NS_G" gso_max_segs 1 \
	    type veth peer name r0 netns "$NS_R" gso_max_segs 1
	ip -n "$NS_S" addr add "$PATH_S_ADDR/30" dev s0
	ip -n "$NS_G" addr add "$PATH_GS_ADDR/30" dev g0
	ip -n "$NS_G" addr add "$PATH_GR_ADDR/30" dev g1
	ip -n "$NS_R" addr add "$PATH_R_ADDR/30" dev r0
	ip -n "$NS_S" link set dev lo up
	ip -n "$NS_G" link set dev lo up
	ip -n "$NS_R" link set dev lo up
	ip -n "$NS_S" link set dev s0 up
	ip -n "$NS_G" link set dev g0 up
	ip -n "$NS_G" link set dev g1 up
	ip -n "$NS_R" link set dev r0 up
	link_up "$NS_S" s0
	link_up "$NS_G" g0
	link_up "$NS_G" g1
	link_up "$NS_R" r0
	ip -n "$NS_S" route add default via "$PATH_GS_ADDR"
	ip -n "$NS_R" route add default via "$PATH_GR_ADDR"
	ip netns exec "$NS_G" sysctl -qw net.ipv4.ip_forward=1
}

# start_path_replier [flags...]: a replier on $PATH_R_ADDR in NS_R; sets
# what start_replier sets.
start_path_replier() {
	REPLIER_ERR=$BATS_TEST_TMPDIR/replier.err
	REPLIER_OUT=$BATS_TEST_TMPDIR/replier.out
	start_listener "$REPLIER_OUT" "$REPLIER_ERR" ip netns exec "$NS_R" \
	    "$SEQTEST" -r "$@" "$PATH_R_ADDR:0" || return 1
	REPLIER_PID=$LISTENER_PID
	PORT=$LISTENER_PORT
}

# start_path_proxy NAME: proxy NAME (haproxy or nginx, from
# tests/proxy/NAME-path.*) in NS_G on $PATH_GS_ADDR:$PATH_PROXY_PORT,
# forwarding to the replier; sets PROXY_PID once it listens.  Skips when
# the proxy is not installed.
PATH_PROXY_PORT=7000
start_path_proxy() {
	local exe tries=100
	exe=$(find_tool "$1") || skip "$1 is not installed"
	PROXY_ERR=$BATS_TEST_TMPDIR/$1.err
	case $1 in
	nginx)
		nginx_stream "$exe"
		PROXY_CMD=("$exe" -p "$BATS_TEST_TMPDIR" -e "$BATS_TEST_TMPDIR/nginx.log"
		    -c "$(fill_conf nginx-path.conf "$PATH_PROXY_PORT")") ;;
	haproxy)
		PROXY_CMD=("$exe" -db -f "$(fill_conf haproxy-path.cfg "$PATH_PROXY_PORT")") ;;
	esac
	ip netns exec "$NS_G" "${PROXY_CMD[@]}" </dev/null >"$PROXY_ERR" 2>&1 &
	PROXY_PID=$!
	STARTED_PIDS+=("$PROXY_PID")
	until ip netns exec "$NS_G" ss -Hltn "src $PATH_GS_ADDR" | grep -q ":$PATH_PROXY_PORT "; do
		((tries-- > 0)) && is_running "$PROXY_PID" || {
			cat "$PROXY_ERR" >&2
			return 1
		}
		sleep 0.1
	done
}

# path_sender_bg ARGS...: a sender in NS_S, as run_sender_bg starts one.
path_sender_bg() {
	SENDER_OUT=$BATS_TEST_TMPDIR/sender.out
	SENDER_ERR=$BATS_TEST_TMPDIR/sender.err
	ip netns exec "$NS_S" "$SEQTEST" "$@" >"$SENDER_OUT" 2>"$SENDER_ERR" &
	SENDER_PID=$!
	STARTED_PIDS+=("$SENDER_PID")
}

# nft_g RULES: nftables RULES in NS_G (the router), removed with it.
nft_g() {
	ip netns exec "$NS_G" "$(find_tool nft)" -f - <<<"$1"
}

# set_mtu MTU: the MTU of both ends of the pair.
set_mtu() {
	ip -n "$NS_R" link set dev st0 mtu "$1"
	ip -n "$NS_S" link set dev st1 mtu "$1"
	ip -n "$NS_R" link show dev st0 | grep -q " mtu $1 "
	ip -n "$NS_S" link show dev st1 | grep -q " mtu $1 "
}

# start_netns_replier [flags...]: a replier on $NS_R_ADDR in NS_R; sets
# what start_replier sets.
start_netns_replier() {
	REPLIER_ERR=$BATS_TEST_TMPDIR/replier.err
	REPLIER_OUT=$BATS_TEST_TMPDIR/replier.out
	start_listener "$REPLIER_OUT" "$REPLIER_ERR" ip netns exec "$NS_R" \
	    "$SEQTEST" -r "$@" "$NS_R_ADDR:0" || return 1
	REPLIER_PID=$LISTENER_PID
	PORT=$LISTENER_PORT
}

# drop_tcp PERCENT: NS_R drops PERCENT % of the TCP segments it receives,
# at random, and counts them (nftables table inet seqtest).
drop_tcp() {
	netns_try nft ip netns exec "$NS_R" "$(find_tool nft)" -f - <<EOF
table inet seqtest {
	chain input {
		type filter hook input priority 0; policy accept;
		meta l4proto tcp numgen random mod 100 < $1 counter drop
	}
}
EOF
}

# dropped: how many segments drop_tcp's rule has dropped so far.
dropped() {
	ip netns exec "$NS_R" "$(find_tool nft)" list chain inet seqtest input |
	    sed -n 's/.* counter packets \([0-9]*\) .*/\1/p'
}

# netns_teardown: ends the processes started, then removes the namespaces.
netns_teardown() {
	local pid ns
	for pid in "${STARTED_PIDS[@]}"; do
		stop_pid "$pid"
	done
	for ns in "${NETNS[@]}"; do
		ip netns delete "$ns"
	done
}

# json_value KEY.KEY...: a value from the JSON report in $output, e.g.
# json_value latency_us.p99.
json_value() {
	python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
	v = v[k]
print(v)' "$1" <<<"$output"
}

# json_check EXPR: true when the python expression EXPR holds for the
# JSON report d in $output, e.g. json_check 'd["tcp"]["retrans"] == 0'.
json_check() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" <<<"$output"
}

# need_tcp_info: skips the test when the JSON report in $output has no
# kernel's view, as where there is no TCP_INFO (it is read on Linux).
need_tcp_info() {
	json_check 'd["tcp"]["rtt_us_p50"] is not None' ||
	    skip "TCP_INFO is not available on this system"
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

# check_verdicts: every verdict of the "expect" array of the JSON report
# in $output is the report's own figure (latency_us, errors, replies, the
# received rates), and held says whether that figure meets the condition.
check_verdicts() {
	python3 -c 'import json, operator, re, sys
d = json.load(sys.stdin)
lat, secs = d["latency_us"], d["duration_s"]
fig = {"errors": d["errors"]["total"], "replies": d["replies"],
       "rate": d["recv_msgs"] / secs, "mbps": d["recv_bytes"] * 8 / 1e6 / secs}
for k in ("p50", "p90", "p99", "p999", "max", "mean"):
	fig[k] = lat[k] if lat else None
us = {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6, "": 1}
ops = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
       ">=": operator.ge, "=": operator.eq}
bad = len(d["expect"]) == 0
for e in d["expect"]:
	key, op, num, unit = re.fullmatch(r"([a-z0-9]+)(<=|>=|<|>|=)([0-9.]+)([a-z]*)",
	    e["cond"]).groups()
	want = fig[key]
	if want is None:
		ok = e["value"] is None and e["held"] is False
	else:
		ok = abs(e["value"] - want) <= max(1e-3, 1e-3 * abs(want)) and \
		    e["held"] == ops[op](e["value"], float(num) * us[unit])
	if not ok:
		print("verdict", e, "but the report has", want, file=sys.stderr)
		bad = 1
sys.exit(bad)' <<<"$output"
}

# missed_lines: the lines on stderr that the conditions missed in the
# JSON report in $output call for: a latency in its condition's unit to
# the nanosecond, a count whole, a rate as the report prints it.
missed_lines() {
	python3 -c 'import json, re, sys
digits = {"ns": 0, "us": 3, "ms": 6, "s": 9}
for e in json.load(sys.stdin)["expect"]:
	if e["held"]:
		continue
	key, unit = re.fullmatch(r"([a-z0-9]+)[<>=]+[0-9.]+([a-z]*)", e["cond"]).groups()
	v = e["value"]
	if v is None:
		got = "no latency was measured"
	elif unit:
		n = "%.*f" % (digits[unit], v * 1e3 / 10 ** digits[unit])
		got = "got %s %s" % (n.rstrip("0").rstrip(".") if "." in n else n, unit)
	elif key == "rate":
		got = "got %.1f msg/s" % v
	elif key == "mbps":
		got = "got %.2f Mbit/s" % v
	else:
		got = "got %.0f" % v
	print("seqtest: expect %s: %s" % (e["cond"], got))' <<<"$output"
}

# bad EXPECTED ARGS...: runs seqtest, checks status 2 and the one line.
bad() {
	local expected=$1
	shift
	run --separate-stderr "$SEQTEST" "$@"
	echo "status=$status stderr=$stderr" >&3
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ $stderr == "seqtest: "*"$expected"* ]]
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

# json_assert FILE EXPR...: each python EXPR holds for the JSON document
# d in FILE, or the first that does not is named.  At hand: the
# documents e (FILE2) and f (FILE3) when JSON_MORE="FILE2 FILE3" is set;
# pct(h, p), the percentile p of a "histogram" h as seqtest gives it
# (nearest rank, the highest value of its bucket); close(a, b), a within
# the histogram's 0.1% of b (and the 0.001 of three decimals); and
# added(*hs), histograms added bucket by bucket.
json_assert() {
	python3 - "$@" <<'PY'
import json, math, os, sys
from fractions import Fraction

def pct(h, p):
    n = sum(c for _, c in h)
    rank = max(1, math.ceil(Fraction(str(p)) * n / 100))
    seen = 0
    for v, c in h:
        seen += c
        if seen >= rank:
            return v + (1 << max(v.bit_length() - 11, 0)) - 1

def close(a, b):
    return abs(a - b) <= 0.001 * abs(b) + 0.001

def added(*hs):
    s = {}
    for h in hs:
        for v, c in h:
            s[v] = s.get(v, 0) + c
    return [[v, s[v]] for v in sorted(s)]

d = json.load(open(sys.argv[1]))
more = [json.load(open(p)) for p in os.environ.get("JSON_MORE", "").split()]
e, f = (more + [None, None])[:2]
for x in sys.argv[2:]:
    if not eval(x):
        sys.exit("does not hold: " + x)
PY
}

# peak_kib CMD...: runs CMD, its output thrown away, and prints the most
# memory it held at once (its peak resident set, in KiB).
peak_kib() {
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# asan_build: $SEQTEST is built with AddressSanitizer, whose allocator
# and shadow memory make a peak of memory its own, not seqtest's.
asan_build() {
	grep -q __asan_init "$SEQTEST"
}

# json_lines FILE: every line of FILE is a whole line of JSON, an object
# with a "type"; prints the types, one a line.
json_lines() {
	python3 - "$1" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
if data and not data.endswith(b"\n"):
    sys.exit("the last line has no newline")
for n, line in enumerate(data.splitlines(), 1):
    try:
        print(json.loads(line)["type"])
    except Exception as x:
        sys.exit("line %d: %s: %r" % (n, x, line[:200]))
PY
}

# need_tool NAME PACKAGE: skips the test when NAME is not installed, but
# fails it under CI=true, as .ci/run installs PACKAGE.
need_tool() {
	command -v "$1" >/dev/null && return 0
	if [[ ${CI:-} == true ]]; then
		echo "$1 ($2) is required under CI" >&3
		return 1
	fi
	skip "$1 is not installed ($2)"
}

# svg_assert FILE EXPR...: FILE parses as XML, an SVG document with
# nothing outside it (no script, no link, no url()), and each python
# EXPR holds, with at hand: raw, the file's text; g(ID), the group of
# that id; texts(el), the text of each <text> in el; path(el, CLASS),
# the d of el's path of that class; points(el, CLASS), its vertices.
svg_assert() {
	python3 - "$@" <<'PY'
import re, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
raw = open(sys.argv[1], encoding="ascii").read()
root = ET.parse(sys.argv[1]).getroot()

def g(i):
    return next(e for e in root.iter(NS + "g") if e.get("id") == i)

def texts(el):
    return ["".join(t.itertext()) for t in el.iter(NS + "text")]

def path(el, cls):
    return next(p.get("d") for p in el.iter(NS + "path")
                if p.get("class") == cls)

def points(el, cls):
    return len(re.findall("[LVH]", path(el, cls)))

if root.tag != NS + "svg":
    sys.exit("not an SVG document: " + root.tag)
for bad in ("<script", "href", "url(", "@import", "<image", "<foreignObject"):
    if bad in raw:
        sys.exit("holds " + bad)
for x in sys.argv[2:]:
    if not eval(x):
        sys.exit("does not hold: " + x)
PY
}

# svg_renders SVG: rsvg-convert makes a PNG of it, without a word.
svg_renders() {
	local png=${1%.svg}.png
	need_tool rsvg-convert librsvg2-bin
	run --separate-stderr rsvg-convert -o "$png" "$1"
	[ "$status" -eq 0 ] && [ -z "$stderr" ] ||
	    { echo "rsvg-convert: $status $stderr" >&3; return 1; }
	[ -s "$png" ]
	[ "$(head -c 4 "$png" | tail -c 3)" = PNG ]
}
