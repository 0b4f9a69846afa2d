#!/usr/bin/env bats
# A real small system: a busybox machine under qemu (256 MiB, no KVM
# needed), booted once for the file from an initramfs of busybox-static,
# the static seqtest and tests/vm/init, with Debian's cloud kernel.  The
# machine runs its cases and says their verdicts on its console; the
# network between it and the host is qemu's user-mode one (libslirp), a
# TCP stack that nobody here wrote.  Build the binary with make static.

load helper

VM_DIR=$BATS_TEST_DIRNAME/vm
STATIC=$BATS_TEST_DIRNAME/../seqtest-static
# The guest's own port that the host's forwarded port reaches.
VM_PORT=9000
# Every message size between these, both ways; a watchdog longer than
# the stalls of a machine emulated on a busy host.
MIXED=ssize_min=40,ssize_max=8000,rsize_min=40,rsize_max=4000,timeout=120

# vm_kernel: the version of a kernel under /boot that has the virtio-net
# modules; Debian's cloud kernel first.
vm_kernel() {
	local k v
	for k in /boot/vmlinuz-*-cloud-amd64 /boot/vmlinuz-*; do
		v=${k#/boot/vmlinuz-}
		[[ -r $k ]] && [[ -n $(find "/lib/modules/$v" -name 'virtio_net.ko*' 2>/dev/null) ]] &&
		    { echo "$v"; return 0; }
	done
	return 1
}

# vm_missing: what the machine needs and is not here, with its package,
# or nothing: qemu, cpio, a static busybox, a kernel with virtio-net and
# seqtest-static.
vm_missing() {
	local tool
	for tool in qemu-system-x86_64:qemu-system-x86 cpio:cpio \
	    busybox:busybox-static; do
		command -v "${tool%%:*}" >/dev/null ||
		    { echo "${tool%%:*} is not installed (${tool#*:})"; return; }
	done
	if readelf -lW "$(command -v busybox)" | grep -q INTERP; then
		echo "busybox is not the static one (busybox-static)"
	elif ! VM_KERNEL=$(vm_kernel); then
		echo "no readable /boot/vmlinuz with virtio_net (linux-image-cloud-amd64)"
	elif [[ ! -x $STATIC ]]; then
		echo "seqtest-static is not built (make static)"
	fi
}

# vm_case NAME: the console's lines of case NAME, its exit line last.
vm_case() {
	sed -n "/^vm: case $1 begin\$/,/^vm: case $1 exit /p" "$CONSOLE" |
	    sed '1d'
}

# vm_status NAME: the exit status the machine gave for case NAME.
vm_status() {
	sed -n "s/^vm: case $1 exit //p" "$CONSOLE"
}

# boot_vm HOSTFWD: starts the machine in the background, the host's
# 127.0.0.1:HOSTFWD forwarded to its VM_PORT; QEMU_PID.
boot_vm() {
	qemu-system-x86_64 -m 256M -nographic -no-reboot \
	    -kernel "/boot/vmlinuz-$VM_KERNEL" -initrd "$VM_INITRD" \
	    -append "console=ttyS0 quiet panic=-1 SEQTEST_VM_HOSTPORT=$PORT SEQTEST_VM_PORT=$VM_PORT SEQTEST_VM_CASES=loop-s,loop-S,to-host,from-host" \
	    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$1-:$VM_PORT" \
	    -device virtio-net-pci,netdev=n0,romfile= \
	    </dev/null >"$RAW_CONSOLE" 2>&1 3>&- &
	QEMU_PID=$!
	echo "$QEMU_PID" >"$BATS_FILE_TMPDIR/qemu.pid"
}

# console_line RE TENTHS: bounded wait for a line of the console, which
# ends its lines with CR LF.
console_line() {
	local tries=$2
	while ((tries-- > 0)); do
		tr -d '\r' <"$RAW_CONSOLE" >"$CONSOLE"
		grep -qE "$1" "$CONSOLE" && return 0
		is_running "$QEMU_PID" || break
		sleep 0.1
	done
	tr -d '\r' <"$RAW_CONSOLE" >"$CONSOLE"
	grep -qE "$1" "$CONSOLE"
}

# The machine boots once; its cases run in one boot, the host's sender
# against the machine's replier among them.  All the tests read what
# this left in BATS_FILE_TMPDIR.
setup_file() {
	local port tries rc why
	# bats skips from setup, not from here: the reason goes to a file.
	why=$(vm_missing)
	if [[ -n $why && ${CI:-} == true ]]; then
		echo "$why: required under CI" >&3
		return 1
	fi
	# The machine runs seqtest-static whatever the pass: once will do.
	if [[ -z $why && ($SEQTEST == *-asan || $SEQTEST == *-static) ]]; then
		why="the machine runs seqtest-static in every pass of make check"
	fi
	if [[ -n $why ]]; then
		echo "$why" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	VM_KERNEL=$(vm_kernel)
	export CONSOLE=$BATS_FILE_TMPDIR/console
	RAW_CONSOLE=$BATS_FILE_TMPDIR/console.raw
	VM_INITRD=$BATS_FILE_TMPDIR/initrd.gz
	"$VM_DIR/build" "$VM_INITRD" "$STATIC" "$VM_KERNEL"
	start_replier -o timeout=120
	echo "$REPLIER_PID" >"$BATS_FILE_TMPDIR/replier.pid"
	# qemu cannot take port 0: a free one, another when it was taken.
	for tries in 1 2 3; do
		port=$(free_port)
		boot_vm "$port"
		console_line '^vm: replier listening$' 1200 && break
		grep -q "Could not set up host forwarding" "$RAW_CONSOLE" || break
		stop_pid "$QEMU_PID"
	done
	# The host's sender, through qemu's forwarded port.
	rc=0
	"$SEQTEST" -s -o "threads=4,count=500,$MIXED" "127.0.0.1:$port" \
	    >"$BATS_FILE_TMPDIR/host.out" 2>&1 3>&- || rc=$?
	echo "$rc" >"$BATS_FILE_TMPDIR/host.status"
	console_line '^vm: end$' 3000 || true
	all_gone 100 "$QEMU_PID" || true
	stop_pid "$QEMU_PID"
	rm -f "$BATS_FILE_TMPDIR/qemu.pid"
	stop_replier
	rm -f "$BATS_FILE_TMPDIR/replier.pid"
	cp "$REPLIER_OUT" "$BATS_FILE_TMPDIR/host-replier.out"
}

setup() {
	if [[ -f $BATS_FILE_TMPDIR/skip ]]; then
		skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	fi
}

teardown_file() {
	local f
	for f in qemu replier; do
		if [[ -f $BATS_FILE_TMPDIR/$f.pid ]]; then
			stop_pid "$(cat "$BATS_FILE_TMPDIR/$f.pid")"
		fi
	done
	return 0
}

# vm_ok NAME FLOWS: case NAME exited 0 with no error and FLOWS flows.
vm_ok() {
	local out
	out=$(vm_case "$1")
	echo "$out"
	[ "$(vm_status "$1")" = 0 ]
	grep -qx "Flows: $2, failed 0" <<<"$out"
	grep -qx 'Errors: 0' <<<"$out"
}

@test "vm: the machine boots, loads virtio-net and ends" {
	not grep -q '^vm: insmod .* failed' "$CONSOLE"
	grep -qx 'vm: end' "$CONSOLE"
}

@test "vm: -s on the machine's loopback, mixed sizes" {
	vm_ok loop-s 4
	# a reply to every other request and to the last
	vm_case loop-s | grep -qx 'Received 1004 replies'
	vm_case loop-s | grep -qx 'replier: exit 0'
}

@test "vm: -S on the machine's loopback, mixed sizes" {
	vm_ok loop-S 4
	vm_case loop-S | grep -qx 'Received 1200 replies'
}

@test "vm: the machine's sender to the host's replier, through slirp" {
	vm_ok to-host 4
	vm_case to-host | grep -qx 'Received 2000 replies'
	grep -qx 'Errors: 0' "$BATS_FILE_TMPDIR/host-replier.out"
	grep -qx 'Received: 2000 messages, [0-9]* bytes' "$BATS_FILE_TMPDIR/host-replier.out"
}

@test "vm: the host's sender to the machine's replier, through hostfwd" {
	cat "$BATS_FILE_TMPDIR/host.out"
	[ "$(cat "$BATS_FILE_TMPDIR/host.status")" = 0 ]
	grep -qx 'Flows: 4, failed 0' "$BATS_FILE_TMPDIR/host.out"
	grep -qx 'Errors: 0' "$BATS_FILE_TMPDIR/host.out"
	grep -qx 'Received 2000 replies' "$BATS_FILE_TMPDIR/host.out"
	[ "$(vm_status from-host)" = 0 ]
}

@test "vm: the OOM killer never came" {
	grep -qx 'vm: case oom exit 0' "$CONSOLE"
	[ "$(vm_case oom)" = 'vm: case oom exit 0' ]
}
