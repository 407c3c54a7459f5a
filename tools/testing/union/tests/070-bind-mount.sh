#!/bin/bash
# A bind mount of a union (of its root, and of a merged subdirectory)
# shows the same merged tree as the union: lower objects as the union
# shows them (st_dev, st_ino, file handle), whiteouts hidden, changes
# made through either visible through the other; /proc/self/mountinfo
# shows "union" on the union and on its bind mounts; a read-only bind
# (mount -o remount,bind,ro) refuses writes with EROFS.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/dir/sub" "$src/other"
echo lower-file > "$src/file"
echo lower-gone > "$src/gone"
echo lower-a > "$src/dir/a"
echo lower-b > "$src/dir/b"
echo lower-s > "$src/dir/sub/s"
echo lower-o > "$src/other/o"
ln -s dir/a "$src/sym"
union_setup "$src"
U=$UNION_DIR
echo upper-new > "$U/new"
rm "$U/gone"

B1=$T/b1 B2=$T/b2
mkdir -p "$B1" "$B2"
t_mount --bind "$U" "$B1"
t_mount --bind "$U/dir" "$B2"
check "mountinfo: the union shows union" is_union "$U"
check "mountinfo: the bind of the union shows union" is_union "$B1"
check "mountinfo: the bind of a union subdir shows union" is_union "$B2"

# Lookups through the binds, before any readdir.
assert_file_content "$B1/file" lower-file "bind: a lower file"
assert_eq "$($SYSOP lstat "$B1/file")" "$($SYSOP lstat "$U/file")" \
	"bind: the lower file as the union shows it"
assert_eq "$($SYSOP fidtype "$B1/file")" $FILEID_UNION_LOWER \
	"bind: the lower file is the lower object"
assert_file_content "$B1/new" upper-new "bind: an upper file"
assert_eq "$($SYSOP lstat "$B1/new")" "$($SYSOP lstat "$U/new")" "bind: the same upper object"
assert_errno ENOENT lstat "$B1/gone"
assert_file_content "$B1/sym" lower-a "bind: a lower symlink"
assert_file_content "$B1/other/o" lower-o "bind: a file in a lower dir"
assert_eq "$(_t_dev "$B1/other")" "$TOP_DEV" "bind: a lower dir is on the top layer"
assert_file_content "$B2/sub/s" lower-s "subdir bind: a file in a lower subdir"
assert_file_content "$B2/a" lower-a "subdir bind: a lower file"
assert_eq "$($SYSOP lstat "$B2/b")" "$($SYSOP lstat "$U/dir/b")" \
	"subdir bind: the lower file as the union shows it"
assert_eq "$($SYSOP fidtype "$B2/b")" $FILEID_UNION_LOWER \
	"subdir bind: the lower file is the lower object"

# Changes through one, seen through the others.
echo via-b1 > "$B1/via-b1"
assert_errno 0 unlink "$B1/dir/a"
echo via-b2 > "$B2/via-b2"
assert_errno 0 unlink "$B2/b"
echo via-u > "$U/dir/via-u"
assert_file_content "$U/via-b1" via-b1 "union: file made through the bind"
assert_errno ENOENT lstat "$U/dir/a"
assert_errno ENOENT lstat "$B2/a"
assert_errno ENOENT lstat "$U/dir/b"
assert_errno ENOENT lstat "$B1/dir/b"
assert_file_content "$U/dir/via-b2" via-b2 "union: file made through the subdir bind"
assert_file_content "$B1/dir/via-b2" via-b2 "bind: file made through the subdir bind"
assert_file_content "$B2/via-u" via-u "subdir bind: file made through the union"
assert_layer dir/via-b2 upper "the file made through the subdir bind is on the top layer"

tree() { "$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$1" > "$2" || bail_out "tree $1: $(cat "$2")"; }
tree "$U" "$T/tu"
tree "$B1" "$T/tb1"
assert_same_file "$T/tu" "$T/tb1" "the bind shows the same tree as the union"
tree "$U/dir" "$T/tud"
tree "$B2" "$T/tb2"
assert_same_file "$T/tud" "$T/tb2" "the subdir bind shows the same tree as the union's subdir"
assert_dir_list "$B2" "sub via-b2 via-u" "subdir bind: readdir"
assert_dir_list "$B1" "dir file new other sym via-b1 $(case "$UPPER $LOWER" in *ext*) echo lost+found ;; esac)" \
	"bind: readdir"

# A read-only bind, made the usual way.
B3=$T/b3
mkdir -p "$B3"
t_mount --bind "$U" "$B3"
check "mount -o remount,bind,ro of a bind of the union" mount -o remount,bind,ro "$B3"
if [ "$(mount_opts "$B3" | cut -d, -f1)" != ro ]; then
	diag "mount(8) failed: making the bind read-only with mount(2) directly"
	assert_errno 0 mount none "$B3" none remount,bind,rdonly
fi
assert_errno EROFS open "$B3/ro-new" creat,wronly
assert_errno EROFS unlink "$B3/file"
assert_errno EROFS mkdir "$B3/ro-dir"
assert_file_content "$B3/dir/via-u" via-u "ro bind: reads work"

t_umount "$B3"
t_umount "$B2"
t_umount "$B1"
assert_file_content "$LOWER_DIR/dir/a" lower-a "lower alone: dir/a untouched"
assert_file_content "$LOWER_DIR/gone" lower-gone "lower alone: gone untouched"
if upper_alone; then
	assert_file_content "$UPPER_DIR/via-b1" via-b1 "upper alone: the file made through the bind"
	assert_file_content "$UPPER_DIR/dir/via-b2" via-b2 "upper alone: the file made through the subdir bind"
	assert_absent "$UPPER_DIR/dir/a" "upper alone: no dir/a"
fi

done_testing
