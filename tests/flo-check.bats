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
	[ "$stderr" = "flo-check: $TMP/o.csv line 4: an order of customer \"a\" dated before the customer's previous one: the tracking check needs each customer's orders together and in date order (sort -t, -k1,1 -k2,2)" ]
	run --separate-stderr flo-check --check tracking --skip-bad $CDNOW "$TMP/o.csv"
	assert_success
	# one repeat (a on 01-09; b's second order is the same day), in week 2
	assert_line --index 1 --regexp '^1,2024-01-01,2024-01-07,calibration,0,'
	assert_line --index 2 --regexp '^2,2024-01-08,2024-01-14,calibration,1,[0-9.]+,1,'
	[[ "$stderr" == *"1 bad record"* ]]
}

@test "matrix: the grid's cells are flo-score's P(alive) and expected purchases for the same history" {
	run --separate-stderr flo-check --check matrix --T 38.86 --max-frequency 3 --max-recency 30 --horizon 39 $CDNOW
	assert_success
	assert_line --index 0 "frequency,recency,T,exp_purchases_39,p_alive"
	[ "${#lines[@]}" -eq $((1 + 4 * 31)) ]
	# FHL's customer (x = 2, t_x = 30, T = 38.86) and a newcomer, through flo-score
	printf 'frequency,recency,T\n2,30,38.86\n0,0,38.86\n' | flo-score $CDNOW --horizon 39 2>/dev/null > "$TMP/sc.csv"
	want=$(awk -F, 'NR == 2 { print $5 "," $4 }' "$TMP/sc.csv")
	assert_line --index $((1 + 2 * 31 + 30)) "2,30,38.86,$want"
	want=$(awk -F, 'NR == 3 { print $5 "," $4 }' "$TMP/sc.csv")
	assert_line --index 1 "0,0,38.86,$want"
	# from the input: its largest frequency and T make the grid
	printf 'frequency,recency,T\n2,3,4.5\n1,1,2\n' > "$TMP/s.csv"
	run --separate-stderr flo-check --check matrix $CDNOW "$TMP/s.csv"
	assert_success
	[ "${#lines[@]}" -eq $((1 + 3 * 5)) ]
	assert_line --index 15 --regexp '^2,4,4.5,'
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

@test "a Pareto/NBD model is refused by flo-check (its checks see BG/NBD models only), never checked as a BG/NBD" {
	flo-rfm --as-of 1997-09-30 --holdout-end 1998-06-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/cal.csv"
	flo-fit --no-store --model pnbd --model-out "$TMP/pnbd.json" "$TMP/cal.csv" > /dev/null 2>&1
	run --separate-stderr flo-check --check holdout --holdout 39 --model "$TMP/pnbd.json" "$TMP/cal.csv"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"the model is a pnbd: flo-check checks BG/NBD and MBG/NBD models only so far"* ]]
}
