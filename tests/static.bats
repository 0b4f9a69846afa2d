#!/usr/bin/env bats
# The static musl build (make static): small, self-contained, working.

load helper

STATIC=$BATS_TEST_DIRNAME/../seqtest-static
# The limit is the Makefile's, written there only.
STATIC_MAX=$(sed -n 's/^STATIC_MAX[[:space:]]*=[[:space:]]*//p' \
    "$BATS_TEST_DIRNAME/../Makefile")

need_static() {
	[ -x "$STATIC" ] || skip "seqtest-static not built (make static)"
}

need_readelf() {
	command -v readelf >/dev/null || skip "readelf not found (binutils)"
}

@test "static: within the Makefile's STATIC_MAX" {
	need_static
	[ -n "$STATIC_MAX" ]
	size=$(wc -c <"$STATIC")
	echo "seqtest-static is $size bytes, limit $STATIC_MAX"
	[ "$size" -le "$STATIC_MAX" ]
}

@test "static: no interpreter, no dynamic section, no symbols" {
	need_static
	need_readelf
	run readelf -lW "$STATIC"
	[ "$status" -eq 0 ]
	[[ $output == *"LOAD"* ]]
	[[ $output != *"INTERP"* ]]
	[[ $output != *"DYNAMIC"* ]]
	run readelf -SW "$STATIC"
	[ "$status" -eq 0 ]
	[[ $output != *".symtab"* ]]
}

@test "static: -V matches the native build" {
	need_static
	run "$STATIC" -V
	[ "$status" -eq 0 ]
	[ "$output" = "$("$SEQTEST" -V)" ]
}

@test "static: sync sender against the native replier" {
	need_static
	start_replier
	run "$STATIC" -S -o count=2000,ssize_min=40,ssize_max=3000,rsize_min=40,rsize_max=3000 "127.0.0.1:$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 2000 replies"* ]]
	grep -qx 'Errors: 0' <<<"$output"
	stop_replier
	[ "$REPLIER_RC" -eq 0 ]
	grep -qx 'Received: 2000 messages, [0-9]* bytes' "$REPLIER_OUT"
	grep -qx 'Errors: 0' "$REPLIER_OUT"
}

@test "static: replier against the native sender" {
	need_static
	SEQTEST=$STATIC start_replier
	[ "/proc/$REPLIER_PID/exe" -ef "$STATIC" ]
	run "$SEQTEST" -s -o count=2000,threads=2 "127.0.0.1:$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 4000 replies"* ]]
	grep -qx 'Errors: 0' <<<"$output"
}
