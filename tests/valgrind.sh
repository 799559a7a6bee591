#!/bin/sh
# Run a representative set of command lines under valgrind's memcheck: every
# tool, every input format, the store, bad input with --rejects, and the
# error exits.  Any invalid access, use of uninitialised memory, or leak
# (definite or indirect) fails the run.  Not part of `make test` (a few
# minutes); run it by hand after `make`:  tests/valgrind.sh [BIN]
#
# The last line is "N passed, N failed", as scripts/run-tests prints.
set -u
cd "$(dirname "$0")/.."
BIN=${1:-bin}
command -v valgrind > /dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }
PATH="$(cd "$BIN" && pwd):$PATH"
export PATH LC_ALL=C SOURCE_DATE_EPOCH=1700000000
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export FLO_DB="$T/flo.lmdb"
passed=0
failed=0

# vg EXPECTED-STATUS COMMAND...: COMMAND under memcheck, stdin from $IN.
IN=/dev/null
vg() {
	want=$1
	shift
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
		--log-file="$T/vg.log" "$@" < "$IN" > "$T/out" 2> "$T/err"
	got=$?
	if [ "$got" -eq "$want" ] && ! [ -s "$T/vg.log" ]; then
		passed=$((passed + 1))
		echo "ok - $*"
	else
		failed=$((failed + 1))
		echo "not ok - $* (exit $got, want $want)"
		sed 's/^/#   /' "$T/vg.log" "$T/err" | head -40
	fi
}

D=tests/data
CDNOW="--bgnbd 0.243,4.414,0.793,2.426 --gg 6.25,3.74,15.44"
flo-simulate -n 300 --seed 9 > "$T/orders.csv" 2> /dev/null
flo-rfm "$T/orders.csv" > "$T/s.csv"
flo-score $CDNOW "$T/s.csv" > "$T/scored.csv" 2> /dev/null
flo-cat -o jsonl "$T/s.csv" > "$T/s.jsonl"
flo-cat -o tsv "$T/orders.csv" > "$T/orders.tsv"
printf 'customer_id,date,amount\nc1,2021-01-01,10\nc2,2021-02-30,5\nc3,2021-01-02,nan\n"c4,2021-01-03,1\n' > "$T/bad.csv"
printf '{"customer_id":"c1","frequency":1,"recency":1,"T":5,"monetary":10}\n[1]\n{"customer_id":"c2","frequency":-1,"recency":0,"T":1,"monetary":0}\n' > "$T/bad.jsonl"

vg 0 flo-simulate -n 50 --seed 3 --time -o jsonl
vg 0 flo-cat -o jsonl "$T/orders.csv"
vg 0 flo-cat -o csv "$T/orders.tsv"
vg 0 flo-cat --rejects "$T/rej" "$T/bad.csv"
vg 65 flo-cat -o jsonl "$T/bad.jsonl"
vg 0 flo-rfm "$T/orders.tsv"
vg 0 flo-rfm --as-of 1998-01-01 --holdout-end 1998-06-30 --keep amount "$T/orders.csv"
vg 0 flo-rfm --cap-outliers examples/flo_data_20k.csv
# the threads: flo-rfm formats 70,000 summaries on two; flo-fit sums the FLO
# file's 19,790 triples on two and finds its boundary
flo-simulate -n 70000 --seed 5 > "$T/many.csv"
vg 0 flo-rfm "$T/many.csv"
flo-rfm --as-of 2021-06-01 examples/flo_data_20k.csv > "$T/flo.csv"
vg 0 flo-fit --no-store "$T/flo.csv"
vg 0 flo-rfm --rejects "$T/rej" "$T/bad.csv"
vg 65 flo-rfm "$T/bad.csv"
vg 0 flo-rfm --db "$T/rfm.lmdb" --order-id amount "$T/orders.csv"
vg 0 flo-rfm --db "$T/rfm.lmdb" --dump
vg 0 flo-fit "$T/s.csv"
vg 0 flo-fit --no-store --model-out "$T/m.json" "$T/s.jsonl"
vg 0 flo-fit --no-store --rejects "$T/rej" "$T/bad.jsonl"
vg 0 flo-score "$T/s.csv"
vg 0 flo-score --model "$T/m.json" -o jsonl "$T/s.jsonl"
vg 0 flo-score --fit "$T/s.csv"
IN="$T/s.csv" vg 0 flo-score --fit --horizon 1,52 --clv-months 12
vg 65 flo-score --model "$D/score_model.json" "$T/bad.jsonl"
vg 0 flo-segment "$T/scored.csv"
vg 0 flo-segment --rfm --monetary revenue "$T/scored.csv"
vg 0 flo-segment --rfm --monetary revenue --summary -o jsonl "$T/scored.csv"
vg 0 flo-segment --save-cuts c "$T/scored.csv"
vg 0 flo-segment --cuts c -o jsonl "$T/scored.csv"
vg 0 flo-segment --print-cuts --cuts c
vg 2 flo-segment --cuts missing "$T/scored.csv"
vg 66 flo-cat "$T"
vg 2 flo-score --horizon 12x "$T/s.csv"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
