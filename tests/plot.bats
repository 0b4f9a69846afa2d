#!/usr/bin/env bats
# plot=: one self-contained SVG file with the latency over time and the
# percentile spectrum, which parses as XML and which rsvg-convert
# renders; of a run, with or without interval=, with a stall, and of
# -m's merge.

load helper

# Both plots, their axes with units, the title with the command.
PLOTS=(
	'len(texts(g("latency-over-time"))) > 0 and len(texts(g("percentile-spectrum"))) > 0'
	'"time since the start (s)" in texts(g("latency-over-time"))'
	'"latency (log scale)" in texts(g("latency-over-time")) + texts(g("percentile-spectrum"))'
	'any(re.fullmatch(r"10* (ns|us|ms|s)", t) for t in texts(g("latency-over-time")))'
	'"percentile (log scale of 1/(1-p))" in texts(g("percentile-spectrum"))'
	'all(p in texts(g("percentile-spectrum")) for p in ("0%", "90%", "99%", "99.9%"))'
	're.search(r"seqtest [0-9.]+, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, ", raw)'
)

@test "plot=: with interval=, both plots, three series, the title with the options" {
	start_replier
	svg=$BATS_TEST_TMPDIR/run.svg
	run "$SEQTEST" -S -o count=1500,rate=1000,interval=0.25,plot="$svg" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^\[' <<<"$output")" -ge 5 ]
	svg_assert "$svg" "${PLOTS[@]}" \
	    'all(points(g("latency-over-time"), "s " + c) >= 5 for c in "abc")' \
	    '[t for t in texts(g("latency-over-time")) if t in ("p50", "p99", "max", "errors", "stall")] == ["p50", "p99", "max", "errors", "stall"]' \
	    'path(g("latency-over-time"), "e") == "" and path(g("latency-over-time"), "k") == ""' \
	    '"response time" in texts(g("percentile-spectrum")) and "service time" in texts(g("percentile-spectrum"))' \
	    'points(g("percentile-spectrum"), "s a") > 10 and points(g("percentile-spectrum"), "s b") > 10' \
	    "''.join(''.join(t.itertext()) for t in root.iter(NS + 'text') if t.get('class') == 't') == '$SEQTEST -S -o count=1500,rate=1000,interval=0.25,plot=$svg 127.0.0.1:$PORT'" \
	    're.search(r", 1500 replies, errors: 0<", raw)'
	svg_renders "$svg"
}

@test "plot=: without interval=, its own intervals and no interval line" {
	start_replier
	svg=$BATS_TEST_TMPDIR/run.svg
	# 2000 messages a millisecond apart, without rate=: one latency.
	run "$SEQTEST" -S -o count=2000,sdelay=1000000,plot="$svg" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	not grep -q '^\[' <<<"$output"
	# At 0.1 s, 20 points over the 2 s or more, but for gaps.
	svg_assert "$svg" "${PLOTS[@]}" \
	    'all(points(g("latency-over-time"), "s " + c) >= 15 for c in "abc")' \
	    '"latency" in texts(g("percentile-spectrum")) and "service time" not in raw'
	svg_renders "$svg"
	# -j keeps interval='s intervals only, and none go to stderr.
	run --separate-stderr "$SEQTEST" -j -S -o count=300,rate=1000,plot="$svg" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	json_check 'd["intervals"] == [] and d["options"]["plot"].endswith("run.svg")'
}

@test "plot=: a stall is a band and an error a mark, where they happened" {
	start_replier -d
	svg=$BATS_TEST_TMPDIR/stall.svg
	run_sender_bg -S -o threads=2,count=4000,rate=1000,timeout=1,plot="$svg" "127.0.0.1:$PORT"
	child=$(connection_child 0)
	[ -n "$child" ]
	stop_process "$child"
	wait_for_line "$SENDER_ERR" 'stalled: no progress for 1 s'
	kill -CONT "$child"
	wait_sender
	cat "$SENDER_ERR"
	[ "$SENDER_STATUS" -eq 1 ]
	grep -q '^Errors: 1 (stalled 1)$' "$SENDER_OUT"
	# One band, one mark, at the same time (x), and the other flow's
	# latencies after it.
	svg_assert "$svg" "${PLOTS[@]}" \
	    'path(g("latency-over-time"), "k").count("M") == 1' \
	    'path(g("latency-over-time"), "e").count("M") == 1' \
	    're.search(r"H([0-9.]+)v", path(g("latency-over-time"), "k")).group(1) == re.match(r"M([0-9.]+) ", path(g("latency-over-time"), "e")).group(1)' \
	    'points(g("latency-over-time"), "s a") >= 25' \
	    're.search(r", errors: 1<", raw)'
	svg_renders "$svg"
}

@test "plot=: -m plots the merged spectrum, and notes that it has no time plot" {
	start_replier
	for r in a b; do
		"$SEQTEST" -j -S -o count=500 "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/$r.json"
	done
	svg=$BATS_TEST_TMPDIR/merged.svg
	run "$SEQTEST" -m -o plot="$svg" "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	[ "$status" -eq 0 ]
	grep -q '^Merged: 2 documents$' <<<"$output"
	svg_assert "$svg" "${PLOTS[@]:1:6}" \
	    '"seqtest -m: 2 reports of mode sync merged" in raw' \
	    '"no time plot: the runs merged did not start together" in texts(g("latency-over-time"))' \
	    'path(g("latency-over-time"), "s a") == ""' \
	    'points(g("percentile-spectrum"), "s a") > 10' \
	    're.search(r", 1000 replies, errors: 0<", raw)'
	svg_renders "$svg"
	bad '-m takes no -o option but plot=' -m -o plot="$svg",count=1 "$BATS_TEST_TMPDIR/a.json"
}

@test "plot=: a file that cannot be created: exit 2 before the run; one not written: exit 1" {
	start_replier
	bad 'plot /nonexistent/x.svg: No such file or directory' \
	    -S -o count=10,plot=/nonexistent/x.svg "127.0.0.1:$PORT"
	[[ -w /dev/full ]] || skip "no /dev/full"
	run --separate-stderr "$SEQTEST" -j -S -o count=10,plot=/dev/full "127.0.0.1:$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "seqtest: plot /dev/full: No space left on device" ]
	json_check 'd["exit_status"] == 1 and d["replies"] == 10'
	run --separate-stderr "$SEQTEST" -m -o plot=/nonexistent/x.svg <(echo "$output")
	[ "$status" -eq 2 ]
	[ "$stderr" = "seqtest: plot /nonexistent/x.svg: No such file or directory" ]
}

@test "plot=: options the user gave are XML-escaped, and the file still parses" {
	start_replier
	svg=$BATS_TEST_TMPDIR/esc.svg
	dump="$BATS_TEST_TMPDIR/a<&\"'>b"
	run "$SEQTEST" -S -o count=50,plot="$svg" -o "dump=$dump" "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ -s "$dump" ]
	svg_assert "$svg" \
	    '"a&lt;&amp;&quot;&apos;\\&apos;&apos;&gt;b&apos;" in raw'
	svg_renders "$svg"
}

# The title's command is what was typed, in that order, and a shell
# reads it back as the same arguments: it can be pasted.
@test "plot=: the title is the command as typed, quoted to paste back" {
	start_replier
	svg=$BATS_TEST_TMPDIR/cmd.svg
	args=(-S -o "plot=$svg" -o count=20,rinterval=2 -o "dump=$BATS_TEST_TMPDIR/it's a <dump>" "127.0.0.1:$PORT")
	run "$SEQTEST" "${args[@]}"
	[ "$status" -eq 0 ]
	python3 - "$svg" "$SEQTEST" "${args[@]}" <<'PY'
import shlex, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
lines = [t for t in root.iter("{http://www.w3.org/2000/svg}text")
         if t.get("class") == "t"]
title = "".join("".join(t.itertext()) for t in lines)
print(title)
if shlex.split(title) != sys.argv[2:]:
    sys.exit("the title does not read back as the arguments: %r" % title)
PY
}
