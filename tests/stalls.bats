#!/usr/bin/env bats
# Stalls and starts, each told as it happened: which wait blocked, which
# way data stopped (the kernel's TCP_INFO), and the flows a run never
# started.  Paths that lose data are real ones: network namespaces (root
# only), a router between sender and replier, nftables rules in them;
# teardown removes them, and continues what a test stopped, even when it
# fails.

load helper

HOSTILE="$BATS_TEST_DIRNAME/hostile"

teardown() {
	local pid
	for pid in "${STOPPED_PIDS[@]}"; do
		kill -CONT "$pid" 2>/dev/null || true
	done
	netns_teardown
}

# nft_in NS: reads an nftables ruleset from stdin into NS.
nft_in() {
	netns_try nft ip netns exec "$1" "$(find_tool nft)" -f -
}

# pmtu_black_hole DEV: the router's link DEV (g1 toward the replier, g0
# toward the sender) at MTU 1280 between links at 1500, the ICMP that
# would tell the ends so dropped in the router, and the ends' MTU
# probing off: full-sized segments that the router would forward on DEV
# vanish, small ones pass.  (The router's other link stays at 1500: a
# veth drops what is too big for its peer before it leaves the host, and
# TCP would see that drop as its own, not as the path's.)
pmtu_black_hole() {
	local ns
	make_router_path
	ip -n "$NS_G" link set dev "$1" mtu 1280
	for ns in "$NS_S" "$NS_R"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_mtu_probing=0
	done
	nft_in "$NS_G" <<EOF
table inet seqtest {
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta l4proto icmp counter drop
	}
	chain output {
		type filter hook output priority 0; policy accept;
		meta l4proto icmp counter drop
	}
}
EOF
}

# path_sender TIMEOUT SSIZE RSIZE: -S from NS_S to the replier across
# the black hole; its stderr in $stderr.
path_sender() {
	run --separate-stderr ip netns exec "$NS_S" "$SEQTEST" -S \
	    -o "count=20,ssize=$2,rsize=$3,timeout=$1" "$PATH_R_ADDR:$PORT"
	echo "sender: exit $status; stderr: $stderr"
	[ "$status" -eq 1 ]
}

# Each end stalls at its own timeout, the one that stops first the
# sooner: its close then queues a FIN behind data that never arrives,
# and the other end sees no end of the stream, only its own stall.
@test "PMTU black hole, large requests: requests are not getting through" {
	pmtu_black_hole g1
	start_path_replier -o timeout=4
	path_sender 2 8000 40
	grep -qE "^seqtest: flow 0 \\(.*\\): stalled: no progress for 2 s, waiting for reply seqno 0: requests are not getting through; no ACK for [0-9.]+ s \\(kernel: [1-9][0-9]* segments unacknowledged, [1-9][0-9]* retransmits, " <<<"$stderr"
	wait_for_line "$REPLIER_ERR" 'stalled'
	cat "$REPLIER_ERR"
	grep -qE "^seqtest: connection 0 from .*: stalled: no progress for 4 s, waiting for request seqno 0$QUIET_SENDER\$" "$REPLIER_ERR"
}

@test "PMTU black hole, large replies: replies are not getting through" {
	pmtu_black_hole g0
	start_path_replier -o timeout=2
	path_sender 4 40 8000
	grep -qE "^seqtest: flow 0 \\(.*\\): stalled: no progress for 4 s, waiting for reply seqno 0$QUIET_REPLIER\$" <<<"$stderr"
	cat "$REPLIER_ERR"
	grep -qE "^seqtest: connection 0 from .*: stalled: no progress for 2 s, waiting for request seqno 1: replies are not getting through; no ACK for [0-9.]+ s \\(kernel: [1-9][0-9]* segments unacknowledged, [1-9][0-9]* retransmits, " "$REPLIER_ERR"
}

# syn_black_hole: NS_R drops every SYN it receives, and counts them.
syn_black_hole() {
	make_netns_pair
	start_netns_replier
	nft_in "$NS_R" <<EOF
table inet seqtest {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp flags & (syn | ack) == syn counter drop
	}
}
EOF
}

syns_dropped() {
	ip netns exec "$NS_R" "$(find_tool nft)" list chain inet seqtest input |
	    sed -n 's/.* counter packets \([0-9]*\) .*/\1/p'
}

@test "SYNs dropped, 16 flows, timeout=3: all fail within one timeout, each named" {
	syn_black_hole
	start=$(date +%s%N)
	run --separate-stderr ip netns exec "$NS_S" "$SEQTEST" -s \
	    -o threads=16,count=10,timeout=3 "$NS_R_ADDR:$PORT"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "exit $status after $ms ms; stdout: $output; stderr: $stderr"
	[ "$status" -eq 1 ]
	# One timeout by seqtest's own clock (3.0 s on an idle host), not
	# sixteen one after the other (48 s).
	us=$(sed -n 's/^Time: \([0-9]*\)\.[0-9] us$/\1/p' <<<"$output")
	((us >= 3000000 && us < 6000000))
	# The whole command too, `ip netns exec` and the start included,
	# which a host busy making and removing namespaces slows by seconds
	# (15 s seen once under load): still short of sixteen timeouts.
	((ms >= 3000 && ms < 30000))
	# glibc says "Connection timed out", musl "Operation timed out"
	for i in $(seq 0 15); do
		grep -qxE "seqtest: flow $i \\(10\\.199\\.0\\.1 port $PORT\\): connect failed: connect: (Connection|Operation) timed out" <<<"$stderr"
	done
	grep -qx 'Flows: 16, failed 16' <<<"$output"
	# Each was started, and failed: none is "not started".
	[ -z "$(grep '^Not started' <<<"$output")" ]
}

# wait_syns N: bounded wait until N SYNs were dropped: the connects are
# all under way.
wait_syns() {
	local tries=100
	until (($(syns_dropped) >= $1)); do
		((tries-- > 0)) || { echo "only $(syns_dropped) SYNs seen" >&2; return 1; }
		sleep 0.1
	done
}

@test "SIGINT while flows connect: the flows never started are named, text and JSON" {
	syn_black_hole
	for form in text json; do
		json=
		[ "$form" = json ] && json=-j
		out=$BATS_TEST_TMPDIR/$form.out err=$BATS_TEST_TMPDIR/$form.err
		before=$(syns_dropped)
		ip netns exec "$NS_S" "$SEQTEST" -s $json \
		    -o threads=16,count=10,timeout=30 "$NS_R_ADDR:$PORT" >"$out" 2>"$err" &
		spid=$!
		STARTED_PIDS+=("$spid")
		wait_syns $((before + 16))
		kill -INT "$spid"
		rc=0
		wait "$spid" || rc=$?
		cat "$err" "$out"
		[ "$rc" -eq 1 ]
		grep -qE '^seqtest: interrupted by SIGINT after [0-9.]+ s; 0 flows ended early, 16 never started$' "$err"
		if [ "$form" = text ]; then
			grep -qx 'Flows: 16, failed 0' "$out"
			grep -qx 'Not started: 16 flows (0-15)' "$out"
		else
			output=$(cat "$out")
			json_check 'd["not_started"] == list(range(16))'
			json_check 'all(f["ended"] == "not_started" for f in d["flows"])'
		fi
	done
}

# A client that sends requests asking large replies and reads none: the
# replier's send blocks, and its stall says so, not "waiting for a
# request".
@test "a client that never reads: the replier is blocked sending a reply" {
	start_replier -d -o timeout=2
	"$HOSTILE" 127.0.0.1 "$PORT" noread 2000 >"$BATS_TEST_TMPDIR/noread.out" &
	STARTED_PIDS+=("$!")
	wait_for_line "$REPLIER_ERR" 'stalled' 100
	cat "$REPLIER_ERR"
	grep -qE "^seqtest: connection 0 from .*: stalled: no progress for 2 s, blocked sending reply seqno [0-9]+: the sender stopped reading; its window is closed and our replies wait in the send buffer$KERNEL\$" "$REPLIER_ERR"
}

# The replier's process stopped: its kernel still takes in and
# acknowledges the small requests, and nothing comes back.
@test "a sender whose replier is stopped: nothing arrives from the replier" {
	start_replier -d
	run_sender_bg -S -o count=100000000,rate=1000,timeout=2 "127.0.0.1:$PORT"
	child=$(connection_child 0)
	stop_process "$child"
	wait_sender
	cat "$SENDER_ERR"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -qE "^seqtest: flow 0 \\(127\\.0\\.0\\.1 port $PORT\\): stalled: no progress for 2 s, waiting for reply seqno [0-9]+$QUIET_REPLIER\$" "$SENDER_ERR"
}
