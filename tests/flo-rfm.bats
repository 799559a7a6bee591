#!/usr/bin/env bats
# flo-rfm: order logs and FLO customer summaries to RFM summaries.
# Expected summaries are worked out by hand from tests/data/orders_small.csv:
#   c1: orders on 01-01 (20 + 5), 01-15 (30, and 10 listed last), 02-12 (40)
#   c2: 01-10 (10), then 01-03 (12.50) listed later; c3: 02-26 (7.50)
# The latest order is 2021-02-26, so T counts to it.

load test_helper

HEADER=customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order

@test "orders: hand-computed summary, same-day orders one occasion, any order of arrival" {
	run flo-rfm "$DATA/orders_small.csv"
	assert_success
	assert_output "$HEADER
c1,2,6,8,40,5,105,2021-01-01,2021-02-12
c2,1,1,7.714285714285714,10,2,22.5,2021-01-03,2021-01-10
c3,0,0,0,0,1,7.5,2021-02-26,2021-02-26"
	expected="$output"
	# reversed and shuffled input gives the same summary
	{ head -1 "$DATA/orders_small.csv"; tail -n +2 "$DATA/orders_small.csv" | tac; } > "$TMP/rev.csv"
	run flo-rfm "$TMP/rev.csv"
	assert_output "$expected"
	{ head -1 "$DATA/orders_small.csv"; tail -n +2 "$DATA/orders_small.csv" | shuf --random-source=<(yes); } > "$TMP/shuf.csv"
	run flo-rfm < "$TMP/shuf.csv"
	assert_output "$expected"
}

@test "orders: amounts with more than six decimals are summed apart from the exact ones" {
	# a's first order (1e-7) is not a whole number of millionths: revenue
	# 2.75 + 1e-7, and the repeat value 2.75 exactly.  In Python's floats:
	# 2.75 + 1e-7 == 2.7500001, 3 + (1e-7 + 2e-7) == 3.0000003, and
	# 1e-7 + 2e-7 == 3e-07.
	printf 'customer_id,date,amount\na,2021-01-01,0.0000001\na,2021-01-02,2.5\na,2021-01-03,0.25\nb,2021-01-01,3\nb,2021-01-05,1e-7\nb,2021-01-05,2e-7\n' > "$TMP/o.csv"
	run flo-rfm --unit day --as-of 2021-01-05 "$TMP/o.csv"
	assert_success
	assert_output "$HEADER
a,2,2,4,1.375,3,2.7500001,2021-01-01,2021-01-03
b,1,4,4,3e-07,3,3.0000003,2021-01-01,2021-01-05"
}

@test "orders: --as-of and --holdout-end" {
	run --separate-stderr flo-rfm --as-of 2021-02-01 --holdout-end 2021-02-28 "$DATA/orders_small.csv"
	assert_success
	# duration_holdout: 27 days from 02-01 to 02-28, 27/7 weeks
	assert_output "$HEADER,holdout_purchases,holdout_value,duration_holdout
c1,1,2,4.428571428571429,40,4,65,2021-01-01,2021-01-15,1,40,3.857142857142857
c2,1,1,4.142857142857143,10,2,22.5,2021-01-03,2021-01-10,0,0,3.857142857142857"
	[[ "$stderr" == *"1 customer whose first order is after 2021-02-01 left out"* ]]
}

@test "orders: orders after --as-of are left out, with a count" {
	run --separate-stderr flo-rfm --as-of 2021-02-01 "$DATA/orders_small.csv"
	assert_success
	assert_line --index 1 "c1,1,2,4.428571428571429,40,4,65,2021-01-01,2021-01-15"
	[[ "$stderr" == *"2 orders after 2021-02-01 left out"* ]]
}

@test "orders: --unit day and --unit month" {
	run flo-rfm --unit day "$DATA/orders_small.csv"
	assert_line --index 1 "c1,2,42,56,40,5,105,2021-01-01,2021-02-12"
	run flo-rfm --unit month "$DATA/orders_small.csv"
	assert_line --index 1 "c1,2,1.379876796714579,1.839835728952772,40,5,105,2021-01-01,2021-02-12"
	assert_line --index 2 "c2,1,0.2299794661190965,1.7741273100616017,10,2,22.5,2021-01-03,2021-01-10"
}

@test "orders: --frequency total counts the first purchase (the seed notebook)" {
	run flo-rfm --frequency total "$DATA/orders_small.csv"
	assert_output "$HEADER
c1,3,6,8,35,5,105,2021-01-01,2021-02-12
c2,2,1,7.714285714285714,11.25,2,22.5,2021-01-03,2021-01-10
c3,1,0,0,7.5,1,7.5,2021-02-26,2021-02-26"
}

@test "orders: --occasion order counts every order; the first is the earliest, smallest" {
	run flo-rfm --occasion order "$DATA/orders_small.csv"
	# c1: 5 orders, x = 4, first order 5.00 (01-01, the smaller of two), repeat mean 100/4
	assert_line --index 1 "c1,4,6,8,25,5,105,2021-01-01,2021-02-12"
}

@test "orders: --keep carries the value on the latest order" {
	run flo-rfm --keep channel "$DATA/orders_small.csv"
	assert_line --index 0 "$HEADER,channel"
	assert_line --index 1 "c1,2,6,8,40,5,105,2021-01-01,2021-02-12,web"
	assert_line --index 2 "c2,1,1,7.714285714285714,10,2,22.5,2021-01-03,2021-01-10,web"
	assert_line --index 3 "c3,0,0,0,0,1,7.5,2021-02-26,2021-02-26,app"
}

@test "orders: field names by option, and common names found" {
	sed '1s/.*/Customer,Order_Date,Value,channel/' "$DATA/orders_small.csv" > "$TMP/o.csv"
	run flo-rfm "$TMP/o.csv"
	assert_success
	assert_line --index 1 "c1,2,6,8,40,5,105,2021-01-01,2021-02-12"
	sed '1s/.*/who,when,much,channel/' "$DATA/orders_small.csv" > "$TMP/o.csv"
	run flo-rfm --id who --date when --amount much "$TMP/o.csv"
	assert_line --index 1 "c1,2,6,8,40,5,105,2021-01-01,2021-02-12"
	run flo-rfm "$TMP/o.csv"
	assert_failure 65
	assert_output --partial "no customer id field in the input"
	run flo-rfm --id nope "$DATA/orders_small.csv"
	assert_failure 65
	assert_output --partial 'no field "nope" (customer id)'
}

@test "orders: --order-id ignores an order seen before" {
	printf 'customer_id,order,date,amount\na,1,2021-01-01,10\na,2,2021-01-05,20\na,2,2021-01-05,20\na,3,2021-01-09,30\n' > "$TMP/o.csv"
	run --separate-stderr flo-rfm --order-id order "$TMP/o.csv"
	assert_success
	assert_output "$HEADER
a,2,1.1428571428571428,1.1428571428571428,25,3,60,2021-01-01,2021-01-09"
	[[ "$stderr" == *"1 order with an order id seen before ignored"* ]]
}

@test "formats: JSON Lines and TSV in and out give the same summary" {
	run flo-rfm "$DATA/orders_small.csv"
	csv="$output"
	flo-cat -o jsonl "$DATA/orders_small.csv" > "$TMP/o.jsonl"
	run flo-rfm -o csv "$TMP/o.jsonl"
	assert_output "$csv"
	flo-cat -o tsv "$DATA/orders_small.csv" > "$TMP/o.tsv"
	run flo-rfm -o csv "$TMP/o.tsv"
	assert_output "$csv"
	run flo-rfm -o jsonl "$DATA/orders_small.csv"
	assert_line --index 0 '{"customer_id":"c1","frequency":2,"recency":6,"T":8,"monetary":40,"orders":5,"revenue":105,"first_order":"2021-01-01","last_order":"2021-02-12"}'
	run flo-rfm -o tsv "$DATA/orders_small.csv"
	assert_line --index 1 "$(printf 'c1\t2\t6\t8\t40\t5\t105\t2021-01-01\t2021-02-12')"
}

@test "dates: YYYYMMDD, date-times with offsets, epoch seconds" {
	printf 'customer_id,date,amount\na,20210101,1\na,2021-01-08T10:00:00Z,2\na,1610409600,3\na,2021-01-15 01:00:00+02:00,4\n' > "$TMP/o.csv"
	# 1610409600 is 2021-01-12T00:00:00Z; the last is 2021-01-14T23:00Z
	run flo-rfm --unit day "$TMP/o.csv"
	assert_success
	assert_line --index 1 "a,3,13,13,3,4,10,2021-01-01,2021-01-14"
}

@test "dates with an offset: the UTC day by default; the day as written (lifetimes') with --date-format" {
	# a shop at +03:00: 23:30 on 1 January and 01:30 on 2 January local are
	# 20:30 and 22:30 on 1 January UTC; 02:00 on 10 January is 23:00 on the 9th
	printf 'customer_id,date,amount\nc1,2021-01-01T23:30:00+03:00,10\nc1,2021-01-02T01:30:00+03:00,20\nc1,2021-01-10T02:00:00+03:00,5\n' > "$TMP/tz.csv"
	run flo-rfm --unit day --as-of 2021-01-20 "$TMP/tz.csv"
	assert_success
	# UTC days 1 Jan and 9 Jan: x 1, recency 8, T 19, monetary the 9th's 5
	assert_line --index 1 "c1,1,8,19,5,3,35,2021-01-01,2021-01-09"
	run flo-rfm --unit day --as-of 2021-01-20 --date-format '%Y-%m-%dT%H:%M:%S+03:00' "$TMP/tz.csv"
	assert_success
	# local days 1, 2 and 10 Jan, as pandas' to_period("D") (lifetimes'
	# summary_data_from_transaction_data gives 2, 9, 19, 12.5): x 2,
	# recency 9, T 19, monetary (20 + 5) / 2
	assert_line --index 1 "c1,2,9,19,12.5,3,35,2021-01-01,2021-01-10"
}

@test "CDNOW: the 2,357-customer summary of the BG/NBD paper" {
	run flo-rfm --as-of 1997-09-30 --holdout-end 1998-06-30 "$DATA/cdnow.csv"
	assert_success
	echo "$output" > "$TMP/cdnow.csv"
	[ "$(tail -n +2 "$TMP/cdnow.csv" | wc -l)" -eq 2357 ]
	[ "$(awk -F, 'NR > 1 && $2 > 0' "$TMP/cdnow.csv" | wc -l)" -eq 946 ]
	# joined 1997-01-01: T = 272 days = 38.857 weeks (the paper's 38.86)
	[ "$(awk -F, '$8 == "1997-01-01" && $4 != 272/7' "$TMP/cdnow.csv" | wc -l)" -eq 0 ]
	[ "$(awk -F, '$8 == "1997-01-01"' "$TMP/cdnow.csv" | wc -l)" -gt 0 ]
	# customer 00004: purchases 01-01, 01-18, 08-02 (calibration), 12-12 (holdout);
	# the holdout 1997-10-01 to 1998-06-30 is the paper's 39 weeks (273 days)
	assert_line "00004,2,30.428571428571427,38.857142857142854,22.345,3,74.02,1997-01-01,1997-08-02,1,26.48,39"
	# every transaction is in the calibration or the holdout
	[ "$(awk -F, 'NR > 1 {n += $6} END {print n}' "$TMP/cdnow.csv")" -le 6919 ]
}

# Day numbers computed in awk, independently of flo's date code.
DAYS_AWK='function days(s,  y, m, d) { y = substr(s,1,4)+0; m = substr(s,6,2)+0; d = substr(s,9,2)+0;
  if (m <= 2) { y--; m += 12 }
  return 365*y + int(y/4) - int(y/100) + int(y/400) + int((153*(m-3)+2)/5) + d }'

@test "FLO: 19,945 customers, frequency = orders - 1, recency and T in weeks exactly" {
	run flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv"
	assert_success
	echo "$output" > "$TMP/s.csv"
	[ "$(tail -n +2 "$TMP/s.csv" | wc -l)" -eq 19945 ]
	tr -d '\r' < "$ROOT/examples/flo_data_20k.csv" > "$TMP/flo.csv"
	# compare each customer with its own row, worked out from the raw file
	run awk -F, "$DAYS_AWK"'
	  NR == FNR { if (FNR > 1) { gsub(/"[^"]*"/, "x"); o = $8 + $9; id = $1
	      f[id] = o - 1; r[id] = (days($5) - days($4)) / 7
	      t[id] = (days("2021-06-01") - days($4)) / 7; m[id] = ($10 + $11) / o }
	    next }
	  FNR > 1 { n++; id = $1
	    if ($2 != f[id] || $3 != r[id] || $4 != t[id] || ($5 - m[id])^2 > 1e-18 * m[id]^2) { bad++; print "bad:", $0 } }
	  END { print n " checked, " bad + 0 " bad" }' "$TMP/flo.csv" "$TMP/s.csv"
	assert_output "19945 checked, 0 bad"
}

@test "FLO: --keep carries summary columns; --frequency total counts every order" {
	run flo-rfm --as-of 2021-06-01 --frequency total --keep order_channel,interested_in_categories_12 "$ROOT/examples/flo_data_20k.csv"
	assert_success
	assert_line --index 0 "$HEADER,order_channel,interested_in_categories_12"
	assert_line 'f431bd5a-ab7b-11e9-a2fc-000d3a38a36f,21,209.85714285714286,224.85714285714286,95.88333333333333,21,2013.55,2017-02-08,2021-02-16,Android App,"[ERKEK, COCUK, KADIN, AKTIFSPOR]"'
}

@test "FLO: --cap-outliers caps as the seed notebook (online orders at 48, not 49)" {
	# Caps computed independently (numpy's linear quantile): online orders 48.5 -> 48,
	# offline orders 16, offline value 3019.88 -> 3020, online value 7799.54 -> 7800.
	run flo-rfm --as-of 2021-06-01 --cap-outliers --frequency total "$ROOT/examples/flo_data_20k.csv"
	assert_success
	# 200 online orders, 2 offline, 684.97 offline and 45220.13 online
	assert_line "5d1c466a-9cfd-11e9-9897-000d3a38a36f,50,394,398.57142857142856,169.6994,50,8484.97,2013-10-11,2021-04-30"
	# 130 online, 1 offline: 48 + 1; value 49.99 + 7800
	assert_line --partial "cba59206-9dd1-11e9-9897-000d3a38a36f,49,"
	run flo-rfm --cap-outliers "$DATA/orders_small.csv"
	assert_failure 2
}

@test "round trip: CSV -> JSON Lines -> CSV and CSV -> TSV -> CSV are the identity on the FLO file" {
	# flo writes LF line ends; the FLO file has CRLF, so compare with its LF form
	tr -d '\r' < "$ROOT/examples/flo_data_20k.csv" > "$TMP/flo.csv"
	flo-cat -o jsonl "$ROOT/examples/flo_data_20k.csv" | flo-cat -o csv > "$TMP/back.csv"
	cmp "$TMP/flo.csv" "$TMP/back.csv"
	flo-cat -o tsv "$TMP/flo.csv" | flo-cat -o csv > "$TMP/back2.csv"
	cmp "$TMP/flo.csv" "$TMP/back2.csv"
}

@test "bad input: the line, the field and the text; exit 65" {
	printf 'customer_id,date,amount\na,2021-01-01,10\nb,2021-02-30,5\n' > "$TMP/o.csv"
	run flo-rfm "$TMP/o.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/o.csv line 3: field \"date\" is not a date: \"2021-02-30\" (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; or name the form with --date-format)"
	printf 'customer_id,date,amount\na,2021-01-01,1,5\n' | { run flo-rfm; assert_failure 65; assert_output "flo-rfm: input line 2: 4 fields, the header has 3"; }
	printf 'customer_id,date,amount\na,2021-01-01,abc\n' > "$TMP/o.csv"
	run flo-rfm < "$TMP/o.csv"
	assert_failure 65
	assert_output 'flo-rfm: input line 2: field "amount" is not a number: "abc"'
	printf 'customer_id,date,amount\na,1899-01-01,1\n' > "$TMP/o.csv"
	run flo-rfm < "$TMP/o.csv"
	assert_output 'flo-rfm: input line 2: field "date" is a date outside 1900..9999: "1899-01-01"'
	# an empty customer id is skipped and counted, not a bad record (issue 14)
	printf 'customer_id,date,amount\n,2021-01-01,1\n' > "$TMP/o.csv"
	run --separate-stderr flo-rfm < "$TMP/o.csv"
	assert_success
	assert_equal "$stderr" 'flo-rfm: 1 order with an empty customer id skipped'
	printf '{"customer_id":"a","date":"2021-01-01"}\n' > "$TMP/o.jsonl"
	run flo-rfm --amount amount < "$TMP/o.jsonl"
	assert_failure 65
	assert_output 'flo-rfm: input line 1: missing field "amount"'
	printf 'customer_id,date,amount\na,2021-01-01,"1\n' > "$TMP/o.csv"
	run flo-rfm < "$TMP/o.csv"
	assert_failure 65
	assert_output 'flo-rfm: input line 2: unterminated quoted field at end of input'
}

@test "bad input: --skip-bad counts, --rejects keeps them verbatim with the header" {
	printf 'customer_id,date,amount\r\na,2021-01-01,10\r\nb,2021-02-30,5\r\nc,2021-01-02,x\r\na,2021-01-03,20\r\n' > "$TMP/o.csv"
	run --separate-stderr flo-rfm --skip-bad --unit day "$TMP/o.csv"
	assert_success
	assert_output "$HEADER
a,1,2,2,20,2,30,2021-01-01,2021-01-03"
	[ "$stderr" = "flo-rfm: skipped 2 bad records" ]
	run --separate-stderr flo-rfm --rejects "$TMP/rej.csv" "$TMP/o.csv"
	assert_success
	[ "$stderr" = "flo-rfm: skipped 2 bad records, kept in $TMP/rej.csv" ]
	printf 'customer_id,date,amount\r\nb,2021-02-30,5\r\nc,2021-01-02,x\r\n' > "$TMP/want.csv"
	cmp "$TMP/rej.csv" "$TMP/want.csv"
}

@test "bad summaries: negative or fractional counts, last before first, duplicates" {
	head -1 "$ROOT/examples/flo_data_20k.csv" > "$TMP/h.csv"
	row=$(sed -n 2p "$ROOT/examples/flo_data_20k.csv")
	{ cat "$TMP/h.csv"; echo "$row" | sed 's/,4\.0,1\.0,/,-4.0,1.0,/'; } > "$TMP/s.csv"
	run flo-rfm "$TMP/s.csv"
	assert_failure 65
	assert_output 'flo-rfm: '"$TMP"'/s.csv line 2: field "order_num_total_ever_online" is not a whole non-negative count: "-4.0"'
	{ cat "$TMP/h.csv"; echo "$row" | sed 's/,4\.0,1\.0,/,4.5,1.0,/'; } > "$TMP/s.csv"
	run flo-rfm "$TMP/s.csv"
	assert_failure 65
	{ cat "$TMP/h.csv"; echo "$row" | sed 's/2020-10-30,2021-02-26/2021-10-30,2021-02-26/'; } > "$TMP/s.csv"
	run flo-rfm "$TMP/s.csv"
	assert_failure 65
	assert_output --partial 'last_order_date "2021-02-26" is before first_order_date'
	{ cat "$TMP/h.csv"; echo "$row"; echo "$row"; } > "$TMP/s.csv"
	run flo-rfm "$TMP/s.csv"
	assert_failure 65
	assert_output 'flo-rfm: '"$TMP"'/s.csv line 3: customer "cc294636-19f0-11eb-8d74-000d3a38a36f" appears twice'
	{ cat "$TMP/h.csv"; echo "$row"; } > "$TMP/s.csv"
	run flo-rfm --as-of 2021-01-01 "$TMP/s.csv"
	assert_failure 65
	assert_output --partial "last_order_date is after the --as-of date"
}

@test "empty input, header only, unreadable file, /dev/full" {
	run flo-rfm < /dev/null
	assert_failure 65
	assert_output "flo-rfm: input is empty"
	printf 'customer_id,date,amount\n' | { run flo-rfm; assert_success; assert_output ""; }
	run flo-rfm "$TMP/missing.csv"
	assert_failure 66
	assert_output --partial "cannot open $TMP/missing.csv"
	run flo-rfm "$DATA/orders_small.csv" -o csv
	run bash -c 'flo-rfm "$1" > /dev/full' _ "$DATA/orders_small.csv"
	assert_failure 74
	assert_output "flo-rfm: write error: No space left on device"
}

@test "a closed pipe ends quietly" {
	run bash -c 'set -o pipefail; flo-rfm "$1" | head -1' _ "$ROOT/examples/flo_data_20k.csv"
	assert_output "$HEADER"
}

@test "usage: --help, --version, and bad options exit 2" {
	run flo-rfm --help
	assert_success
	assert_line --index 0 "usage: flo-rfm [options] [file...]"
	run flo-rfm --version
	assert_success
	assert_output --regexp '^flo-rfm \(flo\) [0-9]+\.[0-9]+\.[0-9]+$'
	run flo-rfm --unit fortnight
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --unit: expected day, week or month: "fortnight"'
	run flo-rfm --as-of 2021-02-30
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --as-of: not a date: "2021-02-30"'
	run flo-rfm --holdout-end 2021-01-01
	assert_failure 2
	assert_line --index 0 "flo-rfm: --holdout-end needs --as-of"
	run flo-rfm --as-of 2021-01-01 --holdout-end 2020-01-01
	assert_failure 2
	run flo-rfm --occasion fortnight
	assert_failure 2
	run flo-rfm --frequency all
	assert_failure 2
	run flo-rfm -o xml
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --output-format: unknown format "xml" (csv, tsv, jsonl)'
	run flo-rfm --bogus
	assert_failure 2
	assert_line --index 0 "flo-rfm: unknown option --bogus"
	run flo-rfm --as-of
	assert_failure 2
	assert_line --index 0 "flo-rfm: option --as-of needs a value"
	# several inputs: each must open (66), before any is read
	run flo-rfm "$DATA/orders_small.csv" "$TMP/absent.csv"
	assert_failure 66
	assert_output "flo-rfm: cannot open $TMP/absent.csv: No such file or directory"
	run flo-rfm --summary "$DATA/orders_small.csv"
	assert_failure 65
	assert_output 'flo-rfm: --summary: no field "first_order_date" in the input'
}

@test "many customers: summaries formatted on two threads are the ones formatted on one, in id order" {
	# 70,000 customers: past the size where a helper thread formats every
	# other block of 16,384.  Each half of the customers (by the parity of
	# the id's last digit) stays below it, so flo-rfm formats it on one
	# thread; merged by id, the halves are the whole run.
	flo-simulate -n 70000 --seed 5 > "$TMP/orders.csv"
	flo-rfm --as-of 1998-06-30 --holdout-end 1998-12-31 --keep amount "$TMP/orders.csv" > "$TMP/all.csv"
	[ "$(wc -l < "$TMP/all.csv")" -gt 65537 ]
	[ "$(grep -c '^customer_id,' "$TMP/all.csv")" = 1 ]
	tail -n +2 "$TMP/all.csv" | LC_ALL=C sort -c -t, -k1,1
	for half in even odd; do
		awk -F, -v half=$half 'NR == 1 || (substr($1, length($1)) % 2 == (half == "odd"))' \
			"$TMP/orders.csv" > "$TMP/$half.csv"
		flo-rfm --as-of 1998-06-30 --holdout-end 1998-12-31 --keep amount "$TMP/$half.csv" > "$TMP/$half.out"
	done
	{ head -1 "$TMP/even.out"; tail -q -n +2 "$TMP/even.out" "$TMP/odd.out" | LC_ALL=C sort -t, -k1,1; } > "$TMP/merged.csv"
	cmp "$TMP/all.csv" "$TMP/merged.csv"
	# and the other formats
	flo-rfm --as-of 1998-06-30 -o jsonl "$TMP/orders.csv" > "$TMP/all.jsonl"
	flo-cat -o csv "$TMP/all.jsonl" > "$TMP/back.csv"
	flo-rfm --as-of 1998-06-30 "$TMP/orders.csv" | cmp - "$TMP/back.csv"
}
