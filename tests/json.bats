#!/usr/bin/env bats
# JSON over time and across hosts: the intervals and the histogram in
# -j, the lines of -J (whole even when the run is killed), and -m, which
# merges reports exactly.

load helper

T() {
	echo "$BATS_TEST_TMPDIR/$1"
}

@test "-j intervals: one per line, the last part included, adding up to the totals" {
	start_replier
	"$SEQTEST" -j -s -o threads=2,duration=1.1,interval=0.25,rate=2000 \
	    "127.0.0.1:$PORT" >"$(T j)" 2>"$(T err)"
	lines=$(grep -c '^\[' "$(T err)")
	json_assert "$(T j)" \
	    'len(d["intervals"]) == '"$lines" \
	    '3 <= len(d["intervals"]) <= 7' \
	    'all(set(i) == {"start_s", "end_s", "sent_msgs", "sent_bytes", "recv_msgs", "recv_bytes", "replies", "p50_us", "p99_us", "max_us", "errors"} for i in d["intervals"])' \
	    'd["intervals"][0]["start_s"] == 0' \
	    'all(a["end_s"] == b["start_s"] for a, b in zip(d["intervals"], d["intervals"][1:]))' \
	    'abs(d["intervals"][-1]["end_s"] - d["duration_s"]) < 2e-6' \
	    'all(sum(i[k] for i in d["intervals"]) == d[k] for k in ("sent_msgs", "sent_bytes", "recv_msgs", "recv_bytes", "replies"))' \
	    'sum(i["errors"] for i in d["intervals"]) == d["errors"]["total"] == 0' \
	    'd["sent_msgs"] > 3000' \
	    'len([i for i in d["intervals"] if i["p50_us"] is not None]) >= 3' \
	    'all(i["p50_us"] <= i["p99_us"] <= i["max_us"] <= d["latency_us"]["max"] * 1.001 for i in d["intervals"] if i["p50_us"] is not None)'
}

@test "-j histogram: lossless, its counts and percentiles those of latency_us" {
	start_replier
	"$SEQTEST" -j -S -o count=20000,ssize_max=2000 "127.0.0.1:$PORT" >"$(T j)"
	json_assert "$(T j)" \
	    'sum(c for _, c in d["histogram"]) == d["latency_us"]["count"] == d["histogram_moments"]["count"] == 20000' \
	    'all(a[0] < b[0] for a, b in zip(d["histogram"], d["histogram"][1:]))' \
	    'all(c > 0 for _, c in d["histogram"])' \
	    'all(close(pct(d["histogram"], p), d["latency_us"][k] * 1e3) for p, k in ((50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p999")))' \
	    'd["histogram_moments"]["min_ns"] / 1e3 == d["latency_us"]["min"]' \
	    'd["histogram_moments"]["max_ns"] / 1e3 == d["latency_us"]["max"]' \
	    'close(d["histogram_moments"]["sum_ns"] / 20000, d["latency_us"]["mean"] * 1e3)' \
	    '"service_histogram" not in d'
	# with rate=, the service times have theirs too
	"$SEQTEST" -j -S -o count=500,rate=5000 "127.0.0.1:$PORT" >"$(T r)"
	json_assert "$(T r)" \
	    'sum(c for _, c in d["service_histogram"]) == d["service_us"]["count"] == 500' \
	    'd["service_histogram_moments"]["min_ns"] / 1e3 == d["service_us"]["min"]'
}

@test "-J: a line for each thing as it happens, start first and summary last" {
	start_replier
	run --separate-stderr "$SEQTEST" -J -s -d -o threads=2,duration=0.6,interval=0.1,rate=1000 \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$(T lines)"
	types=$(json_lines "$(T lines)")
	[ "$(head -n 1 <<<"$types")" = start ]
	[ "$(tail -n 1 <<<"$types")" = summary ]
	[ "$(grep -c '^flow_end$' <<<"$types")" -eq 2 ]
	(( $(grep -c '^interval$' <<<"$types") >= 3 ))
	[ -z "$(grep -vE '^(start|interval|flow_end|peer_view|summary)$' <<<"$types")" ]
	# no interval lines on stderr: they are on stdout
	not grep -q '^\[' <<<"$stderr"
	tail -n 1 "$(T lines)" >"$(T summary)"
	"$SEQTEST" -j -S -o count=10,rate=1000 "127.0.0.1:$PORT" >"$(T doc)"
	JSON_MORE="$(T doc)" json_assert "$(T summary)" \
	    'set(d) - {"type"} == set(e) - {"intervals"}' \
	    'd["sent_msgs"] == sum(f["sent_msgs"] for f in d["flows"]) > 0'
	sed -n 1p "$(T lines)" >"$(T start)"
	json_assert "$(T start)" \
	    'd["addresses"] == ["127.0.0.1 port '"$PORT"'"]' \
	    'd["options"]["threads"] == 2 and d["mode"] == "send"'
}

@test "-J: a flow's first error as a line, with no seqno where it names none" {
	port=$(free_port)
	run --separate-stderr "$SEQTEST" -J -S -o count=5 "127.0.0.1:$port"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >"$(T lines)"
	[ "$(json_lines "$(T lines)" | tr '\n' ' ')" = "start error flow_end summary " ]
	sed -n 2p "$(T lines)" >"$(T err)"
	json_assert "$(T err)" 'd["kind"] == "connect"' 'd["seqno"] is None' \
	    'd["flow"] == 0' 'd["detail"].startswith("connect failed: ")'
	[[ $stderr == *"flow 0 (127.0.0.1 port $port): connect failed: "* ]]
}

# The run is killed where no handler runs: whatever it printed must
# still be whole lines, each valid JSON.
@test "-J: a run killed by SIGKILL leaves only whole lines" {
	start_replier
	out=$(T lines)
	"$SEQTEST" -J -s -o threads=2,duration=60,rate=500,interval=0.1 \
	    "127.0.0.1:$PORT" >"$out" 2>/dev/null &
	pid=$!
	STARTED_PIDS+=("$pid")
	wait_for_line "$out" '"type": "interval".*"end_s": (0\.[4-9]|[1-9])'
	kill -KILL "$pid"
	wait "$pid" || true
	types=$(json_lines "$out")
	[ "$(head -n 1 <<<"$types")" = start ]
	(( $(grep -c '^interval$' <<<"$types") >= 3 ))
	not grep -q '^summary$' <<<"$types"
}

@test "-J: -j and -J together are refused; a usage error is a line" {
	run --separate-stderr "$SEQTEST" -J -j -S 127.0.0.1:9
	[ "$status" -eq 2 ]
	[ "$stderr" = "seqtest: only one of -j and -J may be given" ]
	printf '%s\n' "$output" >"$(T lines)"
	[ "$(json_lines "$(T lines)")" = usage_error ]
	json_assert "$(T lines)" 'd["exit_status"] == 2'
	run --separate-stderr "$SEQTEST" -m -J x.json
	[ "$status" -eq 2 ]
	[[ $stderr == "seqtest: -J is not for -m"* ]]
}

@test "-m: two senders at once against one replier, merged exactly" {
	start_replier
	"$SEQTEST" -j -s -o threads=2,count=15000,ssize_max=3000 "127.0.0.1:$PORT" >"$(T a)" &
	a=$!
	"$SEQTEST" -j -s -o threads=3,count=8000,rinterval=2 "127.0.0.1:$PORT" >"$(T b)" &
	b=$!
	STARTED_PIDS+=("$a" "$b")
	wait "$a"
	wait "$b"
	run --separate-stderr "$SEQTEST" -m -j "$(T a)" "$(T b)"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$(T m)"
	JSON_MORE="$(T a) $(T b)" json_assert "$(T m)" \
	    'd["merged"] == 2 and d["mode"] == "send" and d["version"] == e["version"]' \
	    'all(d[k] == e[k] + f[k] for k in ("connections", "failed", "replies", "sent_msgs", "sent_bytes", "recv_msgs", "recv_bytes"))' \
	    'd["replies"] == 2 * 15000 + 3 * 4001' \
	    'all(d["errors"][k] == e["errors"][k] + f["errors"][k] for k in d["errors"])' \
	    'd["histogram"] == added(e["histogram"], f["histogram"])' \
	    'd["latency_us"]["count"] == e["latency_us"]["count"] + f["latency_us"]["count"]' \
	    'd["latency_us"]["min"] == min(e["latency_us"]["min"], f["latency_us"]["min"])' \
	    'd["latency_us"]["max"] == max(e["latency_us"]["max"], f["latency_us"]["max"])' \
	    'all(close(d["latency_us"][k], pct(added(e["histogram"], f["histogram"]), p) / 1e3) for p, k in ((50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p999")))' \
	    'close(d["latency_us"]["mean"], (e["histogram_moments"]["sum_ns"] + f["histogram_moments"]["sum_ns"]) / d["latency_us"]["count"] / 1e3)' \
	    'd["duration_s"] == max(e["duration_s"], f["duration_s"])' \
	    '[x["source"] for x in d["flows"]] == [0, 0, 1, 1, 1]' \
	    '[x["id"] for x in d["flows"]] == [0, 1, 0, 1, 2]' \
	    'd["exit_status"] == 0'
	# the same from stdin, one report a line; and in text
	cat "$(T a)" "$(T b)" | "$SEQTEST" -m -j - >"$(T stdin)"
	cmp "$(T m)" "$(T stdin)"
	run "$SEQTEST" -m "$(T a)" "$(T b)"
	[ "$status" -eq 0 ]
	[ "$(field Received)" -eq $((2 * 15000 + 3 * 4001)) ]
	grep -q '^Flows: 5, failed 0$' <<<"$output"
	grep -q '^Merged: 2 documents$' <<<"$output"
	p99=$(json_get "$(T m)" '"%.1f" % d["latency_us"]["p99"]')
	grep -q "^99.0%ile: $p99 us$" <<<"$output"
}

@test "-m: the worst exit status, 2 over 1 over 3 over 0" {
	start_replier
	"$SEQTEST" -j -S -o count=10 "127.0.0.1:$PORT" >"$(T ok)"
	for s in 1 2 3; do
		sed "s/\"exit_status\": 0}\$/\"exit_status\": $s}/" "$(T ok)" >"$(T $s)"
	done
	check() {
		local want=$1
		shift
		run "$SEQTEST" -m "$@"
		echo "$* -> $status" >&3
		[ "$status" -eq "$want" ]
	}
	check 0 "$(T ok)" "$(T ok)"
	check 3 "$(T ok)" "$(T 3)"
	check 1 "$(T 3)" "$(T 1)" "$(T ok)"
	check 2 "$(T 1)" "$(T 2)" "$(T 3)"
	run "$SEQTEST" -m -j "$(T 3)" "$(T ok)"
	[ "$(json_value exit_status)" = 3 ]
}

# refused EXPECTED FILE...: -m exits 2 after one line, EXPECTED, and
# with -j prints that line as a JSON document.
refused() {
	local expected=$1
	shift
	run --separate-stderr "$SEQTEST" -m "$@"
	echo "$* -> $status: $stderr" >&3
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "seqtest: $expected" ]
	run --separate-stderr "$SEQTEST" -m -j "$@"
	[ "$status" -eq 2 ]
	[ "$(json_value exit_status)" = 2 ]
}

@test "-m: another version, a cut or non-JSON file, a missing one: exit 2, named" {
	start_replier
	ok=$(T ok.json)
	"$SEQTEST" -j -S -o count=10 "127.0.0.1:$PORT" >"$ok"
	sed 's/"version": "[^"]*"/"version": "0.9"/' "$ok" >"$(T old.json)"
	refused "$(T old.json): byte 0: a report of version 0.9, not $("$SEQTEST" -V | cut -d' ' -f2)" "$ok" "$(T old.json)"
	head -c 15 "$ok" >"$(T cut.json)"
	refused "$(T cut.json): byte 15: the input ends inside a string" "$(T cut.json)"
	head -c -2 "$ok" >"$(T cut2.json)"
	refused "$(T cut2.json): byte $(($(wc -c <"$ok") - 2)): expected ',' or '}'" "$(T cut2.json)"
	echo 'Received 10 replies' >"$(T text)"
	refused "$(T text): byte 0: expected a value" "$ok" "$(T text)"
	printf '{"version": 1.0.0}' >"$(T bad)"
	refused "$(T bad): byte 15: expected ',' or '}'" "$(T bad)"
	refused "$(T missing): No such file or directory" "$ok" "$(T missing)"
	: >"$(T empty)"
	refused "$(T empty): byte 0: no report in it" "$(T empty)"
	echo '{"error": "x", "exit_status": 2}' >"$(T usage)"
	refused "$(T usage): byte 0: no \"version\": not a seqtest report" "$(T usage)"
	"$SEQTEST" -j -s -o count=10 "127.0.0.1:$PORT" >"$(T send.json)"
	refused "$(T send.json): byte 0: a report of mode send among reports of mode sync" "$ok" "$(T send.json)"
	# a bucket's value one above where the bucket starts
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["histogram"][0][0] += 1
print(json.dumps(d))' "$ok" >"$(T shifted)"
	at=$(python3 -c 'import sys; s = open(sys.argv[1]).read()
print(s.index("\"histogram\": [[") + len("\"histogram\": ["))' "$(T shifted)")
	v=$(json_get "$(T shifted)" 'd["histogram"][0][0]')
	refused "$(T shifted): byte $at: $v ns is not where a bucket starts" "$(T shifted)"
	run --separate-stderr "$SEQTEST" -m
	[ "$status" -eq 2 ]
	[ "$stderr" = "seqtest: -m needs a file, or - for the standard input" ]
}

@test "-m: -J's summary line and the replier's final document are the reports taken" {
	start_replier -j -o conns=2
	"$SEQTEST" -J -S -o count=50,interval=0.1 "127.0.0.1:$PORT" >"$(T lines)"
	"$SEQTEST" -j -S -o count=30,rate=2000 "127.0.0.1:$PORT" >"$(T doc)"
	wait "$REPLIER_PID"
	run --separate-stderr "$SEQTEST" -m -j "$(T lines)" "$(T doc)"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$(T m)"
	# one run had a rate: the other's latencies are service times too
	json_assert "$(T m)" 'd["merged"] == 2' 'd["replies"] == 80' \
	    'd["latency_us"]["count"] == d["service_us"]["count"] == 80'
	# the replier's lines of one connection are passed over
	run "$SEQTEST" -m "$REPLIER_OUT"
	[ "$status" -eq 0 ]
	grep -q '^Connections: 2, failed 0$' <<<"$output"
	grep -q '^Received: 80 messages, 3200 bytes$' <<<"$output"
	grep -q '^Merged: 1 documents$' <<<"$output"
}

@test "-j options: threads is the number of flows run, one per address by default" {
	start_replier
	run --separate-stderr "$SEQTEST" -j -S -o count=5 "127.0.0.1:$PORT" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	json_check 'd["options"]["threads"] == 2 == len(d["flows"])'
	run --separate-stderr "$SEQTEST" -j -s -o count=5,threads=3 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	json_check 'd["options"]["threads"] == 3 == len(d["flows"])'
}

# moments EDIT FILE: FILE with the python statement EDIT applied to its
# document d, as one line.
moments() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[2]))
exec(sys.argv[1])
print(json.dumps(d))' "$@"
}

# at_moments FILE: the byte where FILE's "histogram_moments" object
# starts, the one a refusal names.
at_moments() {
	python3 -c 'import sys; s = open(sys.argv[1]).read()
print(s.index("\"histogram_moments\": {") + len("\"histogram_moments\": "))' "$1"
}

@test "-m: moments that do not fit the buckets are refused, named" {
	start_replier
	ok=$(T ok.json)
	"$SEQTEST" -j -S -o count=200 "127.0.0.1:$PORT" >"$ok"
	h='d["histogram_moments"]'
	why="histogram moments that do not match its buckets"
	# a sum that wrapped at 2^64: its mean far above max
	moments "$h[\"sum_ns\"] = ($h[\"sum_ns\"] - 10**12) % 2**64" "$ok" >"$(T wrap)"
	refused "$(T wrap): byte $(at_moments "$(T wrap)"): $why: sum_ns / count is not between min_ns and max_ns" "$(T wrap)"
	# a min and a max the buckets contradict
	moments "$h[\"min_ns\"] = 6" "$ok" >"$(T min)"
	refused "$(T min): byte $(at_moments "$(T min)"): $why: min_ns is not in the first bucket" "$(T min)"
	moments "$h[\"max_ns\"] = 10**12" "$ok" >"$(T max)"
	refused "$(T max): byte $(at_moments "$(T max)"): $why: max_ns is not in the last bucket" "$(T max)"
	moments "$h[\"overflow\"] = 1" "$ok" >"$(T over)"
	refused "$(T over): byte $(at_moments "$(T over)"): $why: overflow does not match max_ns and the top bucket" "$(T over)"
	# the untouched report merges, its figures its own
	run "$SEQTEST" -m -j "$ok" "$ok"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$(T m)"
	JSON_MORE=$ok json_assert "$(T m)" \
	    'd["latency_us"]["min"] == e["latency_us"]["min"]' \
	    'd["latency_us"]["max"] == e["latency_us"]["max"]' \
	    'close(d["latency_us"]["mean"], e["latency_us"]["mean"])'
}

# Two reports that a merge once added into "stddev": inf, which is no
# JSON: a sum of squares beyond count * max^2 is refused, so no sum of
# accepted ones can reach infinity.
@test "-m: never inf or NaN: a sum of squares no values could make is refused" {
	start_replier
	ok=$(T ok.json)
	"$SEQTEST" -j -S -o count=200 "127.0.0.1:$PORT" >"$ok"
	moments 'd["histogram_moments"]["sumsq_ns2"] = 1.7e308' "$ok" >"$(T big)"
	refused "$(T big): byte $(at_moments "$(T big)"): histogram moments that do not match its buckets: sumsq_ns2 is not between count * min_ns^2 and count * max_ns^2" "$(T big)" "$(T big)"
	moments 'd["duration_s"] = 5e-324' "$ok" >"$(T tiny)"
	refused "$(T tiny): byte 0: \"duration_s\" is missing or not a run's seconds (0, or 1e-06 to 1e+12)" "$(T tiny)"
	# values as large as a report holds, merged: finite, and read back
	moments 'd["histogram"] = [[2**37 - 2**26, 1]]
d["histogram_moments"] = {"count": 1, "min_ns": 2**62, "max_ns": 2**62, "sum_ns": 2**62, "sumsq_ns2": float(2**62) ** 2, "overflow": 1}' "$ok" >"$(T top)"
	run --separate-stderr "$SEQTEST" -m -j "$(T top)" "$(T top)" "$ok"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$(T m)"
	not grep -qiE 'inf|nan' "$(T m)"
	json_assert "$(T m)" 'd["latency_us"]["max"] == 2**62 / 1e3' \
	    'd["latency_us"]["stddev"] > 0'
	run "$SEQTEST" -m "$(T m)"
	[ "$status" -eq 0 ]
}

@test "-m: a fault is named where it is: the second document's byte, the count that wraps" {
	start_replier
	ok=$(T ok.json)
	"$SEQTEST" -j -S -o count=20 "127.0.0.1:$PORT" >"$ok"
	moments 'del d["histogram_moments"]' "$ok" >"$(T nomom)"
	cat "$ok" "$(T nomom)" >"$(T two)"
	refused "$(T two): byte $(wc -c <"$ok"): histogram moments missing" "$(T two)"
	# two reports of 2^63 values each: their counts cannot add up
	moments 'd["histogram"] = [[1, 2**63]]
d["histogram_moments"] = {"count": 2**63, "min_ns": 1, "max_ns": 1, "sum_ns": 2**63, "sumsq_ns2": float(2**63), "overflow": 0}' "$ok" >"$(T half)"
	run "$SEQTEST" -m "$(T half)"
	[ "$status" -eq 0 ]
	at=$(python3 -c 'import sys; s = open(sys.argv[1]).read()
print(s.index("\"histogram\": [") + len("\"histogram\": "))' "$(T half)")
	refused "$(T half): byte $at: counts too large to add up" "$(T half)" "$(T half)"
}

# Each document is added to the totals and forgotten, each input freed
# before the next, and a member the merge does not read takes no
# memory: the peak is about the largest input, whatever their number.
@test "-m: memory bounded by the largest input, not by what it reads" {
	start_replier
	ok=$(T ok.json)
	"$SEQTEST" -j -S -o threads=2,count=20 "127.0.0.1:$PORT" >"$ok"
	# a report with a member of 16 MiB that no one reads, [0,0,...],
	# and an input that is such an array alone
	python3 -c 'import json, sys
s = json.dumps(json.load(open(sys.argv[1])))
zeros = "[" + "0," * (8 << 20) + "0]"
open(sys.argv[2], "w").write(s[:-1] + ", \"pad\": " + zeros + "}\n")
open(sys.argv[3], "w").write(zeros + "\n")' "$ok" "$(T pad)" "$(T arr)"
	size=$(( $(stat -c %s "$(T pad)") / 1024 ))
	# ASan's allocator keeps what is freed in quarantine and copies on
	# every realloc: its peak is its own, not seqtest's.  The bounds are
	# checked in the native and static passes.
	if ! asan_build; then
		one=$(peak_kib "$SEQTEST" -m "$(T pad)")
		three=$(peak_kib "$SEQTEST" -m -j "$(T pad)" "$(T pad)" "$(T pad)")
		echo "input $size KiB: peak $one KiB for one, $three KiB for three" >&3
		(( one <= 2 * size + 8192 ))
		(( three <= 2 * size + 8192 ))
	fi
	run --separate-stderr "$SEQTEST" -m -j "$(T pad)" "$(T pad)" "$(T pad)"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$(T m)"
	JSON_MORE=$ok json_assert "$(T m)" 'd["merged"] == 3' \
	    'd["replies"] == 3 * e["replies"]' \
	    '[x["source"] for x in d["flows"]] == [0, 0, 1, 1, 2, 2]' \
	    'd["histogram"] == added(e["histogram"], e["histogram"], e["histogram"])'
	# the array alone is refused once it holds more values than any
	# report: its tree stops there
	run --separate-stderr "$SEQTEST" -m "$(T arr)"
	[ "$status" -eq 2 ]
	[[ $stderr =~ ^"seqtest: $(T arr): byte "[0-9]+": more values than a report holds"$ ]]
	asan_build && return
	arr=$(peak_kib "$SEQTEST" -m "$(T arr)")
	echo "the array alone: peak $arr KiB" >&3
	(( arr <= size + 48 * 1024 ))
}
