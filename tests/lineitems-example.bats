#!/usr/bin/env bats
# Issue 14's worked example: a UCI-Online-Retail-shaped line-item log with
# cancellations and guests (flo-simulate --layout uci) through flo-rfm gives
# the summary of the standard pandas + lifetimes recipe.  The golden summary
# and the counts of what the recipe dropped come from
# scripts/golden/lineitems_pandas.py (pandas, lifetimes 0.11.3's
# summary_data_from_transaction_data re-implemented), run once on the
# committed log; CI does not run python.

load test_helper

LOG="$DATA/lineitems_uci.csv.gz"
GOLDEN="$DATA/lineitems_uci_pandas.csv"
DROPPED="$DATA/lineitems_uci_pandas_dropped.txt"
AS_OF=2011-12-09
# How the committed log was made (and the README's example makes it).
SIM=(-n 300 --seed 14 --layout uci --r 1 --alpha 10
     --start 2010-12-01 --cohort-days 120 --end "$AS_OF")
LINES=(--quantity Quantity --price UnitPrice --order-id InvoiceNo
       --id CustomerID --date InvoiceDate --date-format '%m/%d/%Y %H:%M'
       --unit day --as-of "$AS_OF")
RFM=("${LINES[@]}" --cancel-prefix C)

# Compare a flo-rfm summary ($1) with the pandas one ($2): the same customers
# in the same order, every field equal, but revenue and monetary (pandas sums
# doubles, flo exact decimals) within 1e-9 relative.  Prints "ok" or the
# differences.
same_summary() {
	paste -d'|' "$1" "$2" | awk -F'|' '
		NR == 1 { if ($1 != $2) { print "headers: " $1 " vs " $2; bad = 1 }; next }
		{
			n = split($1, a, ","); split($2, b, ",")
			if (n != 9 || $2 == "") { print "line " NR ": " $1 " vs " $2; bad = 1; next }
			for (i = 1; i <= 9; i++) {
				if (i == 5 || i == 7) {
					d = a[i] - b[i]; if (d < 0) d = -d
					m = b[i] < 0 ? -b[i] : b[i]
					if (d > 1e-9 * m) { print "line " NR " field " i ": " a[i] " vs " b[i]; bad = 1 }
				} else if (a[i] != b[i]) { print "line " NR " field " i ": " a[i] " vs " b[i]; bad = 1 }
			}
		}
		END { if (!bad) print "ok" }'
}

@test "the committed log is flo-simulate's, byte for byte" {
	flo-simulate "${SIM[@]}" > "$TMP/log.csv"
	zcat "$LOG" | cmp - "$TMP/log.csv"
}

@test "flo-rfm on the log gives the pandas/lifetimes recipe's summary; the counts are what pandas dropped" {
	zcat "$LOG" > "$TMP/log.csv"
	run --separate-stderr flo-rfm "${RFM[@]}" "$TMP/log.csv"
	assert_success
	printf '%s\n' "$output" > "$TMP/flo.csv"
	[ "$(wc -l < "$TMP/flo.csv")" -eq "$(wc -l < "$GOLDEN")" ]
	run same_summary "$TMP/flo.csv" "$GOLDEN"
	assert_output ok
	guests=$(awk '$1 == "guests" { print $2 }' "$DROPPED")
	returns=$(awk '$1 == "returns" { print $2 }' "$DROPPED")
	[ "$guests" -gt 0 ] && [ "$returns" -gt 0 ]
	assert_equal "$stderr" "flo-rfm: $guests orders with an empty customer id skipped
flo-rfm: $returns returns dropped (--returns drop)"
	# the same from a pipe, on one thread or several
	for t in 1 2; do
		zcat "$LOG" | FLO_THREADS=$t flo-rfm "${RFM[@]}" 2>/dev/null | cmp - "$TMP/flo.csv"
	done
}

@test "the example exercises what the recipe does: invoices merged per day, one-time buyers, cancellations" {
	# customers with two invoices on one day: more orders than purchase days
	run awk -F, 'NR > 1 && $6 > $2 + 1' "$GOLDEN"
	[ "${#lines[@]}" -ge 5 ]
	run awk -F, 'NR > 1 && $2 == 0 && $5 == 0' "$GOLDEN"
	[ "${#lines[@]}" -ge 20 ]
	# with every invoice a purchase (--occasion order) the summary differs
	zcat "$LOG" > "$TMP/log.csv"
	flo-rfm "${RFM[@]}" --occasion order "$TMP/log.csv" 2>/dev/null > "$TMP/order.csv"
	run same_summary "$TMP/order.csv" "$GOLDEN"
	refute_output ok
	# --returns keep folds the cancellations in (without --cancel-prefix,
	# which it refuses): another summary
	flo-rfm "${LINES[@]}" --returns keep "$TMP/log.csv" 2>/dev/null > "$TMP/keep.csv"
	run same_summary "$TMP/keep.csv" "$GOLDEN"
	refute_output ok
}
