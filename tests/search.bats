#!/usr/bin/env bats
# search=: the highest rate at which the conditions hold.  rdelay= is a
# fixed service time per message, so a flow of rdelay=1 ms takes 1000
# msg/s: the search must bisect its way to that knee.  How close it
# lands is a timing claim, which a shared, busy host moves: bench/search
# measures it (within 5%, with four flows and a tbf too).  Here the
# answer must be nearer the knee than either rate a search without its
# bisection would answer (the start, 600, or the first double, 1200).

load helper

teardown() {
	netns_teardown
}

# The median within twenty service times (1 ms), and no error.
CONDS='search=p50<20ms/errors=0'

@test "one flow of rdelay=1ms: the search bisects to the knee at 1000 msg/s" {
	start_replier
	run --separate-stderr "$SEQTEST" -s -j \
	    -o "rdelay=1000000,rate=600,$CONDS" "127.0.0.1:$PORT"
	echo "exit $status; stderr: $stderr"
	echo "$output"
	[ "$status" -eq 0 ]
	json_check 'len(d["search"]["steps"]) <= d["options"]["search_steps"]'
	json_check 'd["search"]["precision"] <= 0.01 and d["exit_status"] == 0'
	json_check '800 < d["search"]["rate"] * d["search"]["flows"] < 1150'
}

@test "the table, one line a step, and the answer on its own line" {
	start_replier
	run --separate-stderr "$SEQTEST" -S \
	    -o 'rate=100,search_max=400,duration=0.3,search=errors=0' \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Search: errors=0, 1 flow, steps of 0.3 s" ]
	[[ ${lines[2]} == "step       rate    offered   achieved     p50 us     p99 us  errors  result" ]]
	[[ ${lines[3]} =~ ^\ +1\ +100\ +100\.0\ +[0-9.]+\ +[0-9.]+\ +[0-9.]+\ +0\ +held$ ]]
	[[ ${lines[4]} =~ ^\ +2\ +200\ +200\.0\ .*\ held$ ]]
	[[ ${lines[5]} =~ ^\ +3\ +400\ +400\.0\ .*\ held$ ]]
	[ "${lines[6]}" = "Highest rate: rate=400 a flow, 400 msg/s in all; none missed: at least this, 3 steps" ]
	[ "${#lines[@]}" -eq 7 ]
}

@test "-J: a line a step, then the search" {
	start_replier
	run --separate-stderr "$SEQTEST" -S -J \
	    -o 'rate=100,search_max=200,duration=0.3,search=errors=0' \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	python3 -c 'import json, sys
t = [json.loads(l) for l in sys.stdin]
assert [x["type"] for x in t] == ["start", "step", "step", "search"], t
assert [x["rate"] for x in t[1:3]] == [100, 200]
assert all(x["held"] and x["errors"] == 0 for x in t[1:3])
assert t[3]["search"]["rate"] == 200 and t[3]["exit_status"] == 0
steps = [{k: v for k, v in x.items() if k != "type"} for x in t[1:3]]
assert t[3]["search"]["steps"] == steps' <<<"$output"
}

@test "even the lowest rate missed: exit 3, every step missed twice at most" {
	start_replier
	run --separate-stderr "$SEQTEST" -S -j \
	    -o 'rate=100,duration=0.3,search=p50<1ns' "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	json_check 'd["search"]["rate"] is None and d["search"]["missed_rate"] == 100'
	json_check '[s["held"] for s in d["search"]["steps"]] == [False, False]'
	run "$SEQTEST" -S -o 'rate=100,duration=0.3,search=p50<1ns' \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	[ "${lines[-1]}" = "Highest rate: none: rate=100, the lowest, missed" ]
}

@test "a step that fails (no one listening) ends the search: exit 1" {
	port=$(free_port)
	run "$SEQTEST" -S -o 'rate=100,duration=0.3,search=errors=0' \
	    "127.0.0.1:$port"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "Highest rate: none: step 1 failed" ]
	[ "$(grep -c '  failed$' <<<"$output")" -eq 1 ]
}

@test "search=: what a search cannot take is refused, exit 2" {
	bad() {
		run "$SEQTEST" -S -o "$2" 127.0.0.1:9
		[ "$status" -eq 2 ]
		[ "$output" = "seqtest: $1" ]
	}
	bad "option search: 'p98<2ms': unknown key 'p98' (p50, p90, p99, p999, max, mean, errors, replies, rate, mbps)" 'search=p98<2ms'
	bad "option count: not with search=, whose steps each run for duration=" 'search=errors=0,count=5'
	bad "option expect: not with search=, whose steps each run for duration=" 'search=errors=0,expect=errors=0'
	bad "option duration: a search's steps need one" 'search=errors=0,duration=0'
	bad "option rate: a search starts at a rate from 1 to search_max=50, not 100" 'search=errors=0,search_max=50'
	bad "option search_steps: 1 is out of range (2 to 100)" 'search=errors=0,search_steps=1'
}

@test "plot=: the knee curve, p50 and p99 against the rate offered, a dot a step" {
	start_replier
	svg=$BATS_TEST_TMPDIR/knee.svg
	run --separate-stderr "$SEQTEST" -s -o "threads=2,rate=100,search_max=400,duration=0.3,search=errors=0,plot=$svg" \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	svg_assert "$svg" \
	    'points(g("knee"), "s a") == 2 and points(g("knee"), "s b") == 2' \
	    'len([c for c in g("knee").iter(NS + "circle") if c.get("fill") == "#2ca02c"]) == 3' \
	    '[t for t in texts(g("knee")) if t in ("p50", "p99", "highest held")] == ["p50", "p99", "highest held"]' \
	    're.search(r"search: 3 steps, highest rate held 400 a flow, 2 flows<", raw)' \
	    '"search=errors=0" in raw'
	svg_renders "$svg"
	run "$SEQTEST" -s -o 'search=errors=0,plot=/nonexistent/knee.svg' "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	[[ $output == *"seqtest: plot /nonexistent/knee.svg: No such file or directory"* ]]
	[ "${lines[-1]}" = "Highest rate: none: no step ran" ]
}
