#!/usr/bin/env bats
# seqtest in a bats suite: a replier for one connection on a port the
# kernel chooses, and a sender held to bounds on latency and errors.

SEQTEST=${SEQTEST:-seqtest}

teardown() {
	kill "$replier" 2>/dev/null || true
}

@test "loopback: 1000 round trips, p99 under 250 ms, no errors" {
	err=$BATS_TEST_TMPDIR/replier.err
	"$SEQTEST" -r -o conns=1 127.0.0.1:0 2>"$err" &
	replier=$!
	for i in $(seq 50); do
		grep -q '^Listening on ' "$err" && break
		sleep 0.1
	done
	port=$(sed -n 's/^Listening on .* port //p' "$err")
	run "$SEQTEST" -S -o count=1000 \
	    -o 'expect=p99<250ms/errors=0/replies=1000' "127.0.0.1:$port"
	[ "$status" -eq 0 ]
	wait "$replier"
}
