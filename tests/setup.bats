#!/usr/bin/env bats
# The README's first command on a bare machine: `make demo` must build and
# link in the one run that installs the libraries.  Simulated with a
# pkg-config that knows no package until a stand-in bootstrap has
# "installed" them (it then answers as the real one does).

load test_helper

# A copy of the checkout as a clone would have it (tracked files only, no
# build), a pkg-config that knows nothing until $TMP/installed exists, and
# a bootstrap that creates it and logs each call.
bare_machine() {
	mkdir -p "$TMP/src" "$TMP/fakebin"
	(cd "$ROOT" && git ls-files -z | xargs -0 cp --parents -t "$TMP/src")
	real=$(command -v pkg-config)
	cat > "$TMP/fakebin/pkg-config" <<-SH
	#!/bin/sh
	[ -e "$TMP/installed" ] && exec "$real" "\$@"
	echo "Package gsl was not found in the pkg-config search path." >&2
	exit 1
	SH
	cat > "$TMP/bootstrap" <<-SH
	#!/bin/sh
	echo "bootstrap \$*" >> "$TMP/bootstrap.log"
	touch "$TMP/installed"
	SH
	chmod +x "$TMP/fakebin/pkg-config" "$TMP/bootstrap"
	export PATH="$TMP/fakebin:$PATH"
	# A user's make, not this suite's: `make asan` passes its BUILD, BIN
	# and OPT down through the environment.
	unset FLO_DB BUILD BIN OPT MAKEFLAGS MFLAGS MAKELEVEL
}

@test "bare machine: make demo bootstraps, finds the libraries and links in its first run (-j2)" {
	bare_machine
	run pkg-config --exists gsl lmdb
	assert_failure
	run make -C "$TMP/src" -j2 demo BOOTSTRAP="$TMP/bootstrap"
	assert_success
	assert_output --partial "19945 customers scored and segmented"
	refute_output --partial "undefined reference"
	[ -x "$TMP/src/bin/flo-score" ]
	grep -q '^PKG_LIBS = .*-lgsl.*-llmdb' "$TMP/src/build/config.mk"
}

@test "bare machine: a plain make says what is missing; make clean does not bootstrap" {
	bare_machine
	run make -C "$TMP/src" all BOOTSTRAP="$TMP/bootstrap"
	assert_failure
	assert_output --partial "flo: missing libraries (gsl, lmdb): run scripts/bootstrap, or make demo"
	[ ! -e "$TMP/bootstrap.log" ]
	run make -C "$TMP/src" clean BOOTSTRAP="$TMP/bootstrap"
	assert_success
	[ ! -e "$TMP/bootstrap.log" ]
	[ ! -e "$TMP/src/build" ]
}

@test "check-lib: the built libflo passes; an archive with a call to exit, and an include running up, are refused" {
	lib="$ROOT/${BUILD:-build}/libflo.a"
	run "$ROOT/scripts/check-lib" "$lib"
	assert_success
	printf '#include <stdlib.h>\nvoid flo_gone(void);\nvoid flo_gone(void) { exit(1); }\n' > "$TMP/gone.c"
	cc -c "$TMP/gone.c" -o "$TMP/gone.o"
	cp "$lib" "$TMP/libflo.a"
	ar rs "$TMP/libflo.a" "$TMP/gone.o"
	run "$ROOT/scripts/check-lib" "$TMP/libflo.a"
	assert_failure
	assert_output --partial "gone.o:"
	assert_output --partial "U exit"
	assert_output --partial "libflo must not exit or print"
	mkdir -p "$TMP/src/scripts"
	cp -r "$ROOT/lib" "$TMP/src/"
	cp "$ROOT/scripts/check-lib" "$TMP/src/scripts/"
	echo '#include "store/store.h"' >> "$TMP/src/lib/base/arena.h"
	run "$TMP/src/scripts/check-lib" "$lib"
	assert_failure
	assert_output --partial 'lib/base/arena.h includes "store/store.h": lib/base may include only base'
}
