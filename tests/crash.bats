#!/usr/bin/env bats
# Crash isolation: a worker killed by a signal is reported with its flow
# and signal; the other flows finish; nothing of the run is left behind.

load helper

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

# kill_and_check SIG WHICH: kills flow 1's WHICH (sender|receiver|sync
# sender) with SIG and checks the run's outcome.
kill_and_check() {
	local sig=$1 which=$2 name=$3 pid rc=0
	wait_for_line "$SENDER_ERR" '^seqtest: flow 3: '
	pid=$(sed -n "s/^seqtest: flow 1: .*$which pid \\([0-9]*\\).*/\\1/p" "$SENDER_ERR")
	[ -n "$pid" ]
	kill -"$sig" "$pid"
	wait "$SENDER_PID" || rc=$?
	cat "$SENDER_ERR" "$SENDER_OUT"
	[ "$rc" -eq 1 ]
	grep -qE "^seqtest: flow 1 \\(127.0.0.1 port $PORT\\): crashed: $which pid $pid killed by signal [0-9]+ \\($name\\)$" "$SENDER_ERR"
	grep -q '^Flows: 4, failed 1$' "$SENDER_OUT"
	grep -q '^Errors: 1 (crashed 1)$' "$SENDER_OUT"
	for pid in $(worker_pids); do
		not kill -0 "$pid" 2>/dev/null
	done
}

@test "-s: a receiver killed by SIGSEGV; the other flows finish" {
	start_replier
	run_sender_bg -d -s -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	kill_and_check SEGV receiver "Segmentation fault"
	# the three other flows got all their replies
	grep -q '^Received 4[0-9][0-9][0-9] replies$' "$SENDER_OUT"
}

@test "-s: a sender killed by SIGKILL; its receiver is ended too" {
	start_replier
	run_sender_bg -d -s -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	kill_and_check KILL sender Killed
}

@test "-S: a sync sender killed by SIGKILL" {
	start_replier
	run_sender_bg -d -S -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	kill_and_check KILL "sync sender" Killed
	grep -q '^Received 4[0-9][0-9][0-9] replies$' "$SENDER_OUT"
}

@test "replier: a killed connection child disturbs neither the listener nor the others" {
	start_replier -d
	run_sender_bg -S -o threads=3,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 2: replier pid'
	pid=$(sed -n 's/^seqtest: connection 1: replier pid \([0-9]*\)$/\1/p' "$REPLIER_ERR")
	kill -KILL "$pid"
	rc=0
	wait "$SENDER_PID" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q '^Flows: 3, failed 1$' "$SENDER_OUT"
	wait_for_line "$REPLIER_ERR" "^seqtest: connection 1 from 127.0.0.1 port [0-9]+: crashed: replier pid $pid killed by signal 9 \\(Killed\\)$"
	# the listener still serves
	run "$SEQTEST" -S -o count=100 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	kill -0 "$REPLIER_PID"
}

@test "SIGINT to the sender: children stopped, report still printed" {
	start_replier
	run_sender_bg -d -s -o threads=3,count=100000,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$SENDER_ERR" '^seqtest: flow 2: '
	sleep 0.5
	kill -INT "$SENDER_PID"
	rc=0
	wait "$SENDER_PID" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q '^Received [0-9]* replies$' "$SENDER_OUT"
	grep -q '^Flows: 3, failed 0$' "$SENDER_OUT"
	not grep -q crashed "$SENDER_ERR"
	for pid in $(worker_pids); do
		not kill -0 "$pid" 2>/dev/null
	done
}

@test "SIGTERM to the replier: connection children end, report printed" {
	start_replier -d
	run_sender_bg -S -o threads=2,count=100000,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 1: replier pid'
	pids=$(grep -oE 'replier pid [0-9]+' "$REPLIER_ERR" | awk '{ print $3 }')
	stop_replier
	grep -q '^Connections: 2, failed 0$' "$REPLIER_OUT"
	for pid in $pids; do
		not kill -0 "$pid" 2>/dev/null
	done
	rc=0
	wait "$SENDER_PID" || rc=$?
	[ "$rc" -eq 1 ]
}

@test "connect timeout: a listener that never answers the handshake" {
	# A backlog of one that is never accepted: once full, SYNs are dropped
	# and connect() waits; the flow must fail after timeout= seconds.
	python3 -c '
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
print(l.getsockname()[1], flush=True)
held = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(l.getsockname())
    except BlockingIOError: pass
    held.append(c)
time.sleep(30)' >"$BATS_TEST_TMPDIR/port" &
	STARTED_PIDS+=($!)
	wait_for_line "$BATS_TEST_TMPDIR/port" '^[0-9]+$'
	sleep 0.5
	p=$(cat "$BATS_TEST_TMPDIR/port")
	start=$SECONDS
	run --separate-stderr "$SEQTEST" -S -o count=1,timeout=2 "127.0.0.1:$p"
	[ "$status" -eq 1 ]
	# glibc says "Connection timed out", musl "Operation timed out"
	[[ $stderr =~ flow\ 0\ \(127\.0\.0\.1\ port\ $p\):\ connect\ failed:\ connect:\ (Connection|Operation)\ timed\ out ]]
	(( SECONDS - start < 20 ))
}
