#!/bin/bash
# A kernel that does not know union entries refuses a top layer that has
# them, rather than drop them (and bring deleted lower files back).  The
# first phase makes a top with a whiteout, fallthrus and a complete
# directory and leaves a copy of it in $RESULTS; the second boots the
# kernel built without CONFIG_UNION_MOUNT (make test-nounion), which
# knows neither the ext2 feature nor the jffs2 node type, and must refuse
# the copy and leave it as it was.
# uppers: ext2 jffs2
# then-kernel: uml-nounion
. "$(dirname "$0")/../lib.sh"

img=$RESULTS/top.$UPPER.img

# mount_top DEVICE MNT: mount the copy of the top alone (prints mount's
# messages; status: mount's).
mount_top() {
	mkdir -p "$2"
	mount -t "$UPPER" "$1" "$2" 2>&1
}

# attach IMAGE: the device to mount IMAGE from, in $dev.
attach() {
	if [ "$UPPER" = jffs2 ]; then
		t_mtd "$1"
		dev=$MTDDEV
	else
		t_losetup "$1"
		dev=$LOOPDEV
	fi
}

if [ "${PHASE:-1}" = 1 ]; then
	require_union
	IMAGE_MB=2
	src=$T/src
	mkdir -p "$src/d"
	for f in gone d/a d/b; do
		echo "lower-$f" > "$src/$f"
	done
	union_setup "$src"
	rm "$UNION_DIR/gone"
	complete_dir d
	assert_dir_list "$UNION_DIR/d" "a b" "d completed: fallthrus, complete"
	echo top > "$UNION_DIR/new"
	t_umount "$UNION_DIR"
	sync
	cp "$UPPER_IMG" "$img" || bail_out "cannot copy the top to $img"

	# The union kernel itself mounts the copy, alone: the top's own
	# files, no union entry shown.
	attach "$img"
	out=$(mount_top "$dev" "$T/alone") || bail_out "mount of the copy: $out"
	_t_mounts+=("$T/alone")
	want="d new"
	[ "$UPPER" = ext2 ] && want="d lost+found new"
	assert_dir_list "$T/alone" "$want" "the union kernel mounts the top alone"
	t_umount "$T/alone"
	sync
	sha256sum < "$img" > "$img.sum"
	done_testing
	exit
fi

# Phase 2: the kernel without union mounts.
[ -f "$img.sum" ] || bail_out "phase 1 left no $img"
attach "$img"
dmesg -c > /dev/null
if out=$(mount_top "$dev" "$T/old"); then
	_t_mounts+=("$T/old")
	not_ok "a kernel without union mounts refuses the $UPPER top"
	diag "it mounted it: $(ls -a "$T/old" | tr '\n' ' ')"
	t_umount "$T/old"
else
	ok "a kernel without union mounts refuses the $UPPER top"
	diag "mount: $out"
fi
case $UPPER in
ext2) why="unsupported optional features \(20\)" ;;
# From a full scan, or from an eraseblock's summary.
jffs2) why="Incompatible feature node \(0xe00a\)|node type e00a found in summary" ;;
esac
check "the kernel says why: $why" grep -qE "$why" <<< "$(dmesg)"
sync
assert_eq "$(sha256sum < "$img")" "$(cat "$img.sum")" \
	"the refused top is unchanged"
done_testing
