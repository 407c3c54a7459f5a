#!/bin/bash
# Symlinks across layers resolve relative to the union directory that
# holds them: a lower symlink to a name that exists only on the upper
# layer, an upper symlink to a lower-only name, a chain through both, a
# lower symlink climbing out of a lower subdirectory, a lower symlink to
# a lower directory (what is reached through it is the union directory:
# new files made through it land on the top layer), and a lower symlink
# to a removed name (dangling: ENOENT).  Checked as made, with the caches
# dropped (block uppers: after a remount), and both again after readdir.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/ldir/sub"
echo lower-file > "$src/lfile"
echo lower-gone > "$src/gone"
echo lower-in-ldir > "$src/ldir/f"
ln -s uonly "$src/lsym"			# to an upper-only name
ln -s ../uonly "$src/ldir/up"		# climbs out of a lower dir
ln -s ../../udir/g "$src/ldir/sub/deep"	# to a file in an upper-only dir
ln -s ldir "$src/lsym-dir"		# to a lower dir
ln -s gone "$src/lsym-gone"		# to a name removed in the union
ln -s usym "$src/lsym-chain"		# lower -> upper -> lower
union_setup "$src"
U=$UNION_DIR

echo upper-only > "$U/uonly"
mkdir "$U/udir"
echo upper-g > "$U/udir/g"
assert_errno 0 symlink lfile "$U/usym"
assert_errno 0 symlink ldir/f "$U/usym-deep"
assert_errno 0 symlink ldir "$U/usym-dir"
assert_errno 0 unlink "$U/gone"

check_view() {
	local w=$1
	assert_layer lsym lower "$w: lsym is the lower symlink"
	assert_eq "$($SYSOP readlink "$U/lsym")" uonly "$w: lsym's target"
	assert_file_content "$U/lsym" upper-only "$w: lower symlink to an upper-only file"
	assert_eq "$($SYSOP stat "$U/lsym")" "$($SYSOP lstat "$U/uonly")" \
		"$w: stat through lsym is the upper file"
	assert_file_content "$U/ldir/up" upper-only "$w: lower ../uonly from a lower dir"
	assert_file_content "$U/ldir/sub/deep" upper-g "$w: lower ../../udir/g"
	assert_layer usym upper "$w: usym is on the top layer"
	assert_file_content "$U/usym" lower-file "$w: upper symlink to a lower-only file"
	assert_eq "$($SYSOP stat "$U/usym")" "$($SYSOP lstat "$U/lfile")" \
		"$w: stat through usym is the lower file itself"
	assert_layer lfile lower "$w: ... which is still the lower one"
	assert_file_content "$U/usym-deep" lower-in-ldir "$w: upper symlink into a lower dir"
	assert_file_content "$U/lsym-chain" lower-file "$w: lower -> upper -> lower chain"
	assert_errno ENOENT stat "$U/lsym-gone"
	assert_type "$U/lsym-gone" symlink "$w: the dangling lower symlink is still there"
	assert_eq "$(_t_dev "$U/lsym-dir/.")" "$TOP_DEV" \
		"$w: the dir reached through a lower symlink is the union's"
	assert_eq "$(_t_dev "$U/usym-dir/.")" "$TOP_DEV" \
		"$w: the dir reached through an upper symlink is the union's"
	assert_file_content "$U/lsym-dir/made-through-lsym" new-l "$w: file made through lsym-dir"
	assert_file_content "$U/usym-dir/made-through-usym" new-u "$w: file made through usym-dir"
}

check_readdir() {
	assert_dir_list "$U/lsym-dir" "f made-through-lsym made-through-usym sub up" \
		"$1: readdir through the lower symlink: the merged dir"
	assert_dir_list "$U/ldir/sub" "deep" "$1: readdir of ldir/sub"
}

echo new-l > "$U/lsym-dir/made-through-lsym"
echo new-u > "$U/usym-dir/made-through-usym"
assert_layer ldir/made-through-lsym upper "a file made through lsym-dir is on the top layer"
check_view "as made"
union_fresh
check_view "fresh lookup"
check_readdir "fresh lookup"
check_view "after readdir"
union_fresh
check_view "fresh lookup after readdir"
check_readdir "fresh lookup after readdir"

assert_absent "$LOWER_DIR/ldir/made-through-lsym" "lower alone: nothing made in ldir"
assert_absent "$LOWER_DIR/uonly" "lower alone: no uonly"
assert_eq "$($SYSOP readlink "$LOWER_DIR/lsym-gone")" gone "lower alone: lsym-gone unchanged"

if upper_alone; then
	assert_file_content "$UPPER_DIR/ldir/made-through-lsym" new-l \
		"upper alone: the file made through lsym-dir is in ldir"
	assert_eq "$($SYSOP readlink "$UPPER_DIR/usym")" lfile "upper alone: usym"
	assert_absent "$UPPER_DIR/lsym" "upper alone: the lower symlink is not copied"
	assert_absent "$UPPER_DIR/lsym-dir" "upper alone: nor lsym-dir"
fi

done_testing
