#!/usr/bin/env bats
# A short run of every role under valgrind memcheck: no errors, no leaks.
# seqtest: serial (memcheck is slow; a run beside it could time out)

load helper

# vg_run LOG ARGS...: seqtest under memcheck, children traced.
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --trace-children=yes \
	    --log-file="$BATS_TEST_TMPDIR/vg.%p" "$SEQTEST" "$@"
}

@test "valgrind: replier, -S and -s senders, dump, JSON: no errors" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	not asan_build || skip "an ASan build cannot run under valgrind"
	SEQTEST_REAL=$SEQTEST
	REPLIER_ERR=$BATS_TEST_TMPDIR/replier.err
	REPLIER_OUT=$BATS_TEST_TMPDIR/replier.out
	vg -r -o conns=3 127.0.0.1:0 >"$REPLIER_OUT" 2>"$REPLIER_ERR" &
	REPLIER_PID=$!
	STARTED_PIDS+=("$REPLIER_PID")
	wait_for_line "$REPLIER_ERR" '^Listening on ' 300
	PORT=$(port_of "$REPLIER_ERR")
	run vg -S -o count=300,ssize_min=40,ssize_max=3000,rsize_min=40,rsize_max=3000,dump="$BATS_TEST_TMPDIR/d" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	run vg -j -s -o count=300,threads=2,rinterval=2,ssize_max=2000 "127.0.0.1:$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	wait "$REPLIER_PID"
	# every process's log is empty: no error, no definite leak
	for f in "$BATS_TEST_TMPDIR"/vg.*; do
		[ ! -s "$f" ] || { cat "$f"; false; }
	done
	[ "$(ls "$BATS_TEST_TMPDIR"/vg.* | wc -l)" -ge 5 ]
}
