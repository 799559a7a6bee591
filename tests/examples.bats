#!/usr/bin/env bats
# examples/: the Makefile-driven ETL and the live pipeline, each run on a copy
# of the folder (the checkout's examples/ is left alone).

load test_helper

setup() {
	TMP="$(mktemp -d)"
	export FLO_DB="$TMP/flo.lmdb"
	EX="$TMP/ex"
	mkdir "$EX"
	cp "$ROOT/examples/Makefile" "$ROOT/examples/orders.csv" "$ROOT/examples/live.sh" "$EX/"
	# the copy has no ../bin: the tools come from PATH (test_helper's)
	unset FLO_BIN
	# the examples' make runs as a user's would, not with the flags of a
	# `make -s test` that runs these tests (which would hide its commands)
	unset MAKEFLAGS MFLAGS MAKELEVEL
}

TARGETS="out/customers.csv out/model.json out/scores.csv out/segments.csv out/report.csv"

@test "examples/orders.csv: a few hundred orders of 150 customers, with order ids, in time order" {
	run awk -F, 'NR == 1 { print; next } { n++; c[$2]; if ($3 < last) bad++; last = $3; if (id[$1]++) bad++ }
	  END { print n, length(c), bad + 0 }' "$EX/orders.csv"
	assert_output $'order_id,customer_id,date,amount\n404 150 0'
	# it is flo-simulate's log for seed 5, sorted by date (stable), numbered
	flo-simulate -n 150 --seed 5 --start 2024-01-01 --end 2025-06-30 | sed 1d | sort -t, -k2,2 -s |
		awk 'BEGIN { print "order_id,customer_id,date,amount" } { printf "o%05d,%s\n", NR, $0 }' |
		cmp - "$EX/orders.csv"
}

@test "examples/Makefile: builds every step, then nothing is out of date" {
	run make -C "$EX"
	assert_success
	for t in $TARGETS; do [ -s "$EX/$t" ]; done
	# the steps ran in order, each once
	run awk '/^flo-[a-z]+ --/ { print $1 }' <<< "$output"
	assert_output $'flo-rfm\nflo-fit\nflo-score\nflo-segment\nflo-segment'
	# 150 customers, scored and segmented; the report has the four quartiles
	[ "$(grep -c . "$EX/out/segments.csv")" -eq 151 ]
	run cut -d, -f1,2 "$EX/out/report.csv"
	assert_output --regexp $'^segment,count\nD,[0-9]+\nC,[0-9]+\nB,[0-9]+\nA,[0-9]+$'
	# the model and the cut points are in the store beside the Makefile
	flo-score --db "$EX/flo.lmdb" "$EX/out/customers.csv" | cmp - "$EX/out/scores.csv"
	run flo-segment --db "$EX/flo.lmdb" --print-cuts --cuts default
	assert_success
	# a second make does nothing
	run make -C "$EX"
	assert_success
	assert_output --partial "Nothing to be done for 'all'."
	refute_output --partial "flo-"
	run make -q -C "$EX"
	assert_success
}

@test "examples/Makefile: a newer order log rebuilds the whole chain, a newer scores file only what follows" {
	make -C "$EX" > /dev/null 2>&1
	sleep 1.1  # file times of a coarse file system
	touch "$EX/orders.csv"
	run make -C "$EX"
	assert_success
	run awk '/^flo-[a-z]+ --/ { print $1 }' <<< "$output"
	assert_output $'flo-rfm\nflo-fit\nflo-score\nflo-segment\nflo-segment'
	sleep 1.1
	touch "$EX/out/scores.csv"
	run make -C "$EX"
	run awk '/^flo-[a-z]+ --/ { print $1 }' <<< "$output"
	assert_output $'flo-segment\nflo-segment'
	# a failed step leaves no file that looks up to date
	sleep 1.1
	echo "o99999,c9,not-a-date,1" >> "$EX/orders.csv"
	run make -C "$EX"
	assert_failure
	[ ! -e "$EX/out/customers.csv" ]
	run make -C "$EX" clean
	[ ! -e "$EX/out" ] && [ ! -e "$EX/flo.lmdb" ]
}

@test "examples/Makefile: another order log and observation end" {
	head -201 "$EX/orders.csv" > "$EX/first.csv"
	run make -C "$EX" ORDERS=first.csv AS_OF=2024-12-31
	assert_success
	run grep -c . "$EX/out/customers.csv"
	[ "$output" -gt 1 ] && [ "$output" -le 151 ]
	run awk -F, 'NR > 1 && $9 > "2024-12-31"' "$EX/out/customers.csv"
	assert_output ""
}

@test "examples/Makefile: another AS_OF or ORDERS rebuilds the chain, the same again nothing" {
	make -C "$EX" > /dev/null 2>&1
	run make -C "$EX" AS_OF=2025-05-31
	assert_success
	run awk '/^flo-[a-z]+ --/ { print $1 }' <<< "$output"
	assert_output $'flo-rfm\nflo-fit\nflo-score\nflo-segment\nflo-segment'
	run awk -F, 'NR > 1 && $9 > "2025-05-31"' "$EX/out/customers.csv"
	assert_output ""
	run make -C "$EX" AS_OF=2025-05-31
	assert_output --partial "Nothing to be done for 'all'."
	cp "$EX/orders.csv" "$EX/same.csv"
	run make -C "$EX" AS_OF=2025-05-31 ORDERS=same.csv
	run awk '/^flo-[a-z]+ --/ { print $1 }' <<< "$output"
	assert_output $'flo-rfm\nflo-fit\nflo-score\nflo-segment\nflo-segment'
}

# live.sh follows a log with tail -F: run it in the background, under a
# timeout, and wait for its output to reach N lines.
wait_lines() {
	for _ in $(seq 100); do
		[ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "examples/live.sh: each appended order re-scores and segments its customer at once" {
	if ! flo-rfm --help | grep -q -- '--db'; then
		skip "flo-rfm has no --db (incremental) mode yet"
	fi
	make -C "$EX" > /dev/null 2>&1
	cd "$TMP"
	export LIVE_DB="$EX/flo.lmdb" FLO_DB="$TMP/another-jobs.lmdb"
	timeout 20 "$EX/live.sh" orders.log > live.out 2> live.err &
	pid=$!
	# header only so far: the log is made with its header, and the history loaded
	wait_lines live.err 1
	echo "o00405,c0000007,2025-07-01,25.00" >> orders.log
	wait_lines live.out 2
	echo "o00406,c0000151,2025-07-02,40.00" >> orders.log
	wait_lines live.out 3
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	run cat live.err
	assert_output "live.sh: loading the history from $EX/orders.csv into $EX/flo.lmdb"
	run cut -d, -f1,2,6,8,9 live.out
	# c0000007: 2 earlier orders (history) and the new one; c0000151: new
	assert_output $'customer_id,frequency,orders,first_order,last_order\nc0000007,2,3,2024-03-19,2025-07-01\nc0000151,0,1,2025-07-02,2025-07-02'
	# each record is what the batch pipeline gives as of that order's date,
	# with the stored model and cut points
	{ cat "$EX/orders.csv"; echo "o00405,c0000007,2025-07-01,25.00"; } |
		flo-rfm --as-of 2025-07-01 | grep -E '^(customer_id|c0000007),' |
		flo-score --model "$EX/out/model.json" |
		flo-segment --db "$EX/flo.lmdb" --cuts default > batch.csv
	run diff batch.csv <(sed -n 1,2p live.out)
	assert_success
	# what examples/README.md prints for it, byte for byte
	awk '/^prints at once/ { on = 1 } on && /^```$/ { if (n++) exit; next } n' \
		"$ROOT/examples/README.md" > printed.csv
	run diff printed.csv <(sed -n 1,2p live.out)
	assert_success
	# FLO_DB, another job's store, was left alone
	[ ! -e "$TMP/another-jobs.lmdb" ]
}

@test "examples/live.sh: a bad line is skipped and kept aside; the next order still comes through" {
	make -C "$EX" > /dev/null 2>&1
	cd "$TMP"
	export LIVE_DB="$EX/flo.lmdb"
	timeout 20 "$EX/live.sh" orders.log > live.out 2> live.err &
	pid=$!
	wait_lines live.err 1
	echo "o00405,c0000007,not-a-date,25.00" >> orders.log
	echo "o00406,c0000151,2025-07-02,40.00" >> orders.log
	wait_lines live.out 2
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	run cut -d, -f1,2,6 live.out
	assert_output $'customer_id,frequency,orders\nc0000151,0,1'
	run cat orders.log.rejects
	assert_output $'order_id,customer_id,date,amount\no00405,c0000007,not-a-date,25.00'
}

@test "examples/live.sh: refuses to run without the stored cut points" {
	cd "$TMP"
	export LIVE_DB="$TMP/empty.lmdb"
	run --separate-stderr timeout 10 "$EX/live.sh" orders.log
	assert_failure 1
	[ "$stderr" = "live.sh: no cut points \"default\" in $TMP/empty.lmdb: run make -C $EX first" ]
}
