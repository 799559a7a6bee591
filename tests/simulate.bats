#!/usr/bin/env bats
# flo-simulate: seeded synthetic order logs from the BG/NBD and Gamma-Gamma
# models.  The exact logs below pin the random stream (a change to them is a
# deliberate break of reproducibility, to be announced), not the model; the
# model is checked by the statistical tests at the end, whose expected values
# come from the papers' formulas, computed here with awk.

load test_helper

# A tiny run with every model parameter and the window given.
TINY=(-n 4 --seed 2024 --r 2 --alpha 10 --a 1 --b 2 --p 5 --q 4 --v 30
      --start 2021-01-01 --cohort-days 7 --end 2021-03-31)

TINY_LOG="customer_id,date,amount
c0000001,2021-01-05,47.15
c0000001,2021-01-19,21.79
c0000001,2021-01-26,107.38
c0000002,2021-01-01,52.55
c0000002,2021-02-18,108.07
c0000002,2021-03-06,59.57
c0000003,2021-01-06,41.15
c0000004,2021-01-06,27.61
c0000004,2021-01-26,11.31
c0000004,2021-02-06,32.40
c0000004,2021-03-28,27.72"

# Structural facts of an order log in CSV ($1) with dates (not date-times):
# header; ids c + 7 digits; amounts positive with two decimals; dates within
# [start $2, end $3]; each customer's orders consecutive and in time order;
# the first order within the cohort [$2, $4].  Prints "ok" or what is wrong.
check_log() {
	awk -F, -v start="$2" -v end="$3" -v cohort_end="$4" '
		NR == 1 { if ($0 != "customer_id,date,amount") { print "header: " $0; bad = 1 }; next }
		NF != 3 { print "line " NR ": fields"; bad = 1 }
		$1 !~ /^c[0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ { print "line " NR ": id " $1; bad = 1 }
		$2 !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/ { print "line " NR ": date " $2; bad = 1 }
		$3 !~ /^[0-9]+\.[0-9][0-9]$/ || $3 + 0 <= 0 { print "line " NR ": amount " $3; bad = 1 }
		$2 < start || $2 > end { print "line " NR ": date outside the window " $2; bad = 1 }
		$1 != prev {
			if ($1 in seen) { print "line " NR ": customer " $1 " not consecutive"; bad = 1 }
			if (prev != "" && $1 < prev) { print "line " NR ": ids out of order"; bad = 1 }
			seen[$1] = 1
			if ($2 > cohort_end) { print "line " NR ": first order after the cohort " $2; bad = 1 }
		}
		$1 == prev && $2 < last { print "line " NR ": orders out of time order"; bad = 1 }
		{ prev = $1; last = $2 }
		END { if (!bad) print "ok" }' "$1"
}

# ---- output ----

@test "a tiny seeded run: exact log" {
	run flo-simulate "${TINY[@]}"
	assert_success
	assert_output "$TINY_LOG"
}

@test "the same seed gives the same log; another seed another log" {
	flo-simulate -n 2000 --seed 11 > "$TMP/a.csv"
	flo-simulate -n 2000 --seed 11 > "$TMP/b.csv"
	cmp "$TMP/a.csv" "$TMP/b.csv"
	flo-simulate -n 2000 --seed 12 > "$TMP/c.csv"
	! cmp -s "$TMP/a.csv" "$TMP/c.csv"
}

@test "fewer customers give a prefix of the log of more" {
	flo-simulate -n 500 --seed 5 > "$TMP/small.csv"
	flo-simulate -n 1000 --seed 5 | head -n "$(wc -l < "$TMP/small.csv")" > "$TMP/head.csv"
	cmp "$TMP/small.csv" "$TMP/head.csv"
	run grep -c '^c0000501,' <(flo-simulate -n 1000 --seed 5)
	assert_success
}

@test "structure: header, ids, amounts, dates in the window, first orders in the cohort" {
	flo-simulate -n 3000 --seed 1 > "$TMP/o.csv"
	# defaults: cohort 1997-01-01 + 84 days, end 78 weeks after the start
	run check_log "$TMP/o.csv" 1997-01-01 1998-06-30 1997-03-25
	assert_output ok
	# every customer is there, once
	run sh -c "tail -n +2 '$TMP/o.csv' | cut -d, -f1 | uniq | wc -l"
	assert_output 3000
	# orders up to the last day: with 3000 customers some fall on it
	run sh -c "tail -n +2 '$TMP/o.csv' | cut -d, -f2 | sort | tail -n 1"
	assert_output 1998-06-30
}

@test "--start, --cohort-days and --end set the window" {
	flo-simulate -n 3000 --seed 2 --start 2020-02-10 --cohort-days 10 --end 2020-12-31 > "$TMP/o.csv"
	run check_log "$TMP/o.csv" 2020-02-10 2020-12-31 2020-02-19
	assert_output ok
	# first orders cover the cohort's first and last day
	run sh -c "awk -F, 'NR > 1 && \$1 != p { print \$2 } { p = \$1 }' '$TMP/o.csv' | sort -u | sed -n '1p;\$p'"
	assert_output "2020-02-10
2020-02-19"
	# --end defaults to 78 weeks after --start
	run sh -c "flo-simulate -n 3000 --seed 2 --start 2020-02-10 | tail -n +2 | cut -d, -f2 | sort | sed -n '1p;\$p'"
	assert_output "2020-02-10
2021-08-08"
	# a one-day cohort: every first order on the start day
	flo-simulate -n 50 --seed 2 --start 2020-02-10 --cohort-days 1 > "$TMP/one.csv"
	run sh -c "awk -F, 'NR > 1 && \$1 != p { print \$2 } { p = \$1 }' '$TMP/one.csv' | sort -u"
	assert_output 2020-02-10
}

@test "--time writes ISO date-times in time order, on the same days as without" {
	flo-simulate "${TINY[@]}" --time > "$TMP/t.csv"
	# (mawk has no {n} repetitions)
	run awk -F, -v d='[0-9][0-9]' 'NR > 1 && $2 !~ "^" d d "-" d "-" d "T" d ":" d ":" d "Z$"' "$TMP/t.csv"
	assert_output ""
	run sh -c "sed 's/T[0-9:]*Z,/,/' '$TMP/t.csv'"
	assert_output "$TINY_LOG"
	flo-simulate -n 2000 --seed 3 --time > "$TMP/big.csv"
	run awk -F, 'NR > 2 && $1 == p && $2 < t { print "out of order: " NR } { p = $1; t = $2 }' "$TMP/big.csv"
	assert_output ""
}

@test "-o tsv and -o jsonl carry the same records" {
	run flo-simulate "${TINY[@]}" -o tsv
	assert_success
	assert_output "$(printf '%s\n' "$TINY_LOG" | tr , '\t')"
	run flo-simulate "${TINY[@]}" --output-format jsonl
	assert_success
	assert_line --index 0 '{"customer_id":"c0000001","date":"2021-01-05","amount":47.15}'
	assert_line --index 9 '{"customer_id":"c0000004","date":"2021-02-06","amount":32.40}'
}

@test "-o jsonl parses as JSON, amounts as numbers" {
	flo-simulate -n 200 --seed 4 --time -o jsonl > "$TMP/o.jsonl"
	if command -v jq > /dev/null; then
		run jq -e -s 'all(.[]; (keys == ["amount", "customer_id", "date"]) and
			(.amount | type == "number") and (.customer_id | type == "string"))' "$TMP/o.jsonl"
	elif command -v python3 > /dev/null; then
		run python3 -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert sorted(r) == ["amount", "customer_id", "date"] and isinstance(r["amount"], float)
print("true")' "$TMP/o.jsonl"
	else
		skip "neither jq nor python3 to parse JSON with"
	fi
	assert_success
	assert_output true
}

@test "--truth: one record per customer, agreeing with the log" {
	run flo-simulate "${TINY[@]}" --truth "$TMP/truth.csv"
	assert_success
	assert_output "$TINY_LOG"
	run head -n 1 "$TMP/truth.csv"
	assert_output customer_id,lambda,p,nu,mean_amount,orders,alive,dropout
	# the values that do not depend on the last bits of libm
	run cut -d, -f1,6- "$TMP/truth.csv"
	assert_output "customer_id,orders,alive,dropout
c0000001,3,0,2021-01-26
c0000002,3,0,2021-03-06
c0000003,1,1,
c0000004,4,1,"
	run awk -F, 'NR > 1 { printf "%s %.6g %.6g %.6g %.6g\n", $1, $2, $3, $4, $5 }' "$TMP/truth.csv"
	assert_output "c0000001 0.63996 0.325059 0.106755 46.8363
c0000002 0.217362 0.276011 0.0875506 57.1098
c0000003 0.0358459 0.250645 0.0639485 78.1879
c0000004 0.201084 0.0808078 0.196531 25.4413"
}

@test "--truth on many customers: order counts, alive flags and dropout times agree with the log" {
	flo-simulate -n 3000 --seed 9 --time --truth "$TMP/truth.csv" > "$TMP/o.csv"
	run awk -F, '
		FNR == 1 { next }
		NR == FNR { n[$1]++; last[$1] = $2; next }
		{
			if (n[$1] != $6) print $1 ": " n[$1] " orders, truth " $6
			if ($7 == 0 && $8 != last[$1]) print $1 ": dropout " $8 ", last order " last[$1]
			if ($7 == 1 && $8 != "") print $1 ": alive with a dropout"
			if ($7 != 0 && $7 != 1) print $1 ": alive " $7
			if ($7 == 0 && $6 < 2) print $1 ": left after the first order"
			k++
		}
		END { print k " customers" }' "$TMP/o.csv" "$TMP/truth.csv"
	assert_output "3000 customers"
	# some of each
	run awk -F, 'NR > 1 { a[$7]++ } END { print (a[0] > 100) (a[1] > 100) }' "$TMP/truth.csv"
	assert_output 11
	# -o jsonl: dropout null while alive
	run flo-simulate "${TINY[@]}" -o jsonl --truth "$TMP/truth.jsonl"
	assert_success
	run grep -c '"alive":1,"dropout":null}$' "$TMP/truth.jsonl"
	assert_output 2
}

@test "--unit: the default alpha is converted, so the process is the same; lambda is per unit" {
	flo-simulate -n 500 --seed 6 --time --truth "$TMP/tw.csv" > "$TMP/week.csv"
	flo-simulate -n 500 --seed 6 --time --unit day --truth "$TMP/td.csv" > "$TMP/day.csv"
	flo-simulate -n 500 --seed 6 --time --unit month > "$TMP/month.csv"
	cmp "$TMP/week.csv" "$TMP/day.csv"
	cmp "$TMP/week.csv" "$TMP/month.csv"
	run awk -F, 'NR == FNR { w[FNR] = $2; next }
		FNR > 1 { d = w[FNR] / 7 - $2; if (d > 1e-12 * $2 || -d > 1e-12 * $2) print FNR }' \
		"$TMP/tw.csv" "$TMP/td.csv"
	assert_output ""
	# an explicit alpha is taken in the unit: 4.414 per day is a rate 7 times
	# higher than 4.414 per week, so more orders
	flo-simulate -n 500 --seed 6 --unit day --alpha 4.414 > "$TMP/fast.csv"
	[ "$(wc -l < "$TMP/fast.csv")" -gt "$(wc -l < "$TMP/week.csv")" ]
}

@test "the log is flo-rfm's input: one summary per customer" {
	run sh -c "flo-simulate -n 300 --seed 8 | flo-rfm --as-of 1998-06-30 | tail -n +2 | wc -l"
	assert_success
	assert_output 300
	run sh -c "flo-simulate -n 300 --seed 8 -o jsonl | flo-rfm --as-of 1998-06-30 -o csv | cksum"
	expected="$output"
	run sh -c "flo-simulate -n 300 --seed 8 | flo-rfm --as-of 1998-06-30 | cksum"
	assert_output "$expected"
}

@test "--help, --version" {
	run flo-simulate --help
	assert_success
	assert_line --index 0 "usage: flo-simulate -n CUSTOMERS --seed S [options]"
	assert_line --partial "--truth FILE"
	run flo-simulate -h
	assert_success
	assert_line --index 0 "usage: flo-simulate -n CUSTOMERS --seed S [options]"
	run flo-simulate --version
	assert_success
	assert_output --regexp '^flo-simulate \(flo\) [0-9]+\.[0-9]+\.[0-9]+$'
}

# ---- errors ----

usage_error() {
	run --separate-stderr flo-simulate "$@"
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"Try 'flo-simulate --help' for more information."* ]]
}

@test "usage: parameters must be positive numbers" {
	usage_error -n 3 --seed 1 --r 0
	[[ "$stderr" == 'flo-simulate: option --r: must be positive: "0"'* ]]
	usage_error -n 3 --seed 1 --r abc
	[[ "$stderr" == 'flo-simulate: option --r: not a number: "abc"'* ]]
	usage_error -n 3 --seed 1 --alpha -1
	[[ "$stderr" == 'flo-simulate: option --alpha: must be positive: "-1"'* ]]
	for opt in --a --b --p --q --v; do
		usage_error -n 3 --seed 1 "$opt" 1x
		[[ "$stderr" == "flo-simulate: option $opt: not a number: \"1x\""* ]]
	done
	usage_error -n 3 --seed 1 --q nan
	usage_error -n 3 --seed 1 --v inf
	usage_error -n 3 --seed 1 --b ''
}

@test "usage: -n and --seed are required whole numbers" {
	usage_error -n 12x --seed 1
	[[ "$stderr" == 'flo-simulate: option -n: expected a whole number from 1 to 999999999999: "12x"'* ]]
	usage_error --customers 0 --seed 1
	usage_error -n -3 --seed 1
	usage_error -n 3 --seed 4294967296
	[[ "$stderr" == 'flo-simulate: option --seed: expected a whole number from 0 to 4294967295: "4294967296"'* ]]
	usage_error -n 3 --seed 1.5
	usage_error -n 3 --seed ' 1'
	usage_error --seed 1
	[[ "$stderr" == 'flo-simulate: the number of customers (-n) is required'* ]]
	usage_error -n 3
	[[ "$stderr" == 'flo-simulate: a seed (--seed) is required'* ]]
	run flo-simulate -n 1 --seed 4294967295
	assert_success
}

@test "usage: unknown options, stray arguments, bad unit and format" {
	usage_error -n 3 --seed 1 --bogus
	[[ "$stderr" == 'flo-simulate: unknown option --bogus'* ]]
	usage_error -n 3 --seed 1 --r
	[[ "$stderr" == 'flo-simulate: option --r needs a value'* ]]
	usage_error -n 3 --seed 1 orders.csv
	[[ "$stderr" == 'flo-simulate: no file arguments (got "orders.csv")'* ]]
	usage_error -n 3 --seed 1 --unit year
	[[ "$stderr" == 'flo-simulate: option --unit: expected day, week or month: "year"'* ]]
	usage_error -n 3 --seed 1 -o xml
	[[ "$stderr" == 'flo-simulate: option --output-format: unknown format "xml" (csv, tsv, jsonl)'* ]]
}

@test "usage: the window" {
	usage_error -n 3 --seed 1 --start 2020-01-10 --end 2020-01-09
	[[ "$stderr" == 'flo-simulate: --end 2020-01-09 is before --start'* ]]
	usage_error -n 3 --seed 1 --end 1997-03-24
	[[ "$stderr" == "flo-simulate: --end 1997-03-24 is before the cohort's last day, 1997-03-25:"\
" every first order must be observed"* ]]
	usage_error -n 3 --seed 1 --start 1997-02-30
	[[ "$stderr" == 'flo-simulate: option --start: not a date: "1997-02-30"'* ]]
	usage_error -n 3 --seed 1 --end tomorrow
	[[ "$stderr" == 'flo-simulate: option --end: not a date: "tomorrow"'* ]]
	usage_error -n 3 --seed 1 --cohort-days 0
	[[ "$stderr" == 'flo-simulate: option --cohort-days: expected a whole number from 1 to 3000000: "0"'* ]]
	usage_error -n 3 --seed 1 --start 9999-01-01
	[[ "$stderr" == 'flo-simulate: the default --end (78 weeks after --start) is after 9999-12-31'* ]]
	# the cohort's last day may be the end
	run flo-simulate -n 3 --seed 1 --start 2020-01-01 --cohort-days 1 --end 2020-01-01
	assert_success
	assert_line --index 1 --regexp '^c0000001,2020-01-01,'
}

@test "write errors exit 74; a closed pipe ends quietly" {
	run --separate-stderr flo-simulate -n 3 --seed 1 --truth "$TMP/no/such/dir"
	assert_failure 74
	[[ "$stderr" == "flo-simulate: cannot write $TMP/no/such/dir: No such file or directory" ]]
	if [ -w /dev/full ]; then
		run --separate-stderr sh -c 'flo-simulate -n 3 --seed 1 > /dev/full'
		assert_failure 74
		[[ "$stderr" == 'flo-simulate: write error: No space left on device' ]]
		run --separate-stderr flo-simulate -n 3 --seed 1 --truth /dev/full
		assert_failure 74
		[[ "$stderr" == 'flo-simulate: cannot write /dev/full: No space left on device' ]]
	fi
	run sh -c "flo-simulate -n 100000 --seed 1 2> '$TMP/err' | head -n 2"
	assert_success
	assert_line --index 0 customer_id,date,amount
	[ ! -s "$TMP/err" ]
}

@test "order values too large for cents are an error, not inf" {
	run --separate-stderr flo-simulate -n 3 --seed 1 --q 1e-300
	assert_failure 65
	[[ "$stderr" == 'flo-simulate: customer c0000001: an order value is out of range (inf)'* ]]
}

# ---- the model, statistically ----
# Fixed seeds make these deterministic; the tolerances (4 standard errors)
# say that the seed is not a lucky one.

@test "no dropout (a tiny, b huge): mean orders = 1 + (r/alpha) E[T] (NBD)" {
	# T is uniform over (66, 78] weeks: 546 days from 1997-01-01 to the end
	# of 1998-06-30, less a birth uniform over the 84-day cohort; E[T] = 72.
	flo-simulate -n 20000 --seed 101 --r 0.5 --alpha 6 --a 1e-9 --b 1e9 > "$TMP/o.csv"
	run awk -F, -v r=0.5 -v alpha=6 'NR > 1 { n[$1]++ }
		END {
			for (c in n) { k++; s += n[c]; ss += n[c] * n[c] }
			mean = s / k; se = sqrt((ss / k - mean * mean) / k)
			want = 1 + r / alpha * 72
			printf "%d customers, mean %.3f, want %.3f, se %.3f: %s\n", k, mean, want, se,
				(mean - want < 4 * se && want - mean < 4 * se) ? "ok" : "FAIL"
		}' "$TMP/o.csv"
	assert_output --regexp '^20000 customers, .*: ok$'
}

@test "p = 1 (a huge, b tiny): nobody leaves after the first order, everybody after the second" {
	# With dropout certain after each repeat order, a customer has 2 orders if
	# a repeat purchase falls in T, else 1: P(2) = 1 - E[(alpha/(alpha+T))^r]
	# (the NBD's P(X(T) = 0), FHL 2005), averaged over T uniform on (66, 78].
	flo-simulate -n 20000 --seed 102 --a 1e9 --b 1e-9 > "$TMP/o.csv"
	run awk -F, -v r=0.243 -v alpha=4.414 'NR > 1 { n[$1]++ }
		END {
			for (c in n) { k++; if (n[c] == 2) two++; else if (n[c] != 1) more++ }
			for (i = 0; i < 1000; i++) {
				T = 66 + 12 * (i + 0.5) / 1000
				want += (1 - (alpha / (alpha + T)) ^ r) / 1000
			}
			got = two / k; se = sqrt(want * (1 - want) / k)
			printf "%d customers, %d with more than 2, P(2) %.4f, want %.4f: %s\n", k, more,
				got, want, (got - want < 4 * se && want - got < 4 * se) ? "ok" : "FAIL"
		}' "$TMP/o.csv"
	assert_output --regexp '^20000 customers, 0 with more than 2, .*: ok$'
}

@test "spend: the mean of customers' mean order values is p v / (q - 1)" {
	# E[z | nu] = p / nu and E[1 / nu] = v / (q - 1) (Fader & Hardie 2013);
	# averaging per customer first makes customers independent for the error.
	flo-simulate -n 20000 --seed 103 > "$TMP/o.csv"
	run awk -F, -v p=6.25 -v q=3.74 -v v=15.44 'NR > 1 { n[$1]++; s[$1] += $3 }
		END {
			for (c in n) { k++; m = s[c] / n[c]; t += m; tt += m * m }
			mean = t / k; se = sqrt((tt / k - mean * mean) / k)
			want = p * v / (q - 1)
			printf "%d customers, mean %.3f, want %.3f, se %.3f: %s\n", k, mean, want, se,
				(mean - want < 4 * se && want - mean < 4 * se) ? "ok" : "FAIL"
		}' "$TMP/o.csv"
	assert_output --regexp '^20000 customers, .*: ok$'
}

@test "BG/NBD with dropout: mean orders = 1 + E[X(T)] of FHL 2005 (no dropout after the first order)" {
	# E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
	# (FHL 2005), averaged over T uniform on (66, 78] weeks; 2F1 by its series.
	# Letting customers leave after the first order too would take 0.28 off
	# (2.49, not 2.77: an independent simulation), some 10 standard errors.
	flo-simulate -n 20000 --seed 104 > "$TMP/o.csv"
	run awk -F, -v r=0.243 -v alpha=4.414 -v a=0.793 -v b=2.426 '
		function f21(A, B, C, z,   s, t, n) {
			s = 1; t = 1
			for (n = 0; n < 5000 && (t > 1e-15 || t < -1e-15); n++) {
				t *= (A + n) * (B + n) / ((C + n) * (n + 1)) * z
				s += t
			}
			return s
		}
		function ex(t) {
			return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ^ r * f21(r, b, a + b - 1, t / (alpha + t)))
		}
		NR > 1 { n[$1]++ }
		END {
			for (i = 0; i < 200; i++)
				want += (1 + ex(66 + 12 * (i + 0.5) / 200)) / 200
			for (c in n) { k++; s += n[c]; ss += n[c] * n[c] }
			mean = s / k; se = sqrt((ss / k - mean * mean) / k)
			printf "%d customers, mean %.3f, want %.3f, se %.3f: %s\n", k, mean, want, se,
				(mean - want < 4 * se && want - mean < 4 * se) ? "ok" : "FAIL"
		}' "$TMP/o.csv"
	assert_output --regexp '^20000 customers, .*: ok$'
}

# ---- --layout uci: a line-item log shaped as UCI Online Retail ----

UCI_HEADER="InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"

@test "--layout uci: a tiny seeded run, exact log" {
	# TINY_LOG's orders as invoices of one or two lines (c0000002's first,
	# 52.55, is 2 x 5.95 + 40.65), some cancelled, some a guest's
	run flo-simulate "${TINY[@]}" --layout uci --lines-mean 1.5 --cancel-rate 0.3 --guest-rate 0.3
	assert_success
	assert_output "$UCI_HEADER
536365,21002,PINK HEART T-LIGHT HOLDER,1,1/5/2021 2:47,47.15,12346,United Kingdom
C536366,21002,PINK HEART T-LIGHT HOLDER,-1,1/7/2021 20:41,47.15,12346,United Kingdom
536367,21025,IVORY CUPID HEARTS COAT HANGER,1,1/19/2021 7:50,21.79,,United Kingdom
C536368,21025,IVORY CUPID HEARTS COAT HANGER,-1,1/21/2021 6:33,21.79,,United Kingdom
536369,21114,GREEN PAPER CHAIN KIT,1,1/26/2021 8:24,107.38,12346,United Kingdom
536370,21142,PINK CAKE CASES,2,1/1/2021 3:12,5.95,12347,United Kingdom
536370,21111,RED PAPER CHAIN KIT,1,1/1/2021 3:12,40.65,12347,United Kingdom
536371,21011,RED METAL LANTERN,1,2/18/2021 18:12,108.07,,United Kingdom
536372,21162,PINK CAKESTAND 3 TIER,1,3/6/2021 0:11,59.57,,United Kingdom
C536373,21162,PINK CAKESTAND 3 TIER,-1,3/10/2021 14:14,59.57,,United Kingdom
536374,21161,RED CAKESTAND 3 TIER,1,1/6/2021 17:39,41.15,12348,United Kingdom
536375,21083,BLUE RECIPE BOX,1,1/6/2021 0:25,27.61,12349,United Kingdom
C536376,21083,BLUE RECIPE BOX,-1,1/8/2021 10:31,27.61,12349,United Kingdom
536377,21140,WHITE CAKE CASES,3,1/26/2021 1:27,3.54,,United Kingdom
536377,21092,PINK DOORMAT,1,1/26/2021 1:27,0.69,,United Kingdom
536378,21134,GREEN JUMBO BAG,6,2/6/2021 22:44,4.05,12349,United Kingdom
536378,21234,GREEN NAPKINS,1,2/6/2021 22:44,8.10,12349,United Kingdom
C536379,21234,GREEN NAPKINS,-1,2/12/2021 18:00,8.10,12349,United Kingdom
536380,21241,RED GIFT WRAP,6,3/28/2021 11:25,3.85,,United Kingdom
536380,21067,VINTAGE HAND WARMER,1,3/28/2021 11:25,4.62,,United Kingdom"
}

# Structural facts of a uci log in CSV ($1) observed up to the day $2
# (YYYY-MM-DD): the header; 8 fields; invoices numbered from 536365 up, a
# cancellation (C) the number after the invoice it cancels, with lines of it
# (same stock code and price, minus 1 to its quantity), the same CustomerID,
# dated from it to 7 days later and not after the end; no stock code twice
# in an invoice; unpadded M/D/YYYY H:MM dates; prices in cents, quantities
# whole; CustomerID empty or 12345 + the customer's number.  Prints "ok" or
# what is wrong.
check_uci() {
	awk -F, -v header="$UCI_HEADER" -v end="$2" '
		function minutes(s,   d, t) {  # M/D/YYYY H:MM to minutes since 1970
			split(s, d, "[/ :]")
			return days(d[3], d[1], d[2]) * 1440 + d[4] * 60 + d[5]
		}
		function days(y, m, d,   a) {  # days from civil (H. Hinnant), y >= 1970
			y -= m <= 2; era = int(y / 400); yoe = y - era * 400
			doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
			return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
		}
		function bad(msg) { print "line " NR ": " msg; nbad++ }
		BEGIN { split(end, e, "-"); end_min = (days(e[1], e[2] + 0, e[3] + 0) + 1) * 1440 }
		NR == 1 { if ($0 != header) bad("header " $0); next }
		{
			if (NF != 8) bad("fields")
			if ($5 !~ /^[1-9][0-9]?\/[1-9][0-9]?\/[12][0-9][0-9][0-9] [12]?[0-9]:[0-5][0-9]$/) bad("date " $5)
			if ($6 !~ /^[0-9]+\.[0-9][0-9]$/ || $6 + 0 <= 0) bad("price " $6)
			if ($7 != "" && ($7 !~ /^[1-9][0-9]*$/ || $7 < 12346)) bad("id " $7)
			if (minutes($5) >= end_min) bad("after the end " $5)
			cancel = $1 ~ /^C/
			no = cancel ? substr($1, 2) + 0 : $1 + 0
			if (no != cur) {   # a new invoice
				if (no != (cur ? cur + 1 : 536365)) bad("invoice number " $1)
				if (cancel && (plain_no != cur || $7 != plain_id)) bad("cancellation of what " $1)
				cur = no; delete code
				if (!cancel) { plain_no = no; plain_id = $7; plain_t = minutes($5); delete plain }
				else if ((t = minutes($5)) < plain_t || t > plain_t + 7 * 1440) bad("cancellation date " $5)
			}
			if ($2 in code) bad("stock code twice in invoice " $1)
			code[$2] = 1
			if (!cancel) {
				if ($4 !~ /^[1-9][0-9]*$/) bad("quantity " $4)
				plain[$2] = $4 " " $6
			} else {
				if ($4 !~ /^-[1-9][0-9]*$/) bad("quantity " $4)
				split(plain[$2], p, " ")
				if (!($2 in plain) || p[2] != $6 || -$4 > p[1]) bad("cancelled line " $0)
			}
		}
		END { if (!nbad) print "ok" }' "$1"
}

@test "--layout uci: structure (invoices, cancellations, dates, distinct lines)" {
	flo-simulate -n 3000 --seed 3 --layout uci --cancel-rate 0.3 --guest-rate 0.2 > "$TMP/u.csv"
	run check_uci "$TMP/u.csv" 1998-06-30
	assert_output ok
	# a cancellation near the end stays within the window
	flo-simulate -n 2000 --seed 4 --layout uci --cancel-rate 1 --start 2021-01-01 \
		--cohort-days 3 --end 2021-01-04 > "$TMP/e.csv"
	run check_uci "$TMP/e.csv" 2021-01-04
	assert_output ok
	grep -q '^C' "$TMP/e.csv"
}

@test "--layout uci: the invoices are the default log's orders, quantity x price summed to the cent" {
	opts=(-n 2000 --seed 9 --start 2010-12-01 --end 2011-12-09)
	flo-simulate "${opts[@]}" > "$TMP/o.csv"
	flo-simulate "${opts[@]}" --layout uci --lines-mean 6 --cancel-rate 0.3 --guest-rate 0.3 > "$TMP/u.csv"
	# per invoice (not cancelled): customer, YYYY-MM-DD, cents summed as whole numbers
	awk -F, 'NR > 1 && $1 !~ /^C/ {
			if ($1 != last) { if (last != "") print out; last = $1; sum = 0 }
			split($5, d, "[/ ]"); cents = $6; sub(/\./, "", cents); sum += $4 * cents
			id = $7 == "" ? "guest" : sprintf("c%07d", $7 - 12345)
			out = sprintf("%s,%04d-%02d-%02d,%d", id, d[3], d[1], d[2], sum)
		}
		END { print out }' "$TMP/u.csv" > "$TMP/invoices"
	awk -F, 'NR > 1 { cents = $3; sub(/\./, "", cents); print $1 "," $2 "," cents + 0 }' "$TMP/o.csv" > "$TMP/orders"
	[ "$(wc -l < "$TMP/orders")" -gt 4000 ]
	# guests aside, the same orders in the same order
	run awk -F, 'NR == FNR { inv[FNR] = $0; next }
		{ split(inv[FNR], a, ","); if (a[1] == "guest") { g++; sub(/^[^,]*/, "", $0); sub(/^[^,]*/, "", inv[FNR]) }
		  if (inv[FNR] != $0) { print FNR ": " inv[FNR] " vs " $0; exit } }
		END { print (FNR == length(inv)) ? "same" : "counts differ" }' "$TMP/invoices" "$TMP/orders"
	assert_output same
	# --truth names customers by CustomerID
	flo-simulate -n 3 --seed 9 --layout uci --truth "$TMP/t.csv" > /dev/null
	assert_equal "$(cut -d, -f1 "$TMP/t.csv" | tr '\n' ' ')" "customer_id 12346 12347 12348 "
}

@test "--layout uci: lines per invoice, cancellations and guests at their rates" {
	flo-simulate -n 20000 --seed 21 --layout uci > "$TMP/u.csv"
	# per invoice: lines, cancelled or not, guest or not.  Geometric(1/4): mean
	# 4, sd sqrt(12); the rates' standard errors sqrt(r (1 - r) / invoices);
	# 4 standard errors each
	run awk -F, 'NR > 1 && $1 !~ /^C/ { if ($1 != cur) { n++; g += $7 == "" }; cur = $1; lines++ }
		NR > 1 && $1 ~ /^C/ && $1 != cur { c++; cur = $1 }
		END {
			m = lines / n; rc = c / n; rg = g / n
			ok = m > 4 - 4 * sqrt(12 / n) && m < 4 + 4 * sqrt(12 / n) &&
			     rc > 0.05 - 4 * sqrt(0.05 * 0.95 / n) && rc < 0.05 + 4 * sqrt(0.05 * 0.95 / n) &&
			     rg > 0.1 - 4 * sqrt(0.1 * 0.9 / n) && rg < 0.1 + 4 * sqrt(0.1 * 0.9 / n)
			print (n > 20000 && ok) ? "ok" : "invoices " n ", lines " m ", cancelled " rc ", guests " rg
		}' "$TMP/u.csv"
	assert_output ok
	# rates 0: no cancellation, no guest; one line: quantity 1 at the order's value
	flo-simulate -n 500 --seed 21 --layout uci --lines-mean 1 --cancel-rate 0 --guest-rate 0 > "$TMP/one.csv"
	run awk -F, 'NR > 1 && ($1 ~ /^C/ || $7 == "" || $4 != 1 || seen[$1]++)' "$TMP/one.csv"
	assert_output ""
	flo-simulate -n 500 --seed 21 > "$TMP/o.csv"
	cmp <(cut -d, -f3 "$TMP/o.csv" | sed 1d) <(cut -d, -f6 "$TMP/one.csv" | sed 1d)
	# every invoice cancelled, every line a guest's
	flo-simulate -n 500 --seed 21 --layout uci --cancel-rate 1 --guest-rate 1 > "$TMP/all.csv"
	run awk -F, 'NR > 1 { if ($7 != "") bad++; if ($1 !~ /^C/) plain[$1]; else cancelled[substr($1, 2) - 1] }
		END { for (k in plain) if (!(k in cancelled)) bad++; print bad + 0, length(plain) == length(cancelled) }' "$TMP/all.csv"
	assert_output "0 1"
}

@test "--layout uci: -o jsonl types Quantity and UnitPrice as numbers, ids as text" {
	run sh -c "flo-simulate -n 20 --seed 2 --layout uci --guest-rate 0.5 -o jsonl | jq -c '[(.Quantity|type), (.UnitPrice|type), (.CustomerID|type), (.InvoiceNo|type)]' | sort -u"
	assert_success
	assert_output '["number","number","string","string"]'
}

@test "usage: the line options need --layout uci; rates and means in range" {
	usage_error -n 3 --seed 1 --layout csv
	[[ "$stderr" == 'flo-simulate: option --layout: expected orders or uci: "csv"'* ]]
	usage_error -n 3 --seed 1 --cancel-rate 0.1
	[[ "$stderr" == 'flo-simulate: --cancel-rate describes the lines of invoices: it needs --layout uci'* ]]
	usage_error -n 3 --seed 1 --layout orders --guest-rate 0.1
	usage_error -n 3 --seed 1 --layout uci --cancel-rate 1.5
	[[ "$stderr" == 'flo-simulate: option --cancel-rate: expected a number from 0 to 1: "1.5"'* ]]
	usage_error -n 3 --seed 1 --layout uci --guest-rate -0.1
	usage_error -n 3 --seed 1 --layout uci --guest-rate nan
	usage_error -n 3 --seed 1 --layout uci --lines-mean 0.5
	[[ "$stderr" == 'flo-simulate: option --lines-mean: expected a number from 1 to 100: "0.5"'* ]]
	usage_error -n 3 --seed 1 --layout uci --lines-mean 4x
	usage_error -n 3 --seed 1 --layout uci --time
	[[ "$stderr" == 'flo-simulate: --time: the uci layout writes its own date-times, M/D/YYYY H:MM'* ]]
}

@test "Pareto/NBD: mean orders = 1 + E[X(T)] of FHL05 eq. (27), death at any time after the first order" {
	# E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (Fader, Hardie
	# & Lee 2005, "A Note on Deriving the Pareto/NBD Model"), averaged over T
	# uniform on (66, 78] weeks; the CDNOW Pareto/NBD estimates (the defaults).
	flo-simulate -n 20000 --seed 105 --model pnbd > "$TMP/o.csv"
	run awk -F, -v r=0.55 -v alpha=10.58 -v s=0.61 -v beta=11.67 '
		function ex(t) { return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ^ (s - 1)) }
		NR > 1 { n[$1]++ }
		END {
			for (i = 0; i < 200; i++)
				want += (1 + ex(66 + 12 * (i + 0.5) / 200)) / 200
			for (c in n) { k++; m += n[c]; ss += n[c] * n[c] }
			mean = m / k; se = sqrt((ss / k - mean * mean) / k)
			printf "%d customers, mean %.3f, want %.3f, se %.3f: %s\n", k, mean, want, se,
				(mean - want < 4 * se && want - mean < 4 * se) ? "ok" : "FAIL"
		}' "$TMP/o.csv"
	assert_output --regexp '^20000 customers, .*: ok$'
}

@test "Pareto/NBD: --truth has mu for p; the dead order nothing after their death" {
	flo-simulate -n 2000 --seed 106 --model pnbd --time --truth "$TMP/t.csv" > "$TMP/o.csv"
	[ "$(head -1 "$TMP/t.csv")" = "customer_id,lambda,mu,nu,mean_amount,orders,alive,dropout" ]
	# the last order of each customer, against the death in the truth
	run awk -F, 'NR == FNR { if (FNR > 1) last[$1] = $2; next }
		FNR > 1 { n++; if ($7 == 0 && !($8 >= last[$1])) bad++; if ($7 == 1 && $8 != "") bad++ }
		END { print n " customers, " bad + 0 " bad" }' "$TMP/o.csv" "$TMP/t.csv"
	assert_output "2000 customers, 0 bad"
	# the BG/NBD's log is untouched by the new model
	flo-simulate -n 50 --seed 106 --model bgnbd > "$TMP/a.csv"
	flo-simulate -n 50 --seed 106 > "$TMP/b.csv"
	cmp "$TMP/a.csv" "$TMP/b.csv"
}

@test "MBG/NBD: customers without repeat orders, as the model's P(X(t) = 0)" {
	# the MBG/NBD's P(X(t) = 0) = a/(a+b) + b/(a+b) (alpha/(alpha+t))^r (its
	# dropout coin at the first order, then no event of the Poisson stream;
	# lifetimes' probability_of_n_purchases_up_to_time at n = 0), averaged
	# over T uniform on (66, 78] weeks; the MBG/NBD's CDNOW defaults
	flo-simulate -n 20000 --seed 107 --model mbgnbd > "$TMP/o.csv"
	run awk -F, -v r=0.5248 -v alpha=6.183 -v a=0.8914 -v b=1.614 '
		function p0(t) { return a / (a + b) + b / (a + b) * (alpha / (alpha + t)) ^ r }
		NR > 1 { n[$1]++ }
		END {
			for (i = 0; i < 200; i++)
				want += p0(66 + 12 * (i + 0.5) / 200) / 200
			for (c in n) { k++; if (n[c] == 1) z++ }
			share = z / k; se = sqrt(want * (1 - want) / k)
			printf "%d customers, share %.4f, want %.4f, se %.4f: %s\n", k, share, want, se,
				(share - want < 4 * se && want - share < 4 * se) ? "ok" : "FAIL"
		}' "$TMP/o.csv"
	assert_output --regexp '^20000 customers, .*: ok$'
	# the truth: some leave at their first order, and order nothing more
	flo-simulate -n 2000 --seed 108 --model mbgnbd --time --truth "$TMP/t.csv" > /dev/null
	run awk -F, 'FNR > 1 && $7 == 0 && $6 == 1 { n++ } END { print (n > 0) ? "some" : "none" }' "$TMP/t.csv"
	assert_output some
}

@test "BG/BB: a tiny seeded run, exact log and truth" {
	run flo-simulate -n 3 --seed 2024 --model bgbb --alpha 2 --beta 1 --gamma 1 --delta 4 \
		--start 2021-01-01 --cohort-days 7 --end 2021-03-31 --truth "$TMP/t.csv"
	assert_success
	assert_output "customer_id,date,amount
c0000001,2021-01-05,43.44
c0000001,2021-01-14,55.21
c0000002,2021-01-01,47.90
c0000002,2021-01-06,30.10
c0000003,2021-01-06,64.66
c0000003,2021-01-20,62.89
c0000003,2021-01-29,60.83
c0000003,2021-02-03,70.03
c0000003,2021-02-16,42.11"
	# one order a calendar week at most, none from the Monday of the dropout
	run cut -d, -f1,6- "$TMP/t.csv"
	assert_output "customer_id,orders,alive,dropout
c0000001,2,0,2021-01-18
c0000002,2,0,2021-01-11
c0000003,5,0,2021-03-01"
	run awk -F, 'NR > 1 { printf "%s %.6g %.6g\n", $1, $2, $3 }' "$TMP/t.csv"
	assert_output "c0000001 0.883387 0.184072
c0000002 0.8365 0.115573
c0000003 0.471043 0.169456"
}

# The BG/BB's log ($1, dates) and truth ($2) against its summary by period
# ($3, flo-rfm's with the period as occasion, --as-of the end): one order a
# period at most, so orders = frequency + 1; the orders the truth counts; no
# order on or after the dropout (the first day of the first period gone).
check_bgbb() {
	awk -F, '
		FILENAME == ARGV[1] { if (FNR > 1) { n[$1]++; last[$1] = $2 } next }
		FILENAME == ARGV[2] { if (FNR > 1) { orders[$1] = $6; alive[$1] = $7; drop[$1] = $8 } next }
		FNR == 1 { next }
		{
			k++
			if ($2 + 1 != n[$1]) print $1 ": frequency " $2 ", " n[$1] " orders"
			if (orders[$1] != n[$1]) print $1 ": truth " orders[$1] ", " n[$1] " orders"
			if (alive[$1] == 0 && !(last[$1] < drop[$1])) print $1 ": an order after the dropout"
			if ($2 > $3 || $3 > $4 || ($2 == 0 && $3 != 0)) print $1 ": not x <= t_x <= n"
			dead += 1 - alive[$1]
		}
		END { print k " customers" (dead > 0 ? ", some gone" : "") }' "$1" "$2" "$3"
}

@test "BG/BB: the summary by the period (day, week, month) is the model's (x, t_x, n)" {
	flo-simulate -n 2000 --seed 109 --model bgbb --unit day --end 1997-06-30 \
		--truth "$TMP/t.csv" > "$TMP/o.csv"
	flo-rfm --unit day --as-of 1997-06-30 "$TMP/o.csv" > "$TMP/s.csv"
	run check_bgbb "$TMP/o.csv" "$TMP/t.csv" "$TMP/s.csv"
	assert_output "2000 customers, some gone"
	# n: the days from the first order (1997-01-01 to 03-25) to the end
	run awk -F, 'NR > 1 { lo = (lo == "" || $4 < lo) ? $4 : lo; hi = $4 > hi ? $4 : hi }
		END { print lo, hi }' "$TMP/s.csv"
	assert_output "97 180"
	for unit in week month; do
		flo-simulate -n 2000 --seed 110 --model bgbb --unit $unit --truth "$TMP/t.csv" > "$TMP/o.csv"
		flo-rfm --occasion $unit --as-of 1998-06-30 "$TMP/o.csv" > "$TMP/s.csv"
		run check_bgbb "$TMP/o.csv" "$TMP/t.csv" "$TMP/s.csv"
		assert_output "2000 customers, some gone"
		# the period's truth: --time gives the same days
		flo-simulate -n 200 --seed 110 --model bgbb --unit $unit --time | cut -c1-19 > "$TMP/a.csv"
		flo-simulate -n 200 --seed 110 --model bgbb --unit $unit | tail -n +2 > "$TMP/b.csv"
		tail -n +2 "$TMP/a.csv" | cut -d, -f1,2 | cmp - <(cut -d, -f1,2 "$TMP/b.csv")
	done
	# weeks from Monday (1998-06-29), months of the calendar: n = 78 weeks
	# and 17 months for a first order on 1997-01-01 (a Wednesday)
	flo-simulate -n 1 --seed 1 --model bgbb --cohort-days 1 | flo-rfm --occasion week --as-of 1998-06-30 |
		cut -d, -f4 | tail -1 | grep -qx 78
	flo-simulate -n 1 --seed 1 --model bgbb --unit month --cohort-days 1 |
		flo-rfm --occasion month --as-of 1998-06-30 | cut -d, -f4 | tail -1 | grep -qx 17
}

@test "BG/BB: mean frequency = E[X(n)] of FHS10 eq. (8), and zero buyers = P(X(n) = 0) eq. (7)" {
	# one cohort day and day periods: every customer has n = 29; eq. (8) as
	# alpha/(alpha+beta) sum_{k=1}^{n} B(gamma, delta+k)/B(gamma, delta), the
	# Beta ratio a product of (delta+j)/(gamma+delta+j), j < k; eq. (7) at
	# x = 0: B(alpha, beta+n)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
	# + sum_{i<n} B(alpha, beta+i)/B(alpha, beta) B(gamma+1, delta+i)/B(gamma, delta)
	flo-simulate -n 20000 --seed 111 --model bgbb --unit day --cohort-days 1 --end 1997-01-30 |
		flo-rfm --unit day --as-of 1997-01-30 > "$TMP/s.csv"
	run awk -F, -v a=1.204 -v b=0.750 -v g=0.657 -v d=2.783 -v n=29 '
		NR > 1 { k++; if ($4 != n) bad++; m += $2; ss += $2 * $2; if ($2 == 0) z++ }
		END {
			surv = 1
			for (j = 0; j < n; j++) { surv *= (d + j) / (g + d + j); ex += surv }
			ex *= a / (a + b)
			# P(X(n) = 0): pb_i = B(a, b+i)/B(a, b), pg_i = B(g, d+i)/B(g, d)
			pb = 1; pg = 1
			for (i = 0; i < n; i++) {
				p0 += pb * pg * g / (g + d + i)   # B(g+1, d+i)/B(g, d)
				pb *= (b + i) / (a + b + i); pg *= (d + i) / (g + d + i)
			}
			p0 += pb * pg
			mean = m / k; se = sqrt((ss / k - mean * mean) / k)
			share = z / k; sez = sqrt(p0 * (1 - p0) / k)
			printf "%d customers, %d not n; mean %.3f want %.3f se %.3f: %s; zero %.4f want %.4f se %.4f: %s\n",
				k, bad, mean, ex, se, (mean - ex < 4 * se && ex - mean < 4 * se) ? "ok" : "FAIL",
				share, p0, sez, (share - p0 < 4 * sez && p0 - share < 4 * sez) ? "ok" : "FAIL"
		}' "$TMP/s.csv"
	assert_output --regexp '^20000 customers, 0 not n; mean .*: ok; zero .*: ok$'
}

@test "usage: --model bgnbd, pnbd, mbgnbd or bgbb, each with its own parameters" {
	run flo-simulate -n 1 --seed 1 --model nbd
	assert_failure 2
	assert_output --partial 'option --model: "nbd" is not bgnbd, pnbd, mbgnbd or bgbb'
	run flo-simulate -n 1 --seed 1 --model pnbd --a 1
	assert_failure 2
	assert_output --partial "--a and --b are the BG/NBD's"
	run flo-simulate -n 1 --seed 1 --s 1
	assert_failure 2
	assert_output --partial "--s and --beta are the Pareto/NBD's"
	run flo-simulate -n 1 --seed 1 --model pnbd --beta 0
	assert_failure 2
	run flo-simulate -n 1 --seed 1 --model bgbb --r 1
	assert_failure 2
	assert_output --partial "--r, --a, --b and --s are not the BG/BB's: it has --alpha, --beta, --gamma and --delta"
	run flo-simulate -n 1 --seed 1 --gamma 1
	assert_failure 2
	assert_output --partial "--gamma and --delta are the BG/BB's: give --model bgbb"
	run flo-simulate -n 1 --seed 1 --model bgbb --delta -1
	assert_failure 2
	# the BG/BB's --truth: p and theta, no lambda
	flo-simulate -n 2 --seed 1 --model bgbb --truth "$TMP/t.csv" > /dev/null
	[ "$(head -1 "$TMP/t.csv")" = "customer_id,p,theta,nu,mean_amount,orders,alive,dropout" ]
}
