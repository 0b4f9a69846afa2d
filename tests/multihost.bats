#!/usr/bin/env bats
# Many hosts as one run: start_at= starts senders together by the wall
# clock, label= names each, seed_index= gives each host traffic of its
# own from one seed, and -m merges their intervals aligned by time.
# The "hosts" are senders on this host, against one replier.

load helper

# start_in SECONDS: a start_at= that many whole seconds ahead.
start_in() {
	echo $(($(date +%s) + $1))
}

@test "three senders a second apart, one start_at=: they start together, the merged intervals line up and add up" {
	start_replier
	at=$(start_in 4)
	pids=()
	for i in 0 1 2; do
		"$SEQTEST" -s -j -o "threads=2,rate=200,duration=1.5,interval=0.5,seed=42,seed_index=$i,label=host$i,start_at=$at" \
		    "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/h$i.json" \
		    2>"$BATS_TEST_TMPDIR/h$i.err" &
		pids+=($!)
		STARTED_PIDS+=($!)
		sleep 1
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	# Each report has the host's clock at the start: within a few ms
	# of one another (about 1 ms here when the host is quiet; a host
	# loaded tenfold wakes a sleeper up to 50 ms late), where without
	# start_at they would be 2 s apart.
	python3 -c 'import json, sys
at = int(sys.argv[1]) * 10**9
walls = [json.load(open(f))["start_wall_ns"] for f in sys.argv[2:]]
print("start skews (ms):", [(w - at) / 1e6 for w in walls])
assert all(json.load(open(f))["start_at_ns"] == at for f in sys.argv[2:])
assert all(0 <= w - at < 10**8 for w in walls), walls
assert max(walls) - min(walls) < 5 * 10**7, walls' "$at" "$BATS_TEST_TMPDIR"/h{0,1,2}.json >&3
	run --separate-stderr "$SEQTEST" -m -j "$BATS_TEST_TMPDIR"/h{0,1,2}.json
	[ "$status" -eq 0 ]
	json_check '[s["label"] for s in d["sources"]] == ["host0", "host1", "host2"]'
	json_check '[s["seed_index"] for s in d["sources"]] == [0, 1, 2]'
	json_check 'd["intervals_left_out"] is None and len(d["intervals"]) >= 3'
	# Interval k of the merge starts at k intervals, and they add up.
	json_check 'all(abs(iv["start_s"] - 0.5 * k) < 1e-9 for k, iv in enumerate(d["intervals"]))'
	for key in sent_msgs sent_bytes recv_msgs recv_bytes replies; do
		json_check "sum(iv[\"$key\"] for iv in d[\"intervals\"]) == d[\"$key\"] > 0"
	done
	# Each interval but the last holds all three hosts' messages.
	json_check 'all(iv["sent_msgs"] >= 3 * 2 * 200 * 0.5 * 0.8 for iv in d["intervals"][:3])'
	run "$SEQTEST" -m "$BATS_TEST_TMPDIR"/h{0,1,2}.json
	[ "$status" -eq 0 ]
	[[ $output == *$'\nSource 1: label host1, seed 42, seed_index 1, start '* ]]
	[[ $output == *$'\nIntervals: '[3-9]' of 0.500 s, aligned by start_at' ]]
}

@test "-m of runs without a shared start_at=: the intervals left out, and why" {
	start_replier
	for i in 0 1; do
		"$SEQTEST" -S -j -o "count=50,interval=0.1,label=h$i" \
		    "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/h$i.json" 2>/dev/null
	done
	run --separate-stderr "$SEQTEST" -m -j "$BATS_TEST_TMPDIR"/h{0,1}.json
	[ "$status" -eq 0 ]
	json_check '"intervals" not in d and d["intervals_left_out"] == "the reports do not share a start_at="'
	run "$SEQTEST" -m "$BATS_TEST_TMPDIR"/h{0,1}.json
	[ "${lines[-1]}" = "Intervals: left out: the reports do not share a start_at=" ]
}

@test "the text report: the label, the seed index and the clock at the start" {
	start_replier
	at=$(date -u -d "@$(start_in 2)" +%Y-%m-%dT%H:%M:%SZ)
	run "$SEQTEST" -S -o "count=10,label=rack-3,seed=5,seed_index=7,start_at=$at" \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *$'\nSeed: 5\nLabel: rack-3\nSeed index: 7\nStart: '* ]]
	line=$(grep '^Start: ' <<<"$output")
	[[ $line =~ ^Start:\ [0-9-]+T[0-9:.]+Z\ by\ this\ host\'s\ clock,\ start_at\ ${at%Z}\.000000000Z,\ \+[0-9]+\.[0-9]{3}\ ms$ ]]
}

@test "seed_index=: each host's traffic differs, and replays" {
	start_replier
	bytes() {
		"$SEQTEST" -S -j -o "count=200,ssize_min=40,ssize_max=4000,seed=9,seed_index=$1" \
		    "127.0.0.1:$PORT" 2>/dev/null | json_get /dev/stdin 'd["sent_bytes"]'
	}
	a=$(bytes 0)
	b=$(bytes 1)
	c=$(bytes 1)
	echo "$a $b $c"
	[ "$a" != "$b" ]
	[ "$b" = "$c" ]
}

@test "start_at=: past, more than a day ahead, malformed, or with search=: refused, exit 2" {
	bad() {
		run "$SEQTEST" -S -o "$2" 127.0.0.1:9
		echo "$output"
		[ "$status" -eq 2 ]
		[[ $output =~ ^seqtest:\ $1$ ]]
	}
	bad "option start_at: 1000 is [0-9]+\\.[0-9]{3} s past" start_at=1000
	bad "option start_at: 2020-01-01T00:00:00Z is [0-9]+\\.[0-9]{3} s past" start_at=2020-01-01T00:00:00Z
	ahead=$(start_in 90000)
	bad "option start_at: $ahead is (89|90)[0-9]{3} s ahead, more than 86400" "start_at=$ahead"
	bad "option start_at: '2026-02-30T00:00:00Z' is neither seconds since the epoch nor an ISO 8601 time in UTC, as 2026-12-03T19:40:00Z" start_at=2026-02-30T00:00:00Z
	bad "option start_at: '12:00' is neither .*" start_at=12:00
	bad "option start_at: not with search=, whose steps each run for duration=" "search=errors=0,start_at=$(start_in 60)"
}

@test "start_at=: SIGTERM during the wait ends the run at once, exit 1" {
	start_replier
	run_sender_bg -S -o "count=10,start_at=$(start_in 60)" "127.0.0.1:$PORT"
	sleep 0.5
	kill -TERM "$SENDER_PID"
	wait_sender
	[ "$SENDER_STATUS" -eq 1 ]
	grep -q 'interrupted by SIGTERM' "$SENDER_ERR"
}
