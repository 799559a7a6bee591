#!/usr/bin/env bats
# flo-check: the fit checks as tables.  Golden values come from
# scripts/golden/check_cdnow.py (pandas groupby of lifetimes-style
# predictions with scipy's hyp2f1, FHL 2005 eq. 8 and 9 with mpmath), at the
# published CDNOW parameters (Fader, Hardie & Lee 2005).

load test_helper

CDNOW="--bgnbd 0.243,4.414,0.793,2.426"

cdnow_holdout() {
	flo-rfm --as-of 1997-09-30 --holdout-end 1998-06-30 "$DATA/cdnow.csv" 2>/dev/null
}

# agree GOLD OUT TOL: every column of the CSV file GOLD (its first column the
# key) agrees with the column of that name in OUT, for the same key, within
# relative TOL (absolute below 1e-300); prints "N checked, M bad".
agree() {
	awk -F, -v tol="$3" '
	  FNR == 1 && NR == FNR { for (i = 2; i <= NF; i++) name[i] = $i; ncol = NF; next }
	  FNR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	  NR == FNR { for (i = 2; i <= ncol; i++) want[$1, i] = $i; gold[$1] = 1; next }
	  $1 in gold { n++
	    for (i = 2; i <= ncol; i++) {
	      got = $(at[name[i]]); w = want[$1, i]; d = got - w; s = w
	      if (d < 0) d = -d
	      if (s < 0) s = -s
	      if (!(name[i] in at) || got == "" || d > tol * s) { bad++; print "bad: " $1 " " name[i] " = " got ", want " w }
	    } }
	  END { print n + 0 " checked, " bad + 0 " bad" }' "$1" "$2"
}

@test "holdout: CDNOW's table per calibration frequency equals the pandas groupby of scripts/golden/check_cdnow.py" {
	cdnow_holdout > "$TMP/s.csv"
	run --separate-stderr flo-check --check holdout --holdout 39 $CDNOW "$TMP/s.csv"
	assert_success
	assert_line --index 0 "frequency,customers,actual_mean,expected_mean,actual_sum,expected_sum,mae,rmse,corr,error_pct"
	[ "${#lines[@]}" -eq 10 ]
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<-EOF
	frequency,customers,actual_mean,expected_mean,mae,rmse,corr,error_pct
	0,1411,0.23671155209071582,0.22545087915676937,0.3994595073870435,0.76286218931858119,0.062531819884799902,-4.7571285957480303
	1,439,0.69703872437357628,0.52317613164442689,0.79893759462783642,1.2784567481785167,0.18436773780988672,-24.94303209414921
	2,214,1.3925233644859814,1.0441697201702336,1.2204782306612101,1.8355535753795142,0.1950224215942768,-25.015999960929538
	3,100,1.5600000000000001,1.5202926798122152,1.3276977104821444,1.8177813327571579,0.3142748169270127,-2.5453410376785111
	4,62,2.532258064516129,2.1638747331547399,1.7869586880831343,2.7334811814945037,0.20506905229614736,-14.547622002806452
	5,38,2.9473684210526314,2.6538316690901262,2.2359931522568357,2.8869746266071648,0.49196160798706384,-9.9592826558707177
	6,29,3.8620689655172415,3.50399065443772,3.7821203873122196,6.5208246240254173,0.28624597811796154,-9.2716705547376073
	7+,64,6.359375,6.1570717667793389,3.7174532926856081,4.8267333650730144,0.52654053132937684,-3.1811810629293151
	all,2357,0.79847263470513363,0.70171457756187816,0.78560914797848924,1.6079776646829929,0.62564070194277899,-12.117892703860425
	EOF
	# 1882 actual holdout purchases, 1653.94 expected (the means times 2357)
	assert_line --index 9 --regexp '^all,2357,[0-9.]+,[0-9.]+,1882,1653\.94'
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-9
	assert_output "9 checked, 0 bad"
}

@test "counts: customers per calibration frequency against sum_i P(X(T_i) = n) (FHL eq. 8, mpmath); the expected sum to the customers" {
	cdnow_holdout > "$TMP/s.csv"
	run --separate-stderr flo-check --check counts $CDNOW "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<-EOF
	frequency,actual,expected
	0,1411,1406.4997927021538
	1,439,460.80757643575518
	2,214,192.70943419413507
	3,100,101.30672937242987
	4,62,59.936084827189869
	5,38,38.17856964065997
	6,29,25.589687429608474
	7+,64,71.972125398067781
	EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-10
	assert_output "8 checked, 0 bad"
	awk -F, 'NR > 1 { a += $2; e += $3 } END { d = e - 2357; if (d < 0) d = -d; exit !(a == 2357 && d < 1e-9) }' "$TMP/out.csv"
	# other bucket counts: the expected still sum to the customers
	run --separate-stderr flo-check --check counts --max-frequency 30 $CDNOW -o jsonl "$TMP/s.csv"
	echo "$output" | jq -e -s 'length == 31 and ((map(.expected) | add) - 2357 | fabs) < 1e-9 and (map(.actual) | add) == 2357'
}

@test "tracking: CDNOW's cumulative expected repeat transactions at weeks 39 and 78 are the sums of E[X(t_i)] (FHL eq. 9, mpmath)" {
	run --separate-stderr flo-check --check tracking --as-of 1997-09-30 $CDNOW "$DATA/cdnow.csv"
	assert_success
	assert_line --index 0 "period,start,end,part,actual,expected,actual_cum,expected_cum"
	[ "${#lines[@]}" -eq 79 ]
	assert_line --index 1 --regexp '^1,1997-01-01,1997-01-07,calibration,0,'
	assert_line --index 39 --regexp '^39,1997-09-24,1997-09-30,calibration,62,[0-9.]+,2457,'
	assert_line --index 40 --regexp '^40,1997-10-01,1997-10-07,holdout,'
	assert_line --index 78 --regexp '^78,1998-06-24,1998-06-30,holdout,28,[0-9.]+,4339,'
	echo "$output" > "$TMP/t.csv"
	# check_cdnow.py: 2497.5635294873058 by week 39 and 4166.3727203857434 by week 78
	awk -F, 'function near(g, w) { d = g - w; if (d < 0) d = -d; return d <= 1e-9 * w }
		$1 == 39 { ok39 = near($8, 2497.5635294873058) }
		$1 == 78 { ok78 = near($8, 4166.3727203857434) }
		NR > 1 { inc += $6; if (!near(inc, $8) && inc > 0) bad++ }
		END { exit !(ok39 && ok78 && !bad) }' "$TMP/t.csv"
	# fortnights: the same totals
	run --separate-stderr flo-check --check tracking --period-days 14 $CDNOW "$DATA/cdnow.csv"
	assert_line --index 39 --regexp '^39,1998-06-17,1998-06-30,calibration,[0-9]+,[0-9.]+,4339,4166\.372720'
}

@test "tracking: a customer's orders out of date order are a bad record; --skip-bad goes on" {
	printf 'customer_id,date\na,2024-01-01\na,2024-01-09\na,2024-01-03\nb,2024-01-02\nb,2024-01-02\n' > "$TMP/o.csv"
	run --separate-stderr flo-check --check tracking $CDNOW "$TMP/o.csv"
	assert_failure 65
	[ "$stderr" = "flo-check: $TMP/o.csv line 4: an order of customer \"a\" dated before the customer's previous one: the tracking check needs each customer's orders in date order (a log in date order, or sort -t, -k1,1 -k2,2)" ]
	run --separate-stderr flo-check --check tracking --skip-bad $CDNOW "$TMP/o.csv"
	assert_success
	# one repeat (a on 01-09; b's second order is the same day), in week 2
	assert_line --index 1 --regexp '^1,2024-01-01,2024-01-07,calibration,0,'
	assert_line --index 2 --regexp '^2,2024-01-08,2024-01-14,calibration,1,[0-9.]+,1,'
	[[ "$stderr" == *"1 bad record"* ]]
}

# A log in date order interleaves its customers: each is counted once, as in
# the same log sorted by customer.  By hand: a first on 01-01, b on 01-02, c
# on 01-15; repeats a 01-09 (twice on one day: one), b 01-10 and 01-16.  The
# expected cumulative sums (FHL eq. 9, mpmath.hyp2f1 at CDNOW's parameters):
# week 1 E[X(6/7)] + E[X(5/7)] = 0.084260015562439237819, week 2 E[X(13/7)] +
# E[X(12/7)] = 0.18575981057324547927, week 3 E[X(20/7)] + E[X(19/7)] +
# E[X(6/7)] = 0.32764151125170427301.
@test "tracking: customers interleaved in a log in date order are counted once (hand count, FHL eq. 9 with mpmath)" {
	printf 'customer_id,date\na,2024-01-01\nb,2024-01-02\na,2024-01-09\nb,2024-01-10\na,2024-01-09\nc,2024-01-15\nb,2024-01-16\n' > "$TMP/o.csv"
	run --separate-stderr flo-check --check tracking $CDNOW "$TMP/o.csv"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	echo "$output" > "$TMP/t.csv"
	awk -F, 'function near(g, w) { d = g - w; if (d < 0) d = -d; return d <= 1e-12 * w }
		NR == 2 { ok1 = $5 == 0 && $7 == 0 && near($8, 0.084260015562439237819) }
		NR == 3 { ok2 = $5 == 2 && $7 == 2 && near($8, 0.18575981057324547927) }
		NR == 4 { ok3 = $5 == 1 && $7 == 3 && near($8, 0.32764151125170427301) }
		END { exit !(ok1 && ok2 && ok3) }' "$TMP/t.csv"
	# the same orders sorted by customer: the same table
	{ head -1 "$TMP/o.csv"; tail -n +2 "$TMP/o.csv" | sort -t, -k1,1 -k2,2; } > "$TMP/bycust.csv"
	run --separate-stderr flo-check --check tracking $CDNOW "$TMP/bycust.csv"
	[ "$output" = "$(cat "$TMP/t.csv")" ]
}

@test "tracking: CDNOW's log in date order gives the table of the log by customer (weeks 39 and 78 as check_cdnow.py)" {
	{ head -1 "$DATA/cdnow.csv"; tail -n +2 "$DATA/cdnow.csv" | sort -t, -k2,2 -s; } > "$TMP/bydate.csv"
	# interleaved indeed: some customer's orders are not together
	awk -F, 'NR > 1 { if ($1 != prev && ($1 in seen)) split_ = 1; seen[$1] = 1; prev = $1 } END { exit !split_ }' "$TMP/bydate.csv"
	flo-check --check tracking --as-of 1997-09-30 $CDNOW "$DATA/cdnow.csv" > "$TMP/a.csv" 2>/dev/null
	flo-check --check tracking --as-of 1997-09-30 $CDNOW "$TMP/bydate.csv" > "$TMP/b.csv" 2>/dev/null
	cmp "$TMP/a.csv" "$TMP/b.csv"
	run awk -F, '$1 == 78 { print $7 }' "$TMP/b.csv"
	assert_output 4339
}

@test "matrix: the grid's cells are flo-score's P(alive) and expected purchases for the same history" {
	run --separate-stderr flo-check --check matrix --T 38.86 --max-frequency 3 --max-recency 30 --horizon 39 $CDNOW
	assert_success
	assert_line --index 0 "frequency,recency,T,exp_purchases_39,p_alive"
	# frequency 0 has the one cell of recency 0 (t_x = 0 without a repeat purchase)
	[ "${#lines[@]}" -eq $((1 + 1 + 3 * 31)) ]
	assert_line --index 2 --regexp '^1,0,38.86,'
	# FHL's customer (x = 2, t_x = 30, T = 38.86) and a newcomer, through flo-score
	printf 'frequency,recency,T\n2,30,38.86\n0,0,38.86\n' | flo-score $CDNOW --horizon 39 2>/dev/null > "$TMP/sc.csv"
	want=$(awk -F, 'NR == 2 { print $5 "," $4 }' "$TMP/sc.csv")
	assert_line --index $((1 + 1 + 31 + 30)) "2,30,38.86,$want"
	want=$(awk -F, 'NR == 3 { print $5 "," $4 }' "$TMP/sc.csv")
	assert_line --index 1 "0,0,38.86,$want"
	# from the input: its largest frequency and T make the grid
	printf 'frequency,recency,T\n2,3,4.5\n1,1,2\n' > "$TMP/s.csv"
	run --separate-stderr flo-check --check matrix $CDNOW "$TMP/s.csv"
	assert_success
	[ "${#lines[@]}" -eq $((1 + 1 + 2 * 5)) ]
	assert_line --index 11 --regexp '^2,4,4.5,'
}

@test "matrix: every family's row of frequency 0 is the one cell of recency 0, flo-score's newcomer" {
	for model in "$CDNOW" "$PNBD" "--model $DATA/score_model_mbgnbd.json"; do
		run --separate-stderr flo-check --check matrix --T 38.86 --max-frequency 2 --max-recency 30 --horizon 39 $model
		assert_success
		[ "${#lines[@]}" -eq $((1 + 1 + 2 * 31)) ]
		run awk -F, 'NR > 1 && $1 == 0 { n++; if ($2 != 0) bad++ } END { print n + 0, bad + 0 }' <<< "$output"
		assert_output "1 0"
		want=$(printf 'frequency,recency,T\n0,0,38.86\n' | flo-score $model --horizon 39 2>/dev/null |
			awk -F, 'NR == 2 { print $5 "," $4 }')
		run --separate-stderr flo-check --check matrix --T 38.86 --max-frequency 2 --max-recency 30 --horizon 39 $model
		assert_line --index 1 "0,0,38.86,$want"
		assert_line --index 2 --regexp '^1,0,38.86,'
	done
}

@test "summary: one line per model: log-likelihood (FHL: -9582.4), AIC, BIC and the holdout errors" {
	cdnow_holdout > "$TMP/s.csv"
	flo-fit --no-store --model-out "$TMP/fit.json" "$TMP/s.csv" > /dev/null 2>&1
	printf '{"format":"flo-model 1","unit":"week","bgnbd":{"params":{"r":0.3,"alpha":5,"a":0.9,"b":3}},"gamma_gamma":null}\n' > "$TMP/other.json"
	run --separate-stderr flo-check --check summary --holdout 39 --model "$TMP/fit.json" --model "$TMP/other.json" "$TMP/s.csv"
	assert_success
	assert_line --index 0 "model,family,params,customers,loglik,aic,bic,holdout_customers,mae,rmse,corr,error_pct"
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 1 --regexp "^$TMP/fit.json,bgnbd,r=0.2425[0-9]* alpha=4.413[0-9]* a=0.792[0-9]* b=2.425[0-9]*,2357,-9582.4[0-9]*,"
	echo "$output" | awk -F, 'NR > 1 { ll = $5; k = 4; n = $4
		d = ($6 - (2 * k - 2 * ll)); if (d < 0) d = -d; if (d > 1e-9) bad++
		d = ($7 - (k * log(n) - 2 * ll)); if (d < 0) d = -d; if (d > 1e-9) bad++ }
		NR == 2 { first = $5 } NR == 3 { if (!($5 < first)) bad++ }
		END { exit bad > 0 }'
	# the published parameters: the holdout columns of the holdout check's "all"
	run --separate-stderr flo-check --check summary --holdout 39 $CDNOW "$TMP/s.csv"
	assert_line --index 1 --regexp '^--bgnbd,bgnbd,r=0.243 alpha=4.414 a=0.793 b=2.426,2357,-9582.43[0-9]*,[0-9.]+,[0-9.]+,2357,0.78560914797848[0-9]*,1.60797766468299[0-9]*,0.625640701942[0-9]*,-12.1178927038[0-9]*$'
	# without --holdout: no holdout columns' values
	run --separate-stderr flo-check --check summary $CDNOW "$TMP/s.csv"
	assert_line --index 1 --regexp ',2357,-9582.43[0-9]*,[0-9.]+,[0-9.]+,,,,,$'
}

@test "usage: --check is required and named; holdout needs --holdout; several models only for summary" {
	run flo-check $CDNOW
	assert_failure 2
	assert_output --partial "--check NAME is required"
	run flo-check --check nope $CDNOW
	assert_failure 2
	assert_output --partial 'option --check: expected holdout, counts, matrix, tracking or summary: "nope"'
	run flo-check --check holdout $CDNOW /dev/null
	assert_failure 2
	assert_output --partial "--check holdout needs --holdout H"
	run flo-check --check counts --model a.json --model b.json /dev/null
	assert_failure 2
	run flo-check --check counts --max-frequency 0 $CDNOW /dev/null
	assert_failure 2
	run flo-check --check counts --db "$TMP/none" /dev/null
	assert_failure 2
	assert_output --partial "no model"
	run flo-check --help
	assert_success
	assert_line --index 0 "usage: flo-check --check NAME [options] [file]"
}

@test "bad records: the line and the field; a missing holdout field; JSON Lines output" {
	printf 'frequency,recency,T,holdout_purchases\n1,2,3,0\n1,x,3,0\n' > "$TMP/s.csv"
	run --separate-stderr flo-check --check holdout --holdout 5 $CDNOW "$TMP/s.csv"
	assert_failure 65
	[ "$stderr" = "flo-check: $TMP/s.csv line 3: field \"recency\" is not a number: \"x\"" ]
	run --separate-stderr flo-check --check holdout --holdout 5 --skip-bad -o jsonl $CDNOW "$TMP/s.csv"
	assert_success
	echo "$output" | jq -e -s 'length == 9 and .[8].frequency == "all" and .[8].customers == 1 and .[8].corr == null and .[8].error_pct == null'
	printf 'frequency,recency,T\n1,2,3\n' | { run flo-check --check holdout --holdout 5 $CDNOW; assert_failure 65; assert_output 'flo-check: input line 2: missing field "holdout_purchases"'; }
	printf 'frequency,recency,T\n1,4,3\n' | { run flo-check --check counts $CDNOW; assert_failure 65; assert_output 'flo-check: input line 2: recency must be 0 or more and at most T'; }
}

# scripts/golden/check_cdnow_pnbd.py: the same tables at the published
# Pareto/NBD parameters (FHL05 eqs. 27, 33 and 41 with mpmath.hyp2f1; Fader &
# Hardie 2006's P(X(t) = x) as printed; pandas groupby).
PNBD="--model $DATA/score_model_pnbd.json"

@test "Pareto/NBD holdout: CDNOW's table per calibration frequency equals scripts/golden/check_cdnow_pnbd.py" {
	cdnow_holdout > "$TMP/s.csv"
	run --separate-stderr flo-check --check holdout --holdout 39 $PNBD "$TMP/s.csv"
	assert_success
	[ "${#lines[@]}" -eq 10 ]
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<-EOF
	frequency,customers,actual_mean,expected_mean,mae,rmse,corr,error_pct
	0,1411,0.23671155209071582,0.13687646505749734,0.33505793358777758,0.76923974916204407,0.063072616952697169,-42.175840659841697
	1,439,0.69703872437357628,0.59617784845310751,0.80505898025566303,1.2756061583858149,0.17588233886832849,-14.469909976825424
	2,214,1.3925233644859814,1.1909579225629536,1.2372292108306069,1.8222587240555259,0.19095024342368183,-14.474833748834877
	3,100,1.5600000000000001,1.7078089206336697,1.373181340283546,1.8267451759813578,0.31733666457047194,9.4749308098506173
	4,62,2.532258064516129,2.3911346832841711,1.8329108860813532,2.7262400750746956,0.19729731036173134,-5.5730252461027883
	5,38,2.9473684210526314,2.899275750267392,2.2818837794081048,2.8896244498959138,0.47994436847617455,-1.6317156159277677
	6,29,3.8620689655172415,3.8082890542124566,3.9223738762937388,6.5279201028265446,0.28243446975992781,-1.3925155605703208
	7+,64,6.359375,6.3899455547451272,3.6452747613138006,4.7568978175534831,0.53172202717569239,0.48071633997251545
	all,2357,0.79847263470513363,0.70357249983390358,0.75336075836310912,1.6028815491556356,0.63021324320909289,-11.885208177018555
	EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-9
	assert_output "9 checked, 0 bad"
}

@test "Pareto/NBD counts: sum_i P(X(T_i) = n) against Fader & Hardie (2006) with mpmath; the expected sum to the customers" {
	cdnow_holdout > "$TMP/s.csv"
	run --separate-stderr flo-check --check counts $PNBD "$TMP/s.csv"
	assert_success
	echo "$output" > "$TMP/out.csv"
	cat > "$TMP/gold.csv" <<-EOF
	frequency,actual,expected
	0,1411,1439.6927195804739
	1,439,395.61670888444838
	2,214,192.33479196247807
	3,100,110.94692994723668
	4,62,69.360169321999439
	5,38,45.397764193492542
	6,29,30.598389095168203
	7+,64,73.052527014702776
	EOF
	run agree "$TMP/gold.csv" "$TMP/out.csv" 1e-10
	assert_output "8 checked, 0 bad"
	run --separate-stderr flo-check --check counts --max-frequency 40 $PNBD -o jsonl "$TMP/s.csv"
	echo "$output" | jq -e -s 'length == 41 and ((map(.expected) | add) - 2357 | fabs) < 1e-8 and all(.[]; .expected >= 0)'
}

@test "Pareto/NBD tracking, matrix and summary: FHL05 eq. 27 sums at weeks 39 and 78; the matrix is flo-score's; the summary names the family" {
	run --separate-stderr flo-check --check tracking --as-of 1997-09-30 $PNBD "$DATA/cdnow.csv"
	assert_success
	echo "$output" > "$TMP/t.csv"
	# check_cdnow_pnbd.py: 2502.650362658042 by week 39, 4226.3379732629603 by week 78
	awk -F, 'function near(g, w) { d = g - w; if (d < 0) d = -d; return d <= 1e-9 * w }
		$1 == 39 { ok39 = near($8, 2502.650362658042) }
		$1 == 78 { ok78 = near($8, 4226.3379732629603) }
		END { exit !(ok39 && ok78) }' "$TMP/t.csv"
	run --separate-stderr flo-check --check matrix --T 38.86 --max-frequency 2 --max-recency 30 --horizon 39 $PNBD
	assert_success
	printf 'frequency,recency,T\n2,30,38.86\n' | flo-score $PNBD --horizon 39 2>/dev/null > "$TMP/sc.csv"
	want=$(awk -F, 'NR == 2 { print $5 "," $4 }' "$TMP/sc.csv")
	assert_line --index $((1 + 1 + 31 + 30)) "2,30,38.86,$want"
	cdnow_holdout > "$TMP/s.csv"
	run --separate-stderr flo-check --check summary --holdout 39 --model "$DATA/score_model.json" $PNBD -o jsonl "$TMP/s.csv"
	assert_success
	echo "$output" | jq -e -s 'length == 2 and .[0].family == "bgnbd" and .[1].family == "pnbd"
		and .[1].params == "r=0.55 alpha=10.58 s=0.61 beta=11.67" and .[1].customers == 2357
		and (.[1].mae - 0.75336075836310912 | fabs) < 1e-9'
	# inline parameters are the same model
	run --separate-stderr flo-check --check counts --pnbd 0.55,10.58,0.61,11.67 "$TMP/s.csv"
	[ "$output" = "$(flo-check --check counts $PNBD "$TMP/s.csv" 2>/dev/null)" ]
}

@test "units: summaries in another unit than the model's are refused (a unit field, the dates, or none stated)" {
	printf 'frequency,recency,T,unit\n1,2,3,day\n' > "$TMP/u.csv"
	run --separate-stderr flo-check --check counts $CDNOW "$TMP/u.csv"
	assert_failure 65
	[ "$stderr" = "flo-check: $TMP/u.csv line 2: field \"unit\" is day, but the model's unit is week: the check would mix time units" ]
	flo-rfm --unit day --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/d.csv"
	run --separate-stderr flo-check --check counts $PNBD "$TMP/d.csv"
	assert_failure 65
	[[ "$stderr" == "flo-check: $TMP/d.csv line 2: recency "*" is in another time unit than the model (week): last_order - first_order is "*" days, "*" weeks" ]]
	sed 's/"week"/"day"/' "$DATA/score_model.json" > "$TMP/day.json"
	printf 'frequency,recency,T\n1,2,3\n' > "$TMP/n.csv"
	run --separate-stderr flo-check --check counts --model "$TMP/day.json" "$TMP/n.csv"
	assert_failure 65
	[ "$stderr" = "flo-check: $TMP/n.csv: the summaries say nothing of their time unit (no first_order and last_order dates, no unit field) and are taken in weeks, but the model's unit is day: give --unit day if they are in days" ]
	run --separate-stderr flo-check --check counts --model "$TMP/day.json" --unit day "$TMP/n.csv"
	assert_success
	run --separate-stderr flo-check --check counts --model "$TMP/day.json" "$TMP/d.csv"
	assert_success
	run --separate-stderr flo-check --check counts --model "$TMP/day.json" --unit week "$TMP/n.csv"
	assert_failure 2
	[[ "$stderr" == "flo-check: --unit week, but the model's unit is day: the check would mix time units"* ]]
	run --separate-stderr flo-check --check summary --model "$DATA/score_model.json" --model "$TMP/day.json" "$TMP/n.csv"
	assert_failure 2
	[[ "$stderr" == *"models compared on one input share its unit"* ]]
}

@test "BG/BB: records that are not whole periods are bad records (65); period lengths bounded; its matrix has x <= t_x" {
	printf '%s\n' '{"format": "flo-model 1", "unit": "week", "family": "bgbb",' \
		'"bgbb": {"params": {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}},' \
		'"gamma_gamma": null}' > "$TMP/bgbb.json"
	printf 'frequency,recency,T,holdout_purchases\n3,5,6,1\n3,5,6.5,1\n' > "$TMP/s.csv"
	for check in holdout counts summary; do
		run --separate-stderr timeout 10 flo-check --check $check --holdout 4 --model "$TMP/bgbb.json" "$TMP/s.csv"
		assert_failure 65
		[ "$stderr" = "flo-check: $TMP/s.csv line 3: field \"T\" is not a whole number of periods, as the BG/BB needs (flo-rfm --occasion day|week|month writes them): \"6.5\"" ]
	done
	printf 'frequency,recency,T,holdout_purchases\n3,5,1e15,1\n' | { run timeout 10 flo-check --check holdout --holdout 4 --model "$TMP/bgbb.json"; assert_failure 65; assert_output --partial 'field "T" is more than 3000000 periods'; }
	printf 'frequency,recency,T,holdout_purchases\n4,3,6,1\n' | { run flo-check --check counts --model "$TMP/bgbb.json"; assert_failure 65; assert_output --partial 'field "frequency" is more than recency'; }
	run --separate-stderr flo-check --check holdout --holdout 4 --skip-bad --model "$TMP/bgbb.json" "$TMP/s.csv"
	assert_success
	[ "$stderr" = "flo-check: skipped 1 bad record" ]
	run flo-check --check holdout --holdout 1e10 --model "$TMP/bgbb.json" "$TMP/s.csv"
	assert_failure 2
	assert_output --partial "flo-check: --holdout 10000000000: the BG/BB counts a period at a time, up to 3000000 periods"
	run flo-check --check matrix --T 6.5 --model "$TMP/bgbb.json"
	assert_failure 2
	assert_output --partial "flo-check: --T 6.5: the BG/BB's T is a whole number of periods"
	# the matrix: (x, t_x) with x <= t_x, and only recency 0 for x = 0
	run --separate-stderr flo-check --check matrix --T 6 --max-frequency 6 --horizon 10 --model "$TMP/bgbb.json"
	assert_success
	[ "${#lines[@]}" -eq $((1 + 1 + 6 + 5 + 4 + 3 + 2 + 1)) ]
	run awk -F, 'NR > 1 && $1 > $2' <<< "$output"
	assert_output ""
	# FHS10 eqs. (11) and (13) with mpmath (bgbb_golden.py, tests/unit/test_bgbb.c): (3, 5, 6)
	run --separate-stderr flo-check --check matrix --T 6 --max-frequency 6 --horizon 10 --model "$TMP/bgbb.json"
	run awk -F, '$1 == 3 && $2 == 5 { e = $4 - 3.224634410606511164; p = $5 - 0.7667340499957251271
		print (e * e < (1e-12 * 3.22) ^ 2 && p * p < (1e-12 * 0.767) ^ 2) ? "ok" : "got " $4 ", " $5 }' <<< "$output"
	assert_output ok
}
