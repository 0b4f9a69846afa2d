#!/usr/bin/env bats
# Crash isolation and interruption: a worker killed by a signal, or
# ended before its work was done, is reported with its flow; the other
# flows finish; nothing of the run is left behind.

load helper

# kill_and_check SIG WHICH NAME: kills flow 1's WHICH (sender|receiver|
# sync sender) with SIG, whose name is NAME, and checks the outcome.
kill_and_check() {
	flow1_ended "$1" "$2" crashed "killed by signal [0-9]+ \\($3\\)" 'crashed 1'
}

@test "-s: a receiver killed by SIGSEGV; the other flows finish" {
	start_replier
	run_sender_bg -d -s -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	kill_and_check SEGV receiver "Segmentation fault"
	# the three other flows got all their replies
	grep -q '^Received 4[0-9][0-9][0-9] replies$' "$SENDER_OUT"
}

@test "-s: a sender killed by SIGKILL; its receiver is ended too" {
	start_replier
	run_sender_bg -d -s -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	kill_and_check KILL sender Killed
}

@test "-S: a sync sender killed by SIGKILL" {
	start_replier
	run_sender_bg -d -S -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	kill_and_check KILL "sync sender" Killed
	grep -q '^Received 4[0-9][0-9][0-9] replies$' "$SENDER_OUT"
}

@test "replier: a killed connection child disturbs neither the listener nor the others" {
	start_replier -d
	run_sender_bg -S -o threads=3,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 2: replier pid'
	pid=$(sed -n 's/^seqtest: connection 1: replier pid \([0-9]*\)$/\1/p' "$REPLIER_ERR")
	kill -KILL "$pid"
	wait_sender
	[ "$SENDER_STATUS" -eq 1 ]
	grep -q '^Flows: 3, failed 1$' "$SENDER_OUT"
	wait_for_line "$REPLIER_ERR" "^seqtest: connection 1 from 127.0.0.1 port [0-9]+: crashed: replier pid $pid killed by signal 9 \\(Killed\\)$"
	# the listener still serves
	run "$SEQTEST" -S -o count=100 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	kill -0 "$REPLIER_PID"
}

@test "SIGINT to the sender: children stopped, report still printed" {
	start_replier
	run_sender_bg -d -s -o threads=3,count=100000,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$SENDER_ERR" '^seqtest: flow 2: '
	# a reply checked: the flows are under way
	wait_for_line "$SENDER_OUT" '<'
	kill -INT "$SENDER_PID"
	wait_sender
	cat "$SENDER_ERR"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -q '^Received [0-9]* replies$' "$SENDER_OUT"
	grep -q '^Flows: 3, failed 0$' "$SENDER_OUT"
	not grep -q crashed "$SENDER_ERR"
	# one line says why the run exits 1
	grep -qE '^seqtest: interrupted by SIGINT after [0-9]+\.[0-9] s; 3 flows ended early$' "$SENDER_ERR"
	none_running $(worker_pids)
}

@test "SIGTERM to the sender -j: each flow cut short ends \"interrupted\", no error" {
	start_replier
	run_sender_bg -d -j -S -o threads=2,count=100000,sdelay=1000000 "127.0.0.1:$PORT"
	# both flows forked and a reply checked: the flows are under way
	wait_for_line "$SENDER_ERR" '^seqtest: flow 1: '
	wait_for_line "$SENDER_OUT" '<'
	kill -TERM "$SENDER_PID"
	wait_sender
	cat "$SENDER_ERR"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -qE '^seqtest: interrupted by SIGTERM after [0-9]+\.[0-9] s; 2 flows ended early$' "$SENDER_ERR"
	# -d writes its progress characters before the document
	j=$BATS_TEST_TMPDIR/j
	sed 's/^[<>]*//' "$SENDER_OUT" >"$j"
	[ "$(json_get "$j" '[f["ended"] for f in d["flows"]]')" = "['interrupted', 'interrupted']" ]
	[ "$(json_get "$j" 'd["errors"]["total"]')" = 0 ]
	[ "$(json_get "$j" 'd["exit_status"]')" = 1 ]
}

# A stop in the middle of a message's delay (sdelay comes before each
# message, the first too) ends the flow there: the message the delay
# was for is never sent, nor counted in Sent:.
@test "SIGTERM during sdelay: the delayed message is not sent, -S and -s" {
	start_replier -d
	for mode in -S -s; do
		run_sender_bg -d "$mode" -o threads=2,count=5,sdelay=30000000000 "127.0.0.1:$PORT"
		wait_for_line "$SENDER_ERR" '^seqtest: flow 1: '
		kill -TERM "$SENDER_PID"
		wait_sender
		cat "$SENDER_ERR" "$SENDER_OUT"
		[ "$SENDER_STATUS" -eq 1 ]
		grep -q '^Sent: 0 messages, 0 bytes$' "$SENDER_OUT"
	done
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 3: '
	stop_replier
	cat "$REPLIER_OUT"
	grep -q '^Received: 0 messages, 0 bytes$' "$REPLIER_OUT"
}

# A worker that ends before its work is done is never clean, whatever
# ended it; SIGTERM is what the supervisor itself uses to stop workers.
@test "-s: a sender ended by SIGTERM from outside is reported as interrupted" {
	start_replier
	run_sender_bg -d -s -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	interrupt_and_check sender
}

@test "-s: a receiver ended by SIGTERM from outside is reported as interrupted" {
	start_replier
	run_sender_bg -d -s -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	interrupt_and_check receiver
}

@test "-S: a sync sender ended by SIGTERM from outside is reported as interrupted" {
	start_replier
	run_sender_bg -d -S -o threads=4,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	interrupt_and_check "sync sender"
}

@test "-j: a worker ended by SIGTERM: its flow ends \"interrupted\", counted" {
	start_replier
	run_sender_bg -d -j -S -o threads=2,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$SENDER_ERR" '^seqtest: flow 1: '
	pid=$(sed -n 's/^seqtest: flow 1: sync sender pid \([0-9]*\)$/\1/p' "$SENDER_ERR")
	kill -TERM "$pid"
	wait_sender
	[ "$SENDER_STATUS" -eq 1 ]
	# -d writes its progress characters before the document
	j=$BATS_TEST_TMPDIR/j
	sed 's/^[<>]*//' "$SENDER_OUT" >"$j"
	[ "$(json_get "$j" 'd["flows"][1]["ended"]')" = interrupted ]
	[ "$(json_get "$j" 'd["flows"][0]["ended"]')" = ok ]
	[ "$(json_get "$j" 'd["errors"]["interrupted"]')" = 1 ]
	[ "$(json_get "$j" 'd["failed"]')" = 1 ]
}

@test "replier: a connection child ended by SIGTERM from outside is reported" {
	start_replier -d
	run_sender_bg -S -o threads=2,count=1500,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 1: replier pid'
	pid=$(sed -n 's/^seqtest: connection 1: replier pid \([0-9]*\)$/\1/p' "$REPLIER_ERR")
	kill -TERM "$pid"
	wait_for_line "$REPLIER_ERR" "^seqtest: connection 1 from 127\\.0\\.0\\.1 port [0-9]+: interrupted: replier pid $pid stopped early by signal 15 \\(Terminated\\)\$"
	wait_sender
	[ "$SENDER_STATUS" -eq 1 ]
	stop_replier
	[ "$REPLIER_RC" -eq 1 ]
	grep -q '^Connections: 2, failed 1$' "$REPLIER_OUT"
	grep -q '^Errors: 1 (interrupted 1)$' "$REPLIER_OUT"
}

@test "SIGTERM to the replier: connection children end, report printed" {
	start_replier -d
	run_sender_bg -S -o threads=2,count=100000,sdelay=1000000 "127.0.0.1:$PORT"
	wait_for_line "$REPLIER_ERR" '^seqtest: connection 1: replier pid'
	pids=$(grep -oE 'replier pid [0-9]+' "$REPLIER_ERR" | awk '{ print $3 }')
	stop_replier
	grep -q '^Connections: 2, failed 0$' "$REPLIER_OUT"
	none_running $pids
	wait_sender
	[ "$SENDER_STATUS" -eq 1 ]
}

# SIGKILL leaves the supervisor no chance to end its workers: they must
# end by themselves within about a second, sleeping, blocked or busy,
# with Linux's PR_SET_PDEATHSIG and with the lifeline every Unix has.
@test "SIGKILL to the sender supervisor: no worker outlives it by more than a second or so" {
	build_portable
	start_replier
	for bin in "$SEQTEST" "$PORTABLE"; do
		for args in "-s -o sdelay=1000000" "-S -o rate=200" \
		    "-s -o sdelay=30000000000,timeout=60" "-s" "-S"; do
			SEQTEST=$bin run_sender_bg -d $args -o threads=2,count=100000000 "127.0.0.1:$PORT"
			wait_for_line "$SENDER_ERR" '^seqtest: flow 1: '
			# the workers in their loops: a message sent, or,
			# before the first, flow 1's sender asleep in sdelay=
			if [[ $args == *sdelay=30000000000* ]]; then
				in_kernel "$(sed -n 's/^seqtest: flow 1: sender pid \([0-9]*\).*/\1/p' "$SENDER_ERR")" nanosleep
			else
				wait_for_line "$SENDER_OUT" '>'
			fi
			kill -KILL "$SENDER_PID"
			wait "$SENDER_PID" || true
			echo "$bin $args" >&2
			all_gone 20 $(worker_pids)
		done
	done
}

@test "SIGKILL to the replier supervisor: no connection child outlives it by more than a second or so" {
	build_portable
	for bin in "$SEQTEST" "$PORTABLE"; do
		SEQTEST=$bin start_replier -d
		run_sender_bg -S -o threads=2,count=100000,sdelay=1000000 "127.0.0.1:$PORT"
		wait_for_line "$REPLIER_ERR" '^seqtest: connection 1: replier pid'
		pids=$(sed -n 's/^seqtest: connection [0-9]*: replier pid //p' "$REPLIER_ERR")
		[ "$(wc -w <<<"$pids")" -eq 2 ]
		kill -KILL "$REPLIER_PID"
		wait "$REPLIER_PID" || true
		all_gone 20 $pids
		wait "$SENDER_PID" || true
	done
}

@test "connect timeout: a listener that never answers the handshake" {
	# A backlog of one that is never accepted: once full, SYNs are dropped
	# and connect() waits; the flow must fail after timeout= seconds.
	# The port is printed once a connection has filled the queue.
	python3 -c '
import select, socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
held = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(l.getsockname())
    except BlockingIOError: pass
    held.append(c)
if not select.select([], held, [], 10)[1]:
    sys.exit("no connection was queued")
print(l.getsockname()[1], flush=True)
time.sleep(30)' >"$BATS_TEST_TMPDIR/port" &
	STARTED_PIDS+=($!)
	wait_for_line "$BATS_TEST_TMPDIR/port" '^[0-9]+$'
	p=$(cat "$BATS_TEST_TMPDIR/port")
	start=$SECONDS
	run --separate-stderr "$SEQTEST" -S -o count=1,timeout=2 "127.0.0.1:$p"
	[ "$status" -eq 1 ]
	# glibc says "Connection timed out", musl "Operation timed out"
	[[ $stderr =~ flow\ 0\ \(127\.0\.0\.1\ port\ $p\):\ connect\ failed:\ connect:\ (Connection|Operation)\ timed\ out ]]
	(( SECONDS - start < 20 ))
}

@test "-s: a receiver killed after its first error; that error's kind is in the totals" {
	start_replier
	start_proxy flip -D rep -O 5500 -n 1
	run_sender_bg -d -s -o count=1500,ssize=1000,rsize=1000,sdelay=1000000 "127.0.0.1:$PROXY_PORT"
	wait_for_line "$SENDER_ERR" '^seqtest: flow 0 .*: reply seqno 5: corrupt payload'
	pid=$(sed -n 's/^seqtest: flow 0: .*receiver pid \([0-9]*\).*/\1/p' "$SENDER_ERR")
	[ -n "$pid" ]
	kill -KILL "$pid"
	wait_sender
	cat "$SENDER_ERR" "$SENDER_OUT"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -q '^Flows: 1, failed 1$' "$SENDER_OUT"
	grep -q '^Errors: 2 (corrupt payload 1, crashed 1)$' "$SENDER_OUT"
}
