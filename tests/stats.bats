#!/usr/bin/env bats
# The latency histogram's unit test (tests/stats_test.c): bucket layout,
# percentiles, merge, difference and tables against exact figures.

load helper

@test "stats_test: the histogram's unit test passes" {
	local exe=$BATS_TEST_DIRNAME/stats_test
	[ -x "$exe" ] || { echo "$exe is not built (make tests/stats_test)" >&3; false; }
	run "$exe"
	[ "$status" -eq 0 ] || { grep -v '^ok ' <<<"$output" >&3; false; }
	[ "${lines[-1]}" = "PASS: 0 failed" ]
	# the checks it makes, none left out
	[ "$(grep -c '^ok ' <<<"$output")" -ge 60 ]
	not grep -q '^FAIL' <<<"$output"
}
