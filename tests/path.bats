#!/usr/bin/env bats
# What a middlebox in a routed path did, told from both ends: a sender
# in NS_S, a router NS_G that forges, cuts, clamps or translates, and a
# replier in NS_R (helper.bash's make_router_path).  Each case asserts
# the verdict and the two-sided line the sender prints once it has
# asked the replier what it saw.

load helper

setup() {
	make_router_path
}

teardown() {
	netns_teardown
}

# run_path ARGS...: the sender, in NS_S, through to its end.
run_path() {
	run --separate-stderr ip netns exec "$NS_S" "$SEQTEST" "$@"
	echo "status $status; stderr: $stderr" >&3
}

# path_line REGEX: the sender's two-sided line for flow 0, in its
# report ($output, or the file SENDER_OUT of a sender in the background,
# where -d's progress comes first on the line), matches.
path_line() {
	local out=$output
	[[ -z ${SENDER_OUT:-} ]] || out=$(cat "$SENDER_OUT")
	grep -qE "Replier on flow 0 \\([^)]*\\): $1\$" <<<"$out" || {
		echo "no such line in: $out" >&3
		return 1
	}
}

# forge_resets: from now on the router answers the flow's segments,
# either way, with an RST of its own; only that connection's (its port
# at the sender), so that the sender can still ask the replier.
forge_resets() {
	local sport
	sport=$(ip netns exec "$NS_S" ss -Htn state established "dst $PATH_R_ADDR" |
	    awk '{ n = split($3, a, ":"); print a[n]; exit }')
	[ -n "$sport" ]
	nft_g "table inet seqtest {
	chain forward {
		type filter hook forward priority 0; policy accept;
		tcp sport $sport reject with tcp reset
		tcp dport $sport reject with tcp reset
	}
}"
}

@test "a reset forged by the router, both ways: the replier did not send it" {
	start_path_replier
	# Each reply held 200 ms: when the rule comes, a reply is on its way.
	path_sender_bg -d -s -o duration=30,sdelay=100000000,rdelay=200000000,timeout=5 "$PATH_R_ADDR:$PORT"
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	forge_resets
	wait_sender
	stderr=$(cat "$SENDER_ERR")
	echo "$stderr" >&3
	[ "$SENDER_STATUS" -eq 1 ]
	grep -qE '^seqtest: flow 0 .*: reset: (send|recv): Connection reset by peer$' <<<"$stderr"
	path_line 'the replier did not send this reset: it saw its own connection reset at request seqno [0-9]+; something in the path sent both'
}

@test "a reset forged toward the sender alone: the replier's connection is still open" {
	start_path_replier
	path_sender_bg -d -S -o duration=30,sdelay=100000000,timeout=5 "$PATH_R_ADDR:$PORT"
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	forge_resets
	wait_sender
	stderr=$(cat "$SENDER_ERR")
	echo "$stderr" >&3
	[ "$SENDER_STATUS" -eq 1 ]
	path_line "the replier's connection is still open, waiting for request seqno [0-9]+ after [0-9]+ replies: it did not send this reset; something in the path sent it to us alone"
}

# idle_cut PROXY: a flow that pauses through PROXY, which cuts a
# connection idle for 2 s.  seed=461 makes the delays before its two
# messages 0.26 s and 2.82 s (sdelay is drawn from the seed).
idle_cut() {
	start_path_replier
	start_path_proxy "$1"
	run_path -S -o count=2,sdelay_min=0,sdelay_max=3000000000,seed=461,timeout=10 "$PATH_GS_ADDR:$PATH_PROXY_PORT"
	[ "$status" -eq 1 ]
	grep -qE '^seqtest: flow 0 .*: short stream: ' <<<"$stderr"
	path_line 'the replier saw the connection closed after [12]\.[0-9] s idle at request seqno 1, and did not close it itself; something in the path closed an idle connection'
	stop_pid "$PROXY_PID"
	stop_replier
	grep -qE "^seqtest: connection 0 from ${PATH_GR_ADDR//./\\.} port [0-9]+: request seqno 1: short stream: the connection ended before the flow's last message\$" "$REPLIER_ERR"
	# and the replier's own report says how long it was quiet
	grep -qE '^Path: MSS [0-9]+ replies; [12]\.[0-9] s idle before a failure$' "$REPLIER_OUT"
}

@test "haproxy (timeout client 2s) cuts an idle flow: both ends say so" {
	idle_cut haproxy
}

@test "nginx (proxy_timeout 2s) cuts an idle flow: both ends say so" {
	idle_cut nginx
}

@test "a conntrack flush, loose off, invalid dropped: the requests stop reaching the replier" {
	find_tool conntrack >/dev/null || skip "conntrack is not installed"
	start_path_replier
	nft_g 'table inet seqtest {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state invalid drop
	}
}'
	ip netns exec "$NS_G" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
	path_sender_bg -d -S -o duration=30,sdelay=50000000,timeout=3 "$PATH_R_ADDR:$PORT"
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	ip netns exec "$NS_G" "$(find_tool conntrack)" -F 2>/dev/null
	wait_sender
	stderr=$(cat "$SENDER_ERR")
	echo "$stderr" >&3
	[ "$SENDER_STATUS" -eq 1 ]
	grep -qE '^seqtest: flow 0 .*: stalled: no progress for 3 s' <<<"$stderr"
	path_line "the replier's connection is still open, waiting for request seqno [0-9]+ after [0-9]+ replies: what we sent after that has not reached it"
}

@test "an MSS clamped to 536 by the router: the Path line shows it each way" {
	start_path_replier
	nft_g 'table inet seqtest {
	chain forward {
		type filter hook forward priority 0; policy accept;
		tcp flags syn tcp option maxseg size set 536
	}
}'
	run_path -S -o count=200,ssize=3000,rsize=3000 "$PATH_R_ADDR:$PORT"
	[ "$status" -eq 0 ]
	grep -E '^Path: ' <<<"$output" >&3
	grep -qE '^Path: MSS (5[0-3][0-9]) requests, (5[0-3][0-9]) replies; ' <<<"$output"
}

@test "a NAT (masquerade in the router): the replier's view of our address, and the NAT named" {
	start_path_replier
	nft_g 'table ip seqtest {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "g1" masquerade
	}
}'
	run_path -S -o count=100 "$PATH_R_ADDR:$PORT"
	[ "$status" -eq 0 ]
	grep -E '^Path: ' <<<"$output" >&3
	grep -qE "^Path: .*the replier saw ${PATH_GR_ADDR//./\\.} port [0-9]+, we are ${PATH_S_ADDR//./\\.} port [0-9]+: a NAT or proxy is in the path\$" <<<"$output"
}

@test "a proxy killed mid-run: the replier saw a cut, and cannot be asked through the dead proxy" {
	start_path_replier
	start_path_proxy haproxy
	path_sender_bg -d -S -o duration=30,sdelay=50000000,timeout=5 "$PATH_GS_ADDR:$PATH_PROXY_PORT"
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	kill -KILL "$PROXY_PID"
	wait_sender
	stderr=$(cat "$SENDER_ERR")
	echo "$stderr" >&3
	[ "$SENDER_STATUS" -eq 1 ]
	# refused, or, should the question come while the proxy's socket
	# is being torn down, reset
	path_line 'the replier could not be asked what it saw \((connect: Connection refused|recv: Connection reset by peer)\); this diagnosis is one-sided'
	stop_replier
	grep -qE "^seqtest: connection 0 from .*: request seqno [0-9]+: (short stream: the connection ended before the flow's last message|reset: recv: Connection reset by peer)\$" "$REPLIER_ERR"
}

@test "a sender killed mid-run: the replier's report fails, with the seqno" {
	start_path_replier -o conns=1
	path_sender_bg -d -S -o duration=30,sdelay=20000000 "$PATH_R_ADDR:$PORT"
	wait_for_line "$SENDER_OUT" '<.*<.*<'
	kill -KILL "$SENDER_PID"
	wait_sender
	rc=0
	wait "$REPLIER_PID" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q '^Connections: 1, failed 1$' "$REPLIER_OUT"
	grep -qE "^seqtest: connection 0 from ${PATH_S_ADDR//./\\.} port [0-9]+: request seqno [1-9][0-9]*: " "$REPLIER_ERR"
}

@test "junk 200 ms after the closing reply, across the path: the sender fails" {
	start_listener "$BATS_TEST_TMPDIR/h.out" "$BATS_TEST_TMPDIR/h.err" \
	    ip netns exec "$NS_R" "$BATS_TEST_DIRNAME/hostile" "$PATH_R_ADDR" 0 late_junk
	run_path -S -o count=20,timeout=5 "$PATH_R_ADDR:$LISTENER_PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "seqtest: flow 0 ($PATH_R_ADDR port $LISTENER_PORT): reply seqno 19: bad header: 70 bytes after the closing reply" ]
	# hostile served one connection: the question finds no one.
	path_line 'the replier could not be asked what it saw \(connect: Connection refused\); this diagnosis is one-sided' 
}
