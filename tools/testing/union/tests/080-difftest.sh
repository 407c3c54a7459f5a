#!/bin/bash
# Differential test: hundreds of seeded random operations applied to a
# union and to a plain tmpfs copy of its merged tree must give the same
# result or errno every time and leave the same trees, compared after
# every step: names, types, modes, owners, sizes, contents, symlink
# targets, device numbers, xattrs, the mtimes set explicitly, and which
# names share an inode.  The operations: create, mkdir, mknod, unlink,
# rmdir, symlink, link, rename (renameat2 with RENAME_NOREPLACE and
# RENAME_EXCHANGE too), readdir, stat, read, and the changes that copy a
# lower file up: writes (pwrite, append, O_TRUNC, truncate shorter and
# longer, stores through a writable mmap), chmod, chown/lchown, utimensat
# (also AT_SYMLINK_NOFOLLOW), setxattr/removexattr of user.* xattrs, on
# every file type the lower holds, lower and merged directories renamed
# too; the lower tree has files with several names (hard links); files
# are held open read-only (on both) and read and fstat'ed through those
# descriptors later, whatever happened to them meanwhile, and a thread
# reads the union's while each operation runs (see difftest.py).  Each seed's
# run is split in two by a remount of the union (tmpfs uppers: the caches
# dropped), the trees compared across it; then the trees are compared
# with the caches dropped again (block uppers: after a remount), by
# lookups and by readdir.  A difference names the seed, the step, the
# operation and both results, with the command that runs that seed alone.
# DIFFTEST_SEEDS / DIFFTEST_OPS in the environment change the seeds
# (default "1 2 3"; QUICK=1: one of them) and the operations per seed
# (200; QUICK=1: 120); DIFFTEST_SKIP
# leaves things out while exploring past a known difference (difftest.py).
# The diagnostics give each seed's operation counts per kind.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 900
. "$(dirname "$0")/../lib.sh"

# QUICK=1 (make test): one seed per run, a different one for each upper.
case $QUICK:$UPPER in
1:tmpfs) quick=1 ;;
1:ext2) quick=2 ;;
1:*) quick=3 ;;
*) quick="1 2 3" ;;
esac
SEEDS=${DIFFTEST_SEEDS:-$quick}
NOPS=${DIFFTEST_OPS:-200}
[ "$QUICK" = 1 ] && NOPS=${DIFFTEST_OPS:-120}
HALF=$((NOPS / 2))
DT=$UNION_TOOLS/difftest.py
declare -A broken	# seeds that differed: not compared any further

rerun() {	# rerun SEED: how to run that seed alone
	local skip=
	[ -n "${DIFFTEST_SKIP:-}" ] && skip=" DIFFTEST_SKIP=\"$DIFFTEST_SKIP\""
	echo "rerun this seed alone: scripts/uml-run --mem 512M --timeout 1200 --" \
		"'UPPER=$UPPER LOWER=$LOWER DIFFTEST_SEEDS=$1 DIFFTEST_OPS=$NOPS$skip" \
		"bash tools/testing/union/tests/080-difftest.sh'"
}

# run_seed SEED NOPS WHAT: NOPS more operations of SEED's run (its state
# is kept in $T/state.SEED across the remount).
run_seed() {
	local s=$1 out
	if [ -n "${broken[$s]:-}" ]; then
		ok "seed $s: $3 # SKIP it differed before"
		return
	fi
	if out=$("$PYTHON" "$DT" run "$s" "$2" "$UNION_DIR/s$s" "$T/ref/s$s" \
		"$LOWER_DIR/s$s" "$T/state.$s" 2>&1); then
		ok "seed $s: $3, the same on the union and the copy"
		diag "$out"
	else
		broken[$s]=1
		not_ok "seed $s: $3, the same on the union and the copy"
		diag "$out" "$(rerun "$s")"
	fi
}

# compare_seed SEED WHAT [lookups]
compare_seed() {
	local s=$1 what=$2 out
	shift 2
	if [ -n "${broken[$s]:-}" ]; then
		ok "seed $s: $what # SKIP it differed before"
		return
	fi
	if out=$("$PYTHON" "$DT" compare "$UNION_DIR/s$s" "$T/ref/s$s" "$@" \
		"$T/state.$s" 2>&1); then
		ok "seed $s: $what"
	else
		broken[$s]=1
		not_ok "seed $s: $what"
		diag "$out" "$(rerun "$s")"
	fi
}

# One subtree per seed, side by side in one lower.
src=$T/src
mkdir -p "$src"
for s in $SEEDS; do
	"$PYTHON" "$DT" gen "$s" "$src/s$s" || bail_out "difftest gen $s failed"
done
mkdir -p "$T/ref"
cp -a "$src/." "$T/ref/" || bail_out "copying the lower tree failed"
if [ "$LOWER" = ext2 ]; then
	# Not mk_image's 256-byte inodes: mke2fs -d puts small xattrs inside
	# such an inode, where the ext2 driver never looks (ext4 does); with
	# 128-byte inodes they go to xattr blocks, which ext2 reads.
	out=$(mke2fs -q -F -t ext2 -b 1024 -I 128 -d "$src" "$T/lower-xattr.img" 16m 2>&1) ||
		bail_out "mke2fs of the lower: $out"
	union_setup "ext2:$T/lower-xattr.img"
else
	union_setup "$src"
fi
diag "seeds: $SEEDS; $NOPS operations each, a remount after $HALF; upper $UPPER, lower $LOWER"

for s in $SEEDS; do
	check "seed $s: the lower alone holds the generated tree (owners, modes, xattrs, mtimes)" \
		"$PYTHON" "$DT" compare "$LOWER_DIR/s$s" "$src/s$s" lookups mtimes
done
for s in $SEEDS; do
	run_seed "$s" "$HALF" "operations 1-$HALF"
done
# The remount in the middle (tmpfs uppers: the caches dropped).
union_fresh
for s in $SEEDS; do
	compare_seed "$s" "the same trees by lookup after a remount (tmpfs: caches dropped) mid-run" lookups
done
for s in $SEEDS; do
	run_seed "$s" $((NOPS - HALF)) "operations $((HALF + 1))-$NOPS after the remount"
done

# With the caches dropped (block uppers: remounted), by lookups first (the
# directories not listed yet stay so), then by readdir too; and once more
# after that.
union_fresh
for s in $SEEDS; do
	compare_seed "$s" "the same trees by lookup after the caches are dropped (ext2: a remount)" lookups
	compare_seed "$s" "the same trees by readdir"
done
union_fresh
for s in $SEEDS; do
	compare_seed "$s" "the same trees, every directory listed, after the caches are dropped again"
done

"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$src" > "$T/src.tree"
"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$LOWER_DIR" | grep -v '^lost+found' > "$T/lower.tree"
assert_same_file "$T/src.tree" "$T/lower.tree" "lower alone: the tree it was made from"

done_testing
