#!/usr/bin/env bats
# The manual page: clean mdoc, and in step with the code it documents.
# Names are read from the program or its sources, so a new option, error
# kind or usage line fails here until the page has it too.

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

# h_options [GROUP]: the -o option names seqtest -h lists (those of the
# group whose heading ends "for GROUP:"), a range's "NAME[_min,_max]" as
# its three names.
h_options() {
	"$SEQTEST" -h | awk -v group="${1:-}" '
	    /^options / { on = (group == "") }
	    /^[^ ]/ && group != "" { on = index($0, "for " group ":") > 0; next }
	    /^see / { on = 0 }
	    on' |
	    grep -oE '(^| )[a-z][a-z_0-9]*(\[_min,_max\])?=' |
	    sed -E 's/^ //; s/=$//; s/^(.*)\[_min,_max\]$/\1 \1_min \1_max/' |
	    tr ' ' '\n'
}

@test "man page: every -o option that seqtest -h lists is documented" {
	names=$(h_options)
	[ "$(wc -l <<<"$names")" -ge 20 ]
	for name in $names; do
		# listed as an option item, "name=value"
		grep -Eq "^\\.It (.* , )?Cm $name Ns = " "$MAN" ||
		    { echo "option $name is not in the page" >&3; false; }
	done
}

# same_names LIST GROUP: the names of an English list ("a, b and c") are
# the options of seqtest -h's GROUP, a range by its plain name.
same_names() {
	local listed shown
	listed=$(sed -E 's/,? and |, /\n/g' <<<"$1" | sort)
	# A range's ends go, not an option that ends so (search_max).
	ends=$("$SEQTEST" -h | grep -oE '[a-z][a-z_0-9]*\[_min,_max\]' |
	    sed -E 's/^(.*)\[_min,_max\]$/^\1_min$\n^\1_max$/')
	shown=$(h_options "$2" | grep -v -f <(echo "$ends") | sort)
	[ "$(wc -l <<<"$shown")" -ge 2 ] && [ "$listed" = "$shown" ] && return
	echo "$2: page: $(echo $listed)" >&3
	echo "$2: -h:   $(echo $shown)" >&3
	return 1
}

@test "man page: the options for one side only are those of seqtest -h" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	text=$(render | tr -s ' \n' '  ')
	# "a, b and c are for the senders only, d and e for the replier only;"
	senders=$(sed -E 's/.*[.:] ([a-z_, ]*) are for the senders only.*/\1/' <<<"$text")
	replier=$(sed -E 's/.* for the senders only, ([a-z_ ]*) for the replier only.*/\1/' <<<"$text")
	same_names "$senders" "senders (-s, -S)"
	same_names "$replier" "the replier (-r)"
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

@test "man page: SYNOPSIS has each usage line of seqtest -h" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	synopsis=$(render | awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
	    tr -s ' \n' '  ')
	usage=$("$SEQTEST" -h | sed -nE 's/^(usage: )? *(seqtest .*)$/\2/p')
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

@test "man page: EXIT STATUS gives 0, 1, 2 and 3" {
	grep -q '^\.Sh EXIT STATUS$' "$MAN"
	for status in 0 1 2 3; do
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

@test "man page: OUTPUT lists the JSON tcp keys of tcpinfo.c and report.c" {
	keys=$(c_strings "$SRC/tcpinfo.c" tcpv_keys
	    grep -o 'json_u64_or_null(fp, "[a-z_0-9]*"' "$SRC/report.c" | cut -d'"' -f2)
	[ "$(wc -l <<<"$keys")" -ge 13 ]
	out=$(section OUTPUT)
	while IFS= read -r key; do
		grep -Eq "(Cm|,) $key( ,|$)" <<<"$out" ||
		    { echo "JSON key '$key' is not in OUTPUT" >&3; false; }
	done <<<"$keys"
}

# The bats example of EXAMPLES and of the README is tests/example.bats,
# which the suite runs: the three cannot drift apart.
@test "man page and README: the bats example is tests/example.bats, as written" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	file=$SRC/tests/example.bats
	example=$(expand "$file")
	[ "$(wc -l <"$file")" -ge 10 ]
	# The page's, from the file's first line on, without its indent.
	page=$(render | awk -v first="$(head -n 1 "$file")" \
	    -v n="$(wc -l <"$file")" '
	    !on && (at = index($0, first)) > 0 { on = 1; indent = at - 1 }
	    on && n-- > 0 { print substr($0, indent + 1) }')
	[ "$page" = "$example" ] ||
	    { diff <(echo "$page") <(echo "$example") >&3; false; }
	# The README's: the fenced block that starts as the file does.
	readme=$(awk -v first="$(head -n 1 "$file")" '
	    /^```/ { if (keep) exit; on = !on; top = on; next }
	    on && top { keep = ($0 == first); top = 0 }
	    on && keep' "$SRC/README.md")
	[ "$readme" = "$(cat "$file")" ] ||
	    { diff <(echo "$readme") "$file" >&3; false; }
}
