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
# file; ext2 lowers: opened with O_DIRECT too) and a read-only loop device
# over the file, whose LOOP_SET_CAPACITY takes the copy's size.
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
# ext2 lowers take O_DIRECT opens (squashfs does not): those descriptors
# too, whose copy is read buffered.
hows="aio uring uring-fixed"
[ "$LOWER" = ext2 ] && hows="$hows aio-direct uring-direct uring-fixed-direct"
for how in $hows; do
	echo lower > "$src/$how"
done
head -c 4096 /dev/zero | tr '\0' L > "$src/loop-off"
cp "$src/loop-off" "$src/loop-on"
union_setup "$src"
U=$UNION_DIR

out=$($PYTHON "$UNION_TOOLS/openrace.py" paths "$U/p" 2>&1)
assert_eq "$out" "done 9" "a descriptor opened before the copy-up reads the copy by every path"
for how in $hows; do
	out=$(union-asyncread "$how" "$U/$how" "echo appended >> '$U/$how'" 2>&1)
	assert_eq "$out" "lower
appended" "$how: a descriptor opened before the copy-up reads the copy"
done

# A read-only loop device holds the lower file it was given; the union's
# copy is what it reads after a copy-up (O_DIRECT: not the loop device's
# own page cache), also when the loop device does direct I/O (ext2
# lowers; squashfs cannot).
dios=off
[ "$LOWER" = ext2 ] && dios="off on"
for dio in $dios; do
	dev=$(losetup -f --show -r --direct-io=$dio "$U/loop-$dio" 2> "$T/losetup.err") ||
		bail_out "losetup --direct-io=$dio: $(cat "$T/losetup.err")"
	diag "loop device, direct I/O $dio: $(cat /sys/block/${dev#/dev/}/loop/dio)"
	head -c 4096 /dev/zero | tr '\0' N |
		dd of="$U/loop-$dio" conv=notrunc status=none ||
		bail_out "the write to loop-$dio failed"
	out=$(dd if="$dev" iflag=direct bs=4096 count=1 status=none | tr -d N | wc -c)
	assert_eq "$out" 0 "a loop device over the file (direct I/O $dio) reads the copy"
	head -c 4096 /dev/zero >> "$U/loop-$dio"
	losetup -c "$dev" || bail_out "losetup -c failed"
	assert_eq "$(blockdev --getsize64 "$dev")" 8192 \
		"LOOP_SET_CAPACITY takes the copy's size (direct I/O $dio)"
	losetup -d "$dev"
done

out=$($PYTHON "$UNION_TOOLS/openrace.py" race "$U/d" "$rounds" 6 2>&1)
assert_eq "$out" "done $rounds" \
	"$rounds rounds of 6 tasks opening a file while it is copied up: every descriptor reads the copy"
assert_file_content "$LOWER_DIR/d/f0" lower "the lower files are unchanged"
done_testing
