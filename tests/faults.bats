#!/usr/bin/env bats
# Faults around the tools: a full disk under stdout, a reader that goes
# away, inputs that cannot be read, a store that cannot be written, a disk
# that fills while the store is written (at every stage of the write, by an
# LD_PRELOAD shim; and for real, on a small tmpfs mounted in a private mount
# namespace where that is allowed), and SIGTERM in the middle of a store
# write.  The last committed state of the store always survives.
#
# Root reads and writes whatever the permissions say: the permission tests
# drop to nobody with setpriv(1).
#
# Closed pipes: a tool still writing when the reader exits (`| head -1`)
# dies of SIGPIPE without a word, as cat does: with `set -o pipefail` the
# pipeline's status is then 141 (128 + SIGPIPE).  A tool that wrote all of
# its output into the pipe's buffer before the reader exited ends normally:
# status 0.  Both are quiet.

load test_helper

SUMMARY=customer_id,frequency,recency,T,monetary
CDNOW="--bgnbd 0.243,4.414,0.793,2.426 --gg 6.25,3.74,15.44"

# An LD_PRELOAD shim over write(2), pwrite(2) and writev(2) for files whose
# path ends in $FLO_SHIM_FILE (LMDB's data.mdb):
#   FLO_SHIM_SHORT=1    with FLO_SHIM_ENOSPC: past the N bytes a write is
#                       short instead (it returns fewer bytes than asked and
#                       writes none), as a real full disk ends a write of
#                       many pages, and statvfs(3) says no block is free;
#   FLO_SHIM_ENOSPC=N   after N bytes, every write fails with ENOSPC (a disk
#                       that fills up);
#   FLO_SHIM_STALL=PATH at the first write, create PATH and sleep, so that a
#                       signal can be sent in the middle of a store write.
# LMDB is a shared library, so its writes go through the shim.
build_shim() {
	command -v cc > /dev/null || skip "no C compiler for the LD_PRELOAD shim"
	cat > "$TMP/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

static long budget = -1;

static int fail(int fd, size_t n)
{
	const char *want = getenv("FLO_SHIM_FILE"), *stall = getenv("FLO_SHIM_STALL");
	char link[64], path[4096];
	if (want == NULL)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t k = readlink(link, path, sizeof path - 1);
	size_t w = strlen(want);
	if (k < 0 || (size_t)k < w)
		return 0;
	path[k] = '\0';
	if (strcmp(path + k - w, want) != 0)
		return 0;
	if (stall != NULL) {
		close(open(stall, O_WRONLY | O_CREAT, 0644));
		sleep(60);
	}
	if (getenv("FLO_SHIM_ENOSPC") == NULL)
		return 0;
	if (budget < 0)
		budget = atol(getenv("FLO_SHIM_ENOSPC"));
	if ((long)n <= budget) {
		budget -= (long)n;
		return 0;
	}
	errno = ENOSPC;
	return getenv("FLO_SHIM_SHORT") != NULL ? 2 : 1;
}

/* A failed write: -1 (ENOSPC), or with FLO_SHIM_SHORT a short count. */
static ssize_t failed(int how, size_t n)
{
	return how == 2 && n > 1 ? (ssize_t)(n / 2) : -1;
}

typedef int (*statvfs_fn)(const char *, struct statvfs *);

int statvfs(const char *path, struct statvfs *st)
{
	static statvfs_fn real;
	if (!real)
		real = (statvfs_fn)dlsym(RTLD_NEXT, "statvfs");
	int rc = real(path, st);
	if (rc == 0 && getenv("FLO_SHIM_SHORT") != NULL && budget == 0)
		st->f_bavail = st->f_bfree = 0;
	return rc;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

ssize_t write(int fd, const void *p, size_t n)
{
	static write_fn real;
	if (!real)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	int how = fail(fd, n);
	return how ? failed(how, n) : real(fd, p, n);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	static pwrite_fn real;
	if (!real)
		real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
	int how = fail(fd, n);
	return how ? failed(how, n) : real(fd, p, n, off);
}

ssize_t writev(int fd, const struct iovec *v, int cnt)
{
	static writev_fn real;
	size_t n = 0;
	if (!real)
		real = (writev_fn)dlsym(RTLD_NEXT, "writev");
	for (int i = 0; i < cnt; i++)
		n += v[i].iov_len;
	int how = fail(fd, n);
	return how ? failed(how, n) : real(fd, v, cnt);
}
EOF
	cc -shared -fPIC -o "$TMP/shim.so" "$TMP/shim.c" -ldl
	# a sanitizer build wants its runtime first; the shim only wraps writes
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

summaries() {
	flo-simulate --customers "$1" --seed "$2" 2> /dev/null | flo-rfm
}

# ---- stdout ----

@test "stdout on a full disk (/dev/full): exit 74 and a message, for every tool" {
	summaries 200 1 > "$TMP/s.csv"
	flo-score $CDNOW "$TMP/s.csv" > "$TMP/scored.csv" 2> /dev/null
	flo-simulate --customers 20 --seed 1 > "$TMP/orders.csv"
	for cmd in "flo-cat $TMP/orders.csv" "flo-rfm $TMP/orders.csv" "flo-fit --no-store $TMP/s.csv" \
		"flo-score $CDNOW $TMP/s.csv" "flo-segment $TMP/scored.csv" \
		"flo-segment --summary $TMP/scored.csv" "flo-segment --print-cuts $TMP/scored.csv" \
		"flo-simulate --customers 10 --seed 1" "flo-cat -o jsonl $TMP/orders.csv" \
		"flo-cat --version" "flo-fit --help"; do
		run --separate-stderr $cmd
		assert_success
		run --separate-stderr bash -c "exec $cmd > /dev/full"
		assert_failure 74
		assert_equal "$(tail -n 1 <<< "$stderr")" "${cmd%% *}: write error: No space left on device"
	done
}

@test "stdout closed (>&-): exit 74 for every tool; no file a tool opens becomes its stdout" {
	summaries 200 1 > "$TMP/s.csv"
	flo-score $CDNOW "$TMP/s.csv" > "$TMP/scored.csv" 2> /dev/null
	flo-simulate --customers 20 --seed 1 > "$TMP/orders.csv"
	for cmd in "flo-cat $TMP/orders.csv" "flo-rfm $TMP/orders.csv" "flo-fit --no-store $TMP/s.csv" \
		"flo-score $CDNOW $TMP/s.csv" "flo-segment $TMP/scored.csv" \
		"flo-simulate --customers 10 --seed 1" "flo-cat --version"; do
		run --separate-stderr bash -c "exec $cmd >&-"
		assert_failure 74
		assert_equal "$(tail -n 1 <<< "$stderr")" "${cmd%% *}: write error: Bad file descriptor"
	done
	# the live mode opens its store's lock files: none of them may take the
	# records, and the store stays usable by the next writer
	run --separate-stderr bash -c "exec flo-rfm --db $TMP/st $TMP/orders.csv >&-"
	assert_failure 74
	for f in "$TMP"/st/*; do ! grep -q customer_id "$f"; done
	run flo-rfm --db "$TMP/st" --dump
	assert_success
	# a closed stdin is a read error, not an empty input
	run --separate-stderr bash -c "exec flo-cat <&-"
	assert_failure 74
}

@test "a rejects file on a full disk: exit 74, and no claim that the records were kept" {
	printf 'a,b\n1\n2,3\n' > "$TMP/in.csv"
	for tool in flo-cat "flo-rfm --id a --date b --amount a"; do
		run --separate-stderr $tool --rejects /dev/full "$TMP/in.csv"
		assert_failure 74
		assert_equal "$stderr" "${tool%% *}: cannot write rejects to /dev/full: No space left on device"
	done
}

@test "a closed pipe (| head -1): quiet; status 141 under pipefail while writing, else 0" {
	summaries 3000 2 > "$TMP/s.csv"
	flo-simulate --customers 3000 --seed 2 > "$TMP/orders.csv" 2> /dev/null
	flo-score $CDNOW "$TMP/s.csv" > "$TMP/scored.csv" 2> /dev/null
	[ "$(wc -c < "$TMP/orders.csv")" -gt 200000 ]
	set -o pipefail
	for cmd in "flo-cat $TMP/orders.csv" "flo-rfm $TMP/orders.csv" "flo-score $CDNOW $TMP/s.csv" \
		"flo-segment $TMP/scored.csv" "flo-simulate --customers 3000 --seed 2" \
		"flo-cat -o jsonl $TMP/orders.csv"; do
		run bash -c "set -o pipefail; $cmd 2> '$TMP/err' | head -1"
		assert_equal "$status" 141
		assert_equal "$(lines=$(grep -cv 'scored at monetary 0' "$TMP/err"); echo $lines)" 0
	done
	# all of its output in the pipe before head exits: status 0
	run bash -c "set -o pipefail; flo-cat '$DATA/orders_small.csv' 2> '$TMP/err' | head -1"
	assert_success
	assert_output "customer_id,date,amount,channel"
	[ ! -s "$TMP/err" ]
}

# ---- inputs that cannot be read ----

@test "an unreadable input: exit 66 naming it (a directory, no permission, missing)" {
	mkdir "$TMP/dir"
	for tool in flo-cat flo-rfm "flo-fit --no-store" "flo-score $CDNOW" flo-segment; do
		run $tool "$TMP/dir"
		assert_failure 66
		assert_output "${tool%% *}: cannot read $TMP/dir: Is a directory"
		run $tool "$TMP/missing.csv"
		assert_failure 66
		assert_output "${tool%% *}: cannot open $TMP/missing.csv: No such file or directory"
	done
	run flo-score --model "$TMP/dir" "$DATA/score_cdnow.csv"
	assert_failure 66
	assert_output "flo-score: cannot read model $TMP/dir: Is a directory"
	# permissions do not hold for root: read as nobody
	command -v setpriv > /dev/null || skip "no setpriv to drop root's privileges"
	cp "$DATA/orders_small.csv" "$TMP/secret.csv"
	chmod 000 "$TMP/secret.csv"
	chmod 755 "$TMP"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v flo-rfm)" "$TMP/secret.csv"
	assert_failure 66
	assert_output "flo-rfm: cannot open $TMP/secret.csv: Permission denied"
}

# ---- the store ----

@test "a read-only store directory: flo-fit and flo-segment --save-cuts exit 74; the store is unchanged" {
	command -v setpriv > /dev/null || skip "no setpriv to drop root's privileges"
	summaries 300 3 > "$TMP/s.csv"
	flo-score $CDNOW "$TMP/s.csv" > "$TMP/scored.csv" 2> /dev/null
	flo-fit --db "$TMP/ro" "$TMP/s.csv" > "$TMP/model.json" 2> /dev/null
	chmod 755 "$TMP"
	chmod 555 "$TMP/ro"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v "$1")" "${@:2}"; }
	run as_nobody flo-fit --db "$TMP/ro" "$TMP/s.csv"
	assert_failure 74
	assert_line "flo-fit: store $TMP/ro: $TMP/ro: store is not writable: cannot create $TMP/ro/writer.lock: Permission denied"
	run as_nobody flo-segment --save-cuts c --db "$TMP/ro" "$TMP/scored.csv"
	assert_failure 74
	assert_output "flo-segment: store $TMP/ro: $TMP/ro: store is not writable: cannot create $TMP/ro/writer.lock: Permission denied"
	# --no-store fits without it; the stored model is still the first
	run --separate-stderr as_nobody flo-fit --no-store "$TMP/s.csv"
	assert_success
	run --separate-stderr flo-score --db "$TMP/ro" "$TMP/s.csv"
	assert_success
	[ "$output" = "$(flo-score --model "$TMP/model.json" "$TMP/s.csv" 2> /dev/null)" ]
}

@test "the disk fills while the store is written: exit 74, and the store holds the last committed model" {
	build_shim
	summaries 300 4 > "$TMP/a.csv"
	summaries 300 5 > "$TMP/b.csv"
	flo-fit --db "$TMP/st" --model-out "$TMP/a.json" "$TMP/a.csv" > /dev/null 2>&1
	flo-fit --no-store --model-out "$TMP/b.json" "$TMP/b.csv" > /dev/null 2>&1
	score_a=$(flo-score --model "$TMP/a.json" "$TMP/a.csv" 2> /dev/null)
	score_b=$(flo-score --model "$TMP/b.json" "$TMP/a.csv" 2> /dev/null)
	[ "$score_a" != "$score_b" ]
	failed=0
	for bytes in 0 100 4096 8192 12288 16384 1000000; do
		cp -r "$TMP/st" "$TMP/st.$bytes"
		run --separate-stderr env LD_PRELOAD="$TMP/shim.so" FLO_SHIM_FILE=/data.mdb \
			FLO_SHIM_ENOSPC=$bytes flo-fit --db "$TMP/st.$bytes" "$TMP/b.csv"
		if [ "$status" -ne 0 ]; then
			assert_equal "$status" 74
			assert_equal "$(tail -n 1 <<< "$stderr")" "flo-fit: store $TMP/st.$bytes: $TMP/st.$bytes: cannot commit: No space left on device"
			want=$score_a
			failed=$((failed + 1))
		else
			want=$score_b
		fi
		# the store opens, and holds one whole model: the old or the new
		run --separate-stderr flo-score --db "$TMP/st.$bytes" "$TMP/a.csv"
		assert_success
		[ "$output" = "$want" ]
	done
	[ "$failed" -ge 3 ]
	# cut points likewise
	flo-score $CDNOW "$TMP/a.csv" > "$TMP/scored.csv" 2> /dev/null
	flo-segment --save-cuts c --db "$TMP/st" "$TMP/scored.csv" > /dev/null
	run --separate-stderr env LD_PRELOAD="$TMP/shim.so" FLO_SHIM_FILE=/data.mdb FLO_SHIM_ENOSPC=0 \
		flo-segment --groups 2 --save-cuts c --db "$TMP/st" "$TMP/scored.csv"
	assert_failure 74
	assert_equal "$stderr" "flo-segment: store $TMP/st: $TMP/st: cannot commit: No space left on device"
	run flo-segment --print-cuts --cuts c --db "$TMP/st"
	assert_success
	assert_output --partial '"groups":4'
}

@test "a real full disk (a small tmpfs): exit 74, and the store holds the last committed model" {
	command -v unshare > /dev/null || skip "no unshare for a private mount"
	unshare -m mount -t tmpfs -o size=64k tmpfs "$TMP" 2> /dev/null || skip "cannot mount a tmpfs here"
	summaries 300 8 > "$TMP/a.csv"
	summaries 300 9 > "$TMP/b.csv"
	flo-fit --no-store --model-out "$TMP/a.json" "$TMP/a.csv" > /dev/null 2>&1
	# in a mount namespace of its own, so that nothing stays mounted
	run --separate-stderr unshare -m sh -c '
		set -e
		mkdir "$1/disk"
		mount -t tmpfs -o size=160k tmpfs "$1/disk"
		flo-fit --db "$1/disk/st" "$1/a.csv" > /dev/null 2>&1
		head -c 1000000 /dev/zero > "$1/disk/filler" 2> /dev/null || true
		status=0
		flo-fit --db "$1/disk/st" "$1/b.csv" > /dev/null 2> "$1/err" || status=$?
		echo "$status $(tail -n 1 "$1/err")"
		flo-score --db "$1/disk/st" "$1/a.csv" > "$1/scores"
	' sh "$TMP"
	assert_success
	assert_output "74 flo-fit: store $TMP/disk/st: $TMP/disk/st: cannot commit: No space left on device"
	[ "$(cat "$TMP/scores")" = "$(flo-score --model "$TMP/a.json" "$TMP/a.csv" 2> /dev/null)" ]
}

# Issue 15: a full disk under flo-rfm --db was "Input/output error": LMDB
# says EIO for a short write, which is how a full disk ends a write of many
# pages.  The shim makes the writes short and statvfs(3) report no room, as
# the real full disk below does where a tmpfs can be mounted.
@test "a full disk under flo-rfm --db (short writes): exit 74, \"No space left on device\"; the store keeps what was committed" {
	build_shim
	flo-simulate --customers 2000 --seed 3 > "$TMP/orders.csv" 2> /dev/null
	head -n 200 "$TMP/orders.csv" > "$TMP/first.csv"
	flo-rfm --db "$TMP/st" "$TMP/first.csv" > /dev/null
	flo-rfm --db "$TMP/st" --dump > "$TMP/first.dump"
	run --separate-stderr env LD_PRELOAD="$TMP/shim.so" FLO_SHIM_FILE=/data.mdb FLO_SHIM_ENOSPC=0 \
		FLO_SHIM_SHORT=1 flo-rfm --db "$TMP/st" "$TMP/orders.csv"
	assert_failure 74
	assert_output ""
	[ "${stderr_lines[-1]}" = "flo-rfm: $TMP/st: cannot commit: No space left on device" ]
	run --separate-stderr flo-rfm --db "$TMP/st" --dump
	assert_success
	[ "$output" = "$(cat "$TMP/first.dump")" ]
}

@test "a real full disk under flo-rfm --db: exit 74 saying so, and the store keeps what was committed" {
	command -v unshare > /dev/null || skip "no unshare for a private mount"
	unshare -m mount -t tmpfs -o size=64k tmpfs "$TMP" 2> /dev/null || skip "cannot mount a tmpfs here"
	flo-simulate --customers 20000 --seed 3 > "$TMP/orders.csv" 2> /dev/null
	run --separate-stderr unshare -m sh -c '
		mkdir "$1/disk"
		mount -t tmpfs -o size=300k tmpfs "$1/disk"
		status=0
		flo-rfm --db "$1/disk/st" --commit-every 1000 "$1/orders.csv" > /dev/null 2> "$1/err" || status=$?
		echo "$status $(tail -n 1 "$1/err")"
		flo-rfm --db "$1/disk/st" --dump > "$1/dump.csv" || echo "dump failed: $?"
	' sh "$TMP"
	assert_success
	assert_output "74 flo-rfm: $TMP/disk/st: cannot commit: No space left on device"
	# what was committed reads back: a dump of whole customers (batches of
	# 1000 orders: a commit writes its orders to the store's log, about 60
	# bytes an order, so that the first ones fit on the small disk)
	[ "$(wc -l < "$TMP/dump.csv")" -gt 1 ]
	run flo-fit --no-store "$TMP/dump.csv"
	assert_success
}

@test "SIGTERM in the middle of a store write: the last committed state survives" {
	build_shim
	summaries 300 6 > "$TMP/a.csv"
	summaries 300 7 > "$TMP/b.csv"
	flo-fit --db "$TMP/st" --model-out "$TMP/a.json" "$TMP/a.csv" > /dev/null 2>&1
	flo-score $CDNOW "$TMP/a.csv" > "$TMP/scored.csv" 2> /dev/null
	flo-segment --save-cuts c --db "$TMP/st" "$TMP/scored.csv" > /dev/null
	cuts=$(flo-segment --print-cuts --cuts c --db "$TMP/st")
	for cmd in "flo-fit --db $TMP/st $TMP/b.csv" "flo-segment --groups 2 --save-cuts c --db $TMP/st $TMP/scored.csv"; do
		rm -f "$TMP/stalled"
		env LD_PRELOAD="$TMP/shim.so" FLO_SHIM_FILE=/data.mdb FLO_SHIM_STALL="$TMP/stalled" \
			$cmd > /dev/null 2>&1 &
		pid=$!
		for i in $(seq 100); do [ -e "$TMP/stalled" ] && break; sleep 0.1; done
		[ -e "$TMP/stalled" ]
		kill -TERM "$pid"
		status=0
		wait "$pid" || status=$?
		assert_equal "$status" 143
		# the store opens; the model and the cut points are the committed ones
		run --separate-stderr flo-score --db "$TMP/st" "$TMP/a.csv"
		assert_success
		[ "$output" = "$(flo-score --model "$TMP/a.json" "$TMP/a.csv" 2> /dev/null)" ]
		run flo-segment --print-cuts --cuts c --db "$TMP/st"
		assert_success
		assert_output "$cuts"
	done
	# and the next writer is not locked out by the killed one
	run --separate-stderr flo-fit --db "$TMP/st" "$TMP/b.csv"
	assert_success
}

# Issue 15: a store with a run of zeroed pages made flo-rfm --dump die of
# SIGABRT inside LMDB (mdb.c: Assertion 'IS_LEAF(mp)' failed) after part of
# the dump, and `--dump | flo-fit` fit a partial population with exit 0.
many_customers() {
	awk 'BEGIN { print "customer_id,date,amount"
		for (i = 0; i < 3000; i++) printf "c%05d,2021-0%d-1%d,%d.5\n", i, 1 + i % 9, i % 10, i % 97 }'
}

@test "a store with zeroed pages: --dump and --check exit 74 naming the page, nothing written, no SIGABRT" {
	many_customers > "$TMP/o.csv"
	flo-rfm --db "$TMP/st" "$TMP/o.csv" > /dev/null
	run flo-rfm --db "$TMP/st" --check
	assert_success
	assert_output "flo-rfm: $TMP/st: sound: 3000 customers, 29 pages"
	dd if=/dev/zero of="$TMP/st/data.mdb" bs=4096 seek=20 count=4 conv=notrunc 2> /dev/null
	page="flo-rfm: $TMP/st/data.mdb: damaged: database \"customers\": page 20 holds page number 0 (zeroed or overwritten)"
	advice="flo-rfm: $TMP/st: the store's pages are damaged: restore it from a copy or rebuild it from the order log (README: \"Recovering a damaged store\")"
	# Every customer has an order in all.csv: the live mode (which read them
	# through LMDB, and stopped with "MDB_CORRUPTED: Located page was wrong
	# type", or an abort, at the first on a damaged page) walks the
	# customers' pages before the first order, and so does --drop-customer.
	awk 'BEGIN { print "customer_id,date,amount"
		for (i = 0; i < 3000; i++) printf "c%05d,2021-10-01,1\n", i }' > "$TMP/all.csv"
	cp "$TMP/st/data.mdb" "$TMP/before.mdb"
	for mode in --dump --check --repair "--drop-customer c00001" "$TMP/all.csv"; do
		run --separate-stderr flo-rfm --db "$TMP/st" $mode
		assert_failure 74
		assert_output ""
		[ "${stderr_lines[0]}" = "$page" ]
		[ "${stderr_lines[1]}" = "$advice" ]
		[ "${#stderr_lines[@]}" -eq 2 ]
	done
	cmp "$TMP/st/data.mdb" "$TMP/before.mdb"
	# The pipeline fails as a whole instead of fitting a part (flo-fit,
	# given nothing, exits 65; under pipefail that is the pipeline's).
	run bash -c "set -o pipefail; flo-rfm --db '$TMP/st' --dump 2> /dev/null | flo-fit > /dev/null 2>&1"
	assert_failure 65
}

# Found by the store fuzz harness: LMDB reads transaction T from meta page
# T & 1 (and writes it there); a meta page holding the other parity sent
# it to the other page's trees, past the end of its map (SIGBUS in
# mdb_dbi_open, also under flo-rfm --check).
@test "a meta page holding a transaction of the other parity: refused at open (74), no SIGBUS" {
	many_customers > "$TMP/o.csv"
	flo-rfm --db "$TMP/st" "$TMP/o.csv" > "$TMP/s.csv"
	t0=$(od -An -tu8 -j $((16 + 128)) -N8 "$TMP/st/data.mdb" | tr -d ' ')
	t1=$(od -An -tu8 -j $((4096 + 16 + 128)) -N8 "$TMP/st/data.mdb" | tr -d ' ')
	t=$(( (t0 > t1 ? t0 : t1) + 2 ))
	t=$(( t - t % 2 )) # even: meta page 0's, written on page 1
	printf "$(printf '\\%03o' $((t % 256)) $((t / 256 % 256)) 0 0 0 0 0 0)" |
		dd of="$TMP/st/data.mdb" bs=1 seek=$((4096 + 16 + 128)) conv=notrunc 2> /dev/null
	for cmd in "flo-rfm --db $TMP/st --check" "flo-rfm --db $TMP/st --dump" "flo-fit --db $TMP/st $TMP/s.csv" \
		"flo-rfm --db $TMP/st $TMP/o.csv"; do
		run --separate-stderr $cmd
		assert_failure 74
		assert_output ""
		[[ "$stderr" == *"$TMP/st/data.mdb: meta page 1 holds transaction $t, which belongs on meta page 0" ]]
	done
}

@test "a store with zeroed pages: --dump --skip-bad writes every customer on a sound page, says what was lost, exits 74" {
	many_customers > "$TMP/o.csv"
	flo-rfm --db "$TMP/st" "$TMP/o.csv" > /dev/null
	flo-rfm --db "$TMP/st" --dump > "$TMP/whole.csv"
	dd if=/dev/zero of="$TMP/st/data.mdb" bs=4096 seek=20 count=4 conv=notrunc 2> /dev/null
	run --separate-stderr flo-rfm --db "$TMP/st" --dump --skip-bad
	assert_failure 74
	# the header and whole customers of the sound dump, in its order, and
	# only some of them
	[ "${lines[0]}" = "$(head -n 1 "$TMP/whole.csv")" ]
	printf '%s\n' "$output" > "$TMP/salvaged.csv"
	[ -z "$(grep -vxFf "$TMP/whole.csv" "$TMP/salvaged.csv")" ]
	[ "$(sort "$TMP/salvaged.csv")" = "$(sort "$TMP/salvaged.csv" | sort -u)" ]
	printf '%s\n' "${lines[@]:1}" | LC_ALL=C sort -c -t, -k1,1
	n=$(( ${#lines[@]} - 1 ))
	[ "$n" -gt 1000 ] && [ "$n" -lt 3000 ]
	# what could not be read, in words: the records read are the customers
	# written and the settings record
	[ "${stderr_lines[0]}" = "flo-rfm: $TMP/st/data.mdb: damaged: database \"customers\": page 20 holds page number 0 (zeroed or overwritten); 4 damaged pages skipped, with every page below them: $((n + 1)) of 3001 records read" ]
	[ "${stderr_lines[1]}" = "flo-rfm: $TMP/st: the store's pages are damaged: restore it from a copy or rebuild it from the order log (README: \"Recovering a damaged store\")" ]
	[ "${stderr_lines[2]}" = "flo-rfm: $TMP/st: the damaged pages skipped: this dump is not the whole store" ]
	# a pipeline on it fails as a whole
	run bash -c "set -o pipefail; flo-rfm --db '$TMP/st' --dump --skip-bad 2> /dev/null | flo-fit --no-store > /dev/null 2>&1"
	assert_failure 74
	# the leaf of the settings record (the conventions every summary needs)
	# zeroed: nothing can be dumped, and LMDB is not asked to read it
	off=$(grep -obaF 'flo-custstate' "$TMP/st/data.mdb" | cut -d: -f1 | tail -n 1)
	dd if=/dev/zero of="$TMP/st/data.mdb" bs=4096 seek=$((off / 4096)) count=1 conv=notrunc 2> /dev/null
	run --separate-stderr flo-rfm --db "$TMP/st" --dump --skip-bad
	assert_failure 74
	assert_output ""
	[ "${stderr_lines[0]}" = "flo-rfm: $TMP/st/data.mdb: damaged: database \"customers\": page $((off / 4096)) holds page number 0 (zeroed or overwritten)" ]
}

@test "a damaged store read by flo-score, flo-segment and flo-fit: customer pages do not matter to readers, a writer refuses them (74); a models page stops all (74) naming it" {
	many_customers > "$TMP/o.csv"
	flo-rfm --db "$TMP/st" "$TMP/o.csv" > /dev/null
	flo-rfm --db "$TMP/st" --dump > "$TMP/dump.csv"
	flo-fit --db "$TMP/st" "$TMP/dump.csv" > /dev/null 2>&1
	flo-score --db "$TMP/st" "$TMP/dump.csv" > "$TMP/scored.csv"
	flo-segment --by T --save-cuts c --db "$TMP/st" "$TMP/scored.csv" > /dev/null
	cuts=$(flo-segment --print-cuts --cuts c --db "$TMP/st")
	cp -r "$TMP/st" "$TMP/st2"
	# every page holding customer c00100 zeroed (its leaf, and old copies)
	for o in $(grep -obaF c00100 "$TMP/st/data.mdb" | cut -d: -f1); do
		dd if=/dev/zero of="$TMP/st/data.mdb" bs=4096 seek=$((o / 4096)) count=1 conv=notrunc 2> /dev/null
	done
	run flo-rfm --db "$TMP/st" --check
	assert_failure 74
	assert_line --index 0 --partial "damaged: database \"customers\": page "
	run --separate-stderr flo-score --db "$TMP/st" "$TMP/dump.csv"
	assert_success
	[ "$output" = "$(cat "$TMP/scored.csv")" ]
	run flo-segment --print-cuts --cuts c --db "$TMP/st"
	assert_success
	assert_output "$cuts"
	# a writer's new pages come from the free list, which only the whole
	# tree can vouch for: flo-fit does not store its model there (the
	# customers stay as they were: a later --dump --skip-bad salvages them)
	cp "$TMP/st/data.mdb" "$TMP/before.mdb"
	run --separate-stderr flo-fit --db "$TMP/st" "$TMP/dump.csv"
	assert_failure 74
	[[ "$stderr" == *"$TMP/st/data.mdb: damaged: database \"customers\": page "* ]]
	cmp "$TMP/st/data.mdb" "$TMP/before.mdb"
	run --separate-stderr flo-fit --no-store --db "$TMP/st" "$TMP/dump.csv"
	assert_success
	# every page holding the model document zeroed (old copies too)
	for o in $(grep -obaF '"bgnbd"' "$TMP/st2/data.mdb" | cut -d: -f1); do
		dd if=/dev/zero of="$TMP/st2/data.mdb" bs=4096 seek=$((o / 4096)) count=1 conv=notrunc 2> /dev/null
	done
	for cmd in "flo-score --db $TMP/st2 $TMP/dump.csv" "flo-segment --print-cuts --cuts c --db $TMP/st2" \
		"flo-fit --db $TMP/st2 $TMP/dump.csv"; do
		run --separate-stderr $cmd
		assert_failure 74
		assert_output ""
		[[ "$stderr" == *"$TMP/st2/data.mdb: damaged: database \"models\": page "*" holds page number 0 (zeroed or overwritten)"* ]]
	done
}

@test "--drop-customer: one customer's state removed, damaged or not; an unknown id is exit 65" {
	many_customers > "$TMP/o.csv"
	flo-rfm --db "$TMP/st" "$TMP/o.csv" > /dev/null
	flo-rfm --db "$TMP/st" --dump > "$TMP/whole.csv"
	run --separate-stderr flo-rfm --db "$TMP/st" --drop-customer c00007
	assert_success
	assert_output ""
	[ "$stderr" = "flo-rfm: $TMP/st: customer \"c00007\" dropped" ]
	run flo-rfm --db "$TMP/st" --check
	assert_success
	assert_output "flo-rfm: $TMP/st: sound: 2999 customers, 29 pages"
	run --separate-stderr flo-rfm --db "$TMP/st" --dump
	assert_success
	assert_output "$(grep -v '^c00007,' "$TMP/whole.csv")"
	# again, or never there: exit 65 with words, the store unchanged
	cp "$TMP/st/data.mdb" "$TMP/before.mdb"
	for id in c00007 nobody; do
		run --separate-stderr flo-rfm --db "$TMP/st" --drop-customer $id
		assert_failure 65
		[ "$stderr" = "flo-rfm: $TMP/st: no customer \"$id\" in the store" ]
	done
	cmp "$TMP/st/data.mdb" "$TMP/before.mdb"
	# a damaged state (a flipped byte): dropped as well, and the store is
	# sound again
	off=$(grep -obaF c00100 "$TMP/st/data.mdb" | cut -d: -f1)
	for o in $off; do
		byte=$(od -An -tu1 -j $((o + 9)) -N1 "$TMP/st/data.mdb" | tr -d ' ')
		printf "$(printf '\\%03o' $((byte ^ 16)))" |
			dd of="$TMP/st/data.mdb" bs=1 seek=$((o + 9)) conv=notrunc 2> /dev/null
	done
	run flo-rfm --db "$TMP/st" --check
	assert_failure 74
	run flo-rfm --db "$TMP/st" --drop-customer c00100
	assert_success
	run flo-rfm --db "$TMP/st" --check
	assert_success
	assert_output "flo-rfm: $TMP/st: sound: 2998 customers, 29 pages"
	# it starts again from its next order
	printf 'customer_id,date,amount\nc00007,2021-10-01,1\n' > "$TMP/more.csv"
	run --separate-stderr flo-rfm --db "$TMP/st" "$TMP/more.csv"
	assert_success
	assert_line --index 1 "c00007,0,0,0,0,1,1,2021-10-01,2021-10-01"
	# usage: not with input or another mode, an id of 1 to 511 bytes; no store
	run flo-rfm --db "$TMP/st" --drop-customer c1 "$TMP/more.csv"
	assert_failure 2
	run flo-rfm --db "$TMP/st" --drop-customer c1 --check
	assert_failure 2
	run flo-rfm --db "$TMP/st" --drop-customer ""
	assert_failure 2
	run flo-rfm --db "$TMP/st" --drop-customer "$(printf 'x%.0s' $(seq 512))"
	assert_failure 2
	run flo-rfm --db "$TMP/none" --drop-customer c1
	assert_failure 66
	assert_output "flo-rfm: $TMP/none: no such store"
	[ ! -e "$TMP/none" ]
}

@test "a store whose value bytes are flipped: the checksum names the customer; --skip-bad dumps the rest (exit 74); --repair drops it" {
	many_customers > "$TMP/o.csv"
	flo-rfm --db "$TMP/st" "$TMP/o.csv" > /dev/null
	flo-rfm --db "$TMP/st" --dump > "$TMP/whole.csv"
	# Flip one bit in every copy of c00100's value (LMDB keeps old pages).
	off=$(grep -obaF c00100 "$TMP/st/data.mdb" | cut -d: -f1)
	[ -n "$off" ]
	for o in $off; do
		byte=$(od -An -tu1 -j $((o + 9)) -N1 "$TMP/st/data.mdb" | tr -d ' ')
		printf "$(printf '\\%03o' $((byte ^ 16)))" |
			dd of="$TMP/st/data.mdb" bs=1 seek=$((o + 9)) conv=notrunc 2> /dev/null
	done
	damaged="flo-rfm: $TMP/st: customer \"c00100\": the stored state is damaged (its checksum fails)"
	run --separate-stderr flo-rfm --db "$TMP/st" --dump
	assert_failure 74
	assert_output ""
	[ "${stderr_lines[0]}" = "$damaged" ]
	[ "${stderr_lines[1]}" = "flo-rfm: $TMP/st: flo-rfm --db $TMP/st --repair drops the damaged customers; --dump --skip-bad writes the sound ones (README: \"Recovering a damaged store\")" ]
	run --separate-stderr flo-rfm --db "$TMP/st" --dump --skip-bad
	assert_failure 74
	assert_output "$(grep -v '^c00100,' "$TMP/whole.csv")"
	[ "${stderr_lines[0]}" = "$damaged" ]
	[ "${stderr_lines[-1]}" = "flo-rfm: $TMP/st: 1 damaged customer skipped: this dump is not the whole store" ]
	run --separate-stderr flo-rfm --db "$TMP/st" --check
	assert_failure 74
	[ "${stderr_lines[0]}" = "flo-rfm: $TMP/st: 1 customer with a checksum that fails" ]
	[ "${stderr_lines[1]}" = "$damaged" ]
	[ "${stderr_lines[2]}" = "flo-rfm: $TMP/st: 1 of 3000 customers damaged" ]
	# An order of the damaged customer is refused; the others go on.
	printf 'customer_id,date,amount\nc00100,2021-10-01,1\n' > "$TMP/more.csv"
	run --separate-stderr flo-rfm --db "$TMP/st" "$TMP/more.csv"
	assert_failure 74
	[ "$stderr" = "$damaged" ]
	run --separate-stderr flo-rfm --db "$TMP/st" --repair
	assert_success
	[ "$stderr" = "$damaged
flo-rfm: $TMP/st: 1 damaged customer dropped, 2999 sound" ]
	run flo-rfm --db "$TMP/st" --check
	assert_success
	assert_output "flo-rfm: $TMP/st: sound: 2999 customers, 29 pages"
	run --separate-stderr flo-rfm --db "$TMP/st" --dump
	assert_success
	assert_output "$(grep -v '^c00100,' "$TMP/whole.csv")"
	# The customer starts again from its next order.
	run --separate-stderr flo-rfm --db "$TMP/st" "$TMP/more.csv"
	assert_success
	assert_line --index 1 "c00100,0,0,0,0,1,1,2021-10-01,2021-10-01"
}

@test "a damaged order log record: --check, --dump and a writer name it (74); --skip-bad and --repair leave its orders out; --drop-customer takes logged orders" {
	many_customers > "$TMP/o.csv"
	# one commit, left in the log: a customer's order in a record of a few
	# hundred (orderrec.h), c01234's id in the store nowhere else
	flo-rfm --db "$TMP/st" --leave-log "$TMP/o.csv" > /dev/null
	flo-rfm --db "$TMP/st" --dump > "$TMP/whole.csv"
	off=$(grep -obUa c01234 "$TMP/st/data.mdb" | cut -d: -f1)
	[ "$(wc -w <<< "$off")" -eq 1 ]
	# a byte of its amount (orderrec.h: the id's length and two hashes
	# between)
	printf '\125' | dd of="$TMP/st/data.mdb" bs=1 seek=$((off - 20)) conv=notrunc 2> /dev/null
	run --separate-stderr flo-rfm --db "$TMP/st" --check
	assert_failure 74
	[ "${stderr_lines[0]}" = "flo-rfm: $TMP/st: 1 order log record with a checksum that fails" ]
	why=${stderr_lines[1]}
	[[ "$why" =~ ^"flo-rfm: $TMP/st: order log record "[0-9]+" is damaged (its checksum fails)"$ ]]
	run --separate-stderr flo-rfm --db "$TMP/st" --dump
	assert_failure 74
	assert_output ""
	[ "${stderr_lines[0]}" = "$why" ]
	run --separate-stderr flo-rfm --db "$TMP/st" "$TMP/o.csv"
	assert_failure 74
	assert_output ""
	[ "${stderr_lines[0]}" = "$why" ]
	# the record's customers (each with one order) left out, the others whole
	run --separate-stderr flo-rfm --db "$TMP/st" --dump --skip-bad
	assert_failure 74
	printf '%s\n' "$output" > "$TMP/salvaged.csv"
	! grep -q '^c01234,' "$TMP/salvaged.csv"
	[ -z "$(grep -vxFf "$TMP/whole.csv" "$TMP/salvaged.csv")" ]
	left=$(($(wc -l < "$TMP/salvaged.csv") - 1))
	[ "$left" -gt 2000 ] && [ "$left" -lt 3000 ]
	run flo-rfm --db "$TMP/st" --repair
	assert_success
	run flo-rfm --db "$TMP/st" --check
	assert_success
	assert_output --partial "sound: $left customers"
	flo-rfm --db "$TMP/st" --dump | cmp - "$TMP/salvaged.csv"
	# c00007 is only in the log, in a record with others: it alone goes
	run flo-rfm --db "$TMP/st" --drop-customer c00007
	assert_success
	flo-rfm --db "$TMP/st" --dump | cmp - <(grep -v '^c00007,' "$TMP/salvaged.csv")
	run flo-rfm --db "$TMP/st" --drop-customer c00007
	assert_failure 65
}
