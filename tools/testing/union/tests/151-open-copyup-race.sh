#!/bin/bash
# Descriptors of a lower file see its copy-up, through every read path
# and however the opens and the copy-up interleave (openrace.py).  Tasks
# open the same lower file over and over while another task copies it
# up by appending to it; once the append has returned, every descriptor
# opened before or during the copy-up reads the appended data.  A
# descriptor opened before a copy-up reads the copy through read, pread,
# preadv, lseek(SEEK_END), fstat, sendfile, splice, copy_file_range, a
# new mmap, and the interfaces that hand their own request to the file
# system: aio, io_uring (the descriptor plain and registered as a fixed
# file) and a read-only loop device over the file.
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
for how in aio uring uring-fixed; do
	echo lower > "$src/$how"
done
head -c 4096 /dev/zero | tr '\0' L > "$src/loop"
union_setup "$src"
U=$UNION_DIR

out=$($PYTHON "$UNION_TOOLS/openrace.py" paths "$U/p" 2>&1)
assert_eq "$out" "done 9" "a descriptor opened before the copy-up reads the copy by every path"
for how in aio uring uring-fixed; do
	out=$(union-asyncread "$how" "$U/$how" "echo appended >> '$U/$how'" 2>&1)
	assert_eq "$out" "lower
appended" "$how: a descriptor opened before the copy-up reads the copy"
done

# A read-only loop device holds the lower file it was given; the union's
# copy is what it reads after a copy-up (O_DIRECT: not the loop device's
# own page cache).
t_losetup "$U/loop" ro
dev=$LOOPDEV
head -c 4096 /dev/zero | tr '\0' N |
	dd of="$U/loop" conv=notrunc status=none || bail_out "the write to loop failed"
out=$(dd if="$dev" iflag=direct bs=4096 count=1 status=none | tr -d N | wc -c)
assert_eq "$out" 0 "a loop device over the file reads the copy"
losetup -d "$dev"

out=$($PYTHON "$UNION_TOOLS/openrace.py" race "$U/d" "$rounds" 6 2>&1)
assert_eq "$out" "done $rounds" \
	"$rounds rounds of 6 tasks opening a file while it is copied up: every descriptor reads the copy"
assert_file_content "$LOWER_DIR/d/f0" lower "the lower files are unchanged"
done_testing
