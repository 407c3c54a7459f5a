#!/bin/bash
# A union mount shows the lower tree; a new file goes to the upper layer;
# the lower layer is never written.  Skipped without union mounts.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/dir"
echo lower > "$src/file"
echo deep > "$src/dir/deep"
union_setup "$src"

assert_file_content "$UNION_DIR/file" lower "lower file seen through the union"
assert_file_content "$UNION_DIR/dir/deep" deep "lower subdirectory seen through the union"
echo new > "$UNION_DIR/new"
assert_file_content "$UNION_DIR/new" new "new file seen through the union"
assert_absent "$LOWER_DIR/new" "new file is not in the lower layer"
assert_layer new upper "new file is on the top layer"
# ext2 and ext4 layers bring a lost+found of their own.
names="dir file new"
case "$UPPER $LOWER" in *ext*) names="$names lost+found" ;; esac
assert_dir_list "$UNION_DIR" "$names" "merged readdir of the root"
if upper_alone; then
	assert_file_content "$UPPER_DIR/new" new "new file is in the upper layer"
fi

done_testing
