#!/usr/bin/env bats
# make install and uninstall with PREFIX and DESTDIR.

load helper

@test "make install puts the binary and the page under DESTDIR/PREFIX" {
	d=$BATS_TEST_TMPDIR/root
	make -C "$BATS_TEST_DIRNAME/.." -s install DESTDIR="$d" PREFIX=/opt/st
	[ -x "$d/opt/st/bin/seqtest" ]
	[ -f "$d/opt/st/share/man/man1/seqtest.1" ]
	run "$d/opt/st/bin/seqtest" -V
	[ "$status" -eq 0 ]
	[[ $output == "seqtest "* ]]
	[ "$(stat -c %a "$d/opt/st/bin/seqtest")" = 755 ]
	[ "$(stat -c %a "$d/opt/st/share/man/man1/seqtest.1")" = 644 ]
	make -C "$BATS_TEST_DIRNAME/.." -s uninstall DESTDIR="$d" PREFIX=/opt/st
	[ ! -e "$d/opt/st/bin/seqtest" ]
	[ ! -e "$d/opt/st/share/man/man1/seqtest.1" ]
}

@test "the default PREFIX is /usr/local" {
	d=$BATS_TEST_TMPDIR/root
	make -C "$BATS_TEST_DIRNAME/.." -s install DESTDIR="$d"
	[ -x "$d/usr/local/bin/seqtest" ]
	[ -f "$d/usr/local/share/man/man1/seqtest.1" ]
}
