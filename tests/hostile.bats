#!/usr/bin/env bats
# Hostile and broken peers at the replier: one line per connection, the
# connection closed, the others served; no crash, no spin (memory.bats:
# a thousand connections, memory flat).
# And a hostile replier: its bad replies told exactly.

load helper

HOSTILE="$BATS_TEST_DIRNAME/hostile"

# hostile_case MODE EXPECTED: one bad client, its log line, and a good
# client served right after.
hostile_case() {
	run "$HOSTILE" 127.0.0.1 "$PORT" "$1"
	[ "$status" -eq 0 ]
	[[ $output == "closed by peer" || $output == "Connection reset by peer" ]]
	wait_for_line "$REPLIER_ERR" "$2"
	[ "$(grep -cE "$2" "$REPLIER_ERR")" -eq 1 ]
	run "$SEQTEST" -S -o count=50 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	kill -0 "$REPLIER_PID"
}

@test "garbage instead of a header" {
	start_replier
	hostile_case garbage '^seqtest: connection 0 from 127\.0\.0\.1 port [0-9]+: request seqno 0: bad header: seqno: expected 0, got 11936128518282651045$'
}

@test "ssz below 40" {
	start_replier
	hostile_case ssz_small '^seqtest: connection 0 from .*: request seqno 0: bad header: ssz below 40: expected 40, got 12$'
}

@test "ssz above the replier's limit" {
	start_replier -o ssize_max=1000
	hostile_case ssz_big '^seqtest: connection 0 from .*: request seqno 0: bad header: ssz above the limit: expected 1000, got 60000$'
}

@test "rsz above the replier's limit" {
	start_replier -o rsize_max=1000
	hostile_case rsz_big '^seqtest: connection 0 from .*: request seqno 0: bad header: rsz above the limit: expected 1000, got 60000$'
}

@test "an enormous rdly" {
	start_replier
	hostile_case rdly_big '^seqtest: connection 0 from .*: request seqno 0: bad header: rdly above the limit: expected 1000000000, got 4000000000$'
}

@test "a client that stops in the middle of a message" {
	start_replier
	hostile_case partial '^seqtest: connection 0 from .*: request seqno 1: short stream: it ended inside the message \(have 30 of 40 bytes\)$'
}

# A failed receive or send names the message it was moving, not seqno 0.
@test "a reset in the middle of a request names that request" {
	start_replier
	run "$HOSTILE" 127.0.0.1 "$PORT" reset 5
	[ "$status" -eq 0 ]
	[ "$output" = reset ]
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 0 from 127\.0\.0\.1 port [0-9]+: request seqno 5: reset: recv: Connection reset by peer$'
	stop_replier
	grep -q '^Errors: 1 (reset 1)$' "$REPLIER_OUT"
}

@test "a reset while the replier holds a reply names that reply" {
	start_replier
	run "$HOSTILE" 127.0.0.1 "$PORT" reset_reply 5
	[ "$status" -eq 0 ]
	[ "$output" = reset ]
	# the kernel may tell the first send after an RST either way
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 0 from .*: reply seqno 4: (reset: send: Connection reset by peer|short stream: send: Broken pipe)$'
}

# hostile as a replier: the sender names the field, the value found and
# the bound it broke.
@test "a replier's bad reply header: the field, its value and the bound" {
	for mode in ssz rsz; do
		start_listener "$BATS_TEST_TMPDIR/h.out" "$BATS_TEST_TMPDIR/h.err" \
		    "$HOSTILE" 127.0.0.1 0 "reply_${mode}_small"
		run --separate-stderr "$SEQTEST" -S -o count=5 "127.0.0.1:$LISTENER_PORT"
		echo "$mode: $stderr" >&3
		[ "$status" -eq 1 ]
		[ "$stderr" = "seqtest: flow 0 (127.0.0.1 port $LISTENER_PORT): reply seqno 0: bad header: $mode below 40: expected 40, got 12" ]
	done
}

@test "a replier that answers a request that asked none" {
	start_listener "$BATS_TEST_TMPDIR/h.out" "$BATS_TEST_TMPDIR/h.err" \
	    "$HOSTILE" 127.0.0.1 0 reply_unasked
	run --separate-stderr "$SEQTEST" -s -o count=1000,sdelay=1000000,rinterval=0 "127.0.0.1:$LISTENER_PORT"
	[ "$status" -eq 1 ]
	# no reply asked so far, and this would be the first
	[ "$stderr" = "seqtest: flow 0 (127.0.0.1 port $LISTENER_PORT): reply seqno 0: bad header: more replies than asked: expected 0, got 1" ]
}

@test "a client that connects and sends nothing: closed after the timeout, no spinning" {
	start_replier -d -o timeout=4
	"$HOSTILE" 127.0.0.1 "$PORT" idle >"$BATS_TEST_TMPDIR/idle.out" &
	hpid=$!
	STARTED_PIDS+=("$hpid")
	child=$(connection_child 0)
	a=$(( $(cpu_ticks "$REPLIER_PID") + $(cpu_ticks "$child") ))
	sleep 1
	b=$(( $(cpu_ticks "$REPLIER_PID") + $(cpu_ticks "$child") ))
	echo "CPU ticks in 1 s while idle: $((b - a))" >&3
	(( b - a <= 10 ))
	wait "$hpid"
	[ "$(cat "$BATS_TEST_TMPDIR/idle.out")" = "closed by peer" ]
	grep -qE "^seqtest: connection 0 from .*: stalled: no progress for 4 s, waiting for request seqno 0($QUIET_SENDER)?\$" "$REPLIER_ERR"
}

# Below a millisecond a delay used to be spun whole: a peer asking
# rdelay=999999 on every request kept a connection child at full CPU.
@test "a peer asking rdelay=999999 on every request: the child sleeps, not spins" {
	start_replier -d
	run_sender_bg -S -o count=4000,rdelay=999999 "127.0.0.1:$PORT"
	child=$(connection_child 0)
	# measured from its first reply on: in its loop
	wait_for_line "$REPLIER_OUT" '[+]'
	share=$(cpu_share "$child" 1)
	echo "replier child while honouring rdelay=999999: $share% of a CPU" >&3
	(( share < 25 ))
	wait "$SENDER_PID"
	# and the delays were kept: 4000 of them take 4 s at least
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' "$SENDER_OUT")
	(( us >= 3999996 ))
}

@test "maxconn caps the connection children; the rest wait in the backlog" {
	start_replier -o maxconn=5
	"$SEQTEST" -S -o threads=20,count=100,sdelay=2000000 "127.0.0.1:$PORT" \
	    >"$BATS_TEST_TMPDIR/s.out" &
	spid=$!
	STARTED_PIDS+=("$spid")
	max=0
	while kill -0 "$spid" 2>/dev/null; do
		n=$(children_of "$REPLIER_PID" | wc -l)
		((n > max)) && max=$n
		sleep 0.05
	done
	echo "most connection children at once: $max" >&3
	((max >= 1 && max <= 5))
	wait "$spid"
	grep -q 'Flows: 20, failed 0' "$BATS_TEST_TMPDIR/s.out"
	stop_replier
	grep -q '^Connections: 20, failed 0$' "$REPLIER_OUT"
}

@test "verify=0 serves a peer whose payload has no pattern (the original's)" {
	start_replier -o verify=0
	run "$HOSTILE" 127.0.0.1 "$PORT" unpatterned 50
	[ "$status" -eq 0 ]
	[ "$output" = "received 2000 bytes" ]	# 50 replies of 40
	stop_replier
	[ "$REPLIER_RC" -eq 0 ]
	grep -q '^Errors: 0$' "$REPLIER_OUT"
}

@test "verify=1 (the default) reports that payload as corrupt" {
	start_replier
	run "$HOSTILE" 127.0.0.1 "$PORT" unpatterned 50
	[ "$status" -eq 0 ]
	[ "$output" = "received 76 bytes" ]	# the replier's error report
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 0 from .*: request seqno 0: corrupt payload at offset 40: expected 0x[0-9a-f]{2}, got 0x00$'
}

# close=half: a replier that resets after our FIN, having answered
# nothing, reset the connection; the path's half-close is not to blame.
@test "close=half: a replier that resets without answering is a reset, not the path's half-close" {
	for mode in -S -s; do
		start_listener "$BATS_TEST_TMPDIR/h.out" "$BATS_TEST_TMPDIR/h.err" \
		    "$HOSTILE" 127.0.0.1 0 reply_reset
		run --separate-stderr "$SEQTEST" "$mode" -o count=5,rinterval=0,close=half "127.0.0.1:$LISTENER_PORT"
		echo "$mode: $stderr" >&3
		[ "$status" -eq 1 ]
		[ "$stderr" = "seqtest: flow 0 (127.0.0.1 port $LISTENER_PORT): reply seqno 0: reset: recv: Connection reset by peer" ]
		grep -q '^Errors: 1 (reset 1)$' <<<"$output"
		wait "$LISTENER_PID"
	done
}

# After the closing reply a replier that marks it closes: the sender
# reads on to that close, and fails any byte before it, however late.
@test "bytes 200 ms after the closing reply fail the sender: junk and a duplicate" {
	for mode in late_junk late_dup; do
		start_listener "$BATS_TEST_TMPDIR/h.out" "$BATS_TEST_TMPDIR/h.err" \
		    "$HOSTILE" 127.0.0.1 0 "$mode"
		run --separate-stderr "$SEQTEST" -S -o count=5,timeout=5 "127.0.0.1:$LISTENER_PORT"
		echo "$mode: $status $stderr" >&3
		[ "$status" -eq 1 ]
		n=70
		[[ $mode == late_dup ]] && n=40
		[ "$stderr" = "seqtest: flow 0 (127.0.0.1 port $LISTENER_PORT): reply seqno 4: bad header: $n bytes after the closing reply" ]
		grep -q '^Errors: 1 (bad header 1)$' <<<"$output"
	done
}

# The original seqtest's replier neither flips the closing reply's mark
# nor closes: the sender closes at once, as it always did.
@test "a replier that answers as the original does: the sender passes and closes at once" {
	start_listener "$BATS_TEST_TMPDIR/h.out" "$BATS_TEST_TMPDIR/h.err" \
	    "$HOSTILE" 127.0.0.1 0 original
	run --separate-stderr "$SEQTEST" -S -o count=5,timeout=20 "127.0.0.1:$LISTENER_PORT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	grep -q '^Received 5 replies$' <<<"$output"
	# well before timeout=20 would end a wait for a close
	us=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' <<<"$output")
	(( us < 5000000 ))
	wait "$LISTENER_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/h.out")" = "closed by peer" ]
}
