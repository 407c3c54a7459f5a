#!/bin/bash
# Differential test: hundreds of seeded random operations (create, mkdir,
# unlink, rmdir, symlink, rename, readdir, stat, read) applied to a union
# and to a plain tmpfs copy of its merged tree must give the same result
# or errno every time and leave the same trees (names, types, modes,
# sizes, contents, symlink targets), compared after every step (see
# difftest.py for what issue 3 leaves out); then the trees are compared
# with the caches dropped (block uppers: after a remount), by lookups and
# by readdir.  A difference names the seed, the step, the operation and
# both results.  DIFFTEST_SEEDS / DIFFTEST_OPS in the environment change
# the seeds (default "1 2 3") and the operations per seed (300).
# uppers: tmpfs ext2
# lowers: squashfs ext2
# timeout: 900
. "$(dirname "$0")/../lib.sh"

SEEDS=${DIFFTEST_SEEDS:-"1 2 3"}
NOPS=${DIFFTEST_OPS:-300}
DT=$UNION_TOOLS/difftest.py

# One subtree per seed, side by side in one lower.
src=$T/src
mkdir -p "$src"
for s in $SEEDS; do
	"$PYTHON" "$DT" gen "$s" "$src/s$s" || bail_out "difftest gen $s failed"
done
mkdir -p "$T/ref"
cp -a "$src/." "$T/ref/" || bail_out "copying the lower tree failed"
union_setup "$src"

for s in $SEEDS; do
	check "seed $s: $NOPS random operations, the same on the union and the copy" \
		"$PYTHON" "$DT" run "$s" "$NOPS" "$UNION_DIR/s$s" "$T/ref/s$s" "$LOWER_DIR/s$s"
done

# With the caches dropped (block uppers: remounted), by lookups first (the
# directories not listed yet stay so), then by readdir too; and once more
# after that.
union_fresh
for s in $SEEDS; do
	check "seed $s: the same trees by lookup after the caches are dropped (ext2: a remount)" \
		"$PYTHON" "$DT" compare "$UNION_DIR/s$s" "$T/ref/s$s" lookups
	check "seed $s: the same trees by readdir" \
		"$PYTHON" "$DT" compare "$UNION_DIR/s$s" "$T/ref/s$s"
done
union_fresh
for s in $SEEDS; do
	check "seed $s: the same trees, every directory listed, after the caches are dropped again" \
		"$PYTHON" "$DT" compare "$UNION_DIR/s$s" "$T/ref/s$s"
done

"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$src" > "$T/src.tree"
"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$LOWER_DIR" | grep -v '^lost+found' > "$T/lower.tree"
assert_same_file "$T/src.tree" "$T/lower.tree" "lower alone: the tree it was made from"

done_testing
