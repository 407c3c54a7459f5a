#!/bin/bash
# Creating a name that exists below fails with EEXIST and changes
# nothing: mkdir, mknod (file, fifo), symlink, link (as the new name),
# open O_CREAT|O_EXCL, over a lower file, directory, symlink and fifo, in
# a directory completed before or not.  open O_CREAT without
# O_EXCL of a lower-only file opens the lower file: read-only succeeds
# (nothing is created), for writing it copies the file up unchanged.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in fresh read; do
	mkdir -p "$src/$d/d"
	echo "lower-$d" > "$src/$d/f"
	ln -s f "$src/$d/s"
	mkfifo "$src/$d/p"
	echo inner > "$src/$d/d/inner"
done
union_setup "$src"
U=$UNION_DIR

complete_dir read
assert_dir_list "$U/read" "d f p s" "read: completed before the changes"
for d in fresh read; do
	D=$U/$d
	echo upper > "$D/up"
	for n in f d s p; do
		assert_errno EEXIST mkdir "$D/$n"
		assert_errno EEXIST mknod "$D/$n" f 0644
		assert_errno EEXIST mknod "$D/$n" p 0644
		assert_errno EEXIST symlink target "$D/$n"
		assert_errno EEXIST link "$D/up" "$D/$n"
		assert_errno EEXIST open "$D/$n" creat,excl,wronly
		assert_errno EEXIST open "$D/$n" creat,excl,rdonly
		# With a trailing slash: as for a name on the top layer.
		assert_errno EEXIST symlink target "$D/$n/"
		assert_errno EEXIST mknod "$D/$n/" p 0644
	done
	assert_errno ENOENT symlink target "$D/none/"
	assert_errno EEXIST mkdir "$D/d/inner"
	assert_errno ENOTDIR mkdir "$D/f/x"
	assert_errno ENOTDIR open "$D/f/x" creat,wronly

	assert_errno 0 open "$D/f" creat,rdonly
	assert_layer "$d/f" lower "$d: open O_CREAT, read-only, of a lower file: still the lower file"
	assert_errno 0 open "$D/s" creat,rdonly
	assert_errno 0 open "$D/f" creat,wronly
	assert_layer "$d/f" upper "$d: open O_CREAT for writing of a lower file copies it up"
	assert_errno 0 open "$D/f" creat,rdwr
	assert_errno EISDIR open "$D/d" creat,rdonly
	assert_file_content "$D/f" "lower-$d" "$d: f keeps the lower content"
	assert_eq "$($SYSOP readlink "$D/s")" f "$d: s keeps its target"
	assert_type "$D/p" fifo "$d: p is still the lower fifo"
	assert_dir_list "$D/d" inner "$d: d keeps its entries"
	assert_dir_list "$D" "d f p s up" "$d: readdir: nothing created"
	assert_eq "$(stat -c %h "$D/up")" 1 "$d: no link to up was made"
done

for d in fresh read; do
	assert_file_content "$LOWER_DIR/$d/f" "lower-$d" "lower alone: $d/f untouched"
	assert_dir_list "$LOWER_DIR/$d" "d f p s" "lower alone: $d holds its names only"
done

if upper_alone; then
	for d in fresh read; do
		assert_eq "$($SYSOP readdir "$UPPER_DIR/$d" | grep -vx d | sort | tr '\n' ' ')" "f up " \
			"upper alone: $d holds up and the copy of f (and maybe d, created by lookup), nothing else"
	done
fi

done_testing
