#!/bin/bash
# Concurrency: four processes change one union at random at once
# (union-stress: creates, renames, links, unlinks and fsyncs of their own
# files in shared lower directories, appends to and chmods of shared lower
# files racing to copy them up, readdirs that race to copy the shared
# directories up, renames of lower directories, mkdir/rmdir), seeded.
# Afterwards every file made is there once with its content, every append
# landed once and in order, nothing else appeared; and the same after
# the union is mounted again (block and flash uppers).  The kernel's
# warnings fail the run (uml-run); make stress runs it for ten minutes on
# the debug kernel.  STRESS_SECONDS (default 20), STRESS_SEED (default 1).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs
# timeout: 240
. "$(dirname "$0")/../lib.sh"

secs=${STRESS_SECONDS:-20}
seed=${STRESS_SEED:-1}
workers=4
command -v union-stress > /dev/null || bail_out "union-stress missing: make userland"

src=$T/src
for d in 0 1 2 3; do
	mkdir -p "$src/s$d"
	for k in 0 1 2 3; do
		echo "s$d/a$k" > "$src/s$d/a$k"
	done
done
for ((w = 0; w < workers; w++)); do
	mkdir -p "$src/lw$w"
	for k in $(seq 0 9); do
		echo "lw$w/f$k" > "$src/lw$w/f$k"
	done
done
IMAGE_MB=32 union_setup "$src"

# The ledgers go next to the union, in $T (DIR/../ledger.N).
diag "union-stress: $workers workers, $secs s, seed $seed"
out=$(union-stress run "$UNION_DIR" $workers "$secs" "$seed" 2>&1)
rc=$?
diag "$out"
assert_eq "$rc" 0 "$workers workers for ${secs}s (seed $seed): nothing lost"

if [ -n "$UPPER_DEV" ]; then
	union_fresh
	out=$(union-stress check "$UNION_DIR" $workers "$seed" 2>&1)
	rc=$?
	diag "$out"
	assert_eq "$rc" 0 "after mounting the union again: the same"
fi

done_testing
