#!/bin/bash
# Directory link counts.  A directory's st_nlink is 2 plus its
# subdirectories in the merged view, before its first readdir (lower-only
# subdirectories counted, hidden ones not), after it, after mkdir, rmdir
# and lower and merged subdirectories moved, and after a remount; compared
# with a plain copy of the merged tree (merged-tree.sh).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../merged-tree.sh"

# nlinks ROOT: "dir nlink" for every directory below ROOT, sorted.  The
# root itself is the top layer's (and ext2 images bring lost+found).
nlinks() {
	(cd "$1" && find . -mindepth 1 -type d ! -name lost+found \
		-printf '%p %n\n' | sort)
}

# Before any readdir: stat only (find would list): a, b, c themselves.
for d in a b c; do
	assert_eq "$(stat -c %h "$U/$d")" "$(stat -c %h "$ref/$d")" \
		"before readdir: $d has the merged view's link count"
done
assert_eq "$(stat -c %h "$U/a/s1")" "$(stat -c %h "$ref/a/s1")" \
	"before readdir: a/s1 (merged over two lowers)"
ls -R "$U" > /dev/null
assert_eq "$(nlinks "$U")" "$(nlinks "$ref")" \
	"after readdir: every directory's link count as in the reference"

merged_tree_change
assert_eq "$(nlinks "$U")" "$(nlinks "$ref")" \
	"after mkdir, rmdir and rename: link counts as in the reference"

union_fresh
assert_eq "$(nlinks "$U")" "$(nlinks "$ref")" \
	"after a remount: link counts as in the reference"
done_testing
