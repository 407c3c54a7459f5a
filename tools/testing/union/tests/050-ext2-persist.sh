#!/bin/bash
# An ext2 or jffs2 upper keeps the union's state across unmount and
# mount: new files and directories, whiteouts of lower files and
# directories, opaque directories, fallthrus of completed directories,
# lower directories served from below, upper files over lower names, and
# the whiteout left by renaming one away.  Checked by lookups after a remount of the union,
# then after a full cycle (union and lower unmounted, the upper's loop
# device detached (ext2; jffs2 is read from the flash afresh by the next
# mount), the lower and the upper image mounted again), and by
# comparing the whole merged tree before and after; the upper alone holds
# exactly the new and changed objects.
# uppers: ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/wd/sub" "$src/od/sub" "$src/ft/fsub" "$src/ld/deep" "$src/keep"
for f in wf sh mv keep/k wd/a wd/sub/b od/c od/sub/d ft/e ft/f ft/fsub/g \
	ld/h ld/deep/i; do
	echo "lower-$f" > "$src/$f"
done
ln -s keep/k "$src/lsym"
union_setup "$src"
U=$UNION_DIR

# The changes.
echo upper-new > "$U/new"
mkdir -p "$U/newdir/with" && echo upper-deep > "$U/newdir/with/file"
ln -s new "$U/usym"
rm "$U/wf"
rm "$U/wd/a" "$U/wd/sub/b" && rmdir "$U/wd/sub" "$U/wd"
rm -r "$U/od" && mkdir "$U/od" && echo upper-od > "$U/od/new"
complete_dir ft
assert_dir_list "$U/ft" "e f fsub" "ft completed: its entries became fallthrus"
assert_file_content "$U/ld/deep/i" lower-ld/deep/i "ld/deep, served from below"
echo upper-sh > "$U/tmp" && mv "$U/tmp" "$U/sh"
echo upper-mv > "$U/tmp" && mv "$U/tmp" "$U/mv" && mv "$U/mv" "$U/moved"

check_view() {	# lookups only: no readdir of merged directories
	local w=$1
	assert_file_content "$U/new" upper-new "$w: new file"
	assert_file_content "$U/newdir/with/file" upper-deep "$w: new file in new dirs"
	assert_file_content "$U/usym" upper-new "$w: new symlink"
	assert_errno ENOENT lstat "$U/wf"
	assert_errno ENOENT lstat "$U/wd"
	assert_errno ENOENT lstat "$U/wd/sub/b"
	assert_file_content "$U/od/new" upper-od "$w: the new file in the opaque od"
	assert_errno ENOENT lstat "$U/od/c"
	assert_errno ENOENT lstat "$U/od/sub"
	assert_file_content "$U/ft/e" lower-ft/e "$w: a fallthru of the completed ft"
	assert_layer ft/e lower "$w: ... leads to the lower file"
	assert_file_content "$U/ft/fsub/g" lower-ft/fsub/g "$w: through the fallthru of a dir"
	assert_file_content "$U/ld/h" lower-ld/h "$w: a lower file in ld"
	assert_file_content "$U/ld/deep/i" lower-ld/deep/i "$w: a lower file in ld/deep"
	assert_file_content "$U/sh" upper-sh "$w: the upper file over sh"
	assert_layer sh upper "$w: ... on the top layer"
	assert_errno ENOENT lstat "$U/mv"
	assert_file_content "$U/moved" upper-mv "$w: the renamed file"
	assert_file_content "$U/lsym" lower-keep/k "$w: an untouched lower symlink"
	assert_file_content "$U/keep/k" lower-keep/k "$w: an untouched lower file"
}

check_view "as made"
union_fresh
check_view "after a remount"

tree() {
	"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$U" | grep -v '^lost+found' > "$1" ||
		bail_out "dirtool tree: $(cat "$1")"
}
tree "$T/tree1"
assert_eq "$(cut -d' ' -f1 "$T/tree1" | tr '\n' ' ')" \
	"ft ft/e ft/f ft/fsub ft/fsub/g keep keep/k ld ld/deep ld/deep/i ld/h lsym moved new newdir newdir/with newdir/with/file od od/new sh usym " \
	"the merged tree holds exactly the expected names"

# A full cycle: nothing of the union is left in memory.
t_umount "$U"
t_umount "$U"
if [ "$UPPER" != jffs2 ]; then
	losetup -d "$UPPER_DEV" || bail_out "losetup -d $UPPER_DEV"
	t_losetup "$UPPER_IMG"
	UPPER_DEV=$LOOPDEV
fi
t_mount -t "$LOWER" -o ro "$(findmnt -no SOURCE "$LOWER_DIR")" "$U"
union_remount
check_view "after a full cycle"
tree "$T/tree2"
assert_same_file "$T/tree1" "$T/tree2" "after a full cycle: the same merged tree"

if upper_alone; then
	"$PYTHON" "$UNION_TOOLS/dirtool.py" tree "$UPPER_DIR" | grep -v '^lost+found' |
		cut -d" " -f1,2 > "$T/upper-list"
	cat > "$T/upper-expected" <<EOF
ft dir
ft/fsub dir
moved file
new file
newdir dir
newdir/with dir
newdir/with/file file
od dir
od/new file
sh file
usym symlink
EOF
	assert_same_file "$T/upper-expected" "$T/upper-list" \
		"upper alone: exactly the new and changed objects"
fi

done_testing
