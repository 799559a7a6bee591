#!/usr/bin/env bats
# The seed FLO notebook's recipe (pandas + the Python `lifetimes` library)
# reproduced by flo, customer by customer.
#
# tests/data/notebook_golden.csv.gz holds, for each of the 19,945 FLO
# customers, what the notebook computes with `lifetimes`: exp_purchases_12,
# exp_purchases_24, exp_avg_value, clv and the CLV quartile.  It was written by
# scripts/golden/notebook_lifetimes.py (pandas 1.5.3, numpy 1.24.2, scipy
# 1.10.1; CI does not run it), an independent reimplementation of the
# notebook's data preparation and of the library's fits (its penalised
# likelihoods minimised by scipy's BFGS from the library's starting point and
# tolerance), predictions (FHL eq. 10 with scipy's hyp2f1), expected spend,
# CLV month loop and pandas.qcut.  That script printed:
#   BG/NBD       r 3.663383709948953  alpha 76.17235863808028
#                a 2.538793299036493e-22  b 3.91940493294667e-12
#   Gamma-Gamma  p 4.151178843872991  q 0.47012476335539627  v 4.0772431912029905
#   clv quartile edges 12.108002945693325, 112.2453893646145,
#                      165.46885851722297, 240.05786534733232, 3327.7770404298153
#   customers with a non-finite lifetimes result: 0 (every customer has
#   frequency >= 2 under the notebook's all-orders count)
#   customers whose clv is within 0.1% of an inner edge: 75
# a and b sit on a flat boundary (a -> 0): where along it an optimiser stops
# depends on its path, and the predictions do not (they tend to the NBD's), so
# the parameters compared are the identified ones, r, alpha, p, q, v.

load test_helper

FLO="$ROOT/examples/flo_data_20k.csv"
GOLDEN="$DATA/notebook_golden.csv.gz"
EDGES="12.108002945693325,112.2453893646145,165.46885851722297,240.05786534733232,3327.7770404298153"

# The recipe, once for the file: the four documented commands.
setup_file() {
	export NB="$BATS_FILE_TMPDIR"
	export FLO_DB="$NB/flo.lmdb"
	flo-rfm --frequency total --cap-outliers --as-of 2021-06-01 "$FLO" > "$NB/summary.csv"
	flo-fit --penalizer 0.001 --gg-penalizer 0.01 --model-out "$NB/model.json" "$NB/summary.csv" > /dev/null
	flo-score --horizon 12,24 --clv-months 6 --discount 0.01 "$NB/summary.csv" > "$NB/scored.csv"
	flo-segment --groups 4 --save-cuts notebook "$NB/scored.csv" > "$NB/customers.csv"
}

# compare GOLD OUT: for every customer of OUT, each number against GOLD's
# (relative difference), the segment against GOLD's; a segment may differ only
# where GOLD's clv is within 0.1% of an inner quartile edge.  Prints
# "customers N missing M worst W over_tolerance K segments_differ S near_edge E".
compare() {
	awk -F, -v edges="$EDGES" '
	  BEGIN { split(edges, e, ","); split("exp_purchases_12 exp_purchases_24 exp_avg_value clv", F, " ") }
	  FNR == 1 { for (i = 1; i <= NF; i++) at[FILENAME, $i] = i; next }
	  NR == FNR { for (k = 1; k <= 4; k++) want[$1, k] = $(at[FILENAME, F[k]])
	              seg[$1] = $(at[FILENAME, "segment"]); next }
	  { n++
	    if (!($1 in seg)) { missing++; next }
	    for (k = 1; k <= 4; k++) {
	      w = want[$1, k]; d = $(at[FILENAME, F[k]]) - w
	      if (d < 0) d = -d
	      if (w < 0) w = -w
	      if (!(d <= 1e-3 * w)) { over++; print "off: " $1 " " F[k] " = " $(at[FILENAME, F[k]]) ", want " want[$1, k] }
	      if (d / w > worst) worst = d / w
	    }
	    if ($(at[FILENAME, "segment"]) != seg[$1]) {
	      differ++; c = want[$1, 4]
	      for (q = 2; q <= 4; q++) { d = c - e[q]; if (d < 0) d = -d; if (d <= 1e-3 * e[q]) { near++; break } }
	    } }
	  END { printf "customers %d missing %d worst %s over_tolerance %d segments_differ %d near_edge %d\n",
	               n, missing, (worst < 1e-3 ? "below_0.1%" : worst), over, differ, near }' "$1" "$2"
}

@test "the notebook recipe: every customer within 0.1% of lifetimes, the same CLV quartile" {
	gzip -dc "$GOLDEN" > "$TMP/golden.csv"
	run compare "$TMP/golden.csv" "$NB/customers.csv"
	assert_success
	# 0 segments differ (75 customers lie within 0.1% of an edge: they would
	# have been allowed to)
	assert_output "customers 19945 missing 0 worst below_0.1% over_tolerance 0 segments_differ 0 near_edge 0"
	# and every reference customer is there
	[ "$(wc -l < "$TMP/golden.csv")" -eq 19946 ]
	[ "$(cut -d, -f1 "$TMP/golden.csv" | sort)" = "$(cut -d, -f1 "$NB/customers.csv" | sort)" ]
}

@test "the notebook recipe: the identified parameters agree with lifetimes' (a and b on the boundary)" {
	# relative differences within 1e-4 for r, alpha, p, q, v
	run jq -r '
	  def near($want): (. - $want | fabs) <= 1e-4 * $want;
	  [ (.bgnbd.params.r | near(3.663383709948953)), (.bgnbd.params.alpha | near(76.17235863808028)),
	    (.gamma_gamma.params.p | near(4.151178843872991)), (.gamma_gamma.params.q | near(0.47012476335539627)),
	    (.gamma_gamma.params.v | near(4.0772431912029905)),
	    # no dropout identified: a at the boundary, a mean dropout per purchase of nil
	    (.bgnbd.params.a < 1e-8), (.bgnbd.params.a / (.bgnbd.params.a + .bgnbd.params.b) < 1e-6),
	    .bgnbd.converged, .gamma_gamma.converged, .bgnbd.penalizer == 0.001, .gamma_gamma.penalizer == 0.01 ] | all' \
	  "$NB/model.json"
	assert_output true
	# the fit says in words what went wrong with the recipe
	run jq -r '.bgnbd.warnings[0], .gamma_gamma.warnings[0]' "$NB/model.json"
	assert_line --index 0 --partial "no dropout is identified"
	assert_line --index 1 --partial "q = 0.4701 <= 1: the population mean spend p v/(q-1) does not exist"
}

@test "the notebook recipe: the notebook's data preparation (caps, all orders, weeks)" {
	# every customer has at least one online and one offline order: frequency
	# (all orders) >= 2, so no customer meets lifetimes' inf/NaN at x = 1
	run awk -F, 'NR > 1 && $2 < 2' "$NB/summary.csv"
	assert_output ""
	# the caps (round(q99 + 1.5 (q99 - q01)), half to even): online orders 48
	# (48.5 rounded to even), offline orders 16; the largest frequency is 57
	run awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$NB/summary.csv"
	assert_output 57
	# recency and T in weeks from the dates, T to 2021-06-01
	run grep '^cc294636-19f0-11eb-8d74-000d3a38a36f,' "$NB/summary.csv"
	assert_output "cc294636-19f0-11eb-8d74-000d3a38a36f,5,17,30.571428571428573,187.874,5,939.37,2020-10-30,2021-02-26"
}

@test "the notebook recipe: every number finite, P(alive) 1 (no dropout identified)" {
	run awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	  { for (f in at) if (f ~ /^(p_alive|exp_|clv)/ && $(at[f]) !~ /^[0-9.e+-]+$/) bad++
	    if ($(at["p_alive"]) < 0.999999) alive++ }
	  END { print NR - 1, bad + 0, alive + 0 }' "$NB/customers.csv"
	assert_output "19945 0 0"
}

@test "flo-segment's quartile edges are pandas.qcut's on the reference CLV, to the last bit" {
	# the edges printed by pandas.qcut(clv, 4, retbins=True) in
	# scripts/golden/notebook_lifetimes.py
	run sh -c "gzip -dc '$GOLDEN' | flo-segment --print-cuts"
	assert_success
	assert_output '{"format":"flo-cuts 1","field":"clv","groups":4,"records":19945,"edges":['"$EDGES"'],"labels":["D","C","B","A"]}'
	# and its segments are pandas': segmenting the reference again replaces
	# its segment field with the same labels, byte for byte
	gzip -dc "$GOLDEN" > "$TMP/golden.csv"
	flo-segment "$TMP/golden.csv" > "$TMP/again.csv"
	cmp "$TMP/golden.csv" "$TMP/again.csv"
}

@test "the notebook recipe: stored cut points segment a later stream as the batch run did" {
	run flo-segment --db "$NB/flo.lmdb" --print-cuts --cuts notebook
	assert_success
	[ "$(echo "$output" | jq '.records')" = 19945 ]
	# every record through the stored cut points, one at a time from a pipe
	cat "$NB/scored.csv" | flo-segment --db "$NB/flo.lmdb" --cuts notebook > "$TMP/stream.csv"
	cmp "$NB/customers.csv" "$TMP/stream.csv"
}

@test "scripts/demo-notebook checks the recipe against the reference and sets it beside flo's default" {
	run --separate-stderr "$ROOT/scripts/demo-notebook" "$TMP/demo"
	assert_success
	assert_line "segments that differ: 0 (allowed only within 0.1% of the quartile edges 112.2453893646145 165.46885851722297 240.05786534733232 )"
	assert_line "every customer within 0.1% of the lifetimes reference"
	assert_line --regexp '^19945 customers; largest relative difference: exp_purchases_12 [0-9.e-]+, exp_purchases_24 [0-9.e-]+, exp_avg_value [0-9.e-]+, clv [0-9.e-]+$'
	assert_line --regexp '^q +0\.4701 +0\.4694 +9\.328 +8\.093$'
	assert_line --regexp '^population_mean_spend +none +none +151\.1 +151\.4$'
	assert_line --regexp '^segment_A +4986 +4986 +4986 +4986$'
	[ "$stderr" = "" ]
	# its recipe is the same as the four commands above
	cmp "$NB/customers.csv" "$TMP/demo/customers.csv"
}
