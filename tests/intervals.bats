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

# ---- flo-score --interval a block at a time, on threads ----
# Records are held a block at a time (4096) while their bounds are computed
# on a thread a core, then written in order: nothing may depend on the
# threads, on where blocks end, or show that records were held.

@test "flo-score --interval on threads: FLO and CDNOW the same for 1, 2 and 3 threads and wherever blocks end" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" 2>/dev/null > "$TMP/flo.csv"
	flo-fit --no-store --model-out "$TMP/flo.json" "$TMP/flo.csv" >/dev/null 2>&1
	cdnow_summary > "$TMP/cd.csv"
	flo-fit --no-store --model-out "$TMP/cd.json" "$TMP/cd.csv" >/dev/null 2>&1
	# 19,945 customers: five blocks
	FLO_THREADS=1 flo-score --model "$TMP/flo.json" --interval 0.8 --draws 40 --seed 5 --pmf 2 \
		"$TMP/flo.csv" > "$TMP/flo1.csv"
	[ "$(wc -l < "$TMP/flo1.csv")" = 19946 ]
	for t in 2 3; do
		FLO_THREADS=$t flo-score --model "$TMP/flo.json" --interval 0.8 --draws 40 --seed 5 --pmf 2 \
			"$TMP/flo.csv" | cmp - "$TMP/flo1.csv"
	done
	FLO_THREADS=1 flo-score --model "$TMP/cd.json" --interval 0.9 -o jsonl "$TMP/cd.csv" > "$TMP/cd1.jsonl"
	FLO_THREADS=2 flo-score --model "$TMP/cd.json" --interval 0.9 -o jsonl "$TMP/cd.csv" | cmp - "$TMP/cd1.jsonl"
	FLO_THREADS=2 flo-score --model "$TMP/cd.json" --interval 0.9 --draws 30 --seed 9 "$TMP/cd.csv" > "$TMP/cd2.csv"
	FLO_THREADS=1 flo-score --model "$TMP/cd.json" --interval 0.9 --draws 30 --seed 9 "$TMP/cd.csv" | cmp - "$TMP/cd2.csv"
	# the scores are those of scoring without --interval, record by record
	flo-score --model "$TMP/flo.json" --pmf 2 "$TMP/flo.csv" | cmp - <(cut -d, -f1-20 "$TMP/flo1.csv")
	# blocks of other sizes (one record, 4097, the rest) give the same records
	for range in 2,2 3,4099 4100,19946; do
		{ head -1 "$TMP/flo.csv"; sed -n "${range}p" "$TMP/flo.csv"; } |
			FLO_THREADS=2 flo-score --model "$TMP/flo.json" --interval 0.8 --draws 40 --seed 5 \
			--pmf 2 | tail -n +2
	done | cmp - <(tail -n +2 "$TMP/flo1.csv")
}

@test "flo-score --interval on threads: a bad record inside a block stops or is skipped as record by record" {
	cdnow_summary | cut -d, -f1-5 > "$TMP/s.csv"
	flo-fit --no-store --model-out "$TMP/m.json" "$TMP/s.csv" >/dev/null 2>&1
	flo-score --model "$TMP/m.json" --interval 0.9 "$TMP/s.csv" > "$TMP/good.csv"
	# line 500: monetary 7e306 scores, but some draws' exp_avg_value overflow
	# (a bound's bad record, found when its block is computed); line 800: T
	# is not a number (found when it is read, before line 500's block is)
	awk -F, 'BEGIN { OFS = "," } NR == 500 { $2 = 3; $3 = 10; $4 = 20; $5 = "7e306" }
		NR == 800 { $4 = "abc" } { print }' "$TMP/s.csv" > "$TMP/bad.csv"
	flo-score --model "$TMP/m.json" <(sed -n '1p;500p' "$TMP/bad.csv") > /dev/null # scores
	awk -F, 'BEGIN { OFS = "," } NR == 800 { $4 = "abc" } { print }' "$TMP/s.csv" > "$TMP/bad800.csv"
	for t in 1 2; do
		FLO_THREADS=$t run -65 --separate-stderr flo-score --model "$TMP/m.json" --interval 0.9 "$TMP/bad.csv"
		[ "$stderr" = "flo-score: $TMP/bad.csv line 500: exp_avg_value overflows a double for frequency 3, recency 10, T 20, monetary 7e+306: values too large to score" ]
		cmp <(printf '%s\n' "$output") <(head -499 "$TMP/good.csv")
		# the read error alone: the records before it, then the message
		FLO_THREADS=$t run -65 --separate-stderr flo-score --model "$TMP/m.json" --interval 0.9 "$TMP/bad800.csv"
		[ "$stderr" = "flo-score: $TMP/bad800.csv line 800: field \"T\" is not a number: \"abc\"" ]
		cmp <(printf '%s\n' "$output") <(head -799 "$TMP/good.csv")
		FLO_THREADS=$t run -0 --separate-stderr flo-score --model "$TMP/m.json" --interval 0.9 --rejects "$TMP/rej.csv" "$TMP/bad.csv"
		[ "$stderr" = "flo-score: skipped 2 bad records, kept in $TMP/rej.csv" ]
		cmp <(printf '%s\n' "$output") <(sed '500d;800d' "$TMP/good.csv")
		# kept in input order: the bound's bad record first
		printf '%s\n' customer_id,frequency,recency,T,monetary "$(sed -n 500p "$TMP/bad.csv")" \
			"$(sed -n 800p "$TMP/bad.csv")" | cmp - "$TMP/rej.csv"
	done
}

@test "flo-score --interval: a record from a pipe is written before the next arrives" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --no-store --model-out "$TMP/m.json" "$TMP/s.csv" >/dev/null 2>&1
	mkfifo "$TMP/in"
	FLO_THREADS=2 flo-score --model "$TMP/m.json" --interval 0.9 < "$TMP/in" > "$TMP/out.csv" &
	{
		head -3 "$TMP/s.csv"
		# the next record only once the first two are out (or after 20 s)
		for i in $(seq 200); do
			[ "$(wc -l < "$TMP/out.csv")" = 3 ] && break
			sleep 0.1
		done
		sed -n 4p "$TMP/s.csv"
	} > "$TMP/in"
	wait
	[ "$(wc -l < "$TMP/out.csv")" = 4 ]
	[ "$i" -lt 200 ]
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

# ---- flo-fit --bootstrap ----

@test "CDNOW: the bootstrap's percentile intervals agree with scipy's profile intervals" {
	cdnow_summary > "$TMP/s.csv"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store --bootstrap 1000 --seed 1 "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	# Two methods, one question: with 1,000 replicates the percentiles'
	# own Monte Carlo error is about 2% of the interval's width, and the
	# bootstrap and the profile differ by O(1/sqrt n); each bound must be
	# within 15% of the profile interval's width of scipy's profile bound
	# (scripts/golden/profile_ci.py, as in the first test).
	iv() { jq -r ".$1.intervals.$2 | \"\(.lower) \(.upper) \(.method)\"" "$TMP/m.json"; }
	while read -r model p lo hi; do
		read -r glo ghi method <<< "$(iv "$model" "$p")"
		[ "$method" = bootstrap ]
		awk -v gl="$glo" -v gh="$ghi" -v l="$lo" -v h="$hi" 'BEGIN { t = 0.15 * (h - l);
			if ((gl - l)^2 > t^2 || (gh - h)^2 > t^2) { print "got " gl " " gh ", want " l " " h; exit 1 } }'
	done <<-'EOF2'
		bgnbd r 0.219259 0.268602
		bgnbd alpha 3.7239 5.21173
		bgnbd a 0.515358 1.31879
		bgnbd b 1.42961 4.56691
		gamma_gamma p 4.47834 9.64353
		gamma_gamma q 3.23124 4.38124
		gamma_gamma v 8.61219 25.2808
	EOF2
	# the replicates are in the document, one row of parameters each
	[ "$(jq '.bgnbd.bootstrap | [.replicates, .converged, .seed, (.params | length), (.params[0] | length)] | @csv' "$TMP/m.json")" = '"1000,1000,1,1000,4"' ]
	[ "$(jq '.gamma_gamma.bootstrap.params | [length, (.[0] | length)] | @csv' "$TMP/m.json")" = '"1000,3"' ]
	# the same for a seed, whatever the threads; another seed, others
	SOURCE_DATE_EPOCH=0 FLO_THREADS=1 flo-fit --no-store --bootstrap 1000 --seed 1 "$TMP/s.csv" 2>/dev/null | cmp - "$TMP/m.json"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store --bootstrap 1000 --seed 2 "$TMP/s.csv" 2>/dev/null > "$TMP/m2.json"
	! cmp -s "$TMP/m2.json" "$TMP/m.json"
}

@test "flo-fit --bootstrap: the store keeps the replicates, and flo-score --interval draws from them" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --db "$TMP/db" --model-out "$TMP/m.json" --bootstrap 50 --seed 3 "$TMP/s.csv" >/dev/null 2>&1
	run flo-score --model "$TMP/m.json" --interval 0.8 "$TMP/s.csv"
	assert_success
	assert_line --index 0 "flo-score: --interval: from the model's 50 bootstrap refits (flo-fit --bootstrap), not from normal draws"
	flo-score --model "$TMP/m.json" --interval 0.8 "$TMP/s.csv" 2>/dev/null > "$TMP/file.csv"
	flo-score --db "$TMP/db" --interval 0.8 "$TMP/s.csv" 2>/dev/null > "$TMP/db.csv"
	cmp "$TMP/file.csv" "$TMP/db.csv"
	[ "$(wc -l < "$TMP/db.csv")" = 2358 ]
	# the bounds are the replicates' percentiles: the first customer's
	# p_alive bounds from the replicates by awk, type 7 at 0.1 and 0.9
	flo-score --model "$TMP/m.json" --interval 0.8 -o jsonl "$TMP/s.csv" 2>/dev/null | head -1 > "$TMP/one.jsonl"
	read -r x tx T <<< "$(jq -r '"\(.frequency) \(.recency) \(.T)"' "$TMP/one.jsonl")"
	jq -r '.bgnbd.bootstrap.params[] | @tsv' "$TMP/m.json" |
		awk -v x="$x" -v tx="$tx" -v T="$T" '{ r = $1; al = $2; a = $3; b = $4
			printf "%.17g\n", 1 / (1 + (x > 0) * a / (b + x - 1) * ((al + T) / (al + tx))^(r + x)) }' |
		sort -g | awk '{ v[NR] = $1 } END { OFMT = "%.17g"; h = 0.1 * (NR - 1); i = int(h); lo = v[i + 1] + (h - i) * (v[i + 2] - v[i + 1])
			h = 0.9 * (NR - 1); i = int(h); hi = v[i + 1] + (h - i) * (v[i + 2] - v[i + 1]); print lo, hi }' > "$TMP/want"
	read -r lo hi < "$TMP/want"
	near "$(jq .p_alive_lo "$TMP/one.jsonl")" "$lo" 1e-12
	near "$(jq .p_alive_hi "$TMP/one.jsonl")" "$hi" 1e-12
}

@test "FLO: the bootstrap refits the boundary fit as the limit model; a and b keep their profile bounds" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" 2>/dev/null > "$TMP/s.csv"
	flo-fit --no-store --bootstrap 12 "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	! grep -Eiq 'nan|inf[^oe]' "$TMP/m.json"
	[ "$(jq -r '[.bgnbd.intervals | .r.method, .alpha.method, .a.method, .b.method] | join(",")' "$TMP/m.json")" = bootstrap,bootstrap,profile,profile ]
	[ "$(jq '[.bgnbd.bootstrap.params[] | .[2] + .[3]] | min > 1e29' "$TMP/m.json")" = true ]
	[ "$(jq '.bgnbd.intervals.r.lower < .bgnbd.params.r and .bgnbd.params.r < .bgnbd.intervals.r.upper' "$TMP/m.json")" = true ]
}

@test "flo-fit --bootstrap, --seed: strict" {
	run flo-fit --no-store --bootstrap 1 /dev/null
	assert_failure 2
	run flo-fit --no-store --bootstrap 20x /dev/null
	assert_failure 2
	run flo-fit --no-store --seed 3 /dev/null
	assert_failure 2
	assert_output --partial "--seed goes with --bootstrap"
	run flo-fit --no-store --bootstrap 10 --penalizer 0.1 /dev/null
	assert_failure 2
	assert_output --partial "no penalizer"
}

@test "flo-fit --model pnbd --bootstrap: the Pareto/NBD's replicates, and flo-score's bounds from them" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --no-store --model pnbd --bootstrap 20 "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
	[ "$(jq -r '[.pnbd.intervals | .r.method, .alpha.method, .s.method, .beta.method] | join(",")' "$TMP/m.json")" = bootstrap,bootstrap,bootstrap,bootstrap ]
	[ "$(jq '.pnbd.bootstrap.params | [length, (.[0] | length)] | @csv' "$TMP/m.json")" = '"20,4"' ]
	[ "$(jq '.pnbd.intervals.s.lower < .pnbd.params.s and .pnbd.params.s < .pnbd.intervals.s.upper' "$TMP/m.json")" = true ]
	flo-score --model "$TMP/m.json" --interval 0.9 -o jsonl "$TMP/s.csv" 2>/dev/null > "$TMP/a.jsonl"
	[ "$(jq -s '[.[] | select(.p_alive_lo <= .p_alive_hi and .clv_lo < .clv_hi)] | length' "$TMP/a.jsonl")" = 2357 ]
}

@test "flo-fit --bootstrap with the MBG/NBD: the refits are simulated as MBG/NBD customers (the coin at the first order), so every interval holds the estimate and overlaps the Wald interval" {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2> /dev/null > "$TMP/s.csv"
	flo-fit --no-store --model mbgnbd --intervals wald "$TMP/s.csv" 2> /dev/null > "$TMP/wald.json"
	flo-fit --no-store --model mbgnbd --bootstrap 100 --seed 3 "$TMP/s.csv" 2> /dev/null > "$TMP/boot.json"
	for p in r alpha a b; do
		jq -e --arg p "$p" --slurpfile w "$TMP/wald.json" '.mbgnbd.intervals[$p] as $b | $w[0].mbgnbd.intervals[$p] as $v
			| $b.method == "bootstrap" and $b.lower < $b.estimate and $b.estimate < $b.upper
			and $b.lower < $v.upper and $v.lower < $b.upper' "$TMP/boot.json"
	done
}

@test "BG/BB --bootstrap: replicates simulated and refitted as the BG/BB, so the percentiles agree with the Wald bounds (donations)" {
	# 400 replicates drawn by the BG/BB's coins over each row's periods and
	# refitted by its likelihood: at 11,104 donors the percentile bounds are
	# the Wald bounds on the log scale, e exp(-/+ 1.645 se/e), to a few
	# tenths of a standard error (a BG/NBD's refit of BG/NBD draws, as the
	# bootstrap made before, put alpha's lower bound 1.2 SE high)
	flo-fit --model bgbb --T-field periods --weight weights --no-store --level 0.9 --bootstrap 400 \
		"$DATA/donations.csv" 2>/dev/null > "$TMP/m.json"
	[ "$(jq '.bgbb.bootstrap | [.replicates, .converged] | @csv' "$TMP/m.json")" = '"400,400"' ]
	run sh -c "jq -r '.bgbb.intervals | to_entries[] | select(.key != \"level\") | .value | [.method, .estimate, .se, .lower, .upper] | @tsv' '$TMP/m.json' |
		awk '{ e = \$2; s = \$3; lo = e * exp(-1.6449 * s / e); hi = e * exp(1.6449 * s / e)
			d1 = (\$4 - lo) / s; d2 = (\$5 - hi) / s
			print \$1, (d1 < 0.35 && d1 > -0.35 && d2 < 0.35 && d2 > -0.35) ? \"ok\" : \"off \" d1 \" \" d2 }'"
	assert_output "bootstrap ok
bootstrap ok
bootstrap ok
bootstrap ok"
}
