#!/usr/bin/env bats
# Typed JSON Lines (issue 14, item 5): CSV and TSV text that is a number in
# JSON's grammar (RFC 8259 section 6) is written as a JSON number, so that jq
# compares numbers; --json-strings keeps text.  Counts are made independently
# with awk on the CSV output; the tokens are read off the grammar by hand.

load test_helper

@test "flo-rfm | flo-score -o jsonl | jq 'select(.clv > 200)': the customers awk counts in the CSV" {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	flo-score --fit "$TMP/s.csv" 2>/dev/null > "$TMP/scored.csv"
	flo-score --fit -o jsonl "$TMP/s.csv" 2>/dev/null > "$TMP/scored.jsonl"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["clv"] > 200 { print $1 }' "$TMP/scored.csv" > "$TMP/awk.ids"
	jq -r 'select(.clv > 200) | .customer_id' "$TMP/scored.jsonl" > "$TMP/jq.ids"
	[ "$(wc -l < "$TMP/awk.ids")" -gt 5 ]
	cmp "$TMP/awk.ids" "$TMP/jq.ids"
	# the summary's own fields too: compared as numbers, not text
	[ "$(awk -F, 'NR > 1 && $2 >= 10' "$TMP/scored.csv" | wc -l)" = "$(jq 'select(.frequency >= 10)' "$TMP/scored.jsonl" | jq -s length)" ]
	# ids with leading zeros stay text; dates too
	[ "$(head -1 "$TMP/scored.jsonl" | jq -c '[.customer_id, .monetary, .first_order] | map(type)')" = '["string","number","string"]' ]
	[ "$(head -1 "$TMP/scored.jsonl" | jq -r .customer_id)" = 00004 ]
	# --json-strings: the input's text stays text (a string is above every number in jq)
	flo-score --fit -o jsonl --json-strings "$TMP/s.csv" 2>/dev/null > "$TMP/text.jsonl"
	[ "$(head -1 "$TMP/text.jsonl" | jq -c '[.frequency, .monetary, .clv] | map(type)')" = '["string","string","number"]' ]
	[ "$(jq 'select(.frequency > 1000)' "$TMP/text.jsonl" | jq -s length)" = 2357 ]
}

@test "CSV and TSV text as JSON: numbers by RFC 8259's grammar, verbatim; the rest strings" {
	printf 'id,zip,a,b,c,d,e,f,g,h,frequency,recency,T\n12,007,1.50,1e5,-0,.5,+3,1234567890123456,123456789012345,1e400,1,2,3\n' > "$TMP/x.csv"
	run --separate-stderr flo-score --bgnbd 1,1,1,1 -o jsonl "$TMP/x.csv"
	assert_success
	[[ "$output" == '{"id":12,"zip":"007","a":1.50,"b":1e5,"c":-0,"d":".5","e":"+3","f":"1234567890123456","g":123456789012345,"h":"1e400","frequency":1,"recency":2,"T":3,"p_alive":'* ]]
	tr , '\t' < "$TMP/x.csv" > "$TMP/x.tsv"
	run --separate-stderr flo-score --bgnbd 1,1,1,1 -o jsonl "$TMP/x.tsv"
	[[ "$output" == '{"id":12,"zip":"007","a":1.50,"b":1e5,"c":-0,"d":".5",'* ]]
	run --separate-stderr flo-score --bgnbd 1,1,1,1 -o jsonl --json-strings "$TMP/x.csv"
	[[ "$output" == '{"id":"12","zip":"007","a":"1.50","b":"1e5","c":"-0","d":".5","e":"+3","f":"1234567890123456","g":"123456789012345","h":"1e400","frequency":"1","recency":"2","T":"3","p_alive":'* ]]
	# CSV output is unchanged by it; a JSON Lines string stays a string
	[ "$(flo-score --bgnbd 1,1,1,1 --json-strings "$TMP/x.csv" 2>/dev/null)" = "$(flo-score --bgnbd 1,1,1,1 "$TMP/x.csv" 2>/dev/null)" ]
	printf '{"id":"12","frequency":1,"recency":"2","T":3}\n' | flo-score --bgnbd 1,1,1,1 2>/dev/null | jq -e '(.id | type) == "string" and (.recency | type) == "string"'
	# a tool that writes no records has no --json-strings
	run flo-fit --json-strings "$TMP/x.csv"
	assert_failure 2
	assert_line --index 0 'flo-fit: unknown option --json-strings'
}

@test "flo-cat and flo-segment write CSV numbers as JSON numbers too; --json-strings keeps text" {
	printf 'id,zip,clv\n12,007,1.50\n13,010,3\n' > "$TMP/x.csv"
	run flo-cat -o jsonl "$TMP/x.csv"
	assert_output $'{"id":12,"zip":"007","clv":1.50}\n{"id":13,"zip":"010","clv":3}'
	run flo-cat -o jsonl --json-strings "$TMP/x.csv"
	assert_output $'{"id":"12","zip":"007","clv":"1.50"}\n{"id":"13","zip":"010","clv":"3"}'
	# and back: the number tokens are the CSV's text, verbatim
	flo-cat -o jsonl "$TMP/x.csv" | flo-cat -o csv | cmp - "$TMP/x.csv"
	run flo-segment --groups 2 --labels lo,hi -o jsonl "$TMP/x.csv"
	assert_output $'{"id":12,"zip":"007","clv":1.50,"segment":"lo"}\n{"id":13,"zip":"010","clv":3,"segment":"hi"}'
	flo-segment --db "$TMP/st" --save-cuts c --groups 2 --labels lo,hi "$TMP/x.csv" > /dev/null
	run flo-segment --db "$TMP/st" --cuts c -o jsonl --json-strings "$TMP/x.csv"
	assert_output $'{"id":"12","zip":"007","clv":"1.50","segment":"lo"}\n{"id":"13","zip":"010","clv":"3","segment":"hi"}'
}

@test "a double's shortest text of 16 or 17 digits is a number (flo-rfm's recency and T through flo-score); whole numbers that long and other texts stay strings" {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2>/dev/null > "$TMP/s.csv"
	flo-score --fit -o jsonl "$TMP/s.csv" 2>/dev/null > "$TMP/scored.jsonl"
	# every customer's recency and T are numbers, and compare as awk compares the CSV
	[ "$(jq -s 'map(select((.recency | type) != "number" or (.T | type) != "number")) | length' "$TMP/scored.jsonl")" = 0 ]
	[ "$(awk -F, 'NR > 1 && $4 > 38.5' "$TMP/s.csv" | wc -l)" = "$(jq 'select(.T > 38.5)' "$TMP/scored.jsonl" | jq -s length)" ]
	# 30.428571428571427 is the shortest text of its double (17 digits); 0.10000000000000001
	# is not (0.1 is), 12345678901234568 is a whole number (an id), 1.0000000000000000 has 17
	# digits and is not the shortest (1)
	printf 'id,a,b,c,d\n1,30.428571428571427,0.10000000000000001,12345678901234568,1.0000000000000000\n' > "$TMP/y.csv"
	run --separate-stderr flo-cat -o jsonl "$TMP/y.csv"
	assert_success
	assert_output '{"id":1,"a":30.428571428571427,"b":"0.10000000000000001","c":"12345678901234568","d":"1.0000000000000000"}'
}
