#!/bin/bash
# Hard links across copy-up: lower files with two and three names (in one
# directory and in several).  After one name is changed (write, chmod,
# truncate, rename, link), every name shows the same file: the same inode,
# the data written through any name, the merged view's link count; new
# links and unlinks (of copied and of not yet copied names) count; all
# compared with a plain tmpfs tree that went through the same calls, then
# again after a remount.  The index that keeps the names together is not
# in the merged view; it loses an entry when the file loses its last name.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
mkdir -p "$src/a" "$src/b/c"
echo two > "$src/a/two"
ln "$src/a/two" "$src/b/two-b"
echo three > "$src/a/three"
ln "$src/a/three" "$src/a/three-a"
ln "$src/a/three" "$src/b/c/three-c"
for f in t r l u; do
	echo "link-$f" > "$src/a/$f"
	ln "$src/a/$f" "$src/b/$f-2"
done
echo single > "$src/a/single"
union_setup "$src"
U=$UNION_DIR
mkdir -p "$ref"
cp -a "$src/." "$ref/"

# same DESCRIPTION: the union and the reference hold the same tree.
same() {
	assert_same_tree "$U" "$ref" "$1"
}
both() {	# both CMD ARGS...: in the union and in the reference
	in_both "$U" "$ref" "$@"
}

same "before any change"
both sh -c 'echo more >> a/two'
assert_layer b/two-b upper "the other name of a written file is the copy too"
assert_eq "$(_t_ino "$U/a/two")" "$(_t_ino "$U/b/two-b")" "both names: one inode"
assert_file_content "$U/b/two-b" "two
more" "written through one name, read through the other"
both chmod 600 a/three-a
both truncate -s 2 b/t-2
both mv a/r a/r-renamed
both ln b/l-2 b/l-new
both sh -c 'echo via-second >> b/u-2'
same "after changes through one name each"
assert_eq "$(stat -c %h "$U/b/c/three-c")" 3 "three names: link count 3 everywhere"
both rm a/three
both rm b/c/three-c
same "after unlinking a copied name and a name not linked up yet"
assert_eq "$(stat -c %h "$U/a/three-a")" 1 "one name left: link count 1"
assert_eq "$($SYSOP readdir "$U" | grep -c union-index)" 0 \
	"the index is not in the merged root"
assert_errno ENOENT lstat "$U/.union-index"
union_fresh
same "after a remount"
both sh -c 'echo again >> b/two-b'
both ln a/single a/single-2
same "after a remount, changes through the other names"
# every name of a/two goes: so does its index entry
both rm a/two b/two-b
both rm a/three-a
same "after removing every name"
if upper_alone; then
	n=$(ls "$UPPER_DIR/.union-index" | wc -l)
	# left: t, r, l, u (names below remain) and single (two names on top
	# are no index business: it had one name below)
	assert_eq "$n" 4 "upper alone: the index holds the four files that still have names"
	union_remount
	same "after the upper was mounted alone"
fi
for p in a/two b/two-b a/three a/three-a b/c/three-c a/t a/r; do
	assert_exists "$LOWER_DIR/$p" "lower alone: $p untouched"
done
assert_eq "$(stat -c %h "$LOWER_DIR/a/three")" 3 "lower alone: a/three still has three names"
done_testing
