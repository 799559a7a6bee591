#!/usr/bin/env bats
# The lifetimes 0.11.3 fits that `make bench` times flo-fit against
# (scripts/lifetimes_fits.py, run by scripts/bench-lifetimes.py) are fits:
# scripts/check-lifetimes.py compares each with flo-fit's estimates and with
# the published ones (Fader, Hardie & Lee 2005a and 2005b on CDNOW, Fader,
# Hardie & Shang 2010 on the donations data; the values are in the script).
# lifetimes itself, where python3 imports it (no Debian package: a pip
# install, or its sources on PYTHONPATH), gives CDNOW's estimates to the
# bench (bench-lifetimes.py --installed) and flo-rfm's summaries
# (scripts/check-lifetimes-summaries.py); skipped without it.  All are
# skipped without Debian's python3-scipy and python3-pandas, which
# scripts/bootstrap does not install: CI skips them.

load test_helper

needs_scipy() {
	/usr/bin/python3 -c 'import scipy, pandas' 2> /dev/null || skip "no python3-scipy and python3-pandas"
}

@test "lifetimes' four purchase-model fits, as the bench runs them: flo-fit's and the papers' estimates" {
	needs_scipy
	run --separate-stderr /usr/bin/python3 "$ROOT/scripts/check-lifetimes.py"
	assert_success
	assert_line "all agree"
	refute_output --partial MISMATCH
	# four models, four parameters and the log-likelihood each
	[ "$(grep -c '^  [a-z]* *[a-z]* *lifetimes .* flo-fit .* rel. diff' <<< "$output")" = 20 ]
	assert_line --regexp '^  pnbd +r +lifetimes 0\.553[0-9]* .* FHL 2005b 0\.55$'
	assert_line --regexp '^  bgbb +delta +lifetimes 2\.783[0-9]* .* FHS 2010 2\.783$'
}

@test "bench-lifetimes.py: the BG/NBD and Gamma-Gamma line of the fit bench, unchanged" {
	needs_scipy
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" > "$TMP/s.csv" 2> /dev/null
	run --separate-stderr /usr/bin/python3 "$ROOT/scripts/bench-lifetimes.py" "$TMP/s.csv"
	assert_success
	# seconds, seconds, then FHL 2005a's r, alpha, a, b and Fader & Hardie
	# 2013's p, q, v, to their printed digits
	awk '{ exit !(NF == 9 && $1 > 0 && $2 > 0) }' <<< "$output"
	[ "$(awk '{ printf "%.3f %.3f %.3f %.3f %.2f %.2f %.2f", $3, $4, $5, $6, $7, $8, $9 }' <<< "$output")" = \
		"0.243 4.414 0.793 2.426 6.25 3.74 15.44" ]
}

@test "bench-lifetimes.py --model: a fit is one line of estimates, a failure is said as such" {
	needs_scipy
	run --separate-stderr /usr/bin/python3 "$ROOT/scripts/bench-lifetimes.py" --model bgbb \
		--T-field periods --weight weights "$DATA/donations.csv"
	assert_success
	# ok SECONDS LOGLIK alpha beta gamma delta: FHS 2010's estimates
	[ "$(awk '{ printf "%s %.1f %.3f %.3f %.3f %.3f", $1, $3, $4, $5, $6, $7 }' <<< "$output")" = \
		"ok -33225.6 1.204 0.750 0.657 2.783" ]
	# the FLO file, where the BG/NBD's maximum is at a boundary: lifetimes'
	# BFGS stops without converging and lifetimes raises ConvergenceError
	flo-rfm --as-of 2021-06-01 "$ROOT/examples/flo_data_20k.csv" > "$TMP/flo.csv"
	run --separate-stderr /usr/bin/python3 "$ROOT/scripts/bench-lifetimes.py" --model bgnbd "$TMP/flo.csv"
	assert_success
	assert_output --regexp "^failed [0-9.]+ ConvergenceError \(scipy's BFGS: .*\)$"
	[ "$stderr" = "" ]
}

@test "bench-lifetimes.py --installed: lifetimes itself, where python3 imports it, gives CDNOW's published estimates" {
	needs_scipy
	flo-rfm --as-of 1997-09-30 "$DATA/cdnow.csv" > "$TMP/s.csv" 2> /dev/null
	run --separate-stderr /usr/bin/python3 "$ROOT/scripts/bench-lifetimes.py" --installed "$TMP/s.csv"
	if ! /usr/bin/python3 -c 'import lifetimes' 2> /dev/null; then
		# not installed (lifetimes and autograd are no Debian packages):
		# said, with its own exit status, for the bench to fall back on
		assert_failure 3
		assert_output ""
		[[ $stderr == "bench-lifetimes.py: lifetimes is not installed: "* ]]
		skip "lifetimes is not installed"
	fi
	assert_success
	# seconds, seconds, FHL 2005a's r, alpha, a, b and Fader & Hardie 2013's
	# p, q, v to their printed digits, then lifetimes' version
	awk '{ exit !(NF == 10 && $1 > 0 && $2 > 0) }' <<< "$output"
	[ "$(awk '{ printf "%.3f %.3f %.3f %.3f %.2f %.2f %.2f", $3, $4, $5, $6, $7, $8, $9 }' <<< "$output")" = \
		"0.243 4.414 0.793 2.426 6.25 3.74 15.44" ]
}

@test "flo-rfm's summaries are lifetimes' own, where python3 imports lifetimes: 40 random logs, days, weeks, months, holdouts" {
	needs_scipy
	/usr/bin/python3 -c 'import lifetimes' 2> /dev/null || skip "lifetimes is not installed"
	run --separate-stderr /usr/bin/python3 "$ROOT/scripts/check-lifetimes-summaries.py"
	assert_success
	assert_line "all agree"
	refute_output --partial MISMATCH
	assert_line --regexp '^40 logs, [0-9]{5} values compared with lifetimes'"'"' summaries$'
}
