#!/usr/bin/env bats
# Across a real network path: two network namespaces joined by a veth
# pair, the replier in one and the sender in the other, at MTU 1500 and
# 576, then with 2% of the TCP segments dropped at random by nftables,
# which the kernel's own count of retransmits (TCP_INFO) must show.
# Root only; the addresses (10.199.0.0/30) exist only inside the
# namespaces, which teardown removes with their links and rules.

load helper

setup() {
	make_netns_pair
	start_netns_replier
}

teardown() {
	netns_teardown
}

SIZES=ssize_min=40,ssize_max=8000,rsize_min=40,rsize_max=8000

# across MODE OPTIONS COUNT: MODE with 4 flows of COUNT messages from NS_S
# to the replier in NS_R; exit 0, every message sent, no error.  Leaves
# the JSON report in $output.
across() {
	run --separate-stderr ip netns exec "$NS_S" "$SEQTEST" "$1" -j \
	    -o "threads=4,count=$3,$2" "$NS_R_ADDR:$PORT"
	echo "$1 $2: exit $status; stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(json_value errors.total)" -eq 0 ]
	[ "$(json_value sent_msgs)" -eq $((4 * $3)) ]
	[ "$(json_value failed)" -eq 0 ]
}

@test "veth, MTU 1500: -s and -S, sizes 40..8000 each way" {
	set_mtu 1500
	across -s "$SIZES" 1000
	across -S "$SIZES" 1000
}

@test "veth, MTU 576 on both ends: -s and -S, sizes 40..8000 each way" {
	set_mtu 576
	across -s "$SIZES" 1000
	across -S "$SIZES" 1000
}

@test "2% of TCP segments dropped: -s, sizes 40..8000, still no error" {
	set_mtu 1500
	drop_tcp 2
	across -s "$SIZES" 1000
	echo "dropped $(dropped)"
	(($(dropped) > 0))
}

# Each request fits in one segment, so a lost one is the only segment in
# flight and its loss probe waits the minimum RTO (200 ms) on top of
# 2 RTTs: 2% of the round trips take that long, the other 98% tens of
# microseconds.  3200 round trips put more than 1% of them (p99) behind
# a loss with a margin of four standard deviations.
@test "2% of TCP segments dropped: -S still no error, p99 shows the retransmission wait" {
	set_mtu 1500
	drop_tcp 2
	across -S ssize_min=40,ssize_max=1400,rsize_min=40,rsize_max=8000 800
	p50=$(json_value latency_us.p50)
	p99=$(json_value latency_us.p99)
	echo "p50 $p50 us, p99 $p99 us, dropped $(dropped)"
	((${p50%.*} < 10000))
	((${p99%.*} >= 50000))
	(($(dropped) > 0))
}

# The kernel's own count (TCP_INFO): segments dropped on the way are
# retransmitted, per flow and in all, in the JSON and in the text line.
@test "2% of TCP segments dropped: the kernel's retransmits in the JSON and the TCP line" {
	set_mtu 1500
	drop_tcp 2
	across -s "$SIZES" 1000
	need_tcp_info
	echo "retransmits $(json_value tcp.retrans), dropped $(dropped)"
	(($(json_value tcp.retrans) > 0))
	json_check 'd["tcp"]["retrans"] == sum(f["tcp"]["retrans"] for f in d["flows"])'
	run --separate-stderr ip netns exec "$NS_S" "$SEQTEST" -s \
	    -o "threads=4,count=1000,$SIZES" "$NS_R_ADDR:$PORT"
	[ "$status" -eq 0 ]
	line=$(grep '^TCP: ' <<<"$output")
	echo "$line"
	[[ $line =~ ^TCP:\ retransmits\ ([0-9]+),\ rtt\ p50\ [0-9]+\ us,\ max\ [0-9]+\ us$ ]]
	((BASH_REMATCH[1] > 0))
}
