#!/usr/bin/env bats
# flo-rfm --occasion week|month: calendar-period purchase occasions, as
# lifetimes' summary_data_from_transaction_data(freq="W"/"M").  The expected
# summaries are scripts/golden/occasion_periods.py's output (pandas
# Periods), never flo's.

load test_helper

LOG="$DATA/occasion_periods.csv"

@test "flo-rfm --occasion week: pandas' periods (scripts/golden/occasion_periods.py)" {
	run --separate-stderr flo-rfm --occasion week "$LOG"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order,unit
a,4,10,14,8.6875,7,49.75,2023-12-25,2024-03-04,week
b,2,7,9,7,5,25,2024-01-29,2024-03-18,week
c,0,0,5,0,2,13.5,2024-02-26,2024-02-26,week
d,1,2,4,30,3,50,2024-03-04,2024-03-18,week
e,1,3,3,5,2,55,2024-03-11,2024-04-01,week"
}

@test "flo-rfm --occasion month: pandas' periods (scripts/golden/occasion_periods.py)" {
	run --separate-stderr flo-rfm --occasion month "$LOG"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order,unit
a,3,3,4,11.583333333333334,7,49.75,2023-12-01,2024-03-01,month
b,2,2,3,11,5,25,2024-01-01,2024-03-01,month
c,1,1,2,1.5,2,13.5,2024-02-01,2024-03-01,month
d,0,0,1,0,3,50,2024-03-01,2024-03-01,month
e,1,1,1,5,2,55,2024-03-01,2024-04-01,month"
}

@test "flo-rfm --occasion week --as-of 2024-03-06 --holdout-end 2024-03-20: pandas' periods (scripts/golden/occasion_periods.py)" {
	run --separate-stderr flo-rfm --occasion week --as-of 2024-03-06 --holdout-end 2024-03-20 "$LOG"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order,unit,holdout_purchases,holdout_value,duration_holdout
a,4,10,10,8.6875,7,49.75,2023-12-25,2024-03-04,week,0,0,2
b,0,0,5,0,3,11,2024-01-29,2024-01-29,week,2,14,2
c,0,0,1,0,2,13.5,2024-02-26,2024-02-26,week,0,0,2
d,0,0,0,0,1,9,2024-03-04,2024-03-04,week,2,41,2"
}

@test "flo-rfm --occasion month --as-of 2024-02-15 --holdout-end 2024-04-30: pandas' periods (scripts/golden/occasion_periods.py)" {
	run --separate-stderr flo-rfm --occasion month --as-of 2024-02-15 --holdout-end 2024-04-30 "$LOG"
	assert_success
	assert_output "customer_id,frequency,recency,T,monetary,orders,revenue,first_order,last_order,unit,holdout_purchases,holdout_value,duration_holdout
a,1,1,2,26.5,5,41.5,2023-12-01,2024-01-01,month,2,8.25,2
b,1,1,1,8,3,11,2024-01-01,2024-02-01,month,1,14,2"
}

@test "--occasion week|month: the period is the unit; a contradicting --unit is refused" {
	run flo-rfm --occasion month --unit week "$LOG"
	assert_failure 2
	assert_line --index 0 "flo-rfm: --occasion month counts time in months: not with --unit week"
	run --separate-stderr flo-rfm --occasion week --unit week "$LOG"
	assert_success
	# the store records the period as its unit (tests/flo-rfm-db.bats)
	run flo-rfm --db "$TMP/s.lmdb" --occasion week "$LOG"
	assert_success
	run flo-rfm --db "$TMP/s.lmdb" --unit day --dump
	assert_failure 2
	run flo-rfm --occasion fortnight "$LOG"
	assert_failure 2
}

@test "--occasion month: flo-fit and flo-score take the unit field, not the days between the dates" {
	flo-simulate -n 200 --seed 7 > "$TMP/orders.csv" 2>/dev/null
	flo-rfm --occasion month "$TMP/orders.csv" > "$TMP/m.csv"
	run --separate-stderr flo-fit --db "$TMP/m.lmdb" "$TMP/m.csv"
	assert_success
	[[ "$output" == *'"unit": "month"'* ]]
	run --separate-stderr flo-score --db "$TMP/m.lmdb" "$TMP/m.csv"
	assert_success
	# scored against a model in weeks: refused, the records say months
	flo-rfm --occasion week "$TMP/orders.csv" | flo-fit --db "$TMP/w.lmdb" > /dev/null 2>&1
	run --separate-stderr flo-score --db "$TMP/w.lmdb" "$TMP/m.csv"
	assert_failure 65
	[[ "$stderr" == *'field "unit" is month, but the model'"'"'s unit is week'* ]]
}
