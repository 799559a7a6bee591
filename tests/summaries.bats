#!/usr/bin/env bats
# Summaries made elsewhere (lifetimes, pandas) in flo-fit and flo-score: the
# fields named by options, lifetimes' monetary_value, the BG/NBD alone
# without any monetary, a one-time buyer's empty or NaN monetary, and the
# time unit never mixed silently.
#
# tests/data/cdnow_customers_summary.csv has the layout of lifetimes' file of
# that name (ID,frequency,recency,T, weeks to two decimals, calibration end
# 1997-09-30; the IDs are CDNOW's own), made from tests/data/cdnow.csv by a
# few lines of Python, not by flo-rfm.  Golden values: the published CDNOW
# estimates (Fader, Hardie & Lee 2005) and P(alive) by FHL's eq. (A4)
# evaluated in Python.

load test_helper

LIFETIMES="$DATA/cdnow_customers_summary.csv"
CDNOW="--bgnbd 0.243,4.414,0.793,2.426 --gg 6.25,3.74,15.44"

near() { # near GOT WANT TOL
	awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= t) }' ||
		{ echo "got $1, want $2 within $3"; return 1; }
}

@test "lifetimes' CDNOW summary (no monetary): the BG/NBD alone, the published estimates" {
	run --separate-stderr flo-fit --no-store "$LIFETIMES"
	assert_success
	echo "$output" > "$TMP/m.json"
	# FHL 2005: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
	near "$(jq .bgnbd.params.r "$TMP/m.json")" 0.243 0.0005
	near "$(jq .bgnbd.params.alpha "$TMP/m.json")" 4.414 0.0005
	near "$(jq .bgnbd.params.a "$TMP/m.json")" 0.793 0.0005
	near "$(jq .bgnbd.params.b "$TMP/m.json")" 2.426 0.0005
	[ "$(jq .data.customers "$TMP/m.json")" = 2357 ]
	[ "$(jq -r .unit "$TMP/m.json")" = week ]
	[ "$(jq .gamma_gamma "$TMP/m.json")" = null ]
	[ "$stderr" = "flo-fit: no monetary field (monetary or monetary_value) in $LIFETIMES: the BG/NBD alone is fitted, without a Gamma-Gamma model (flo-score will give no exp_avg_value or clv)" ]
}

@test "lifetimes' CDNOW summary scored with the BG/NBD alone: p_alive by FHL (A4), no value" {
	run --separate-stderr flo-score --bgnbd 0.243,4.414,0.793,2.426 "$LIFETIMES"
	assert_success
	[ "${lines[0]}" = "ID,frequency,recency,T,p_alive,exp_purchases_12,exp_purchases_24,exp_avg_value,clv" ]
	[ "${#lines[@]}" -eq 2358 ]
	# 4,2,30.43,38.86: 0.726578570080673; 21,1,1.71,38.86: 0.2121009853773791 (Python)
	near "$(echo "$output" | awk -F, '$1 == 4 { print $5 }')" 0.726578570080673 1e-12
	near "$(echo "$output" | awk -F, '$1 == 21 { print $5 }')" 0.2121009853773791 1e-12
	[ "$(echo "$output" | awk -F, 'NR > 1 && ($8 != "" || $9 != "")' | wc -l)" -eq 0 ]
	# a model with a Gamma-Gamma: dropped, said once
	run --separate-stderr flo-score $CDNOW "$LIFETIMES"
	assert_success
	[ "$stderr" = "flo-score: no monetary field (monetary or monetary_value) in $LIFETIMES: the BG/NBD alone, exp_avg_value and clv are left empty (null in JSON Lines)" ]
	[ "$(echo "$output" | awk -F, 'NR > 1 && $8 == "" && $9 == ""' | wc -l)" -eq 2357 ]
	# flo-score --fit: the same, from the model it fits
	run --separate-stderr flo-score --fit -o jsonl "$LIFETIMES"
	assert_success
	[ "$(echo "$output" | jq -s 'map(select(.clv == null and .p_alive > 0)) | length')" -eq 2357 ]
}

@test "--frequency-field, --recency-field, --T-field, --monetary-field: the same fit and scores" {
	printf 'customer_id,frequency,recency,T,monetary\na,2,30.43,38.86,22.35\nb,0,0,38.86,0\nc,1,5,20,10\nd,4,30,35,14.5\n' > "$TMP/std.csv"
	sed '1s/.*/who,n,last,age,spend/' "$TMP/std.csv" > "$TMP/own.csv"
	flo-fit --no-store "$TMP/std.csv" 2>/dev/null | jq 'del(.created)' > "$TMP/std.json"
	flo-fit --no-store --frequency-field n --recency-field last --T-field age --monetary-field spend "$TMP/own.csv" 2>/dev/null | jq 'del(.created)' > "$TMP/own.json"
	cmp "$TMP/std.json" "$TMP/own.json"
	flo-score $CDNOW "$TMP/std.csv" | cut -d, -f6- > "$TMP/std.out"
	flo-score $CDNOW --frequency-field n --recency-field last --T-field age --monetary-field spend "$TMP/own.csv" | cut -d, -f6- > "$TMP/own.out"
	cmp "$TMP/std.out" "$TMP/own.out"
	# a named field that is absent is the wrong input; an empty name a usage error
	run flo-score $CDNOW --frequency-field n "$TMP/std.csv"
	assert_failure 65
	assert_output 'flo-score: no field "n" in the input: flo-score reads RFM summaries (frequency, recency, T, monetary) as flo-rfm writes them'
	run flo-fit --no-store --T-field age "$TMP/std.csv"
	assert_failure 65
	assert_output "flo-fit: $TMP/std.csv line 2: missing field \"age\""
	run flo-fit --no-store --T-field "" "$TMP/std.csv"
	assert_failure 2
	assert_line --index 0 'flo-fit: option --T-field: empty field name'
	# messages name the field as given
	printf 'who,n,last,age,spend\na,1.5,1,2,3\n' | { run flo-score $CDNOW --frequency-field n --recency-field last --T-field age --monetary-field spend; assert_failure 65; assert_output 'flo-score: input line 2: field "n" is not a whole number >= 0: "1.5"'; }
}

@test "lifetimes' monetary_value is monetary when monetary is absent" {
	printf 'customer_id,frequency,recency,T,monetary\na,2,30.43,38.86,22.35\nb,0,0,38.86,0\nc,1,5,20,10\nd,4,30,35,14.5\n' > "$TMP/std.csv"
	sed '1s/monetary/monetary_value/' "$TMP/std.csv" > "$TMP/lt.csv"
	flo-fit --no-store "$TMP/std.csv" 2>/dev/null | jq 'del(.created)' > "$TMP/std.json"
	flo-fit --no-store "$TMP/lt.csv" 2>/dev/null | jq 'del(.created)' > "$TMP/lt.json"
	cmp "$TMP/std.json" "$TMP/lt.json"
	[ "$(jq '.gamma_gamma.params.p > 0' "$TMP/lt.json")" = true ]
	[ "$(flo-score $CDNOW "$TMP/std.csv" | cut -d, -f6-)" = "$(flo-score $CDNOW "$TMP/lt.csv" | cut -d, -f6-)" ]
	# monetary wins where both are present
	printf 'frequency,recency,T,monetary_value,monetary\n1,5,20,999,10\n' | flo-score $CDNOW -o jsonl > "$TMP/both"
	printf 'frequency,recency,T,monetary\n1,5,20,10\n' | flo-score $CDNOW -o jsonl > "$TMP/one"
	[ "$(jq .clv "$TMP/both")" = "$(jq .clv "$TMP/one")" ]
}

@test "a one-time buyer's empty, NaN or null monetary is 0; with purchases it is a bad record" {
	printf 'customer_id,frequency,recency,T,monetary_value\na,2,30.43,38.86,22.35\nb,0,0,38.86,0\nc,1,5,20,10\nd,0,0,35,0\n' > "$TMP/zero.csv"
	sed -e '3s/,0$/,/' -e '5s/,0$/,NaN/' "$TMP/zero.csv" > "$TMP/nan.csv"
	grep -q '^b,0,0,38.86,$' "$TMP/nan.csv" && grep -q '^d,0,0,35,NaN$' "$TMP/nan.csv"
	flo-fit --no-store "$TMP/zero.csv" 2>/dev/null | jq 'del(.created)' > "$TMP/zero.json"
	flo-fit --no-store "$TMP/nan.csv" 2>/dev/null | jq 'del(.created)' > "$TMP/nan.json"
	cmp "$TMP/zero.json" "$TMP/nan.json"
	[ "$(flo-score $CDNOW "$TMP/zero.csv" | cut -d, -f6-)" = "$(flo-score $CDNOW "$TMP/nan.csv" | cut -d, -f6-)" ]
	printf '{"frequency":0,"recency":0,"T":30,"monetary":null}\n' | flo-score $CDNOW | jq -c 'del(.monetary)' > "$TMP/null"
	printf '{"frequency":0,"recency":0,"T":30,"monetary":0}\n' | flo-score $CDNOW | jq -c 'del(.monetary)' > "$TMP/zero"
	cmp "$TMP/null" "$TMP/zero"
	printf 'frequency,recency,T,monetary\n1,5,20,NaN\n' | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "monetary" is not a number: "NaN"'; }
	printf 'frequency,recency,T,monetary\n1,5,20,\n' | { run flo-fit --no-store; assert_failure 65; assert_output 'flo-fit: input line 2: field "monetary" is not a number: ""'; }
}

@test "time units: undated summaries are in weeks; another model unit needs --unit" {
	printf 'customer_id,frequency,recency,T,monetary\na,2,213,272,22.35\nb,0,0,272,0\n' > "$TMP/days.csv"
	flo-fit --no-store --unit day "$LIFETIMES" 2>/dev/null > "$TMP/day.json"
	[ "$(jq -r .unit "$TMP/day.json")" = day ]
	run flo-score --model "$TMP/day.json" "$TMP/days.csv"
	assert_failure 65
	assert_line --index 0 "flo-score: no Gamma-Gamma model: exp_avg_value and clv are left empty (null in JSON Lines)"
	assert_line --index 1 "flo-score: $TMP/days.csv: the summaries say nothing of their time unit (no first_order and last_order dates, no unit field) and are taken in weeks, but the model's unit is day: give --unit day if they are in days"
	run --separate-stderr flo-score --model "$TMP/day.json" --unit day "$TMP/days.csv"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	# a days summary and a weeks model: --unit day says so and is refused
	flo-fit --no-store "$LIFETIMES" 2>/dev/null > "$TMP/week.json"
	run flo-score --model "$TMP/week.json" --unit day "$TMP/days.csv"
	assert_failure 2
	assert_line --index 0 "flo-score: --unit day, but the model's unit is week: scoring would mix time units (summarise with flo-rfm --unit week)"
	# a unit field: must be the model's
	printf 'customer_id,frequency,recency,T,monetary,unit\na,2,213,272,22.35,day\n' > "$TMP/u.csv"
	run flo-score $CDNOW "$TMP/u.csv"
	assert_failure 65
	assert_output "flo-score: $TMP/u.csv line 2: field \"unit\" is day, but the model's unit is week: scoring would mix time units"
	run --separate-stderr flo-score --model "$TMP/day.json" "$TMP/u.csv"
	assert_success
	printf 'customer_id,frequency,recency,T,monetary,unit\na,2,30.43,38.86,22.35,weeks\n' | { run flo-score $CDNOW; assert_success; }
	printf 'customer_id,frequency,recency,T,monetary,unit\na,2,30.43,38.86,22.35,fortnight\n' | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 2: field "unit" is not a time unit (day, week or month): "fortnight"'; }
	printf '{"frequency":2,"recency":213,"T":272,"monetary":1,"unit":"day"}\n' | { run flo-score $CDNOW; assert_failure 65; assert_output 'flo-score: input line 1: field "unit" is day, but the model'"'"'s unit is week: scoring would mix time units'; }
}

@test "time units in flo-fit: a unit field is the model's unit, and one unit throughout" {
	awk -F, -v OFS=, 'NR == 1 { print $0, "unit"; next } { print $0, "day" }' "$LIFETIMES" > "$TMP/u.csv"
	[ "$(flo-fit --no-store "$TMP/u.csv" 2>/dev/null | jq -r .unit)" = day ]
	run flo-fit --no-store --unit week "$TMP/u.csv"
	assert_failure 65
	assert_output "flo-fit: $TMP/u.csv line 2: field \"unit\" is day, but the fit's unit is week: a fit would mix time units"
	printf 'frequency,recency,T,unit\n1,2,3,day\n1,2,3,week\n' > "$TMP/mix.csv"
	run flo-fit --no-store "$TMP/mix.csv"
	assert_failure 65
	assert_output "flo-fit: $TMP/mix.csv line 3: field \"unit\" is week, but the fit's unit is day: a fit would mix time units"
}
