#!/usr/bin/env bats
# Every ending told truly: closed standard descriptors, a report that
# cannot be written or whose reader went away, and text that is not ours.

load helper

HOSTILE="$BATS_TEST_DIRNAME/hostile"

@test "closed stdin or stderr: sockets never take them, the run is clean" {
	start_replier
	for mode in -s -S; do
		for redirs in '<&-' '2>&-' '<&- 2>&-'; do
			run_with "$redirs" -d "$mode" -o threads=2,count=300 \
			    "127.0.0.1:$PORT"
			[ "$status" -eq 0 ]
			[[ $output == *"Errors: 0"* ]]
		done
	done
	[ -z "$(conn_errors "$REPLIER_ERR")" ]
	stop_replier
	[ "$REPLIER_RC" -eq 0 ]
	grep -q '^Connections: 12, failed 0$' "$REPLIER_OUT"
}

# A closed stdout is a report that cannot be written (exit 1), but the
# test itself runs clean: -j, so that the flows run before the report.
@test "closed stdout: the run is clean, the lost report is exit 1" {
	start_replier
	for mode in -s -S; do
		for redirs in '>&-' '<&- >&-' '>&- 2>&-' '<&- >&- 2>&-'; do
			run_with "$redirs" -d -j "$mode" -o threads=2,count=300 \
			    "127.0.0.1:$PORT"
			[ "$status" -eq 1 ]
			[[ $redirs == *'2>&-'* ]] || [ "$(tail -n 1 <<<"$stderr")" = \
			    "seqtest: writing the report: Bad file descriptor" ]
		done
	done
	[ -z "$(conn_errors "$REPLIER_ERR")" ]
	stop_replier
	[ "$REPLIER_RC" -eq 0 ]
	grep -q '^Connections: 16, failed 0$' "$REPLIER_OUT"
}

@test "a replier with closed stdin and stdout: its replies stay clean" {
	err=$BATS_TEST_TMPDIR/r.err
	start_listener /dev/null "$err" bash -c \
	    'exec "$0" -d -r -o conns=2 127.0.0.1:0 <&- >&-' "$SEQTEST"
	for mode in -s -S; do
		run "$SEQTEST" "$mode" -o count=300 "127.0.0.1:$LISTENER_PORT"
		[ "$status" -eq 0 ]
		[[ $output == *"Errors: 0"* ]]
	done
	rc=0
	wait "$LISTENER_PID" || rc=$?
	cat "$err"
	[ "$rc" -eq 1 ]
	[ -z "$(conn_errors "$err")" ]
	[ "$(tail -n 1 "$err")" = "seqtest: writing the report: Bad file descriptor" ]
}

@test "stdout on a full disk: exit 1 and one line saying so" {
	start_replier
	for j in -S -jS; do
		run_with '>/dev/full' "$j" -o count=10 "127.0.0.1:$PORT"
		[ "$status" -eq 1 ]
		[ "$stderr" = "seqtest: writing the report: No space left on device" ]
	done
	for a in -V -h; do
		run_with '>/dev/full' "$a"
		[ "$status" -eq 1 ]
		[ "$stderr" = "seqtest: writing the report: No space left on device" ]
	done
}

@test "replier on a full disk, text and per-connection JSON: exit 1" {
	for j in '' -j; do
		err=$BATS_TEST_TMPDIR/r$j.err
		start_listener /dev/full "$err" "$SEQTEST" $j -r -o conns=1 127.0.0.1:0
		run "$SEQTEST" -S -o count=10 "127.0.0.1:$LISTENER_PORT"
		[ "$status" -eq 0 ]
		rc=0
		wait "$LISTENER_PID" || rc=$?
		[ "$rc" -eq 1 ]
		[ "$(cat "$err")" = "$(printf 'Listening on 127.0.0.1 port %s\n%s' \
		    "$LISTENER_PORT" 'seqtest: writing the report: No space left on device')" ]
	done
}

@test "closed stdout: -h, -V and a text report are exit 1" {
	for a in -V -h; do
		run_with '>&-' "$a"
		[ "$status" -eq 1 ]
		[ "$stderr" = "seqtest: writing the report: Bad file descriptor" ]
	done
	start_replier
	run_with '>&-' -S -o count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "seqtest: writing the report: Bad file descriptor" ]
}

@test "a reader that goes away ends a long run with interval lines" {
	start_replier
	start=$SECONDS
	run --separate-stderr bash -c '"$0" -S -o duration=60,interval=0.1 \
	    "$1" | head -c 10 >/dev/null; exit "${PIPESTATUS[0]}"' \
	    "$SEQTEST" "127.0.0.1:$PORT"
	echo "status $status after $((SECONDS - start)) s; stderr: $stderr" >&3
	[ "$status" -eq 1 ]
	(( SECONDS - start < 15 ))
	[ "$stderr" = "seqtest: writing the report: Broken pipe" ]
	# -j: the interval lines are on stderr, and part of the report too
	start=$SECONDS
	run bash -c '"$0" -j -S -o duration=60,interval=0.1 "$1" 2>&1 \
	    >/dev/null | head -c 10 >/dev/null; exit "${PIPESTATUS[0]}"' \
	    "$SEQTEST" "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	(( SECONDS - start < 15 ))
}

@test "replier -j: a reader gone between connections ends the replier" {
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	head -c 10 <"$fifo" >"$BATS_TEST_TMPDIR/head.out" &
	STARTED_PIDS+=($!)
	err=$BATS_TEST_TMPDIR/r.err
	start_listener "$fifo" "$err" "$SEQTEST" -j -r 127.0.0.1:0
	for i in 1 2 3; do
		run "$SEQTEST" -S -o count=10 "127.0.0.1:$LISTENER_PORT"
		kill -0 "$LISTENER_PID" 2>/dev/null || break
		sleep 0.2
	done
	wait_gone "$LISTENER_PID"
	rc=0
	wait "$LISTENER_PID" || rc=$?
	cat "$err"
	[ "$rc" -eq 1 ]
	[ "$(tail -n 1 "$err")" = "seqtest: writing the report: Broken pipe" ]
	[ "$(cat "$BATS_TEST_TMPDIR/head.out")" = '{"mode": "' ]
}

@test "a hostile replier's error report: its words never reach the terminal" {
	start_listener /dev/null "$BATS_TEST_TMPDIR/h.err" "$HOSTILE" 127.0.0.1 0 evil_report
	run --separate-stderr "$SEQTEST" -S -o count=5 "127.0.0.1:$LISTENER_PORT"
	echo "status $status; stderr: $stderr" >&3
	[ "$status" -eq 1 ]
	one_clean_line "$stderr"
	[[ $stderr == *": request seqno 0: bad header: unknown: expected 1, got 2 (seen by the replier)" ]]
	start_listener /dev/null "$BATS_TEST_TMPDIR/h.err" "$HOSTILE" 127.0.0.1 0 evil_report
	run --separate-stderr "$SEQTEST" -j -S -o count=5 "127.0.0.1:$LISTENER_PORT"
	[ "$status" -eq 1 ]
	one_clean_line "$stderr"
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["exit_status"] == 1' "$output"
}

# The replier's report names what it found in the requests; kinds that
# only a sender's own process can see (crash, connect, stall, reset, i/o)
# cannot come from it, and are not believed.
@test "a hostile replier cannot claim a crash, a stall or a system error" {
	for kind in 6 7 8 9 10 65535; do
		start_listener /dev/null "$BATS_TEST_TMPDIR/h.err" "$HOSTILE" 127.0.0.1 0 evil_report "$kind"
		run --separate-stderr "$SEQTEST" -S -o count=5 "127.0.0.1:$LISTENER_PORT"
		echo "kind $kind: $stderr" >&3
		[ "$status" -eq 1 ]
		one_clean_line "$stderr"
		[[ $stderr == *": request seqno 0: bad header: unknown: expected 1, got 2 (seen by the replier)" ]]
	done
}

@test "our own words with control bytes: escaped, one line, valid JSON" {
	evil=$'foo\e[2J\nbar\x7f\xff'
	run --separate-stderr "$SEQTEST" -s -o "$evil=1" 127.0.0.1:9
	[ "$status" -eq 2 ]
	one_clean_line "$stderr"
	[ "$stderr" = "seqtest: unknown option 'foo\\x1b[2J\\x0abar\\x7f\\xff'" ]
	run --separate-stderr "$SEQTEST" -j -s -o "$evil=1" 127.0.0.1:9
	[ "$status" -eq 2 ]
	one_clean_line "$stderr"
	[ -z "$(printf '%s' "$output" | LC_ALL=C tr -d ' -~')" ]
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert d["error"] == "unknown option \x27foo\x1b[2J\nbar\x7f\xff\x27", d
assert d["exit_status"] == 2' "$output"
	start_replier
	run --separate-stderr "$SEQTEST" -S -o count=1,dump=$'/nonexistent/a\nb\\c' "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'seqtest: dump file /nonexistent/a\x0ab\\c: No such file or directory' ]
}
