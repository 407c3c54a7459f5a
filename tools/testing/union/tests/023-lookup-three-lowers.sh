#!/bin/bash
# A union of three lowers, topmost first: L1 (a tree), L2 (an ext2 image
# that was the upper of an earlier union over L3's tree, so that it holds
# whiteouts, an opaque directory and files of its own) and L3.  A name is
# taken from the highest layer that has it; a whiteout or an opaque
# directory in L2 hides L3 but not L1; merged directories merge all three.
# Checked as first looked up, with the caches dropped (block uppers: after
# a remount), and both again after readdir.  Only read, the merged
# directory is served from below: the top layer gets no copy of it.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

# L3: the bottom.
l3=$T/l3
mkdir -p "$l3/m" "$l3/od" "$l3/wd/sub"
for n in p q r w w2; do echo "l3-$n" > "$l3/$n"; done
echo l3-m3 > "$l3/m/only3"
echo l3-m23 > "$l3/m/in23"
echo l3-m123 > "$l3/m/in123"
echo l3-old > "$l3/od/old"
echo l3-wd > "$l3/wd/sub/x"

# L2: made as the upper of a union over L3 (an ext2 lower for L3 here,
# whatever $LOWER is, so that the build below stays the same).
mkdir -p "$T/l2build" "$T/empty"
mk_image ext2 "$l3" "$T/l3build.img"
mk_image ext2 "$T/empty" "$T/l2.img"
t_losetup "$T/l3build.img" ro
l3dev=$LOOPDEV
t_losetup "$T/l2.img"
l2dev=$LOOPDEV
B=$T/l2build
t_mount -t ext2 -o ro "$l3dev" "$B"
t_mount -t ext2 -o union "$l2dev" "$B"
is_union "$B" || bail_out "building L2: no union at $B"
for n in p q; do
	echo "l2-$n" > "$B/tmp" && mv "$B/tmp" "$B/$n" || bail_out "building L2: $n"
done
echo l2-m23 > "$B/m/tmp" && mv "$B/m/tmp" "$B/m/in23" || bail_out "building L2: m/in23"
echo l2-m123 > "$B/m/tmp" && mv "$B/m/tmp" "$B/m/in123" || bail_out "building L2: m/in123"
echo l2-m2 > "$B/m/only2"
echo l2-new > "$B/l2new"
rm "$B/w" "$B/w2" "$B/od/old" && rmdir "$B/od" || bail_out "building L2: rm"
rm "$B/wd/sub/x" && rmdir "$B/wd/sub" "$B/wd" || bail_out "building L2: rmdir wd"
mkdir "$B/od" && echo l2-new > "$B/od/new" || bail_out "building L2: opaque od"
assert_dir_list "$B/od" new "building L2: od is opaque in the first union"
t_umount "$B"
t_umount "$B"
fsck_at_end ext2 "$T/l2.img"

# L1: the top lower.
l1=$T/l1
mkdir -p "$l1/m" "$l1/od"
echo l1-p > "$l1/p"
echo l1-w2 > "$l1/w2"
echo l1-m1 > "$l1/m/only1"
echo l1-m123 > "$l1/m/in123"
echo l1-od > "$l1/od/top"

union_setup "$l1" "ext2:$T/l2.img" "$l3"
U=$UNION_DIR

check_view() {
	local w=$1
	assert_file_content "$U/p" l1-p "$w: p in all three: L1's"
	assert_layer p lower1 "$w: p is L1's object"
	assert_file_content "$U/q" l2-q "$w: q in L2 and L3: L2's"
	assert_layer q lower2 "$w: q is L2's object"
	assert_file_content "$U/r" l3-r "$w: r only in L3: L3's"
	assert_layer r lower3 "$w: r is L3's object"
	assert_file_content "$U/l2new" l2-new "$w: a file only in L2"
	assert_errno ENOENT lstat "$U/w"
	assert_file_content "$U/w2" l1-w2 "$w: whiteout in L2 does not hide L1's w2"
	assert_errno ENOENT lstat "$U/wd"
	assert_errno ENOENT lstat "$U/wd/sub/x"
	assert_file_content "$U/m/only1" l1-m1 "$w: merged m: L1's own"
	assert_file_content "$U/m/only2" l2-m2 "$w: merged m: L2's own"
	assert_file_content "$U/m/only3" l3-m3 "$w: merged m: L3's own"
	assert_file_content "$U/m/in23" l2-m23 "$w: merged m: L2 over L3"
	assert_file_content "$U/m/in123" l1-m123 "$w: merged m: L1 over L2 and L3"
	assert_layer m/in123 lower1 "$w: m/in123 is L1's object"
	assert_layer m/in23 lower2 "$w: m/in23 is L2's object"
	assert_layer m/only3 lower3 "$w: m/only3 is L3's object"
	assert_file_content "$U/od/top" l1-od "$w: od: L1's entry"
	assert_file_content "$U/od/new" l2-new "$w: od: opaque L2's entry"
	assert_errno ENOENT lstat "$U/od/old"
}

check_readdir() {
	local w=$1
	# L2 is ext2 and brings a lost+found (so may L1, L3 and the upper).
	assert_dir_list "$U" "l2new lost+found m od p q r w2" "$w: readdir of the root"
	assert_dir_list "$U/m" "in123 in23 only1 only2 only3" "$w: readdir of m"
	assert_dir_list "$U/od" "new top" "$w: readdir of od"
}

check_lookup_phases

if upper_alone; then
	assert_absent "$UPPER_DIR/p" "upper alone: no copy of p"
	if dirs_below; then
		assert_absent "$UPPER_DIR/m" "upper alone: m, only read, is not on top"
	else
		assert_type "$UPPER_DIR/m" dir "upper alone: m created on top"
		assert_absent "$UPPER_DIR/m/in123" "upper alone: no copy of m/in123"
	fi
fi

done_testing
