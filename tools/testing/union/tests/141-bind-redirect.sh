#!/bin/bash
# A renamed directory is found through a bind mount of a directory above
# it, also once the union was mounted again and its stack comes from its
# redirect: the redirect names its lower directories from the union's
# root, not from the bind mount's.  Before the fix, lookups through the
# bind mount failed with ENOENT.
# uppers: ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/p/q/old/deep" "$src/p/other"
echo f > "$src/p/q/old/f"
echo d > "$src/p/q/old/deep/d"
union_setup "$src"
U=$UNION_DIR
# A renamed directory inside a renamed directory.
mv "$U/p/q/old" "$U/p/q/new"
mv "$U/p/q" "$U/p/r"
union_fresh

B=$T/bind
mkdir -p "$B"
t_mount --bind "$U/p" "$B"
assert_file_content "$B/r/new/f" f "through a bind of p: r/new/f"
assert_file_content "$B/r/new/deep/d" d "through a bind of p: r/new/deep/d"
assert_errno ENOENT lstat "$B/q"
assert_errno ENOENT lstat "$B/r/old"
assert_file_content "$U/p/r/new/f" f "through the union: p/r/new/f"
t_umount "$B"

# A bind of the renamed directory itself, after another fresh mount.
union_fresh
t_mount --bind "$U/p/r" "$B"
assert_file_content "$B/new/deep/d" d "through a bind of p/r: new/deep/d"
t_umount "$B"

# A union over a subdirectory of a read-only mount: its lower layer starts
# at that directory, and so does a redirect's path.  Before the fix the
# path was recorded from the mount's root, and after a remount the renamed
# directory showed nothing of its lower one.
if [ "$UPPER" = ext2 ]; then
	S=$LOWER_DIR/p
	mkdir -p "$T/sub-empty"
	mk_image ext2 "$T/sub-empty" "$T/sub.img"
	t_losetup "$T/sub.img"
	sub_dev=$LOOPDEV
	t_mount -t ext2 -o union "$sub_dev" "$S"
	check "over a subdirectory: rename q/old to q/moved" mv "$S/q/old" "$S/q/moved"
	t_umount "$S"
	t_mount -t ext2 -o union "$sub_dev" "$S"
	assert_file_content "$S/q/moved/f" f "over a subdirectory: q/moved/f after a remount"
	assert_file_content "$S/q/moved/deep/d" d "over a subdirectory: q/moved/deep/d"
	assert_errno ENOENT lstat "$S/q/old"
	t_umount "$S"
fi

done_testing
