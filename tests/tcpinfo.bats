#!/usr/bin/env bats
# The kernel's own view beside ours (TCP_INFO): per flow and per run in
# the JSON, a line in the text report, in every interval line and in a
# stall's line.  On loopback nothing is retransmitted; a replier that
# stopped reading shows as a send held back by its window.  Retransmits
# under loss are in tests/netns.bats.  Skipped where there is no TCP_INFO.

load helper

TCP_KEYS='rtt_us rttvar_us retrans lost reordering cwnd unacked busy_us rwnd_limited_us sndbuf_limited_us'

@test "-j, loopback: every flow's kernel view, no retransmits, and the run's" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=2000,threads=3 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	need_tcp_info
	for key in $TCP_KEYS; do
		json_check "all('$key' in f['tcp'] for f in d['flows'])"
	done
	json_check 'all(f["tcp"]["rtt_us"] > 0 and f["tcp"]["cwnd"] > 0 for f in d["flows"])'
	json_check 'all(f["tcp"]["retrans"] == 0 for f in d["flows"])'
	json_check 'd["tcp"]["retrans"] == 0'
	json_check '0 < d["tcp"]["rtt_us_p50"] <= d["tcp"]["rtt_us_max"]'
	json_check 'd["tcp"]["rtt_us_max"] == max(f["tcp"]["rtt_us"] for f in d["flows"])'
}

@test "text, loopback: TCP: retransmits 0, the median and largest rtt" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=10 "127.0.0.1:$PORT"
	need_tcp_info
	run --separate-stderr "$SEQTEST" -S -o count=2000,threads=2 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	grep -qE '^TCP: retransmits 0, rtt p50 [1-9][0-9]* us, max [1-9][0-9]* us$' <<<"$output"
	# after the flows, before the errors
	grep -A1 '^Flows: ' <<<"$output" | grep -q '^TCP: '
}

@test "a flow that never connected: its view is null, and no TCP line" {
	start_replier
	stop_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=5 "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	for key in $TCP_KEYS; do
		json_check "d['flows'][0]['tcp']['$key'] is None"
	done
	json_check 'd["tcp"] == {"retrans": None, "rtt_us_p50": None, "rtt_us_max": None}'
	run --separate-stderr "$SEQTEST" -S -o count=5 "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	not grep -q '^TCP: ' <<<"$output"
}

@test "replier: the kernel's view per connection, and in its report" {
	start_replier -j -o conns=1
	run --separate-stderr "$SEQTEST" -j -S -o count=500 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	need_tcp_info
	wait "$REPLIER_PID"
	output=$(head -n 1 "$REPLIER_OUT")
	json_check 'd["connection"]["tcp"]["rtt_us"] > 0'
	json_check 'd["connection"]["tcp"]["retrans"] == 0'
	output=$(tail -n 1 "$REPLIER_OUT")
	json_check 'd["tcp"]["retrans"] == 0 and d["tcp"]["rtt_us_p50"] > 0'
	start_replier -o conns=1
	"$SEQTEST" -S -o count=500 "127.0.0.1:$PORT" >/dev/null
	wait "$REPLIER_PID"
	grep -qE '^TCP: retransmits 0, rtt p50 [1-9][0-9]* us, max [1-9][0-9]* us$' "$REPLIER_OUT"
}

@test "interval lines: retransmits so far and the live flows' median rtt" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=10 "127.0.0.1:$PORT"
	need_tcp_info
	run --separate-stderr "$SEQTEST" -S -o threads=2,duration=1.1,interval=0.25 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	n=$(grep -cE '^\[.*\] sent .*, p99 [0-9.]+ us, retransmits 0, rtt p50 [1-9][0-9]* us, errors 0$' <<<"$output")
	(( n >= 3 && n <= 5 ))
}

# The replier's connection child is stopped: the sender fills its send
# buffer and the replier's receive buffer, then can send no more.  What
# the kernel saw then tells a peer that stopped reading (held back by
# its window, nothing unacknowledged) from a dead path (segments
# unacknowledged, retransmitted).
@test "stall: a replier that stopped reading, as the kernel saw it" {
	start_replier -d
	out=$BATS_TEST_TMPDIR/sender.out
	err=$BATS_TEST_TMPDIR/sender.err
	"$SEQTEST" -j -s -o count=1000000,ssize=8000,timeout=2 "127.0.0.1:$PORT" >"$out" 2>"$err" &
	spid=$!
	STARTED_PIDS+=("$spid")
	child=$(connection_child 0)
	stop_process "$child"
	rc=0
	wait "$spid" || rc=$?
	kill -CONT "$child"
	cat "$err"
	[ "$rc" -eq 1 ]
	output=$(cat "$out")
	need_tcp_info
	# The sender is blocked in a send that the replier's closed window
	# holds back: the line says so, and which way stopped.
	re='stalled: no progress for 2 s, blocked sending request seqno [0-9]+: the replier stopped reading; its window is closed and our requests wait in the send buffer \(kernel: ([0-9]+) segments unacknowledged, [0-9]+ retransmits, rwnd-limited ([0-9.]+) s, sndbuf-limited [0-9.]+ s\)$'
	line=$(grep -E "^seqtest: flow 0 \\(127\\.0\\.0\\.1 port $PORT\\): $re" "$err")
	[[ $line =~ $re ]]
	unacked=${BASH_REMATCH[1]} rwnd=${BASH_REMATCH[2]}
	echo "unacknowledged $unacked, rwnd-limited $rwnd s"
	[[ $unacked != 0 || $rwnd != 0.0 ]]
	json_check '"(kernel: " in d["flows"][0]["first_error"]'
	json_check 'd["flows"][0]["tcp"]["rwnd_limited_us"] > 0 or d["flows"][0]["tcp"]["unacked"] > 0'
}
