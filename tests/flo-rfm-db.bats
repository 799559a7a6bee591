#!/usr/bin/env bats
# flo-rfm --db: customer states in the store, updated order by order.
#
# The reference is batch flo-rfm over the same orders (tests/flo-rfm.bats
# checks it by hand and against the BG/NBD paper's CDNOW summary): the store
# must give the same bytes however the orders are shuffled and split.

load test_helper

HEADER=customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
SIM="--r 2 --alpha 8 --a 1 --b 10"

# shuffled FILE SEED: the header, then FILE's records in a seeded random order.
shuffled() {
	head -1 "$1"
	tail -n +2 "$1" | shuf --random-source=<(yes "$2")
}

# in_chunks FILE SEED [OPTIONS]: fold FILE into $FLO_DB in pieces of 1 to
# 1000 records (sizes seeded), one flo-rfm --db run each.
in_chunks() {
	local file=$1 seed=$2 c
	shift 2
	rm -rf "$TMP/chunks"
	mkdir "$TMP/chunks"
	tail -n +2 "$file" | awk -v seed="$seed" -v dir="$TMP/chunks" '
	  BEGIN { srand(seed) }
	  left == 0 { if (f) close(f); f = sprintf("%s/%06d", dir, ++n); left = 1 + int(rand() * 1000) }
	  { print > f; left-- }'
	for c in "$TMP"/chunks/*; do
		{ head -1 "$file"; cat "$c"; } | flo-rfm --db "$FLO_DB" "$@" > /dev/null || return 1
	done
}

# prefix_check DUMP LOG [OPTIONS]: DUMP is batch flo-rfm over the first K
# orders of LOG, K being the orders DUMP counts.
prefix_check() {
	local dump=$1 log=$2 k
	shift 2
	k=$(awk -F, 'NR > 1 { n += $6 } END { print n + 0 }' "$dump")
	head -n $((k + 1)) "$log" | flo-rfm "$@" > "$TMP/prefix.csv"
	[ "$k" -gt 0 ] || : > "$TMP/prefix.csv"
	cmp "$dump" "$TMP/prefix.csv"
}

@test "CDNOW: shuffled and folded in random pieces, the dump equals batch byte for byte, at any --as-of" {
	shuffled "$DATA/cdnow.csv" 1 > "$TMP/shuf.csv"
	in_chunks "$TMP/shuf.csv" 1 --keep cds
	run flo-rfm --db "$FLO_DB" --dump
	assert_success
	[ "$output" = "$(flo-rfm --keep cds "$TMP/shuf.csv")" ]
	[ "${#lines[@]}" -eq 2358 ]
	# the calibration and holdout of the BG/NBD paper, from the store alone;
	# 00004 bought 1 CD on 1997-08-02, its last order by the as-of date (2 on
	# 1997-12-12, in the holdout); the holdout is the paper's 39 weeks
	run flo-rfm --db "$FLO_DB" --dump --as-of 1997-09-30 --holdout-end 1998-06-30
	assert_line "00004,2,30.428571428571427,38.857142857142854,22.345,3,74.02,1997-01-01,1997-08-02,1,26.48,39,1"
	[ "$output" = "$(flo-rfm --keep cds --as-of 1997-09-30 --holdout-end 1998-06-30 "$TMP/shuf.csv")" ]
	# an as-of inside the cohort: customers who came later are left out, as in batch
	run --separate-stderr flo-rfm --db "$FLO_DB" --dump --as-of 1997-02-15
	[ "$output" = "$(flo-rfm --keep cds --as-of 1997-02-15 "$TMP/shuf.csv" 2> /dev/null)" ]
	[[ "$stderr" == *"orders after 1997-02-15 left out"* ]]
	# without --keep the arrival order does not matter at all
	rm -rf "$FLO_DB"
	in_chunks "$TMP/shuf.csv" 2
	[ "$(flo-rfm --db "$FLO_DB" --dump)" = "$(flo-rfm "$DATA/cdnow.csv")" ]
}

@test "generated logs: every convention, shuffled and in pieces, equals batch" {
	flo-simulate -n 1500 --seed 7 $SIM > "$TMP/log.csv"
	shuffled "$TMP/log.csv" 7 > "$TMP/shuf.csv"
	for opts in "--occasion order" "--frequency total --unit day" "--unit month --occasion order --frequency total"; do
		rm -rf "$FLO_DB"
		# shellcheck disable=SC2086
		in_chunks "$TMP/shuf.csv" 3 $opts
		# shellcheck disable=SC2086
		[ "$(flo-rfm --db "$FLO_DB" --dump)" = "$(flo-rfm $opts "$TMP/log.csv")" ]
		# shellcheck disable=SC2086
		[ "$(flo-rfm --db "$FLO_DB" --dump --as-of 1997-12-31 --holdout-end 1998-03-31)" = \
		  "$(flo-rfm $opts --as-of 1997-12-31 --holdout-end 1998-03-31 "$TMP/log.csv" 2> /dev/null)" ]
	done
}

@test "each record is the batch summary, as of the latest order date, over the orders so far" {
	run flo-rfm --db "$FLO_DB" --keep channel "$DATA/orders_small.csv"
	assert_success
	[ "${lines[0]}" = "$HEADER,channel" ]
	[ "${#lines[@]}" -eq 9 ]
	for i in 1 2 3 4 5 6 7 8; do
		id=$(sed -n "$((i + 1))p" "$DATA/orders_small.csv" | cut -d, -f1)
		want=$(head -n $((i + 1)) "$DATA/orders_small.csv" | flo-rfm --keep channel | grep "^$id,")
		[ "${lines[$i]}" = "$want" ]
	done
	# the records as they arrive, worked out by hand: c1's second order of
	# 01-01 is the same purchase occasion; 02-12 moves the as-of date
	[ "${lines[3]}" = "c1,0,0,1.2857142857142858,0,2,25,2021-01-01,2021-01-01,web" ]
	[ "${lines[5]}" = "c1,2,6,6,35,4,95,2021-01-01,2021-02-12,web" ]
	# the latest order day is the store's, across runs
	printf 'customer_id,date,amount,channel\nc9,2021-01-05,1,web\n' | {
		run flo-rfm --db "$FLO_DB"
		assert_output "$HEADER,channel
c9,0,0,7.428571428571429,0,1,1,2021-01-05,2021-01-05,web"
	}
}

@test "CDNOW: each live record equals batch over the orders so far" {
	shuffled "$DATA/cdnow.csv" 4 | head -121 > "$TMP/part.csv"
	flo-rfm --db "$FLO_DB" "$TMP/part.csv" > "$TMP/live.csv"
	for i in $(seq 1 120); do
		id=$(sed -n "$((i + 1))p" "$TMP/part.csv" | cut -d, -f1)
		head -n $((i + 1)) "$TMP/part.csv" | flo-rfm | grep "^$id," >> "$TMP/want.csv"
	done
	tail -n +2 "$TMP/live.csv" | cmp - "$TMP/want.csv"
}

@test "--order-id: a replay stores nothing and writes each customer's record again" {
	awk -F, 'BEGIN { OFS = "," } NR == 1 { print "oid", $0; next } { print "o" NR, $0 }' \
		"$DATA/cdnow.csv" > "$TMP/ids.csv"
	shuffled "$TMP/ids.csv" 5 > "$TMP/shuf.csv"
	in_chunks "$TMP/shuf.csv" 5 --order-id oid
	flo-rfm --db "$FLO_DB" --dump > "$TMP/once.csv"
	cmp "$TMP/once.csv" <(flo-rfm --order-id oid "$TMP/ids.csv")
	cp "$FLO_DB/data.mdb" "$TMP/before.mdb"
	# the whole log again, in another order: --order-id comes from the store
	run --separate-stderr flo-rfm --db "$FLO_DB" "$TMP/ids.csv"
	assert_success
	[ "$stderr" = "flo-rfm: 6919 orders with an order id seen before ignored" ]
	[ "${#lines[@]}" -eq 6920 ]
	# every record is the customer's unchanged summary
	[ "$(printf '%s\n' "${lines[@]}" | tail -n +2 | sort -u | sort)" = "$(tail -n +2 "$TMP/once.csv" | sort)" ]
	cmp "$FLO_DB/data.mdb" "$TMP/before.mdb"
	run flo-rfm --db "$FLO_DB" --dump
	[ "$output" = "$(cat "$TMP/once.csv")" ]
}

@test "line items (the UCI-shaped log): in runs cut at arbitrary lines, then replayed whole, the store equals batch" {
	zcat "$DATA/lineitems_uci.csv.gz" > "$TMP/uci.csv"
	uci=(--quantity Quantity --price UnitPrice --order-id InvoiceNo --cancel-prefix C
	     --id CustomerID --date InvoiceDate --date-format '%m/%d/%Y %H:%M' --unit day)
	# runs of 1 to 1000 lines, in the log's order: invoices split across runs
	in_chunks "$TMP/uci.csv" 14 "${uci[@]}" 2> /dev/null
	flo-rfm "${uci[@]}" "$TMP/uci.csv" > "$TMP/batch.csv" 2> /dev/null
	flo-rfm --db "$FLO_DB" --dump > "$TMP/dump.csv"
	cmp "$TMP/dump.csv" "$TMP/batch.csv"
	[ "$(wc -l < "$TMP/dump.csv")" -eq 295 ]
	# the README's customer: 8 invoices of 27 lines, on 7 days
	flo-rfm --db "$FLO_DB" --dump --as-of 2011-12-09 |
		grep -qx '12346,6,291,312,10.12,8,79.25,2011-01-31,2011-11-18'
	for cut in "--as-of 2011-06-30 --holdout-end 2011-09-30" "--as-of 2011-02-01"; do
		# shellcheck disable=SC2086
		[ "$(flo-rfm --db "$FLO_DB" --dump $cut 2> /dev/null)" = \
		  "$(flo-rfm "${uci[@]}" $cut "$TMP/uci.csv" 2> /dev/null)" ]
	done
	# the whole log again: every line is a replay, nothing changes
	cp "$FLO_DB/data.mdb" "$TMP/before.mdb"
	run --separate-stderr flo-rfm --db "$FLO_DB" "${uci[@]}" "$TMP/uci.csv"
	assert_success
	[[ "$stderr" == *"orders with an order id seen before ignored"* ]]
	flo-rfm --db "$FLO_DB" --dump | cmp - "$TMP/batch.csv"
	cmp "$FLO_DB/data.mdb" "$TMP/before.mdb"
	# shuffled (an invoice's lines anywhere), with the returns netted
	rm -rf "$FLO_DB"
	shuffled "$TMP/uci.csv" 15 > "$TMP/shuf.csv"
	in_chunks "$TMP/shuf.csv" 15 "${uci[@]}" --returns net 2> /dev/null
	for cut in "" "--as-of 2011-06-30 --holdout-end 2011-09-30"; do
		# shellcheck disable=SC2086
		[ "$(flo-rfm --db "$FLO_DB" --dump $cut 2> /dev/null)" = \
		  "$(flo-rfm "${uci[@]}" --returns net $cut "$TMP/shuf.csv" 2> /dev/null)" ]
	done
	# the store keeps the conventions: --returns net is taken from it
	printf 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\nC9,1,X,-1,12/9/2011 10:00,5.00,12346,UK\n' > "$TMP/ret.csv"
	run --separate-stderr flo-rfm --db "$FLO_DB" "${uci[@]}" "$TMP/ret.csv"
	assert_success
	[ "$stderr" = "flo-rfm: 1 return stored, netted in every summary (--returns net)" ]
	run flo-rfm --db "$FLO_DB" "${uci[@]}" --returns drop "$TMP/ret.csv"
	assert_failure 2
	assert_line --index 0 "flo-rfm: $FLO_DB: the store's customer states were made with --returns net, not --returns drop: mixing the two would corrupt the summaries (use another store)"
}

@test "--returns net and --occasion week|month: shuffled and in pieces, the store equals batch at any --as-of" {
	flo-simulate -n 1500 --seed 8 $SIM > "$TMP/log.csv"
	# returns: every 7th order again, negative, 0 to 9 days later
	awk -F, 'BEGIN { OFS = "," } { print } NR > 1 && NR % 7 == 0 {
		cmd = "date -u -d \"" $2 " + " (NR % 10) " days\" +%F"; cmd | getline d; close(cmd)
		print $1, d, -$3 / 2 }' "$TMP/log.csv" > "$TMP/ret.csv"
	shuffled "$TMP/ret.csv" 8 > "$TMP/shuf.csv"
	for opts in "--returns net" "--occasion week" "--occasion month --returns net"; do
		rm -rf "$FLO_DB"
		# shellcheck disable=SC2086
		in_chunks "$TMP/shuf.csv" 8 $opts 2> /dev/null
		for cut in "" "--as-of 1997-12-31 --holdout-end 1998-03-31" "--as-of 1997-06-15"; do
			# shellcheck disable=SC2086
			[ "$(flo-rfm --db "$FLO_DB" --dump $cut 2> /dev/null)" = \
			  "$(flo-rfm $opts $cut "$TMP/shuf.csv" 2> /dev/null)" ]
		done
	done
	# the period's records carry their unit; the store's unit is the period
	run flo-rfm --db "$FLO_DB" --dump
	assert_line --index 0 "$HEADER,unit"
	run flo-rfm --db "$FLO_DB" --occasion week --dump
	assert_failure 2
	assert_output --partial "made with --occasion month, not --occasion week"
}

@test "a cut-off before every order, with the store: the header, no customer left, exit 65, as batch" {
	printf 'customer_id,date,amount\na,2021-01-05,10\nb,2021-01-06,5\n' > "$TMP/o.csv"
	run --separate-stderr flo-rfm --as-of 2021-01-01 "$TMP/o.csv"
	assert_failure 65
	assert_output "$HEADER"
	run --separate-stderr flo-rfm --db "$FLO_DB" --as-of 2021-01-01 "$TMP/o.csv"
	assert_failure 65
	assert_output "$HEADER"
	[ "${stderr_lines[-1]}" = "flo-rfm: no customer is left: every order is after --as-of 2021-01-01" ]
	# the orders are stored all the same, and --dump says the same
	run --separate-stderr flo-rfm --db "$FLO_DB" --dump --as-of 2021-01-01
	assert_failure 65
	assert_output "$HEADER"
	[ "${stderr_lines[-1]}" = "flo-rfm: no customer is left: every order is after --as-of 2021-01-01" ]
	run --separate-stderr flo-rfm --db "$FLO_DB" --dump --as-of 2021-01-05
	assert_success
	assert_output "$HEADER
a,0,0,0,0,1,10,2021-01-05,2021-01-05"
}

@test "without order ids a replay counts every order again" {
	flo-rfm --db "$FLO_DB" "$DATA/orders_small.csv" > /dev/null
	flo-rfm --db "$FLO_DB" "$DATA/orders_small.csv" > /dev/null
	run flo-rfm --db "$FLO_DB" --dump
	assert_line --index 1 "c1,2,6,8,80,10,210,2021-01-01,2021-02-12"
}

@test "--emit batch: one record per customer per batch, after it" {
	run flo-rfm --db "$FLO_DB" --emit batch "$DATA/orders_small.csv"
	assert_output "$HEADER
c2,1,1,7.714285714285714,10,2,22.5,2021-01-03,2021-01-10
c1,2,6,8,40,5,105,2021-01-01,2021-02-12
c3,0,0,0,0,1,7.5,2021-02-26,2021-02-26"
	rm -rf "$FLO_DB"
	# batches of four orders; records as of the latest date at the commit
	run flo-rfm --db "$FLO_DB" --emit batch --commit-every 4 "$DATA/orders_small.csv"
	assert_output "$HEADER
c2,0,0,0.7142857142857143,0,1,10,2021-01-10,2021-01-10
c1,1,2,2,30,3,55,2021-01-01,2021-01-15
c1,2,6,8,40,5,105,2021-01-01,2021-02-12
c3,0,0,0,0,1,7.5,2021-02-26,2021-02-26
c2,1,1,7.714285714285714,10,2,22.5,2021-01-03,2021-01-10"
}

@test "a commit's many records, written on a helper thread while the next batch comes in, are the ones written on one" {
	# 213,563 orders of 20,000 customers in date order: commits of 16,384
	# records or more go to the helper, fewer are written at once
	flo-simulate -n 20000 --seed 5 $SIM > "$TMP/cust.csv"
	{ head -1 "$TMP/cust.csv"; tail -n +2 "$TMP/cust.csv" | LC_ALL=C sort -s -t, -k2,2; } > "$TMP/log.csv"
	FLO_THREADS=1 flo-rfm --db "$TMP/one" --keep amount "$TMP/log.csv" > "$TMP/one.csv"
	[ "$(wc -l < "$TMP/one.csv")" -eq 213564 ]
	[ "$(grep -c '^customer_id,' "$TMP/one.csv")" = 1 ]
	# each record is its order's customer's, in the log's order
	[ "$(cut -d, -f1 "$TMP/one.csv")" = "$(cut -d, -f1 "$TMP/log.csv")" ]
	# one commit; eleven of 20,000 and one of 13,563, each written while
	# the next is folded in; commits of 5,000, each written at once
	for every in 1000000 20000 5000; do
		rm -rf "$TMP/db"
		flo-rfm --db "$TMP/db" --keep amount --commit-every $every "$TMP/log.csv" | cmp - "$TMP/one.csv"
	done
	# in two runs, the second's kept field taken from the store
	head -n 100001 "$TMP/log.csv" | flo-rfm --db "$TMP/halves" --keep amount > "$TMP/halves.csv"
	{ head -1 "$TMP/log.csv"; tail -n +100002 "$TMP/log.csv"; } | flo-rfm --db "$TMP/halves" |
		tail -n +2 >> "$TMP/halves.csv"
	cmp "$TMP/halves.csv" "$TMP/one.csv"
	# one record per customer after the one batch: batch flo-rfm's summaries
	flo-rfm --db "$TMP/batch" --emit batch --keep amount "$TMP/log.csv" > "$TMP/batch.csv"
	[ "$(wc -l < "$TMP/batch.csv")" -eq 20001 ]
	{ head -1 "$TMP/batch.csv"; tail -n +2 "$TMP/batch.csv" | LC_ALL=C sort -t, -k1,1; } |
		cmp - <(flo-rfm --keep amount "$TMP/log.csv")
	# and as JSON Lines
	flo-rfm --db "$TMP/jsonl" --keep amount -o jsonl "$TMP/log.csv" | flo-cat -o csv | cmp - "$TMP/one.csv"
	# a bad record stops the run: every record of the batches committed
	# before it is out first, as on one thread
	awk 'NR == 150001 { print "c0000001,not-a-date,1" } { print }' "$TMP/log.csv" > "$TMP/bad.csv"
	run flo-rfm --db "$TMP/bad" --keep amount --commit-every 20000 "$TMP/bad.csv"
	assert_failure 65
	[ "${#lines[@]}" -eq 150001 ]
	[ "${lines[150000]}" = 'flo-rfm: '"$TMP"'/bad.csv line 150001: field "date" is not a date: "not-a-date" (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; or name the form with --date-format)' ]
	head -n 150000 "$TMP/one.csv" | cmp - <(printf '%s\n' "${lines[@]:0:150000}")
	# the helper's write error is the tool's: exit 74, its words once
	run sh -c 'flo-rfm --db "$1" --commit-every 20000 "$2" > /dev/full' sh "$TMP/full" "$TMP/log.csv"
	assert_failure 74
	assert_output "flo-rfm: write error: No space left on device"
}

@test "--dump: flo-fit refits from the store as from batch flo-rfm" {
	flo-simulate -n 2000 --seed 3 > "$TMP/log.csv"
	shuffled "$TMP/log.csv" 3 > "$TMP/shuf.csv"
	in_chunks "$TMP/shuf.csv" 3
	flo-rfm --db "$FLO_DB" --dump --as-of 1998-06-30 | SOURCE_DATE_EPOCH=0 flo-fit --no-store > "$TMP/a.json"
	flo-rfm --as-of 1998-06-30 "$TMP/log.csv" | SOURCE_DATE_EPOCH=0 flo-fit --no-store > "$TMP/b.json"
	cmp "$TMP/a.json" "$TMP/b.json"
	grep -q '"converged": true' "$TMP/a.json"
	# and flo-fit stores it beside the customers
	flo-rfm --db "$FLO_DB" --dump | flo-fit > /dev/null
	flo-rfm --db "$FLO_DB" --dump | flo-score | tail -n +2 | wc -l | grep -qx 2000
}

@test "the store records its conventions at first use; others are refused, left-out ones taken from it" {
	flo-rfm --db "$FLO_DB" --unit day --occasion order --keep channel "$DATA/orders_small.csv" > /dev/null
	run flo-rfm --db "$FLO_DB" --unit week "$DATA/orders_small.csv"
	assert_failure 2
	assert_line --index 0 "flo-rfm: $FLO_DB: the store's customer states were made with --unit day, not --unit week: mixing the two would corrupt the summaries (use another store)"
	run flo-rfm --db "$FLO_DB" --occasion day --dump
	assert_failure 2
	assert_output --partial "made with --occasion order, not --occasion day"
	run flo-rfm --db "$FLO_DB" --frequency total --dump
	assert_failure 2
	run flo-rfm --db "$FLO_DB" --keep channel,date --dump
	assert_failure 2
	assert_output --partial "made with --keep channel, not --keep channel,date"
	run flo-rfm --db "$FLO_DB" --order-id date --dump
	assert_failure 2
	assert_output --partial "made with no --order-id, not --order-id date"
	# the same ones, given again or left out, are fine
	run flo-rfm --db "$FLO_DB" --unit day --occasion order --keep channel --dump
	assert_success
	assert_line --index 0 "$HEADER,channel"
	assert_line --index 1 "c1,4,42,56,25,5,105,2021-01-01,2021-02-12,web"
	[ "$(flo-rfm --db "$FLO_DB" --dump)" = "$output" ]
	# $FLO_DB is the store when --db is not given
	[ "$(flo-rfm --dump)" = "$output" ]
}

@test "kill -9 during a large ingest, then resume: the store holds committed prefixes and ends as uninterrupted" {
	run "$ROOT/scripts/crashtest" -n 3 -c 4000 -s 11 -k 500
	assert_success
	assert_line --index 0 --partial "crashtest: "
	[ "$(grep -c 'resumed: same as uninterrupted' <<< "$output")" -eq 3 ]
}

@test "a reader while a writer works sees whole commits; flo-score reads its model meanwhile" {
	flo-simulate -n 20000 --seed 9 $SIM > "$TMP/sorted.csv"
	shuffled "$TMP/sorted.csv" 9 > "$TMP/log.csv"
	flo-rfm "$DATA/orders_small.csv" | flo-fit > /dev/null
	flo-rfm --db "$FLO_DB" --commit-every 2000 "$TMP/log.csv" | flo-score > "$TMP/scored.csv" &
	pid=$!
	dumps=0
	while kill -0 "$pid" 2> /dev/null && [ "$dumps" -lt 6 ]; do
		if flo-rfm --db "$FLO_DB" --dump > "$TMP/dump.csv" 2> /dev/null && [ -s "$TMP/dump.csv" ]; then
			prefix_check "$TMP/dump.csv" "$TMP/log.csv"
			dumps=$((dumps + 1))
		fi
	done
	wait "$pid"
	[ "$dumps" -gt 0 ]
	[ "$(wc -l < "$TMP/scored.csv")" -eq "$(wc -l < "$TMP/log.csv")" ]
	head -1 "$TMP/scored.csv" | grep -q ',clv$'
}

@test "a second writer is refused with the store's words, exit 74" {
	mkfifo "$TMP/fifo"
	flo-rfm --db "$FLO_DB" < "$TMP/fifo" > /dev/null &
	pid=$!
	exec {fd}> "$TMP/fifo"
	# until the first writer has made the store (its lock comes first)
	for _ in $(seq 100); do
		mdb_stat -a "$FLO_DB" 2> /dev/null | grep -q "Status of meta" && break
		sleep 0.05
	done
	run flo-rfm --db "$FLO_DB" "$DATA/orders_small.csv"
	assert_failure 74
	assert_output "flo-rfm: $FLO_DB: store is in use by another writer (pid $pid)"
	# a reader is not a writer
	run flo-rfm --db "$FLO_DB" --dump
	assert_success
	# the first writer ends as any writer does
	echo customer_id,date,amount >&"$fd"
	exec {fd}>&-
	wait "$pid"
}

@test "live: each order's record comes out before the next order goes in" {
	flo-rfm "$DATA/orders_small.csv" | flo-fit > /dev/null
	flo-rfm "$DATA/orders_small.csv" | flo-score | flo-segment --groups 2 --labels low,high --save-cuts live > /dev/null
	coproc PIPE { flo-rfm --db "$FLO_DB" --no-sync | flo-score | flo-segment --cuts live; }
	echo "customer_id,date,amount" >&"${PIPE[1]}"
	echo "c7,2021-03-01,10" >&"${PIPE[1]}"
	read -r -t 5 line <&"${PIPE[0]}"
	[[ "$line" == customer_id,*,clv,segment ]]
	read -r -t 5 line <&"${PIPE[0]}"
	[[ "$line" == c7,0,0,0,0,1,10,2021-03-01,2021-03-01,* ]]
	echo "c7,2021-03-08,30" >&"${PIPE[1]}"
	read -r -t 5 line <&"${PIPE[0]}"
	[[ "$line" == c7,1,1,1,30,2,40,2021-03-01,2021-03-08,*,high ]]
	# the record was committed before it came out
	[ "$(flo-rfm --db "$FLO_DB" --dump | tail -1)" = "c7,1,1,1,30,2,40,2021-03-01,2021-03-08" ]
	exec {PIPE[1]}>&-
	wait
}

@test "a bad record stops the run after committing the orders before it; --skip-bad goes on" {
	printf 'customer_id,date,amount\na,2021-01-01,10\nb,2021-01-02,5\nb,2021-02-30,5\nc,2021-01-03,1\n' > "$TMP/o.csv"
	run --separate-stderr flo-rfm --db "$FLO_DB" "$TMP/o.csv"
	assert_failure 65
	[ "$stderr" = "flo-rfm: $TMP/o.csv line 4: field \"date\" is not a date: \"2021-02-30\" (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; or name the form with --date-format)" ]
	assert_output "$HEADER
a,0,0,0,0,1,10,2021-01-01,2021-01-01
b,0,0,0,0,1,5,2021-01-02,2021-01-02"
	[ "$(flo-rfm --db "$FLO_DB" --dump | wc -l)" -eq 3 ]
	rm -rf "$FLO_DB"
	run --separate-stderr flo-rfm --db "$FLO_DB" --skip-bad "$TMP/o.csv"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	# ids the store cannot hold are bad records
	{ echo customer_id,date,amount; printf '%0600d,2021-01-01,1\n' 0; } > "$TMP/long.csv"
	run flo-rfm --db "$FLO_DB" "$TMP/long.csv"
	assert_failure 65
	assert_output --partial "is longer than the store's 511 bytes"
	printf '{"customer_id":"\\u0000x","date":"2021-01-01","amount":1}\n' > "$TMP/nul.jsonl"
	run flo-rfm --db "$FLO_DB" "$TMP/nul.jsonl"
	assert_failure 65
	assert_output 'flo-rfm: '"$TMP"'/nul.jsonl line 1: field "customer_id" starts with a NUL byte: "\x00x"'
}

@test "stores: missing, empty, foreign, newer and damaged ones" {
	run flo-rfm --db "$TMP/none" --dump
	assert_failure 66
	assert_output "flo-rfm: $TMP/none: no such store"
	# a store with a model but no customers
	flo-rfm "$DATA/orders_small.csv" | flo-fit > /dev/null
	run --separate-stderr flo-rfm --db "$FLO_DB" --dump
	assert_success
	[ "$output" = "" ]
	[ "$stderr" = "flo-rfm: $FLO_DB: no customers stored" ]
	mkdir "$TMP/foreign"
	head -c 20000 /dev/urandom > "$TMP/foreign/data.mdb"
	run flo-rfm --db "$TMP/foreign" "$DATA/orders_small.csv"
	assert_failure 74
	assert_output --partial "flo-rfm: $TMP/foreign"
	# customer states of a newer format, and a damaged one
	flo-rfm --db "$FLO_DB" "$DATA/orders_small.csv" > /dev/null
	cp -r "$FLO_DB" "$TMP/newer"
	mdb_dump -p -s customers "$FLO_DB" | sed 's/flo-custstate 2/flo-custstate 3/' |
		mdb_load -s customers "$TMP/newer" 2> /dev/null
	run flo-rfm --db "$TMP/newer" --dump
	assert_failure 74
	# (an edit by hand is damage to flo: the record's checksum fails; a newer
	# format with a good checksum is tests/unit/test_custstate.c's)
	assert_output "flo-rfm: $TMP/newer: the customer-state settings record is damaged (its checksum fails)"
	run flo-rfm --db "$TMP/newer" "$DATA/orders_small.csv"
	assert_failure 74
	cp -r "$FLO_DB" "$TMP/damaged"
	mdb_dump -p -s customers "$FLO_DB" | awk 'prev == " c2" { $0 = " \\01\\00\\07" } { print; prev = $0 }' |
		mdb_load -s customers "$TMP/damaged" 2> /dev/null
	run --separate-stderr flo-rfm --db "$TMP/damaged" --dump
	assert_failure 74
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "flo-rfm: $TMP/damaged: customer \"c2\": the stored state is damaged (its checksum fails)" ]
	run flo-rfm --db "$TMP/damaged" "$DATA/orders_small.csv"
	assert_failure 74
	assert_output --partial 'customer "c2": the stored state is damaged'
}

@test "JSON Lines in and out; --dump -o tsv" {
	flo-cat -o jsonl "$DATA/orders_small.csv" > "$TMP/o.jsonl"
	run flo-rfm --db "$FLO_DB" --keep channel "$TMP/o.jsonl"
	assert_line --index 0 '{"customer_id":"c2","frequency":0,"recency":0,"T":0,"monetary":0,"orders":1,"revenue":10,"first_order":"2021-01-10","last_order":"2021-01-10","channel":"web"}'
	run flo-rfm --db "$FLO_DB" --dump -o tsv
	assert_line --index 1 "$(printf 'c1\t2\t6\t8\t40\t5\t105\t2021-01-01\t2021-02-12\tweb')"
}

@test "usage: --help documents the store; bad combinations exit 2" {
	run flo-rfm --help
	for opt in --db --incremental --dump --emit --commit-every --no-sync; do
		assert_output --partial "      $opt"
	done
	assert_output --partial "as of the latest order"
	assert_output --partial "Without order ids a replayed order is counted again"
	run flo-rfm --db "$FLO_DB" --emit all
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --emit: expected order or batch: "all"'
	run flo-rfm --db "$FLO_DB" --commit-every 0
	assert_failure 2
	run flo-rfm --db "$FLO_DB" --commit-every 10x
	assert_failure 2
	run flo-rfm --emit batch "$DATA/orders_small.csv"
	assert_failure 2
	assert_line --index 0 "flo-rfm: --emit, --commit-every, --merge-every, --leave-log and --no-sync need the store (--db PATH or --incremental)"
	run flo-rfm --dump --incremental
	assert_failure 2
	run flo-rfm --db "$FLO_DB" --dump "$DATA/orders_small.csv"
	assert_failure 2
	run flo-rfm --db "$FLO_DB" "$ROOT/examples/flo_data_20k.csv"
	assert_failure 2
	assert_line --index 0 "flo-rfm: the store folds order records, not customer summaries"
	# --incremental takes the store from $FLO_DB
	run flo-rfm --incremental "$DATA/orders_small.csv"
	assert_success
	[ -e "$FLO_DB/data.mdb" ]
}

@test "an order whose lines straddle --as-of: the store counts each line on its own day, as batch does" {
	# o2's second line comes a week after its first, past the cut-off:
	# it belongs to the holdout (a purchase on its own day), never to o2's
	# calibration value; in the file's order and with that line first
	printf 'customer_id,order_id,date,amount\nc1,o1,2021-01-01,10\nc1,o2,2021-01-05,20\nc1,o2,2021-01-12,5\nc1,o3,2021-01-20,7\n' > "$TMP/a.csv"
	awk 'NR == 1 || NR == 4 { print } { l[NR] = $0 } END { print l[2]; print l[5]; print l[3] }' "$TMP/a.csv" > "$TMP/b.csv"
	for f in a b; do
		for end in "" "--holdout-end 2021-01-31"; do
			flo-rfm --order-id order_id --as-of 2021-01-10 $end "$TMP/$f.csv" > "$TMP/batch.csv" 2>/dev/null
			# the hand count: o1 and o2 (20) in calibration
			[ "$(sed -n 2p "$TMP/batch.csv" | cut -d, -f2,5-7)" = "1,20,2,30" ]
			[ -z "$end" ] || [ "$(sed -n 2p "$TMP/batch.csv" | cut -d, -f10-11)" = "2,12" ]
			rm -rf "$FLO_DB"
			flo-rfm --db "$FLO_DB" --order-id order_id "$TMP/$f.csv" > /dev/null 2>&1
			flo-rfm --db "$FLO_DB" --dump --as-of 2021-01-10 $end > "$TMP/dump.csv"
			cmp "$TMP/batch.csv" "$TMP/dump.csv"
			# and live, with the cut-off given to the ingest: its last record
			rm -rf "$FLO_DB"
			flo-rfm --db "$FLO_DB" --order-id order_id --as-of 2021-01-10 $end "$TMP/$f.csv" 2>/dev/null |
				tail -1 > "$TMP/live.csv"
			[ "$(cat "$TMP/live.csv")" = "$(sed -n 2p "$TMP/batch.csv")" ]
		done
	done
}

# hot_log SEED: a log in date order where one customer ("hot") has an order
# or more nearly every day, among 40 others, with replays of hot's earlier
# orders (the same line again, order id and all) both right after the
# original and hundreds of lines later, across any batch boundary.
hot_log() {
	awk -v seed="$1" 'BEGIN {
		srand(seed)
		print "oid,customer_id,date,amount"
		for (d = 0; d < 120; d++) {
			day = sprintf("2021-%02d-%02d", 1 + int(d / 28), 1 + d % 28)
			n = 1 + int(rand() * 4)
			for (k = 0; k < n; k++) {
				if (rand() < 0.6) {
					line = sprintf("h%d,hot,%s,%.2f", ++h, day, 1 + int(rand() * 9000) / 100)
					hot[h] = line
				} else {
					line = sprintf("o%d,c%02d,%s,%.2f", ++o, int(rand() * 40), day, 5 + int(rand() * 500) / 100)
				}
				print line
				if (h > 0 && rand() < 0.08)
					print hot[h]                          # replayed at once
				if (h > 20 && rand() < 0.1)
					print hot[1 + int(rand() * (h - 20))] # replayed much later
			}
		}
	}'
}

@test "many orders of one customer in a batch, interleaved with others and replayed across batches: every record is the batch path's" {
	hot_log 11 > "$TMP/hot.csv"
	flo-rfm --order-id oid "$TMP/hot.csv" > "$TMP/batch.csv" 2> /dev/null
	replays=$(awk -F, 'NR > 1 && seen[$0]++' "$TMP/hot.csv" | wc -l)
	[ "$replays" -gt 20 ]
	for every in 1 7 100 100000; do
		rm -rf "$FLO_DB"
		run --separate-stderr flo-rfm --db "$FLO_DB" --order-id oid --commit-every "$every" "$TMP/hot.csv"
		assert_success
		[ "$stderr" = "flo-rfm: $replays orders with an order id seen before ignored" ]
		printf '%s\n' "${lines[@]}" > "$TMP/live-$every.csv"
		# the same records whatever the batches
		cmp "$TMP/live-$every.csv" "$TMP/live-1.csv"
		[ "$(flo-rfm --db "$FLO_DB" --dump)" = "$(cat "$TMP/batch.csv")" ]
	done
	# each of hot's records is batch flo-rfm over the log up to it (as of
	# its latest date), a replay's the unchanged one
	i=0
	while IFS= read -r line; do
		i=$((i + 1))
		case $line in *,hot,*) ;; *) continue ;; esac
		want=$(head -n $((i + 1)) "$TMP/hot.csv" | flo-rfm --order-id oid 2> /dev/null | grep '^hot,')
		[ "$(sed -n "$((i + 1))p" "$TMP/live-1.csv")" = "$want" ]
	done < <(tail -n +2 "$TMP/hot.csv")
	# the whole log again: nothing changes, every record the final one
	run --separate-stderr flo-rfm --db "$FLO_DB" --commit-every 7 "$TMP/hot.csv"
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | tail -n +2 | sort -u)" = "$(tail -n +2 "$TMP/batch.csv" | sort)" ]
	[ "$(flo-rfm --db "$FLO_DB" --dump)" = "$(cat "$TMP/batch.csv")" ]
}

@test "kill -9 with the order log merged now and then: committed prefixes, and the uninterrupted end" {
	run "$ROOT/scripts/crashtest" -n 3 -c 4000 -s 12 -k 500 -m 3000
	assert_success
	[ "$(grep -c 'resumed: same as uninterrupted' <<< "$output")" -eq 3 ]
}

@test "the order log across many commits, merged and not, replayed and killed, gives batch flo-rfm's summaries" {
	flo-simulate -n 3000 --seed 21 $SIM |
		awk -F, 'BEGIN { OFS = "," } NR == 1 { print "order_id", $0; next } { print "o" NR, $0 }' \
			> "$TMP/sorted.csv"
	# in date order, as a shop writes its log
	{ head -1 "$TMP/sorted.csv"; tail -n +2 "$TMP/sorted.csv" | sort -t, -k4,4 -s; } > "$TMP/log.csv"
	flo-rfm --order-id order_id "$TMP/log.csv" > "$TMP/batch.csv"
	n=$(($(wc -l < "$TMP/log.csv") - 1))
	# the first half in batches of 300, merged every 2000 orders; the last
	# commits stay in the log
	head -n $((n / 2 + 1)) "$TMP/log.csv" |
		flo-rfm --db "$FLO_DB" --order-id order_id --commit-every 300 --merge-every 2000 --leave-log \
			> "$TMP/first.csv"
	# the records are those of a store whose states are written at every
	# commit (merged each time), and its dump the batch run's
	head -n $((n / 2 + 1)) "$TMP/log.csv" |
		flo-rfm --db "$TMP/each.lmdb" --order-id order_id --commit-every 300 --merge-every 1 |
		cmp - "$TMP/first.csv"
	head -n $((n / 2 + 1)) "$TMP/log.csv" | flo-rfm --order-id order_id > "$TMP/half.csv"
	flo-rfm --db "$FLO_DB" --dump | cmp - "$TMP/half.csv"
	# a replay of the first half and more, never merged, killed in the middle
	head -n $((3 * n / 4 + 1)) "$TMP/log.csv" > "$TMP/three.csv"
	flo-rfm --db "$FLO_DB" --order-id order_id --commit-every 97 --merge-every 0 --leave-log "$TMP/three.csv" \
		> /dev/null &
	pid=$!
	sleep 0.2
	kill -9 "$pid" 2> /dev/null || true
	wait "$pid" || true
	run flo-rfm --db "$FLO_DB" --check
	assert_success
	# the whole log, replayed over what survived, merged every 1000
	flo-rfm --db "$FLO_DB" --order-id order_id --commit-every 250 --merge-every 1000 --leave-log "$TMP/log.csv" \
		> "$TMP/all.csv"
	flo-rfm --db "$FLO_DB" --dump > "$TMP/before.csv"
	cmp "$TMP/before.csv" "$TMP/batch.csv"
	# the log then holds orders: --dump the same before and after a merge
	[ "$(mdb_stat -s orderlog "$FLO_DB" | awk '/Entries/ { print $2 }')" -gt 0 ] ||
		flo-rfm --db "$FLO_DB" --order-id order_id --leave-log "$TMP/log.csv" > /dev/null
	tail -n 400 "$TMP/log.csv" | sed 's/^o/p/' | { head -1 "$TMP/log.csv"; cat; } > "$TMP/more.csv"
	flo-rfm --db "$FLO_DB" --order-id order_id --leave-log "$TMP/more.csv" > /dev/null
	[ "$(mdb_stat -s orderlog "$FLO_DB" | awk '/Entries/ { print $2 }')" -gt 0 ]
	flo-rfm --db "$FLO_DB" --dump > "$TMP/unmerged.csv"
	echo order_id,customer_id,date,amount | flo-rfm --db "$FLO_DB" --order-id order_id > /dev/null || true
	[ "$(mdb_stat -s orderlog "$FLO_DB" | awk '/Entries/ { print $2 }')" -eq 0 ]
	flo-rfm --db "$FLO_DB" --dump | cmp - "$TMP/unmerged.csv"
	run flo-rfm --db "$FLO_DB" --check
	assert_success
}
