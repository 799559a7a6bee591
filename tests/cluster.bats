#!/usr/bin/env bats
# Issue 20: the pipeline in customer parts (flo-part, flo-fit --write-stats /
# --stats, flo-segment --sorted-values / --merge-sorted), run by hand, on a
# Dask cluster of worker processes over the loopback (scripts/flo-dask;
# Debian's python3-distributed, installed by scripts/bootstrap) and under
# GNU parallel (examples/cluster/flo-parallel), against the single-machine
# pipeline: the same summaries (sorted), the same model document, the same
# scores and segments, and the same stored cut points.

load test_helper

export SOURCE_DATE_EPOCH=1700000000
DASK="$ROOT/scripts/flo-dask"
PARALLEL="$ROOT/examples/cluster/flo-parallel"

# The single-machine pipeline on $1 as of $2, into $TMP/one.
single() {
	mkdir -p "$TMP/one"
	flo-rfm --as-of "$2" "$1" > "$TMP/one/summary.csv"
	flo-fit --no-store "$TMP/one/summary.csv" > "$TMP/one/model.json" 2>/dev/null
	flo-score --model "$TMP/one/model.json" "$TMP/one/summary.csv" > "$TMP/one/scored.csv"
	flo-segment --save-cuts default --db "$TMP/one/cuts.lmdb" --print-cuts \
		"$TMP/one/scored.csv" > "$TMP/one/cuts.json"
	flo-segment --cuts default --db "$TMP/one/cuts.lmdb" "$TMP/one/scored.csv" \
		> "$TMP/one/segmented.csv"
}

# The records of a run's part files $2/part*.csv, without headers, sorted,
# against the single machine's file $1 (its header line checked apart).
same_records() {
	local whole=$1 dir=$2
	tail -n +2 "$whole" | sort > "$TMP/want"
	for f in "$dir"/part*.csv; do
		[ -s "$f" ] || continue
		[ "$(head -1 "$f")" = "$(head -1 "$whole")" ] || { echo "header of $f"; return 1; }
		tail -n +2 "$f"
	done | sort > "$TMP/got"
	cmp "$TMP/want" "$TMP/got"
	[ -s "$TMP/want" ]
}

# A run's output folder $1 against $TMP/one.
same_as_single() {
	same_records "$TMP/one/summary.csv" "$1/summary"
	cmp "$TMP/one/model.json" "$1/model.json"
	same_records "$TMP/one/scored.csv" "$1/scored"
	cmp "$TMP/one/cuts.json" "$1/cuts.json"
	same_records "$TMP/one/segmented.csv" "$1/segmented"
}

@test "flo-part: each record in one part, by flo_hash(id) mod N as the README spells it (an independent Python re-implementation), bytes copied" {
	flo-simulate -n 400 --seed 5 > "$TMP/o.csv"
	flo-part -n 5 --prefix "$TMP/p" "$TMP/o.csv"
	for i in 0 1 2 3 4; do
		run flo-part -n 5 --part $i "$TMP/o.csv"
		assert_success
		cmp <(echo "$output") "$TMP/p$i.csv"
		[ "$(head -1 "$TMP/p$i.csv")" = "customer_id,date,amount" ]
	done
	# every line once, unchanged
	cat "$TMP"/p[0-4].csv | grep -v '^customer_id,' | sort > "$TMP/got"
	tail -n +2 "$TMP/o.csv" | sort | cmp - "$TMP/got"
	# the part of each id, from the README's definition
	/usr/bin/python3 - "$TMP" <<-'PY'
	import sys
	M = (1 << 64) - 1
	K = 0x9E3779B97F4A7C15
	def flo_hash(b):
	    h = (len(b) * K) & M
	    while len(b) >= 8:
	        h = ((h ^ int.from_bytes(b[:8], "little")) * K) & M
	        h ^= h >> 29
	        b = b[8:]
	    h = ((h ^ int.from_bytes(b, "little")) * K) & M
	    h ^= h >> 32
	    h = (h * 0xD6E8FEB86659FD93) & M
	    h ^= h >> 32
	    return h
	tmp = sys.argv[1]
	for i in range(5):
	    for line in open("%s/p%d.csv" % (tmp, i)).read().split("\n")[1:-1]:
	        cid = line.split(",")[0].encode()
	        assert flo_hash(cid) % 5 == i, (cid, i)
	PY
	run flo-part -n 3 "$TMP/o.csv"
	assert_failure 2
	assert_output --partial "give one of --part I and --prefix PREFIX"
	run flo-part -n 3 --part 3 "$TMP/o.csv"
	assert_failure 2
	printf 'who,date,amount\nx,2020-01-01,1\n' > "$TMP/noid.csv"
	run flo-part -n 2 --part 0 "$TMP/noid.csv"
	assert_failure 65
	assert_output --partial "noid.csv line 2: no customer id field"
	run flo-part -n 2 --part 0 --id who "$TMP/noid.csv"
	assert_success
}

@test "flo-fit --stats: the parts' statistics fit to the whole's document (CDNOW and generated logs, 1 to 8 parts, any order)" {
	flo-simulate -n 3000 --seed 11 > "$TMP/gen.csv"
	for spec in "$DATA/cdnow.csv 1997-09-30" "$TMP/gen.csv 1998-06-30"; do
		set -- $spec
		flo-rfm --as-of "$2" "$1" > "$TMP/s.csv"
		flo-fit --no-store "$TMP/s.csv" > "$TMP/whole.json" 2>/dev/null
		for n in 1 2 3 8; do
			rm -f "$TMP"/q*.csv "$TMP"/st*.jsonl
			flo-part -n $n --prefix "$TMP/q" "$1"
			for ((i = 0; i < n; i++)); do
				flo-rfm --as-of "$2" "$TMP/q$i.csv" > "$TMP/sum$i.csv"
				flo-fit --write-stats "$TMP/sum$i.csv" > "$TMP/st$i.jsonl"
			done
			ls "$TMP"/st*.jsonl | sort -r | xargs cat | flo-fit --stats --no-store \
				> "$TMP/parts.json" 2>/dev/null
			cmp "$TMP/whole.json" "$TMP/parts.json"
		done
	done
	# CDNOW's published fit, through the parts
	run jq -r '.bgnbd.params.r, .data.customers' "$TMP/parts.json"
	jq -e '.data.customers == 3000' "$TMP/parts.json"
	# statistics cut short, or of two units, are refused
	head -5 "$TMP/st0.jsonl" > "$TMP/cut.jsonl"
	run flo-fit --stats --no-store "$TMP/cut.jsonl"
	assert_failure 65
	assert_output --partial "statistics cut short"
	{ echo '{"row":"part","unit":"day","has_monetary":1,"rows":0}'; cat "$TMP/st0.jsonl"; } \
		> "$TMP/mixed.jsonl"
	run flo-fit --stats --no-store "$TMP/mixed.jsonl"
	assert_failure 65
	assert_output --partial "a fit would mix time units"
	run flo-fit --stats --no-store "$TMP/s.csv"
	assert_failure 65
	run flo-fit --stats --write-stats "$TMP/s.csv"
	assert_failure 2
}

@test "flo-segment --merge-sorted: the parts' sorted values cut to the whole's edges, bit for bit (2 to 100 groups, ties, 1 to 8 parts)" {
	flo-simulate -n 2000 --seed 12 > "$TMP/o.csv"
	flo-rfm --as-of 1998-06-30 "$TMP/o.csv" | flo-score --fit > "$TMP/sc.csv" 2>/dev/null
	for by in T clv; do
		for g in 2 4 7 10; do
			flo-segment --by $by --groups $g --print-cuts "$TMP/sc.csv" > "$TMP/want.json"
			for n in 1 3 8; do
				rm -f "$TMP"/v*.csv
				flo-part -n $n --prefix "$TMP/v" "$TMP/sc.csv"
				for ((i = 0; i < n; i++)); do
					flo-segment --by $by --sorted-values "$TMP/v$i.csv" > "$TMP/r$i.csv"
				done
				flo-segment --merge-sorted --by $by --groups $g --print-cuts \
					"$TMP"/r[0-$((n - 1))].csv > "$TMP/got.json"
				cmp "$TMP/want.json" "$TMP/got.json"
			done
		done
	done
	# frequency: many ties; 100 groups; repeated edges refused alike
	run flo-segment --by frequency --groups 3 --print-cuts "$TMP/sc.csv"
	want=$output
	flo-segment --by frequency --sorted-values "$TMP/sc.csv" > "$TMP/f.csv"
	run flo-segment --merge-sorted --by frequency --groups 3 --print-cuts "$TMP/f.csv"
	assert_equal "$output" "$want"
	flo-segment --by clv --groups 100 --print-cuts "$TMP/sc.csv" > "$TMP/want.json"
	flo-segment --merge-sorted --by clv --groups 100 --print-cuts "$TMP"/r*.csv \
		> "$TMP/got.json"
	cmp "$TMP/want.json" "$TMP/got.json"
	run flo-segment --by frequency --groups 10 --print-cuts "$TMP/sc.csv"
	assert_failure 65
	want=$output
	run flo-segment --merge-sorted --by frequency --groups 10 --print-cuts "$TMP/f.csv"
	assert_failure 65
	assert_equal "$output" "$want"
	# a run out of order is refused
	printf 'clv\n2\n1\n' > "$TMP/bad.csv"
	run flo-segment --merge-sorted --print-cuts "$TMP/bad.csv"
	assert_failure 65
	assert_output --partial "bad.csv: line 3: 1 after 2: not ascending"
	run flo-segment --merge-sorted "$TMP/bad.csv"
	assert_failure 2
}

@test "flo-dask on a local cluster of 2 worker processes (loopback): CDNOW and generated logs, 1 to 8 parts, equal to the single machine" {
	flo-simulate -n 1500 --seed 13 > "$TMP/gen.csv"
	single "$DATA/cdnow.csv" 1997-09-30
	"$DASK" --local 2 --parts 3 --as-of 1997-09-30 --out "$TMP/cdnow" "$DATA/cdnow.csv"
	same_as_single "$TMP/cdnow"
	rm -rf "$TMP/one"
	# the log cut into three input files (as days' logs would be)
	head -1 "$TMP/gen.csv" > "$TMP/in1.csv"; cp "$TMP/in1.csv" "$TMP/in2.csv"
	cp "$TMP/in1.csv" "$TMP/in3.csv"
	tail -n +2 "$TMP/gen.csv" | awk -v d="$TMP" 'NR % 3 == 0 { print >> d "/in1.csv"; next }
		NR % 3 == 1 { print >> d "/in2.csv"; next } { print >> d "/in3.csv" }'
	single "$TMP/gen.csv" 1998-06-30
	"$DASK" --local 2 --parts 8 --as-of 1998-06-30 --out "$TMP/gen8" \
		"$TMP/in1.csv" "$TMP/in2.csv" "$TMP/in3.csv"
	same_as_single "$TMP/gen8"
	"$DASK" --local 2 --parts 1 --as-of 1998-06-30 --out "$TMP/gen1" "$TMP/gen.csv"
	same_as_single "$TMP/gen1"
}

@test "flo-dask on a scheduler and 2 workers started apart (dask scheduler, dask worker): a worker killed mid-run, its tasks run again, the same result" {
	flo-simulate -n 1000 --seed 14 > "$TMP/gen.csv"
	single "$TMP/gen.csv" 1998-06-30
	dask scheduler --host 127.0.0.1 --port 0 --dashboard-address :0 --no-show \
		--scheduler-file "$TMP/sched.json" > "$TMP/sched.log" 2>&1 &
	echo $! > "$TMP/pids"
	for _ in $(seq 100); do [ -s "$TMP/sched.json" ] && break; sleep 0.1; done
	for w in 1 2; do
		dask worker --scheduler-file "$TMP/sched.json" --nthreads 1 --no-dashboard \
			--host 127.0.0.1 > "$TMP/worker$w.log" 2>&1 &
		echo $! >> "$TMP/pids"
	done
	address=$(jq -r .address "$TMP/sched.json")
	[[ $address == tcp://127.0.0.1:* ]]
	# the rfm task that runs first kills its worker process (SIGKILL)
	FLO_DASK_KILL="rfm:$TMP/killed" "$DASK" --scheduler "$address" --parts 4 \
		--as-of 1998-06-30 --out "$TMP/run" "$TMP/gen.csv"
	kill $(cat "$TMP/pids") 2>/dev/null || true
	grep -q '^rfm ' "$TMP/killed"
	same_as_single "$TMP/run"
	# the worker's process was gone: the nanny said so
	cat "$TMP"/worker*.log | grep -qi "restart\|died\|exit"
}

@test "examples/cluster/flo-parallel: the stages under GNU parallel (--pipepart blocks), equal to the single machine" {
	flo-simulate -n 1200 --seed 15 > "$TMP/gen.csv"
	single "$TMP/gen.csv" 1998-06-30
	FLO_BLOCK=20k run "$PARALLEL" -j 2 -n 5 -a 1998-06-30 -o "$TMP/par" "$TMP/gen.csv"
	assert_success
	[ "$(ls "$TMP/par/split" | wc -l)" -gt 5 ] # several blocks, five pieces each
	same_as_single "$TMP/par"
}

teardown() {
	[ -f "$TMP/pids" ] && kill $(cat "$TMP/pids") 2>/dev/null
	rm -rf "$TMP"
}
