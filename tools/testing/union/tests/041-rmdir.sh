#!/bin/bash
# rmdir in a union: a lower directory whose merged view is empty (empty
# below, or every lower entry removed) goes and leaves a whiteout; one
# that still shows a lower or an upper entry fails with ENOTEMPTY and
# stays; an upper-only directory goes as on any file system; rmdir of a
# lower file fails with ENOTDIR, of a removed name with ENOENT.  The same
# in a parent completed before and in one not.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in fresh read; do
	mkdir -p "$src/$d/empty" "$src/$d/full/sub" "$src/$d/emptied/sub" \
		"$src/$d/withnew" "$src/$d/busy" "$src/$d/partly"
	echo a > "$src/$d/partly/a"
	echo g > "$src/$d/partly/g"
	echo x > "$src/$d/full/x"
	echo a > "$src/$d/emptied/a"
	echo b > "$src/$d/emptied/b"
	echo y > "$src/$d/emptied/sub/y"
	echo f > "$src/$d/file"
	echo k > "$src/$d/busy/k"
done
union_setup "$src"
U=$UNION_DIR

complete_dir read read/emptied
assert_dir_list "$U/read" "busy emptied empty file full partly withnew" \
	"read: completed before the changes"
assert_dir_list "$U/read/emptied" "a b sub" "read: emptied completed before the changes"

for d in fresh read; do
	D=$U/$d
	assert_errno 0 rmdir "$D/empty"
	assert_absent "$D/empty" "$d: an empty lower dir is gone"
	assert_errno ENOENT rmdir "$D/empty"
	assert_errno ENOTEMPTY rmdir "$D/full"
	assert_type "$D/full" dir "$d: a lower dir with lower entries stays"
	assert_dir_list "$D/full" "sub x" "$d: ... with its entries"
	# One lower file removed, one left (and never looked up).
	assert_errno 0 unlink "$D/partly/a"
	assert_errno ENOTEMPTY rmdir "$D/partly"
	assert_file_content "$D/partly/g" g "$d: partly/g is still there"
	assert_errno 0 unlink "$D/emptied/a"
	assert_errno 0 unlink "$D/emptied/b"
	assert_errno ENOTEMPTY rmdir "$D/emptied"
	assert_errno 0 unlink "$D/emptied/sub/y"
	assert_errno 0 rmdir "$D/emptied/sub"
	assert_dir_list "$D/emptied" "" "$d: emptied shows nothing"
	assert_errno 0 rmdir "$D/emptied"
	assert_absent "$D/emptied" "$d: a lower dir whose entries are all removed is gone"
	assert_absent "$D/emptied/a" "$d: ... and what was in it"
	assert_errno 0 unlink "$D/busy/k"
	echo new > "$D/busy/new"
	assert_errno ENOTEMPTY rmdir "$D/busy"
	assert_errno 0 unlink "$D/busy/new"
	assert_errno 0 rmdir "$D/busy"
	echo n > "$D/withnew/n"
	assert_errno ENOTEMPTY rmdir "$D/withnew"
	assert_errno 0 mkdir "$D/udir"
	echo u > "$D/udir/u"
	assert_errno ENOTEMPTY rmdir "$D/udir"
	assert_errno 0 unlink "$D/udir/u"
	assert_errno 0 rmdir "$D/udir"
	assert_absent "$D/udir" "$d: an upper-only dir is gone"
	assert_errno ENOTDIR rmdir "$D/file"
	assert_errno ENOENT rmdir "$D/nothing"
	assert_dir_list "$D" "file full partly withnew" "$d: readdir after the rmdirs"
done

for d in fresh read; do
	for p in empty full/sub full/x emptied/a emptied/b emptied/sub/y busy/k \
		partly/a partly/g; do
		assert_exists "$LOWER_DIR/$d/$p" "lower alone: $d/$p untouched"
	done
done

if upper_alone; then
	for d in fresh read; do
		for n in empty emptied busy udir; do
			assert_absent "$UPPER_DIR/$d/$n" "upper alone: no $d/$n (a whiteout is no entry)"
		done
	done
	union_remount
	for d in fresh read; do
		for n in empty emptied busy udir; do
			assert_absent "$U/$d/$n" "after a remount: $d/$n is still gone"
		done
		assert_dir_list "$U/$d" "file full partly withnew" "after a remount: readdir of $d"
		assert_dir_list "$U/$d/full" "sub x" "after a remount: readdir of $d/full"
	done
fi

done_testing
