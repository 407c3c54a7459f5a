#!/bin/bash
# mount -o union refuses, with the right errno, and leaves nothing
# mounted (/proc/self/mountinfo unchanged): EINVAL with nothing read-only
# below (a plain directory, a read-write mount, a read-only mount under a
# read-write one), on a shared mount, with MS_BIND; EROFS with -o ro over
# lowers the top has not taken (adopting them writes);
# EOPNOTSUPP for a file system that cannot hold whiteouts (ramfs, ext2
# without the filetype feature); EINVAL for a tmpfs top that folds case
# (names are merged as bytes; where the kernel has tmpfs casefolding); EBUSY for a top file system mounted
# elsewhere already; ELOOP for a lower that is itself a union (a
# read-only bind of one).  While a union is up, its top file system
# cannot be mounted a second time (EBUSY).  After all this, the same upper
# still makes a good union, and a failed ext2 upper mounts normally.
# mount(8) says why, and undoes a mount that a kernel without union
# mounts made as a plain one.
# uppers: tmpfs ext2 jffs2
. "$(dirname "$0")/../lib.sh"

# The upper of the generic cases: a tmpfs, an empty ext2 image, or a
# jffs2 on block2mtd over an erased image.
if [ "$UPPER" = ext2 ]; then
	mkdir -p "$T/empty"
	mk_image ext2 "$T/empty" "$T/up.img"
	t_losetup "$T/up.img"
	usrc=$LOOPDEV utype=ext2
	fsck_at_end ext2 "$T/up.img"
elif [ "$UPPER" = jffs2 ]; then
	head -c 4M /dev/zero | tr '\0' '\377' > "$T/up.img"
	t_mtd "$T/up.img"
	usrc=$MTDDEV
	utype=jffs2
else
	usrc=upper utype=tmpfs
fi

# try_union ERRNO DESC SRC TARGET TYPE FLAGS [DATA]: mount(2) with
# MS_UNION, FLAGS and the options DATA fails with ERRNO and leaves
# /proc/self/mountinfo as it was.
try_union() {
	local want=$1 desc=$2 src=$3 tgt=$4 type=$5 flags=$6 before after
	before=$(cat /proc/self/mountinfo)
	assert_errno_in "$want" mount "$src" "$tgt" "$type" \
		"union${flags:+,$flags}" ${7:+"$7"}
	after=$(cat /proc/self/mountinfo)
	assert_eq "$after" "$before" "$desc: nothing stays mounted"
	if [ "$after" != "$before" ]; then
		diag "mounted at $tgt after the failure: $(grep " $tgt " /proc/self/mountinfo)"
		umount "$tgt"
	fi
}

# lower DIR: a fresh read-only mount at DIR (a read-only tmpfs).
lower() {
	mkdir -p "$1"
	t_mount -t tmpfs -o ro "lower-$(basename "$1")" "$1"
}

mkdir -p "$T/plain"
try_union EINVAL "a plain dir of a rw file system" "$usrc" "$T/plain" "$utype"

mkdir -p "$T/rw"
t_mount -t tmpfs rw "$T/rw"
try_union EINVAL "a rw mount below" "$usrc" "$T/rw" "$utype"

lower "$T/mix"
t_mount -t tmpfs rw-over-ro "$T/mix"
try_union EINVAL "a ro mount under a rw one" "$usrc" "$T/mix" "$utype"

lower "$T/ro"
try_union EROFS "-o union,ro on a new top" "$usrc" "$T/ro" "$utype" rdonly

lower "$T/shared"
check "make the lower mount shared" mount --make-shared "$T/shared"
try_union EINVAL "a shared mount below" "$usrc" "$T/shared" "$utype"

lower "$T/bind"
mkdir -p "$T/bindsrc"
try_union EINVAL "MS_BIND|MS_UNION" "$T/bindsrc" "$T/bind" none bind

# A lookup in a casefolding directory finds a name under any spelling: the
# union's byte-wise merge would go wrong.  Only where tmpfs can fold case.
if [ "$UPPER" = tmpfs ]; then
	mkdir -p "$T/probe"
	if $SYSOP mount probe "$T/probe" tmpfs 0 casefold 2>/dev/null; then
		umount "$T/probe"
		lower "$T/fold"
		try_union EINVAL "a top that folds case" fold "$T/fold" tmpfs "" \
			casefold
	else
		skip "a top that folds case: this kernel's tmpfs cannot"
	fi
fi

lower "$T/ramfs"
try_union EOPNOTSUPP "ramfs" ramfs "$T/ramfs" ramfs

mkdir -p "$T/empty2"
rm -f "$T/noft.img"
check "mke2fs -O ^filetype" mke2fs -q -F -t ext2 -O ^filetype "$T/noft.img" 16M
t_losetup "$T/noft.img"
noft=$LOOPDEV
fsck_at_end ext2 "$T/noft.img"
lower "$T/noft"
try_union EOPNOTSUPP "ext2 without filetype" "$noft" "$T/noft" ext2
check "... that ext2 then mounts normally" mount -t ext2 "$noft" "$T/noft"
check "... and unmounts" umount "$T/noft"

# The same ext2 mounted elsewhere already.
mkdir -p "$T/busy-img" "$T/elsewhere"
mk_image ext2 "$T/busy-img" "$T/busy.img"
t_losetup "$T/busy.img"
busy=$LOOPDEV
fsck_at_end ext2 "$T/busy.img"
t_mount -t ext2 "$busy" "$T/elsewhere"
lower "$T/busy"
try_union EBUSY "the top ext2 mounted elsewhere" "$busy" "$T/busy" ext2
t_umount "$T/elsewhere"

# The lower on the top's own superblock: the top is then mounted
# elsewhere too (EBUSY), and a lower on its superblock (ELOOP).
mkdir -p "$T/samesb"
t_mount -t ext2 -o ro "$busy" "$T/samesb"
try_union "ELOOP EBUSY" "the lower on the top's superblock" "$busy" "$T/samesb" ext2
t_umount "$T/samesb"

# A read-only bind of a union as a lower.
lower "$T/u1"
t_mount -t tmpfs -o union u1-top "$T/u1"
is_union "$T/u1" || bail_out "no union at $T/u1"
mkdir -p "$T/u1bind"
t_mount --bind "$T/u1" "$T/u1bind"
# (mount(2) directly: mount(8) -o remount,bind,ro of a union is 070's.)
assert_errno 0 mount none "$T/u1bind" none remount,bind,rdonly
try_union ELOOP "a ro bind of a union below" upper "$T/u1bind" tmpfs
t_umount "$T/u1bind"
t_umount "$T/u1"

# After all this the upper makes a good union.
lower "$T/good"
assert_errno 0 mount "$usrc" "$T/good" "$utype" union
_t_mounts+=("$T/good")
check "the good union is a union" is_union "$T/good"
assert_errno 0 mkdir "$T/good/d"
t_umount "$T/good"

# Over the lowers it has taken, the top mounts read-only: it shows what
# it holds, and changes fail with EROFS until it is remounted read-write.
# (A tmpfs top is new each time.)
if [ "$utype" != tmpfs ]; then
	assert_errno 0 mount "$usrc" "$T/good" "$utype" union,rdonly
	_t_mounts+=("$T/good")
	check "the read-only union is a union" is_union "$T/good"
	assert_type "$T/good/d" dir "the read-only union: d, on its top"
	assert_errno EROFS mkdir "$T/good/e"
	assert_errno EROFS rmdir "$T/good/d"
	check "the read-only union remounts read-write" mount -o remount,rw "$T/good"
	assert_errno 0 mkdir "$T/good/e"
	t_umount "$T/good"
fi

# The top file system of a union that is up cannot be mounted elsewhere.
src=$T/src
mkdir -p "$src"
echo f > "$src/f"
union_setup "$src"
if [ -n "$UPPER_DEV" ]; then
	mkdir -p "$T/again"
	before=$(cat /proc/self/mountinfo)
	assert_errno EBUSY mount "$UPPER_DEV" "$T/again" "$UPPER" 0
	after=$(cat /proc/self/mountinfo)
	assert_eq "$after" "$before" "second mount of the union's upper: nothing stays mounted"
	[ "$after" != "$before" ] && umount "$T/again"
	assert_errno EBUSY mount "$UPPER_DEV" "$T/again" "$UPPER" rdonly
	[ "$(cat /proc/self/mountinfo)" != "$before" ] && umount "$T/again"
fi
# A bind mount of the union is no second mount of its top: it works.
mkdir -p "$T/unionbind"
assert_errno 0 mount "$UNION_DIR" "$T/unionbind" none bind
_t_mounts+=("$T/unionbind")

# mount(8) tells what went wrong.  A kernel without union mounts ignores
# MS_UNION (a shim clears the bit, as such a kernel does): mount(8) must
# notice that the new mount covers the layers instead of merging, undo it
# and say so.
mount_msg() {	# mount_msg ARG...: mount(8)'s exit status and message
	local out rc
	out=$(mount "$@" 2>&1)
	rc=$?
	echo "$rc $out"
}
lower "$T/nokernel"
before=$(cat /proc/self/mountinfo)
got=$(LD_PRELOAD=$UNION_TOP/build/bin/union-nounion.so \
	mount_msg -t tmpfs -o union nokernel-top "$T/nokernel")
case $got in
"32 "*"this kernel has no union mounts"*) ok "without union mounts in the kernel: mount(8) fails and says so" ;;
*) not_ok "without union mounts in the kernel: mount(8) fails and says so"; diag "$got" ;;
esac
assert_eq "$(cat /proc/self/mountinfo)" "$before" \
	"without union mounts in the kernel: nothing stays mounted"
# The check finds the new mount by its ID, not by comparing paths: a
# target mount(8) does not canonicalize (-c) still makes a union.
lower "$T/noncanon"
mkdir -p "$T/sub"
assert_eq "$(mount_msg -c -t tmpfs -o union noncanon-top "$T/sub/../noncanon")" "0 " \
	"mount -c -o union with a target that is not canonical works"
_t_mounts+=("$T/noncanon")
check "... and the mount there is a union" is_union "$T/noncanon"
got=$(mount_msg -t ramfs -o union ramfs "$T/ramfs")
case $got in
"32 "*"cannot be the top layer of a union"*) ok "mount(8) on ramfs: cannot be the top layer" ;;
*) not_ok "mount(8) on ramfs: cannot be the top layer"; diag "$got" ;;
esac

done_testing
