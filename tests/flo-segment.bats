#!/usr/bin/env bats
# flo-segment: quantile segments as pandas.qcut, stored cut points, RFM
# segments, summaries.  Every expected segment, score, edge, count and sum
# below is what scripts/golden/segment_qcut.py printed with pandas 1.5.3 and
# numpy 1.24.2 (the script is committed; CI does not run it):
#   tests/data/segment_small.csv, clv, 4 groups: edges 12.5, 88.75, 100.0,
#   337.5, 1500.0; labels c01..c12: D B C A C D C A D A B C (the four 100s sit
#   in C: 100 is an edge, groups are right-closed).

load test_helper

SMALL="$DATA/segment_small.csv"
FLO="$ROOT/examples/flo_data_20k.csv"

# The input with columns appended: a header line, then one line per record.
append() {
	local file=$1
	shift
	paste -d, "$file" <(printf '%s\n' "$@")
}

# pandas.qcut(clv, 4, labels=["D", "C", "B", "A"]) on segment_small.csv
QCUT4=(D B C A C D C A D A B C)
# recency_score (qcut(T - recency, 5, labels=[5..1])), frequency_score
# (qcut(frequency.rank(method="first"), 5)), monetary_score, rfm_segment
RFM=(1,1,1,hibernating 2,3,4,at_risk 4,1,3,promising 5,5,5,champions
     3,2,2,about_to_sleep 3,1,1,about_to_sleep 1,4,4,at_risk 5,5,5,champions
     2,2,1,hibernating 4,5,5,loyal_customers 5,4,3,champions 1,3,2,at_risk)

@test "quantile segments: pandas.qcut's groups, ties on an edge in the lower group" {
	run --separate-stderr flo-segment "$SMALL"
	assert_success
	assert_output "$(append "$SMALL" segment "${QCUT4[@]}")"
	[ "$stderr" = "" ]
	# the same from stdin, and --by clv said out loud
	run flo-segment --by clv < "$SMALL"
	assert_output "$(append "$SMALL" segment "${QCUT4[@]}")"
}

@test "quantile segments: the edges are pandas' to the last bit (--print-cuts)" {
	run flo-segment --print-cuts "$SMALL"
	assert_success
	assert_output '{"format":"flo-cuts 1","field":"clv","groups":4,"records":12,"edges":[12.5,88.75,100,337.5,1500],"labels":["D","C","B","A"]}'
	# 3 groups: 12.5, 100.0, 263.3333333333333, 1500.0
	run flo-segment --groups 3 --print-cuts "$SMALL"
	assert_output '{"format":"flo-cuts 1","field":"clv","groups":3,"records":12,"edges":[12.5,100,263.3333333333333,1500],"labels":["1","2","3"]}'
	[ "$(echo "$output" | jq '.edges == [12.5, 100.0, 263.33333333333331, 1500]')" = true ]
}

@test "--groups and --labels" {
	# pandas.qcut(clv, 3, labels=[1, 2, 3]): 1 2 1 3 1 1 1 3 1 3 3 1
	run flo-segment --groups 3 "$SMALL"
	assert_success
	assert_output "$(append "$SMALL" segment 1 2 1 3 1 1 1 3 1 3 3 1)"
	run flo-segment --labels low,mid,high "$SMALL"
	assert_output "$(append "$SMALL" segment low mid low high low low low high low high high low)"
	run flo-segment --groups 3 --labels low,mid,high "$SMALL"
	assert_output "$(append "$SMALL" segment low mid low high low low low high low high high low)"
	run flo-segment --labels bronze,silver,gold,platinum "$SMALL"
	assert_output "$(append "$SMALL" segment bronze gold silver platinum silver bronze silver platinum bronze platinum gold silver)"
	# one group: everyone
	run flo-segment --groups 1 "$SMALL"
	assert_output "$(append "$SMALL" segment 1 1 1 1 1 1 1 1 1 1 1 1)"
	run --separate-stderr flo-segment --groups 4 --labels a,b,c "$SMALL"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "flo-segment: --groups 4, but --labels names 3 groups" ]
	run --separate-stderr flo-segment --labels a,b,a "$SMALL"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = 'flo-segment: option --labels: "a" given twice' ]
	run --separate-stderr flo-segment --labels a,,b "$SMALL"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = 'flo-segment: option --labels: an empty name in "a,,b"' ]
}

@test "--by another field, a field of the same name replaced in place" {
	# qcut(monetary, 2): edges 0, 31.5, 120 (the median of 30 and 33)
	run flo-segment --by monetary --groups 2 --labels low,high "$SMALL"
	assert_success
	assert_output "$(append "$SMALL" segment low high low high low low high high low high high low)"
	# segmenting segmented records again replaces the segment where it stands
	flo-segment "$SMALL" > "$TMP/seg.csv"
	run flo-segment --by monetary --groups 2 --labels low,high "$TMP/seg.csv"
	assert_output "$(append "$SMALL" segment low high low high low low high high low high high low)"
	awk -F, 'NR == 1 { $0 = "segment," $0 } NR > 1 { $0 = "old," $0 } 1' "$SMALL" > "$TMP/first.csv"
	run flo-segment "$TMP/first.csv"
	assert_line --index 0 "segment,$(head -1 "$SMALL")"
	assert_line --index 1 "D,$(sed -n 2p "$SMALL")"
	assert_line --index 4 "A,$(sed -n 5p "$SMALL")"
}

@test "formats: JSON Lines and TSV in and out, -i forces the input format" {
	flo-cat -o jsonl "$SMALL" > "$TMP/s.jsonl"
	run flo-segment -o csv "$TMP/s.jsonl"
	assert_success
	assert_output "$(append "$SMALL" segment "${QCUT4[@]}")"
	run flo-segment "$TMP/s.jsonl"
	assert_line --index 0 '{"customer_id":"c01","frequency":0,"recency":0,"T":40,"monetary":0,"exp_purchases_12":0.25,"clv":12.5,"interested_in_categories_12":"[KADIN]","segment":"D"}'
	# JSON numbers stay numbers
	printf '{"id":"a","clv":1.5}\n{"id":"b","clv":3,"extra":true}\n' > "$TMP/n.jsonl"
	run flo-segment --groups 2 "$TMP/n.jsonl"
	assert_output '{"id":"a","clv":1.5,"segment":"1"}
{"id":"b","clv":3,"extra":true,"segment":"2"}'
	flo-cat -o tsv "$SMALL" > "$TMP/s.tsv"
	run flo-segment -o csv "$TMP/s.tsv"
	assert_output "$(append "$SMALL" segment "${QCUT4[@]}")"
	run flo-segment -i csv -o tsv "$SMALL"
	assert_line --index 1 "$(printf 'c01\t0\t0\t40\t0\t0.25\t12.5\t[KADIN]\tD')"
}

@test "the README's campaign filter: plain jq on the JSON Lines output" {
	run bash -c 'flo-segment "$1" -o jsonl | jq -c '\''select(.segment == "A" and (.interested_in_categories_12 | contains("KADIN")))'\'' | jq -r .customer_id' _ "$SMALL"
	assert_success
	assert_output "c04
c08"
	run bash -c 'flo-segment "$1" | awk -F, '\''$NF == "D" { n++ } END { print n }'\''' _ "$SMALL"
	assert_output 3
}

@test "repeated quantiles are an error that says what to do, as pandas' 'Bin edges must be unique'" {
	# pandas: Bin edges must be unique: array([ 0. ,  0. ,  0. ,  2.5, 10. ])
	run --separate-stderr flo-segment "$DATA/segment_ties.csv"
	assert_failure 65
	assert_output ""
	[ "$stderr" = "flo-segment: the clv quantiles repeat (edge 0 appears 3 times): use fewer --groups, or --by another field" ]
	# 0, 0, 10 with 2 groups: 0 appears twice
	run --separate-stderr flo-segment --groups 2 "$DATA/segment_ties.csv"
	assert_failure 65
	[ "$stderr" = "flo-segment: the clv quantiles repeat (edge 0 appears twice): use fewer --groups, or --by another field" ]
	# one group never repeats (pandas does not check it either)
	run flo-segment --groups 1 "$DATA/segment_ties.csv"
	assert_success
	# RFM: monetary 0 for most customers
	printf 'customer_id,frequency,recency,T,monetary\na,1,1,5,0\nb,2,2,6,0\nc,3,3,7,0\nd,4,4,8,0\ne,5,5,9,0\nf,6,6,10,5\n' > "$TMP/m.csv"
	run --separate-stderr flo-segment --rfm "$TMP/m.csv"
	assert_failure 65
	[ "$stderr" = "flo-segment: the T - recency quantiles repeat (edge 4 appears 6 times): RFM scores need 5 distinct quintiles of the time since the last purchase" ]
	printf 'customer_id,frequency,recency,T,monetary\na,1,1,5,0\nb,2,2,7,0\nc,3,3,9,0\nd,4,4,11,0\ne,5,5,13,0\nf,6,6,15,5\n' > "$TMP/m.csv"
	run --separate-stderr flo-segment --rfm "$TMP/m.csv"
	assert_failure 65
	[ "$stderr" = "flo-segment: the monetary quantiles repeat (edge 0 appears 5 times): RFM scores need 5 distinct quintiles: score another field with --monetary FIELD" ]
}

@test "--rfm: the notebooks' scores and segments" {
	run --separate-stderr flo-segment --rfm "$SMALL"
	assert_success
	assert_output "$(append "$SMALL" recency_score,frequency_score,monetary_score,rfm_segment "${RFM[@]}")"
	# the time since the last purchase given as a field; other field names
	awk -F, -v OFS=, 'NR == 1 { print "id,n,since,value"; next } { print $1, $2, $4 - $3, $5 }' "$SMALL" > "$TMP/r.csv"
	run flo-segment --rfm --since-last since --frequency n --monetary value "$TMP/r.csv"
	assert_success
	assert_output "$(append "$TMP/r.csv" recency_score,frequency_score,monetary_score,rfm_segment "${RFM[@]}")"
	sed '1s/recency,T/last_minus_first,age/' "$SMALL" > "$TMP/a.csv"
	run flo-segment --rfm --recency last_minus_first --age age "$TMP/a.csv"
	assert_output "$(append "$TMP/a.csv" recency_score,frequency_score,monetary_score,rfm_segment "${RFM[@]}")"
	run flo-segment --rfm -o jsonl "$SMALL"
	assert_line --index 0 --partial '"recency_score":1,"frequency_score":1,"monetary_score":1,"rfm_segment":"hibernating"}'
	run --separate-stderr flo-segment --rfm "$TMP/a.csv"
	assert_failure 65
	[ "$stderr" = 'flo-segment: no field "recency" (--recency) in the input' ]
}

@test "--summary: count, mean and sum per segment, as pandas groupby" {
	run flo-segment --summary "$SMALL"
	assert_success
	assert_output "segment,count,frequency_mean,frequency_sum,recency_mean,recency_sum,T_mean,T_sum,monetary_mean,monetary_sum,exp_purchases_12_mean,exp_purchases_12_sum,clv_mean,clv_sum
D,3,0.3333333333333333,1,0.6666666666666666,2,27.333333333333332,82,6.166666666666667,18.5,0.3333333333333333,1,34.166666666666664,102.5
C,4,2,8,13.25,53,42.5,170,32.5,130,0.625,2.5,100,400
B,2,3,6,22.5,45,39,78,39.25,78.5,1.5,3,275,550
A,3,8,24,44.333333333333336,133,47.333333333333336,142,86.75,260.25,3,9,843.5833333333334,2530.75"
	run flo-segment --summary --fields clv,frequency -o jsonl "$SMALL"
	assert_output '{"segment":"D","count":3,"clv_mean":34.166666666666664,"clv_sum":102.5,"frequency_mean":0.3333333333333333,"frequency_sum":1}
{"segment":"C","count":4,"clv_mean":100,"clv_sum":400,"frequency_mean":2,"frequency_sum":8}
{"segment":"B","count":2,"clv_mean":275,"clv_sum":550,"frequency_mean":3,"frequency_sum":6}
{"segment":"A","count":3,"clv_mean":843.5833333333334,"clv_sum":2530.75,"frequency_mean":8,"frequency_sum":24}'
	# the field segmented by is summed too
	# (by hand: the median of 100 and 337.5 is 218.75; 5 + 88.75 + 100 + 12.5 =
	# 206.25; 2000 + 337.5 + 337.50000000000006 + 1500 rounds to 4175)
	run flo-segment --summary --groups 2 "$DATA/segment_new.csv"
	assert_output "segment,count,clv_mean,clv_sum
1,4,51.5625,206.25
2,4,1043.75,4175"
	# empty values are left out of the mean and the sum, as pandas skips NaN
	printf 'id,clv,x\na,1,2\nb,2,\nc,3,5\nd,4,\n' > "$TMP/e.csv"
	run flo-segment --summary --groups 2 --fields x "$TMP/e.csv"
	assert_output "segment,count,x_mean,x_sum
1,2,2,2
2,2,5,5"
	printf 'id,clv,x\na,1,2\nb,2,\nc,3,oops\nd,4,\n' > "$TMP/e.csv"
	run flo-segment --summary --groups 2 --fields x "$TMP/e.csv"
	assert_failure 65
	assert_output 'flo-segment: '"$TMP"'/e.csv line 4: field "x" is not a number: "oops"'
	run flo-segment --summary --fields nope "$SMALL"
	assert_failure 65
	assert_output 'flo-segment: no field "nope" (--fields) in the input'
}

@test "--rfm --summary: every segment name in alphabetical order, empty means for empty segments" {
	run flo-segment --rfm --summary --fields frequency "$SMALL"
	assert_success
	assert_output "segment,count,frequency_mean,frequency_sum
about_to_sleep,2,1,2
at_risk,3,2.6666666666666665,8
cant_loose,0,,0
champions,3,7.333333333333333,22
hibernating,2,0.5,1
loyal_customers,1,5,5
need_attention,0,,0
new_customers,0,,0
potential_loyalists,0,,0
promising,1,1,1"
	run flo-segment --rfm --summary -o jsonl "$SMALL"
	assert_line --index 2 '{"segment":"cant_loose","count":0,"frequency_mean":null,"frequency_sum":0,"recency_mean":null,"recency_sum":0,"T_mean":null,"T_sum":0,"monetary_mean":null,"monetary_sum":0,"exp_purchases_12_mean":null,"exp_purchases_12_sum":0,"clv_mean":null,"clv_sum":0}'
}

@test "--save-cuts then --cuts: the same segments, streamed; values beyond the edges clamp" {
	run --separate-stderr flo-segment --save-cuts clv4 "$SMALL"
	assert_success
	batch="$output"
	[ -f "$FLO_DB/data.mdb" ]
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_success
	assert_output "$batch"
	run flo-segment --cuts clv4 --print-cuts
	assert_output '{"format":"flo-cuts 1","field":"clv","groups":4,"records":12,"edges":[12.5,88.75,100,337.5,1500],"labels":["D","C","B","A"]}'
	# a later stream: below the lowest edge D, above the highest A, on an edge
	# the lower group
	run flo-segment --cuts clv4 "$DATA/segment_new.csv"
	assert_output "$(append "$DATA/segment_new.csv" segment D A D C B A D A)"
	run flo-segment --cuts clv4 --summary "$DATA/segment_new.csv"
	assert_output "segment,count,clv_mean,clv_sum
D,3,35.416666666666664,106.25
C,1,100,100
B,1,337.5,337.5
A,3,1279.1666666666667,3837.5"
	# --db, and labels kept with the cut points
	run flo-segment --db "$TMP/other" --save-cuts tiers --labels bronze,silver,gold "$SMALL"
	assert_success
	run flo-segment --db "$TMP/other" --cuts tiers -o jsonl "$DATA/segment_new.csv"
	assert_line --index 0 '{"customer_id":"n1","clv":5,"note":"below the lowest edge","segment":"bronze"}'
	run --separate-stderr flo-segment --cuts tiers "$SMALL"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "flo-segment: no cut points \"tiers\" in $FLO_DB (not stored): make them with flo-segment --save-cuts tiers on the whole population" ]
	run --separate-stderr flo-segment --cuts clv4 --by monetary "$SMALL"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = 'flo-segment: --by monetary, but the cut points "clv4" split clv' ]
	# the stored field must be in the stream
	run --separate-stderr flo-segment --cuts clv4 "$DATA/segment_ties.csv"
	assert_success
	run --separate-stderr flo-segment --cuts clv4 "$DATA/orders_small.csv"
	assert_failure 65
	[ "$stderr" = 'flo-segment: no field "clv" in the input: the cut points "clv4" split clv' ]
	run --separate-stderr flo-segment "$DATA/orders_small.csv"
	assert_failure 65
	[ "$stderr" = 'flo-segment: no field "clv" (--by) in the input: segment by another field with --by FIELD' ]
}

@test "--cuts streams: each record comes out before the input ends" {
	flo-segment --save-cuts clv4 "$SMALL" > /dev/null
	mkfifo "$TMP/in"
	flo-segment --cuts clv4 < "$TMP/in" > "$TMP/out" &
	pid=$!
	exec 8> "$TMP/in"
	printf 'customer_id,clv\nx1,5\n' >&8
	for _ in $(seq 100); do [ "$(wc -l < "$TMP/out")" -ge 2 ] && break; sleep 0.05; done
	[ "$(cat "$TMP/out")" = "customer_id,clv,segment
x1,5,D" ]
	printf 'x2,400\n' >&8
	for _ in $(seq 100); do [ "$(wc -l < "$TMP/out")" -ge 3 ] && break; sleep 0.05; done
	[ "$(tail -1 "$TMP/out")" = "x2,400,A" ]
	exec 8>&-
	wait "$pid"
}

@test "--cuts streams in constant memory; a batch keeps every record" {
	# the sanitizers reserve terabytes of address space: no limits there
	[[ "${FLO_BIN:-}" != *asan* ]] || skip "address space limits do not apply under the sanitizers"
	# 2,000,000 records (42 MB): a stream needs some 70 MB of address space
	# (64 MB of it LMDB's map, while the cut points are read), a batch some
	# 170 MB
	MEMLIMIT=120000
	flo-segment --save-cuts clv4 "$SMALL" > /dev/null
	awk 'BEGIN { print "customer_id,clv"; for (i = 0; i < 2000000; i++) print "customer-" i "," i % 2000 }' > "$TMP/big.csv"
	run bash -c 'ulimit -v $2; flo-segment --cuts clv4 "$1" | tail -1' _ "$TMP/big.csv" "$MEMLIMIT"
	assert_success
	assert_output "customer-1999999,1999,A"
	run bash -c 'set -o pipefail; ulimit -v $2; flo-segment "$1" | tail -1' _ "$TMP/big.csv" "$MEMLIMIT"
	assert_failure 70
	assert_output "flo-segment: out of memory"
}

@test "bad --by values: exit 65 with the line, or skipped and counted, or kept in --rejects" {
	printf 'customer_id,clv\na,1\nb,abc\nc,3\nd,\ne,5\nf,1e999\n' > "$TMP/b.csv"
	run flo-segment --groups 2 "$TMP/b.csv"
	assert_failure 65
	assert_output "flo-segment: $TMP/b.csv line 3: field \"clv\" is not a number: \"abc\""
	run --separate-stderr flo-segment --groups 2 --skip-bad "$TMP/b.csv"
	assert_success
	# the population is a, c, e: edges 1, 3, 5
	assert_output "customer_id,clv,segment
a,1,1
c,3,1
e,5,2"
	[ "$stderr" = "flo-segment: skipped 3 bad records" ]
	run --separate-stderr flo-segment --groups 2 --rejects "$TMP/rej.csv" < "$TMP/b.csv"
	assert_success
	[ "$stderr" = "flo-segment: skipped 3 bad records, kept in $TMP/rej.csv" ]
	[ "$(cat "$TMP/rej.csv")" = "customer_id,clv
b,abc
d,
f,1e999" ]
	printf 'customer_id,clv\na,1\nb,\n' | { run flo-segment; assert_failure 65; assert_output 'flo-segment: input line 3: field "clv" is empty'; }
	printf 'customer_id,clv\na,1\nb,1e999\n' | { run flo-segment; assert_failure 65; assert_output 'flo-segment: input line 3: field "clv" is out of range: "1e999"'; }
	printf '{"id":"a","clv":1}\n{"id":"b"}\n{"id":"c","clv":null}\n{"id":"d","clv":true}\n' > "$TMP/b.jsonl"
	run flo-segment "$TMP/b.jsonl"
	assert_failure 65
	assert_output "flo-segment: $TMP/b.jsonl line 2: missing field \"clv\""
	run --separate-stderr flo-segment --groups 1 --skip-bad "$TMP/b.jsonl"
	assert_output '{"id":"a","clv":1,"segment":"1"}'
	[ "$stderr" = "flo-segment: skipped 3 bad records" ]
	# in --cuts streams too
	flo-segment --save-cuts c "$SMALL" > /dev/null
	run --separate-stderr flo-segment --cuts c --skip-bad "$TMP/b.csv"
	assert_output "customer_id,clv,segment
a,1,D
c,3,D
e,5,D"
	# JSON records of varying fields cannot be one CSV table: refused as read
	printf '{"id":"a","clv":1}\n{"id":"b","clv":2,"more":1}\n{"id":"c","clv":3}\n' > "$TMP/v.jsonl"
	run --separate-stderr flo-segment --groups 2 -o csv "$TMP/v.jsonl"
	assert_failure 65
	[ "$stderr" = "flo-segment: $TMP/v.jsonl line 2: record fields differ from the first record's; write JSON Lines (-o jsonl) for records of varying fields" ]
	run --separate-stderr flo-segment --groups 2 -o csv --skip-bad "$TMP/v.jsonl"
	assert_output "id,clv,segment
a,1,1
c,3,2"
	run --separate-stderr flo-segment --cuts c -o csv --skip-bad "$TMP/v.jsonl"
	assert_output "id,clv,segment
a,1,D
c,3,D"
	[ "$stderr" = "flo-segment: skipped 1 bad record" ]
}

@test "the store: missing cut points, a store that is not one, foreign, newer and damaged records" {
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_failure 2
	[ "$stderr" = "flo-segment: no cut points \"clv4\" in $FLO_DB (no store there): make them with flo-segment --save-cuts clv4 on the whole population
Try 'flo-segment --help' for more information." ]
	echo "not a store" > "$TMP/file"
	run --separate-stderr flo-segment --db "$TMP/file" --cuts clv4 "$SMALL"
	assert_failure 74
	[[ "$stderr" == "flo-segment: store $TMP/file: "* ]]
	run --separate-stderr flo-segment --db "$TMP/file" --save-cuts clv4 "$SMALL"
	assert_failure 74
	assert_output ""
	# Damage the stored record in place (LMDB keeps small values verbatim in
	# its pages, with no checksum), keeping every length.
	flo-segment --save-cuts clv4 "$SMALL" > /dev/null
	cp -r "$FLO_DB" "$TMP/good"
	perl -0777 -pi -e 's/"flo-cuts 1"/"flo-cuts 7"/' "$FLO_DB/data.mdb"
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_failure 74
	[ "$stderr" = "flo-segment: cut points \"clv4\" in $FLO_DB: cut points in format \"flo-cuts 7\", newer than this flo reads (flo-cuts 1): use a newer flo, or make them again with --save-cuts" ]
	rm -r "$FLO_DB"; cp -r "$TMP/good" "$FLO_DB"
	perl -0777 -pi -e 's/"format":"flo-cuts 1"/"format":"flo-data 1"/' "$FLO_DB/data.mdb"
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_failure 74
	[ "$stderr" = "flo-segment: cut points \"clv4\" in $FLO_DB: not flo cut points (format \"flo-data 1\")" ]
	rm -r "$FLO_DB"; cp -r "$TMP/good" "$FLO_DB"
	perl -0777 -pi -e 's/"groups":4/"groups":5/' "$FLO_DB/data.mdb"
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_failure 74
	[ "$stderr" = "flo-segment: cut points \"clv4\" in $FLO_DB: damaged: \"edges\" is not an array of 6 numbers" ]
	rm -r "$FLO_DB"; cp -r "$TMP/good" "$FLO_DB"
	perl -0777 -pi -e 's/88\.75,100,/88.75,8e1,/' "$FLO_DB/data.mdb"
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_failure 74
	[ "$stderr" = "flo-segment: cut points \"clv4\" in $FLO_DB: damaged: edge 2 does not increase" ]
	rm -r "$FLO_DB"; cp -r "$TMP/good" "$FLO_DB"
	perl -0777 -pi -e 's/\{"format":"flo-cuts 1"/"\x00\xff" . ("#" x 20)/e' "$FLO_DB/data.mdb"
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_failure 74
	[[ "$stderr" == "flo-segment: cut points \"clv4\" in $FLO_DB: not flo cut points (not JSON: "* ]]
	# saving again repairs it
	run --separate-stderr flo-segment --save-cuts clv4 --print-cuts "$SMALL"
	assert_success
	run --separate-stderr flo-segment --cuts clv4 "$SMALL"
	assert_success
}

@test "FLO data: pandas.qcut of customer_value_total_ever_online, 4 groups" {
	# pandas: edges 12.99, 149.97999999999999, 286.45999999999998,
	# 578.44000000000005, 45220.129999999997 (shortest: 12.99, 149.98, 286.46,
	# 578.44, 45220.13); counts D 5028, C 4945, B 4986, A 4986; sums (Kahan, as
	# groupby) D 475809.06, C 1049103.18, B 2040353.58, A 6353815.29
	run flo-segment --by customer_value_total_ever_online --print-cuts "$FLO"
	assert_success
	assert_output '{"format":"flo-cuts 1","field":"customer_value_total_ever_online","groups":4,"records":19945,"edges":[12.99,149.98,286.46,578.44,45220.13],"labels":["D","C","B","A"]}'
	[ "$(echo "$output" | jq '.edges == [12.99, 149.97999999999999, 286.45999999999998, 578.44000000000005, 45220.129999999997]')" = true ]
	run flo-segment --by customer_value_total_ever_online --summary --fields customer_value_total_ever_online "$FLO"
	assert_output "segment,count,customer_value_total_ever_online_mean,customer_value_total_ever_online_sum
D,5028,94.63187350835322,475809.06
C,4945,212.15433367037411,1049103.18
B,4986,409.21652226233454,2040353.58
A,4986,1274.331185318893,6353815.29"
	# every customer's segment: md5 of "master_id,segment" lines, from pandas
	run bash -c 'flo-segment --by customer_value_total_ever_online -o jsonl "$1" | jq -r "\"\(.master_id),\(.segment)\"" | md5sum' _ "$FLO"
	assert_output "8c91df74adcde05563bce3c0b572b97a  -"
	# the stored cut points give the same segments in one streaming pass
	flo-segment --by customer_value_total_ever_online --save-cuts online "$FLO" > "$TMP/batch.csv"
	flo-segment --cuts online "$FLO" > "$TMP/stream.csv"
	cmp "$TMP/batch.csv" "$TMP/stream.csv"
}

@test "FLO data: the notebook's RFM segments (analysis date 2021-06-01)" {
	# The notebook's columns, in the file's order: days since the last order,
	# all orders, all value (%.17g keeps awk's sum, as pandas', to the bit).
	tr -d '\r' < "$FLO" | awk -F, '{ gsub(/"[^"]*"/, "x") } NR > 1 { print $5 }' | date -u -f - +%s > "$TMP/last.txt"
	tr -d '\r' < "$FLO" | awk -F, -v asof="$(date -u -d 2021-06-01 +%s)" '
	  NR == FNR { last[FNR] = $1; next }
	  { gsub(/"[^"]*"/, "x") }
	  FNR == 1 { print "master_id,recency,frequency,monetary"; next }
	  { printf "%s,%d,%d,%.17g\n", $1, (asof - last[FNR - 1]) / 86400, $8 + $9, $10 + $11 }' "$TMP/last.txt" - > "$TMP/nb.csv"
	[ "$(sed -n 2p "$TMP/nb.csv")" = "cc294636-19f0-11eb-8d74-000d3a38a36f,95,5,939.37" ]
	run flo-segment --rfm --since-last recency --summary --fields frequency "$TMP/nb.csv"
	assert_success
	# pandas: about_to_sleep 1629, at_risk 3131, cant_loose 1200, champions
	# 1932, hibernating 3604, loyal_customers 3361, need_attention 823,
	# new_customers 680, potential_loyalists 2938, promising 647
	[ "$(cut -d, -f1,2 <<< "$output" | tr '\n' ' ')" = "segment,count about_to_sleep,1629 at_risk,3131 cant_loose,1200 champions,1932 hibernating,3604 loyal_customers,3361 need_attention,823 new_customers,680 potential_loyalists,2938 promising,647 " ]
	# every customer's three scores and segment: md5 from pandas
	run bash -c 'flo-segment --rfm --since-last recency "$1" | tail -n +2 | cut -d, -f1,5- | md5sum' _ "$TMP/nb.csv"
	assert_output "01a663911557c45cdcf9c4d2716ae737  -"
}

@test "FLO data through flo-rfm: T - recency is the days since the last order" {
	# flo-rfm sorts customers by id, so frequency ties rank in another order
	# than the notebook's; the recency and monetary scores do not depend on
	# order.  pandas: recency_score 1 3984, 2 3951, 3 4007, 4 3892, 5 4111;
	# monetary_score 1 3989, 2 3989, 3 3991, 4 3987, 5 3989.
	run bash -c 'flo-rfm --as-of 2021-06-01 --unit day --frequency total "$1" | flo-segment --rfm --monetary revenue -o jsonl | jq -r "\"r\(.recency_score) m\(.monetary_score) f\(.frequency_score)\"" | tr " " "\n" | sort | uniq -c | awk "{ printf \"%s %s, \", \$2, \$1 }"' _ "$FLO"
	assert_success
	assert_output "f1 3989, f2 3989, f3 3989, f4 3989, f5 3989, m1 3989, m2 3989, m3 3991, m4 3987, m5 3989, r1 3984, r2 3951, r3 4007, r4 3892, r5 4111, "
}

@test "empty input, header only, unreadable file, /dev/full, a closed pipe" {
	run flo-segment < /dev/null
	assert_failure 65
	assert_output "flo-segment: input is empty"
	head -1 "$SMALL" > "$TMP/h.csv"
	run flo-segment "$TMP/h.csv"
	assert_success
	assert_output ""
	run flo-segment --save-cuts x "$TMP/h.csv"
	assert_failure 65
	assert_output "flo-segment: no records: no cut points to compute"
	run flo-segment "$TMP/missing.csv"
	assert_failure 66
	assert_output --partial "cannot open $TMP/missing.csv"
	run bash -c 'flo-segment "$1" > /dev/full' _ "$SMALL"
	assert_failure 74
	assert_output "flo-segment: write error: No space left on device"
	run bash -c 'flo-segment --summary "$1" > /dev/full' _ "$SMALL"
	assert_failure 74
	run bash -c 'flo-segment --print-cuts "$1" > /dev/full' _ "$SMALL"
	assert_failure 74
	assert_output "flo-segment: write error: No space left on device"
	flo-segment --by customer_value_total_ever_online --save-cuts online "$FLO" > /dev/null
	run bash -c 'flo-segment --cuts online "$1" > /dev/full' _ "$FLO"
	assert_failure 74
	assert_output "flo-segment: write error: No space left on device"
	# a closed pipe ends quietly (bash reports 141, SIGPIPE, without a word)
	run bash -c 'set -o pipefail; flo-segment --by customer_value_total_ever_online "$1" | head -1' _ "$FLO"
	assert_output "$(head -1 "$FLO" | tr -d '\r'),segment"
	run bash -c 'set -o pipefail; flo-segment --cuts online "$1" | head -1' _ "$FLO"
	assert_output "$(head -1 "$FLO" | tr -d '\r'),segment"
}

@test "usage: --help documents every option, --version, and bad options exit 2" {
	run flo-segment --help
	assert_success
	assert_line --index 0 "usage: flo-segment [options] [file...]"
	help="$output"
	for opt in --by --groups --labels --save-cuts --cuts --print-cuts --db --rfm --recency --age \
		--since-last --frequency --monetary --summary --fields --input-format --output-format \
		--flush --skip-bad --rejects --help --version; do
		[[ "$help" == *"$opt"* ]] || { echo "--help lacks $opt"; false; }
	done
	for word in "segment " recency_score frequency_score monetary_score rfm_segment \
		"Memory:" "in memory" "constant" "lowest group" "highest" "Exit status: 0" " 2 " 65 66 74; do
		[[ "$help" == *"$word"* ]] || { echo "--help lacks $word"; false; }
	done
	run flo-segment --version
	assert_success
	assert_output --regexp '^flo-segment \(flo\) [0-9]+\.[0-9]+\.[0-9]+$'

	usage_error() { # expected first line, then the arguments
		local want=$1
		shift
		run --separate-stderr flo-segment "$@"
		[ "$status" -eq 2 ] || { echo "status $status for $*"; false; }
		[ "$output" = "" ]
		[ "${stderr%%$'\n'*}" = "flo-segment: $want" ] || { echo "got: $stderr"; false; }
		[[ "$stderr" == *"Try 'flo-segment --help' for more information." ]]
	}
	usage_error 'option --groups: expected a whole number from 1 to 1000: "4x"' --groups 4x
	usage_error 'option --groups: expected a whole number from 1 to 1000: "0"' --groups 0
	usage_error 'option --groups: expected a whole number from 1 to 1000: ""' --groups ''
	usage_error 'option --groups: expected a whole number from 1 to 1000: "1001"' --groups 1001
	usage_error "unknown option --bogus" --bogus
	usage_error "unknown option -x" -x
	usage_error "option --by needs a value" --by
	usage_error 'option --output-format: unknown format "xml" (csv, tsv, jsonl)' -o xml
	usage_error "--rfm scores fixed quintiles: not with --by, --groups or --labels" --rfm --groups 5
	usage_error "--save-cuts, --cuts and --print-cuts keep quantile segments, not --rfm (frequency scores rank the whole population)" --rfm --save-cuts x
	usage_error "--recency, --age, --since-last, --frequency and --monetary name the fields of --rfm" --monetary revenue
	usage_error "--since-last replaces --age - --recency: give one or the other" --rfm --since-last s --age T
	usage_error "--fields chooses the fields of --summary" --fields clv
	usage_error "--cuts brings its own groups and labels: not with --save-cuts, --groups or --labels" --cuts a --groups 3
	usage_error "--print-cuts and --summary each replace the records: use one" --print-cuts --summary
	usage_error "--db names the store of --save-cuts or --cuts" --db "$TMP/st"
	usage_error "option --save-cuts: a name of 1 to 511 bytes, not 0" --save-cuts ''
	# several inputs: each must open (66)
	run flo-segment "$SMALL" "$TMP/absent.csv"
	[ "$status" -eq 66 ]
}

@test "segmenting by clv scored without a Gamma-Gamma model: the empty field says why (65)" {
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2> /dev/null |
		flo-score --bgnbd 0.243,4.414,0.793,2.426 2> /dev/null > "$TMP/nogg.csv"
	local why='flo-score leaves it so without a Gamma-Gamma model (a log without values, or no customer with repeat purchases and spend); segment by another field with --by FIELD'
	run --separate-stderr flo-segment "$TMP/nogg.csv"
	assert_failure 65
	[ "$stderr" = "flo-segment: $TMP/nogg.csv line 2: field \"clv\" is empty: $why" ]
	# JSON Lines: flo-score writes null there
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" 2> /dev/null |
		flo-score -o jsonl --bgnbd 0.243,4.414,0.793,2.426 2> /dev/null > "$TMP/nogg.jsonl"
	[ "$(head -1 "$TMP/nogg.jsonl" | jq -c '[.exp_avg_value, .clv]')" = "[null,null]" ]
	run --separate-stderr flo-segment --by exp_avg_value "$TMP/nogg.jsonl"
	assert_failure 65
	[ "$stderr" = "flo-segment: $TMP/nogg.jsonl line 1: field \"exp_avg_value\" is empty: $why" ]
	# another field of the same records segments
	run --separate-stderr flo-segment --by exp_purchases_12 "$TMP/nogg.csv"
	assert_success
	[ "$(sed -n 1p <<< "$output" | tr ',' '\n' | tail -1)" = segment ]
	# an empty value of another field is what it was
	printf 'customer_id,score\na,\n' > "$TMP/empty.csv"
	run --separate-stderr flo-segment --by score "$TMP/empty.csv"
	assert_failure 65
	[ "$stderr" = "flo-segment: $TMP/empty.csv line 2: field \"score\" is empty" ]
}
