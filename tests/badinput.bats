#!/usr/bin/env bats
# The catalogue of bad input: for every tool that reads records (flo-cat,
# flo-rfm, flo-fit, flo-score, flo-segment), what each kind of bad data does:
# the message (naming the input, the line, the field and the text where
# there is one) and the exit status of DESIGN.md's conventions (65 bad
# data, 66 unreadable input, 74 store or I/O error, 2 usage).  With
# --skip-bad and --rejects FILE, every bad record is kept verbatim, and
# rejects + records processed = records read.
#
# What flo decides here (README, "Bad input and faults"):
#   - An empty input is an empty table for the streaming filters (flo-cat,
#     flo-score: nothing in, nothing out, exit 0); flo-rfm, flo-fit and
#     flo-segment, which need a population, stop with exit 65.
#   - CSV and TSV pass any bytes through (NUL and text that is not UTF-8
#     included).  JSON text is UTF-8: a JSON Lines string that is not is a
#     bad record, and a value that is not UTF-8 cannot be written as JSON:
#     its record is refused as a bad record.  So JSON output is always
#     valid JSON (checked with jq, and as UTF-8 with iconv).
#   - A line with only blanks is a record in CSV and TSV (an empty line is
#     none); in JSON Lines it is skipped, like an empty one.

load test_helper

ORDERS=customer_id,date,amount
SUMMARY=customer_id,frequency,recency,T,monetary
CDNOW="--bgnbd 0.243,4.414,0.793,2.426 --gg 6.25,3.74,15.44"
FLO_HEADER=master_id,first_order_date,last_order_date,order_num_total_ever_online,order_num_total_ever_offline,customer_value_total_ever_offline,customer_value_total_ever_online

# valid_json FILE: every line of FILE is a JSON value (jq) and FILE is UTF-8
# (jq alone replaces bytes that are not UTF-8 without a word).
valid_json() {
	jq -e . "$1" > /dev/null && iconv -f UTF-8 -t UTF-8 "$1" > /dev/null
}

# records FILE: data lines of a CSV file without quoted newlines (not the header).
records() {
	echo $(( $(wc -l < "$1") - 1 ))
}

# ---- empty input, header only ----

@test "empty input: flo-cat and flo-score write nothing (exit 0); flo-rfm, flo-fit, flo-segment stop (65)" {
	: > "$TMP/empty"
	run --separate-stderr flo-cat "$TMP/empty"
	assert_success
	assert_output ""
	run --separate-stderr flo-score $CDNOW "$TMP/empty"
	assert_success
	assert_output ""
	run flo-rfm "$TMP/empty"
	assert_failure 65
	assert_output "flo-rfm: $TMP/empty is empty"
	run flo-fit --no-store "$TMP/empty"
	assert_failure 65
	assert_output "flo-fit: no customers to fit in $TMP/empty"
	run flo-segment "$TMP/empty"
	assert_failure 65
	assert_output "flo-segment: $TMP/empty is empty"
	run flo-fit --no-store < /dev/null
	assert_failure 65
	assert_output "flo-fit: no customers to fit in input"
}

@test "header only: no records out (exit 0), but flo-fit has nothing to fit (65)" {
	echo "$ORDERS" > "$TMP/orders"
	echo "$SUMMARY" > "$TMP/summary"
	run --separate-stderr flo-cat "$TMP/orders"
	assert_success
	assert_output ""
	run --separate-stderr flo-rfm "$TMP/orders"
	assert_success
	assert_output ""
	run --separate-stderr flo-score $CDNOW "$TMP/summary"
	assert_success
	assert_output ""
	run --separate-stderr flo-segment --by T "$TMP/summary"
	assert_success
	assert_output ""
	run flo-fit --no-store "$TMP/summary"
	assert_failure 65
	assert_output "flo-fit: no customers to fit in $TMP/summary"
	# ... and a header without the fields a tool needs is the wrong input
	run flo-score $CDNOW "$TMP/orders"
	assert_failure 65
	assert_output "flo-score: no field \"frequency\" in the input: flo-score reads RFM summaries (frequency, recency, T, monetary) as flo-rfm writes them"
	run flo-segment "$TMP/summary"
	assert_failure 65
	assert_output "flo-segment: no field \"clv\" (--by) in the input: segment by another field with --by FIELD"
}

# ---- columns ----

@test "missing columns: named, exit 65" {
	printf 'customer_id,amount\nc1,10\n' > "$TMP/nodate.csv"
	run flo-rfm "$TMP/nodate.csv"
	assert_failure 65
	assert_output --partial "flo-rfm: no order date field in the input (tried date,"
	printf 'customer_id,frequency,recency,monetary\nc1,1,2,3\n' > "$TMP/noT.csv"
	run flo-fit --no-store "$TMP/noT.csv"
	assert_failure 65
	assert_output "flo-fit: $TMP/noT.csv line 2: missing field \"T\""
	run flo-score $CDNOW "$TMP/noT.csv"
	assert_failure 65
	assert_output --partial "flo-score: no field \"T\" in the input"
	run flo-segment --by T "$TMP/noT.csv"
	assert_failure 65
	assert_output "flo-segment: no field \"T\" (--by) in the input: segment by another field with --by FIELD"
	# a record with fewer fields than the header
	printf '%s\nc1,1,2,3\n' "$SUMMARY" > "$TMP/short.csv"
	for tool in flo-cat "flo-fit --no-store" "flo-score $CDNOW" "flo-segment --by T"; do
		run $tool "$TMP/short.csv"
		assert_failure 65
		assert_output "${tool%% *}: $TMP/short.csv line 2: 4 fields, the header has 5"
	done
	# JSON Lines records name their fields: a missing one is a bad record
	printf '{"customer_id":"c1","frequency":1,"recency":1,"monetary":3}\n' > "$TMP/noT.jsonl"
	run flo-score $CDNOW "$TMP/noT.jsonl"
	assert_failure 65
	assert_output "flo-score: $TMP/noT.jsonl line 1: missing field \"T\""
}

@test "a file separated by ';' or '|' (a spreadsheet's CSV in many locales): every tool says why its fields are missing" {
	local why=": flo reads CSV separated by commas, TSV and JSON Lines; convert a file separated by ';' first"
	printf 'customer_id;date;amount\nc1;2021-01-01;10\nc1;2021-02-01;20\n' > "$TMP/semi.csv"
	run --separate-stderr flo-rfm "$TMP/semi.csv"
	assert_failure 65
	[ "$stderr" = "flo-rfm: no customer id field in the input: the header is one field, \"customer_id;date;amount\"$why" ]
	run --separate-stderr flo-rfm --id customer_id "$TMP/semi.csv"
	assert_failure 65
	[ "$stderr" = "flo-rfm: no field \"customer_id\" (customer id) in the input: the header is one field, \"customer_id;date;amount\"$why" ]
	run --separate-stderr flo-part --parts 2 --part 0 "$TMP/semi.csv"
	assert_failure 65
	[ "$stderr" = "flo-part: $TMP/semi.csv line 2: no customer id field (customer_id, customer, ...: use --id): the header is one field, \"customer_id;date;amount\"$why" ]
	# decimal commas, as such files have them: more fields than the header
	printf 'customer_id;date;amount\nc1;2021-01-01;10,5\n' > "$TMP/comma.csv"
	run --separate-stderr flo-rfm "$TMP/comma.csv"
	assert_failure 65
	[ "$stderr" = "flo-rfm: $TMP/comma.csv line 2: 2 fields, the header has 1: the header is one field, \"customer_id;date;amount\"$why" ]
	# summaries: the header quoted to its first 60 bytes
	printf 'customer_id;frequency;recency;T;monetary\nc1;1;2;3;4\n' > "$TMP/semis.csv"
	local head='the header is one field, "customer_id;frequency;recency;T;monetary"'
	run --separate-stderr flo-fit --no-store "$TMP/semis.csv"
	assert_failure 65
	[ "$stderr" = "flo-fit: $TMP/semis.csv line 2: missing field \"frequency\": $head$why" ]
	run --separate-stderr flo-score $CDNOW "$TMP/semis.csv"
	assert_failure 65
	[ "$stderr" = "flo-score: no field \"frequency\" in the input: $head$why" ]
	run --separate-stderr flo-segment --by T "$TMP/semis.csv"
	assert_failure 65
	[ "$stderr" = "flo-segment: no field \"T\" (--by) in the input: $head$why" ]
	run --separate-stderr flo-check --check summary --bgnbd 0.243,4.414,0.793,2.426 "$TMP/semis.csv"
	assert_failure 65
	[ "$stderr" = "flo-check: $TMP/semis.csv line 2: missing field \"frequency\": $head$why" ]
	printf 'customer_id|date|amount\nc1|2021-01-01|10\n' > "$TMP/bar.csv"
	run --separate-stderr flo-rfm "$TMP/bar.csv"
	assert_failure 65
	[[ "$stderr" == *"the header is one field, \"customer_id|date|amount\": flo reads CSV separated by commas, TSV and JSON Lines; convert a file separated by '|' first" ]]
	# no hint where none applies: a one-field header without ';', a header of
	# several fields that holds one
	printf 'name\nc1\n' > "$TMP/one.csv"
	run --separate-stderr flo-rfm "$TMP/one.csv"
	assert_failure 65
	[ "$stderr" = "flo-rfm: no customer id field in the input (tried customer_id, ...); name it with --id" ]
	printf 'customer_id,a;b\nc1,1\n' > "$TMP/two.csv"
	run --separate-stderr flo-rfm "$TMP/two.csv"
	assert_failure 65
	[[ "$stderr" == "flo-rfm: no order date field in the input (tried date, ...); name it with --date" ]]
}

@test "duplicated columns: a CSV header, a JSON object's names (exit 65)" {
	printf 'customer_id,date,date,amount\nc1,2021-01-01,2021-01-02,10\n' > "$TMP/dup.csv"
	printf '{"customer_id":"c1","date":"2021-01-01","date":"2021-01-05","amount":1}\n' > "$TMP/dup.jsonl"
	for tool in flo-cat flo-rfm "flo-fit --no-store" "flo-score $CDNOW" "flo-segment --by date"; do
		run $tool "$TMP/dup.csv"
		assert_failure 65
		assert_output "${tool%% *}: $TMP/dup.csv line 1: duplicate column \"date\" in the header"
		run $tool "$TMP/dup.jsonl"
		assert_failure 65
		assert_output "${tool%% *}: $TMP/dup.jsonl line 1: field \"date\" appears twice in the JSON object"
	done
	# a bad header leaves no record to read: --skip-bad cannot go on
	run flo-cat --skip-bad "$TMP/dup.csv"
	assert_failure 65
	# a duplicated name in one JSON record is that record's fault only
	printf '{"customer_id":"c0","date":"2021-01-01","amount":1}\n' | cat - "$TMP/dup.jsonl" > "$TMP/mixed.jsonl"
	run --separate-stderr flo-rfm --rejects "$TMP/rej" "$TMP/mixed.jsonl"
	assert_success
	assert_equal "$(cat "$TMP/rej")" "$(sed -n 2p "$TMP/mixed.jsonl")"
}

# ---- size and bytes ----

@test "a line of 100 MB is read whole, passed through or kept verbatim (in seconds)" {
	{
		printf '%s\nc1,2021-01-01,10\nc2,2021-01-02,' "$ORDERS"
		head -c 100000000 /dev/zero | tr '\0' 7
		printf '\nc3,2021-01-03,5\n'
	} > "$TMP/big.csv"
	start=$SECONDS
	flo-cat "$TMP/big.csv" | cmp - "$TMP/big.csv"
	# the 100-million-digit amount is out of range; kept verbatim
	run flo-rfm "$TMP/big.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/big.csv line 3: field \"amount\" is out of range: \"$(printf '7%.0s' $(seq 60))...\""
	run --separate-stderr flo-rfm --rejects "$TMP/rej.csv" "$TMP/big.csv"
	assert_success
	assert_equal "$(cut -d, -f1 <<< "$output" | tr '\n' ' ')" "customer_id c1 c3 "
	{ echo "$ORDERS"; sed -n 3p "$TMP/big.csv"; } | cmp - "$TMP/rej.csv"
	# a customer id of 100 MB is a customer like another
	{ printf '%s\nc' "$ORDERS"; head -c 100000000 /dev/zero | tr '\0' x; printf ',2021-01-02,3\n'; } > "$TMP/big.csv"
	flo-rfm "$TMP/big.csv" | cut -d, -f1 > "$TMP/ids"
	assert_equal "$(wc -lL < "$TMP/ids" | tr -s ' ')" " 2 100000001"
	# in seconds: each tool runs in about one (100 MB at 100 MB/s and more);
	# the bound leaves room for a loaded machine and a sanitizer build
	[ $((SECONDS - start)) -lt 30 ]
}

@test "NUL bytes: passed through by CSV, \\u0000 in JSON, shown as \\x00 in messages" {
	printf '%s\nc\0001,2021-01-01,10\nc2,2021-01-0\0002,5\n' "$ORDERS" > "$TMP/nul.csv"
	flo-cat "$TMP/nul.csv" | cmp - "$TMP/nul.csv"
	flo-cat -o jsonl "$TMP/nul.csv" > "$TMP/out.jsonl"
	valid_json "$TMP/out.jsonl"
	run jq -r '.customer_id | @json' "$TMP/out.jsonl"
	assert_output $'"c\\u00001"\n"c2"'
	run flo-rfm "$TMP/nul.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/nul.csv line 3: field \"date\" is not a date: \"2021-01-0\\x002\" (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; or name the form with --date-format)"
	run --separate-stderr flo-rfm -o jsonl --skip-bad "$TMP/nul.csv"
	assert_success
	assert_output --partial '"customer_id":"c\u00001"'
	assert_equal "$stderr" "flo-rfm: skipped 1 bad record"
}

@test "text that is not UTF-8: CSV and TSV pass the bytes; JSON output refuses the record" {
	printf '%s\nc\3511,2021-01-01,10\nc2,2021-01-02,5\n' "$ORDERS" > "$TMP/latin1.csv"
	flo-cat "$TMP/latin1.csv" | cmp - "$TMP/latin1.csv"
	flo-cat -o tsv "$TMP/latin1.csv" | flo-cat -o csv | cmp - "$TMP/latin1.csv"
	run --separate-stderr flo-cat -o jsonl "$TMP/latin1.csv"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "flo-cat: $TMP/latin1.csv line 2: field \"customer_id\" is not UTF-8 text (byte 0xe9): JSON output needs UTF-8; write CSV or TSV (-o csv) to pass any bytes through"
	run --separate-stderr flo-cat -o jsonl --rejects "$TMP/rej.csv" "$TMP/latin1.csv"
	assert_success
	assert_output '{"customer_id":"c2","date":"2021-01-02","amount":5}'
	head -2 "$TMP/latin1.csv" | cmp - "$TMP/rej.csv"
	# flo-rfm refuses it as it is read (with the line), not when it writes
	run --separate-stderr flo-rfm -o jsonl "$TMP/latin1.csv"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "flo-rfm: $TMP/latin1.csv line 2: field \"customer_id\" is not UTF-8 text (byte 0xe9): JSON output needs UTF-8; write CSV or TSV (-o csv) to pass any bytes through"
	run --separate-stderr flo-rfm -o jsonl --rejects "$TMP/rej.csv" "$TMP/latin1.csv"
	assert_success
	assert_equal "$(jq -r .customer_id <<< "$output")" c2
	head -2 "$TMP/latin1.csv" | cmp - "$TMP/rej.csv"
	printf '%s\nc1,2021-01-01,10,\351\n' "$ORDERS,channel" > "$TMP/keep.csv"
	run --separate-stderr flo-rfm -o jsonl --keep channel "$TMP/keep.csv"
	assert_failure 65
	assert_equal "$stderr" "flo-rfm: $TMP/keep.csv line 2: field \"channel\" is not UTF-8 text (byte 0xe9): JSON output needs UTF-8; write CSV or TSV (-o csv) to pass any bytes through"
	# the same for flo-score and flo-segment (streamed or batched)
	printf '%s\n\351,1,1,2,3\nb,0,0,2,0\n' "$SUMMARY" > "$TMP/s.csv"
	run --separate-stderr flo-score $CDNOW -o jsonl --rejects "$TMP/rej" "$TMP/s.csv"
	assert_success
	assert_equal "$(jq -r .customer_id <<< "$output")" b
	sed -n 2p "$TMP/s.csv" | cmp - <(sed -n 2p "$TMP/rej")
	flo-segment --by T --groups 1 --save-cuts c "$TMP/s.csv" > /dev/null
	for how in "--by T --groups 1" "--cuts c"; do
		run --separate-stderr flo-segment $how -o jsonl --rejects "$TMP/rej" "$TMP/s.csv"
		assert_success
		assert_equal "$(jq -r .customer_id <<< "$output")" b
		sed -n 2p "$TMP/s.csv" | cmp - <(sed -n 2p "$TMP/rej")
	done
	# JSON Lines input must be UTF-8: a bad record
	printf '{"customer_id":"c\351","date":"2021-01-01","amount":1}\n{"customer_id":"ok","date":"2021-01-01","amount":1}\n' > "$TMP/bad.jsonl"
	run flo-cat "$TMP/bad.jsonl"
	assert_failure 65
	assert_output "flo-cat: $TMP/bad.jsonl line 1: invalid UTF-8 in a JSON string (byte 0xE9 at byte 17 of the line)"
	run --separate-stderr flo-rfm --rejects "$TMP/rej" "$TMP/bad.jsonl"
	assert_success
	head -1 "$TMP/bad.jsonl" | cmp - "$TMP/rej"
	# whatever came in, JSON output is valid JSON
	for f in "$TMP/latin1.csv" "$TMP/bad.jsonl" "$TMP/s.csv"; do
		flo-cat -o jsonl --skip-bad "$f" > "$TMP/out.jsonl" 2> /dev/null
		valid_json "$TMP/out.jsonl"
	done
}

@test "a record of one empty field: CSV writes \"\", TSV cannot (a blank line) and refuses it" {
	printf 'a\n""\nx\n' > "$TMP/one.csv"
	flo-cat "$TMP/one.csv" | cmp - "$TMP/one.csv"
	run --separate-stderr flo-cat -o tsv "$TMP/one.csv"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "flo-cat: $TMP/one.csv line 2: a record of one empty field cannot be written as TSV (it would be a blank line); write CSV or JSON Lines (-o csv)"
	run --separate-stderr flo-cat -o tsv --rejects "$TMP/rej.csv" "$TMP/one.csv"
	assert_success
	assert_output $'a\nx'
	head -2 "$TMP/one.csv" | cmp - "$TMP/rej.csv"
	assert_equal "$(flo-cat -o jsonl "$TMP/one.csv" | head -1)" '{"a":""}'
}

@test "an unterminated quote at the end of the input: the rest is one bad record" {
	printf '%s\nc1,2021-01-01,10\nc2,"2021-01-02,5\nc3,2021-01-03,1\n' "$ORDERS" > "$TMP/q.csv"
	run --separate-stderr flo-cat "$TMP/q.csv"
	assert_failure 65
	assert_output $'customer_id,date,amount\nc1,2021-01-01,10'
	assert_equal "$stderr" "flo-cat: $TMP/q.csv line 3: unterminated quoted field at end of input"
	run flo-rfm "$TMP/q.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/q.csv line 3: unterminated quoted field at end of input"
	run --separate-stderr flo-rfm --rejects "$TMP/rej" "$TMP/q.csv"
	assert_success
	{ echo "$ORDERS"; tail -n 2 "$TMP/q.csv"; } | cmp - "$TMP/rej"
	printf '%s\nc1,1,1,2,3\n"c2,1,1,2,3\n' "$SUMMARY" > "$TMP/q2.csv"
	for tool in "flo-fit --no-store" "flo-score $CDNOW" "flo-segment --by T"; do
		run $tool "$TMP/q2.csv"
		assert_failure 65
		assert_line "${tool%% *}: $TMP/q2.csv line 3: unterminated quoted field at end of input"
	done
}

# ---- JSON ----

@test "JSON that is not an object, nested or truncated: a bad record each" {
	printf '%s\n' '{"customer_id":"c1","date":"2021-01-01","amount":10}' '[1,2]' '"text"' \
		'{"customer_id":"c2","date":{"d":1},"amount":1}' '{"customer_id":"c3","tags":["a"],"date":"2021-01-01","amount":1}' \
		'{"customer_id":"c4","date":"2021-01-01","amount":1} {}' > "$TMP/bad.jsonl"
	printf '{"customer_id":"c5","date":"2021-01-0' >> "$TMP/bad.jsonl"
	run flo-cat --rejects "$TMP/rej" "$TMP/bad.jsonl"
	assert_success
	head -1 "$TMP/bad.jsonl" | cmp - <(sed -n 1p <<< "$output")
	# verbatim, each record ending its line (the last had no newline)
	{ tail -n +2 "$TMP/bad.jsonl"; echo; } | cmp - "$TMP/rej"
	run flo-cat "$TMP/bad.jsonl"
	assert_failure 65
	assert_line --index 1 "flo-cat: $TMP/bad.jsonl line 2: not a JSON object"
	expect=("not a JSON object" "not a JSON object"
		"field \"date\" holds a nested object; flo reads flat objects"
		"field \"tags\" holds a nested array; flo reads flat objects"
		"text after the JSON object" "unterminated JSON string")
	for i in 0 1 2 3 4 5; do
		line=$((i + 2))
		{ head -1 "$TMP/bad.jsonl"; sed -n "${line}p" "$TMP/bad.jsonl"; } > "$TMP/one.jsonl"
		for tool in flo-cat flo-rfm; do
			run $tool "$TMP/one.jsonl"
			assert_failure 65
			assert_line "$tool: $TMP/one.jsonl line 2: ${expect[$i]}"
		done
	done
	# a JSON array is not JSON Lines (read as CSV it would be nonsense): it
	# says so, for every tool, unless the format is given
	printf '[\n  {"customer_id":"c1","date":"2021-01-01","amount":10}\n]\n' > "$TMP/array.json"
	for tool in flo-cat flo-rfm "flo-fit --no-store" "flo-score $CDNOW" "flo-segment --by T"; do
		run --separate-stderr $tool "$TMP/array.json"
		assert_failure 65
		assert_output ""
		assert_equal "$stderr" "${tool%% *}: $TMP/array.json line 1: the input is a JSON array; flo reads JSON Lines, one object a line (jq -c '.[]' turns one into the other)"
	done
	printf '[{x}]\n[{y}]\n' > "$TMP/brackets.csv"
	run flo-cat -i csv "$TMP/brackets.csv"
	assert_success
	assert_output $'[{x}]\n[{y}]'
	# a summary stream stops at its first bad record, after what came before
	printf '%s\n' '{"customer_id":"c1","frequency":1,"recency":1,"T":5,"monetary":10}' '"str"' > "$TMP/s.jsonl"
	for tool in "flo-fit --no-store" "flo-score $CDNOW" "flo-segment --by T"; do
		run --separate-stderr $tool "$TMP/s.jsonl"
		assert_failure 65
		assert_equal "$stderr" "${tool%% *}: $TMP/s.jsonl line 2: not a JSON object"
	done
	# forced, JSON Lines that is an array is no record; detected, a first line
	# that is no object is a CSV header
	printf '[{"a":1}]\n' > "$TMP/arr.json"
	run flo-cat -i jsonl "$TMP/arr.json"
	assert_failure 65
	assert_output "flo-cat: $TMP/arr.json line 1: not a JSON object"
}

# ---- numbers ----

@test "numbers: 1e400, 0x10, nan, inf and 1,5 are refused; -0, 1e-400 and blanks are numbers" {
	printf '%s\n' "$ORDERS" c1,2021-01-02,1e400 c2,2021-01-03,-0 c3,2021-01-04,0x10 \
		c4,2021-01-05,nan c5,2021-01-06,inf c6,2021-01-07,1,5 c7,2021-01-08,'"1,5"' \
		c8,2021-01-01,1e-400 'c9,2021-01-02, 7 ' c10,2021-01-02,Infinity > "$TMP/n.csv"
	run --separate-stderr flo-rfm --rejects "$TMP/rej" "$TMP/n.csv"
	assert_success
	assert_equal "$stderr" "flo-rfm: skipped 7 bad records, kept in $TMP/rej"
	assert_equal "$(cut -d, -f1,7 <<< "$output" | tr '\n' ' ')" "customer_id,revenue c2,0 c8,0 c9,7 "
	assert_equal "$(cut -d, -f1 "$TMP/rej" | tr '\n' ' ')" "customer_id c1 c3 c4 c5 c6 c7 c10 "
	declare -A why=([c1]='field "amount" is out of range: "1e400"'
		[c3]='field "amount" is not a number: "0x10"' [c4]='field "amount" is not a number: "nan"'
		[c5]='field "amount" is not a number: "inf"' [c6]='4 fields, the header has 3'
		[c7]='field "amount" is not a number: "1,5"')
	for id in c1 c3 c4 c5 c6 c7; do
		{ echo "$ORDERS"; grep "^$id," "$TMP/n.csv"; } > "$TMP/one.csv"
		run flo-rfm "$TMP/one.csv"
		assert_failure 65
		assert_output "flo-rfm: $TMP/one.csv line 2: ${why[$id]}"
	done
	# the summary readers
	printf '%s\n' "$SUMMARY" c1,1e400,1,2,3 c2,0x10,1,2,3 c3,1,nan,2,3 c4,1,1,inf,3 \
		'c5,1,1,2,"1,5"' c6,-0,0,1,5 > "$TMP/s.csv"
	declare -A fit=([c1]='field "frequency" is out of range: "1e400"'
		[c2]='field "frequency" is not a number: "0x10"' [c3]='field "recency" is not a number: "nan"'
		[c4]='field "T" is not a number: "inf"' [c5]='field "monetary" is not a number: "1,5"')
	declare -A score=([c1]='field "frequency" is out of range: "1e400"'
		[c2]='field "frequency" is not a number: "0x10"' [c3]='field "recency" is not a number: "nan"'
		[c4]='field "T" is not a number: "inf"' [c5]='field "monetary" is not a number: "1,5"')
	for id in c1 c2 c3 c4 c5; do
		{ echo "$SUMMARY"; grep "^$id," "$TMP/s.csv"; } > "$TMP/one.csv"
		run flo-fit --no-store "$TMP/one.csv"
		assert_failure 65
		assert_output "flo-fit: $TMP/one.csv line 2: ${fit[$id]}"
		run flo-score $CDNOW "$TMP/one.csv"
		assert_failure 65
		assert_output "flo-score: $TMP/one.csv line 2: ${score[$id]}"
	done
	run flo-segment --by T "$TMP/s.csv"
	assert_failure 65
	assert_output "flo-segment: $TMP/s.csv line 5: field \"T\" is not a number: \"inf\""
	# -0 is 0, passed through as written
	run --separate-stderr flo-score $CDNOW "$TMP/s.csv" --skip-bad
	assert_success
	assert_line --index 1 --partial "c6,-0,0,1,5,1,"
}

@test "numbers too large to score: monetary 1e308 is a bad record (65), never inf in the output" {
	printf '%s\na,2,1,2,1e308\nb,2,1,2,10\n' "$SUMMARY" > "$TMP/huge.csv"
	run --separate-stderr flo-score $CDNOW "$TMP/huge.csv"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "flo-score: $TMP/huge.csv line 2: exp_avg_value overflows a double for frequency 2, recency 1, T 2, monetary 1e+308: values too large to score"
	run --separate-stderr flo-score $CDNOW "$TMP/huge.csv" --skip-bad --rejects "$TMP/rej.csv"
	assert_success
	assert_equal "$(tail -n +2 "$TMP/rej.csv")" "a,2,1,2,1e308"
	assert_equal "$(echo "$output" | tail -n +2 | cut -d, -f1)" "b"
}

# ---- values ----

@test "negative counts or values, recency greater than T: bad records that say why" {
	printf '%s\n' "$SUMMARY" a,-1,0,3,1 b,1,-2,3,1 c,1.5,1,3,1 d,2,5,3,10 e,0,1,3,1 \
		f,1,1,3,-5 g,0,0,0,0 > "$TMP/s.csv"
	declare -A fit=([a]='field "frequency" is not a whole non-negative count: -1'
		[b]='recency -2 and T 3: need 0 <= recency <= T'
		[c]='field "frequency" is not a whole non-negative count: 1.5'
		[d]='recency 5 and T 3: need 0 <= recency <= T'
		[e]='recency 1 with frequency 0: a customer without repeat purchases has recency 0')
	declare -A score=([a]='field "frequency" is not a whole number >= 0: "-1"'
		[b]='field "recency" is negative: "-2"'
		[c]='field "frequency" is not a whole number >= 0: "1.5"'
		[d]='T 3 is less than recency 5: a customer'"'"'s age is at least the time to the last purchase')
	for id in a b c d e; do
		{ echo "$SUMMARY"; grep "^$id," "$TMP/s.csv"; } > "$TMP/one.csv"
		run flo-fit --no-store "$TMP/one.csv"
		assert_failure 65
		assert_output "flo-fit: $TMP/one.csv line 2: ${fit[$id]}"
		[ -n "${score[$id]:-}" ] || continue
		run flo-score $CDNOW "$TMP/one.csv"
		assert_failure 65
		assert_output "flo-score: $TMP/one.csv line 2: ${score[$id]}"
	done
	# negative spend (returns) is data, not an error: left out of the
	# Gamma-Gamma fit and scored at monetary 0, with a count on stderr
	{ echo "$SUMMARY"; grep -E '^(f|g),' "$TMP/s.csv"; } > "$TMP/ok.csv"
	run --separate-stderr flo-score $CDNOW "$TMP/ok.csv"
	assert_success
	assert_equal "$stderr" "flo-score: 1 customer with frequency > 0 and monetary <= 0 (returns, free orders) scored at monetary 0: the Gamma-Gamma model knows positive spend only"
	# orders: a negative amount is a return; FLO summaries: counts and
	# values must not be negative, the last order not before the first
	# (issue 14: dropped and counted by default; --returns keep folds it in)
	printf '%s\nc1,2021-01-01,-5\n' "$ORDERS" | flo-rfm --returns keep > "$TMP/out.csv"
	assert_equal "$(sed -n 2p "$TMP/out.csv")" "c1,0,0,0,0,1,-5,2021-01-01,2021-01-01"
	printf '%s\nc1,2021-01-01,-5\nc1,2021-01-02,7\n' "$ORDERS" | { run --separate-stderr flo-rfm; assert_success
		assert_equal "$(sed -n 2p <<< "$output")" "c1,0,0,0,0,1,7,2021-01-02,2021-01-02"
		assert_equal "$stderr" "flo-rfm: 1 return dropped (--returns drop)"; }
	declare -A flo=([c]='c,2021-01-05,2020-01-01,1,1,1,1' [d]='d,2020-01-01,2021-01-01,-1,1,1,1'
		[e]='e,2020-01-01,2021-01-01,1.5,1,1,1' [f]='f,2020-01-01,2021-01-01,0,0,0,0'
		[g]='g,2020-01-01,2021-01-01,1,1,-5,1' [h]='h,2020-01-01,2021-01-01,1,0,10,0')
	declare -A flowhy=([c]='last_order_date "2020-01-01" is before first_order_date'
		[d]='field "order_num_total_ever_online" is not a whole non-negative count: "-1"'
		[e]='field "order_num_total_ever_online" is not a whole non-negative count: "1.5"'
		[f]='no orders (order_num_total_ever_online + _offline is 0)'
		[g]='field "customer_value_total_ever_offline" is negative: "-5"'
		[h]='one order (order_num_total_ever_online + _offline is 1) on two days: first_order_date "2020-01-01", last_order_date "2021-01-01"')
	for id in c d e f g h; do
		printf '%s\n%s\n' "$FLO_HEADER" "${flo[$id]}" > "$TMP/one.csv"
		run flo-rfm "$TMP/one.csv"
		assert_failure 65
		assert_output "flo-rfm: $TMP/one.csv line 2: ${flowhy[$id]}"
	done
}

@test "frequency 0 with a recency: flo-fit, flo-score and flo-check refuse it alike (a Pareto/NBD score would depend on it)" {
	printf '%s\nc0,0,0,20,0\nc3,0,3,20,0\n' "$SUMMARY" > "$TMP/x0.csv"
	local why="$TMP/x0.csv line 3: recency 3 with frequency 0: a customer without repeat purchases has recency 0"
	run --separate-stderr flo-fit --no-store "$TMP/x0.csv"
	assert_failure 65
	[ "$stderr" = "flo-fit: $why" ]
	# the Pareto/NBD's P(alive) depends on t_x at x = 0: flo-score scored
	# this record 0.568 where c0 has 0.463, without a word; now c0 is
	# written, then the run stops
	run --separate-stderr flo-score --pnbd 0.553,10.58,0.606,11.67 "$TMP/x0.csv"
	assert_failure 65
	[ "${stderr##*$'\n'}" = "flo-score: $why" ]
	[ "$(cut -d, -f1 <<< "$output" | tr '\n' ' ')" = "customer_id c0 " ]
	run --separate-stderr flo-check --check summary --bgnbd 0.243,4.414,0.793,2.426 "$TMP/x0.csv"
	assert_failure 65
	[ "$stderr" = "flo-check: $why" ]
	# --skip-bad: the others go on
	run --separate-stderr flo-score --skip-bad --pnbd 0.553,10.58,0.606,11.67 "$TMP/x0.csv"
	assert_success
	[ "$(cut -d, -f1 <<< "$output" | tr '\n' ' ')" = "customer_id c0 " ]
}

@test "duplicate customers in summary input: the second is a bad record" {
	printf '%s\n' "$FLO_HEADER" a,2020-01-01,2021-01-01,2.0,1.0,10,20 b,2020-02-01,2021-01-02,1.0,1.0,5,5 \
		a,2020-03-01,2021-01-03,1.0,1.0,5,5 > "$TMP/flo.csv"
	run flo-rfm "$TMP/flo.csv"
	assert_failure 65
	assert_output "flo-rfm: $TMP/flo.csv line 4: customer \"a\" appears twice"
	run --separate-stderr flo-rfm --rejects "$TMP/rej" "$TMP/flo.csv"
	assert_success
	assert_equal "$(cut -d, -f1,6 <<< "$output" | tr '\n' ' ')" "customer_id,orders a,3 b,2 "
	{ head -1 "$TMP/flo.csv"; tail -1 "$TMP/flo.csv"; } | cmp - "$TMP/rej"
}

# ---- dates ----

@test "dates: before 1900, after 9999, 30 February, time zones" {
	printf '%s\n' "$ORDERS" c1,1899-12-31,1 c2,10000-01-01,1 c3,2021-02-30,1 c4,20210230,1 \
		c5,2021-05-30T12:00:00Z,1 c6,2021-05-30T23:30:00-05:00,1 'c7,2021-05-30 12:00:00+0200,1' \
		c8,2021-05-30T12:00:00PST,1 c9,1900-01-01T00:30+01:00,1 c10,9999-12-31T23:00-05:00,1 \
		c11,1622376000,1 c12,999999999999,1 c13,2021-13-01,1 c14,2021-05-30T25:00,1 > "$TMP/d.csv"
	HINT=' (dates: YYYY-MM-DD, YYYYMMDD, ISO 8601 date-times, epoch seconds or milliseconds; or name the form with --date-format)'
	declare -A why=([c1]='is a date outside 1900..9999: "1899-12-31"' [c2]='is not a date: "10000-01-01"'
		[c3]='is not a date: "2021-02-30"' [c4]='is not a date: "20210230"'
		[c8]='is not a date: "2021-05-30T12:00:00PST"' [c9]='is a date outside 1900..9999: "1900-01-01T00:30+01:00"'
		[c10]='is a date outside 1900..9999: "9999-12-31T23:00-05:00"' [c12]='is a date outside 1900..9999: "999999999999"'
		[c13]='is not a date: "2021-13-01"' [c14]='is not a date: "2021-05-30T25:00"')
	for id in "${!why[@]}"; do
		{ echo "$ORDERS"; grep "^$id," "$TMP/d.csv"; } > "$TMP/one.csv"
		run flo-rfm "$TMP/one.csv"
		assert_failure 65
		# a bad date lists the forms flo reads (issue 14)
		hint=''
		[[ "${why[$id]}" == 'is not a date'* ]] && hint="$HINT"
		assert_output "flo-rfm: $TMP/one.csv line 2: field \"date\" ${why[$id]}$hint"
	done
	# offsets are converted to UTC: 23:30 at -05:00 is the next day
	run --separate-stderr flo-rfm --rejects "$TMP/rej" "$TMP/d.csv"
	assert_success
	assert_equal "$(cut -d, -f1,8 <<< "$output" | tr '\n' ' ')" "customer_id,first_order c11,2021-05-30 c5,2021-05-30 c6,2021-05-31 c7,2021-05-30 "
	assert_equal "$(records "$TMP/rej")" 10
	# dates on the command line and in summaries likewise
	run flo-rfm --as-of 2021-02-30 "$TMP/d.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --as-of: not a date: "2021-02-30"'
	run flo-rfm --as-of 1900-01-01T00:30+01:00 "$TMP/d.csv"
	assert_failure 2
	assert_line --index 0 'flo-rfm: option --as-of: date out of range 1900..9999: "1900-01-01T00:30+01:00"'
}

# ---- models and stores ----

@test "a model file with missing or non-positive parameters: exit 65, naming the parameter" {
	m() { printf '{"format":"flo-model 1","unit":"week","bgnbd":{"params":{%s}},"gamma_gamma":%s}' "$1" "$2" > "$TMP/m.json"; }
	printf '%s\na,1,1,2,3\n' "$SUMMARY" > "$TMP/s.csv"
	BG='"r":0.243,"alpha":4.414,"a":0.793,"b":2.426'
	check() {
		run flo-score --model "$TMP/m.json" "$TMP/s.csv"
		assert_failure 65
		assert_output "flo-score: model $TMP/m.json: $1"
	}
	m '"alpha":4.414,"a":0.793,"b":2.426' null; check "bgnbd.params.r is missing"
	m '"r":0.243,"alpha":4.414,"a":0,"b":2.426' null; check "bgnbd.params.a must be positive, is 0"
	m '"r":0.243,"alpha":4.414,"a":0.793,"b":-1' null; check "bgnbd.params.b must be positive, is -1"
	m '"r":0.243,"alpha":"4","a":0.793,"b":2.426' null; check "bgnbd.params.alpha is not a number"
	m "$BG" '{"params":{"p":6.25,"q":null,"v":15.44}}'; check "gamma_gamma.params.q is null (not a finite number)"
	m "$BG" '{"params":{"p":6.25,"q":3.74}}'; check "gamma_gamma.params.v is missing"
	m '"r":1e400,"alpha":4.414,"a":0.793,"b":2.426' null
	check "a number is out of range: byte 61 (line 1, column 62): number out of the range of a double: 1e400"
	printf '{"format":"flo-model 1",' > "$TMP/m.json"
	check "not JSON: byte 24 (line 1, column 25): expected an object key (a string), found end of input"
	printf '{"format":"flo-model 2"}' > "$TMP/m.json"
	check 'model format "flo-model 2" is not the one this flo reads ("flo-model 1"): refit the model with this flo'"'"'s flo-fit, or score with the flo that wrote it'
	# a model with gamma_gamma null scores without spend
	m "$BG" null
	run --separate-stderr flo-score --model "$TMP/m.json" "$TMP/s.csv"
	assert_success
	assert_line --index 1 --partial "a,1,1,2,3,0."
	run flo-score --model "$TMP/nonexistent.json" "$TMP/s.csv"
	assert_failure 66
	assert_output "flo-score: cannot open model $TMP/nonexistent.json: No such file or directory"
}

# make_store DIR FORMAT: an LMDB environment written by mdb_load, not by
# flo, with the meta record FORMAT.
make_store() {
	command -v mdb_load > /dev/null || skip "mdb_load (lmdb-utils) is not installed"
	mkdir -p "$1"
	for db in meta models cuts customers; do
		{
			printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n'
			[ "$db" != meta ] || printf ' format\n %s\n' "$2"
			printf 'DATA=END\n'
		} | mdb_load -s "$db" "$1"
	done
}

@test "a store that is truncated, not LMDB, or of another format version: exit 74, for every tool" {
	printf '%s\na,1,1,2,3\nb,0,0,2,0\nc,2,2,3,5\n' "$SUMMARY" > "$TMP/s.csv"
	flo-fit --db "$TMP/good" "$TMP/s.csv" > /dev/null 2>&1
	flo-segment --by monetary --save-cuts x --db "$TMP/good" "$TMP/s.csv" > /dev/null
	size=$(stat -c %s "$TMP/good/data.mdb")
	mkdir "$TMP/trunc" "$TMP/junk" "$TMP/other"
	head -c 8192 "$TMP/good/data.mdb" > "$TMP/trunc/data.mdb"
	head -c 100000 /dev/urandom > "$TMP/junk/data.mdb"
	make_store "$TMP/v2" "flo-store 4"
	printf 'VERSION=3\nformat=print\ntype=btree\nHEADER=END\n key\n value\nDATA=END\n' | mdb_load "$TMP/other"
	declare -A why=([trunc]="$TMP/trunc/data.mdb: truncated: 8192 bytes, the store needs $size"
		[junk]="$TMP/junk/data.mdb: not an LMDB file (MDB_INVALID: File is not an LMDB file)"
		[v2]="$TMP/v2: store format 4 is newer than this flo reads (3): upgrade flo")
	for s in trunc junk v2; do
		run flo-score --db "$TMP/$s" "$TMP/s.csv"
		assert_failure 74
		assert_output "flo-score: ${why[$s]}"
		run flo-fit --db "$TMP/$s" "$TMP/s.csv"
		assert_failure 74
		assert_line "flo-fit: store $TMP/$s: ${why[$s]}"
		run flo-segment --by monetary --save-cuts x --db "$TMP/$s" "$TMP/s.csv"
		assert_failure 74
		assert_output "flo-segment: store $TMP/$s: ${why[$s]}"
		run flo-segment --cuts x --db "$TMP/$s" "$TMP/s.csv"
		assert_failure 74
		assert_output "flo-segment: store $TMP/$s: ${why[$s]}"
		run flo-rfm --db "$TMP/$s" "$DATA/orders_small.csv"
		assert_failure 74
		assert_output "flo-rfm: ${why[$s]}"
	done
	# an LMDB environment of someone else's
	run flo-score --db "$TMP/other" "$TMP/s.csv"
	assert_failure 74
	assert_output "flo-score: $TMP/other: not a flo store (no meta database)"
	run flo-fit --db "$TMP/other" "$TMP/s.csv"
	assert_failure 74
	assert_line "flo-fit: store $TMP/other: $TMP/other: not a flo store (an LMDB environment holding other data)"
	# nothing was written to any of them
	cmp <(head -c 8192 "$TMP/good/data.mdb") "$TMP/trunc/data.mdb"
	[ "$(mdb_dump "$TMP/other" | grep -c '^ ')" -eq 2 ]
}

# ---- nothing lost: rejects + processed = input, for each tool ----

# mixed FILE: orders, good and bad alternating (every kind above), in CSV.
mixed_orders() {
	{
		echo "$ORDERS"
		for i in $(seq 1 40); do
			case $((i % 8)) in
			0) echo "g$i,2021-01-$(printf %02d $((i % 28 + 1))),1e400" ;;
			1) echo "g$i,2021-02-30,5" ;;
			2) echo "g$i,2021-01-05,nan" ;;
			3) echo "g$i,2021-01-05" ;;
			4) printf 'g%d,2021-01-05,\351\n' "$i" ;;
			*) echo "c$((i % 5)),2021-$(printf %02d $((i % 12 + 1)))-$(printf %02d $((i % 28 + 1))),$i.5" ;;
			esac
		done
	} > "$1"
}

@test "nothing lost: flo-cat and flo-rfm keep every bad record, process every good one" {
	mixed_orders "$TMP/o.csv"
	run --separate-stderr flo-cat -o jsonl --rejects "$TMP/rej.csv" "$TMP/o.csv"
	assert_success
	n=$(records "$TMP/o.csv")
	assert_equal $(( $(wc -l <<< "$output") + $(records "$TMP/rej.csv") )) "$n"
	# 5 records short of a field, 5 not UTF-8 (refused by JSON output)
	assert_equal "$stderr" "flo-cat: skipped 10 bad records, kept in $TMP/rej.csv"
	# every line is in the output or, verbatim, in the rejects
	grep -vxFf "$TMP/rej.csv" "$TMP/o.csv" | tail -n +2 | flo-cat -i csv -o jsonl --skip-bad 2>/dev/null > /dev/null
	run --separate-stderr flo-rfm --rejects "$TMP/rej.csv" "$TMP/o.csv"
	assert_success
	orders=$(awk -F, 'NR > 1 { n += $6 } END { print n }' <<< "$output")
	assert_equal $(( orders + $(records "$TMP/rej.csv") )) "$n"
	assert_equal "$(records "$TMP/rej.csv")" 25
	# the rejects are the input's lines, unchanged
	assert_equal "$(grep -cxFf "$TMP/rej.csv" "$TMP/o.csv")" 26
	# fed back after a fix, they join the rest
	sed -i 's/1e400/1/; s/2021-02-30/2021-02-28/; s/nan/2/; s/,2021-01-05$/,2021-01-05,3/; s/\xe9/4/' "$TMP/rej.csv"
	run --separate-stderr flo-rfm "$TMP/rej.csv"
	assert_success
}

@test "nothing lost: flo-fit, flo-score and flo-segment keep every bad record, process every good one" {
	{
		echo "$SUMMARY"
		for i in $(seq 1 60); do
			case $((i % 6)) in
			0) echo "b$i,1,5,3,10" ;;                 # recency > T
			1) echo "b$i,-1,0,3,1" ;;                 # negative count
			2) echo "b$i,1e400,1,2,3" ;;              # out of range
			*) echo "c$i,$((i % 4)),$((i % 4 * 3)).5,$((i % 7 + 12)),$i.25" ;;
			esac
		done
		echo '"broken,1,1,1,1'                   # unterminated quote at the end
	} > "$TMP/s.csv"
	sed -i 's/^c\([0-9]*\),0,0.5,/c\1,0,0,/' "$TMP/s.csv"   # recency 0 without repeats
	n=$(records "$TMP/s.csv")
	run --separate-stderr flo-fit --no-store --rejects "$TMP/rej.csv" "$TMP/s.csv"
	assert_success
	customers=$(jq .data.customers <<< "$output")
	assert_equal $(( customers + $(records "$TMP/rej.csv") )) "$n"
	assert_equal "$(records "$TMP/rej.csv")" 31
	for tool in "flo-score $CDNOW" "flo-segment --by T --groups 2"; do
		run --separate-stderr $tool --rejects "$TMP/rej2.csv" "$TMP/s.csv"
		assert_success
		assert_equal $(( $(records <(echo "$output")) + $(records "$TMP/rej2.csv") )) "$n"
		cmp "$TMP/rej.csv" "$TMP/rej2.csv" || [ "${tool%% *}" = flo-segment ]
	done
	# flo-segment reads only the field it segments by: what else is wrong
	# passes through untouched
	assert_equal "$(records "$TMP/rej2.csv")" 1
}

@test "wide records: a million-column header and a 100,000-key JSON object pass through; a repeat among them is found; past the limit, a clear error" {
	awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "%sc%d", i ? "," : "", i; print "";
		     for (i = 0; i < 1000000; i++) printf "%s%d", i ? "," : "", i; print "" }' > "$TMP/wide.csv"
	run flo-cat "$TMP/wide.csv"
	assert_success
	flo-cat "$TMP/wide.csv" | cmp - "$TMP/wide.csv"
	# the repeat is the last column, a copy of the first
	awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "c%d,", i; print "c0"; print "1" }' > "$TMP/dup.csv"
	run flo-cat "$TMP/dup.csv"
	assert_failure 65
	assert_output "flo-cat: $TMP/dup.csv line 1: duplicate column \"c0\" in the header"
	awk 'BEGIN { printf "{"; for (i = 0; i < 100000; i++) printf "%s\"k%d\":%d", i ? "," : "", i, i; print "}" }' > "$TMP/wide.jsonl"
	run flo-cat "$TMP/wide.jsonl"
	assert_success
	[ "$(flo-cat "$TMP/wide.jsonl" | jq 'keys | length')" -eq 100000 ]
	awk 'BEGIN { printf "{"; for (i = 0; i < 100000; i++) printf "\"k%d\":%d,", i, i; print "\"k99999\":0}" }' > "$TMP/dup.jsonl"
	run flo-cat "$TMP/dup.jsonl"
	assert_failure 65
	assert_output "flo-cat: $TMP/dup.jsonl line 1: field \"k99999\" appears twice in the JSON object"
	# 2^21 + 1 fields: past flo's limit (reader.h's FLO_FIELDS_MAX)
	awk 'BEGIN { for (i = 0; i <= 2097152; i++) printf "%s%d", i ? "," : "", i; print "" }' > "$TMP/toowide.csv"
	run flo-cat "$TMP/toowide.csv"
	assert_failure 65
	assert_output "flo-cat: $TMP/toowide.csv line 1: more than 2097152 fields in one record (flo's limit)"
}

# Issue 15: two valid amounts summed to inf, written as monetary=inf (not
# JSON either) and stored as a state no dump could read again.
@test "a customer's total out of range: a bad record naming line and field, never inf; --skip-bad applies nothing of it" {
	printf 'customer_id,date,amount\na,2021-01-01,6e299\na,2021-01-02,6e299\nb,2021-01-03,5\na,2021-01-04,1\n' > "$TMP/o.csv"
	why='field "amount": the customer'"'"'s total value would be out of range (flo sums values up to 1e300, and exactly up to 4.6e12): "6e299"'
	for db in "" "--db $TMP/st"; do
		run --separate-stderr flo-rfm $db "$TMP/o.csv"
		assert_failure 65
		[ "$stderr" = "flo-rfm: $TMP/o.csv line 3: $why" ]
		refute_output --partial inf
		rm -rf "$TMP/st" # the orders before the bad record were committed
		run --separate-stderr flo-rfm $db --skip-bad -o jsonl "$TMP/o.csv"
		assert_success
		refute_output --partial inf
		[ "$stderr" = "flo-rfm: skipped 1 bad record" ]
		rm -rf "$TMP/st"
	done
	# Without the store: a's summary from lines 2 and 5 only.
	run --separate-stderr flo-rfm --skip-bad "$TMP/o.csv"
	assert_line --index 1 "a,1,0.42857142857142855,0.42857142857142855,1,2,6e+299,2021-01-01,2021-01-04"
	# The store holds lines 2, 4 and 5 and dumps them.
	flo-rfm --db "$TMP/st" --skip-bad "$TMP/o.csv" > /dev/null 2>&1
	run --separate-stderr flo-rfm --db "$TMP/st" --dump
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order
a,1,0.42857142857142855,0.42857142857142855,1,2,6e+299,2021-01-01,2021-01-04
b,0,0,0.14285714285714285,0,1,5,2021-01-03,2021-01-03"
	# One value no sum can hold (a double near DBL_MAX) is refused alone.
	printf 'customer_id,date,amount\na,2021-01-01,1e308\n' > "$TMP/one.csv"
	run flo-rfm "$TMP/one.csv"
	assert_failure 65
	assert_output --partial "line 2: field \"amount\""
	# Summaries: value_online + value_offline.
	printf 'master_id,order_channel,last_order_channel,first_order_date,last_order_date,last_order_date_online,last_order_date_offline,order_num_total_ever_online,order_num_total_ever_offline,customer_value_total_ever_offline,customer_value_total_ever_online,interested_in_categories_12\nx,A,A,2021-01-01,2021-01-05,2021-01-05,2021-01-01,1,1,1e308,1e308,[]\n' > "$TMP/s.csv"
	run flo-rfm "$TMP/s.csv"
	assert_failure 65
	assert_output --partial "line 2: customer_value_total_ever_online + _offline is out of range"
}

@test "a customer's exact total past 4.6e12: refused on the one-by-one path (named) and on the threaded scan (said)" {
	{
		echo customer_id,date,amount
		for i in $(seq 600); do echo big,2021-01-01,9000000000; done
		awk 'BEGIN { for (i = 0; i < 200000; i++) printf "c%d,2021-02-01,1\n", i }'
	} > "$TMP/big.csv"
	run --separate-stderr flo-rfm --db "$TMP/st" "$TMP/big.csv"
	assert_failure 65
	[ "$stderr" = "flo-rfm: $TMP/big.csv line 514: field \"amount\": the customer's total value would be out of range (flo sums values up to 1e300, and exactly up to 4.6e12): \"9000000000\"" ]
	FLO_THREADS=1 run --separate-stderr flo-rfm --skip-bad --keep date "$TMP/big.csv"
	assert_success
	assert_line --index 1 "big,0,0,4.428571428571429,0,512,4608000000000,2021-01-01,2021-01-01,2021-01-01"
	[ "${stderr_lines[-1]}" = "flo-rfm: skipped 88 bad records" ]
	for threads in 1 4; do
		FLO_THREADS=$threads run --separate-stderr flo-rfm "$TMP/big.csv"
		assert_failure 65
		assert_output ""
		[ "$stderr" = "flo-rfm: a customer's total value is out of range (flo sums values exactly up to 4.6e12); the order cannot be named on the threaded path" ]
	done
}

@test "sums of flo-fit's weights and flo-segment's summaries out of range: a bad record, never inf or nan" {
	printf 'customer_id,frequency,recency,T,monetary,weight\na,1,2,3,4,1e308\nb,1,2,3,4,1e308\n' > "$TMP/w.csv"
	run flo-fit --weight weight "$TMP/w.csv"
	assert_failure 65
	assert_output "flo-fit: $TMP/w.csv line 2: field \"weight\": the customers' total weight would pass 2^53 (9.0e15), the counts flo holds exactly: 1e+308"
	printf 'customer_id,clv\na,1e308\nb,1e308\nc,1\nd,2\n' > "$TMP/c.csv"
	run flo-segment --groups 1 --summary --fields clv "$TMP/c.csv"
	assert_failure 65
	assert_output 'flo-segment: --summary: the sum of field "clv" over a segment is out of range (beyond 1.8e308)'
	flo-segment --groups 2 --save-cuts x --db "$TMP/st" "$TMP/c.csv" > /dev/null
	run flo-segment --cuts x --db "$TMP/st" --summary --fields clv "$TMP/c.csv"
	assert_failure 65
	assert_output "flo-segment: $TMP/c.csv line 3: field \"clv\": the segment's sum would be out of range (beyond 1.8e308): 1e+308"
	run --separate-stderr flo-segment --cuts x --db "$TMP/st" --summary --fields clv --skip-bad "$TMP/c.csv"
	assert_success
	refute_output --partial nan
	refute_output --partial inf
}
