#!/bin/bash
# Lookup in a union of one lower: a name only on the upper layer, only on
# the lower one, or on both (the upper wins), at the root and in a merged
# subdirectory, and names on neither (ENOENT, ENOTDIR); each object is
# checked to come from the right layer, as first looked up, with the
# caches dropped (block uppers: after a remount), and both again after
# readdir has copied the merged directories up.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/bdir" "$src/ldir" "$src/deep/a/b/c"
echo lower-only > "$src/lfile"
echo lower-both > "$src/both"
echo lower-lo > "$src/bdir/lo"
echo lower-shared > "$src/bdir/shared"
echo lower-inner > "$src/ldir/inner"
echo leaf > "$src/deep/a/b/c/leaf"
union_setup "$src"
U=$UNION_DIR

# Upper-only objects, made through the union.
echo upper-only > "$U/ufile"
mkdir "$U/udir"
echo upper-in-udir > "$U/udir/f"
echo upper-new > "$U/bdir/new"
# Names on both layers: a new upper file renamed over a lower-only name
# replaces it in the union and shadows the lower one.
echo upper-both > "$U/tmp1"
assert_errno 0 rename "$U/tmp1" "$U/both"
echo upper-shared > "$U/bdir/tmp2"
assert_errno 0 rename "$U/bdir/tmp2" "$U/bdir/shared"

check_view() {	# check_view WHEN
	local w=$1
	assert_file_content "$U/ufile" upper-only "$w: upper-only file"
	assert_layer ufile upper "$w: upper-only file is on the top layer"
	assert_file_content "$U/udir/f" upper-in-udir "$w: file in an upper-only dir"
	assert_type "$U/udir" dir "$w: upper-only dir"
	assert_file_content "$U/lfile" lower-only "$w: lower-only file"
	assert_layer lfile lower "$w: lower-only file is the lower's"
	assert_file_content "$U/ldir/inner" lower-inner "$w: file in a lower-only dir"
	assert_layer ldir/inner lower "$w: file in a lower-only dir is the lower's"
	assert_file_content "$U/deep/a/b/c/leaf" leaf "$w: file four lower dirs down"
	assert_file_content "$U/both" upper-both "$w: on both layers: the upper wins"
	assert_layer both upper "$w: on both layers: the top layer's object"
	assert_file_content "$U/bdir/shared" upper-shared "$w: upper wins in a merged dir"
	assert_layer bdir/shared upper "$w: ... with the top layer's object"
	assert_file_content "$U/bdir/lo" lower-lo "$w: lower file in a merged dir"
	assert_layer bdir/lo lower "$w: ... is the lower's"
	assert_file_content "$U/bdir/new" upper-new "$w: upper file in a merged dir"
	assert_layer bdir/new upper "$w: ... is on the top layer"
	assert_errno ENOENT lstat "$U/nothing"
	assert_errno ENOENT lstat "$U/bdir/nothing"
	assert_errno ENOENT lstat "$U/nodir/nothing"
	assert_errno ENOTDIR lstat "$U/lfile/x"
	assert_errno ENOTDIR lstat "$U/ufile/x"
	assert_errno ENOTDIR lstat "$U/both/x"
}

check_readdir() {
	local w=$1 root="bdir both deep lfile ldir udir ufile"
	case "$UPPER $LOWER" in *ext*) root="$root lost+found" ;; esac
	assert_dir_list "$U" "$root" "$w: readdir of the root"
	assert_dir_list "$U/bdir" "lo new shared" "$w: readdir of the merged dir"
}

# Lookups before any readdir (which copies merged directories up), with
# the caches dropped or the union remounted, then the same after readdir.
check_lookup_phases

# The lower layer alone is as it was made.
assert_file_content "$LOWER_DIR/both" lower-both "lower alone: both keeps its content"
assert_file_content "$LOWER_DIR/bdir/shared" lower-shared "lower alone: bdir/shared too"
assert_absent "$LOWER_DIR/ufile" "lower alone: no upper-only file"
assert_absent "$LOWER_DIR/bdir/new" "lower alone: no new file in bdir"
assert_absent "$LOWER_DIR/tmp1" "lower alone: no temporary"

if upper_alone; then
	U=$UPPER_DIR
	assert_file_content "$U/ufile" upper-only "upper alone: upper-only file"
	assert_file_content "$U/udir/f" upper-in-udir "upper alone: file in upper-only dir"
	assert_file_content "$U/both" upper-both "upper alone: the shadowing file"
	assert_file_content "$U/bdir/shared" upper-shared "upper alone: shadowing file in bdir"
	assert_file_content "$U/bdir/new" upper-new "upper alone: new file in bdir"
	assert_absent "$U/tmp1" "upper alone: the renamed temporary is gone"
	assert_absent "$U/lfile" "upper alone: no copy of the lower-only file"
	assert_absent "$U/bdir/lo" "upper alone: no copy of bdir/lo"
	assert_absent "$U/deep/a/b/c/leaf" "upper alone: no copy of the deep leaf"
fi

done_testing
