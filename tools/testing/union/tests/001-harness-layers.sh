#!/bin/bash
# Harness self-test: a squashfs lower made from a directory is mounted
# read-only with the content it was made from, and an upper file system
# (tmpfs, ext2 image, or jffs2 on block2mtd over an erased image) is
# writable and fsck-clean afterwards.
# Needs no union mounts.
# uppers: tmpfs ext2 jffs2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/dir/sub" "$src/empty"
echo one > "$src/file"
echo two > "$src/dir/sub/deep"
ln -s file "$src/link"
mkfifo "$src/fifo"
chmod 0600 "$src/dir/sub/deep"

mk_image squashfs "$src" "$T/lower.img"
mount_image squashfs "$T/lower.img" "$T/lower"
L=$T/lower

assert_file_content "$L/file" one "lower: file content"
assert_file_content "$L/dir/sub/deep" two "lower: nested file content"
assert_type "$L/link" symlink "lower: symlink kept"
assert_eq "$(union-sysop readlink "$L/link")" file "lower: symlink target"
assert_type "$L/fifo" fifo "lower: fifo kept"
assert_type "$L/empty" dir "lower: empty directory kept"
assert_eq "$(stat -c %a "$L/dir/sub/deep")" 600 "lower: mode kept"
assert_dir_list "$L" "dir empty fifo file link" "lower: readdir of the root"
assert_errno EROFS open "$L/new" creat,wronly
assert_errno EROFS unlink "$L/file"
assert_errno EROFS mkdir "$L/newdir"
assert_absent "$L/new" "lower: nothing created"

# The upper layer alone, as union_setup makes it, without the union.
U=$T/upper
case $UPPER in
tmpfs)
	mkdir -p "$U"
	t_mount -t tmpfs upper "$U" ;;
ext2|ext4)
	mkdir -p "$T/empty"
	mk_image "$UPPER" "$T/empty" "$T/upper.img"
	fsck_image "$UPPER" "$T/upper.img"
	mount_image "$UPPER" "$T/upper.img" "$U" rw
	fsck_at_end "$UPPER" "$T/upper.img" ;;
jffs2)
	head -c 4M /dev/zero | tr '\0' '\377' > "$T/upper.img"
	t_mtd "$T/upper.img"
	mtd=$MTDDEV
	mkdir -p "$U"
	t_mount -t jffs2 "$mtd" "$U" ;;
esac
assert_errno 0 mkdir "$U/d"
echo hello > "$U/d/f"
assert_file_content "$U/d/f" hello "upper: a new file is written"
assert_errno 0 rename "$U/d/f" "$U/d/g"
assert_absent "$U/d/f" "upper: renamed away"
assert_errno ENOTEMPTY rmdir "$U/d"
assert_errno 0 unlink "$U/d/g"
assert_errno 0 rmdir "$U/d"
assert_eq "$(mount_opts "$U" | cut -d, -f1)" rw "upper: mounted read-write"

done_testing
