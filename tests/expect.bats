#!/usr/bin/env bats
# expect=: conditions on the run's figures.  Each key and unit is judged
# on the figure the report gives, each condition missed is one exact line
# and exit 3, a failed run stays 1, and a malformed condition is exit 2
# before anything is sent.

load helper

# Every key, every operator: held or missed, each as its figure says.
ALL_KEYS='p50<1ns/p90>=1ns/p99<=3600s/p999>3600s/max<3600s/mean>1ns/errors=0/replies=200/rate>0/mbps<0.000001'

@test "conditions that hold: exit 0 and nothing on stderr, -s and -S" {
	start_replier
	for mode in -s -S; do
		run --separate-stderr "$SEQTEST" "$mode" -o count=200,threads=2 \
		    -o 'expect=p50>=1ns/p90<3600s/p99<=3600000ms/p999<3600000000us/max>0ns/mean<1s/errors=0/replies=400/rate>0/mbps>0' \
		    "127.0.0.1:$PORT"
		echo "$mode: status $status; stderr: $stderr" >&3
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		grep -q '^Errors: 0$' <<<"$output"
	done
}

@test "a missed condition: exit 3, its line after the report, the report intact" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=200,'expect=p50<1ns/errors=0' \
	    "127.0.0.1:$PORT"
	echo "status $status; stderr: $stderr" >&3
	[ "$status" -eq 3 ]
	json_check 'd["exit_status"] == 3 and d["errors"]["total"] == 0'
	ns=$(json_value latency_us.p50 | awk '{ printf "%.0f", $1 * 1000 }')
	[ "$stderr" = "seqtest: expect p50<1ns: got $ns ns" ]
	# the text report, then the line, stdout and stderr together
	run "$SEQTEST" -S -o count=200,'expect=p50<1ns' "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	[[ ${lines[-1]} =~ ^seqtest:\ expect\ p50\<1ns:\ got\ [1-9][0-9]*\ ns$ ]]
	[[ ${lines[-2]} == "Seed: "* ]]
	grep -q '^Received 200 replies$' <<<"$output"
	grep -q '^Errors: 0$' <<<"$output"
}

@test "each key and operator is judged on the report's own figure" {
	start_replier
	for mode in -s -S; do
		run --separate-stderr "$SEQTEST" -j "$mode" -o count=200 \
		    -o "expect=$ALL_KEYS" "127.0.0.1:$PORT"
		echo "$mode: status $status; stderr: $stderr" >&3
		[ "$status" -eq 3 ]
		json_check "[e['cond'] for e in d['expect']] == '$ALL_KEYS'.split('/')"
		json_check '[e["held"] for e in d["expect"]] == [False, True, True, False, True, True, True, True, True, False]'
		check_verdicts
		[ "$stderr" = "$(missed_lines)" ]
	done
}

@test "each unit: a missed latency is given in its condition's unit, to the ns" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=200 \
	    -o 'expect=max<1ns/max<0.001us/max<0.000001ms/max<0.000000001s/p50<=1.5us/p99<2.000001ms' \
	    "127.0.0.1:$PORT"
	echo "status $status; stderr: $stderr" >&3
	[ "$status" -eq 3 ]
	check_verdicts
	[ "$(grep -c '^seqtest: expect max<' <<<"$stderr")" -eq 4 ]
	[ "$stderr" = "$(missed_lines)" ]
	# one bound, four ways: the same verdict
	run "$SEQTEST" -j -S -o count=200 \
	    -o 'expect=max>=2500ns/max>=2.5us/max>=0.0025ms/max>=0.0000025s' \
	    "127.0.0.1:$PORT"
	check_verdicts
	json_check 'len(set(e["held"] for e in d["expect"])) == 1'
}

@test "no latency measured: a latency condition is missed, a count judged" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=20,warmup=20 \
	    -o 'expect=p99<1s/replies=20' "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	[ "$stderr" = "seqtest: expect p99<1s: no latency was measured" ]
	json_check 'd["latency_us"] is None'
	json_check 'd["expect"] == [{"cond": "p99<1s", "value": None, "held": False}, {"cond": "replies=20", "value": 20, "held": True}]'
}

@test "a stream that fails and a missed condition: 1 wins, both are said" {
	start_replier
	start_proxy drop -D rep -O 5500 -n 5
	run --separate-stderr "$SEQTEST" -S \
	    -o count=200,ssize=1000,rsize=1000,timeout=3,'expect=p50<1ns/errors=0' \
	    "127.0.0.1:$PROXY_PORT"
	echo "status $status; stderr: $stderr" >&3
	[ "$status" -eq 1 ]
	grep -q "^seqtest: flow 0 (127.0.0.1 port $PROXY_PORT): reply seqno 5: lost: 5 bytes missing at offset 500\$" <<<"$stderr"
	grep -qE '^seqtest: expect p50<1ns: got [1-9][0-9]* ns$' <<<"$stderr"
	grep -qE '^seqtest: expect errors=0: got [1-9][0-9]*$' <<<"$stderr"
}

@test "an interrupted run and a missed condition: 1 wins" {
	start_replier
	run_sender_bg -d -S -o duration=60,'expect=p50<1ns' "127.0.0.1:$PORT"
	# a reply checked: there is a latency for the condition to miss
	wait_for_line "$SENDER_OUT" '<'
	kill -INT "$SENDER_PID"
	wait_sender
	cat "$SENDER_ERR"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -q '^seqtest: interrupted by SIGINT after ' "$SENDER_ERR"
	grep -qE '^seqtest: expect p50<1ns: got [1-9][0-9]* ns$' "$SENDER_ERR"
}

@test "a report lost on a full disk and a missed condition: 1 wins" {
	start_replier
	run_with '>/dev/full' -j -S -o count=100,'expect=p50<1ns' "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	grep -qE '^seqtest: expect p50<1ns: got [1-9][0-9]* ns$' <<<"$stderr"
	[ "$(tail -n 1 <<<"$stderr")" = "seqtest: writing the report: No space left on device" ]
}

@test "JSON: the expect array only with expect=, stdout one document" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=50 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	json_check '"expect" not in d and d["options"]["expect"] is None'
	run --separate-stderr "$SEQTEST" -j -S -o count=50,'expect=p50<1ns' "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	json_check 'd["options"]["expect"] == "p50<1ns" and len(d["expect"]) == 1'
	json_check 'sorted(d["expect"][0]) == ["cond", "held", "value"]'
	# a run that could not be set up has no figures: null, not held
	run --separate-stderr "$SEQTEST" -j -S -o count=50,dump=/nonexistent/f,'expect=errors=0' "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	json_check 'd["expect"] == [{"cond": "errors=0", "value": None, "held": False}]'
}

@test "malformed conditions: exit 2, one line, and nothing sent" {
	start_replier -o conns=1
	a=127.0.0.1:$PORT
	keys='(p50, p90, p99, p999, max, mean, errors, replies, rate, mbps)'
	bad "option expect: 'p98<2ms': unknown key 'p98' $keys" -S -o 'expect=p98<2ms' "$a"
	bad "option expect: 'P99<2ms': unknown key 'P99' $keys" -S -o 'expect=P99<2ms' "$a"
	bad "option expect: '<2ms': missing key $keys" -S -o 'expect=<2ms' "$a"
	bad "option expect: 'p99<2xs': unknown unit 'xs' (ns, us, ms, s)" -s -o 'expect=p99<2xs' "$a"
	bad "option expect: 'p99<2': p99 needs a unit (ns, us, ms, s)" -S -o 'expect=p99<2' "$a"
	bad "option expect: 'p99 2ms': missing operator (<, <=, >, >=, =)" -S -o 'expect=p99 2ms' "$a"
	bad "option expect: 'p99': missing operator (<, <=, >, >=, =)" -S -o 'expect=errors=0/p99' "$a"
	bad "option expect: 'p99<ms': no number after '<'" -S -o 'expect=p99<ms' "$a"
	bad "option expect: 'p99==2ms': no number after '='" -S -o 'expect=p99==2ms' "$a"
	bad "option expect: 'p99<-1ms': no number after '<'" -S -o 'expect=p99<-1ms' "$a"
	bad "option expect: 'p99<1.ms': no digit after '.'" -S -o 'expect=p99<1.ms' "$a"
	bad "option expect: 'p99<1.5ns': finer than 1 ns" -S -o 'expect=p99<1.5ns' "$a"
	bad "option expect: 'p99<0.0000000001s': more than 9 decimals" -S -o 'expect=p99<0.0000000001s' "$a"
	bad "option expect: 'p99<3600.000000001s': out of range (0 to 3600 s)" -S -o 'expect=p99<3600.000000001s' "$a"
	bad "option expect: 'max<3600001ms': out of range (0 to 3600000 ms)" -S -o 'expect=max<3600001ms' "$a"
	bad "option expect: 'errors<1000000000000001': out of range (0 to 1000000000000000)" -S -o 'expect=errors<1000000000000001' "$a"
	bad "option expect: 'rate>99999999999999999999999': out of range (0 to 1000000000000000)" -S -o 'expect=rate>99999999999999999999999' "$a"
	bad "option expect: 'errors=0.5': errors is a whole number" -S -o 'expect=errors=0.5' "$a"
	bad "option expect: 'errors=0ms': errors takes no unit" -S -o 'expect=errors=0ms' "$a"
	bad "option expect: 'rate>=5k': rate takes no unit" -S -o 'expect=rate>=5k' "$a"
	# an exponent is named as one, not taken for a unit
	bad "option expect: 'rate>=1e308': an exponent ('e308'): write the number in digits" -S -o 'expect=rate>=1e308' "$a"
	bad "option expect: 'p99<1E-3s': an exponent ('E-3s'): write the number in digits" -S -o 'expect=p99<1E-3s' "$a"
	bad "option expect: missing value" -S -o 'expect=' "$a"
	bad "option expect: 'p99<2ms/': an empty condition (conditions are separated by '/')" -S -o 'expect=p99<2ms/' "$a"
	bad "option expect: '/p99<2ms': an empty condition (conditions are separated by '/')" -S -o 'expect=/p99<2ms' "$a"
	bad "option expect: 'p99<2ms//errors=0': an empty condition (conditions are separated by '/')" -S -o 'expect=p99<2ms//errors=0' "$a"
	long=p99\<$(printf '0%.0s' {1..44})1ms
	bad "option expect: '$long': longer than 47 characters" -S -o "expect=$long" "$a"
	many=$(printf 'errors=0/%.0s' {1..32})errors=0
	bad "option expect: more than 32 conditions" -S -o "expect=$many" "$a"
	bad "unknown option 'errors' (separate expect= conditions with '/')" -S -o 'expect=p99<2ms,errors=0' "$a"
	bad "unknown option 'p999<10ms' (separate expect= conditions with '/')" -S -o 'expect=p99<2ms,p999<10ms' "$a"
	# none of them reached the replier: its one connection is this one
	run "$SEQTEST" -S -o count=10,'expect=replies=10' "$a"
	[ "$status" -eq 0 ]
	rc=0
	wait "$REPLIER_PID" || rc=$?
	[ "$rc" -eq 0 ]
	grep -q '^Connections: 1, failed 0$' "$REPLIER_OUT"
	grep -q '^Received: 10 messages, 400 bytes$' "$REPLIER_OUT"
}

@test "nothing listening: a bad condition is exit 2, not a connect error" {
	start_replier
	port=$PORT
	stop_replier
	bad "option expect: 'p99<2xs': unknown unit 'xs' (ns, us, ms, s)" -S -o 'expect=p99<2xs' "127.0.0.1:$port"
	run --separate-stderr "$SEQTEST" -S -o 'expect=p99<2ms' "127.0.0.1:$port"
	[ "$status" -eq 1 ]
	grep -q ': connect failed: ' <<<"$stderr"
}

@test "the replier refuses expect=" {
	bad "option expect: only for senders (-s, -S)" -r -o 'expect=errors=0' 127.0.0.1:0
	bad "option expect: only for senders (-s, -S)" -r -o conns=1,'expect=p99<2xs' 127.0.0.1:0
}
