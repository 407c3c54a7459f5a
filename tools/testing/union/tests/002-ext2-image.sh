#!/bin/bash
# Harness self-test: ext2/ext4 images made from a directory with
# mke2fs -d are fsck-clean, hold the tree, and stay clean after changes
# made through a loop mount.  Needs no union mounts.
# uppers: tmpfs
# lowers: ext2 ext4
. "$(dirname "$0")/../lib.sh"
case $LOWER in ext*) ;; *) LOWER=ext2 ;; esac

src=$T/src
mkdir -p "$src/a/b"
printf 'x%.0s' $(seq 1 5000) > "$src/a/big"
echo small > "$src/a/b/small"
ln -s ../a "$src/a/b/up"

img=$T/img
mk_image "$LOWER" "$src" "$img"
fsck_image "$LOWER" "$img"

mount_image "$LOWER" "$img" "$T/m" rw
dev=$LOOPDEV
assert_eq "$(stat -c %s "$T/m/a/big")" 5000 "big file size"
assert_file_content "$T/m/a/b/small" small "small file content"
assert_eq "$(readlink "$T/m/a/b/up")" ../a "symlink target"
assert_exists "$T/m/lost+found" "lost+found made by mke2fs"

# Changes of every kind, then a clean unmount.
echo new > "$T/m/new"
mkdir "$T/m/newdir"
mv "$T/m/a/b/small" "$T/m/newdir/moved"
rm "$T/m/a/big"
ln "$T/m/new" "$T/m/hardlink"
assert_eq "$(stat -c %h "$T/m/new")" 2 "hard link count"
t_umount "$T/m"
fsck_image "$LOWER" "$img"

# Read back read-only.
t_mount -t "$LOWER" -o ro "$dev" "$T/m"
assert_file_content "$T/m/newdir/moved" small "moved file survives remount"
assert_absent "$T/m/a/big" "removed file stays removed"
assert_errno EROFS open "$T/m/x" creat,wronly

done_testing
