#!/bin/bash
# Directory link counts and d_ino.  A directory's st_nlink is 2 plus its
# subdirectories in the merged view, before its first readdir (lower-only
# subdirectories counted, hidden ones not), after it, after mkdir, rmdir
# and lower and merged subdirectories moved, and after a remount; compared with a
# plain tmpfs copy of the merged tree.  Every readdir entry carries the
# st_ino that lstat gives for its name: files and directories, lower-only,
# merged, copied-up and new ones.  Two lowers, with a whiteout and an
# opaque directory in the upper one.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

l1=$T/src1	# the upper lower layer
l2=$T/src2	# the lowest
ref=$T/ref
mkdir -p "$l2/a/s1" "$l2/a/s2" "$l2/a/gone" "$l2/a/hidden/x" "$l2/b/t1" \
	"$l2/c"
echo f > "$l2/a/f"
mkdir -p "$l1/a/s3" "$l1/a/s1/deeper" "$l1/a/hidden" "$l1/b/t2"
echo g > "$l1/a/g"
echo file > "$l1/a/notdir"
mkdir -p "$l2/a/notdir"	# hidden by the file above
union_setup "$l1" "$l2"
U=$UNION_DIR
# the whiteout and the opaque directory, made through a union of the
# two lowers alone would need a third image: make them on top instead
rmdir "$U/a/gone" || bail_out "rmdir a/gone"
rm -rf "$U/a/hidden" && mkdir "$U/a/hidden" || bail_out "opaque a/hidden"

# The reference: the merged view as a plain tree.
mkdir -p "$ref"
cp -a "$l2/." "$ref/"
cp -a "$l1/." "$ref/" 2>/dev/null
rm -rf "$ref/a/notdir" && cp -a "$l1/a/notdir" "$ref/a/notdir"
rm -rf "$ref/a/gone" "$ref/a/hidden" && mkdir "$ref/a/hidden"

# nlinks ROOT: "dir nlink" for every directory below ROOT, sorted.  The
# root itself is the top layer's (and ext2 images bring lost+found).
nlinks() {
	(cd "$1" && find . -mindepth 1 -type d ! -name lost+found \
		-printf '%p %n\n' | sort)
}
dino_check() {	# dino_check DIR...: d_ino == lstat st_ino for every entry
	$PYTHON - "$@" <<-'EOF'
	import os, sys
	bad = []
	for d in sys.argv[1:]:
	    for e in os.scandir(d):
	        st = os.lstat(e.path)
	        if e.inode() != st.st_ino:
	            bad.append(f"{e.path}: d_ino {e.inode()} st_ino {st.st_ino}")
	print("\n".join(bad) or "ok")
	EOF
}

# Before any readdir: stat only (find would list): a, b, c themselves.
for d in a b c; do
	assert_eq "$(stat -c %h "$U/$d")" "$(stat -c %h "$ref/$d")" \
		"before readdir: $d has the merged view's link count"
done
assert_eq "$(stat -c %h "$U/a/s1")" "$(stat -c %h "$ref/a/s1")" \
	"before readdir: a/s1 (merged over two lowers)"
assert_eq "$(dino_check "$U" "$U/a" "$U/a/s1" "$U/b")" ok \
	"readdir: d_ino is st_ino for every entry"
assert_eq "$(nlinks "$U")" "$(nlinks "$ref")" \
	"after readdir: every directory's link count as in the reference"

# Changes.
for t in "$U" "$ref"; do
	mkdir "$t/a/new" "$t/c/new"
	rmdir "$t/a/s2"
	mv "$t/b/t2" "$t/a/moved"
	mv "$t/a/s1" "$t/c/s1moved"
	echo h > "$t/a/h"
done
assert_eq "$(nlinks "$U")" "$(nlinks "$ref")" \
	"after mkdir, rmdir and rename: link counts as in the reference"
assert_eq "$(dino_check "$U" "$U/a" "$U/b" "$U/c")" ok \
	"d_ino is st_ino after the changes"

union_fresh
assert_eq "$(nlinks "$U")" "$(nlinks "$ref")" \
	"after a remount: link counts as in the reference"
assert_eq "$(dino_check "$U" "$U/a" "$U/c/s1moved" "$U/b" "$U/c")" ok \
	"after a remount: d_ino is st_ino"
done_testing
