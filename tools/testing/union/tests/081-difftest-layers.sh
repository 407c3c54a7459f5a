#!/bin/bash
# The differential test of 080 over three lower layers, where one file
# has names that the layers above hide: each seed's lower tree is made of
# two or three layers ("difftest.py gen" with several directories), the
# upper ones shadowing names of the ones below (files over files and over
# directories, directories over files, merging directories), among them
# names of files with several names, and adding hard links of their own.
# The reference is the merged tree as a plain directory ("difftest.py
# merge"), the names of one lower inode linked together there, so that
# st_nlink counts the names the merged view shows and every name of a
# file must show every change made through another.  A third of the
# operations pick a name of a file with several names.  The same
# operations, users, mount flags, remounts and comparisons as 080.  DIFFTEST_SEEDS / DIFFTEST_OPS change
# the seeds (default "4 5 6 7"; QUICK=1: two of them) and the operations
# per seed (200; QUICK=1: 120); even seeds span three layers, odd ones
# two (the top and the bottom one).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 900
. "$(dirname "$0")/../lib.sh"

case $QUICK:$UPPER in
1:tmpfs) quick="4 5" ;;
1:ext2) quick="6 7" ;;
1:*) quick="8 9" ;;
*) quick="4 5 6 7" ;;
esac
SEEDS=${DIFFTEST_SEEDS:-$quick}
NLOWERS=3
layers_of() { echo $((3 - $1 % 2)); }
. "$UNION_TOOLS/difftest.sh"
