#!/usr/bin/env bats
# flo-fit: BG/NBD and Gamma-Gamma by maximum likelihood.  Golden values are
# the published CDNOW estimates (Fader, Hardie & Lee 2005; Fader & Hardie
# 2013), the penalised FLO fit of DESIGN.md, and known simulation parameters.

load test_helper

cdnow_summary() {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null
}

# |got - want| <= tol, or print the three and fail
near() {
	awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; if (d > t) { print "got " g ", want " w " +- " t; exit 1 } }'
}

@test "CDNOW: the published BG/NBD and Gamma-Gamma estimates" {
	cdnow_summary > "$TMP/s.csv"
	run --separate-stderr flo-fit --no-store "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	# FHL 2005: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
	near "$(jq .bgnbd.params.r "$TMP/m.json")" 0.243 0.0005
	near "$(jq .bgnbd.params.alpha "$TMP/m.json")" 4.414 0.0005
	near "$(jq .bgnbd.params.a "$TMP/m.json")" 0.793 0.0005
	near "$(jq .bgnbd.params.b "$TMP/m.json")" 2.426 0.0005
	near "$(jq .bgnbd.loglik "$TMP/m.json")" -9582.4 0.05
	[ "$(jq .bgnbd.converged "$TMP/m.json")" = true ]
	[ "$(jq .bgnbd.customers "$TMP/m.json")" = 2357 ]
	[ "$(jq '.bgnbd.warnings | length' "$TMP/m.json")" = 0 ]
	# Fader & Hardie 2013: p = 6.25, q = 3.74, v = 15.44 on 946 customers
	near "$(jq .gamma_gamma.params.p "$TMP/m.json")" 6.25 0.005
	near "$(jq .gamma_gamma.params.q "$TMP/m.json")" 3.74 0.005
	near "$(jq .gamma_gamma.params.v "$TMP/m.json")" 15.44 0.005
	[ "$(jq .gamma_gamma.customers "$TMP/m.json")" = 946 ]
	[ "$(jq .gamma_gamma.left_out "$TMP/m.json")" = 1411 ]
	[ "$stderr" = "flo-fit: 1411 customers without repeat purchases or with monetary <= 0 left out of the Gamma-Gamma fit" ]
	# the time unit is read off the records' dates
	[ "$(jq -r .unit "$TMP/m.json")" = week ]
	[ "$(jq -r .format "$TMP/m.json")" = "flo-model 1" ]
	# standard errors exist and are positive
	[ "$(jq '[.bgnbd.se[], .gamma_gamma.se[]] | map(select(. > 0)) | length' "$TMP/m.json")" = 7 ]
}

@test "CDNOW: the published Pareto/NBD estimates (--model pnbd)" {
	cdnow_summary > "$TMP/s.csv"
	run --separate-stderr flo-fit --model pnbd --no-store "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	# Fader & Hardie 2005 ("A Note on Implementing the Pareto/NBD Model in
	# MATLAB"; issue 17): r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67,
	# LL = -9595.0
	[ "$(jq -r .family "$TMP/m.json")" = pnbd ]
	[ "$(jq 'has("bgnbd")' "$TMP/m.json")" = false ]
	near "$(jq .pnbd.params.r "$TMP/m.json")" 0.55 0.005
	near "$(jq .pnbd.params.alpha "$TMP/m.json")" 10.58 0.005
	near "$(jq .pnbd.params.s "$TMP/m.json")" 0.61 0.005
	near "$(jq .pnbd.params.beta "$TMP/m.json")" 11.67 0.005
	near "$(jq .pnbd.loglik "$TMP/m.json")" -9595.0 0.05
	[ "$(jq .pnbd.converged "$TMP/m.json")" = true ]
	[ "$(jq .pnbd.customers "$TMP/m.json")" = 2357 ]
	[ "$(jq '.pnbd.warnings | length' "$TMP/m.json")" = 0 ]
	[ "$(jq '[.pnbd.se[]] | map(select(. > 0)) | length' "$TMP/m.json")" = 4 ]
	# the Gamma-Gamma is the same whatever the purchase model
	near "$(jq .gamma_gamma.params.p "$TMP/m.json")" 6.25 0.005
	# the BG/NBD stays the default, its document without a family
	flo-fit --no-store "$TMP/s.csv" 2>/dev/null > "$TMP/bg.json"
	[ "$(jq 'has("family")' "$TMP/bg.json")" = false ]
	near "$(jq .bgnbd.params.r "$TMP/bg.json")" 0.243 0.0005
}

@test "Pareto/NBD: the monthly summary of 500 simulated customers fits, intervals and all, in seconds (it never finished)" {
	# The profile of s walks to s = 1e20 and beyond, where the likelihood is
	# flat as s and beta grow together; the gradient there was a difference
	# of numbers of size s (wrong by 1e4 a customer), and the inner fits ran
	# BFGS for hours.  Every fit is bounded now too (test_fit.c).
	flo-simulate -n 500 --seed 11 2>/dev/null | flo-rfm --occasion month > "$TMP/p.csv"
	run --separate-stderr timeout 60 flo-fit --model pnbd --no-store --summary "$TMP/p.csv"
	assert_success
	[ "$(jq -r '.unit + " " + (.pnbd.converged | tostring)' <<< "$output")" = "month true" ]
	[ "$(jq -r '.pnbd.intervals.s.upper' <<< "$output")" = null ]
	[[ "$(jq -r '.pnbd.intervals.s.note' <<< "$output")" == "upper bound: none"* ]]
	[[ "$stderr" == *"upper bound: none — the likelihood stays within the threshold as s grows"* ]]
	[ "$(jq '.pnbd.warnings | map(select(test("did not converge"))) | length' <<< "$output")" = 0 ]
}

@test "Pareto/NBD: the penalizer is lifetimes' ParetoNBDFitter's (scripts/golden/pnbd_penalized.py)" {
	# lifetimes minimises -sum ln L + L (r^2 + alpha'^2 + s^2 + beta'^2) on
	# time rescaled to max T = 1; the script does so with scipy and hyp2f1
	cdnow_summary > "$TMP/s.csv"
	for want in "10 0.545501 10.311751 0.448441 7.120932 -9595.7429" \
		    "100 0.439482 8.449931 0.279300 3.865456 -9607.0345"; do
		set -- $want
		flo-fit --model pnbd --no-store --penalizer "$1" "$TMP/s.csv" 2>/dev/null > "$TMP/m.json"
		[ "$(jq .pnbd.penalizer "$TMP/m.json")" = "$1" ]
		[ "$(jq .pnbd.converged "$TMP/m.json")" = true ]
		near "$(jq .pnbd.params.r "$TMP/m.json")" "$2" 2e-6
		near "$(jq .pnbd.params.alpha "$TMP/m.json")" "$3" 2e-5
		near "$(jq .pnbd.params.s "$TMP/m.json")" "$4" 2e-6
		near "$(jq .pnbd.params.beta "$TMP/m.json")" "$5" 2e-5
		near "$(jq .pnbd.loglik "$TMP/m.json")" "$6" 2e-4
	done
}

@test "flo-fit --model: bgnbd, pnbd, mbgnbd, bgbb or all, nothing else" {
	run flo-fit --model nbd --no-store
	assert_failure 2
	assert_line --index 0 'flo-fit: option --model: "nbd" is not bgnbd, pnbd, mbgnbd, bgbb or all'
	run flo-fit --model all --select nbd --no-store
	assert_failure 2
	assert_line --index 0 'flo-fit: option --select: "nbd" is not bgnbd, pnbd, mbgnbd or bgbb'
	run flo-fit --select pnbd --no-store
	assert_failure 2
	assert_line --index 0 'flo-fit: --select, --holdout and --holdout-field go with --model all'
	run flo-fit --model all --holdout 0 --no-store
	assert_failure 2
	assert_line --index 0 "flo-fit: option --holdout: the holdout's length must be > 0"
}

@test "CDNOW: the MBG/NBD as lifetimes' ModifiedBetaGeoFitter fits it (scripts/golden/mbgnbd_golden.py)" {
	# the script: pandas summary, lifetimes' objective with scipy's gammaln,
	# scipy minimize: r 0.5248430639, alpha 6.183084969, a 0.8913595138,
	# b 1.614002867, LL -9582.135716; penalizer 0.01: r 0.6152505292,
	# alpha 6.738558281, a 0.4990800806, b 0.6722753096, LL -9591.752104
	cdnow_summary > "$TMP/s.csv"
	run --separate-stderr flo-fit --model mbgnbd --no-store "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	[ "$(jq -r .family "$TMP/m.json")" = mbgnbd ]
	[ "$(jq 'has("bgnbd")' "$TMP/m.json")" = false ]
	near "$(jq .mbgnbd.params.r "$TMP/m.json")" 0.5248430639 2e-6
	near "$(jq .mbgnbd.params.alpha "$TMP/m.json")" 6.183084969 2e-5
	near "$(jq .mbgnbd.params.a "$TMP/m.json")" 0.8913595138 2e-6
	near "$(jq .mbgnbd.params.b "$TMP/m.json")" 1.614002867 2e-5
	near "$(jq .mbgnbd.loglik "$TMP/m.json")" -9582.135716 2e-5
	[ "$(jq .mbgnbd.converged "$TMP/m.json")" = true ]
	[ "$(jq .mbgnbd.customers "$TMP/m.json")" = 2357 ]
	[ "$(jq '.mbgnbd.warnings | length' "$TMP/m.json")" = 0 ]
	[ "$(jq '[.mbgnbd.se[]] | map(select(. > 0)) | length' "$TMP/m.json")" = 4 ]
	flo-fit --model mbgnbd --no-store --penalizer 0.01 "$TMP/s.csv" 2>/dev/null > "$TMP/p.json"
	[ "$(jq .mbgnbd.converged "$TMP/p.json")" = true ]
	near "$(jq .mbgnbd.params.r "$TMP/p.json")" 0.6152505292 2e-6
	near "$(jq .mbgnbd.params.alpha "$TMP/p.json")" 6.738558281 2e-5
	near "$(jq .mbgnbd.params.a "$TMP/p.json")" 0.4990800806 2e-6
	near "$(jq .mbgnbd.params.b "$TMP/p.json")" 0.6722753096 2e-5
	near "$(jq .mbgnbd.loglik "$TMP/p.json")" -9591.752104 2e-4
}

@test "donations: the BG/BB of Fader, Hardie & Shang (2010), and scipy's fit (scripts/golden/bgbb_golden.py)" {
	# FHS10: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33225.6;
	# the script (scipy minimize): alpha 1.203522267, beta 0.7497163214,
	# gamma 0.6567182208, delta 2.783442323, LL -33225.58127 (the two stop
	# at gradients about 1e-7 of the mean objective: 2e-5 apart in delta,
	# a ten-thousandth of its standard error)
	run --separate-stderr flo-fit --model bgbb --T-field periods --weight weights --no-store \
		"$DATA/donations.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	[ "$(jq -r .family "$TMP/m.json")" = bgbb ]
	near "$(jq .bgbb.params.alpha "$TMP/m.json")" 1.204 0.0005
	near "$(jq .bgbb.params.beta "$TMP/m.json")" 0.750 0.0005
	near "$(jq .bgbb.params.gamma "$TMP/m.json")" 0.657 0.0005
	near "$(jq .bgbb.params.delta "$TMP/m.json")" 2.783 0.0005
	near "$(jq .bgbb.loglik "$TMP/m.json")" -33225.6 0.05
	near "$(jq .bgbb.params.alpha "$TMP/m.json")" 1.203522267 5e-5
	near "$(jq .bgbb.params.beta "$TMP/m.json")" 0.7497163214 5e-5
	near "$(jq .bgbb.params.gamma "$TMP/m.json")" 0.6567182208 5e-5
	near "$(jq .bgbb.params.delta "$TMP/m.json")" 2.783442323 5e-5
	near "$(jq .bgbb.loglik "$TMP/m.json")" -33225.58127 1e-5
	[ "$(jq .bgbb.customers "$TMP/m.json")" = 11104 ]
	[ "$(jq .bgbb.converged "$TMP/m.json")" = true ]
	[ "$(jq '[.bgbb.se[]] | map(select(. > 0)) | length' "$TMP/m.json")" = 4 ]
	[ "$(jq '.bgbb.warnings | length' "$TMP/m.json")" = 0 ]
	# stored and scored: the fit scores every row
	flo-fit --model bgbb --T-field periods --weight weights --db "$TMP/db" \
		"$DATA/donations.csv" > /dev/null 2>&1
	run --separate-stderr flo-score --db "$TMP/db" --T-field periods --horizon 5 \
		"$DATA/donations.csv"
	assert_success
	assert_line --index 0 frequency,recency,periods,weights,p_alive,exp_purchases_5,exp_avg_value,clv
	[ "${#lines[@]}" = 23 ]
	# at FHS10's estimates, P(alive) eq. (11) and E[X(6, 6+10)] eq. (13) as
	# bgbb_golden.py evaluates them with mpmath (tests/unit/test_bgbb.c)
	printf '%s\n' '{"format": "flo-model 1", "unit": "week", "family": "bgbb",' \
		'"bgbb": {"params": {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}},' \
		'"gamma_gamma": null}' > "$TMP/fhs.json"
	flo-score --model "$TMP/fhs.json" --T-field periods --horizon 10 -o jsonl \
		"$DATA/donations.csv" 2>/dev/null > "$TMP/s.jsonl"
	while read -r x tx p e; do
		jq -r "select(.frequency == $x and .recency == $tx) | \"\\(.p_alive) \\(.exp_purchases_10)\"" \
			"$TMP/s.jsonl" > "$TMP/row"
		read -r gp ge < "$TMP/row"
		near "$gp" "$p" "$(awk -v v="$p" 'BEGIN { print v * 1e-12 }')"
		near "$ge" "$e" "$(awk -v v="$e" 'BEGIN { print v * 1e-12 }')"
	done <<-EOF
	0 0 0.10801658416867419518 0.13010379141284863691
	1 1 0.069408093206549673556 0.15303639621560027062
	3 5 0.7667340499957251271 3.224634410606511164
	6 6 0.93040254237288135593 6.7052908250144918251
	EOF
}

@test "BG/BB: period summaries only (flo-rfm --occasion day|week|month), and --model all fits it on them alone" {
	flo-simulate -n 500 --seed 11 > "$TMP/o.csv" 2>/dev/null
	flo-rfm "$TMP/o.csv" > "$TMP/weeks.csv"
	run --separate-stderr flo-fit --model bgbb --no-store "$TMP/weeks.csv"
	assert_failure 65
	[[ "$stderr" == "flo-fit: --model bgbb needs a period summary (whole periods, frequency <= recency <= T <= 3000000, recency 0 when frequency is 0; flo-rfm --occasion day|week|month writes one), but a record of $TMP/weeks.csv has frequency "* ]]
	run --separate-stderr flo-fit --model all --no-store "$TMP/weeks.csv"
	assert_success
	[ "$(jq -r '[.comparison.models[].model] | join(",")' <<< "$output")" = bgnbd,pnbd,mbgnbd ]
	run --separate-stderr flo-fit --model all --select bgbb --no-store "$TMP/weeks.csv"
	assert_failure 65
	[[ "$stderr" == "flo-fit: --select bgbb: the BG/BB is fitted to period summaries only"* ]]
	for occ in week month; do
		flo-rfm --occasion $occ "$TMP/o.csv" > "$TMP/p.csv"
		run --separate-stderr flo-fit --model bgbb --no-store "$TMP/p.csv"
		assert_success
		[ "$(jq -r '.unit + " " + (.bgbb.converged | tostring)' <<< "$output")" = "$occ true" ]
		run --separate-stderr flo-fit --model all --no-store "$TMP/p.csv"
		assert_success
		[ "$(jq -r '[.comparison.models[].model] | join(",")' <<< "$output")" = bgnbd,pnbd,mbgnbd,bgbb ]
		# its likelihood is of counts, the others' of times: BIC does not pick it
		[ "$(jq -r .family <<< "$output")" != bgbb ]
		run --separate-stderr flo-fit --model all --select bgbb --no-store "$TMP/p.csv"
		assert_success
		[ "$(jq -r '.family + " " + .comparison.by' <<< "$output")" = "bgbb select" ]
	done
	flo-rfm --unit day "$TMP/o.csv" > "$TMP/d.csv"
	run --separate-stderr flo-fit --model bgbb --no-store "$TMP/d.csv"
	assert_success
	[ "$(jq -r .unit <<< "$output")" = day ]
}

@test "flo-fit --model all: every model, the comparison, the lowest BIC kept and said" {
	cdnow_summary > "$TMP/s.csv"
	run --separate-stderr flo-fit --model all --db "$TMP/db" "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	[[ "$stderr" == *"flo-fit: --model all: the MBG/NBD has the lowest BIC (19195.3) of the models fitted, and is the model stored and written (--select NAME for another)"* ]]
	[ "$(jq -r .family "$TMP/m.json")" = mbgnbd ]
	[ "$(jq -r '.comparison.selected + " " + .comparison.by' "$TMP/m.json")" = "mbgnbd bic" ]
	[ "$(jq -r '[.comparison.models[].model] | join(",")' "$TMP/m.json")" = bgnbd,pnbd,mbgnbd ]
	# each model's fit as --model gives it: the published values
	near "$(jq .bgnbd.params.r "$TMP/m.json")" 0.243 0.0005
	near "$(jq .pnbd.params.r "$TMP/m.json")" 0.55 0.005
	near "$(jq .mbgnbd.params.r "$TMP/m.json")" 0.5248430639 2e-6
	near "$(jq '.comparison.models[0].loglik' "$TMP/m.json")" -9582.4 0.05
	near "$(jq '.comparison.models[1].loglik' "$TMP/m.json")" -9595.0 0.05
	# AIC = 2k - 2 LL, BIC = k ln N - 2 LL with k = 4 and N = 2357
	jq -e '.comparison.models[] | (.aic - (8 - 2 * .loglik) | fabs < 1e-9) and
	       (.bic - (4 * (2357 | log) - 2 * .loglik) | fabs < 1e-9) and .converged' "$TMP/m.json" > /dev/null
	# the stored model is the document's, and scores as an MBG/NBD
	flo-fit --model mbgnbd --no-store "$TMP/s.csv" 2>/dev/null > "$TMP/one.json"
	flo-score --db "$TMP/db" "$TMP/s.csv" > "$TMP/a.csv"
	flo-score --model "$TMP/one.json" "$TMP/s.csv" > "$TMP/b.csv"
	cmp "$TMP/a.csv" "$TMP/b.csv"
	# --select keeps another, and says why in the document
	flo-fit --model all --select pnbd --no-store "$TMP/s.csv" 2>"$TMP/err" > "$TMP/p.json"
	[ "$(jq -r '.family + " " + .comparison.by' "$TMP/p.json")" = "pnbd select" ]
	! grep -q "lowest BIC" "$TMP/err"
}

@test "flo-fit --model all --holdout: each model's holdout errors are flo-check's" {
	flo-rfm --as-of 1997-09-30 --holdout-end 1998-06-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/cal.csv"
	flo-fit --model all --holdout 39 --no-store "$TMP/cal.csv" 2>/dev/null > "$TMP/m.json"
	for k in 0 1 2; do
		fam=$(jq -r ".comparison.models[$k].model" "$TMP/m.json")
		flo-fit --model "$fam" --no-store --model-out "$TMP/$fam.json" "$TMP/cal.csv" >/dev/null 2>&1
		[ "$fam" = pnbd ] && continue # flo-check has no Pareto/NBD yet
		flo-check --check holdout --holdout 39 --model "$TMP/$fam.json" "$TMP/cal.csv" |
			awk -F, '$1 == "all" { print $2, $7, $8 }' > "$TMP/check.txt"
		read -r n mae rmse < "$TMP/check.txt"
		[ "$(jq ".comparison.models[$k].holdout.customers" "$TMP/m.json")" = "$n" ]
		near "$(jq ".comparison.models[$k].holdout.mae" "$TMP/m.json")" "$mae" 1e-12
		near "$(jq ".comparison.models[$k].holdout.rmse" "$TMP/m.json")" "$rmse" 1e-12
	done
	# 1882 purchases in the 39 weeks of holdout (FHL 2005)
	[ "$(jq '[.comparison.models[].holdout.actual] | unique' -c "$TMP/m.json")" = "[1882]" ]
	# without --holdout, flo-rfm's duration_holdout (39) gives the length
	flo-fit --model all --no-store "$TMP/cal.csv" 2>/dev/null > "$TMP/d.json"
	[ "$(jq -c '[.comparison.models[].holdout]' "$TMP/m.json")" = "$(jq -c '[.comparison.models[].holdout]' "$TMP/d.json")" ]
	# and without holdout fields, no holdout errors
	flo-fit --model all --no-store "$DATA/cdnow_customers_summary.csv" 2>/dev/null > "$TMP/n.json"
	[ "$(jq '[.comparison.models[] | has("holdout")] | any' "$TMP/n.json")" = false ]
}

@test "CDNOW: the fit sums over distinct triples; order of records and duplicates by weight" {
	cdnow_summary > "$TMP/s.csv"
	flo-fit --no-store "$TMP/s.csv" 2>/dev/null > "$TMP/a.json"
	[ "$(jq .bgnbd.distinct "$TMP/a.json")" -lt 2357 ]
	{ head -1 "$TMP/s.csv"; tail -n +2 "$TMP/s.csv" | tac; } > "$TMP/rev.csv"
	flo-fit --no-store "$TMP/rev.csv" 2>/dev/null > "$TMP/b.json"
	[ "$(jq -c '[.data, .bgnbd.params, .gamma_gamma.params]' "$TMP/a.json")" = "$(jq -c '[.data, .bgnbd.params, .gamma_gamma.params]' "$TMP/b.json")" ]
	# every record twice, or once with weight 2: the same estimates, twice the customers
	awk -F, 'NR == 1 { print $0 ",w"; next } { print $0 ",2" }' "$TMP/s.csv" > "$TMP/w.csv"
	flo-fit --no-store --weight w "$TMP/w.csv" 2>/dev/null > "$TMP/w.json"
	{ cat "$TMP/s.csv"; tail -n +2 "$TMP/s.csv"; } > "$TMP/d.csv"
	flo-fit --no-store "$TMP/d.csv" 2>/dev/null > "$TMP/d.json"
	[ "$(jq .bgnbd.customers "$TMP/w.json")" = 4714 ]
	[ "$(jq -c '[.data, .bgnbd.params, .gamma_gamma.params]' "$TMP/w.json")" = "$(jq -c '[.data, .bgnbd.params, .gamma_gamma.params]' "$TMP/d.json")" ]
	near "$(jq .bgnbd.params.r "$TMP/w.json")" "$(jq .bgnbd.params.r "$TMP/a.json")" 1e-6
	# one customer fewer, or one changed: another fingerprint
	head -n -1 "$TMP/s.csv" > "$TMP/less.csv"
	flo-fit --no-store "$TMP/less.csv" 2>/dev/null > "$TMP/less.json"
	awk -F, -v OFS=, 'NR == 2 { $5 += 1 } { print }' "$TMP/s.csv" > "$TMP/changed.csv"
	flo-fit --no-store "$TMP/changed.csv" 2>/dev/null > "$TMP/changed.json"
	fp=$(jq -r .data.fingerprint "$TMP/a.json")
	[ "$fp" != "$(jq -r .data.fingerprint "$TMP/less.json")" ]
	[ "$fp" != "$(jq -r .data.fingerprint "$TMP/changed.json")" ]
	[[ $fp =~ ^[0-9a-f]{16}$ ]]
}

@test "output: --model-out, SOURCE_DATE_EPOCH, JSON Lines input" {
	cdnow_summary > "$TMP/s.csv"
	SOURCE_DATE_EPOCH=0 run --separate-stderr flo-fit --no-store --model-out "$TMP/m.json" "$TMP/s.csv"
	assert_success
	[ "$output" = "$(cat "$TMP/m.json")" ]
	[ "$(jq -r .created "$TMP/m.json")" = "1970-01-01T00:00:00Z" ]
	flo-cat -o jsonl "$TMP/s.csv" > "$TMP/s.jsonl"
	SOURCE_DATE_EPOCH=0 run --separate-stderr flo-fit --no-store "$TMP/s.jsonl"
	[ "$output" = "$(cat "$TMP/m.json")" ]
}

@test "--timings: one line on stderr, the steps' times; the document unchanged" {
	cdnow_summary > "$TMP/s.csv"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store "$TMP/s.csv" > "$TMP/plain.json" 2>/dev/null
	SOURCE_DATE_EPOCH=0 run --separate-stderr flo-fit --no-store --timings "$TMP/s.csv"
	assert_success
	[ "$output" = "$(cat "$TMP/plain.json")" ]
	n='[0-9]+[.][0-9]{2}'
	distinct=$(jq .bgnbd.distinct "$TMP/plain.json")
	line=$(printf '%s\n' "$stderr" | grep '^flo-fit: timings: ')
	[[ $line =~ ^"flo-fit: timings: "$n" ms reading and checking the records, "$n" ms sorting the spend pairs, "$n" ms fitting the BG/NBD ($distinct distinct triples merged and fitted), "$n" ms on its intervals, "$n" ms fitting the Gamma-Gamma (its intervals included); "$n" ms in all"$ ]]
	# the steps are the whole, each rounded to 0.01 ms
	printf '%s\n' "$line" | grep -oE "$n ms" | awk '{ v[NR] = $1 } END {
		for (i = 1; i < NR; i++) s += v[i]
		d = s - v[NR]; exit !(NR == 6 && d < 0.03 && d > -0.03) }'
	# without it, nothing of the kind
	run --separate-stderr flo-fit --no-store "$TMP/s.csv"
	[[ $stderr != *timings* ]]
}

@test "the store: the model goes to --db under --name, or to \$FLO_DB" {
	cdnow_summary > "$TMP/s.csv"
	run --separate-stderr flo-fit --db "$TMP/st" --name cdnow "$TMP/s.csv"
	assert_success
	[ -f "$TMP/st/data.mdb" ]
	run --separate-stderr flo-fit "$TMP/s.csv"
	assert_success
	[ -f "$FLO_DB/data.mdb" ]
	run --separate-stderr flo-fit --no-store --db "$TMP/never" "$TMP/s.csv"
	[ ! -e "$TMP/never" ]
	echo "not a store" > "$TMP/file"
	run --separate-stderr flo-fit --db "$TMP/file" "$TMP/s.csv"
	assert_failure 74
	[[ "$stderr" == *"flo-fit: store $TMP/file: $TMP/file: not a directory"* ]]
}

@test "units: read off the dates, and --unit must agree" {
	flo-rfm --unit day --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/d.csv"
	run --separate-stderr flo-fit --no-store "$TMP/d.csv"
	assert_success
	[ "$(echo "$output" | jq -r .unit)" = day ]
	# alpha scales with the unit: 4.414 weeks are 30.9 days
	near "$(echo "$output" | jq .bgnbd.params.alpha)" 30.898 0.005
	run --separate-stderr flo-fit --no-store --unit week "$TMP/d.csv"
	assert_failure 65
	[[ "$stderr" == *"line 2: recency "*" is not in weeks: last_order - first_order is "*" days" ]]
	cut -d, -f1-5 "$TMP/d.csv" > "$TMP/nodates.csv"
	run --separate-stderr flo-fit --no-store --unit day "$TMP/nodates.csv"
	[ "$(echo "$output" | jq -r .unit)" = day ]
	run --separate-stderr flo-fit --no-store "$TMP/nodates.csv"
	[ "$(echo "$output" | jq -r .unit)" = week ]
}

@test "units: a dated record in no unit flo knows stops the fit, first or last, and --unit checks every one" {
	# 131 days between the first and last order for a recency of 10: 13.1
	# days a unit.  First, it once named no unit and nothing after it was
	# checked; last, after the records had said weeks, it was refused.
	local odd='cX,2,10,20,30,3,90,1997-01-01,1997-05-12'
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/w.csv"
	{ head -1 "$TMP/w.csv"; echo "$odd"; tail -n +2 "$TMP/w.csv"; } > "$TMP/first.csv"
	{ cat "$TMP/w.csv"; echo "$odd"; } > "$TMP/last.csv"
	run --separate-stderr flo-fit --no-store "$TMP/first.csv"
	assert_failure 65
	[ "$stderr" = "flo-fit: $TMP/first.csv line 2: recency 10 is in no unit flo knows: last_order - first_order is 131 days, 13.1 days a unit (a day, week or month: flo-rfm's --unit)" ]
	run --separate-stderr flo-fit --no-store "$TMP/last.csv"
	assert_failure 65
	[ "$stderr" = "flo-fit: $TMP/last.csv line 2359: recency 10 is not in weeks: last_order - first_order is 131 days" ]
	run --separate-stderr flo-fit --no-store --unit week "$TMP/first.csv"
	assert_failure 65
	[ "$stderr" = "flo-fit: $TMP/first.csv line 2: recency 10 is not in weeks: last_order - first_order is 131 days" ]
	# skipped, the unit comes from the next dated record, and the fit is
	# the file's without it
	run --separate-stderr flo-fit --no-store --skip-bad "$TMP/first.csv"
	assert_success
	[ "$(jq -r '.unit + " " + (.data.customers | tostring)' <<< "$output")" = "week 2357" ]
	[[ "$stderr" == *"flo-fit: skipped 1 bad record"* ]]
	# the same in a file the threaded scan reads (over 32,768 lines)
	flo-simulate -n 40000 --seed 3 | flo-rfm --as-of 1998-06-30 2>/dev/null > "$TMP/big.csv"
	{ head -1 "$TMP/big.csv"; echo "$odd"; tail -n +2 "$TMP/big.csv"; } > "$TMP/bigfirst.csv"
	{ cat "$TMP/big.csv"; echo "$odd"; } > "$TMP/biglast.csv"
	run --separate-stderr flo-fit --no-store "$TMP/bigfirst.csv"
	assert_failure 65
	[[ "$stderr" == "flo-fit: $TMP/bigfirst.csv line 2: recency 10 is in no unit flo knows: "* ]]
	run --separate-stderr flo-fit --no-store "$TMP/biglast.csv"
	assert_failure 65
	[ "$stderr" = "flo-fit: $TMP/biglast.csv line $(wc -l < "$TMP/biglast.csv"): recency 10 is not in weeks: last_order - first_order is 131 days" ]
}

@test "what the data can say: every T 0 is nothing to fit (65), no repeat purchase is fitted with words" {
	# one day's log: every customer's T is 0, the likelihood 1 for any
	# parameters (a fit returned its start, r = alpha = a = b = 1, as converged)
	printf 'customer_id,date,amount\nc1,2021-03-01,10\nc2,2021-03-01,20\nc2,2021-03-01,5\n' |
		flo-rfm > "$TMP/day.csv"
	for model in bgnbd mbgnbd pnbd; do
		run --separate-stderr flo-fit --no-store --model "$model" "$TMP/day.csv"
		assert_failure 65
		[ "$stderr" = "flo-fit: nothing to fit in $TMP/day.csv: every customer's T is 0 (each observed only in the day or period of its first purchase: a log of one day?), where the likelihood is the same for any parameters" ]
	done
	# no repeat purchase: the rate runs to 0, said on stderr, and the
	# model predicts next to no purchases
	printf 'customer_id,frequency,recency,T,monetary\na,0,0,10,\nb,0,0,20,\nc,0,0,5,\n' > "$TMP/none.csv"
	run --separate-stderr flo-fit --no-store "$TMP/none.csv"
	assert_success
	[[ "$stderr" == *"flo-fit: no customer in $TMP/none.csv made a repeat purchase: the purchase rate is fitted at its boundary near 0 and dropout is not identified, so scores from this model predict next to no purchases"* ]]
	[ "$(jq '.bgnbd.params | .r / .alpha < 1e-6' <<< "$output")" = true ]
	! grep -Ewq 'nan|inf' <<< "$output"
}

@test "FLO, flo's default summary: no dropout is identified, said in words" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" > "$TMP/s.csv"
	run --separate-stderr flo-fit --no-store "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	[ "$(jq .bgnbd.customers "$TMP/m.json")" = 19945 ]
	[[ "$(jq -r '.bgnbd.warnings[0]' "$TMP/m.json")" == "no dropout is identified: "*"the BG/NBD reduces to nearly the NBD"* ]]
	[ "$(jq '.gamma_gamma.params.q > 1' "$TMP/m.json")" = true ]
	! grep -Ewq 'nan|inf' "$TMP/m.json"
	# the maximum is that boundary: reported at a + b = 1e30 with the
	# limit's a/(a+b), where BFGS used to crawl for 161 iterations and stop
	# at a = 1.7e28, b = 8.6e31 with r = 2.744092 and ln L = -339954.512222
	[ "$(jq '.bgnbd | .converged and .iterations < 20 and .gradient_norm < 1e-7' "$TMP/m.json")" = true ]
	near "$(jq '.bgnbd.params | .a + .b' "$TMP/m.json")" 1e30 1e16
	near "$(jq '.bgnbd.params | .a / (.a + .b)' "$TMP/m.json")" 0.000199 0.0000005
	near "$(jq .bgnbd.params.r "$TMP/m.json")" 2.744092 0.000005
	near "$(jq .bgnbd.loglik "$TMP/m.json")" -339954.512222 0.000001
	[ "$(jq '.bgnbd.se.r' "$TMP/m.json")" = null ]
}

@test "FLO four times over, 79,160 distinct triples: a sample's fit finds the boundary, all the data confirm it" {
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" > "$TMP/s.csv"
	# each copy's T a millionth of a week later: distinct, and the same fit
	awk -F, -v OFS=, 'NR == 1 { print; next } { line[NR] = $0 }
	  END { for (k = 0; k < 4; k++) for (i = 2; i <= NR; i++) { $0 = line[i]; $4 = sprintf("%.17g", $4 + k * 1e-6); print } }' \
		"$TMP/s.csv" > "$TMP/s4.csv"
	flo-fit --no-store "$TMP/s.csv" 2>/dev/null > "$TMP/one.json"
	flo-fit --no-store "$TMP/s4.csv" 2>/dev/null > "$TMP/four.json"
	[ "$(jq .bgnbd.distinct "$TMP/four.json")" = 79160 ]
	[ "$(jq '.bgnbd | .converged and .iterations <= 4' "$TMP/four.json")" = true ]
	[[ "$(jq -r '.bgnbd.warnings[0]' "$TMP/four.json")" == "no dropout is identified: "*"run to infinity together"* ]]
	near "$(jq .bgnbd.params.r "$TMP/four.json")" "$(jq .bgnbd.params.r "$TMP/one.json")" 1e-5
	near "$(jq .bgnbd.params.alpha "$TMP/four.json")" "$(jq .bgnbd.params.alpha "$TMP/one.json")" 1e-3
}

@test "FLO with the notebook's penalizers: DESIGN.md's fit, and q below 1 said in words" {
	flo-rfm --as-of 2021-06-01 --cap-outliers "$ROOT/examples/flo_data_20k.csv" > "$TMP/s.csv"
	run --separate-stderr flo-fit --no-store --penalizer 0.001 --gg-penalizer 0.01 "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/m.json"
	# DESIGN.md: r = 2.725321740632131, alpha = 72.66677564237696 (the a, b of
	# that fit sit on a flat boundary and differ between optimisers)
	near "$(jq .bgnbd.params.r "$TMP/m.json")" 2.7253217 5e-5
	near "$(jq .bgnbd.params.alpha "$TMP/m.json")" 72.666776 2e-3
	[[ "$(jq -r '.bgnbd.warnings[0]' "$TMP/m.json")" == "no dropout is identified: "* ]]
	near "$(jq .gamma_gamma.params.q "$TMP/m.json")" 0.47 0.005
	[[ "$(jq -r '.gamma_gamma.warnings[0]' "$TMP/m.json")" == "q = 0.4694 <= 1: the population mean spend p v/(q-1) does not exist"*"the penalizer pulls q toward 0"* ]]
	[ "$(jq .bgnbd.penalizer "$TMP/m.json")" = 0.001 ]
	[ "$(jq .gamma_gamma.penalizer "$TMP/m.json")" = 0.01 ]
	! grep -Ewq 'nan|inf' "$TMP/m.json"
}

# Simulate with known parameters, summarise, fit; each estimate must lie
# within 3 standard errors of the truth.
recover() {
	local n=$1 seed=$2 r=$3 alpha=$4 a=$5 b=$6
	flo-simulate -n "$n" --seed "$seed" --time --r "$r" --alpha "$alpha" --a "$a" --b "$b" |
		flo-rfm --occasion order --as-of 1998-06-30 2>/dev/null |
		flo-fit --no-store 2>/dev/null > "$TMP/fit.json"
	jq -r --argjson t "{\"r\":$r,\"alpha\":$alpha,\"a\":$a,\"b\":$b}" '
	  .bgnbd as $m | $t | to_entries[] |
	  "\(.key) \(.value) \($m.params[.key]) \($m.se[.key]) \((($m.params[.key] - .value) / $m.se[.key]) | fabs < 3)"' "$TMP/fit.json" > "$TMP/z.txt"
	cat "$TMP/z.txt"
	! grep -q false "$TMP/z.txt"
}

# recover_pnbd N SEED R ALPHA S BETA: the Pareto/NBD fitted to N customers
# simulated from it recovers each parameter within 3 standard errors.
recover_pnbd() {
	local n=$1 seed=$2 r=$3 alpha=$4 s=$5 beta=$6
	flo-simulate -n "$n" --seed "$seed" --time --model pnbd --r "$r" --alpha "$alpha" --s "$s" --beta "$beta" |
		flo-rfm --occasion order --as-of 1998-06-30 2>/dev/null |
		flo-fit --model pnbd --no-store 2>/dev/null > "$TMP/fit.json"
	jq -r --argjson t "{\"r\":$r,\"alpha\":$alpha,\"s\":$s,\"beta\":$beta}" '
	  .pnbd as $m | $t | to_entries[] |
	  "\(.key) \(.value) \($m.params[.key]) \($m.se[.key]) \((($m.params[.key] - .value) / $m.se[.key]) | fabs < 3)"' "$TMP/fit.json" > "$TMP/z.txt"
	cat "$TMP/z.txt"
	[ "$(jq .pnbd.converged "$TMP/fit.json")" = true ]
	! grep -q false "$TMP/z.txt"
}

@test "Pareto/NBD parameter recovery: the CDNOW estimates, 20,000 simulated customers" {
	recover_pnbd 20000 21 0.55 10.58 0.61 11.67
}

@test "Pareto/NBD parameter recovery: frequent buyers, alpha < beta, 20,000 customers" {
	recover_pnbd 20000 22 2 8 1.5 20
}

# recover_mbgnbd N SEED R ALPHA A B: the MBG/NBD fitted to N customers
# simulated from it recovers each parameter within 3 standard errors.
recover_mbgnbd() {
	local n=$1 seed=$2 r=$3 alpha=$4 a=$5 b=$6
	flo-simulate -n "$n" --seed "$seed" --time --model mbgnbd --r "$r" --alpha "$alpha" --a "$a" --b "$b" |
		flo-rfm --occasion order --as-of 1998-06-30 2>/dev/null |
		flo-fit --model mbgnbd --no-store 2>/dev/null > "$TMP/fit.json"
	jq -r --argjson t "{\"r\":$r,\"alpha\":$alpha,\"a\":$a,\"b\":$b}" '
	  .mbgnbd as $m | $t | to_entries[] |
	  "\(.key) \(.value) \($m.params[.key]) \($m.se[.key]) \((($m.params[.key] - .value) / $m.se[.key]) | fabs < 3)"' "$TMP/fit.json" > "$TMP/z.txt"
	cat "$TMP/z.txt"
	[ "$(jq .mbgnbd.converged "$TMP/fit.json")" = true ]
	! grep -q false "$TMP/z.txt"
}

@test "MBG/NBD parameter recovery: the CDNOW estimates, 20,000 simulated customers" {
	recover_mbgnbd 20000 21 0.5248 6.183 0.8914 1.614
}

@test "MBG/NBD parameter recovery: frequent buyers, 20,000 customers" {
	recover_mbgnbd 20000 22 2 8 0.5 3
}

# recover_bgbb N SEED UNIT END ALPHA BETA GAMMA DELTA: the BG/BB fitted to
# the period summary (UNIT's occasions to END) of N customers simulated from
# it recovers each parameter within 3 standard errors.
recover_bgbb() {
	local n=$1 seed=$2 unit=$3 end=$4 alpha=$5 beta=$6 gamma=$7 delta=$8 occasion
	occasion=(--occasion "$unit")
	[ "$unit" = day ] && occasion=(--unit day)
	flo-simulate -n "$n" --seed "$seed" --model bgbb --unit "$unit" --end "$end" \
		--alpha "$alpha" --beta "$beta" --gamma "$gamma" --delta "$delta" |
		flo-rfm "${occasion[@]}" --as-of "$end" 2>/dev/null |
		flo-fit --model bgbb --no-store 2>/dev/null > "$TMP/fit.json"
	jq -r --argjson t "{\"alpha\":$alpha,\"beta\":$beta,\"gamma\":$gamma,\"delta\":$delta}" '
	  .bgbb as $m | $t | to_entries[] |
	  "\(.key) \(.value) \($m.params[.key]) \($m.se[.key]) \((($m.params[.key] - .value) / $m.se[.key]) | fabs < 3)"' "$TMP/fit.json" > "$TMP/z.txt"
	cat "$TMP/z.txt"
	[ "$(jq .bgbb.converged "$TMP/fit.json")" = true ]
	[ "$(wc -l < "$TMP/z.txt")" = 4 ]
	! grep -q false "$TMP/z.txt"
}

@test "BG/BB parameter recovery: the donations estimates, 20,000 customers over 78 calendar weeks" {
	recover_bgbb 20000 41 week 1998-06-30 1.204 0.750 0.657 2.783
}

@test "BG/BB parameter recovery: rare buyers, slow dropout, 20,000 customers over 48 calendar months" {
	recover_bgbb 20000 42 month 2000-12-31 0.5 3 2 20
}

@test "BG/BB parameter recovery: day periods, n to 545, 20,000 customers" {
	recover_bgbb 20000 44 day 1998-06-30 0.3 5 0.5 30
}

@test "Pareto/NBD without dropout: the fit runs to the boundary and says so in words" {
	# mu ~ Gamma(1e-6, 10): nobody dies in the window, and the mean dropout
	# rate s/beta runs to 0, where the Pareto/NBD is the NBD
	flo-simulate -n 2000 --seed 31 --time --model pnbd --r 1 --alpha 10 --s 1e-6 --beta 10 |
		flo-rfm --occasion order --as-of 1998-06-30 2>/dev/null |
		flo-fit --model pnbd --no-store 2>/dev/null > "$TMP/fit.json"
	jq -e '.pnbd.params | .s / .beta < 1e-6' "$TMP/fit.json"
	jq -e '.pnbd.warnings[0] | startswith("no dropout is identified: ")' "$TMP/fit.json"
	jq -e '.pnbd.warnings[0] | contains("the Pareto/NBD reduces to the NBD")' "$TMP/fit.json"
	# the purchase rates are still estimated
	near "$(jq .pnbd.params.r "$TMP/fit.json")" 1 0.15
}

@test "parameter recovery: the CDNOW parameters, 20,000 simulated customers" {
	recover 20000 11 0.243 4.414 0.793 2.426
}

@test "parameter recovery: frequent buyers with dropout, 20,000 customers" {
	recover 20000 12 2 8 1 10
}

@test "parameter recovery: slow buyers, strong dropout, 10,000 customers" {
	recover 10000 13 0.5 2 2 5
}

@test "parameter recovery: 70,000 customers, the fit from a sample's in a few Newton steps" {
	recover 70000 14 2 8 1 10
	[ "$(jq '.bgnbd | .distinct > 60000 and .converged and .iterations <= 4' "$TMP/fit.json")" = true ]
	[ "$(jq '.gamma_gamma | .converged and .iterations <= 4' "$TMP/fit.json")" = true ]
}

@test "70,000 customers in any order: the same document, to the last digit" {
	flo-simulate -n 70000 --seed 15 --time --r 2 --alpha 8 --a 1 --b 10 |
		flo-rfm --occasion order --as-of 1998-06-30 2>/dev/null > "$TMP/s.csv"
	{ head -1 "$TMP/s.csv"; tail -n +2 "$TMP/s.csv" | shuf --random-source=<(yes); } > "$TMP/shuf.csv"
	{ head -1 "$TMP/s.csv"; tail -n +2 "$TMP/s.csv" | tac; } > "$TMP/rev.csv"
	for f in s shuf rev; do
		flo-fit --no-store "$TMP/$f.csv" 2>/dev/null | jq -S 'del(.created)' > "$TMP/$f.json"
	done
	[ "$(jq .bgnbd.distinct "$TMP/s.json")" -gt 60000 ] # the sample's path
	cmp "$TMP/s.json" "$TMP/shuf.json"
	cmp "$TMP/s.json" "$TMP/rev.json"
}

@test "bad input: missing fields, T < recency, negative frequency, nothing to fit" {
	# a monetary field named but absent (without a name: the BG/NBD alone, tested below)
	printf 'frequency,recency,T\n1,2,3\n' > "$TMP/s.csv"
	run flo-fit --no-store --monetary-field monetary "$TMP/s.csv"
	assert_failure 65
	assert_output "flo-fit: $TMP/s.csv line 2: missing field \"monetary\""
	printf 'frequency,recency,T,monetary\n1,5,3,10\n' > "$TMP/s.csv"
	run flo-fit --no-store < "$TMP/s.csv"
	assert_failure 65
	assert_output "flo-fit: input line 2: recency 5 and T 3: need 0 <= recency <= T"
	printf 'frequency,recency,T,monetary\n-1,0,3,10\n' > "$TMP/s.csv"
	run flo-fit --no-store < "$TMP/s.csv"
	assert_failure 65
	assert_output 'flo-fit: input line 2: field "frequency" is not a whole non-negative count: -1'
	printf 'frequency,recency,T,monetary\n1,x,3,10\n' > "$TMP/s.csv"
	run flo-fit --no-store < "$TMP/s.csv"
	assert_failure 65
	assert_output 'flo-fit: input line 2: field "recency" is not a number: "x"'
	printf 'frequency,recency,T,monetary\n' | { run flo-fit --no-store; assert_failure 65; assert_output "flo-fit: no customers to fit in input"; }
	printf 'frequency,recency,T,monetary\n1,x,3,10\n0,0,3,0\n2,1,3,5\n' > "$TMP/s.csv"
	run --separate-stderr flo-fit --no-store --rejects "$TMP/rej.csv" "$TMP/s.csv"
	assert_success
	[[ "$stderr" == "flo-fit: skipped 1 bad record, kept in $TMP/rej.csv"* ]]
	[ "$(cat "$TMP/rej.csv")" = "$(printf 'frequency,recency,T,monetary\n1,x,3,10')" ]
}

@test "usage: --help, --version, bad options" {
	run flo-fit --help
	assert_success
	assert_line --index 0 "usage: flo-fit [options] [file...]"
	run flo-fit --version
	assert_output --regexp '^flo-fit \(flo\) '
	run flo-fit --penalizer 1x
	assert_failure 2
	assert_line --index 0 'flo-fit: option --penalizer: not a number: "1x"'
	run flo-fit --penalizer -1
	assert_failure 2
	run flo-fit --unit year
	assert_failure 2
	run flo-fit --name ""
	assert_failure 2
	run flo-fit --nope
	assert_failure 2
	assert_line --index 0 "flo-fit: unknown option --nope"
	run flo-fit "$TMP/missing.csv"
	assert_failure 66
	cdnow_summary > "$TMP/s.csv"
	run bash -c 'flo-fit --no-store "$1" > /dev/full' _ "$TMP/s.csv"
	assert_failure 74
	assert_line --partial "write error"
}

@test "a small sample: parameters the data cannot pin down are said to be so" {
	flo-simulate -n 20 --seed 9 --start 2024-01-01 --end 2025-06-30 |
		flo-rfm --as-of 2025-06-30 | flo-fit --no-store 2>/dev/null > "$TMP/m.json"
	[[ "$(jq -r '.bgnbd.warnings[]' "$TMP/m.json")" == *"a = "*" is not identified by these data: its standard error"*"times the estimate"* ]]
	# 60 customers whose dropout does not vary: the maximum is where a and b
	# run to infinity together (BFGS used to stop on the way, at a = 2.3e5,
	# b = 6.1e5, with a lower likelihood)
	flo-simulate -n 60 --seed 7 --start 2024-01-01 --end 2025-06-30 |
		flo-rfm --as-of 2025-06-30 | flo-fit --no-store 2>/dev/null > "$TMP/m.json"
	[[ "$(jq -r '.bgnbd.warnings[0]' "$TMP/m.json")" == "dropout is the same for every customer: a = "*" and b = "*" run to infinity together (a/(a+b) = 0.269 per purchase); the spread of dropout probabilities is not identified" ]]
	[ "$(jq '.bgnbd.converged and .bgnbd.loglik > -282.61614' "$TMP/m.json")" = true ]
}

@test "Pareto/NBD, x > 0 at t_x = 0 (--frequency total): the run-away stops with exit 65 and says why" {
	# the Pareto/NBD likelihood too is unbounded there: r Gamma(x) alpha^r
	# times the death integral's alpha^(1-r-x) grows as r, alpha -> 0 (the
	# fit used to run on for many minutes)
	flo-rfm --frequency total --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/total.csv"
	run flo-fit --model pnbd --no-store "$TMP/total.csv"
	assert_failure 65
	assert_output --partial "flo-fit: the Pareto/NBD fit runs away (r = "
	assert_output --partial "and was stopped: 1411 customers with x > 0 at t_x = 0"
	assert_output --partial "the Pareto/NBD likelihood has no maximum"
}

@test "x > 0 at t_x = 0 (--frequency total): a fit that runs away stops with exit 65 and says why" {
	# CDNOW with the first order counted: 1411 one-time buyers at x = 1,
	# t_x = 0, where the likelihood grows without bound as r and alpha go
	# to 0 (the fit used to run 50 s to alpha = 5e-131, log-likelihood
	# +399,496)
	flo-rfm --frequency total --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/total.csv"
	run flo-fit --no-store "$TMP/total.csv"
	assert_failure 65
	assert_output --partial "flo-fit: the BG/NBD fit runs away (r = "
	assert_output --partial "and was stopped: 1411 customers with x > 0 at t_x = 0"
	assert_output --partial "the BG/NBD likelihood has no maximum"
	assert_output --partial "flo-rfm --frequency repeat (the default) counts the orders of one day as one purchase"
	refute_output --partial "did not converge"
	# stopped early: the model is not written
	run flo-fit --no-store --model-out "$TMP/m.json" "$TMP/total.csv"
	assert_failure 65
	[ ! -s "$TMP/m.json" ]
	# the same orders summarised with the default: a maximum, no such warning
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null | flo-fit --no-store 2>/dev/null > "$TMP/m.json"
	[ "$(jq '.bgnbd.converged' "$TMP/m.json")" = true ]
	run jq -r '.bgnbd.warnings[]' "$TMP/m.json"
	refute_output --partial "t_x = 0"
}

@test "x > 0 at t_x = 0: the seed notebook's recipe keeps its local optimum and warns in the model" {
	flo-rfm --frequency total --cap-outliers --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" > "$TMP/s.csv"
	flo-fit --no-store --penalizer 0.001 --gg-penalizer 0.01 "$TMP/s.csv" > "$TMP/m.json"
	[ "$(jq '.bgnbd.converged and (.bgnbd.params.r - 3.663383709948953 | fabs) < 1e-3' "$TMP/m.json")" = true ]
	run jq -r '.bgnbd.warnings[-1]' "$TMP/m.json"
	assert_output --partial "25 customers with x > 0 at t_x = 0"
	assert_output --partial "the BG/NBD likelihood has no maximum, it grows without bound as r and alpha go to 0 together; these parameters are a local optimum at best"
	assert_output --partial "flo-rfm --frequency repeat"
	# the first warning is still the boundary's
	run jq -r '.bgnbd.warnings[0]' "$TMP/m.json"
	assert_output --partial "no dropout is identified"
}

# The threaded scan of plain summary lines (lib/model/fitscan) must give the
# general path's fit and the general path's messages.  A weight column of 1
# forces the general path (weights keep flo-fit off the scan), so the two
# documents compare, fingerprint included.
scan_vs_general() {
	local in="$1" sep="$2"
	awk -v FS="$sep" -v OFS="$sep" 'NR == 1 { print $0, "w"; next } { print $0, 1 }' "$in" \
		> "$TMP/weighted"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store "$in" > "$TMP/scan.json" 2>"$TMP/scan.err"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store --weight w "$TMP/weighted" > "$TMP/general.json" \
		2>"$TMP/general.err"
	cmp "$TMP/scan.json" "$TMP/general.json"
	cmp "$TMP/scan.err" "$TMP/general.err"
}

@test "summaries read on threads: the fit of 120,000 customers is the general path's, CSV and TSV" {
	flo-simulate -n 120000 --seed 5 | flo-rfm > "$TMP/s.csv"
	scan_vs_general "$TMP/s.csv" ,
	flo-cat -o tsv "$TMP/s.csv" > "$TMP/s.tsv"
	scan_vs_general "$TMP/s.tsv" '\t'
	# lifetimes' layout (no dates, monetary_value, empty monetary of one-time buyers)
	awk -F, -v OFS=, 'NR == 1 { print "ID,frequency,recency,T,monetary_value"; next }
		{ print $1, $2, $3, $4, ($2 == 0 ? "" : $5) }' "$TMP/s.csv" > "$TMP/lt.csv"
	scan_vs_general "$TMP/lt.csv" ,
	cmp <(jq -c .bgnbd "$TMP/scan.json") <(jq -c .bgnbd <(flo-fit --no-store "$TMP/s.csv" 2>/dev/null))
}

@test "summaries read on threads: bad lines deep in the file are reported as the general path reports them" {
	flo-simulate -n 60000 --seed 6 | flo-rfm > "$TMP/s.csv"
	# line 50,000: recency above T; the first repeat buyer from line 55,000
	# on: a recency that is not the weeks between its dates
	awk -F, -v OFS=, 'NR == 50000 { $3 = $4 + 1 }
		NR >= 55000 && $2 > 0 && !done { $3 = $3 + 1; done = 1 } { print }' \
		"$TMP/s.csv" > "$TMP/bad.csv"
	run --separate-stderr flo-fit --no-store "$TMP/bad.csv"
	[ "$status" -eq 65 ]
	[ "$stderr" = "flo-fit: $TMP/bad.csv line 50000: recency 75.8571 and T 74.8571: need 0 <= recency <= T" ]
	# the general path (a weight column) says the same of the same line
	awk -F, -v OFS=, 'NR == 1 { print $0, "w"; next } { print $0, 1 }' "$TMP/bad.csv" > "$TMP/w.csv"
	run --separate-stderr flo-fit --no-store --weight w "$TMP/w.csv"
	[ "$status" -eq 65 ]
	[ "$stderr" = "flo-fit: $TMP/w.csv line 50000: recency 75.8571 and T 74.8571: need 0 <= recency <= T" ]
	# skipped, counted and kept aside as on the general path; the fit is
	# that of the file without them
	SOURCE_DATE_EPOCH=0 flo-fit --no-store --skip-bad --rejects "$TMP/rej.csv" "$TMP/bad.csv" \
		> "$TMP/skip.json" 2> "$TMP/skip.err"
	[ "$(grep -c 'skipped 2 bad records' "$TMP/skip.err")" = 1 ]
	[ "$(sed 1d "$TMP/rej.csv" | wc -l)" = 2 ]
	grep -vxF -f <(sed 1d "$TMP/rej.csv") "$TMP/bad.csv" > "$TMP/good.csv"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store "$TMP/good.csv" > "$TMP/good.json" 2>/dev/null
	cmp <(jq -c 'del(.source)' "$TMP/skip.json") <(jq -c 'del(.source)' "$TMP/good.json")
	[ "$(jq .bgnbd.customers "$TMP/skip.json")" = 59998 ]
}

@test "summaries read on threads: several files fit as their lines in one file" {
	flo-simulate -n 90000 --seed 8 | flo-rfm > "$TMP/s.csv"
	head -n 40001 "$TMP/s.csv" > "$TMP/a.csv"
	{ head -n 1 "$TMP/s.csv"; tail -n +40002 "$TMP/s.csv"; } > "$TMP/b.csv"
	SOURCE_DATE_EPOCH=0 flo-fit --no-store "$TMP/s.csv" > "$TMP/one.json" 2>/dev/null
	SOURCE_DATE_EPOCH=0 flo-fit --no-store "$TMP/a.csv" "$TMP/b.csv" > "$TMP/two.json" 2>/dev/null
	cmp "$TMP/one.json" "$TMP/two.json"
	[ "$(jq .data.customers "$TMP/two.json")" = 90000 ]
}
