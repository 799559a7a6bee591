#!/usr/bin/env bats
# Intervals (issue 19): flo-fit's per-parameter intervals in the document and
# --summary, flo-score --interval's per-customer bounds.  The golden values
# are scipy's (scripts/golden/profile_ci.py); the calibration on simulated
# data is tests/unit/test_intervals.c.

load test_helper

cdnow_summary() {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null
}

# near GOT WANT REL: |got - want| <= rel |want|
near() {
	awk -v g="$1" -v w="$2" -v r="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w;
		if (d > r * a) { print "got " g ", want " w " (rel " r ")"; exit 1 } }'
}

@test "CDNOW: profile intervals and Wald standard errors as scipy computes them" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --no-store --intervals profile "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	iv() { jq -r ".$1.intervals.$2 | \"\(.se) \(.lower) \(.upper) \(.method)\"" "$TMP/m.json"; }
	# scripts/golden/profile_ci.py: se (numerical Hessian), profile lower, upper
	while read -r model p se lo hi; do
		read -r gse glo ghi method <<< "$(iv "$model" "$p")"
		[ "$method" = profile ]
		near "$gse" "$se" 1e-4
		near "$glo" "$lo" 1e-4
		near "$ghi" "$hi" 1e-4
	done <<-'EOF'
		bgnbd r 0.0125574 0.219259 0.268602
		bgnbd alpha 0.378224 3.7239 5.21173
		bgnbd a 0.185733 0.515358 1.31879
		bgnbd b 0.70541 1.42961 4.56691
		gamma_gamma p 1.19005 4.47834 9.64353
		gamma_gamma q 0.290132 3.23124 4.38124
		gamma_gamma v 4.15939 8.61219 25.2808
	EOF
}

@test "CDNOW: by default Wald on the log scale for the BG/NBD, profile for the Gamma-Gamma" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --no-store "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	[ "$(jq -r '[.bgnbd.intervals | to_entries[] | select(.key != "level") | .value.method] | unique | join(",")' "$TMP/m.json")" = wald-log ]
	[ "$(jq -r '[.gamma_gamma.intervals | to_entries[] | select(.key != "level") | .value.method] | unique | join(",")' "$TMP/m.json")" = profile ]
	[ "$(jq .bgnbd.intervals.level "$TMP/m.json")" = 0.95 ]
	# Wald on the log scale: exp(ln r -+ 1.959964 se(ln r)), se(ln r) = se(r)/r
	jq -r '.bgnbd.intervals.r | "\(.estimate) \(.se) \(.lower) \(.upper)"' "$TMP/m.json" |
		awk '{ s = $2 / $1; lo = $1 * exp(-1.959963985 * s); hi = $1 * exp(1.959963985 * s);
		       if ((lo - $3)^2 > (1e-9 * lo)^2 || (hi - $4)^2 > (1e-9 * hi)^2) exit 1 }'
	# the covariance of the log-parameters: its diagonal is (se/estimate)^2
	jq -r '[.bgnbd.covariance.matrix[1][1], .bgnbd.se.alpha, .bgnbd.params.alpha] | @tsv' "$TMP/m.json" |
		awk '{ w = ($2 / $3)^2; if (($1 - w)^2 > (1e-6 * w)^2) exit 1 }'
	# --level narrows them
	flo-fit --no-store --level 0.5 "$TMP/s.csv" 2>/dev/null > "$TMP/m50.json"
	[ "$(jq '.bgnbd.intervals.r.upper < '"$(jq .bgnbd.intervals.r.upper "$TMP/m.json")" "$TMP/m50.json")" = true ]
}

@test "FLO: the boundary fit's intervals say in words which bound does not exist; no nan or inf" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" 2>/dev/null > "$TMP/s.csv"
	flo-fit --no-store "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	! grep -Eiq 'nan|inf[^oe]' "$TMP/m.json"
	[ "$(jq .bgnbd.intervals.a.upper "$TMP/m.json")" = null ]
	[ "$(jq -r .bgnbd.intervals.a.note "$TMP/m.json")" = "upper bound: none — the likelihood stays within the threshold as a grows" ]
	[ "$(jq -r .bgnbd.intervals.b.note "$TMP/m.json")" = "upper bound: none — the likelihood stays within the threshold as b grows" ]
	[ "$(jq -r .bgnbd.intervals.a.method "$TMP/m.json")" = profile ]
	[ "$(jq '.bgnbd.intervals.r.lower < .bgnbd.params.r and .bgnbd.params.r < .bgnbd.intervals.r.upper' "$TMP/m.json")" = true ]
	[ "$(jq -r .bgnbd.covariance.scale "$TMP/m.json")" = limit ]
}

@test "flo-fit --level, --intervals: strict" {
	run flo-fit --no-store --level 1 /dev/null
	assert_failure 2
	assert_output --partial "option --level"
	run flo-fit --no-store --intervals bayes /dev/null
	assert_failure 2
	assert_output --partial "not auto, wald or profile"
}

@test "flo-score --interval: bounds for every customer around the scores, the same for a seed" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --no-store --model-out "$TMP/m.json" "$TMP/s.csv" >/dev/null 2>&1
	flo-score --model "$TMP/m.json" --interval 0.9 -o jsonl "$TMP/s.csv" > "$TMP/a.jsonl"
	[ "$(wc -l < "$TMP/a.jsonl")" = 2357 ]
	# every bound exists and brackets the score (up to the draws' scatter)
	[ "$(jq -s '[.[] | select(.p_alive_lo <= .p_alive + 1e-9 and .p_alive <= .p_alive_hi + 1e-9 and
		.exp_purchases_12_lo <= .exp_purchases_12 and .exp_purchases_12 <= .exp_purchases_12_hi and
		.clv_lo <= .clv and .clv <= .clv_hi and .exp_avg_value_lo < .exp_avg_value_hi)] | length' "$TMP/a.jsonl")" = 2357 ]
	flo-score --model "$TMP/m.json" --interval 0.9 -o jsonl "$TMP/s.csv" | cmp - "$TMP/a.jsonl"
	FLO_THREADS=1 flo-score --model "$TMP/m.json" --interval 0.9 -o jsonl "$TMP/s.csv" | cmp - "$TMP/a.jsonl"
	! flo-score --model "$TMP/m.json" --interval 0.9 --seed 2 -o jsonl "$TMP/s.csv" | cmp -s - "$TMP/a.jsonl"
	# wider at a higher level
	flo-score --model "$TMP/m.json" --interval 0.99 -o jsonl "$TMP/s.csv" | head -1 > "$TMP/b.jsonl"
	[ "$(jq -s '.[0].clv_hi - .[0].clv_lo < .[1].clv_hi - .[1].clv_lo' <(head -1 "$TMP/a.jsonl") "$TMP/b.jsonl")" = true ]
}

@test "flo-score --interval: the store keeps the covariance (--db round trip)" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --db "$TMP/db" --model-out "$TMP/m.json" "$TMP/s.csv" >/dev/null 2>&1
	flo-score --model "$TMP/m.json" --interval 0.8 "$TMP/s.csv" > "$TMP/file.csv"
	flo-score --db "$TMP/db" --interval 0.8 "$TMP/s.csv" > "$TMP/db.csv"
	cmp "$TMP/file.csv" "$TMP/db.csv"
	head -1 "$TMP/db.csv" | grep -q ',p_alive_lo,p_alive_hi,exp_purchases_12_lo,exp_purchases_12_hi,exp_purchases_24_lo,exp_purchases_24_hi,exp_avg_value_lo,exp_avg_value_hi,clv_lo,clv_hi$'
}

@test "flo-score --interval: the FLO boundary fit draws on the limit model; --fit too" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" 2>/dev/null | head -501 > "$TMP/s.csv"
	flo-score --fit --interval 0.9 --draws 50 -o jsonl "$TMP/s.csv" > "$TMP/a.jsonl"
	[ "$(jq -s '[.[] | select(.clv_lo < .clv_hi and .p_alive_lo <= .p_alive_hi)] | length' "$TMP/a.jsonl")" = 500 ]
}

@test "flo-score --interval: a model without a covariance, and strict options" {
	cat > "$TMP/old.json" <<-'EOF'
		{"format": "flo-model 1", "unit": "week",
		 "bgnbd": {"params": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}},
		 "gamma_gamma": null}
	EOF
	printf 'frequency,recency,T\n1,2,3\n' > "$TMP/s.csv"
	flo-score --model "$TMP/old.json" "$TMP/s.csv" >/dev/null 2>&1
	run flo-score --model "$TMP/old.json" --interval 0.9 "$TMP/s.csv"
	assert_failure 65
	assert_output --partial "no covariance"
	run flo-score --model "$TMP/old.json" --draws 10 "$TMP/s.csv"
	assert_failure 2
	assert_output --partial "go with --interval"
	run flo-score --model "$TMP/old.json" --interval 1 "$TMP/s.csv"
	assert_failure 2
	run flo-score --bgnbd 1,2,3,4 --interval 0.9 "$TMP/s.csv"
	assert_failure 2
	run flo-score --model "$TMP/old.json" --interval 0.9 --draws 1 "$TMP/s.csv"
	assert_failure 2
}
