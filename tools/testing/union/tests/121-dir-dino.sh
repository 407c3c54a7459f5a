#!/bin/bash
# d_ino.  Every readdir entry carries the st_ino that lstat gives for its
# name: files and directories, lower-only, merged, copied-up and new ones,
# before and after changes and after a remount (merged-tree.sh).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../merged-tree.sh"

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

assert_eq "$(dino_check "$U" "$U/a" "$U/a/s1" "$U/b")" ok \
	"readdir: d_ino is st_ino for every entry"
merged_tree_change
assert_eq "$(dino_check "$U" "$U/a" "$U/b" "$U/c")" ok \
	"d_ino is st_ino after the changes"
union_fresh
assert_eq "$(dino_check "$U" "$U/a" "$U/c/s1moved" "$U/b" "$U/c")" ok \
	"after a remount: d_ino is st_ino"
done_testing
