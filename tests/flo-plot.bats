#!/usr/bin/env bats
# flo-plot: flo-check's tables drawn by gnuplot.  The images are checked for
# what can be checked without looking: a PNG of the stated size (the IHDR
# chunk's width and height), an SVG of the stated size without gnuplot's
# version line, the same bytes from the same table, and the errors.

load test_helper

CDNOW="--bgnbd 0.243,4.414,0.793,2.426"

# png_size FILE: "W H" from the PNG signature and IHDR chunk.
png_size() {
	od -An -tu1 -j16 -N8 "$1" | awk '{ print ($1 * 16777216 + $2 * 65536 + $3 * 256 + $4), ($5 * 16777216 + $6 * 65536 + $7 * 256 + $8) }'
}

is_png() {
	[ "$(od -An -tx1 -N8 "$1" | tr -d ' ')" = 89504e470d0a1a0a ] &&
		[ "$(od -An -c -j12 -N4 "$1" | tr -d ' ')" = IHDR ]
}

tables() {
	flo-rfm --as-of 1997-09-30 --holdout-end 1998-06-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	flo-check --check tracking --as-of 1997-09-30 $CDNOW "$DATA/cdnow.csv" > "$TMP/tracking.csv"
	flo-check --check holdout --holdout 39 $CDNOW "$TMP/s.csv" > "$TMP/holdout.csv"
	flo-check --check counts $CDNOW "$TMP/s.csv" > "$TMP/counts.csv"
	flo-check --check matrix --T 38.86 --max-frequency 20 --horizon 12 $CDNOW > "$TMP/matrix.csv"
	printf 'customer_id,clv,segment\na,10,D\nb,20,D\nc,30,C\nd,45,C\ne,60,B\nf,70,B\ng,150,A\nh,300,A\n' > "$TMP/seg.csv"
}

kind_table() {
	case $1 in
	tracking|tracking-weekly) echo tracking ;;
	matrix-*) echo matrix ;;
	clv-segments) echo seg ;;
	*) echo "$1" ;;
	esac
}

@test "every kind: a PNG of 800x500 by default, the same bytes when drawn again" {
	tables
	for k in tracking tracking-weekly holdout counts matrix-purchases matrix-alive clv-segments; do
		t=$(kind_table $k)
		run flo-plot $k -o "$TMP/$k.png" "$TMP/$t.csv"
		assert_success
		is_png "$TMP/$k.png"
		[ "$(png_size "$TMP/$k.png")" = "800 500" ]
		flo-plot $k -o "$TMP/$k.again.png" < "$TMP/$t.csv"
		cmp "$TMP/$k.png" "$TMP/$k.again.png"
	done
}

@test "--size, SVG, and any input format: the same chart from JSON Lines" {
	tables
	flo-plot holdout --size 1024,640 -o "$TMP/h.png" "$TMP/holdout.csv"
	[ "$(png_size "$TMP/h.png")" = "1024 640" ]
	flo-cat -o jsonl "$TMP/holdout.csv" > "$TMP/holdout.jsonl"
	flo-plot holdout --size 1024,640 -o "$TMP/hj.png" "$TMP/holdout.jsonl"
	cmp "$TMP/h.png" "$TMP/hj.png"
	flo-plot tracking -o "$TMP/t.svg" "$TMP/tracking.csv"
	flo-plot tracking -o "$TMP/t2.svg" "$TMP/tracking.csv"
	cmp "$TMP/t.svg" "$TMP/t2.svg"
	grep -q '^ width="800" height="500"$' "$TMP/t.svg"
	! grep -q 'GNUPLOT' "$TMP/t.svg"
	grep -q 'Cumulative repeat transactions' "$TMP/t.svg"
	grep -q 'end of calibration' "$TMP/t.svg"
}

@test "the README's charts: the committed PNGs are valid 800x500 images" {
	for f in flo_counts flo_matrix_purchases flo_matrix_alive flo_clv_segments cdnow_tracking cdnow_tracking_weekly cdnow_holdout; do
		is_png "$ROOT/examples/charts/$f.png"
		[ "$(png_size "$ROOT/examples/charts/$f.png")" = "800 500" ]
		grep -q "examples/charts/$f.png" "$ROOT/README.md"
	done
}

@test "errors: usage (2), a table of another kind (65), unreadable input (66)" {
	tables
	run flo-plot -o "$TMP/x.png" "$TMP/holdout.csv"
	assert_failure 2
	run flo-plot nope -o "$TMP/x.png" "$TMP/holdout.csv"
	assert_failure 2
	assert_output --partial 'unknown kind: "nope"'
	run flo-plot holdout "$TMP/holdout.csv"
	assert_failure 2
	assert_output --partial "-o FILE is required"
	run flo-plot holdout -o "$TMP/x.gif" "$TMP/holdout.csv"
	assert_failure 2
	run flo-plot holdout --size 800x500 -o "$TMP/x.png" "$TMP/holdout.csv"
	assert_failure 2
	run flo-plot tracking -o "$TMP/x.png" "$TMP/holdout.csv"
	assert_failure 65
	assert_output --partial "flo-plot: the input is not a tracking table"
	[ ! -e "$TMP/x.png" ]
	run flo-plot holdout -o "$TMP/x.png" "$TMP/nothere.csv"
	assert_failure 66
	run flo-plot --help
	assert_success
	assert_line --index 0 "usage: flo-plot KIND -o FILE [options] [file]"
}
