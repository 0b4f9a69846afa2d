#!/usr/bin/env bats
# dump=FILE: one line per reply, streamed, also into a FIFO; -d progress
# characters.

load helper

@test "dump file: header, one line per reply, exact sizes" {
	start_replier
	run "$SEQTEST" -s -o count=300,threads=2,ssize=100,rsize=200,rinterval=2,dump="$BATS_TEST_TMPDIR/d" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	d=$BATS_TEST_TMPDIR/d
	[ "$(head -n 1 "$d")" = "# flow time latency rsz ssz" ]
	# rinterval=2: 150 replies a flow, and the closing one (299)
	[ "$(tail -n +2 "$d" | wc -l)" -eq 302 ]
	# five whole numbers; thread in 0..1; rsz 200; ssz 100; latency > 0
	awk 'NR > 1 && !(NF == 5 && ($1 == 0 || $1 == 1) && $3 > 0 &&
	    $4 == 200 && $5 == 100) { bad++ } END { exit bad }' "$d"
	# each flow's 151 replies, times non-decreasing within a flow
	[ "$(awk 'NR > 1 && $1 == 1' "$d" | wc -l)" -eq 151 ]
	awk 'NR > 1 { if ($2 < last[$1]) bad++; last[$1] = $2 } END { exit bad }' "$d"
}

@test "dump file with random sizes stays within the ranges" {
	start_replier
	run "$SEQTEST" -S -o count=400,ssize_min=40,ssize_max=900,rsize_min=50,rsize_max=60,dump="$BATS_TEST_TMPDIR/d" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	awk 'NR > 1 && !($4 >= 50 && $4 <= 60 && $5 >= 40 && $5 <= 900) { bad++ }
	    END { exit bad }' "$BATS_TEST_TMPDIR/d"
	# random really is random: more than a few distinct sizes
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/d" | cut -d' ' -f5 | sort -u | wc -l)" -gt 100 ]
}

@test "-d prints progress characters and worker pids" {
	start_replier
	run --separate-stderr "$SEQTEST" -d -s -o count=5 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "$(tr -cd '>' <<<"$output" | wc -c)" -eq 5 ]
	[ "$(tr -cd '<' <<<"$output" | wc -c)" -eq 5 ]
	[[ $stderr =~ flow\ 0:\ sender\ pid\ [0-9]+,\ receiver\ pid\ [0-9]+ ]]
}

# A reader that pauses until the flows are over: the flows go on, the
# characters stdout has no room for are left out, and the count is said
# at the end; waiting on it would stall them past timeout=.
@test "-d into a reader that pauses: no stall, the characters left out counted" {
	start_replier -d
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/err
	"$SEQTEST" -d -s -o threads=2,duration=3,timeout=2 "127.0.0.1:$PORT" 2>"$err" |
	    { wait_for_line "$REPLIER_ERR" '^seqtest: connection 1 from .* closed' 150; cat >"$out"; }
	status=${PIPESTATUS[0]}
	cat "$err"
	[ "$status" -eq 0 ]
	not grep -q stalled "$err"
	grep -qE '^seqtest: -d: [1-9][0-9]* progress characters left out: standard output was not ready for them$' "$err"
	grep -qE '^Received [1-9][0-9]* replies$' "$out"
	grep -q '^Errors: 0$' "$out"
}

@test "dump= to a FIFO no one reads: an error after timeout=, exit 2, no hang" {
	start_replier
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	start=$SECONDS
	run --separate-stderr timeout 20 "$SEQTEST" -S -o count=10,timeout=1,dump="$fifo" "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	[ "$stderr" = "seqtest: dump file $fifo: no reader after 1 s" ]
	(( SECONDS - start < 5 ))
}

@test "dump= to a FIFO whose reader comes late: every line arrives" {
	start_replier
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	run_sender_bg -d -S -o count=10,timeout=20,dump="$fifo" "127.0.0.1:$PORT"
	# the reader comes once the sender has found none
	wait_for_line "$SENDER_ERR" "^seqtest: dump file $fifo: waiting for a reader\$"
	cat "$fifo" >"$BATS_TEST_TMPDIR/d"
	wait_sender
	cat "$SENDER_ERR"
	[ "$SENDER_STATUS" -eq 0 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/d")" -eq 11 ]
}
