#!/bin/bash
# A jffs2 upper keeps whiteouts, pass-through entries and opaque and
# complete directories on flash: as dirents that name the reserved inode
# 0xffffffff, of their own node type, which survive garbage collection (the
# flash is rewritten several times over) and a remount.  O_TMPFILE on
# jffs2: a file with no name that linkat() names later, and that the next
# mount removes if the system stops before (a copy of the flash taken
# while it is open).  Across a remount, an xattr replaced and then
# removed stays removed, and one set twice to the same value stays.  A
# dirent whose node type disagrees with its inode is dropped.
# uppers: jffs2
# timeout: 300
. "$(dirname "$0")/../lib.sh"

# A small flash, so that writing a few MiB makes the collector move
# every block.
IMAGE_MB=2
src=$T/src
mkdir -p "$src/wd" "$src/od/sub" "$src/ft/fsub" "$src/keep"
for f in wf wd/a od/c od/sub/d ft/e ft/fsub/g keep/k xl; do
	echo "lower-$f" > "$src/$f"
done
union_setup "$src"
U=$UNION_DIR

rm "$U/wf"
rm -r "$U/wd"
rm -r "$U/od" && mkdir "$U/od" && echo upper-od > "$U/od/new"
complete_dir ft
assert_dir_list "$U/ft" "e fsub" "ft completed: its entries became pass-through entries"

check_view() {
	local w=$1
	assert_errno ENOENT lstat "$U/wf"
	assert_errno ENOENT lstat "$U/wd"
	assert_file_content "$U/od/new" upper-od "$w: the new file in the opaque od"
	assert_errno ENOENT lstat "$U/od/c"
	assert_errno ENOENT lstat "$U/od/sub"
	assert_dir_list "$U/od" "new" "$w: readdir of the opaque od"
	assert_file_content "$U/ft/e" lower-ft/e "$w: a pass-through entry of ft"
	assert_file_content "$U/ft/fsub/g" lower-ft/fsub/g "$w: through ft/fsub"
	assert_dir_list "$U/ft" "e fsub" "$w: readdir of the complete ft"
	assert_dir_list "$U" "ft keep od xa xl" "$w: readdir of the root"
	assert_file_content "$U/keep/k" lower-keep/k "$w: an untouched lower file"
}
echo upper > "$U/xa"
check_view "as made"

# Rewrite the flash several times over: the collector copies every live
# node, whiteouts and flags included.
for i in 1 2 3 4 5 6; do
	dd if=/dev/urandom of="$U/filler" bs=64k count=16 2>/dev/null ||
		bail_out "cannot write the filler ($i)"
	sync
	rm "$U/filler"
done
check_view "after garbage collection"

# An xattr given a new value and then removed stays removed on flash, and
# one set twice to the same value stays, on a file of the top layer and
# on a copied-up one (jffs2 wrote no delete
# marker for the value a new one replaced: it came back at the next mount,
# unless the collector had moved its node meanwhile).
for f in xa xl; do
	for v in one two; do
		$SYSOP setxattr "$U/$f" user.r "$v" > /dev/null ||
			bail_out "setxattr user.r=$v on $f failed"
	done
	# The same value twice: the second xref replaces the first one.
	for v in kept kept; do
		$SYSOP setxattr "$U/$f" user.s "$v" > /dev/null ||
			bail_out "setxattr user.s on $f"
	done
	$SYSOP removexattr "$U/$f" user.r > /dev/null || bail_out "removexattr on $f failed"
done
check_xattrs() {
	local f
	for f in xa xl; do
		assert_eq "$($SYSOP listxattr "$U/$f")" user.s \
			"$1: $f has the xattr it kept, not the one replaced and removed"
	done
}
check_xattrs "set and removed"

union_fresh
check_view "after a remount"
check_xattrs "after a remount"

# The entries on flash, with the upper unmounted: nodes of their own,
# incompatible type (which jffs2dump does not show), naming the reserved
# inode; no plain dirent names it (an older kernel would drop it).
t_umount "$U"
sync
dump=$("$PYTHON" "$UNION_TOOLS/jffs2nodes.py" "$UPPER_IMG" 2>&1)
entry="^0xe00a live pino [0-9]+ version [0-9]+ ino 4294967295"
for n in wf wd; do
	check "on flash: $n is a union node of the reserved inode (a whiteout)" \
		grep -Eq "$entry type 14 name $n\$" <<< "$dump"
done
check "on flash: ft/e is one too (pass-through)" \
	grep -Eq "$entry type 15 name e\$" <<< "$dump"
check "on flash: the flags of od and ft are \".\" union nodes" \
	test "$(grep -Ec "$entry type 6[5-7] name \\.\$" <<< "$dump")" -ge 2
check_fails "on flash: no plain dirent names the reserved inode" \
	grep -Eq "^0xe001 live .* ino 4294967295 " <<< "$dump"
union_remount
check_view "after a full cycle"

# A dirent whose node type disagrees with the inode it names was not
# written by jffs2 (a damaged or hostile image): a plain one naming the
# reserved inode (wf's whiteout, retyped) is no whiteout, and a union one
# naming a file (xa's) is no entry.  Each is dropped, as a node that
# fails its CRC is, and the kernel says why.  The root is not complete
# (listings write nothing): without its whiteout, wf shows the lower file
# again.
t_umount "$U"
sync
out=$("$PYTHON" "$UNION_TOOLS/jffs2nodes.py" --retype wf --retype xa "$UPPER_IMG" 2>&1) ||
	bail_out "jffs2nodes.py --retype: $out"
diag "$out"
echo 3 > /proc/sys/vm/drop_caches
union_remount
assert_file_content "$U/wf" lower-wf "wf, its whiteout dropped, is the lower file"
assert_errno ENOENT lstat "$U/xa"
assert_dir_list "$U" "ft keep od wf xl" "readdir of the root, without the two nodes"
check "the kernel names the plain dirent of the reserved inode" \
	grep -q "type 0xe001 names ino 4294967295" <<< "$(dmesg)"
check "the kernel names the union dirent of a file" \
	grep -Eq "type 0xe00a names ino [0-9]{1,9}\$" <<< "$(dmesg)"

# The same in erase blocks with summaries, which a mount reads in place of
# the nodes: an image made by mkfs.jffs2 and sumtool, with one plain
# dirent retyped in its node and in its block's summary.
mkdir -p "$T/sumsrc/d"
for i in $(seq 1 50); do
	head -c 3000 /dev/urandom > "$T/sumsrc/d/f$i"
done
mkfs.jffs2 -r "$T/sumsrc" -o "$T/sum0.img" -e 64KiB 2>/dev/null &&
	sumtool -e 64KiB -p -i "$T/sum0.img" -o "$T/sum.img" ||
	bail_out "cannot make a jffs2 image with summaries"
# Erased flash after it, for the blocks jffs2 keeps in reserve.
head -c $((1024 * 1024 - $(stat -c %s "$T/sum.img"))) /dev/zero | tr '\0' '\377' >> "$T/sum.img"
out=$("$PYTHON" "$UNION_TOOLS/jffs2nodes.py" --retype f12 "$T/sum.img" 2>&1)
assert_eq "$out" "1 node(s) retyped, 1 in summaries" "f12 retyped in its node and its summary"
t_mtd "$T/sum.img"
S=$T/summed
mkdir -p "$S"
t_mount -t jffs2 -o ro "$MTDDEV" "$S"
assert_errno ENOENT lstat "$S/d/f12"
assert_eq "$(ls "$S/d" | wc -l)" 49 "the other 49 files are there"
check "the summary's record of f12 is dropped, and the kernel says why" \
	grep -Eq "jffs2: dirent node at 0x[0-9a-f]+: type 0xe00a names ino [0-9]+\$" <<< "$(dmesg)"
t_umount "$S"

# O_TMPFILE on a jffs2 of its own (the top layer's copy-up uses it).
# Made by mkfs.jffs2, whose clean markers make every block free at the
# mount: blank flash would be erased by the collector thread meanwhile,
# and statfs counts a block being erased as in use, so the bytes in use
# would drop by 64 KiB whenever an erase ended between two readings.
mkdir "$T/tmpf-empty"
mkfs.jffs2 -r "$T/tmpf-empty" -e 64KiB --pad=2097152 -o "$T/tmpf.img" ||
	bail_out "mkfs.jffs2 failed"
t_mtd "$T/tmpf.img"
mtd=$MTDDEV
J=$T/tmpf
mkdir -p "$J"
t_mount -t jffs2 "$mtd" "$J"
mkdir "$J/d"

# used MNT: bytes in use on the jffs2 at MNT (statfs counts obsolete
# nodes as free space).
used() {
	"$PYTHON" -c 'import os, sys; s = os.statvfs(sys.argv[1]); print((s.f_blocks - s.f_bfree) * s.f_bsize)' "$1"
}
base=$(used "$J")

# Make an O_TMPFILE file in d with 300000 random bytes, copy the flash
# while it has no name (as if the system stopped there), then link it.
# Prints its inode number, nlink before and after the link, and the
# bytes in use while it had no name.
cat > "$T/tmpfile.py" <<'EOF'
import os, shutil, sys
d, link, img, snap, data = sys.argv[1:6]
fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o640)
buf = os.urandom(300000)
open(data, "wb").write(buf)
os.write(fd, buf)
os.fsync(fd)
st = os.fstat(fd)
os.sync()
s = os.statvfs(d)
shutil.copyfile(img, snap)
# linkat(AT_SYMLINK_FOLLOW): a dir fd makes os.link use linkat()
dfd = os.open("/", os.O_RDONLY)
os.link("/proc/self/fd/%d" % fd, link, src_dir_fd=dfd, follow_symlinks=True)
print(st.st_ino, st.st_nlink, os.fstat(fd).st_nlink,
      (s.f_blocks - s.f_bfree) * s.f_bsize)
os.close(fd)
EOF
out=$("$PYTHON" "$T/tmpfile.py" "$J/d" "$J/d/linked" "$T/tmpf.img" \
	"$T/crash.img" "$T/expected" 2>&1)
set -- $out
assert_eq "${2:-} ${3:-}" "0 1" "O_TMPFILE: nlink 0, then 1 once linked"
[ $# = 4 ] || diag "$out"
check "the tmpfile's data takes room while it has no name" \
	test "$((${4:-0} - base))" -gt 250000
tino=${1:-0}
assert_eq "$(stat -c %h "$J/d/linked")" 1 "the linked tmpfile has one link"
# One not linked, closed: gone at once.
"$PYTHON" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_TMPFILE | os.O_WRONLY, 0o600)
os.write(fd, os.urandom(100000))
os.close(fd)' "$J/d"
assert_dir_list "$J/d" "linked" "nothing but the linked file in d"
t_umount "$J"
t_mount -t jffs2 -o ro "$mtd" "$J"
check "after a remount: the linked tmpfile has its data" \
	cmp "$J/d/linked" "$T/expected"
t_umount "$J"

# The copy taken while the tmpfile had no name: its nodes are there, an
# orphan's, which the next mount drops (their room is free again).
check "the crash copy holds the orphan's nodes" \
	grep -Eq "^ +Inode +node .*#ino +$tino," <<< "$(jffs2dump -c "$T/crash.img" 2>&1)"
t_mtd "$T/crash.img"
cmtd=$MTDDEV
t_mount -t jffs2 "$cmtd" "$J"
assert_dir_list "$J/d" "" "the crash copy: d is empty"
crash=$(used "$J")
check "the crash copy: the orphan's room is free after the mount" \
	test "$((crash - base))" -lt 100000
[ "$((crash - base))" -lt 100000 ] ||
	diag "in use: $base before, $crash on the crash copy"

# The root of a new jffs2 has no node of its own: an xattr set on it (the
# union's record of its lower layers is one) survives the umount (the
# root's inode cache went with its xattr references: a BUG) and the next
# mount (its references were dropped as orphans).
head -c $((1024 * 1024)) /dev/zero | tr '\0' '\377' > "$T/root.img"
t_mtd "$T/root.img"
rmtd=$MTDDEV
R=$T/rootx
mkdir -p "$R"
t_mount -t jffs2 "$rmtd" "$R"
$SYSOP setxattr "$R" user.root on-the-root > /dev/null ||
	bail_out "setxattr on the root of a new jffs2"
t_umount "$R"
t_mount -t jffs2 "$rmtd" "$R"
assert_eq "$($SYSOP getxattr "$R" user.root 2>&1)" on-the-root \
	"a new jffs2: the root's xattr, after a remount"
t_umount "$R"

done_testing
