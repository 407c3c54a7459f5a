#!/bin/bash
# Union mounts cost no memory to the object every system has most of:
# struct dentry stays at the size mainline keeps it (192 bytes on 64-bit:
# DNAME_INLINE_LEN is chosen for that, see include/linux/dcache.h), the
# union's stack pointer sharing its word with ->d_time.  The inode and
# the open file are not grown by the series at all.  Run over the kernel
# without union mounts as well (make test-nounion), the same sizes there.
# then-kernel: uml-nounion optional
. "$(dirname "$0")/../lib.sh"

# object_size CACHE: the size of one object of the slab cache CACHE,
# without debugging metadata (a debug kernel adds red zones).
object_size() {
	local f=/sys/kernel/slab/$1/object_size
	if [ -r "$f" ]; then
		cat "$f"
	else
		awk -v c="$1" '$1 == c { print $4 }' /proc/slabinfo
	fi
}

# Lock debugging makes every spinlock, and so every dentry, bigger.
[ -e /proc/lockdep ] && skip_all "a lock-debugging kernel: its objects are bigger"
want=192
[ "$(getconf LONG_BIT)" = 64 ] || want=128
size=$(object_size dentry)
assert_eq "$size" "$want" "struct dentry: $want bytes, as in mainline"

caches="dentry inode_cache shmem_inode_cache ext2_inode_cache jffs2_i filp"
if [ "${PHASE:-1}" = 1 ]; then
	for c in $caches; do
		echo "$c $(object_size "$c")"
	done > "$RESULTS/sizes.1"
	diag "$(cat "$RESULTS/sizes.1")"
else
	while read -r c s; do
		assert_eq "$(object_size "$c")" "$s" \
			"$c: as big without union mounts as with them"
	done < "$RESULTS/sizes.1"
fi
done_testing
