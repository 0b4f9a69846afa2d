#!/usr/bin/env bats
# The three modes end to end on loopback: counts, replies, exit status.

load helper

@test "sync sender: every message gets its reply, exit 0" {
	start_replier
	run "$SEQTEST" -S -o count=2000 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 2000 replies"* ]]
	[[ $output == *"Sent: 2000 messages, 80000 bytes"* ]]
	[[ $output == *"Errors: 0"* ]]
	[[ $output == *"ROUND TRIP LATENCY:"* ]]
	for l in Average: Stddev: Median: 90.0%ile: 99.0%ile: 99.9%ile: \
	    Minimum: Maximum:; do
		grep -qE "^$l +[0-9]+\.[0-9] us$" <<<"$output"
	done
}

@test "async sender: 8 flows, random sizes and delays, rinterval=3" {
	start_replier
	run "$SEQTEST" -s -o threads=8,count=3000,ssize_min=40,ssize_max=8000,rsize_min=40,rsize_max=8000,sdelay_min=0,sdelay_max=20000,rdelay_max=20000,rinterval=3 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	# 1000 asked by rinterval=3, and each flow's closing reply (2999)
	[[ $output == *"Received 8008 replies"* ]]
	[[ $output == *"Sent: 24000 messages,"* ]]
	[[ $output == *"Flows: 8, failed 0"* ]]
	[[ $output == *"Errors: 0"* ]]
}

@test "sizes are whole message sizes: ssize=100,rsize=300 counts bytes exactly" {
	start_replier
	run "$SEQTEST" -S -o count=50,ssize=100,rsize=300 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Sent: 50 messages, 5000 bytes"* ]]
	[[ $output == *"Received: 50 messages, 15000 bytes"* ]]
}

@test "sizes below 40 are rounded up to the header" {
	start_replier
	run "$SEQTEST" -S -o count=10,ssize=1,rsize=0 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Sent: 10 messages, 400 bytes"* ]]
}

@test "largest size, 65535 bytes each way" {
	start_replier
	run "$SEQTEST" -s -o count=200,ssize=65535,rsize=65535 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 200 replies"* ]]
	[[ $output == *"Sent: 200 messages, 13107000 bytes"* ]]
}

@test "rinterval=0: the closing reply is the only one, -s and -S" {
	start_replier
	for mode in -s -S; do
		run "$SEQTEST" $mode -o count=500,rinterval=0 "127.0.0.1:$PORT"
		[ "$status" -eq 0 ]
		[[ $output == *"Received 1 replies"* ]]
		[[ $output == *"Received: 1 messages, 40 bytes"* ]]
		[[ $output != *"nan"* ]]
		[[ $output == *"Sent: 500 messages"* ]]
	done
}

@test "rinterval=4 in sync mode: one reply per four messages" {
	start_replier
	run "$SEQTEST" -S -o count=1000,rinterval=4 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	# 0, 4, ... 996, and the closing reply to 999
	[[ $output == *"Received 251 replies"* ]]
	[[ $output == *"Sent: 1000 messages"* ]]
}

@test "delays: sdelay of 2 ms sleeps between messages" {
	start_replier
	run "$SEQTEST" -S -o count=20,sdelay=2000000 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' <<<"$output")
	(( us >= 40000 ))
}

@test "sdelay=999999: the sender sleeps through its delays, not spins" {
	start_replier
	run_sender_bg -d -S -o count=4000,sdelay=999999 "127.0.0.1:$PORT"
	wait_for_line "$SENDER_ERR" '^seqtest: flow 0: sync sender pid'
	pid=$(sed -n 's/^seqtest: flow 0: sync sender pid //p' "$SENDER_ERR")
	# measured from its first message on: in its loop
	wait_for_line "$SENDER_OUT" '>'
	share=$(cpu_share "$pid" 1)
	echo "sync sender with sdelay=999999: $share% of a CPU" >&3
	(( share < 25 ))
	wait "$SENDER_PID"
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' "$SENDER_OUT")
	(( us >= 3999996 ))
}

@test "rdelay: the replier's delay is taken out of the latency" {
	start_replier
	run "$SEQTEST" -S -o count=20,rdelay=5000000 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' <<<"$output")
	(( us >= 100000 ))
	avg=$(sed -n 's/^Average: *\([0-9]*\)\..*/\1/p' <<<"$output")
	(( avg < 5000 ))
}

@test "replier report counts connections and messages" {
	start_replier
	run "$SEQTEST" -S -o count=100,threads=3 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	stop_replier
	[ "$REPLIER_RC" -eq 0 ]
	grep -q '^Connections: 3, failed 0$' "$REPLIER_OUT"
	grep -q '^Received: 300 messages, 12000 bytes$' "$REPLIER_OUT"
	grep -q '^Sent: 300 replies, 12000 bytes$' "$REPLIER_OUT"
}

@test "connect refused: exit 1 with the flow and the reason" {
	start_replier
	stop_replier
	run "$SEQTEST" -S -o count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[[ $output == *"flow 0 (127.0.0.1 port $PORT): connect failed: connect: Connection refused"* ]]
}

@test "-V prints the version, -h the usage" {
	run "$SEQTEST" -V
	[ "$status" -eq 0 ]
	[[ $output =~ ^seqtest\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run "$SEQTEST" -h
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: seqtest -s "* ]]
	[ "${#lines[@]}" -le 24 ]
	not grep -E '.{80}' <<<"$output"
}
