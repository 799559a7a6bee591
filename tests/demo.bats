#!/usr/bin/env bats
# scripts/demo (`make demo`): the whole pipeline on the bundled FLO data.
# The numbers checked here are properties any correct run has (every
# customer scored with finite numbers, quartiles of 19,945 customers), not
# values taken from the run itself.

load test_helper

# The demo, once for the file, into a folder of its own.
setup_file() {
	export OUT="$BATS_FILE_TMPDIR/demo"
	"$ROOT/scripts/demo" "$OUT" > "$BATS_FILE_TMPDIR/stdout" 2> "$BATS_FILE_TMPDIR/stderr"
}

@test "demo: runs quietly and leaves the store and the files it names" {
	[ ! -s "$BATS_FILE_TMPDIR/stderr" ]
	for f in flo.lmdb summary.csv model.json scored.csv customers.csv; do
		[ -e "$OUT/$f" ]
	done
	run grep -c . "$OUT/customers.csv"
	assert_output 19946
}

@test "demo: prints the fitted models and their warnings in words" {
	run cat "$BATS_FILE_TMPDIR/stdout"
	assert_line --regexp '^BG/NBD +r = [0-9.]+ alpha = [0-9.]+ a = [0-9.e+-]+ b = [0-9.e+-]+$'
	assert_line --regexp '^Gamma-Gamma +p = [0-9.]+ q = [0-9.]+ v = [0-9.]+$'
	# the FLO data identify no dropout: the fit says so
	assert_line --regexp '^ +warning: no dropout is identified'
	assert_line --regexp 'corr\(frequency, monetary\) = -?[0-9.]+'
}

@test "demo: the per-segment summary table, four quartiles of 19,945 customers" {
	run cat "$BATS_FILE_TMPDIR/stdout"
	assert_line --regexp '^segment +count +frequency +recency +T +monetary +p_alive +exp_purchases_12 +exp_purchases_24 +exp_avg_value +clv +clv_sum$'
	# qcut of 19,945 values into 4: 4,987 in the lowest group, 4,986 in the others
	assert_line --regexp '^D +4987( +[0-9.]+){10}$'
	assert_line --regexp '^C +4986( +[0-9.]+){10}$'
	assert_line --regexp '^B +4986( +[0-9.]+){10}$'
	assert_line --regexp '^A +4986( +[0-9.]+){10}$'
	# mean CLV rises from D to A
	run awk '$1 ~ /^[DCBA]$/ { print $(NF - 1) }' "$BATS_FILE_TMPDIR/stdout"
	[ "${#lines[@]}" -eq 4 ]
	awk -v a="${lines[0]}" -v b="${lines[1]}" -v c="${lines[2]}" -v d="${lines[3]}" \
		'BEGIN { exit !(a < b && b < c && c < d) }'
}

@test "demo: every customer scored with finite numbers and segmented" {
	flo-cat -o tsv "$OUT/customers.csv" > "$TMP/c.tsv"
	run awk -F'\t' '
	  NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	  { n++
	    for (f in at) if (f ~ /^(p_alive|exp_purchases_12|exp_purchases_24|exp_avg_value|clv)$/) {
	      v = $(at[f]); if (v !~ /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ || v + 0 > 1e9) bad++ }
	    if ($(at["p_alive"]) > 1) bad++
	    seg[$(at["segment"])]++
	    if ($(at["interested_in_categories_12"]) !~ /^\[/) bad++ }
	  END { print n, bad + 0, seg["D"], seg["C"], seg["B"], seg["A"] }' "$TMP/c.tsv"
	assert_output "19945 0 4987 4986 4986 4986"
	# the input's customers, each once
	[ "$(cut -f1 "$TMP/c.tsv" | sed 1d | sort -u | wc -l)" -eq 19945 ]
}

@test "demo: the stored model and cut points serve the live pipeline afterwards" {
	export FLO_DB="$OUT/flo.lmdb"
	# customers re-scored one at a time, from a pipe, get the batch's numbers and segments
	head -200 "$OUT/summary.csv" | flo-score | flo-segment --cuts default > "$TMP/live.csv"
	run diff "$TMP/live.csv" <(head -200 "$OUT/customers.csv")
	assert_success
	run flo-segment --print-cuts --cuts default
	assert_success
	[ "$(echo "$output" | jq -c '[.field, .groups, .records, .labels]')" = '["clv",4,19945,["D","C","B","A"]]' ]
	# and the demo showed that pipeline
	grep -q 'flo-segment --cuts default' "$BATS_FILE_TMPDIR/stdout"
}

@test "demo: a second run replaces its own files and keeps others in the folder" {
	touch "$OUT/mine.txt"
	run --separate-stderr "$ROOT/scripts/demo" "$OUT"
	assert_success
	[ -e "$OUT/mine.txt" ]
	# the same output: the run is deterministic
	[ "$output" = "$(cat "$BATS_FILE_TMPDIR/stdout")" ]
}

@test "demo: flo-check's tables and flo-plot's charts, 800x500 PNGs, their paths printed" {
	for f in flo_counts flo_matrix_purchases flo_matrix_alive flo_clv_segments cdnow_tracking cdnow_tracking_weekly cdnow_holdout; do
		[ "$(od -An -tx1 -N8 "$OUT/$f.png" | tr -d ' ')" = 89504e470d0a1a0a ]
		[ "$(od -An -tu1 -j16 -N8 "$OUT/$f.png" | awk '{ print ($3 * 256 + $4), ($7 * 256 + $8) }')" = "800 500" ]
		grep -qx "   $OUT/$f.png" "$BATS_FILE_TMPDIR/stdout"
	done
	# the counts' expected sum to the FLO customers (every one has a repeat purchase)
	awk -F, 'NR > 1 { a += $2; e += $3 } NR == 2 { zero = $2 } END { d = e - 19945; if (d < 0) d = -d; exit !(a == 19945 && zero == 0 && d < 1e-6) }' "$OUT/checks/flo_counts.csv"
}
