#!/usr/bin/env bats
# Address forms: IPv6, names with several addresses, LOCAL,REMOTE:PORT.

load helper

@test "IPv6 loopback, both sender modes" {
	start_replier -- '[::1]:0'
	grep -q '^Listening on ::1 port ' "$REPLIER_ERR"
	run "$SEQTEST" -S -o count=500 "[::1]:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Address 0: ::1 port $PORT"* ]]
	[[ $output == *"Received 500 replies"* ]]
	run "$SEQTEST" -s -o count=500,threads=2 "[::1]:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 1000 replies"* ]]
}

@test "replier listens on several addresses at once" {
	start_replier -- 127.0.0.1:0 '[::1]:0'
	wait_for_line "$REPLIER_ERR" '^Listening on ::1 port '
	p6=$(sed -n 's/^Listening on ::1 port //p' "$REPLIER_ERR")
	run "$SEQTEST" -S -o count=100 "127.0.0.1:$PORT" "[::1]:$p6"
	[ "$status" -eq 0 ]
	[[ $output == *"Flows: 2, failed 0"* ]]
	[[ $output == *"Received 200 replies"* ]]
	stop_replier
	grep -q '^Connections: 2, failed 0$' "$REPLIER_OUT"
}

@test "[::] takes IPv4 and IPv6, the IPv4 peer named as itself" {
	start_replier -d -- '[::]:0'
	grep -q '^Listening on :: port ' "$REPLIER_ERR"
	run "$SEQTEST" -S -o count=100 "[::1]:$PORT"
	[ "$status" -eq 0 ]
	run "$SEQTEST" -S -o count=100 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 100 replies"* ]]
	# Numbered as they came; after each run, the sender's question on
	# a connection of its own (the path's facts) takes a number too.
	wait_for_line "$REPLIER_ERR" '^seqtest: connection [0-9]+ from 127\.0\.0\.1 port [0-9]+ closed: 100 messages'
	grep -qE '^seqtest: connection 0 from ::1 port [0-9]+ closed: 100 messages' "$REPLIER_ERR"
}

@test "0.0.0.0 and [::] at one port: both listen, each its own family" {
	p=$(free_port)
	start_replier -- "0.0.0.0:$p" "[::]:$p"
	wait_for_line "$REPLIER_ERR" "^Listening on :: port $p\$"
	grep -q "^Listening on 0.0.0.0 port $p\$" "$REPLIER_ERR"
	run "$SEQTEST" -S -o count=100 "127.0.0.1:$p" "[::1]:$p"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 200 replies"* ]]
	stop_replier
	grep -q '^Connections: 2, failed 0$' "$REPLIER_OUT"
}

@test "::1 takes IPv6 only" {
	start_replier -- '[::1]:0'
	run --separate-stderr "$SEQTEST" -S -o count=1 "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *"connect failed: connect: Connection refused"* ]]
}

@test "local bind: LOCAL,REMOTE:PORT connects from LOCAL" {
	start_replier -d
	run "$SEQTEST" -S -o count=50 "127.0.0.3,127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	wait_for_line "$REPLIER_ERR" 'closed: 50 messages, 50 replies'
	grep -q "^seqtest: connection 0 from 127.0.0.3 port [0-9]* closed: 50 messages, 50 replies$" "$REPLIER_ERR"
}

# A name with three addresses, in a private mount namespace whose
# /etc/hosts has it; the replier and the sender both resolve it there.
multi_name_run() {
	unshare -m bash -c '
		cat /etc/hosts - >"$1/hosts" <<-EOT
			127.0.0.1 multi.seqtest.test
			127.0.0.2 multi.seqtest.test
			::1 multi.seqtest.test
		EOT
		mount --bind "$1/hosts" /etc/hosts || exit 99
		port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
		"$2" -r "multi.seqtest.test:$port" >"$1/r.out" 2>"$1/r.err" &
		rpid=$!
		for i in $(seq 50); do
			[ "$(grep -c "^Listening on" "$1/r.err")" -eq 3 ] && break
			sleep 0.1
		done
		shift 2
		"$SEQTEST_BIN" "$@" "multi.seqtest.test:$port"
		rc=$?
		kill $rpid; wait $rpid
		exit $rc
	' multi "$BATS_TEST_TMPDIR" "$SEQTEST" "$@"
}

@test "a name with several addresses: one flow per address" {
	unshare -m true 2>/dev/null || skip "no mount namespaces here"
	SEQTEST_BIN=$SEQTEST run multi_name_run -S -o count=100
	[ "$status" -ne 99 ] || skip "cannot bind-mount /etc/hosts"
	[ "$status" -eq 0 ]
	[[ $output == *"Address 0: "* && $output == *"Address 2: "* ]]
	[[ $output == *"Flows: 3, failed 0"* ]]
	[[ $output == *"Received 300 replies"* ]]
	grep -q '^Connections: 3, failed 0$' "$BATS_TEST_TMPDIR/r.out"
}

@test "a name with several addresses and threads=5: round-robin" {
	unshare -m true 2>/dev/null || skip "no mount namespaces here"
	SEQTEST_BIN=$SEQTEST run multi_name_run -s -o count=100,threads=5
	[ "$status" -ne 99 ] || skip "cannot bind-mount /etc/hosts"
	[ "$status" -eq 0 ]
	[[ $output == *"Flows: 5, failed 0"* ]]
	[[ $output == *"Received 500 replies"* ]]
	grep -q '^Connections: 5, failed 0$' "$BATS_TEST_TMPDIR/r.out"
}
