#!/bin/bash
# rename in a union: upper-only files and directories rename as on any
# file system, into merged and lower directories too; a lower file or
# symlink is copied up and renamed (into another directory, over another
# lower file too), leaving a whiteout; a lower-only or a merged directory
# renames with its content (test 140 has more); an upper file renamed
# over a lower-only name replaces it; RENAME_NOREPLACE over a lower name
# fails with EEXIST; an upper file that shadowed a lower one, renamed
# away, leaves a whiteout (the lower one does not come back); a rename
# onto a removed name works, and a directory renamed there shows nothing
# of the removed lower directory; a file over a lower directory fails
# with EISDIR, a directory over a lower file with ENOTDIR.  In a directory
# completed before and in one not.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in fresh read; do
	mkdir -p "$src/$d/ldir/sub" "$src/$d/mdir" "$src/$d/gone"
	echo "lower-$d-lf" > "$src/$d/lf"
	echo "lower-$d-target" > "$src/$d/target"
	echo "lower-$d-nr" > "$src/$d/nr"
	echo "lower-$d-shadowed" > "$src/$d/shadowed"
	echo "lower-$d-wh" > "$src/$d/wh"
	for f in rf1 rf2 rx rtarget; do
		echo "lower-$d-$f" > "$src/$d/$f"
	done
	ln -s lf "$src/$d/rsym"
	echo x > "$src/$d/ldir/x"
	echo m > "$src/$d/mdir/m"
	echo g > "$src/$d/gone/g"
	ln -s lf "$src/$d/lsym"
done
union_setup "$src"
U=$UNION_DIR

complete_dir read
assert_dir_list "$U/read" "gone ldir lf lsym mdir nr rf1 rf2 rsym rtarget rx shadowed target wh" \
	"read: completed before the changes"
for d in fresh read; do
	D=$U/$d
	# Upper-only objects.
	echo u1 > "$D/u1"
	assert_errno 0 rename "$D/u1" "$D/u2"
	assert_file_content "$D/u2" u1 "$d: upper file renamed"
	assert_absent "$D/u1" "$d: ... the old name is gone"
	echo u3 > "$D/u3"
	assert_errno 0 rename "$D/u2" "$D/u3"
	assert_file_content "$D/u3" u1 "$d: upper file renamed over an upper file"
	assert_errno 0 mkdir "$D/udir"
	echo in > "$D/udir/in"
	assert_errno 0 rename "$D/udir" "$D/udir2"
	assert_file_content "$D/udir2/in" in "$d: upper dir renamed with its content"
	assert_errno 0 rename "$D/udir2" "$D/mdir/udir3"
	assert_file_content "$D/mdir/udir3/in" in "$d: upper dir renamed into a merged dir"
	assert_errno 0 rename "$D/u3" "$D/ldir/sub/u4"
	assert_file_content "$D/ldir/sub/u4" u1 "$d: upper file renamed into a lower dir"
	assert_layer "$d/ldir/sub/u4" upper "$d: ... on the top layer"

	# Lower files and symlinks: copied up and renamed.
	assert_errno 0 rename "$D/rf1" "$D/rf1b"
	assert_file_content "$D/rf1b" "lower-$d-rf1" "$d: a lower file renamed"
	assert_layer "$d/rf1b" upper "$d: ... its copy on the top layer"
	assert_absent "$D/rf1" "$d: ... the old name is gone"
	assert_errno 0 rename "$D/rf2" "$D/mdir/rf2"
	assert_file_content "$D/mdir/rf2" "lower-$d-rf2" "$d: a lower file renamed into a merged dir"
	assert_absent "$D/rf2" "$d: ... the old name is gone"
	assert_errno 0 rename "$D/rsym" "$D/rsym2"
	assert_eq "$($SYSOP readlink "$D/rsym2")" lf "$d: a lower symlink renamed keeps its target"
	assert_errno 0 rename "$D/rx" "$D/rtarget"
	assert_file_content "$D/rtarget" "lower-$d-rx" "$d: a lower file renamed over a lower file"
	assert_absent "$D/rx" "$d: ... the old name is gone"

	# Lower-only and merged directories move with their content.
	assert_errno 0 rename "$D/ldir" "$D/ldir2"
	assert_errno 0 rename "$D/mdir" "$D/mdir2"
	assert_dir_list "$D/ldir2" "sub x" "$d: ldir renamed with its lower entries"
	assert_dir_list "$D/mdir2" "m rf2 udir3" "$d: mdir renamed with its merged entries"
	assert_absent "$D/ldir" "$d: ... the old name ldir is gone"
	assert_absent "$D/mdir" "$d: ... the old name mdir is gone"
	assert_errno 0 rename "$D/ldir2" "$D/ldir"
	assert_errno 0 rename "$D/mdir2" "$D/mdir"

	# Upper file over a lower-only name.
	echo upper-target > "$D/t1"
	assert_errno 0 rename "$D/t1" "$D/target"
	assert_file_content "$D/target" upper-target "$d: an upper file replaces a lower-only name"
	assert_layer "$d/target" upper "$d: ... on the top layer"
	assert_absent "$D/t1" "$d: ... the old name is gone"
	echo nr > "$D/nr1"
	assert_errno EEXIST rename "$D/nr1" "$D/nr" noreplace
	assert_errno EEXIST rename "$D/nr1" "$D/ldir" noreplace
	assert_file_content "$D/nr" "lower-$d-nr" "$d: RENAME_NOREPLACE left the lower nr"
	assert_errno 0 rename "$D/nr1" "$D/nr2" noreplace
	assert_file_content "$D/nr2" nr "$d: RENAME_NOREPLACE to a new name works"

	# An upper file that shadows a lower one, renamed away.
	echo upper-shadow > "$D/s1"
	assert_errno 0 rename "$D/s1" "$D/shadowed"
	assert_errno 0 rename "$D/shadowed" "$D/moved"
	assert_absent "$D/shadowed" "$d: renamed away, the shadowing file leaves a whiteout"
	assert_file_content "$D/moved" upper-shadow "$d: ... and is at its new name"

	# Onto removed names.
	assert_errno 0 unlink "$D/wh"
	echo upper-wh > "$D/w1"
	assert_errno 0 rename "$D/w1" "$D/wh"
	assert_file_content "$D/wh" upper-wh "$d: an upper file renamed onto a whiteout"
	check "$d: rm -r gone" rm -r "$D/gone"
	assert_errno 0 mkdir "$D/g1"
	echo new > "$D/g1/new"
	assert_errno 0 rename "$D/g1" "$D/gone"
	assert_dir_list "$D/gone" new "$d: a dir renamed onto a removed lower dir shows its own entries only"
	assert_errno ENOENT lstat "$D/gone/g"

	# Type mismatches with lower objects.
	echo f > "$D/f1"
	assert_errno EISDIR rename "$D/f1" "$D/ldir"
	assert_errno 0 mkdir "$D/d1"
	assert_errno ENOTDIR rename "$D/d1" "$D/lf"
	assert_dir_list "$D/ldir" "sub x" "$d: ldir unchanged"

	assert_dir_list "$D" "d1 f1 gone ldir lf lsym mdir moved nr nr2 rf1b rsym2 rtarget target wh" \
		"$d: readdir after the renames"
done

for d in fresh read; do
	for f in lf target nr shadowed wh rf1 rf2 rx rtarget; do
		assert_file_content "$LOWER_DIR/$d/$f" "lower-$d-$f" "lower alone: $d/$f untouched"
	done
	assert_dir_list "$LOWER_DIR/$d/gone" g "lower alone: $d/gone untouched"
done

if upper_alone; then
	for d in fresh read; do
		assert_file_content "$UPPER_DIR/$d/target" upper-target "upper alone: $d/target"
		assert_file_content "$UPPER_DIR/$d/moved" upper-shadow "upper alone: $d/moved"
		assert_absent "$UPPER_DIR/$d/shadowed" "upper alone: no $d/shadowed"
		assert_dir_list "$UPPER_DIR/$d/gone" new "upper alone: $d/gone"
	done
	union_remount
	for d in fresh read; do
		assert_absent "$U/$d/shadowed" "after a remount: $d/shadowed is still gone"
		assert_dir_list "$U/$d/gone" new "after a remount: $d/gone shows its own entries only"
		assert_dir_list "$U/$d" "d1 f1 gone ldir lf lsym mdir moved nr nr2 rf1b rsym2 rtarget target wh" \
			"after a remount: readdir of $d"
	done
fi

done_testing
