#!/usr/bin/env bats
# make install PREFIX=... DESTDIR=...: the tools and their man pages.

load test_helper

@test "make install puts the tools and man pages under DESTDIR/PREFIX, make uninstall removes them" {
	run make -s -C "$ROOT" install PREFIX=/opt/flo DESTDIR="$TMP/root"
	assert_success
	for t in flo-rfm flo-fit flo-score flo-segment flo-check flo-plot flo-cat flo-part flo-simulate; do
		[ -x "$TMP/root/opt/flo/bin/$t" ]
		[ -s "$TMP/root/opt/flo/share/man/man1/$t.1" ]
		grep -q "^\.TH $(echo "$t" | tr a-z A-Z) 1" "$TMP/root/opt/flo/share/man/man1/$t.1"
	done
	"$TMP/root/opt/flo/bin/flo-cat" --version
	run make -s -C "$ROOT" uninstall PREFIX=/opt/flo DESTDIR="$TMP/root"
	assert_success
	[ -z "$(find "$TMP/root" -type f)" ]
}
