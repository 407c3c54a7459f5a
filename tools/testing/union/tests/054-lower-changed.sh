#!/bin/bash
# A persistent top layer mounted over a different lower image (an
# upgrade, a rollback) shows that image correctly.  The top records what
# each lower layer was; over one that changed, the mount adopts it: a
# directory completed over the old image shows the new image's
# new names, the index (hard links) forgets the old image's inode
# numbers, and the user's changes stay: a removal, a copy, a directory
# renamed (its redirect follows the path into the new image).  A copy
# made over the old image keeps the old file's inode number over it, and
# has one of the top layer's over the new one, where the old number is
# another file's, and after a rollback to the old one.  Over the same image again, nothing is adopted; the
# lower images never change.
# uppers: ext2 jffs2
# lowers: squashfs ext2
# timeout: 240
. "$(dirname "$0")/../lib.sh"

IMAGE_MB=4
# The two images differ in the contents of h/l1 (same length) and in one
# new name in the complete directory zd, made last so that every other
# file keeps its inode number.
mk_src() {	# mk_src DIR TAG
	mkdir -p "$1/h" "$1/r" "$1/zd"
	echo "$2-link" > "$1/h/l1"
	ln "$1/h/l1" "$1/h/l2"
	echo "$2-r" > "$1/r/x"
	echo gone > "$1/gone"
	echo "$2-a" > "$1/zd/a"
	echo "$2-b" > "$1/zd/b"
	if [ "$2" = B ]; then
		echo "B-c" > "$1/zd/c"
		echo "B-y" > "$1/r/y"
	fi
}
mk_src "$T/A" A
mk_src "$T/B" B
mk_image "$LOWER" "$T/B" "$T/B.img"
hash_at_end "$T/B.img"

union_setup "$T/A"
U=$UNION_DIR
complete_dir zd
assert_dir_list "$U/zd" "a b" "over A: zd completed"
rm "$U/gone"
mv "$U/r" "$U/r2"
touch "$U/h/l1"		# copied up through the index; h/l2 not looked up
echo mine > "$U/new"
numbers=false
keeps_numbers "$U/r2/x" && numbers=true
if $numbers; then
	assert_eq "$(_t_ino "$U/h/l1")" "$(( $(_t_ino "$LOWER_DIR/h/l1") + (1 << 48) ))" \
		"over A: the copy keeps the number of A's file"
fi

# adopted: how many times the kernel adopted lower layers since the
# last call.
adopted() {
	dmesg -c | grep -c "adopting them" || true
}
adopted > /dev/null

# over LABEL IMAGE: the union again, over IMAGE as its lower.
over() {
	t_umount "$U"
	t_umount "$U"
	mkdir -p "$T/$1"
	mount_image "$LOWER" "$2" "$T/$1"
	t_mount -t "$LOWER" -o ro "$LOOPDEV" "$U"
	union_remount
}

t_umount "$U"
union_remount
assert_eq "$(adopted)" 0 "over the same image: nothing adopted"
assert_dir_list "$U/zd" "a b" "over A again: zd"

over B "$T/B.img"
assert_eq "$(adopted)" 1 "over another image: its lower layer adopted"
b_l2=$(stat -c %i "$T/B/h/l2")
diag "inode of h/l2: $(stat -c %i "$LOWER_DIR/h/l2") in A, $(stat -c %i "$T/B/h/l2" 2>/dev/null) in B's source"
check_b() {	# check_b WHEN
	assert_dir_list "$U/zd" "a b c" "$1: the new image's new name is listed"
	assert_file_content "$U/zd/c" B-c "$1: and found"
	assert_file_content "$U/zd/a" B-a "$1: an untouched file is the new image's"
	assert_errno ENOENT lstat "$U/gone"
	assert_errno ENOENT lstat "$U/r"
	assert_dir_list "$U/r2" "x y" "$1: the renamed directory takes the new image's along"
	assert_file_content "$U/r2/y" B-y "$1: the new file in it"
	assert_file_content "$U/h/l1" A-link "$1: the copied file keeps its copy"
	assert_file_content "$U/h/l2" B-link "$1: its other name, never copied, is the new image's"
	assert_file_content "$U/new" mine "$1: the new file"
}
check_b "over B"
b_copy=$(_t_ino "$U/h/l1")
if $numbers; then
	check "over B: the copy made over A has another number than B's file" \
		test "$b_copy" != "$(_t_ino "$U/h/l2")"
	check "... one of the top layer's" test "$b_copy" -lt $((1 << 48))
fi
assert_eq "$(stat -c %h "$U/h/l1")" 1 "over B: the copy has one link"
t_umount "$U"
union_remount
assert_eq "$(adopted)" 0 "over B again: nothing adopted"
check_b "over B again"
assert_eq "$(_t_ino "$U/h/l1")" "$b_copy" "over B again: the copy's number"

# The index holds no entry of the old image; the copy no record of one.
if upper_alone; then
	check "no index entry is left" \
		sh -c "[ -z \"\$(ls -A '$UPPER_DIR/.union-index' 2>/dev/null)\" ]"
	check_fails "the copy has no index record" \
		$SYSOP getxattr "$UPPER_DIR/h/l1" trusted.union.index
	check "the top records its lower layer" \
		$SYSOP getxattr "$UPPER_DIR" trusted.union.layers
	union_remount
fi

# Back to A: A's names again, the changes still there.
over A "$LOWER_IMG"
assert_eq "$(adopted)" 1 "back over A: adopted again"
if $numbers; then
	check "over A: the first copy and A's other name, now two files, have two numbers" \
		test "$(_t_ino "$U/h/l1")" != "$(_t_ino "$U/h/l2")"
fi
assert_dir_list "$U/zd" "a b" "over A: no c"
assert_file_content "$U/zd/a" A-a "over A: A's file"
assert_dir_list "$U/r2" "x" "over A: the renamed directory"
assert_errno ENOENT lstat "$U/gone"
assert_file_content "$U/new" mine "over A: the new file"
done_testing
