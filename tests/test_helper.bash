# Loaded by every .bats file: bats-support and bats-assert, the tools on
bats_require_minimum_version 1.5.0
# PATH (the plain build, or the one named by FLO_BIN), a C locale, and a
# temporary folder per test.
bats_load_library bats-support
bats_load_library bats-assert

export LC_ALL=C
unset FLO_THREADS # the CPUs this machine gives; tests that need a count set it
TESTS_DIR="$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)"
ROOT="$(cd "$TESTS_DIR/.." && pwd)"
DATA="$TESTS_DIR/data"
export PATH="${FLO_BIN:-$ROOT/bin}:$PATH"

setup() {
	TMP="$(mktemp -d)"
	export FLO_DB="$TMP/flo.lmdb"
}

teardown() {
	rm -rf "$TMP"
}
