#!/bin/bash
# mkdir over a whiteout makes an opaque directory: the lower directory of
# the same name (and everything under it) does not show in it, not by
# lookup and not by readdir; new entries in it are upper entries; a name
# that exists only in the hidden lower directory can be created in it.
# The same over a whiteout of a lower file, and in a parent completed
# before or not.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in fresh read; do
	mkdir -p "$src/$d/od/sub"
	echo a > "$src/$d/od/a"
	echo b > "$src/$d/od/b"
	echo s > "$src/$d/od/sub/s"
	echo f > "$src/$d/wasfile"
done
union_setup "$src"
U=$UNION_DIR

complete_dir read read/od
assert_dir_list "$U/read" "od wasfile" "read: completed before the changes"
assert_dir_list "$U/read/od" "a b sub" "read: od completed before the changes"

for d in fresh read; do
	D=$U/$d
	check "$d: rm -r od" rm -r "$D/od"
	assert_errno 0 mkdir "$D/od" 0750
	assert_type "$D/od" dir "$d: od made again"
	assert_eq "$(stat -c %a "$D/od")" 750 "$d: ... with the mode asked for"
	assert_dir_list "$D/od" "" "$d: the new od is empty (opaque)"
	for n in a b sub sub/s; do
		assert_errno ENOENT lstat "$D/od/$n"
	done
	assert_errno 0 mkdir "$D/od/sub"
	assert_dir_list "$D/od/sub" "" "$d: od/sub made again is empty too"
	echo new-a > "$D/od/a"
	assert_errno 0 open "$D/od/b" creat,excl,wronly
	assert_file_content "$D/od/a" new-a "$d: a name of the hidden lower dir, created anew"
	assert_layer "$d/od/a" upper "$d: ... on the top layer"
	assert_dir_list "$D/od" "a b sub" "$d: readdir of od: the new entries only"
	assert_eq "$(stat -c %s "$D/od/b")" 0 "$d: od/b is the new empty file"

	assert_errno 0 unlink "$D/wasfile"
	assert_errno 0 mkdir "$D/wasfile"
	assert_dir_list "$D/wasfile" "" "$d: a dir over a removed lower file is empty"
	check "$d: ... on the top layer" \
		test "$($SYSOP fidtype "$D/wasfile")" != $FILEID_UNION_LOWER
done

for d in fresh read; do
	for p in od/a od/b od/sub/s wasfile; do
		assert_exists "$LOWER_DIR/$d/$p" "lower alone: $d/$p untouched"
	done
done

if upper_alone; then
	for d in fresh read; do
		assert_dir_list "$UPPER_DIR/$d/od" "a b sub" "upper alone: $d/od holds the new entries"
	done
	union_remount
	for d in fresh read; do
		assert_dir_list "$U/$d/od" "a b sub" "after a remount: $d/od is still opaque"
		assert_dir_list "$U/$d/od/sub" "" "after a remount: $d/od/sub is still opaque"
		assert_errno ENOENT lstat "$U/$d/od/sub/s"
		assert_file_content "$U/$d/od/a" new-a "after a remount: $d/od/a is the new file"
	done
fi

done_testing
