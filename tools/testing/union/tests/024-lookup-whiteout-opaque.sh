#!/bin/bash
# Lookup through whiteouts and opaque directories: a removed lower file or
# directory is gone (ENOENT, and so is everything under it); a directory
# made again over a removed lower directory is opaque (the lower entries
# stay hidden); a file over a removed lower directory and a directory over
# a removed lower file have the new type.  Checked as made, with the
# caches dropped (block uppers: after a remount), and both again after
# readdir has copied the directories up.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/wd/sub" "$src/wd2/sub" "$src/od" "$src/fd" "$src/keep"
for f in wf wf2 df wd/x wd/sub/y wd2/x wd2/sub/y od/a od/b fd/c keep/k; do
	echo "lower-$f" > "$src/$f"
done
union_setup "$src"
U=$UNION_DIR

# Without a readdir first: one name at a time.
assert_errno 0 unlink "$U/wf"
assert_errno 0 unlink "$U/wd/x"
assert_errno 0 unlink "$U/wd/sub/y"
assert_errno 0 rmdir "$U/wd/sub"
assert_errno 0 rmdir "$U/wd"
# With rm -r, which reads the directories first.
check "rm -r of a lower dir" rm -r "$U/wd2"
check "rm of a lower file" rm "$U/wf2"
assert_errno 0 unlink "$U/od/a"
assert_errno 0 unlink "$U/od/b"
assert_errno 0 rmdir "$U/od"
assert_errno 0 mkdir "$U/od"
echo upper-n > "$U/od/n"
check "rm -r of the lower dir fd" rm -r "$U/fd"
echo upper-fd > "$U/fd"
assert_errno 0 unlink "$U/df"
assert_errno 0 mkdir "$U/df"
echo upper-i > "$U/df/i"

check_view() {
	local w=$1
	assert_errno ENOENT lstat "$U/wf"
	assert_errno ENOENT lstat "$U/wf2"
	assert_errno ENOENT lstat "$U/wf/x"
	assert_errno ENOENT lstat "$U/wd"
	assert_errno ENOENT lstat "$U/wd/x"
	assert_errno ENOENT lstat "$U/wd/sub/y"
	assert_errno ENOENT lstat "$U/wd2"
	assert_errno ENOENT lstat "$U/wd2/sub"
	assert_errno ENOENT chdir "$U/wd2/sub"
	assert_errno ENOENT open "$U/wf" rdonly
	assert_type "$U/od" dir "$w: od made again: a dir"
	assert_errno ENOENT lstat "$U/od/a"
	assert_errno ENOENT lstat "$U/od/b"
	assert_file_content "$U/od/n" upper-n "$w: the new file in the opaque od"
	assert_type "$U/fd" file "$w: fd, a dir below, is now a file"
	assert_file_content "$U/fd" upper-fd "$w: ... with the new content"
	assert_layer fd upper "$w: ... on the top layer"
	assert_errno ENOTDIR lstat "$U/fd/c"
	assert_type "$U/df" dir "$w: df, a file below, is now a dir"
	assert_file_content "$U/df/i" upper-i "$w: ... holding its new file"
	assert_file_content "$U/keep/k" lower-keep/k "$w: an untouched lower file"
}

check_readdir() {
	local w=$1
	assert_dir_list "$U" "df fd keep od $(case "$UPPER $LOWER" in *ext*) echo lost+found ;; esac)" \
		"$w: readdir of the root"
	assert_dir_list "$U/od" n "$w: readdir of the opaque od"
	assert_dir_list "$U/df" i "$w: readdir of df"
	assert_dir_list "$U/keep" k "$w: readdir of keep"
}

check_view "as made"
union_fresh
check_view "fresh lookup"
check_readdir "fresh lookup"
check_view "after readdir"
union_fresh
check_view "fresh lookup after readdir"
check_readdir "fresh lookup after readdir"

for f in wf wf2 df wd/x wd/sub/y wd2/x wd2/sub/y od/a od/b fd/c; do
	assert_file_content "$LOWER_DIR/$f" "lower-$f" "lower alone: $f is still there"
done

if upper_alone; then
	D=$UPPER_DIR
	for f in wf wf2 wd wd2; do
		assert_absent "$D/$f" "upper alone: $f: a whiteout is no entry"
	done
	assert_dir_list "$D/od" n "upper alone: od holds only the new file"
	assert_file_content "$D/fd" upper-fd "upper alone: fd is the new file"
	assert_dir_list "$D/df" i "upper alone: df holds only the new file"
fi

done_testing
