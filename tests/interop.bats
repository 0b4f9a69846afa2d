#!/usr/bin/env bats
# Interop under qemu-user: seqtest built for s390x (64-bit big-endian) and
# arm (32-bit little-endian) against the native build, each way, on
# loopback.  Headers are built byte by byte (proto.c), so a host that put
# its own struct layout on the wire fails here.  Build them: make cross.

load helper

# Every header field varies: sizes, seqnos, and rdly, which the replier
# refuses above 1 s, so a byte-swapped one (0xe8030000 ns) cannot pass.
OPTS=count=10000,ssize_min=40,ssize_max=3000,rsize_min=40,rsize_max=3000
OPTS+=,rdelay_max=1000,seed=20240601

# need_cross ARCH: sets XRUN to run seqtest-ARCH under qemu-ARCH, or skips.
need_cross() {
	local bin=$BATS_TEST_DIRNAME/../seqtest-$1
	[ -x "$bin" ] || skip "seqtest-$1 not built (make cross-$1)"
	command -v "qemu-$1" >/dev/null ||
	    skip "qemu-$1 not found (install qemu-user)"
	XRUN=("qemu-$1" "$bin")
}

# start_cross_replier: start_replier, with "${XRUN[@]}" as the replier.
start_cross_replier() {
	REPLIER_ERR=$BATS_TEST_TMPDIR/replier.err
	REPLIER_OUT=$BATS_TEST_TMPDIR/replier.out
	"${XRUN[@]}" -r 127.0.0.1:0 >"$REPLIER_OUT" 2>"$REPLIER_ERR" &
	REPLIER_PID=$!
	STARTED_PIDS+=("$REPLIER_PID")
	wait_for_line "$REPLIER_ERR" '^Listening on ' 300 || return 1
	PORT=$(port_of "$REPLIER_ERR")
}

# check_exchange MODE SENDER...: SENDER sends OPTS to $PORT; both sides
# end with exit 0 and no errors, and agree on the bytes each way.
check_exchange() {
	local mode=$1 sent recv
	shift
	run timeout 300 "$@" "$mode" -o "$OPTS" "127.0.0.1:$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Received 10000 replies"* ]]
	grep -qx 'Errors: 0' <<<"$output"
	sent=$(sed -n 's/^Sent: 10000 messages, \([0-9]*\) bytes$/\1/p' \
	    <<<"$output")
	recv=$(sed -n 's/^Received: 10000 messages, \([0-9]*\) bytes$/\1/p' \
	    <<<"$output")
	[ -n "$sent" ]
	[ -n "$recv" ]
	stop_replier
	cat "$REPLIER_OUT" "$REPLIER_ERR"
	[ "$REPLIER_RC" -eq 0 ]
	grep -qx 'Connections: 1, failed 0' "$REPLIER_OUT"
	grep -qx "Received: 10000 messages, $sent bytes" "$REPLIER_OUT"
	grep -qx "Sent: 10000 replies, $recv bytes" "$REPLIER_OUT"
	grep -qx 'Errors: 0' "$REPLIER_OUT"
}

# le_at HEX OFF LEN: the little-endian number at byte OFF of HEX ("00 1f ..").
le_at() {
	local -a b=($1)
	local v=0 i
	for ((i = $2 + $3 - 1; i >= $2; i--)); do
		v=$(((v << 8) | 16#${b[i]}))
	done
	echo "$v"
}

# check_hand_request: a request written here from the byte table in
# proto.h (seqno 0, ts1 0x0102030405060708, rdly 0, ssz 48, rsz 56, then
# seqno 0's pattern, byte = offset) must get that table's reply back.
check_hand_request() {
	local req fd hex ts2 ts3

	req='\0\0\0\0\0\0\0\0\10\7\6\5\4\3\2\1'
	req+='\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\60\0\70\0'
	req+='\50\51\52\53\54\55\56\57'
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	printf "$req" >&"$fd"
	hex=$(timeout 10 head -c 56 <&"$fd" | od -An -v -tx1 | tr -s ' \n' ' ')
	exec {fd}<&-
	echo "reply:$hex"
	# seqno 0, ts1 echoed; rdly 0, ssz 48, rsz 56; the pattern of reply 0.
	[[ ${hex:0:48} == " 00 00 00 00 00 00 00 00 08 07 06 05 04 03 02 01" ]]
	[[ ${hex:96} == " 00 00 00 00 30 00 38 00 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 " ]]
	# ts2 and ts3 are the replier's clock: byte-swapped they would be far
	# apart or backwards.
	ts2=$(le_at "$hex" 16 8)
	ts3=$(le_at "$hex" 24 8)
	echo "ts2 $ts2 ts3 $ts3"
	((ts2 > 0 && ts3 >= ts2 && ts3 - ts2 < 10000000000))
	stop_replier
	[ "$REPLIER_RC" -eq 0 ]
	grep -qx 'Received: 1 messages, 48 bytes' "$REPLIER_OUT"
	grep -qx 'Sent: 1 replies, 56 bytes' "$REPLIER_OUT"
	grep -qx 'Errors: 0' "$REPLIER_OUT"
}

# check_same_sizes ARCH: with one seed, the native sender and ARCH's ask for
# the same sizes, message by message (the dump's rsz and ssz columns).
check_same_sizes() {
	local d=$BATS_TEST_TMPDIR
	start_replier
	run timeout 300 "$SEQTEST" -S -o "$OPTS,dump=$d/native" \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	run timeout 300 "${XRUN[@]}" -S -o "$OPTS,dump=$d/$1" \
	    "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	awk 'NR > 1 { print $4, $5 }' "$d/native" >"$d/native.sizes"
	awk 'NR > 1 { print $4, $5 }' "$d/$1" >"$d/$1.sizes"
	[ "$(wc -l <"$d/native.sizes")" -eq 10000 ]
	cmp "$d/native.sizes" "$d/$1.sizes"
}

@test "native replier answers a request built from the byte table" {
	start_replier
	check_hand_request
}

@test "s390x replier answers a request built from the byte table" {
	need_cross s390x
	start_cross_replier
	check_hand_request
}

@test "arm replier answers a request built from the byte table" {
	need_cross arm
	start_cross_replier
	check_hand_request
}

@test "s390x sender -s, native replier: 10^4 random sizes, no errors" {
	need_cross s390x
	start_replier
	check_exchange -s "${XRUN[@]}"
}

@test "s390x sender -S, native replier: 10^4 random sizes, no errors" {
	need_cross s390x
	start_replier
	check_exchange -S "${XRUN[@]}"
}

@test "native sender -s, s390x replier: 10^4 random sizes, no errors" {
	need_cross s390x
	start_cross_replier
	check_exchange -s "$SEQTEST"
}

@test "native sender -S, s390x replier: 10^4 random sizes, no errors" {
	need_cross s390x
	start_cross_replier
	check_exchange -S "$SEQTEST"
}

@test "arm sender -s, native replier: 10^4 random sizes, no errors" {
	need_cross arm
	start_replier
	check_exchange -s "${XRUN[@]}"
}

@test "arm sender -S, native replier: 10^4 random sizes, no errors" {
	need_cross arm
	start_replier
	check_exchange -S "${XRUN[@]}"
}

@test "native sender -s, arm replier: 10^4 random sizes, no errors" {
	need_cross arm
	start_cross_replier
	check_exchange -s "$SEQTEST"
}

@test "native sender -S, arm replier: 10^4 random sizes, no errors" {
	need_cross arm
	start_cross_replier
	check_exchange -S "$SEQTEST"
}

@test "one seed gives the same sizes on s390x as on this host" {
	need_cross s390x
	check_same_sizes s390x
}

@test "one seed gives the same sizes on arm as on this host" {
	need_cross arm
	check_same_sizes arm
}
