#!/usr/bin/env bats
# Real TCP proxies between sender and replier: nginx (stream), haproxy,
# socat, pen, rinetd, redir and simpleproxy, each at its defaults.  Every
# byte must come through in order both ways, in both sender modes, and a
# sender's half-close must either come through or be reported as such.

load helper

setup() {
	start_replier
}

SIZES=ssize_min=40,ssize_max=8000,rsize_min=40,rsize_max=8000

# every_rinterval PROXY MODE: MODE (-s or -S) with 4 flows and rinterval
# 0, 1 and 3 through PROXY; each run exits 0 with every message sent and
# no error.  pen, rinetd, redir, simpleproxy and socat leave Nagle on, so
# with rinterval=3 each -S reply waits for the replier's delayed ACK
# (40 ms): that run is kept short.  Failed runs are printed to fd 3.
every_rinterval() {
	local proxy=$1 mode=$2 ri count failed=0
	start_tcp_proxy "$proxy"
	for ri in 0 1 3; do
		count=300
		[[ $mode$ri != -S3 ]] || count=60
		run --separate-stderr "$SEQTEST" "$mode" -o "threads=4,count=$count,$SIZES,rinterval=$ri,timeout=10" "127.0.0.1:$PROXY_PORT"
		if ((status != 0)) ||
		    ! grep -q '^Errors: 0$' <<<"$output" ||
		    ! grep -q "^Sent: $((4 * count)) messages, " <<<"$output" ||
		    ! grep -q '^Flows: 4, failed 0$' <<<"$output"; then
			echo "# $proxy $mode rinterval=$ri: exit $status" >&3
			grep -E '^(Sent|Flows|Errors):' <<<"$output" | sed 's/^/#   /' >&3
			sed 's/^/#   /' <<<"$stderr" >&3
			failed=1
		fi
	done
	return "$failed"
}

@test "nginx (stream) -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval nginx -s
}

@test "nginx (stream) -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval nginx -S
}

@test "haproxy (mode tcp) -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval haproxy -s
}

@test "haproxy (mode tcp) -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval haproxy -S
}

@test "socat -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval socat -s
}

@test "socat -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval socat -S
}

@test "pen -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval pen -s
}

@test "pen -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval pen -S
}

@test "rinetd -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval rinetd -s
}

@test "rinetd -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval rinetd -S
}

@test "redir -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval redir -s
}

@test "redir -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval redir -S
}

@test "simpleproxy -s: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval simpleproxy -s
}

@test "simpleproxy -S: 4 flows, rinterval 0, 1, 3, sizes 40..8000" {
	every_rinterval simpleproxy -S
}

# close=half: the sender shuts down its side after the last request.  A
# proxy that ends the connection as soon as it reads that FIN does so
# right after passing on the last requests, and the stream is long (some
# 8 MB each way) so that the replier is then still far behind: the
# replies cannot all be back, whatever the timing.  Left out as their
# outcome depends on timing: simpleproxy reads the client only when the
# backend has nothing to send, so it may see the FIN after the last
# reply; pen ends the connection before the last replies in some runs
# and not in others; socat passes replies on for 0.5 s after the FIN.
HALF="threads=1,count=2000,$SIZES,rinterval=1,close=half,timeout=10"

# half_close_carried PROXY: the replies all come back after the FIN.
half_close_carried() {
	start_tcp_proxy "$1"
	run --separate-stderr "$SEQTEST" -s -o "$HALF" "127.0.0.1:$PROXY_PORT"
	echo "exit $status; stderr: $stderr"
	[ "$status" -eq 0 ]
	grep -q '^Errors: 0$' <<<"$output"
	grep -q '^Sent: 2000 messages, ' <<<"$output"
	grep -q '^Flows: 1, failed 0$' <<<"$output"
}

# half_close_cut PROXY: the proxy ends the connection on the FIN; the run
# fails with the one line that says so and names nginx's remedy.
half_close_cut() {
	local line
	start_tcp_proxy "$1"
	run --separate-stderr "$SEQTEST" -s -o "$HALF" "127.0.0.1:$PROXY_PORT"
	echo "exit $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "$(grep -c 'does not carry a half-close' <<<"$stderr")" -eq 1 ]
	line=$(grep 'does not carry a half-close' <<<"$stderr")
	[[ $line == *"proxy_half_close on"* ]]
}

@test "close=half through haproxy: the half-close is carried, exit 0" {
	half_close_carried haproxy
}

@test "close=half through nginx with proxy_half_close on: carried, exit 0" {
	half_close_carried nginx-half-close
}

@test "close=half through nginx at its defaults: exit 1, does not carry a half-close" {
	half_close_cut nginx
}

@test "close=half through redir: exit 1, does not carry a half-close" {
	half_close_cut redir
}

@test "close=half through rinetd: exit 1, does not carry a half-close" {
	half_close_cut rinetd
}
