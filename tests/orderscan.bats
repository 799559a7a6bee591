#!/usr/bin/env bats
# flo-rfm reads the plain lines of a large CSV or TSV order log on two
# threads (lib/rfm/orderscan.c), in chunks of half a megabyte, and hands the
# rest of the input to the general reader at the first chunk holding
# anything else.  Whatever the input, the result must be the general
# path's: here that is JSON Lines input (which the scan never reads) with
# CSV output.  The logs are a few megabytes, so that a line of interest
# sits chunks deep.

load test_helper

# A log of about 200,000 orders (some 5 MB), and the general path's summary.
make_log() {
	flo-simulate -n 20000 --seed 11 --r 2 --alpha 8 --a 1 --b 10 > "$TMP/orders.csv"
	flo-cat -o jsonl "$TMP/orders.csv" > "$TMP/orders.jsonl"
	flo-rfm -o csv "$@" "$TMP/orders.jsonl" > "$TMP/want.csv"
}

@test "scan: a large log gives the general path's summary, from a file, a pipe, in date order, as TSV" {
	make_log --as-of 1998-06-30 --holdout-end 1998-12-31
	[ "$(wc -l < "$TMP/orders.csv")" -gt 150000 ]
	[ "$(stat -c %s "$TMP/orders.csv")" -gt 4000000 ]
	flo-rfm --as-of 1998-06-30 --holdout-end 1998-12-31 "$TMP/orders.csv" | cmp - "$TMP/want.csv"
	cat "$TMP/orders.csv" | flo-rfm --as-of 1998-06-30 --holdout-end 1998-12-31 | cmp - "$TMP/want.csv"
	{ head -1 "$TMP/orders.csv"; tail -n +2 "$TMP/orders.csv" | sort -t, -k2,2 -s; } > "$TMP/dated.csv"
	flo-rfm --as-of 1998-06-30 --holdout-end 1998-12-31 "$TMP/dated.csv" | cmp - "$TMP/want.csv"
	tr , '\t' < "$TMP/orders.csv" > "$TMP/orders.tsv"
	flo-rfm -o csv --as-of 1998-06-30 --holdout-end 1998-12-31 "$TMP/orders.tsv" | cmp - "$TMP/want.csv"
	# a part of the customers a thread: 1 (the general reader), 2, 4 or 8
	for t in 1 3 4 8 64; do
		FLO_THREADS=$t flo-rfm --as-of 1998-06-30 --holdout-end 1998-12-31 "$TMP/dated.csv" |
			cmp - "$TMP/want.csv"
	done
	FLO_THREADS=8 flo-rfm --timings "$TMP/orders.csv" 2>&1 > /dev/null | grep -q ' of them on 8 threads)'
	FLO_THREADS=3 flo-rfm --timings "$TMP/orders.csv" 2>&1 > /dev/null | grep -q ' of them on 2 threads)'
	FLO_THREADS=1 flo-rfm --timings "$TMP/orders.csv" 2>&1 > /dev/null | grep -q '(0 of them on 1 thread)'
	# not a whole number from 1 to 1024: the CPUs flo-rfm may run on
	threads() { "$@" --timings "$TMP/orders.csv" 2>&1 > /dev/null | sed -E 's/.* on ([0-9]+) threads?\).*/\1/'; }
	[ "$(threads env FLO_THREADS=x flo-rfm)" = "$(threads flo-rfm)" ]
	[ "$(threads env FLO_THREADS=0 flo-rfm)" = "$(threads flo-rfm)" ]
	# --timings says how many orders the threads (one a CPU, here two) read:
	# all but the first, which the general reader read to learn the format
	run --separate-stderr env FLO_THREADS=2 flo-rfm --timings --as-of 1998-06-30 "$TMP/orders.csv"
	assert_success
	n=$(($(wc -l < "$TMP/orders.csv") - 1))
	[[ "$stderr" =~ ^"flo-rfm: timings: "[0-9.]+" ms reading $n orders ($((n - 1)) of them on 2 threads), "[0-9.]+" ms sorting 20000 customers by id, "[0-9.]+" ms writing them; "[0-9.]+" ms in all; "[0-9]+" bytes held per customer"$ ]]
}

@test "scan: every order option gives the general path's summary" {
	make_log
	flo-rfm "$TMP/orders.csv" | cmp - "$TMP/want.csv"
	for opts in "--unit day" "--unit month --frequency total" "--occasion order" \
		"--as-of 1997-12-31" "--as-of 1998-03-31 --holdout-end 1998-09-30 --occasion order"; do
		flo-rfm -o csv $opts "$TMP/orders.jsonl" > "$TMP/general.csv" 2> "$TMP/general.err"
		flo-rfm $opts "$TMP/orders.csv" 2> "$TMP/scan.err" | cmp - "$TMP/general.csv"
		cmp "$TMP/scan.err" "$TMP/general.err" # the orders left out, counted alike
	done
	run --separate-stderr flo-rfm --as-of 1997-12-31 "$TMP/orders.csv"
	[[ "$stderr" =~ ^"flo-rfm: "[0-9]+" orders after 1997-12-31 left out"$ ]]
	# JSON output of the scan's orders: the general path writes the same
	flo-rfm -o jsonl "$TMP/orders.jsonl" > "$TMP/want.jsonl"
	flo-rfm -o jsonl "$TMP/orders.csv" | cmp - "$TMP/want.jsonl"
}

@test "scan: a bad record deep in the log stops the run at its line, or is skipped and kept" {
	make_log
	awk 'NR == 150000 { $0 = "c0009999,1998-01-02,12.x" } 1' "$TMP/orders.csv" > "$TMP/bad.csv"
	run flo-rfm "$TMP/bad.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/bad.csv line 150000: field \"amount\" is not a number: \"12.x\""
	# skipped: the summary of the log without that line
	run --separate-stderr flo-rfm --rejects "$TMP/rej.csv" "$TMP/bad.csv"
	assert_success
	[ "$stderr" = "flo-rfm: skipped 1 bad record, kept in $TMP/rej.csv" ]
	printf 'customer_id,date,amount\nc0009999,1998-01-02,12.x\n' | cmp - "$TMP/rej.csv"
	sed 150000d "$TMP/orders.csv" | flo-rfm | cmp - <(printf '%s\n' "$output")
	# a bad date, a missing field, a line of one field: each named by its line
	for line in 'c0000001,1998-13-01,5' 'c0000001,,5' 'c0000001'; do
		awk -v l="$line" 'NR == 123457 { $0 = l } 1' "$TMP/orders.csv" > "$TMP/bad.csv"
		run flo-rfm < "$TMP/bad.csv"
		assert_failure 65
		assert_output --regexp '^flo-rfm: input line 123457: '
	done
}

@test "scan: quoted fields, blank lines, CRLF, a long line and no final newline are read as the general reader reads them" {
	make_log
	# a quoted id (the same id) and a quoted field spanning lines in a
	# column no one reads, 100,000 lines deep; a blank line further on
	awk -F, 'BEGIN { OFS = "," }
		NR == 1 { print $0 ",note"; next }
		NR == 100000 { print "\"" $1 "\"", $2, $3, "\"two\nlines\""; next }
		NR == 140000 { print ""; }
		{ print $0 ",-" }' "$TMP/orders.csv" > "$TMP/quoted.csv"
	flo-rfm "$TMP/quoted.csv" | cmp - "$TMP/want.csv"
	# the threads read the chunks before the quoted line's
	n=$(FLO_THREADS=2 flo-rfm --timings "$TMP/quoted.csv" 2>&1 > /dev/null | sed -E 's/.*\(([0-9]+) of them on 2 threads.*/\1/')
	[ "$n" -gt 75000 ] && [ "$n" -lt 99999 ]
	# CRLF throughout, and no newline after the last line
	sed 's/$/\r/' "$TMP/orders.csv" | head -c -2 > "$TMP/crlf.csv"
	[ "$(tail -c 1 "$TMP/crlf.csv" | od -An -c | tr -d ' ')" != '\n' ]
	flo-rfm "$TMP/crlf.csv" | cmp - "$TMP/want.csv"
	head -c -1 "$TMP/orders.csv" | flo-rfm | cmp - "$TMP/want.csv"
	# a line longer than a chunk (a 700,000-byte id) among the others
	long=$(head -c 700000 /dev/zero | tr '\0' x)
	{ head -n 59999 "$TMP/orders.csv"; printf '%s,1998-01-02,3\n' "$long"
	  tail -n +60000 "$TMP/orders.csv"; } > "$TMP/long.csv"
	flo-rfm "$TMP/long.csv" > "$TMP/long.out"
	flo-cat -o jsonl "$TMP/long.csv" | flo-rfm -o csv | cmp - "$TMP/long.out"
	[ "$(wc -l < "$TMP/long.out")" = 20002 ]
	[ "$(grep -c '^xxxxxxxxxx*,0,0,' "$TMP/long.out")" = 1 ]
	[ "$(awk -F, 'length($1) == 700000' "$TMP/long.out" | wc -l)" = 1 ]
}

@test "scan: ids beyond ASCII; with JSON output an id that is not UTF-8 is refused at its line" {
	make_log
	awk 'NR > 1 && NR % 1000 == 0 { sub(/^c/, "\xc3\xa7") } 1' "$TMP/orders.csv" > "$TMP/utf8.csv"
	flo-cat -o jsonl "$TMP/utf8.csv" | flo-rfm -o csv > "$TMP/want8.csv"
	flo-rfm "$TMP/utf8.csv" | cmp - "$TMP/want8.csv"
	flo-rfm -o jsonl "$TMP/utf8.csv" | flo-cat -o csv | cmp - "$TMP/want8.csv"
	awk 'NR == 170000 { sub(/^c/, "\xff") } 1' "$TMP/orders.csv" > "$TMP/latin.csv"
	run flo-rfm -o jsonl "$TMP/latin.csv"
	assert_failure 65
	assert_output --regexp "^flo-rfm: $TMP/latin.csv line 170000: "
	# CSV output passes any bytes
	flo-rfm "$TMP/latin.csv" | grep -c $'^\xff' | grep -qx 1
}

# corrupt SEED IN OUT: about 12 lines of IN past its first 60,000 (some
# chunks in) damaged at random: a quote, a field that is not a number or a
# date, a separator more or less, a CR or a backslash inside a line, an
# empty line, a line of one field.
corrupt() {
	awk -v seed="$1" 'BEGIN { srand(seed) }
		NR > 60000 && rand() < 12 / 150000 {
			d = int(rand() * 9); p = 1 + int(rand() * length($0))
			if (d == 0) $0 = substr($0, 1, p) "\"" substr($0, p + 1)
			else if (d == 1) sub(/,[^,]*$/, ",x")
			else if (d == 2) sub(/,[^,]*,/, ",1998-02-31,")
			else if (d == 3) $0 = $0 ",extra"
			else if (d == 4) sub(/,/, "")
			else if (d == 5) $0 = substr($0, 1, p) "\r" substr($0, p + 1)
			else if (d == 6) $0 = substr($0, 1, p) "\\" substr($0, p + 1)
			else if (d == 7) $0 = ""
			else $0 = "c0000001"
		} 1' "$2" > "$3"
}

@test "scan: damaged logs give what the general reader alone gives (one thread): output, messages, status, rejects" {
	make_log
	for seed in 1 2 3 4 5 6; do
		corrupt $seed "$TMP/orders.csv" "$TMP/bad.csv"
		for fmt in csv tsv; do
			f=$TMP/bad.$fmt
			[ $fmt = csv ] || tr , '\t' < "$TMP/bad.csv" > "$f"
			# stopping at the first bad record
			run --separate-stderr env FLO_THREADS=1 flo-rfm "$f"
			status_one=$status out_one=$output err_one=$stderr
			for t in 2 4; do
				run --separate-stderr env FLO_THREADS=$t flo-rfm "$f"
				[ "$status" = "$status_one" ] && [ "$output" = "$out_one" ] &&
					[ "$stderr" = "$err_one" ]
			done
			# skipping them, kept aside
			run --separate-stderr env FLO_THREADS=1 flo-rfm --rejects "$TMP/rej" "$f"
			status_one=$status out_one=$output err_one=${stderr//rej/rej2}
			run --separate-stderr env FLO_THREADS=2 flo-rfm --rejects "$TMP/rej2" "$f"
			[ "$status" = "$status_one" ] && [ "$output" = "$out_one" ] && [ "$stderr" = "$err_one" ]
			cmp "$TMP/rej" "$TMP/rej2"
		done
	done
	# the general reader alone, and flo-rfm on two threads, were what ran;
	# a process that may run on one CPU only reads on one thread
	n=$(FLO_THREADS=2 flo-rfm --timings --skip-bad "$TMP/bad.csv" 2>&1 > /dev/null | sed -nE 's/.*\(([0-9]+) of them on 2 threads.*/\1/p')
	[ "$n" -gt 0 ]
	FLO_THREADS=1 flo-rfm --timings --skip-bad "$TMP/bad.csv" 2>&1 > /dev/null | grep -q '(0 of them on 1 thread)'
	taskset -c 0 flo-rfm --timings --skip-bad "$TMP/bad.csv" 2>&1 > /dev/null | grep -q '(0 of them on 1 thread)'
}
