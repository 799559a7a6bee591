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

@test "usage: --model bgnbd or pnbd, each with its own parameters" {
	run flo-simulate -n 1 --seed 1 --model nbd
	assert_failure 2
	assert_output --partial 'option --model: "nbd" is not bgnbd or pnbd'
	run flo-simulate -n 1 --seed 1 --model pnbd --a 1
	assert_failure 2
	assert_output --partial "--a and --b are the BG/NBD's"
	run flo-simulate -n 1 --seed 1 --s 1
	assert_failure 2
	assert_output --partial "--s and --beta are the Pareto/NBD's"
	run flo-simulate -n 1 --seed 1 --model pnbd --beta 0
	assert_failure 2
}
