#!/usr/bin/env bats
# Every fault the relay injects, in each direction and both sender modes:
# exit 1 and one exact diagnostic line.  And a clean relay that re-frames
# the stream: no error at all.

load helper

setup() {
	start_replier
}

# fault_case FAULT DIR MODE OFFSET COUNT REGEX: the flow's one line must
# match REGEX (after "seqtest: flow 0 (127.0.0.1 port P): ").
fault_case() {
	local fault=$1 dir=$2 mode=$3 off=$4 n=$5 re=$6
	start_proxy "$fault" -D "$dir" -O "$off" -n "$n"
	run --separate-stderr "$SEQTEST" "$mode" -o count=200,ssize=1000,rsize=1000,timeout=3 "127.0.0.1:$PROXY_PORT"
	echo "status $status; stderr: $stderr" >&3
	[ "$status" -eq 1 ]
	[ "$(grep -c '^seqtest: flow 0 ' <<<"$stderr")" -eq 1 ]
	grep -qE "^seqtest: flow 0 \\(127\\.0\\.0\\.1 port $PROXY_PORT\\): $re\$" <<<"$stderr"
	grep -qE '^Errors: [1-9][0-9]* \(' <<<"$output"
	grep -q '^Flows: 1, failed 1$' <<<"$output"
}

# both_modes FAULT DIR OFFSET COUNT REGEX
both_modes() {
	fault_case "$1" "$2" -S "$3" "$4" "$5"
	stop_pid "$PROXY_PID"
	fault_case "$1" "$2" -s "$3" "$4" "$5"
}

BY=' \(seen by the replier\)'

@test "drop 5 bytes in a request payload" {
	both_modes drop req 5500 5 "request seqno 5: lost: 5 bytes missing at offset 500$BY"
}

@test "drop 5 bytes in a reply payload" {
	both_modes drop rep 5500 5 'reply seqno 5: lost: 5 bytes missing at offset 500'
}

@test "duplicate 5 bytes in a request payload" {
	both_modes dup req 5500 5 "request seqno 5: duplicated: 5 bytes repeated at offset 505$BY"
}

@test "duplicate 5 bytes in a reply payload" {
	both_modes dup rep 5500 5 'reply seqno 5: duplicated: 5 bytes repeated at offset 505'
}

@test "flip a bit in a request payload" {
	both_modes flip req 5500 1 "request seqno 5: corrupt payload at offset 500: expected 0x60, got 0x61$BY"
}

@test "flip a bit in a reply payload" {
	both_modes flip rep 5500 1 'reply seqno 5: corrupt payload at offset 500: expected 0x60, got 0x61'
}

@test "swap two chunks in a request payload" {
	both_modes swap req 5500 5 "request seqno 5: out of order: 5 bytes at offset 500 swapped with the next 5$BY"
}

@test "swap two chunks in a reply payload" {
	both_modes swap rep 5500 5 'reply seqno 5: out of order: 5 bytes at offset 500 swapped with the next 5'
}

@test "insert garbage in a request payload" {
	both_modes insert req 5500 5 "request seqno 5: corrupt payload at offset 500: expected 0x60, got 0xa5 \\(foreign bytes inserted\\)$BY"
}

@test "insert garbage in a reply payload" {
	both_modes insert rep 5500 5 'reply seqno 5: corrupt payload at offset 500: expected 0x60, got 0xa5 \(foreign bytes inserted\)'
}

@test "damage in a request header: misframed, caught at the header" {
	both_modes drop req 1000 5 "request seqno 1: bad header: seqno: expected 1, got [0-9]+$BY"
}

@test "damage in a reply header: misframed, caught at the header" {
	both_modes flip rep 1000 1 'reply seqno 1: bad header: reply seqno: expected 1, got 0'
}

@test "a whole request lost: -s, the replier sees the seqno skip" {
	fault_case drop req -s 5000 1000 "request seqno 6: lost: seqno: expected 5, got 6$BY"
}

@test "a whole request lost: -S waits for its reply until the watchdog" {
	fault_case drop req -S 5000 1000 "stalled: no progress for 3 s, waiting for reply seqno 5($QUIET_REPLIER)?"
}

@test "a whole reply repeated: counted, the flow goes on" {
	both_modes dup rep 5000 1000 'reply seqno 5: duplicated: seqno: expected 6, got 5'
	grep -q '^Received 200 replies$' <<<"$output"
	grep -q '^Errors: 1 (duplicated 1)$' <<<"$output"
}

# The next message is usually in hand already, and then the pair is told
# as out of order; if it is not yet, the first is told as lost.
@test "two whole requests swapped (-s)" {
	fault_case swap req -s 5000 1000 "request seqno 6: (out of order|lost): seqno: expected 5, got 6$BY"
}

@test "two whole replies swapped (-s): counted, the flow goes on" {
	fault_case swap rep -s 5000 1000 'reply seqno 6: (out of order|lost): seqno: expected 5, got 6'
	grep -qE '^Errors: 2 \((lost 1, )?out of order [12]\)$' <<<"$output"
	grep -q '^Received 199 replies$' <<<"$output"
}

# The relay closes both ways at the cut.  -S has sent request 5 and waits
# for its reply: it sees the end of the stream.  With -s the receiver sees
# it (with 0 to 5 replies in), or the sender's next send fails first.
# Request 5 never arrives whole, so no reply 5 can: the replier's own
# "request seqno 5 ... have 500 of 1000 bytes" never reaches the sender.
@test "truncate the request stream" {
	fault_case truncate req -S 5500 1 'reply seqno 5: short stream: the peer closed while we were sending'
	stop_pid "$PROXY_PID"
	fault_case truncate req -s 5500 1 '(reply seqno [0-9]+: short stream: the peer closed (while we were sending|with replies missing \(got [0-5] of 200\))|request seqno [0-9]+: short stream: send: Broken pipe)'
}

# -S waits for reply 5 and sees its half.  With -s the sender process may
# still be writing when the relay closes: its next send then fails
# (EPIPE, the relay's FIN was in), and which of the two processes tells
# the flow's first error is a race.
@test "truncate the reply stream" {
	fault_case truncate rep -S 5500 1 'reply seqno 5: short stream: it ended inside the message \(have 500 of 1000 bytes\)'
	stop_pid "$PROXY_PID"
	fault_case truncate rep -s 5500 1 '(reply seqno 5: short stream: it ended inside the message \(have 500 of 1000 bytes\)|request seqno [0-9]+: short stream: send: Broken pipe)'
}

@test "reset in either direction" {
	# With -s two processes share the socket, and the kernel gives the
	# RST's error to whichever calls first; the other sees the end of the
	# stream.  Either may be the flow's first line.
	re='((reply|request) seqno [0-9]+: reset: (recv|send): Connection reset by peer|request seqno [0-9]+: short stream: send: Broken pipe|reply seqno [0-9]+: short stream: the peer closed (while we were sending|with replies missing \(got [0-9]+ of 200\)))'
	both_modes reset req 5500 1 "$re"
	stop_pid "$PROXY_PID"
	both_modes reset rep 5500 1 "$re"
}

# -S has one request out, taken in by the relay: all acknowledged.  -s
# has sent all 200 KB: the relay's window closes, unless its buffers
# hold them all.
@test "stall the request stream: the watchdog ends the run" {
	fault_case stall req -S 5500 1 "stalled: no progress for 3 s, waiting for reply seqno 5($QUIET_REPLIER)?"
	stop_pid "$PROXY_PID"
	fault_case stall req -s 5500 1 "stalled: no progress for 3 s, waiting for reply seqno [0-5]($QUIET_REPLIER|$NOT_READING)?"
}

# -S: one request out, all acknowledged.  -s: the replier, its replies
# held, stops reading too, and once the buffers between hold all the
# requests sent, the window closes back to the sender.
@test "stall the reply stream inside a message" {
	fault_case stall rep -S 5500 1 "stalled: no progress for 3 s, waiting for reply seqno 5 \(have 500 of 1000 bytes\)($QUIET_REPLIER)?"
	stop_pid "$PROXY_PID"
	fault_case stall rep -s 5500 1 "stalled: no progress for 3 s, waiting for reply seqno 5 \(have 500 of 1000 bytes\)($QUIET_REPLIER|$NOT_READING)?"
}

@test "later errors are counted, not printed: one line per flow" {
	start_proxy dup -D rep -O 5000 -n 1000
	run --separate-stderr "$SEQTEST" -s -o count=200,ssize=1000,rsize=1000,threads=3 "127.0.0.1:$PROXY_PORT"
	[ "$status" -eq 1 ]
	[ "$(grep -c '^seqtest: flow' <<<"$stderr")" -eq 3 ]
	grep -q '^Errors: 3 (duplicated 3)$' <<<"$output"
	grep -q '^Flows: 3, failed 3$' <<<"$output"
}

@test "clean relay, random re-framing and delays: 10^6 messages, zero errors" {
	start_proxy clean
	run "$SEQTEST" -s -o threads=8,count=125000,ssize_min=40,ssize_max=200,rsize_min=40,rsize_max=200,sdelay_max=2000,rdelay_max=2000,rinterval=3 "127.0.0.1:$PROXY_PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Sent: 1000000 messages"* ]]
	# 41667 a flow by rinterval=3, and its closing reply
	[[ $output == *"Received 333344 replies"* ]]
	[[ $output == *"Errors: 0"* ]]
}
