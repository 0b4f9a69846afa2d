#!/usr/bin/env bats
# What a flow takes: -d says it, and a run that would need more memory
# than the system has is refused before it starts.
# seqtest: serial (it reads the memory the system has free)

load helper

# avail_mib: MemAvailable from /proc/meminfo, in MiB.
avail_mib() {
	awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo
}

# per_flow TEXT: the "N KiB a flow" figure of a memory line.
per_flow() {
	sed -n 's/.* (\([0-9]*\) KiB a flow).*/\1/p' <<<"$1"
}

@test "-d: says what a flow takes and what the system has" {
	[ -r /proc/meminfo ] || skip "no /proc/meminfo"
	start_replier
	run --separate-stderr "$SEQTEST" -d -s -o count=100,threads=4 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	line=$(grep '^seqtest: memory: ' <<<"$stderr")
	[[ $line =~ ^seqtest:\ memory:\ 4\ flows\ need\ about\ [0-9]+\ MiB\ here\ \([0-9]+\ KiB\ a\ flow\),\ of\ ([0-9]+)\ MiB\ available:\ room\ for\ [0-9]+$ ]]
	# the real figure, read a moment apart
	have=${BASH_REMATCH[1]}
	now=$(avail_mib)
	(( have * 10 > now * 9 && have * 9 < now * 10 ))
}

@test "-d: one flow, and larger messages take more" {
	start_replier
	run --separate-stderr "$SEQTEST" -d -S -o count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $stderr == *"seqtest: memory: 1 flow needs about "* ]]
	small=$(per_flow "$stderr")
	run --separate-stderr "$SEQTEST" -d -S -o count=10,ssize=8000,rsize=8000 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	large=$(per_flow "$stderr")
	echo "a flow: 40 B $small KiB, 8000 B $large KiB" >&3
	(( small > 0 && large > small ))
}

@test "more flows than the memory holds: one line, exit 2, nothing sent" {
	start_replier
	SEQTEST_MEM_AVAILABLE=65536 run --separate-stderr "$SEQTEST" -s -o threads=1000,count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr =~ ^seqtest:\ 1000\ flows\ need\ about\ [0-9]+\ MiB\ here\ \([0-9]+\ KiB\ a\ flow\),\ more\ than\ the\ 64\ MiB\ available:\ at\ most\ [0-9]+\ fit$ ]]
	stop_replier
	grep -q '^Connections: 0, failed 0$' "$REPLIER_OUT"
}

@test "the same run fits when the memory does" {
	start_replier -o maxconn=200
	SEQTEST_MEM_AVAILABLE=1048576 run "$SEQTEST" -s -o threads=100,count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Flows: 100, failed 0"* ]]
}

@test "more flows than the memory holds, -j: a JSON document, exit 2" {
	SEQTEST_MEM_AVAILABLE=65536 run --separate-stderr "$SEQTEST" -j -s -o threads=1000 127.0.0.1:9
	[ "$status" -eq 2 ]
	[[ $(json_value error) == "1000 flows need about "*"more than the 64 MiB available: at most "*" fit" ]]
	[ "$(json_value exit_status)" = 2 ]
}

@test "SEQTEST_MEM_AVAILABLE that is not a number: exit 2, naming it" {
	SEQTEST_MEM_AVAILABLE=64M run --separate-stderr "$SEQTEST" -S 127.0.0.1:9
	[ "$status" -eq 2 ]
	[ "$stderr" = "seqtest: SEQTEST_MEM_AVAILABLE=64M: not a number of KiB" ]
}

# room: the "room for N" or "at most N fit" of a memory line.
room() {
	sed -n 's/.*: \(room for\|at most\) \([0-9]*\).*/\2/p' <<<"$1"
}

@test "the flows that fit: that many run, one more is refused" {
	start_replier -o maxconn=100
	export SEQTEST_MEM_AVAILABLE=16384
	run --separate-stderr "$SEQTEST" -d -s -o threads=1,count=1 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	max=$(room "$stderr")
	(( max > 1 && max < 100 ))
	run "$SEQTEST" -s -o threads=$max,count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[[ $output == *"Flows: $max, failed 0"* ]]
	run --separate-stderr "$SEQTEST" -s -o threads=$((max + 1)),count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 2 ]
	[[ $stderr == *"more than the 16 MiB available: at most $max fit" ]]
}

@test "SEQTEST_MEM_AVAILABLE below a MiB is that figure, not unknown" {
	for kib in 0 1 1023; do
		SEQTEST_MEM_AVAILABLE=$kib run --separate-stderr "$SEQTEST" -S 127.0.0.1:9
		[ "$status" -eq 2 ]
		[[ $stderr =~ ^seqtest:\ 1\ flow\ needs\ about\ [0-9]+\ MiB\ here\ \([0-9]+\ KiB\ a\ flow\),\ more\ than\ the\ $kib\ KiB\ available:\ at\ most\ 0\ fit$ ]]
	done
}

@test "SEQTEST_MEM_AVAILABLE too large for bytes: exit 2, with the limit" {
	for kib in 18014398509481984 18446744073709551615 99999999999999999999999; do
		SEQTEST_MEM_AVAILABLE=$kib run --separate-stderr "$SEQTEST" -S 127.0.0.1:9
		[ "$status" -eq 2 ]
		[ "$stderr" = "seqtest: SEQTEST_MEM_AVAILABLE=$kib: more than 18014398509481983 KiB" ]
	done
	SEQTEST_MEM_AVAILABLE=18014398509481983 run --separate-stderr "$SEQTEST" -d -S -o count=1 127.0.0.1:9
	[[ $stderr == *"seqtest: memory: 1 flow needs about "*", of 17592186044415 MiB available: room for "* ]]
}

@test "the replier is not checked: its connections come and go" {
	SEQTEST_MEM_AVAILABLE=1 start_replier -o conns=1
	run "$SEQTEST" -S -o count=10 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
}

# A worker's latencies reach the supervisor as tables of non-empty
# buckets, many of them over a long flow: none may be lost on the way.
@test "latency tables: every reply's latency is in the report, -s and -S" {
	start_replier
	for mode in -s -S; do
		run --separate-stderr "$SEQTEST" -j "$mode" -o threads=4,count=40000,ssize_min=40,ssize_max=400,rsize_min=40,rsize_max=400,rdelay_max=20000 "127.0.0.1:$PORT"
		[ "$status" -eq 0 ]
		[ "$(json_value replies)" = 160000 ]
		[ "$(json_value latency_us.count)" = 160000 ]
	done
}

@test "interval lines with -s: each interval's own percentiles, from live tables" {
	start_replier
	run "$SEQTEST" -s -o threads=4,duration=1.1,interval=0.25,rate=4000 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	n=$(grep -cE "$(interval_re '[1-9][0-9]*')" <<<"$output")
	# four intervals and the last part
	(( n >= 3 && n <= 6 ))
}

# The replier's memory over a thousand connections, twice.  Native only
# (make check): an ASan build's children, each with its leak check at
# exit, are not reaped in time for the next connection on 2 busy cores.
@test "a thousand connections: served, reaped, memory flat, listener alive" {
	start_replier
	rss() { awk '/^VmRSS/ { print $2 }' "/proc/$REPLIER_PID/status"; }
	run "$BATS_TEST_DIRNAME/hostile" 127.0.0.1 "$PORT" many 1000
	[ "$status" -eq 0 ]
	[ "$output" = "opened 1000" ]
	run "$SEQTEST" -S -o count=50 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	r1=$(rss)
	run "$BATS_TEST_DIRNAME/hostile" 127.0.0.1 "$PORT" many 1000
	[ "$status" -eq 0 ]
	run "$SEQTEST" -S -o count=50 "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	r2=$(rss)
	echo "replier RSS after 1001 connections $r1 KiB, after 2002 $r2 KiB" >&3
	(( r2 * 100 <= r1 * 105 ))
	# every connection child reaped: none left once they have ended.
	# A loaded machine may take seconds to run a thousand children to
	# their end; 20 s is still short of the 30 s idle timeout, so a child
	# that waited on a peer already gone fails here.
	for i in $(seq 200); do
		[ -z "$(children_of "$REPLIER_PID")" ] && break
		sleep 0.1
	done
	echo "connection children all ended within $(( (i - 1) * 100 )) ms" >&3
	for c in $(children_of "$REPLIER_PID"); do
		echo "left: $(cat "/proc/$c/stat" 2>/dev/null)"
	done
	[ -z "$(children_of "$REPLIER_PID")" ]
	stop_replier
	grep -q '^Connections: 2002, failed 0$' "$REPLIER_OUT"
}
