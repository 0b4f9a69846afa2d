# Once before any test file, bats tests or one file alone: the binary
# under test, for the files that know only $SEQTEST and the PATH, as
# tests/example.bats, the README's example, does.

setup_suite() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return 1
	export SEQTEST="${SEQTEST:-$top/seqtest}"
}
