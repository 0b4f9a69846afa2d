#!/usr/bin/env bats
# Bad input: exactly one line on stderr naming what is wrong, exit 2.

load helper

@test "unknown option" {
	bad "unknown option 'foo'" -s -o foo=1 127.0.0.1:9
}

@test "option without a value" {
	bad "option count: missing value" -s -o count 127.0.0.1:9
	bad "option count: missing value" -s -o count= 127.0.0.1:9
}

@test "non-numeric and negative values" {
	bad "option count: 'abc' is not a non-negative whole number" -s -o count=abc 127.0.0.1:9
	bad "option count: '-5' is not a non-negative whole number" -s -o count=-5 127.0.0.1:9
	bad "option count: '12x' is not a whole number" -s -o count=12x 127.0.0.1:9
	bad "option duration: 'abc' is not a number of seconds" -s -o duration=abc 127.0.0.1:9
}

@test "overflow and out of range" {
	bad "option count: 99999999999999999999999 is out of range" -s -o count=99999999999999999999999 127.0.0.1:9
	bad "option threads: 0 is out of range" -s -o threads=0 127.0.0.1:9
	bad "option rdelay: 4294967296 is out of range" -s -o rdelay=4294967296 127.0.0.1:9
}

@test "size above the limit" {
	bad "option ssize: 70000 is out of range (0 to 65535)" -s -o ssize=70000 127.0.0.1:9
	bad "option rsize_max: 65536 is out of range (0 to 65535)" -S -o rsize_max=65536 127.0.0.1:9
}

@test "min above max" {
	bad "option ssize_min 500 is above ssize_max 100" -s -o ssize_min=500,ssize_max=100 127.0.0.1:9
	bad "option sdelay_min 9 is above sdelay_max 3" -s -o sdelay_max=3,sdelay_min=9 127.0.0.1:9
}

@test "a min alone raises the default max instead of failing" {
	start_replier
	run "$SEQTEST" -S -o count=10,ssize_min=100 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Sent: 10 messages, 1000 bytes"* ]]
}

@test "no address, no port, bad port" {
	bad "no address given" -s
	bad "address '127.0.0.1': missing port" -s 127.0.0.1
	bad "address '127.0.0.1:': missing port" -s 127.0.0.1:
	bad "address '127.0.0.1:70000': bad port '70000'" -s 127.0.0.1:70000
	bad "address '127.0.0.1:http': bad port 'http'" -s 127.0.0.1:http
	bad "address '[::1:9': unbalanced brackets" -s '[::1:9'
}

@test "unresolvable name" {
	bad "address 'no-such-host.invalid:9000': cannot resolve 'no-such-host.invalid'" -s no-such-host.invalid:9000
	bad "cannot resolve local 'no-such-host.invalid'" -s no-such-host.invalid,127.0.0.1:9000
}

@test "mode missing, twice, unknown flag" {
	bad "one of -s, -S, -r or -m is required" -o count=1 127.0.0.1:9
	bad "only one of -s, -S, -r and -m may be given" -s -r 127.0.0.1:9
	bad "unknown flag -x" -s -x 127.0.0.1:9
	bad "flag -o needs a value" -s -o
}

@test "count=0 without a duration" {
	bad "option count=0 needs a duration" -s -o count=0 127.0.0.1:9
}

@test "dump file that cannot be opened" {
	start_replier
	run --separate-stderr "$SEQTEST" -S -o count=1,dump=/nonexistent/dir/f "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	[[ $stderr == "seqtest: dump file /nonexistent/dir/f: No such file or directory" ]]
}

@test "replier: dump= and a LOCAL, prefix are sender options" {
	bad "option dump: only for senders (-s, -S)" -r -o dump=/tmp/x 127.0.0.1:0
	bad "address '127.0.0.2,127.0.0.1:0': LOCAL, is for senders" -r 127.0.0.2,127.0.0.1:0
}

@test "an option given to a mode it is not for is refused" {
	bad "option count: only for senders (-s, -S)" -r -o count=5 127.0.0.1:0
	bad "option threads: only for senders (-s, -S)" -o threads=2 -r 127.0.0.1:0
	bad "option maxconn: only for the replier (-r)" -s -o maxconn=5 127.0.0.1:9
	bad "option conns: only for the replier (-r)" -S -o conns=1 127.0.0.1:9
	for opt in sdelay=1 sdelay_max=1 rinterval=2 duration=1 rate=1 \
	    warmup=1 seed=1; do
		bad "option ${opt%%=*}: only for senders (-s, -S)" -r -o "$opt" 127.0.0.1:0
	done
}

@test "close= takes one of its words, and only on a sender" {
	bad "option close: 'x' is not one of full, half, reset" -s -o close=x 127.0.0.1:9
	bad "option close: 'FULL' is not one of full, half, reset" -S -o close=FULL 127.0.0.1:9
	bad "option close: missing value" -s -o close= 127.0.0.1:9
	bad "option close: only for senders (-s, -S)" -r -o close=half 127.0.0.1:0
}

@test "the replier takes the options for every mode" {
	start_replier -o ssize=100,rsize_max=100,rdelay_max=5,verify=1,timeout=5,interval=60,maxconn=2,conns=1
	run "$SEQTEST" -S -o count=10,ssize=100,rsize=100,rdelay=5 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	REPLIER_RC=0
	wait "$REPLIER_PID" || REPLIER_RC=$?
	[ "$REPLIER_RC" -eq 0 ]
	grep -q '^Received: 10 messages, 1000 bytes$' "$REPLIER_OUT"
}

@test "seconds: more than 9 decimals are refused, not truncated" {
	bad "option duration: '31536000.0000000001' has more than 9 decimals (1 ns is the unit)" -s -o duration=31536000.0000000001 127.0.0.1:9
	bad "option duration: '0.0000000001' has more than 9 decimals (1 ns is the unit)" -s -o duration=0.0000000001 127.0.0.1:9
	bad "option interval: '0.5000000000' has more than 9 decimals (1 ns is the unit)" -s -o interval=0.5000000000 127.0.0.1:9
	bad "option duration: '1.00000000001x' is not a number of seconds" -s -o duration=1.00000000001x 127.0.0.1:9
}

@test "seconds: limits are checked against the value as given" {
	bad "option duration: 31536000.000000001 is out of range (0 to 31536000 seconds)" -s -o duration=31536000.000000001 127.0.0.1:9
	bad "option duration: 999999999 is out of range (0 to 31536000 seconds)" -s -o duration=999999999 127.0.0.1:9
	bad "option duration: 99999999999999999999999 is out of range (0 to 31536000 seconds)" -s -o duration=99999999999999999999999 127.0.0.1:9
	bad "option interval: 86400.000000001 is out of range (0 to 86400 seconds)" -s -o interval=86400.000000001 127.0.0.1:9
	start_replier
	# nine decimals are exact: 1 ns is a duration, and 0.0 is none
	run "$SEQTEST" -j -S -o duration=0.000000001,interval=0.100000001 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *'"count": 0,'* ]]
	run "$SEQTEST" -S -o duration=0.0 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Sent: 1000 messages"* ]]
}

@test "flags and options after the address, or between addresses" {
	start_replier
	run "$SEQTEST" "127.0.0.1:$PORT" -S -o count=10
	[ "$status" -eq 0 ]
	[[ $output == *"Sent: 10 messages"* ]]
	run "$SEQTEST" -S "127.0.0.1:$PORT" -o count=10,threads=2 "127.0.0.1:$PORT" -j
	[ "$status" -eq 0 ]
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["sent_msgs"] == 20' "$output"
	run "$SEQTEST" -S -o count=10 -- "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	# after "--" every argument is an address, even one that looks a flag
	bad "one of -s, -S, -r or -m is required" -o count=10 -- 127.0.0.1:9 -S
	bad "address '-o': missing port" -S 127.0.0.1:9 -- -o count=1
	bad "unknown option 'foo'" -S 127.0.0.1:9 -o foo=1
	bad "flag -o needs a value" -S 127.0.0.1:9 -o
}

@test "-h and the error say one size range" {
	run "$SEQTEST" -h
	[ "$status" -eq 0 ]
	range=$(sed -n 's/^units: sizes \([0-9]*\)\.\.\([0-9]*\) bytes, .*/\1 to \2/p' <<<"$output")
	[ "$range" = "0 to 65535" ]
	bad "option ssize: 65536 is out of range ($range)" -S -o ssize=65536 127.0.0.1:9
	bad "option rsize_max: 70000 is out of range ($range)" -s -o rsize_max=70000 127.0.0.1:9
}
