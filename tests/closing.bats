#!/usr/bin/env bats
# The closing exchange: the last message of every flow asks for a reply,
# and a flow is complete only when that reply is in.  How the sender
# then ends the connection: close=full (default), half or reset.

load helper

@test "rinterval=0 into a listener that never answers: exit 1, waiting for the closing reply" {
	start_discard
	for mode in -s -S; do
		run --separate-stderr "$SEQTEST" $mode -o count=100,rinterval=0,timeout=2 "127.0.0.1:$DISCARD_PORT"
		echo "$mode: status $status; stderr: $stderr" >&3
		[ "$status" -eq 1 ]
		grep -qE "^seqtest: flow 0 \\(127\\.0\\.0\\.1 port $DISCARD_PORT\\): stalled: no progress for 2 s, waiting for reply seqno 0($QUIET_REPLIER)?\$" <<<"$stderr"
		grep -q '^Received 0 replies$' <<<"$output"
	done
}

@test "the last message lost after the last requested reply: exit 1" {
	start_replier
	# count=11, rinterval=3: replies to 0, 3, 6 and 9 are asked by the
	# interval; message 10 (bytes 10000-10999) is the closing request.
	for mode in -s -S; do
		start_proxy drop -D req -O 10000 -n 1000
		run --separate-stderr "$SEQTEST" $mode -o count=11,ssize=1000,rinterval=3,timeout=2 "127.0.0.1:$PROXY_PORT"
		echo "$mode: status $status; stderr: $stderr" >&3
		[ "$status" -eq 1 ]
		grep -qE "^seqtest: flow 0 .*: stalled: no progress for 2 s, waiting for reply seqno 4($QUIET_REPLIER)?\$" <<<"$stderr"
		grep -q '^Received 4 replies$' <<<"$output"
		stop_pid "$PROXY_PID"
	done
}

@test "close=full, half and reset: clean on loopback, both modes, and the replier agrees" {
	start_replier -o conns=6
	for close in full half reset; do
		for mode in -s -S; do
			run --separate-stderr "$SEQTEST" $mode -o threads=1,count=2000,ssize_min=40,ssize_max=4000,rinterval=0,close=$close "127.0.0.1:$PORT"
			echo "close=$close $mode: status $status; stderr: $stderr" >&3
			[ "$status" -eq 0 ]
			grep -q '^Received 1 replies$' <<<"$output"
			grep -q '^Errors: 0$' <<<"$output"
		done
	done
	wait "$REPLIER_PID" || { echo "replier exit $?" >&3; false; }
	grep -q '^Connections: 6, failed 0$' "$REPLIER_OUT"
	grep -q '^Errors: 0$' "$REPLIER_OUT"
	not grep -q '^seqtest: connection' "$REPLIER_ERR"
}

@test "close=bogus is refused before anything is sent" {
	run --separate-stderr "$SEQTEST" -S -o close=bogus 127.0.0.1:9
	[ "$status" -eq 2 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == "seqtest: option close: "* ]]
}

# The last request is marked as last (ts2, which the original ignores):
# the replier tells a clean end from a cut one.

@test "a sender killed mid-run: the replier's conns=1 run fails and names the seqno" {
	start_replier -j -o conns=1
	run_sender_bg -d -S -o duration=60,sdelay=20000000 "127.0.0.1:$PORT"
	# A few requests in, then killed between two of them: the kernel
	# closes with a FIN at a message boundary.
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	kill -KILL "$SENDER_PID"
	wait_sender
	rc=0
	wait "$REPLIER_PID" || rc=$?
	cat "$REPLIER_ERR" >&3
	[ "$rc" -eq 1 ]
	grep -qE "^seqtest: connection 0 from 127\\.0\\.0\\.1 port [0-9]+: request seqno [1-9][0-9]*: short stream: the connection ended before the flow's last message\$" "$REPLIER_ERR"
	# -j: a line as the connection ends, then the run's document.
	head -n 1 "$REPLIER_OUT" >"$BATS_TEST_TMPDIR/conn.json"
	tail -n 1 "$REPLIER_OUT" >"$BATS_TEST_TMPDIR/run.json"
	run json_get "$BATS_TEST_TMPDIR/conn.json" 'd["connection"]["ended"]'
	[ "$output" = short ]
	run json_get "$BATS_TEST_TMPDIR/run.json" '" ".join(str(v) for v in (d["failed"], d["errors"]["short"], d["exit_status"]))'
	[ "$output" = "1 1 1" ]
}

@test "a sender stopped by SIGTERM marks its end: the replier passes it" {
	start_replier -o conns=1
	run_sender_bg -d -S -o duration=60,sdelay=20000000 "127.0.0.1:$PORT"
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	kill -TERM "$SENDER_PID"
	wait_sender
	wait "$REPLIER_PID" || { cat "$REPLIER_ERR" >&3; false; }
	grep -q '^Connections: 1, failed 0$' "$REPLIER_OUT"
	not grep -q '^seqtest: connection' "$REPLIER_ERR"
}
