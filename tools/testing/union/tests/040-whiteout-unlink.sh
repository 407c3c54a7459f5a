#!/bin/bash
# unlink of a name that exists below leaves a whiteout: the name is gone
# from the union (ENOENT, not in readdir) and the lower file is untouched;
# the same for a lower symlink, a lower fifo, an upper file that shadowed
# a lower one, and a name in a directory already completed or
# not.  An upper-only file goes without a trace.  unlink of a lower
# directory fails with EISDIR, of a whited-out name with ENOENT.  A new
# file made over a whiteout is an upper file, and unlinking it brings
# back no lower file.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in fresh read; do
	mkdir -p "$src/$d/ldir"
	echo "lower-$d-f" > "$src/$d/f"
	echo "lower-$d-g" > "$src/$d/g"
	echo "lower-$d-shadow" > "$src/$d/shadow"
	echo "lower-$d-again" > "$src/$d/again"
	echo "lower-$d-keep" > "$src/$d/keep"
	ln -s f "$src/$d/sym"
	mkfifo "$src/$d/fifo"
done
union_setup "$src"
U=$UNION_DIR
all="again f fifo g keep ldir shadow sym"

# "read" is completed first: its lower entries become fallthrus.
complete_dir read
assert_dir_list "$U/read" "$all" "read: the merged dir before the changes"

for d in fresh read; do
	D=$U/$d
	assert_errno 0 unlink "$D/f"
	assert_errno 0 unlink "$D/sym"
	assert_errno 0 unlink "$D/fifo"
	assert_errno EISDIR unlink "$D/ldir"
	assert_errno ENOENT unlink "$D/f"
	assert_errno ENOENT unlink "$D/never"
	echo upper > "$D/tmp" && assert_errno 0 rename "$D/tmp" "$D/shadow"
	assert_errno 0 unlink "$D/shadow"
	echo upper-only > "$D/uonly"
	assert_errno 0 unlink "$D/uonly"
	assert_errno 0 unlink "$D/again"
	echo upper-again > "$D/again"
	assert_layer "$d/again" upper "$d: a file made over a whiteout is an upper file"
	assert_file_content "$D/again" upper-again "$d: ... with its content"

	for n in f sym fifo shadow uonly; do
		assert_absent "$D/$n" "$d: $n is gone"
	done
	assert_errno ENOENT open "$D/f" rdonly
	assert_errno ENOENT stat "$D/sym"
	assert_file_content "$D/keep" "lower-$d-keep" "$d: the untouched lower file"
	assert_dir_list "$D" "again g keep ldir" "$d: readdir after the unlinks"

	# Remove the re-created file: the lower again stays hidden.
	assert_errno 0 unlink "$D/again"
	assert_absent "$D/again" "$d: after unlinking the new file, the lower again stays hidden"
	assert_dir_list "$D" "g keep ldir" "$d: readdir after that"
done

for d in fresh read; do
	for n in f g shadow again keep; do
		assert_file_content "$LOWER_DIR/$d/$n" "lower-$d-$n" "lower alone: $d/$n untouched"
	done
	assert_type "$LOWER_DIR/$d/sym" symlink "lower alone: $d/sym still there"
	assert_type "$LOWER_DIR/$d/fifo" fifo "lower alone: $d/fifo still there"
done

if upper_alone; then
	for d in fresh read; do
		# Whiteouts and fallthrus are no entries to the upper alone.
		# (ldir may have been created on the top layer by a lookup.)
		assert_eq "$($SYSOP readdir "$UPPER_DIR/$d" | grep -vx ldir | tr '\n' ' ')" "" \
			"upper alone: $d holds no entry for the removed names"
	done
	union_remount
	for d in fresh read; do
		for n in f sym fifo shadow uonly again; do
			assert_absent "$U/$d/$n" "after a remount: $d/$n is still gone"
		done
		assert_dir_list "$U/$d" "g keep ldir" "after a remount: readdir of $d"
	done
fi

done_testing
