#!/bin/bash
# Hard links below the topmost lower layer, over three lowers: a file of
# the bottom layer with five names, two of which the layers above hide
# (one behind a file of the same name in the middle layer, one in a
# directory that a file of the topmost lower layer hides), and a file of
# the middle layer whose second name the topmost lower hides.  st_nlink
# counts the names the merged view shows, by stat and by fstat, before any
# copy-up and after; every change through one name (data, mode, owner,
# times, xattrs) is seen through every other; unlinks count down to the
# last name, whose index entry goes with it.  All compared with a plain
# tmpfs tree that went through the same calls, then again after a remount.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

l1=$T/l1 l2=$T/l2 l3=$T/l3 ref=$T/ref
# (difftest.py merge knows the names a to g only)
mkdir -p "$l3/d" "$l3/e" "$l3/g" "$l2/d" "$l2/g" "$l1"
echo five > "$l3/d/a"
for n in d/b d/g e/c g/f; do
	ln "$l3/d/a" "$l3/$n"
done
echo middle > "$l2/d/g"		# hides d/g of the bottom
echo two > "$l2/g/d"
ln "$l2/g/d" "$l2/g/e"
echo top > "$l1/e"		# hides the directory e, and e/c in it
mkdir "$l1/g" && echo hides > "$l1/g/e"	# hides g/e of the middle
union_setup "$l1" "$l2" "$l3"
U=$UNION_DIR
"$PYTHON" "$UNION_TOOLS/difftest.py" merge "$ref" "$l1" "$l2" "$l3" ||
	bail_out "difftest.py merge failed"

same() {
	assert_same_tree "$U" "$ref" "$1"
}
both() {	# both CMD ARGS...: in the union and in the reference
	in_both "$U" "$ref" "$@"
}
nlinks() {	# nlinks PATH...: st_nlink of each, by stat, in the union
	local p
	for p in "$@"; do
		printf '%s ' "$(stat -c %h "$U/$p")"
	done
}

assert_eq "$(stat -c %h "$l3/d/a")" 5 "bottom layer alone: five names"
assert_eq "$(nlinks d/a d/b g/f g/d)" "3 3 3 1 " "st_nlink: the names the union shows (3 of 5, 1 of 2)"
out=$("$PYTHON" -c 'import os, sys; print(os.fstat(os.open(sys.argv[1], os.O_RDONLY)).st_nlink)' "$U/g/f")
assert_eq "$out" 3 "fstat of an open lower file: the same count"
assert_layer d/b lower3 "not copied up by stat"
same "before any change"

both sh -c 'echo more >> d/b'
assert_eq "$(nlinks d/a d/b g/f)" "3 3 3 " "copied up by a write: still three names"
assert_eq "$(_t_ino "$U/d/a")" "$(_t_ino "$U/g/f")" "every name: one inode"
both $SYSOP setxattr d/a user.k v1 >/dev/null
both $SYSOP removexattr g/f user.k >/dev/null
both $SYSOP setxattr g/f user.j v2 >/dev/null
both chmod 640 d/b
both chown 1000:1000 g/f
both touch -d @1234567890 d/a
both sh -c 'echo m >> g/d'
same "after changes through different names"
for n in d/a d/b g/f; do
	assert_eq "$($SYSOP getxattr "$U/$n" user.j 2>&1) $($SYSOP getxattr "$U/$n" user.k 2>&1)" \
		"v2 ENODATA" "$n: the xattrs set and removed through the other names"
	assert_eq "$(stat -c '%a %u %Y' "$U/$n")" "640 1000 1234567890" \
		"$n: mode, owner, mtime set through the other names"
done
both rm d/a
assert_eq "$(nlinks d/b g/f)" "2 2 " "one name unlinked: two"
same "after an unlink"
union_fresh
same "after a remount"
both rm g/f
both ln d/b d/new
assert_eq "$(nlinks d/b d/new)" "2 2 " "after a remount: unlink and link count"
same "after a remount, unlink and link"
both rm d/b d/new g/d
same "after every name went"
if upper_alone; then
	assert_eq "$(ls "$UPPER_DIR/.union-index" 2>/dev/null | wc -l)" 0 \
		"upper alone: no index entry left"
fi
assert_eq "$(stat -c %h "${LOWER_DIRS[2]}/d/a")" 5 \
	"bottom layer alone: still five names"
done_testing
