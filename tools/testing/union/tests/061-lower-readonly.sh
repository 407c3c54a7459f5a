#!/bin/bash
# A union's lower layers stay read-only while the union is up: making a
# lower mount read-write (mount -o remount, remount,bind, mount_setattr)
# fails with EBUSY, and so does a read-write remount of the lower's file
# system through another mount of it.  Making another mount of it
# read-write only at the mount level is allowed: the file system stays
# read-only.  Two unions over one file system hold it until both are
# gone; after that it can be made read-write again.
# uppers: tmpfs
# lowers: ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/d"
echo lower > "$src/d/f"
img=$T/lower.img
mk_image ext2 "$src" "$img"
hash_at_end "$img"

# The same file system, read-only, at $T/other and under the union at $U;
# $lfd keeps the mount that becomes the lower reachable once the union
# covers it (/proc/self/fd/$lfd).  The loop device is writable, so that
# only the union can stop a remount.
U=$T/u
t_losetup "$img"
dev=$LOOPDEV
mkdir -p "$T/other" "$U"
t_mount -t ext2 -o ro "$dev" "$T/other"
t_mount -t ext2 -o ro "$dev" "$U"
exec {lfd}< "$U"
t_mount -t tmpfs -o union upper "$U"
check "the union is up" is_union "$U"
L=/proc/self/fd/$lfd

assert_errno EBUSY mount none "$L" none remount,bind
assert_errno EBUSY mount none "$L" none remount
assert_errno EBUSY setattr "$L" rw
assert_errno EROFS mkdir "$L/new"
assert_errno EBUSY mount none "$T/other" none remount
assert_errno EROFS mkdir "$T/other/new"
# Only that mount's flag: the file system stays read-only.
assert_errno 0 mount none "$T/other" none remount,bind
assert_errno EROFS mkdir "$T/other/new"
assert_errno 0 mount none "$T/other" none remount,bind,rdonly
# Nothing stops a lower from being made read-only again.
assert_errno 0 setattr "$L" ro
assert_errno 0 mount none "$L" none remount,bind,rdonly
assert_file_content "$U/d/f" lower "the union still reads the lower"

# A second union over the same file system.
U2=$T/u2
mkdir -p "$U2"
t_mount -t ext2 -o ro "$dev" "$U2"
exec {lfd2}< "$U2"
t_mount -t tmpfs -o union upper2 "$U2"
t_umount "$U"
assert_errno EBUSY mount none "$T/other" none remount
assert_errno EBUSY mount none "/proc/self/fd/$lfd2" none remount,bind
assert_errno 0 mount none "$L" none remount,bind
assert_errno 0 mount none "$L" none remount,bind,rdonly
t_umount "$U2"
assert_errno 0 mount none "/proc/self/fd/$lfd2" none remount,bind
assert_errno 0 mount none "/proc/self/fd/$lfd2" none remount,bind,rdonly
exec {lfd}<&- {lfd2}<&-

# With no union left, the file system may become writable again (on a
# copy: the image above is compared with its hash at the end).
cp "$img" "$T/copy.img"
t_losetup "$T/copy.img"
mkdir -p "$T/c" "$T/cu"
t_mount -t ext2 -o ro "$LOOPDEV" "$T/c"
t_mount -t ext2 -o ro "$LOOPDEV" "$T/cu"
t_mount -t tmpfs -o union upper3 "$T/cu"
assert_errno EBUSY mount none "$T/c" none remount
t_umount "$T/cu"
t_umount "$T/cu"
assert_errno 0 mount none "$T/c" none remount
assert_errno 0 mkdir "$T/c/new"

done_testing
