#!/usr/bin/env bats
# Measurement options: JSON, seeds, duration, rate, warmup, interval,
# conns, and memory that does not grow with the message count.
# seqtest: serial (rates, intervals and RSS want the CPUs alone)

load helper

@test "-j: one valid JSON document with the documented keys" {
	start_replier
	"$SEQTEST" -j -s -o count=300,threads=3,rinterval=3,seed=99 "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/j"
	j=$BATS_TEST_TMPDIR/j
	[ "$(json_get "$j" 'd["mode"]')" = send ]
	[ "$(json_get "$j" 'd["seed"]')" = 99 ]
	# 100 a flow by rinterval=3, and its closing reply
	[ "$(json_get "$j" 'd["replies"]')" = 303 ]
	[ "$(json_get "$j" 'len(d["flows"])')" = 3 ]
	[ "$(json_get "$j" 'd["flows"][2]["sent_msgs"]')" = 300 ]
	[ "$(json_get "$j" 'd["flows"][2]["ended"]')" = ok ]
	[ "$(json_get "$j" 'd["options"]["rinterval"]')" = 3 ]
	[ "$(json_get "$j" 'd["errors"]["total"]')" = 0 ]
	[ "$(json_get "$j" 'd["exit_status"]')" = 0 ]
	[ "$(json_get "$j" 'd["duration_s"] > 0')" = True ]
	for k in mean stddev min p50 p90 p99 p999 max; do
		[ "$(json_get "$j" "d['latency_us']['$k'] > 0")" = True ]
	done
	[ "$(json_get "$j" 'd["latency_us"]["min"] <= d["latency_us"]["p50"] <= d["latency_us"]["p99"] <= d["latency_us"]["max"]')" = True ]
}

@test "-j options: numbers, seconds with decimals, strings escaped" {
	start_replier
	dump=$BATS_TEST_TMPDIR/'d"q\b'
	"$SEQTEST" -j -S -o count=5,duration=2.5,close=reset,dump="$dump" "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/j"
	j=$BATS_TEST_TMPDIR/j
	[ "$(json_get "$j" 'd["options"]["dump"]')" = "$dump" ]
	[ "$(json_get "$j" 'd["options"]["count"]')" = 5 ]
	[ "$(json_get "$j" 'd["options"]["seed"] == d["seed"]')" = True ]
	[ "$(json_get "$j" 'd["options"]["close"]')" = reset ]
	grep -q '"duration": 2.500, ' "$j"
	"$SEQTEST" -j -S -o count=1 "127.0.0.1:$PORT" >"$j"
	[ "$(json_get "$j" 'd["options"]["dump"]')" = None ]
	[ "$(json_get "$j" 'd["options"]["close"]')" = full ]
}

@test "-j on failure: still one JSON document, exit 1, error counted" {
	start_replier
	stop_replier
	run "$SEQTEST" -j -S -o count=5 "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	grep -v '^seqtest: ' <<<"$output" >"$BATS_TEST_TMPDIR/j"
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["exit_status"]')" = 1 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["errors"]["connect"]')" = 1 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["flows"][0]["ended"]')" = connect ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["latency_us"]')" = None ]
}

@test "-r -j that cannot listen: still one JSON document, exit 1" {
	start_replier
	run --separate-stderr "$SEQTEST" -r -j "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	# glibc says "Address already in use", musl "Address in use"
	[[ $stderr =~ ^seqtest:\ listen\ on\ 127\.0\.0\.1\ port\ $PORT:\ bind:\ Address\ (already\ )?in\ use$ ]]
	echo "$output" >"$BATS_TEST_TMPDIR/j"
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["mode"]')" = reply ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["connections"]')" = 0 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["exit_status"]')" = 1 ]
}

@test "-j with a dump file that cannot be opened: still one JSON document, exit 2" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=1,dump=/nonexistent/dir/f "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	echo "$output" >"$BATS_TEST_TMPDIR/j"
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["flows"]')" = "[]" ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["exit_status"]')" = 2 ]
}

@test "-j on a usage error: a JSON document naming it, exit 2" {
	run --separate-stderr "$SEQTEST" -j -s -o ssize=99999 127.0.0.1:9
	[ "$status" -eq 2 ]
	echo "$output" >"$BATS_TEST_TMPDIR/j"
	[[ $(json_get "$BATS_TEST_TMPDIR/j" 'd["error"]') == *"ssize: 99999 is out of range"* ]]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["exit_status"]')" = 2 ]
}

@test "seed: the same seed gives the same sizes, another seed does not" {
	start_replier
	for s in 7 7 8; do
		"$SEQTEST" -S -o count=500,seed=$s,ssize_min=40,ssize_max=5000,rsize_min=40,rsize_max=5000,rinterval=1,dump="$BATS_TEST_TMPDIR/d$s.$((n++))" "127.0.0.1:$PORT" >/dev/null
	done
	cut -d' ' -f4,5 "$BATS_TEST_TMPDIR/d7.0" >"$BATS_TEST_TMPDIR/a"
	cut -d' ' -f4,5 "$BATS_TEST_TMPDIR/d7.1" >"$BATS_TEST_TMPDIR/b"
	cut -d' ' -f4,5 "$BATS_TEST_TMPDIR/d8.2" >"$BATS_TEST_TMPDIR/c"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a")" -eq 501 ]
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	not cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
}

@test "seed: the report prints the seed it used" {
	start_replier
	run "$SEQTEST" -S -o count=5 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output =~ Seed:\ [0-9]+ ]]
	run "$SEQTEST" -S -o count=5,seed=123 "127.0.0.1:$PORT"
	[[ $output == *"Seed: 123"* ]]
}

@test "duration: runs for the time given instead of a count" {
	start_replier
	run "$SEQTEST" -S -o duration=1 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' <<<"$output")
	(( us >= 1000000 && us < 10000000 ))
	n=$(field Received)
	(( n > 100 ))
}

@test "rate: never ahead of the schedule" {
	start_replier
	run "$SEQTEST" -s -o duration=1,rate=400,threads=2 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	sent=$(sed -n 's/^Sent: \([0-9]*\) messages.*/\1/p' <<<"$output")
	# 2 flows x (400/s x 1 s + the message at t=0)
	(( sent <= 802 && sent >= 400 ))
}

@test "warmup: the first replies of each flow are left out of the latency" {
	start_replier
	"$SEQTEST" -j -S -o count=100,warmup=30,threads=2 "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/j"
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["replies"]')" = 200 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["latency_us"]["count"]')" = 140 ]
}

@test "interval: a progress line per interval" {
	start_replier
	run "$SEQTEST" -S -o duration=1.1,interval=0.25 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	n=$(grep -cE "$(interval_re '[0-9]+')" <<<"$output")
	# four intervals and the last part
	(( n >= 3 && n <= 6 ))
}

# Lines come at the supervisor's 100 ms tick: a finer interval gave
# uneven lines (interval=0.01: 25 lines in 1 s), so it is refused.
@test "interval: finer than the supervisor's tick is refused, with the tick" {
	for v in 0.01 0.000000001 0.099999999; do
		run --separate-stderr "$SEQTEST" -S -o interval=$v 127.0.0.1:9
		[ "$status" -eq 2 ]
		[[ $stderr =~ ^seqtest:\ option\ interval:\ [0-9.e-]+\ s\ is\ finer\ than\ the\ supervisor\'s\ tick\ of\ 0\.1\ s\ \(0\ for\ none,\ or\ 0\.1\ to\ 86400\ seconds\)$ ]]
	done
	start_replier
	run "$SEQTEST" -S -o count=10,interval=0.1 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
}

# A stopped supervisor used to catch up with a burst of lines, one per
# interval missed, with meaningless rates.
@test "interval: after a pause of the supervisor, one line covers the gap" {
	start_replier
	run_sender_bg -S -o duration=4,interval=0.25,sdelay=100000 "127.0.0.1:$PORT"
	# stopped after its first line, well before the end, for 2 s at least
	wait_for_line "$SENDER_OUT" '^\[ *0\.[0-9]+- *0\.[0-9]+ s\]'
	stop_process "$SENDER_PID"
	sleep 2
	kill -CONT "$SENDER_PID"
	wait "$SENDER_PID"
	grep '^\[' "$SENDER_OUT" >&3
	spans=$(sed -n 's/^\[ *\([0-9.]*\)- *\([0-9.]*\) s\].*/\1 \2/p' "$SENDER_OUT")
	# one line spans the pause; no burst of lines for the intervals
	# it missed: they would cover the pause in pieces, and number about
	# 4 s / 0.25 s = 16, where at most (4 - 2) / 0.25 = 8 come after it
	[ "$(awk '$2 - $1 >= 1.9' <<<"$spans" | wc -l)" -eq 1 ]
	n=$(wc -l <<<"$spans")
	(( n >= 2 && n <= 11 ))
	# and the lines follow each other, from 0 to the end of the run
	awk 'NR == 1 && $1 != 0 || NR > 1 && $1 != end { bad = 1 }
	    { end = $2 } END { exit bad }' <<<"$spans"
}

# The run's time and rates are the flows': a supervisor stopped past the
# run's end used to stretch Time and halve the rate.
@test "time: a supervisor stopped for 5 s does not stretch the run" {
	start_replier
	run_sender_bg -d -S -o rate=100,duration=3,expect='rate>=90' "127.0.0.1:$PORT"
	wait_for_line "$SENDER_ERR" '^seqtest: flow 0: sync sender pid '
	kill -STOP "$SENDER_PID"
	# Not a wait: the pause is what is tested, past the flows' 3 s.
	sleep 5
	kill -CONT "$SENDER_PID"
	wait_sender
	cat "$SENDER_ERR" "$SENDER_OUT"
	[ "$SENDER_STATUS" -eq 0 ]
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' "$SENDER_OUT")
	(( us >= 2900000 && us < 3500000 ))
	rate=$(sed -n 's/^Message rate: .*, \([0-9]*\)\.[0-9] msg\/s received$/\1/p' "$SENDER_OUT")
	(( rate >= 90 ))
}

@test "conns=N: the replier serves N connections, reports and exits 0" {
	start_replier -o conns=2
	run "$SEQTEST" -S -o count=50,threads=2 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	REPLIER_RC=0
	wait "$REPLIER_PID" || REPLIER_RC=$?
	[ "$REPLIER_RC" -eq 0 ]
	grep -q '^Connections: 2, failed 0$' "$REPLIER_OUT"
	grep -q '^Received: 100 messages, 4000 bytes$' "$REPLIER_OUT"
}

@test "replier -j: one JSON document per connection as it ends" {
	start_replier -j -o conns=2
	"$SEQTEST" -S -o count=20,threads=2,rinterval=2 "127.0.0.1:$PORT" >/dev/null
	wait "$REPLIER_PID"
	head -n 2 "$REPLIER_OUT" >"$BATS_TEST_TMPDIR/lines"
	while read -r line; do
		echo "$line" >"$BATS_TEST_TMPDIR/j"
		[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["connection"]["recv_msgs"]')" = 20 ]
		# 10 by rinterval=2, and the closing reply
		[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["connection"]["replies"]')" = 11 ]
	done <"$BATS_TEST_TMPDIR/lines"
	tail -n 1 "$REPLIER_OUT" >"$BATS_TEST_TMPDIR/j"
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["connections"]')" = 2 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/j" 'd["recv_msgs"]')" = 40 ]
}

@test "memory: peak RSS does not grow with the message count" {
	start_replier
	rss() {
		python3 -c 'import resource,subprocess,sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$SEQTEST" -s -o "count=$1" "127.0.0.1:$PORT"
	}
	small=$(rss 10000)
	large=$(rss 1000000)
	echo "peak RSS: 10^4 messages $small KiB, 10^6 messages $large KiB" >&3
	(( large * 100 <= small * 105 ))
}
