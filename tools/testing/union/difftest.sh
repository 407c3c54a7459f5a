# Sourced by the differential tests (080, 081): seeded random operations
# on a union and on a plain copy of its merged tree, compared.
#
# The test sets, before sourcing this:
#   SEEDS       the seeds to run (one subtree each, side by side)
#   layers_of   a function: layers_of SEED prints how many lower layers
#               that seed's subtree spans (1: a tree as "difftest.py gen"
#               makes it; 2 or 3: "gen" of that many layers, where the
#               upper ones shadow names of the ones below)
#   NLOWERS     how many lower layers the union has (a seed that spans
#               fewer leaves the layers between its top and bottom out)
# and may set DIFFTEST_OPS / DIFFTEST_SKIP in the environment (080's
# header says what they do).

NOPS=${DIFFTEST_OPS:-200}
[ "$QUICK" = 1 ] && NOPS=${DIFFTEST_OPS:-120}
# The phases: operations 1-$HALF; a remount; up to $FLAGGED under the
# mount flags $FLAGS; up to $RDONLY with the union read-only too; the
# rest with no flags again.
HALF=$((NOPS / 2))
FLAGGED=$((HALF + NOPS / 4))
RDONLY=$((FLAGGED + NOPS / 8))
FLAGS=nosuid,nodev,noexec,nosymfollow
# ext2 lowers keep POSIX ACLs: the generated trees get some.
[ "$LOWER" = ext2 ] && export DIFFTEST_ACLS=1
DT=$UNION_TOOLS/difftest.py
declare -A broken	# seeds that differed: not compared any further

rerun() {	# rerun SEED: how to run that seed alone
	local skip=
	[ -n "${DIFFTEST_SKIP:-}" ] && skip=" DIFFTEST_SKIP=\"$DIFFTEST_SKIP\""
	echo "rerun this seed alone: scripts/uml-run --mem 512M --timeout 1200 --" \
		"'UPPER=$UPPER LOWER=$LOWER DIFFTEST_SEEDS=$1 DIFFTEST_OPS=$NOPS$skip" \
		"bash tools/testing/union/tests/$(basename "$0")'"
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
		"${LOWER_DIRS[-1]}/s$s" "$T/state.$s" 2>&1); then
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

# flags_on FLAGS: the union (by a remount: superblock flags such as ro
# reach its top layer) and the reference copy (by a bind mount of its own)
# get the mount flags FLAGS.  flags_off: none of them any more.
flags_on() {
	local out
	out=$(mount -o "remount,$1" "$UNION_DIR" 2>&1) ||
		bail_out "remount,$1 of the union: $out"
	if [ "$ref_bound" != 1 ]; then
		t_mount --bind "$T/ref" "$T/ref"
		ref_bound=1
	fi
	out=$(mount -o "remount,bind,$1" "$T/ref" 2>&1) ||
		bail_out "remount,bind,$1 of the copy: $out"
}
flags_off() {
	local out
	out=$(mount -o remount,rw,suid,dev,exec,symfollow "$UNION_DIR" 2>&1) ||
		bail_out "remount of the union without flags: $out"
	t_umount "$T/ref"
	ref_bound=0
}

# One subtree per seed, side by side in each lower layer: src1 is the
# topmost.  A seed that spans n layers has its subtree in src1 ... src<n-1>
# and in the bottom one.
for ((k = 1; k <= NLOWERS; k++)); do
	mkdir -p "$T/src$k"
done
mkdir -p "$T/ref"
for s in $SEEDS; do
	n=$(layers_of "$s")
	dirs=()
	for ((k = 1; k < n; k++)); do
		dirs+=("$T/src$k/s$s")
	done
	dirs+=("$T/src$NLOWERS/s$s")
	if [ "$n" = 1 ]; then
		"$PYTHON" "$DT" gen "$s" "${dirs[0]}" &&
			cp -a "${dirs[0]}" "$T/ref/s$s"
	else
		"$PYTHON" "$DT" gen "$s" "${dirs[@]}" &&
			"$PYTHON" "$DT" merge "$T/ref/s$s" "${dirs[@]}"
	fi || bail_out "difftest gen $s ($n layers) failed"
done
layers=()
for ((k = 1; k <= NLOWERS; k++)); do
	if [ "$LOWER" = ext2 ]; then
		# Not mk_image's 256-byte inodes: mke2fs -d puts small xattrs
		# inside such an inode, where the ext2 driver never looks (ext4
		# does); with 128-byte inodes they go to xattr blocks, which
		# ext2 reads.
		out=$(mke2fs -q -F -t ext2 -b 1024 -I 128 -d "$T/src$k" \
			"$T/lower$k-xattr.img" 16m 2>&1) ||
			bail_out "mke2fs of lower $k: $out"
		layers+=("ext2:$T/lower$k-xattr.img")
	else
		layers+=("$T/src$k")
	fi
done
union_setup "${layers[@]}"
diag "seeds: $SEEDS ($(for s in $SEEDS; do printf '%s ' "$(layers_of "$s")"; done)layers);" \
	"$NOPS operations each, a remount after $HALF; upper $UPPER, lower $LOWER x $NLOWERS"

for ((k = 1; k <= NLOWERS; k++)); do
	for s in $SEEDS; do
		[ -d "$T/src$k/s$s" ] || continue
		check "seed $s: lower $k alone holds the generated tree (owners, modes, xattrs, mtimes)" \
			"$PYTHON" "$DT" compare "${LOWER_DIRS[k - 1]}/s$s" "$T/src$k/s$s" lookups mtimes
	done
done
for s in $SEEDS; do
	run_seed "$s" "$HALF" "operations 1-$HALF"
done
# The remount in the middle (tmpfs uppers: the caches dropped).
union_fresh
for s in $SEEDS; do
	compare_seed "$s" "the same trees by lookup after a remount (tmpfs: caches dropped) mid-run" lookups
done
flags_on "$FLAGS"
for s in $SEEDS; do
	run_seed "$s" $((FLAGGED - HALF)) \
		"operations $((HALF + 1))-$FLAGGED after the remount, with $FLAGS"
done
flags_on "ro,$FLAGS"
for s in $SEEDS; do
	run_seed "$s" $((RDONLY - FLAGGED)) \
		"operations $((FLAGGED + 1))-$RDONLY read-only (a remount), with $FLAGS"
done
flags_off
for s in $SEEDS; do
	run_seed "$s" $((NOPS - RDONLY)) "operations $((RDONLY + 1))-$NOPS with no flags"
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

for ((k = 1; k <= NLOWERS; k++)); do
	"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$T/src$k" > "$T/src$k.tree"
	"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "${LOWER_DIRS[k - 1]}" |
		grep -v '^lost+found' > "$T/lower$k.tree"
	assert_same_file "$T/src$k.tree" "$T/lower$k.tree" "lower $k alone: the tree it was made from"
done
done_testing
