#!/usr/bin/env bats
# The manual page: clean mdoc, and in step with the code it documents.
# Names are read from the sources, so a new option, error kind or usage
# line fails here until the page has it too.

load helper

SRC="$BATS_TEST_DIRNAME/.."
MAN="$SRC/man/seqtest.1"

# render: the page as plain text (no overstrike), wide enough not to wrap.
render() {
	mandoc -Tascii -Owidth=200 "$MAN" | LC_ALL=C sed 's/.\x08//g'
}

# section NAME: the mdoc source of one section, without its .Sh line.
section() {
	awk -v name="$1" '
	    /^\.Sh / { on = ($0 == ".Sh " name); next }
	    on' "$MAN"
}

# item_text NAME: the source of the -o option item for NAME, on one line.
item_text() {
	awk -v name="$1" '
	    /^\.It / { on = index($0, " Cm " name " Ns = ") > 0 }
	    on' "$MAN" | tr '\n' ' '
}

# c_strings FILE ARRAY: the string literals of a C array initialiser.
c_strings() {
	sed -n "/$2\\[.*\\] = {/,/^};/p" "$1" | grep -o '"[^"]*"' | tr -d '"'
}

@test "man page: mandoc -Tlint is clean" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint "$MAN"
	# Whether SEE ALSO's pages are installed, or indexed, depends on the
	# host, not on the page.
	remaining=$(grep -v -e 'referenced manual not found' \
	    -e 'outdated mandoc.db' <<<"$output" || true)
	[ -z "$remaining" ] || { echo "$remaining" >&3; false; }
}

@test "man page: every -o option in options.c's opt_defs is documented" {
	# A RANGE line is three options: NAME, NAME_min and NAME_max.
	names=$(sed -nE '/opt_defs\[\] = \{/,/^};/ {
	    s/^[[:space:]]*RANGE\([A-Z]*, "([a-z_0-9]*)".*/\1 \1_min \1_max/p
	    s/^[[:space:]]*FIELD\([A-Z]*, "([a-z_0-9]*)".*/\1/p
	}' "$SRC/options.c")
	[ "$(wc -w <<<"$names")" -ge 10 ]
	for name in $names; do
		# listed as an option item, "name=value"
		grep -Eq "^\\.It (.* , )?Cm $name Ns = " "$MAN" ||
		    { echo "option $name is not in the page" >&3; false; }
	done
}

@test "man page: the defaults match config.h" {
	for pair in count:DEF_COUNT rinterval:DEF_RINTERVAL \
	    timeout:DEF_TIMEOUT maxconn:DEF_MAXCONN rdelay:DEF_RDLY_LIMIT; do
		name=${pair%%:*}
		def=$(sed -n "s/^#define[[:space:]]*${pair#*:}[[:space:]]*\\([0-9]*\\).*/\\1/p" "$SRC/config.h")
		[ -n "$def" ]
		item_text "$name" | grep -Eq "default is $def([^0-9]|$)" ||
		    { echo "$name: no 'default is $def'" >&3; false; }
	done
}

@test "man page: SYNOPSIS has each usage() line of seqtest.c" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	synopsis=$(render | awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
	    tr -s ' \n' '  ')
	usage=$(sed -nE 's/^"(usage: )? *(seqtest .*)\\n"$/\2/p' "$SRC/seqtest.c")
	[ "$(wc -l <<<"$usage")" -ge 4 ]
	while IFS= read -r line; do
		[[ $synopsis == *"$(tr -s ' ' <<<"$line")"* ]] ||
		    { echo "not in SYNOPSIS: $line" >&3; false; }
	done <<<"$usage"
	for flag in -s -S -r; do
		[[ $synopsis == *"seqtest $flag "* ]]
	done
	[[ $synopsis == *"seqtest -h | -V"* ]]
}

@test "man page: EXIT STATUS gives 0, 1 and 2" {
	grep -q '^\.Sh EXIT STATUS$' "$MAN"
	for status in 0 1 2; do
		section "EXIT STATUS" | grep -q "^\\.It $status\$"
	done
}

@test "man page: DIAGNOSTICS lists the error kinds of errors.c, in order" {
	# In enum order: WIRE FORMAT numbers the kinds by this list.
	kinds=$(c_strings "$SRC/errors.c" kind_names)
	[ "$(wc -l <<<"$kinds")" -ge 10 ]
	listed=$(section DIAGNOSTICS | grep -xF -f <(sed 's/^/.It /' <<<"$kinds") |
	    sed 's/^\.It //')
	[ "$listed" = "$kinds" ] || {
		echo "errors.c: $(echo $kinds)" >&3
		echo "page:     $(echo $listed)" >&3
		false
	}
}

@test "man page: OUTPUT lists the JSON error keys of errors.c" {
	keys=$(c_strings "$SRC/errors.c" kind_keys)
	[ "$(wc -l <<<"$keys")" -ge 10 ]
	out=$(section OUTPUT)
	while IFS= read -r key; do
		grep -Eq "(Cm|,) $key( ,|$)" <<<"$out" ||
		    { echo "JSON key '$key' is not in OUTPUT" >&3; false; }
	done <<<"$keys"
}

@test "man page: OUTPUT lists every key of the JSON options object" {
	start_replier
	"$SEQTEST" -j -S -o count=1 "127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/j"
	keys=$(python3 -c 'import json, sys
print("\n".join(json.load(open(sys.argv[1]))["options"]))' "$BATS_TEST_TMPDIR/j")
	[ "$(wc -l <<<"$keys")" -ge 20 ]
	# The text of the ".It Cm options" item, up to the next item.
	item=$(section OUTPUT | awk '/^\.It / { on = ($0 == ".It Cm options") } on')
	while IFS= read -r key; do
		grep -Eq "(Cm|,) $key( [,.]|$)" <<<"$item" ||
		    { echo "JSON options key '$key' is not in OUTPUT" >&3; false; }
	done <<<"$keys"
}
