#!/usr/bin/env bats
# flo-rfm on the order logs retailers have (issue 14): dates in a named
# form (--date-format), line items (--quantity, --price), returns.
# Expected summaries are worked out by hand (or with python3's datetime),
# never taken from flo's output.

load test_helper

# A UCI-Online-Retail-shaped log: M/D/YYYY H:MM dates, one line an order.
uci_dates() {
	cat > "$TMP/uci.csv" <<'CSV'
InvoiceNo,StockCode,Quantity,InvoiceDate,CustomerID,amount
536365,85123A,6,12/1/2010 8:26,17850,15.30
536366,22633,6,12/1/2010 8:28,17850,11.10
536367,84879,32,12/1/2010 8:34,13047,54.08
536368,22960,6,12/3/2010 8:34,13047,25.50
536369,21756,3,12/15/2010 18:35,13047,17.85
CSV
}

@test "--date-format: M/D/YYYY H:MM dates read; the summary worked out by hand" {
	uci_dates
	run --separate-stderr flo-rfm --id CustomerID --date InvoiceDate --date-format '%m/%d/%Y %H:%M' "$TMP/uci.csv"
	assert_success
	# 13047: days 12-01, 12-03, 12-15 (as-of 12-15): x = 2, recency 14 days,
	# T 14 days = 2 weeks, monetary (25.50 + 17.85) / 2; 17850: one day 12-01.
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
13047,2,2,2,21.675,3,97.43,2010-12-01,2010-12-15
17850,0,0,2,0,2,26.4,2010-12-01,2010-12-01"
}

@test "--date-format: a date that does not match, a bad format, the default reader's words" {
	uci_dates
	# read day first, 12/3/2010 is 12 March; there is no month 15
	run flo-rfm --date-format '%d/%m/%Y %H:%M' "$TMP/uci.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/uci.csv line 6: field \"InvoiceDate\" does not match --date-format \"%d/%m/%Y %H:%M\": \"12/15/2010 18:35\""
	run flo-rfm "$TMP/uci.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/uci.csv line 2: field \"InvoiceDate\" is not a date: \"12/1/2010 8:26\" (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; or name the form with --date-format)"
	run flo-rfm --date-format '%m/%Y' "$TMP/uci.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --date-format: a date format needs a year (%Y or %y), a month (%m or %b) and a day (%d): "%m/%Y"'
	run flo-rfm --date-format '%m/%d/%Y %Q' "$TMP/uci.csv"
	assert_failure 2
	assert_line --index 0 --partial 'flo-rfm: option --date-format: unknown directive %Q'
	# skipped with --skip-bad, kept verbatim in --rejects
	run --separate-stderr flo-rfm --rejects "$TMP/rej" --date-format '%d/%m/%Y %H:%M' "$TMP/uci.csv"
	assert_success
	assert_equal "$(cut -d, -f1 "$TMP/rej" | tr '\n' ' ')" "InvoiceNo 536369 "
}

@test "dates: epoch milliseconds (pandas' JSON) read by default" {
	# 2010-12-01T08:26:00Z is 1291191960 seconds
	printf 'customer_id,date,amount\na,1291191960000,5\na,1291278360000,7\n' > "$TMP/ms.csv"
	run --separate-stderr flo-rfm "$TMP/ms.csv"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
a,1,0.14285714285714285,0.14285714285714285,7,2,12,2010-12-01,2010-12-02"
}

@test "--date-format on a large log (the threaded scan's size) gives the ISO dates' summary" {
	flo-simulate -n 20000 --seed 5 --r 2 --alpha 8 --a 1 --b 10 > "$TMP/iso.csv"
	[ "$(stat -c %s "$TMP/iso.csv")" -gt 1048576 ]
	# the same log with M/D/YYYY H:MM dates, written by python3's datetime
	python3 - "$TMP/iso.csv" "$TMP/us.csv" <<'PY'
import csv, datetime, random, sys
random.seed(1)
with open(sys.argv[1]) as f, open(sys.argv[2], "w", newline="") as g:
    r = csv.reader(f); w = csv.writer(g, lineterminator="\n")
    w.writerow(next(r))
    for cid, date, amount in r:
        d = datetime.date.fromisoformat(date)
        w.writerow([cid, f"{d.month}/{d.day}/{d.year} {random.randrange(24)}:{random.randrange(60):02d}", amount])
PY
	flo-rfm "$TMP/iso.csv" > "$TMP/want.csv"
	for t in 1 2 8; do
		FLO_THREADS=$t flo-rfm --date-format '%m/%d/%Y %H:%M' "$TMP/us.csv" | cmp - "$TMP/want.csv"
	done
	# and through a pipe, with a bad date deep in the log
	{ head -100000 "$TMP/us.csv"; echo 'c9,13/1/1997 8:00,1'; tail -n +100001 "$TMP/us.csv"; } > "$TMP/bad.csv"
	run flo-rfm --date-format '%m/%d/%Y %H:%M' "$TMP/bad.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/bad.csv line 100001: field \"date\" does not match --date-format \"%m/%d/%Y %H:%M\": \"13/1/1997 8:00\""
}

# A line-item log: invoices of several lines, one line replayed.
line_items() {
	cat > "$TMP/li.csv" <<'CSV'
InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID
536365,85123A,6,12/1/2010 8:26,2.55,17850
536365,71053,6,12/1/2010 8:26,3.39,17850
536366,22633,6,12/1/2010 8:28,1.85,17850
536367,84879,32,12/1/2010 8:34,1.69,13047
536367,22745,6,12/1/2010 8:34,2.10,13047
536368,22960,6,12/3/2010 8:34,4.25,13047
536368,22960,6,12/3/2010 8:34,4.25,13047
536369,21756,3,12/15/2010 18:35,5.95,13047
536369,21757,2,12/15/2010 18:35,0.5,13047
CSV
}

@test "line items: amount = quantity x price, an order's lines summed, a replayed line ignored" {
	line_items
	run --separate-stderr flo-rfm --date-format '%m/%d/%Y %H:%M' --quantity Quantity --price UnitPrice --order-id InvoiceNo "$TMP/li.csv"
	assert_success
	# 17850: 15.30 + 20.34 (536365) and 11.10 (536366), all on 12-01: 2 orders, 46.74.
	# 13047: 54.08 + 12.60 (12-01), 25.50 (12-03; its second line a replay),
	# 17.85 + 1.00 (12-15): 3 orders, 111.03; monetary (25.50 + 18.85) / 2.
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
13047,2,2,2,22.175,3,111.03,2010-12-01,2010-12-15
17850,0,0,2,0,2,46.74,2010-12-01,2010-12-01"
	[[ "$stderr" == *"1 order with an order id seen before ignored"* ]]
	# every order an occasion: 17850 has two, 536365 (35.64) then 536366 (11.10)
	run --separate-stderr flo-rfm --occasion order --date-format '%m/%d/%Y %H:%M' --quantity Quantity --price UnitPrice --order-id InvoiceNo "$TMP/li.csv"
	assert_success
	assert_line --index 2 "17850,1,0,2,11.1,2,46.74,2010-12-01,2010-12-01"
	# --line-id: the replay is the same order and stock code
	run --separate-stderr flo-rfm --date-format '%m/%d/%Y %H:%M' --quantity Quantity --price UnitPrice --order-id InvoiceNo --line-id StockCode "$TMP/li.csv"
	assert_success
	assert_line --index 1 "13047,2,2,2,22.175,3,111.03,2010-12-01,2010-12-15"
	# the whole log twice over: nothing changes
	{ cat "$TMP/li.csv"; tail -n +2 "$TMP/li.csv"; } > "$TMP/twice.csv"
	run --separate-stderr flo-rfm --date-format '%m/%d/%Y %H:%M' --quantity Quantity --price UnitPrice --order-id InvoiceNo "$TMP/twice.csv"
	assert_line --index 1 "13047,2,2,2,22.175,3,111.03,2010-12-01,2010-12-15"
	[[ "$stderr" == *"10 orders with an order id seen before ignored"* ]]
}

@test "line items: a unit price is never an order's value; option errors" {
	line_items
	run flo-rfm --date-format '%m/%d/%Y %H:%M' "$TMP/li.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: field "UnitPrice" is a unit price, not an order'"'"'s value: give --quantity FIELD and --price UnitPrice (amount = quantity x price), or --amount UnitPrice to take it as the order'"'"'s value'
	# --amount says it is meant
	run --separate-stderr flo-rfm --date-format '%m/%d/%Y %H:%M' --amount UnitPrice "$TMP/li.csv"
	assert_success
	printf 'customer_id,date,price\na,2021-01-01,3\n' > "$TMP/p.csv"
	run flo-rfm "$TMP/p.csv"
	assert_failure 2
	run flo-rfm --quantity Quantity "$TMP/li.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: --quantity and --price go together (amount = quantity x price)'
	run flo-rfm --quantity Quantity --price UnitPrice --amount UnitPrice "$TMP/li.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: --amount or --quantity and --price: use one'
	run flo-rfm --line-id StockCode "$TMP/li.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: --line-id needs --order-id'
	run flo-rfm --date-format '%m/%d/%Y %H:%M' --quantity Quantity --price Nope "$TMP/li.csv"
	assert_failure 65
	assert_output 'flo-rfm: no field "Nope" (unit price) in the input'
	# the product must be finite; 3 x 0.1 is 0.3, as typed
	printf 'customer_id,date,q,p\na,2021-01-01,1e200,1e200\nb,2021-01-01,x,1\nc,2021-01-01,3,0.1\n' > "$TMP/big.csv"
	run flo-rfm --quantity q --price p "$TMP/big.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/big.csv line 2: quantity x price is out of range: \"1e200\" x \"1e200\""
	run --separate-stderr flo-rfm --skip-bad --quantity q --price p "$TMP/big.csv"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
c,0,0,0,0,1,0.3,2021-01-01,2021-01-01"
}

@test "returns: dropped and counted by default (cancelled invoices, negative quantities); blank ids skipped" {
	line_items
	# C536370 cancels a line of 536367; a negative quantity on a plain
	# invoice; a guest's line (no CustomerID); an earlier cancellation that
	# would otherwise be 17850's first purchase
	cat >> "$TMP/li.csv" <<'CSV'
C536370,84879,-32,12/2/2010 9:00,1.69,13047
536371,22633,-2,12/16/2010 9:00,1.85,17850
536372,22633,5,12/16/2010 9:00,1.85,
C536300,22633,-1,11/20/2010 9:00,1.85,17850
CSV
	opts=(--date-format '%m/%d/%Y %H:%M' --quantity Quantity --price UnitPrice --order-id InvoiceNo)
	run --separate-stderr flo-rfm "${opts[@]}" --cancel-prefix C --rejects "$TMP/rej" "$TMP/li.csv"
	assert_success
	# as without the four lines: the last order date is still 12-15
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
13047,2,2,2,22.175,3,111.03,2010-12-01,2010-12-15
17850,0,0,2,0,2,46.74,2010-12-01,2010-12-01"
	assert_equal "$stderr" "flo-rfm: 1 order with an order id seen before ignored
flo-rfm: 1 order with an empty customer id skipped
flo-rfm: 3 returns dropped (--returns drop)"
	# the guest's line is kept with the rejects, the returns are not
	assert_equal "$(cat "$TMP/rej")" "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID
536372,22633,5,12/16/2010 9:00,1.85,"
	# without --cancel-prefix the cancelled lines are still returns (negative)
	run --separate-stderr flo-rfm "${opts[@]}" "$TMP/li.csv"
	assert_line --index 1 "13047,2,2,2,22.175,3,111.03,2010-12-01,2010-12-15"
	# --returns keep: each return an order (the old way, wrong for the models):
	# 17850's first purchase becomes the cancellation of 11-20
	run --separate-stderr flo-rfm "${opts[@]}" --returns keep "$TMP/li.csv"
	assert_line --index 2 --partial ",2010-11-20,2010-12-16"
	# --returns net: C536370 (12-02, 32 x 1.69 = 54.08) has no purchase that
	# day, so it reduces 13047's latest before, 12-01 (66.68 -> 12.60), its
	# first: monetary stays (25.50 + 18.85) / 2, revenue 111.03 - 54.08;
	# 536371 (12-16, 2 x 1.85) reduces 17850's 12-01 (46.74 -> 43.04);
	# C536300 (11-20) has no purchase before it and changes nothing
	run --separate-stderr flo-rfm "${opts[@]}" --cancel-prefix C --returns net "$TMP/li.csv"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
13047,2,2,2,22.175,3,56.95,2010-12-01,2010-12-15
17850,0,0,2,0,2,43.04,2010-12-01,2010-12-01"
	assert_equal "$stderr" "flo-rfm: 1 order with an order id seen before ignored
flo-rfm: 1 order with an empty customer id skipped
flo-rfm: 3 returns netted (--returns net)
flo-rfm: 1 return with no purchase that day or before (in its period) ignored"
	run flo-rfm "${opts[@]}" --returns net --occasion order "$TMP/li.csv"
	assert_failure 2
	# the store nets them too (tests/flo-rfm-db.bats: in pieces, at any date)
	run flo-rfm --db "$TMP/s.lmdb" "${opts[@]}" --cancel-prefix C --returns net "$TMP/li.csv"
	assert_success
	run flo-rfm --db "$TMP/s.lmdb" --dump
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
13047,2,2,2,22.175,3,56.95,2010-12-01,2010-12-15
17850,0,0,2,0,2,43.04,2010-12-01,2010-12-01"
	run flo-rfm --cancel-prefix C "$TMP/li.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: --cancel-prefix needs --order-id'
	# a large plain log: a return deep in it leaves the threaded scan for the general path
	flo-simulate -n 20000 --seed 5 --r 2 --alpha 8 --a 1 --b 10 > "$TMP/big.csv"
	flo-rfm "$TMP/big.csv" > "$TMP/want.csv"
	{ head -100000 "$TMP/big.csv"; echo 'c0000001,1997-03-01,-12.5'; tail -n +100001 "$TMP/big.csv"; } > "$TMP/ret.csv"
	run --separate-stderr flo-rfm "$TMP/ret.csv"
	assert_success
	assert_equal "$stderr" "flo-rfm: 1 return dropped (--returns drop)"
	cmp <(printf '%s\n' "$output") "$TMP/want.csv"
}
