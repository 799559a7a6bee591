#!/usr/bin/env bats
# Numerics at the corners of the parameter space (issue 15, item 6): expected
# purchases for alpha -> 0 and r -> infinity, as what-if scoring and penalised
# boundary fits give them.  Golden values: scripts/golden/bgnbd_extreme.py
# (mpmath at 50 digits, the integral form of FHL 2005 eq. (10) as a sum of
# positive parts, cross-checked with mpmath.hyp2f1).

load test_helper

SUMMARY=customer_id,frequency,recency,T,monetary

# score PARAMS: exp_purchases_12 of a new customer (x = t_x = T = 0)
score() {
	printf '%s\nnew,0,0,0,0\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score --bgnbd "$1" --horizon 12 "$TMP/in.csv"
	assert_success
	echo "$output" | awk -F, 'NR == 2 { print $7 }'
}

# near GOT WANT: within 1e-12 relative
near() {
	awk -v g="$1" -v w="$2" 'BEGIN { d = (g - w) / w; if (d < 0) d = -d
		print d <= 1e-12 ? "ok" : "bad: " g ", want " w }'
}

@test "alpha = 1e-15, 0.5 < a < 1: 189.0797, not 193.5" {
	got=$(score 1,1e-15,0.9,0.5)
	run near "$got" 189.07970812402488354
	assert_output ok
}

@test "alpha = 1e-12: every digit, not a relative error of 3e-5" {
	got=$(score 1,1e-12,0.9,0.5)
	run near "$got" 92.769084784237370858
	assert_output ok
}

@test "r = 1e15, alpha = 1e-15: 6413.94, not 2.25e15" {
	got=$(score 1e15,1e-15,0.9,0.5)
	run near "$got" 6413.9445370909260942
	assert_output ok
}

@test "alpha the smallest subnormal: 1.3072e33, finite and exact" {
	got=$(score 1,4.9406564584124654e-324,0.9,0.5)
	run near "$got" 1.3072485474688382850e+33
	assert_output ok
}

@test "a value beyond DBL_MAX is a bad record, never a wrong finite number" {
	printf '%s\nnew,0,0,0,0\n' "$SUMMARY" > "$TMP/in.csv"
	run --separate-stderr flo-score --bgnbd 1,4.9406564584124654e-324,0.02,1 --horizon 1e6 "$TMP/in.csv"
	assert_failure 65
	assert_equal "$output" ""
	[[ "$stderr" == *"in.csv line 2: exp_purchases_1e6 overflows a double for frequency 0, recency 0, T 0, monetary 0: values too large to score" ]]
}
