#!/bin/bash
# Filesystems stacked with a union.  overlayfs refuses a union, or a
# directory in one, as any of its layers (lower, upper, work, lowerdir+;
# EINVAL): it looks names up in each layer's dentry tree, where a union
# is its top layer alone.  The same mounts over plain directories work.
# The other way round, a read-only overlayfs is a union's lower layer
# like any filesystem: its names merge, a change copies up, a removal
# leaves a whiteout, and the overlayfs layers are not written.
# uppers: tmpfs ext2
# lowers: ext2
. "$(dirname "$0")/../lib.sh"

grep -qw overlay /proc/filesystems || skip_all "no overlayfs in this kernel"
src=$T/src
mkdir -p "$src/d"
echo low > "$src/d/f"
echo low > "$src/g"
union_setup "$src"
U=$UNION_DIR

P=$T/plain
mkdir -p "$P" "$T/o"
t_mount -t tmpfs plain "$P"
mkdir -p "$P/lo" "$P/lo2" "$P/up" "$P/wk"

# overlay OPTIONS: mount an overlayfs at $T/o; unmount it if it worked.
overlay() {
	$SYSOP mount none "$T/o" overlay 0 "$1" || return
	umount "$T/o"
}
check "an overlayfs over plain directories mounts" \
	overlay "lowerdir=$P/lo,upperdir=$P/up,workdir=$P/wk"
said=$(dmesg | grep -c 'overlay: union mount on .* not supported')
for opts in "lowerdir=$U" "lowerdir=$U/d" "lowerdir=$P/lo:$U" \
	"lowerdir+=$P/lo,lowerdir+=$U" \
	"lowerdir=$P/lo,upperdir=$U/d,workdir=$P/wk" \
	"lowerdir=$P/lo,upperdir=$P/up,workdir=$U"; do
	assert_errno EINVAL mount none "$T/o" overlay 0 "$opts"
done
assert_eq "$(dmesg | grep -c 'overlay: union mount on .* not supported')" \
	$((said + 6)) "overlayfs says why, each time"

# A union over a read-only overlayfs.
echo top-of-ovl > "$P/lo/a"
echo under > "$P/lo2/a"
echo under > "$P/lo2/b"
mkdir -p "$P/lo2/dir" "$T/uo"
echo deep > "$P/lo2/dir/c"
snapshot=$(cd "$P" && find lo lo2 -printf '%p %m %s\n' | sort; cat lo/a lo2/a lo2/b lo2/dir/c)
t_mount -t overlay -o "ro,lowerdir=$P/lo:$P/lo2" ovl "$T/uo"
t_mount -t tmpfs -o union,mode=0755 top "$T/uo"
check "the union is up over overlayfs" is_union "$T/uo"
assert_dir_list "$T/uo" "$(printf 'a\nb\ndir')" "the union lists overlayfs's merged names"
assert_file_content "$T/uo/a" top-of-ovl
echo more >> "$T/uo/a"
assert_file_content "$T/uo/a" "top-of-ovl
more"
assert_eq "$(stat -c %d "$T/uo/a")" "$(stat -c %d "$T/uo")" \
	"the change went to the union's top layer"
rm "$T/uo/b"
assert_absent "$T/uo/b"
mv "$T/uo/dir" "$T/uo/dir2"
assert_file_content "$T/uo/dir2/c" deep
assert_dir_list "$T/uo" "$(printf 'a\ndir2')" "the changes show"
after=$(cd "$P" && find lo lo2 -printf '%p %m %s\n' | sort; cat lo/a lo2/a lo2/b lo2/dir/c)
assert_eq "$after" "$snapshot" "the overlayfs layers were not written"

done_testing
