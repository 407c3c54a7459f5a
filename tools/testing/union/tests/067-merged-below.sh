#!/bin/bash
# Reading a union never writes to its top layer, also where lower layers
# merge: a directory that two lowers hold (and directories nested in it
# that both hold again) is served from below with the stack of both, not
# copied up by a lookup.  find, ls -lR, cat and stat, as root and as
# another user, leave the top layer as it was, also read-only, frozen or
# out of inodes; the listings merge both layers (a whiteout in the upper
# lower hides the name below); st_nlink counts the merged subdirectories;
# d_ino matches st_ino; "..", getcwd() and realpath name the union's
# paths.  A change deep inside makes the chain on the top layer first,
# from a path or from a working directory taken before; a file linked to
# a copy shows the copy; a user who may not make a change makes no copy.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

P=/sys/module/union/parameters/dirs_below
[ -e $P ] || skip_all "no $P"
echo Y > $P

# L2, the bottom; L1, an ext2 image made as the upper of a union over a
# copy of L2, so that it holds a whiteout and an opaque directory.
l2=$T/l2
for t in m full ro x fz; do
	mkdir -p "$l2/$t/both/deep" "$l2/$t/sub2/in" "$l2/$t/op"
	echo "l2 $t/only2" > "$l2/$t/only2"
	echo "l2 $t/both/x2" > "$l2/$t/both/x2"
	echo "l2 $t/both/deep/y2" > "$l2/$t/both/deep/y2"
	echo "l2 $t/sub2/in/z" > "$l2/$t/sub2/in/z"
	echo "l2 $t/gone" > "$l2/$t/gone"
	echo "l2 $t/op/hidden" > "$l2/$t/op/hidden"
	echo "l2 $t/shared" > "$l2/$t/shared"
done
echo l2-link > "$l2/m/link1"
ln "$l2/m/link1" "$l2/m/both/link2"
chmod 0755 "$T"

mkdir -p "$T/l1build" "$T/empty"
mk_image ext2 "$l2" "$T/l2build.img"
mk_image ext2 "$T/empty" "$T/l1.img"
t_losetup "$T/l2build.img" ro
l2dev=$LOOPDEV
t_losetup "$T/l1.img"
l1dev=$LOOPDEV
B=$T/l1build
t_mount -t ext2 -o ro "$l2dev" "$B"
t_mount -t ext2 -o union "$l1dev" "$B"
is_union "$B" || bail_out "building L1: no union at $B"
for t in m full ro x fz; do
	echo "l1 $t/only1" > "$B/$t/only1" &&
	echo "l1 $t/both/x1" > "$B/$t/both/x1" &&
	echo "l1 $t/both/deep/y1" > "$B/$t/both/deep/y1" &&
	mkdir "$B/$t/sub1" && echo "l1 $t/sub1/w" > "$B/$t/sub1/w" &&
	rm "$B/$t/gone" && rm "$B/$t/op/hidden" && rmdir "$B/$t/op" &&
	mkdir "$B/$t/op" && echo "l1 $t/op/new" > "$B/$t/op/new" ||
		bail_out "building L1: $t"
done
t_umount "$B"
t_umount "$B"
fsck_at_end ext2 "$T/l1.img"

union_setup "ext2:$T/l1.img" "$l2"
U=$UNION_DIR

before=$(top_inodes)
assert_dir_list "$U/m" "both link1 only1 only2 op shared sub1 sub2" \
	"the merged directory lists both layers, not the whited-out name"
assert_dir_list "$U/m/both" "deep link2 x1 x2" "a nested merged directory"
assert_dir_list "$U/m/both/deep" "y1 y2" "and one more down"
assert_dir_list "$U/m/op" "new" "an opaque directory hides the one below"
assert_eq "$(cat "$U/m/both/deep/y2")" "l2 m/both/deep/y2" "a file of the bottom layer"
assert_eq "$(cat "$U/m/both/x1")" "l1 m/both/x1" "a file of the upper lower"
assert_eq "$(cat "$U/m/sub2/in/z")" "l2 m/sub2/in/z" "a directory only L2 has"
assert_errno ENOENT open "$U/m/gone" 0
assert_errno ENOENT lstat "$U/m/gone"
n=$(find "$U/m" | wc -l)
assert_eq "$n" 19 "find sees the merged tree"
ls -lR "$U" > /dev/null
setpriv --reuid=1000 --regid=1000 --clear-groups find "$U/m" > /dev/null 2>&1
setpriv --reuid=1000 --regid=1000 --clear-groups cat "$U"/m/*/* > /dev/null 2>&1
assert_eq "$(top_inodes)" "$before" "reading merged directories leaves the top layer as it was"

# What a merged directory served from below reports.
assert_eq "$(stat -c %h "$U/m")" 6 "st_nlink: two and one per merged subdirectory"
assert_eq "$(stat -c %h "$U/m/both")" 3 "st_nlink of a nested one"
assert_eq "$(_t_dev "$U/m/both")" "$TOP_DEV" "st_dev is the union's"
for d in m m/both m/both/deep; do
	name=${d##*/}
	parent=$U/${d%/*}
	[ "$d" = m ] && parent=$U
	dino=$(ls -ai "$parent" | awk -v n="$name" '$2 == n { print $1 }')
	assert_eq "$dino" "$(_t_ino "$U/$d")" "$d: d_ino is st_ino"
	assert_eq "$(ls -ai "$U/$d" | awk '$2 == "." { print $1 }')" \
		"$(_t_ino "$U/$d")" "$d: its . is st_ino"
done
check_fails "no mount point" mountpoint -q "$U/m/both"
assert_eq "$(cd "$U/m/both/deep" && /bin/pwd)" "$U/m/both/deep" "getcwd()"
assert_eq "$(cd "$U/m/both/deep/../.." && /bin/pwd)" "$U/m" "getcwd() after .."
assert_eq "$(cd "$U/m/both/deep" && cat ../x2)" "l2 m/both/x2" ".. from a nested one"
assert_eq "$(readlink -f "$U/m/both/deep/../../sub1")" "$U/m/sub1" "realpath across .."
assert_eq "$($PYTHON "$UNION_TOOLS/views.py" openat2 "$U" m/both/deep/../x1 xdev)" \
	"l1 m/both/x1" "RESOLVE_NO_XDEV through merged directories"
# telldir() and seekdir() in a merged listing: the union's offsets.
out=$($PYTHON - "$U/m" <<-'EOF'
	import ctypes, sys
	class Dirent(ctypes.Structure):
	    _fields_ = [("ino", ctypes.c_uint64), ("off", ctypes.c_int64),
	                ("reclen", ctypes.c_ushort), ("type", ctypes.c_ubyte),
	                ("name", ctypes.c_char * 256)]
	libc = ctypes.CDLL(None)
	libc.opendir.restype = ctypes.c_void_p
	libc.readdir64.argtypes = [ctypes.c_void_p]
	libc.readdir64.restype = ctypes.POINTER(Dirent)
	libc.telldir.argtypes = libc.seekdir.argtypes = [ctypes.c_void_p]
	libc.telldir.restype = ctypes.c_long
	libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
	d = libc.opendir(sys.argv[1].encode())
	def rest():
	    names = []
	    while True:
	        e = libc.readdir64(d)
	        if not e:
	            return names
	        names.append(e.contents.name.decode())
	first = [libc.readdir64(d).contents.name.decode() for i in range(4)]
	pos = libc.telldir(d)
	after = rest()
	libc.seekdir(d, pos)
	print("ok" if rest() == after and len(after) == 6 else "differ")
	EOF
)
assert_eq "$out" ok "seekdir() back to a telldir() offset"
assert_eq "$(cd "$U/m/both" && ls -a | tr '\n' ' ')" ". .. deep link2 x1 x2 " \
	"a listing from the working directory"
assert_eq "$(top_inodes)" "$before" "none of that wrote to the top layer"

# A user who may not change the directory makes no copy, and gets what a
# plain filesystem answers first.
as1000() {
	setpriv --reuid=1000 --regid=1000 --clear-groups "$@"
}
SYSOP="as1000 union-sysop"
assert_errno EACCES open "$U/m/both/deep/denied" wronly,creat
assert_errno EACCES open "$U/m/both/x2" wronly
assert_errno EACCES unlink "$U/m/both/deep/y2"
assert_errno EEXIST mkdir "$U/m/both/x2"
assert_errno EEXIST open "$U/m/both/deep/y2" wronly,creat,excl
assert_errno ENOENT unlink "$U/m/both/nothing"
assert_errno EPERM chmod "$U/m/both" 700
SYSOP=union-sysop
assert_eq "$(top_inodes)" "$before" "refused changes make no copy"

# A change deep inside makes the chain: m, m/both, m/both/deep, the file.
echo new > "$U/m/both/deep/new" || not_ok "create in a nested merged directory"
# jffs2 counts no inodes in statfs().
[ "$UPPER" = jffs2 ] ||
	assert_eq "$(top_inodes)" "$((before + 4))" "the chain and the file are on the top layer"
assert_dir_list "$U/m/both/deep" "new y1 y2" "the copy merges as before"
assert_dir_list "$U/m" "both link1 only1 only2 op shared sub1 sub2" "and its parent"
assert_eq "$(stat -c %h "$U/m")" 6 "st_nlink of the copy"

# A working directory taken before another task's copy goes on in the copy.
out=$(cd "$U/m/sub2/in" && touch "$U/m/sub2/in/made" && ls | tr '\n' ' ')
assert_eq "$out" "made z " "a working directory found before the copy sees it"
out=$(cd "$U/m/both" && echo x > "$U/m/both/fresh" && cat fresh)
assert_eq "$out" x "a merged working directory found before the copy"

# Another name of a lower file copied up: this one shows the copy.
echo more >> "$U/m/link1"
assert_eq "$(cat "$U/m/both/link2")" "l2-link
more" "a file linked to a copy"

# The same reads with the top layer out of inodes, then read-only.
if [ "$UPPER" = tmpfs ]; then
	check "the top layer takes no more inodes" \
		mount -o remount,nr_inodes="$(top_inodes)" "$U"
	assert_eq "$(readall "$U/full")" "10 files, 165 bytes" \
		"a full top layer: every merged file reads"
	assert_errno ENOSPC mkdir "$U/full/both/deep/new"
	check "the top layer takes inodes again" \
		mount -o remount,nr_inodes=10000 "$U"
fi
# A frozen top layer: reads go on, and nothing waits for the thaw (a
# timeout bounds the wait a write on the top layer would make).
if fsfreeze --freeze "$U" 2> /dev/null; then
	got=$(timeout 60 find "$U/fz" -type f -exec cat {} + | wc -l)
	fsfreeze --unfreeze "$U"
	assert_eq "$got" 10 "a frozen top layer: every merged file reads"
else
	skip "a frozen top layer: $UPPER cannot be frozen"
fi
check "remount read-only" mount -o remount,ro "$U"
assert_eq "$(readall "$U/ro")" "10 files, 145 bytes" \
	"a read-only union: every merged file reads"
assert_dir_list "$U/ro/both" "deep x1 x2" "and lists"
assert_errno EROFS mkdir "$U/ro/both/deep/new"
(cd "$U/ro/both/deep" && mount -o remount,rw "$U" && touch here) ||
	not_ok "touch from a merged directory found while read-only"
assert_exists "$U/ro/both/deep/here"

# Renaming and removing merged directories that nothing changed before
# (last: a tmpfs top frees the inodes of removed files later).
mv "$U/x/both" "$U/x/moved" || not_ok "rename of a merged directory served from below"
assert_dir_list "$U/x/moved/deep" "y1 y2" "the renamed one merges one level down"
assert_eq "$(cat "$U/x/moved/deep/y2")" "l2 x/both/deep/y2" "and reads"
assert_absent "$U/x/both"
rm -r "$U/x" || not_ok "rm -r of a merged tree"
assert_absent "$U/x"

if upper_alone; then
	assert_absent "$UPPER_DIR/full" "a merged directory only read is not on top"
	assert_exists "$UPPER_DIR/m/both/deep/new"
fi
done_testing
