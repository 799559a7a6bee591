#!/usr/bin/env bats
# Properties over random valid order logs (flo-simulate, random seeds and
# parameters): whatever the order in which orders arrive, the pieces they
# arrive in and the formats they pass through (flo-cat), the summaries
# (flo-rfm), the fits (flo-fit) and the scores (flo-score) are the same, to
# the byte, and every number in them is finite.
#
# PROPERTY_RUNS (default 4) sets the number of random logs; PROPERTY_SEED
# fixes the first, to replay a failure (each run prints its settings).

load test_helper

FORMATS=(csv tsv jsonl)

# A random integer in [lo, hi] from $RANDOM (seeded per run).
rnd() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }

# finite FILE: every field of a flo CSV file but ids and dates is a finite
# decimal number (or empty, where flo leaves a value out).
finite() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) skip[i] = ($i == "customer_id" || $i ~ /_order$/); next }
	  { for (i = 1; i <= NF; i++) if (!skip[i] && $i != "" && $i !~ /^-?[0-9]+(\.[0-9]+)?(e[-+][0-9]+)?$/) { print "not finite: line " NR ": " $i; bad++ } }
	  END { exit bad > 0 }' "$1"
}

@test "summaries, fits and scores are the same across orders of arrival, splits and formats" {
	export SOURCE_DATE_EPOCH=1700000000
	runs=${PROPERTY_RUNS:-4}
	RANDOM=${PROPERTY_SEED:-$$}
	for run in $(seq "$runs"); do
		seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
		n=$(rnd 150 400)
		r=0.$(rnd 2 9)$(rnd 0 9); alpha=$(rnd 2 12).$(rnd 0 9)
		a=0.$(rnd 3 9); b=$(rnd 1 5).$(rnd 0 9)
		time=$(pick "" --time)
		gen=$(pick "${FORMATS[@]}")
		settings="run $run: seed $seed, $n customers, r $r alpha $alpha a $a b $b $time, log in $gen"
		echo "# $settings" >&3
		flo-simulate -n "$n" --seed "$seed" --r "$r" --alpha "$alpha" --a "$a" --b "$b" \
			$time -o "$gen" > "$TMP/log" 2> /dev/null
		end=1998-06-30

		# the reference: the log as generated, in CSV
		flo-cat -o csv "$TMP/log" > "$TMP/log.csv"
		flo-rfm --as-of $end "$TMP/log.csv" > "$TMP/ref.rfm"
		flo-fit --no-store "$TMP/ref.rfm" > "$TMP/ref.fit" 2> /dev/null
		flo-score --model "$TMP/ref.fit" "$TMP/ref.rfm" > "$TMP/ref.score" 2> /dev/null
		finite "$TMP/ref.rfm"
		finite "$TMP/ref.score"
		[ "$(records() { echo $(( $(wc -l < "$1") - 1 )); }; records "$TMP/ref.score")" -gt 100 ]
		jq -e '[.bgnbd.params[], .gamma_gamma.params[], .bgnbd.loglik] | all(isinfinite | not)' \
			"$TMP/ref.fit" > /dev/null

		# shuffled, split into pieces, each piece in a format of its own,
		# the pieces joined in another order, then one format for all
		tail -n +2 "$TMP/log.csv" | shuf --random-source=<(yes "$seed") > "$TMP/body"
		pieces=$(rnd 2 5)
		rm -rf "$TMP/pieces"
		mkdir "$TMP/pieces"
		split -n l/"$pieces" -d "$TMP/body" "$TMP/pieces/"
		: > "$TMP/pieces.jsonl"
		for p in $(ls "$TMP"/pieces/* | shuf --random-source=<(yes "$run")); do
			fmt=$(pick "${FORMATS[@]}")
			{ head -1 "$TMP/log.csv"; cat "$p"; } | flo-cat -o "$fmt" > "$p.$fmt"
			flo-cat -o jsonl "$p.$fmt" >> "$TMP/pieces.jsonl"
		done
		in=$(pick "${FORMATS[@]}")
		flo-cat -o "$in" "$TMP/pieces.jsonl" > "$TMP/joined.$in"
		assert_equal "$(flo-cat -o csv "$TMP/joined.$in" | tail -n +2 | sort | md5sum)" \
			"$(sort "$TMP/body" | md5sum)"

		# the same summaries, fit and scores, in any format between the tools
		mid=$(pick "${FORMATS[@]}")
		flo-rfm --as-of $end -o "$mid" "$TMP/joined.$in" > "$TMP/alt.rfm"
		flo-cat -o csv "$TMP/alt.rfm" | cmp - "$TMP/ref.rfm" ||
			fail "summaries differ: $settings, pieces $pieces, joined in $in, summaries in $mid"
		flo-fit --no-store "$TMP/alt.rfm" 2> /dev/null | cmp - "$TMP/ref.fit" ||
			fail "fits differ: $settings, summaries in $mid"
		out=$(pick "${FORMATS[@]}")
		flo-score --model "$TMP/ref.fit" -o "$out" "$TMP/alt.rfm" 2> /dev/null |
			flo-cat -o csv | cmp - "$TMP/ref.score" ||
			fail "scores differ: $settings, summaries in $mid, scores in $out"
		# and flo-score --fit, which fits the same input itself
		flo-score --fit "$TMP/alt.rfm" -o csv 2> /dev/null | cmp - "$TMP/ref.score" ||
			fail "flo-score --fit differs: $settings, summaries in $mid"
	done
}

@test "the number of threads (FLO_THREADS) changes no output: summaries, fits, scores" {
	# 30,000 customers: flo-rfm reads them on a thread a part, flo-fit sums
	# its likelihood in two parts (past 4,096 distinct triples) and formats
	# on a helper; with one thread each part's sums come one after the other.
	export SOURCE_DATE_EPOCH=1700000000
	flo-simulate -n 30000 --seed 21 --r 2 --alpha 8 --a 1 --b 10 > "$TMP/orders.csv"
	for t in 1 2 8; do
		FLO_THREADS=$t flo-rfm --as-of 1998-06-30 "$TMP/orders.csv" > "$TMP/s$t.csv"
		FLO_THREADS=$t flo-fit --no-store "$TMP/s$t.csv" > "$TMP/m$t.json"
		FLO_THREADS=$t flo-score --model "$TMP/m$t.json" "$TMP/s$t.csv" > "$TMP/c$t.csv"
	done
	for t in 2 8; do
		cmp "$TMP/s1.csv" "$TMP/s$t.csv"
		cmp "$TMP/m1.json" "$TMP/m$t.json"
		cmp "$TMP/c1.csv" "$TMP/c$t.csv"
	done
	[ "$(wc -l < "$TMP/s1.csv")" = 30001 ]
	# past the size where the fit splits its sums
	grep -q '"distinct": [0-9][0-9][0-9][0-9][0-9]' "$TMP/m1.json"
}
