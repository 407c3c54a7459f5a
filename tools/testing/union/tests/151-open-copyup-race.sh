#!/bin/bash
# Descriptors of a lower file see its copy-up, through every read path
# and however the opens and the copy-up interleave (openrace.py).  Tasks
# open the same lower file over and over while another task copies it
# up by appending to it; once the append has returned, every descriptor
# opened before or during the copy-up reads the appended data.  A
# descriptor opened before a copy-up reads the copy through read, pread,
# preadv, lseek(SEEK_END), fstat, sendfile, splice, copy_file_range and a
# new mmap.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 300
. "$(dirname "$0")/../lib.sh"

rounds=40
[ -n "$QUICK" ] && rounds=10
src=$T/src
mkdir -p "$src/d"
for ((i = 0; i < rounds; i++)); do
	echo lower > "$src/d/f$i"
done
echo lower > "$src/p"
union_setup "$src"
U=$UNION_DIR

out=$($PYTHON "$UNION_TOOLS/openrace.py" paths "$U/p" 2>&1)
assert_eq "$out" "done 9" "a descriptor opened before the copy-up reads the copy by every path"
out=$($PYTHON "$UNION_TOOLS/openrace.py" race "$U/d" "$rounds" 6 2>&1)
assert_eq "$out" "done $rounds" \
	"$rounds rounds of 6 tasks opening a file while it is copied up: every descriptor reads the copy"
assert_file_content "$LOWER_DIR/d/f0" lower "the lower files are unchanged"
done_testing
