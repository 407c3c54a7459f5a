#!/bin/bash
# Reading a union never writes to its top layer: a lower directory that
# a lookup passes through is served from below (dirs_below), and goes on
# the top layer only when something in it changes.  find, ls -lR and cat
# of every file, as root and as another user, leave the top layer as it
# was.  A directory served from below has the union's st_dev, no mount
# root flag, a ".." and a getcwd() of the union; RESOLVE_NO_XDEV reaches
# through it.  A change in it (create, mkdir, unlink, write, chmod,
# rename) makes the chain of directories above it on the top layer first,
# from a path or from a working directory inside it; a working directory
# taken before another task copied it up sees that task's changes.  A
# user who may not make a change makes no copy, and gets the error a
# plain filesystem gives (EEXIST and ENOENT before EACCES); statfs() is
# the union's; a working directory below keeps the union busy; a removed
# one shows nothing; RESOLVE_BENEATH from a descriptor taken before a
# copy follows it.  With a top layer out of inodes (tmpfs) or a
# read-only union, every lower file still reads and only changes fail.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

P=/sys/module/union/parameters/dirs_below
[ -e $P ] || skip_all "no $P"
echo Y > $P

VIEWS="$PYTHON $UNION_TOOLS/views.py"
src=$T/src
for i in $(seq 1 20); do
	mkdir -p "$src/r/d$i/sub"
	for j in 1 2 3; do
		echo "r/d$i/f$j" > "$src/r/d$i/f$j"
	done
	echo "r/d$i/sub/g" > "$src/r/d$i/sub/g"
done
chmod 700 "$src/r/d20"
chmod 0755 "$T"
for t in full ro; do
	for i in $(seq 1 10); do
		mkdir -p "$src/$t/d$i/sub"
		echo "$t/d$i/f" > "$src/$t/d$i/f"
		echo "$t/d$i/sub/g" > "$src/$t/d$i/sub/g"
	done
done
for d in a b c e h; do
	mkdir -p "$src/$d/x/y"
	echo "$d/x/y/f" > "$src/$d/x/y/f"
	echo "$d/top" > "$src/$d/top"
done
chown 7:8 "$src/b/x"
chmod 0751 "$src/b/x"
touch -d @1000000000 "$src/b/x"
union_setup "$src"
U=$UNION_DIR

before=$(top_inodes)
n=$(find "$U/r" | wc -l)
assert_eq "$n" 121 "find sees the whole lower tree"
ls -lR "$U/r" > /dev/null
cat "$U"/r/d*/f* "$U"/r/d*/sub/g > /dev/null 2>&1
setpriv --reuid=1000 --regid=1000 --clear-groups find "$U/r" > /dev/null 2>&1
assert_eq "$(top_inodes)" "$before" "reading the tree leaves the top layer as it was"
assert_eq "$(cat "$U/r/d7/sub/g")" "r/d7/sub/g" "a file two directories down reads"

# What a directory served from below reports.
assert_eq "$(_t_dev "$U/r/d3")" "$TOP_DEV" "st_dev is the union's"
assert_eq "$(find "$U/r" -xdev -type d | wc -l)" 41 "find -xdev goes through"
check_fails "no mount point" mountpoint -q "$U/r/d3"
assert_eq "$(cd "$U/r/d3/sub" && /bin/pwd)" "$U/r/d3/sub" "getcwd()"
assert_eq "$(cd "$U/r/d3/sub/../.." && /bin/pwd)" "$U/r" "getcwd() after .."
assert_eq "$(readlink -f "$U/r/d3/sub/../../d4")" "$U/r/d4" "realpath across .."
assert_eq "$($VIEWS openat2 "$U" r/d3/sub/../f1 xdev)" r/d3/f1 \
	"RESOLVE_NO_XDEV through it"
assert_eq "$($VIEWS openat2 "$U/r/d3" sub/../../d4/f1 beneath)" EXDEV \
	"RESOLVE_BENEATH stops at ..: the directory is the root"
assert_eq "$(top_inodes)" "$before" "none of that wrote to the top layer"

# ".." of a directory served from below is the union's directory above.
echo new > "$U/a/new"
assert_eq "$(cd "$U/a/x" && ls ..)" "new
top
x" ".. of a lower directory under a top one shows the top's names"

# Changes make the chain above them on the top layer.
meta() {
	stat -c '%a %u %g %Y' "$1"
}
want=$(meta "$src/b/x")
check "touch in a lower directory" touch "$U/b/x/y/new"
assert_exists "$U/b/x/y/new"
assert_eq "$(meta "$U/b/x")" "$want" \
	"the copy of a directory above has the lower one's mode, owner, mtime"
assert_file_content "$U/b/x/y/f" "b/x/y/f" "its lower file still reads"
check "mkdir in a lower directory" mkdir "$U/c/x/y/newdir"
check "rm of a lower file" rm "$U/c/x/y/f"
assert_absent "$U/c/x/y/f"
check "write to a lower file" sh -c "echo changed > '$U/e/x/y/f'"
assert_file_content "$U/e/x/y/f" changed "the copy"
check "chmod of a lower directory" chmod 750 "$U/h/x"
assert_eq "$(stat -c %a "$U/h/x")" 750 "the directory's copy has the mode"
assert_file_content "$U/h/x/y/f" "h/x/y/f" "and its tree below"
check "mv of a lower directory" mv "$U/r/d5" "$U/r/d5moved"
assert_file_content "$U/r/d5moved/sub/g" "r/d5/sub/g" "the moved tree reads"
assert_absent "$U/r/d5"
(cd "$U/r/d6/sub" && touch here) || not_ok "touch from a working directory"
assert_exists "$U/r/d6/sub/here"

# A working directory found before another task copied its directory up.
out=$(cd "$U/r/d8" && touch "$U/r/d8/other" && ls)
assert_eq "$out" "f1
f2
f3
other
sub" "the working directory sees the copy's names"
out=$(cd "$U/r/d9/sub" && touch "$U/r/d9/other" && ls ..)
assert_eq "$out" "f1
f2
f3
other
sub" ".. of a working directory below the copy"

# chroot() into a directory served from below: the root stays the root
# once changes have made the directory's copy.
out=$($PYTHON - "$U/r/d10" <<-'EOF'
	import os, sys
	os.chroot(sys.argv[1])
	os.chdir("/sub")
	open("made", "w").close()
	print(" ".join(sorted(os.listdir("../../.."))))
	EOF
)
assert_eq "$out" "f1 f2 f3 sub" "chroot(): .. stops at the root after a change"
assert_exists "$U/r/d10/sub/made"

# Another user cannot read past a lower directory's mode.
check_fails "a 700 lower directory stays closed" \
	setpriv --reuid=1000 --regid=1000 --clear-groups ls "$U/r/d20"

# A user who may not make a change in a lower directory makes no copy of
# it, nor of the directories above: each change is judged before.
as1000() {
	setpriv --reuid=1000 --regid=1000 --clear-groups "$@"
}
before=$(top_inodes)
SYSOP="as1000 union-sysop"
assert_errno EACCES open "$U/r/d11/f1" wronly
assert_errno EACCES open "$U/r/d11/sub/g" rdwr,trunc
assert_errno EACCES open "$U/r/d11/new" wronly,creat
assert_errno EACCES open "$U/r/d11/sub" rdwr,tmpfile
assert_errno EACCES mkdir "$U/r/d11/sub/new"
assert_errno EPERM chmod "$U/r/d11/f1" 600
assert_errno EACCES unlink "$U/r/d11/f1"
# What a plain filesystem answers before it checks permission.
assert_errno EEXIST mkdir "$U/r/d11/sub"
assert_errno EEXIST open "$U/r/d11/f1" wronly,creat,excl
assert_errno ENOENT unlink "$U/r/d11/nothing"
assert_errno ENOENT rmdir "$U/r/d11/nothing"
assert_errno EPERM chmod "$U/r/d11/sub" 700
SYSOP=union-sysop
out=$(as1000 "$PYTHON" -c 'import errno, os, sys
try:
    os.fchmod(os.open(sys.argv[1], os.O_RDONLY), 0o700)
except OSError as e:
    print(errno.errorcode[e.errno])' "$U/r/d11/sub")
assert_eq "$out" EPERM "fchmod() of a lower directory by another user"
assert_errno EISDIR truncate "$U/r/d11/sub" 0
assert_errno EISDIR open "$U/r/d11/sub" wronly
check "mkdir -p of directories that exist" mkdir -p "$U/r/d16/sub"
assert_eq "$(top_inodes)" "$before" "changes refused made no copies"

# statfs() of a directory served from below is the union's.
assert_eq "$(stat -f -c '%T %i %l' "$U/r/d12")" \
	"$(stat -f -c '%T %i %l' "$U")" "statfs() as the union's root"

# A working directory served from below keeps the union busy.
assert_eq "$(cd "$U/r/d13/sub" && union-sysop umount "$U" 2>&1)" EBUSY \
	"umount with a working directory below"
check "the union is still mounted" mountpoint -q "$U"

# A working directory whose directory was removed has no names left.
out=$(cd "$U/r/d14" && rm -r "$U/r/d14" && cat f1 2>/dev/null; echo "rc=$?")
assert_eq "$out" "rc=1" "a removed working directory shows no lower file"

# A bind mount of the union serves directories on anchors of its own: a
# copy made through the union lets them go too, or they would keep the
# copy, removed, and its inode (a remount read-only fails with EBUSY).
mkdir "$T/bind"
mount --bind "$U" "$T/bind" || bail_out "bind mount of the union"
ls "$T/bind/r/d17/sub" "$U/r/d17/sub" > /dev/null
rm -r "$U/r/d17"
check "a remount read-only after a removal" mount -o remount,ro "$U"
check "and read-write again" mount -o remount,rw "$U"
umount "$T/bind"
# The same through the new mount API (fspick(), fsconfig()).
mount --bind "$U" "$T/bind" && ls "$T/bind/r/d18/sub" > /dev/null
rm -r "$U/r/d18"
out=$($PYTHON - "$U" <<-'EOF'
	import ctypes, errno, os, sys
	libc = ctypes.CDLL(None, use_errno=True)
	fd = libc.syscall(433, -100, os.fsencode(sys.argv[1]), 0)  # fspick
	ok = fd >= 0
	ok = ok and libc.syscall(431, fd, 0, b"ro", None, 0) == 0  # SET_FLAG
	ok = ok and libc.syscall(431, fd, 7, None, None, 0) == 0  # RECONFIGURE
	print("ok" if ok else errno.errorcode[ctypes.get_errno()])
	EOF
)
assert_eq "$out" ok "fsconfig() read-only after a removal"
check "and read-write again" mount -o remount,rw "$U"
umount "$T/bind"

# RESOLVE_BENEATH from a descriptor taken before the directory's copy.
out=$($PYTHON - "$U/r/d15" <<-'EOF'
	import ctypes, errno, os, struct, sys
	libc = ctypes.CDLL(None, use_errno=True)
	d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
	def at2(rel, flags=os.O_RDONLY):
	    mode = 0o644 if flags & os.O_CREAT else 0
	    how = struct.pack("=QQQ", flags, mode, 8)  # RESOLVE_BENEATH
	    fd = libc.syscall(437, d, os.fsencode(rel), how, len(how))
	    if fd < 0:
	        return errno.errorcode[ctypes.get_errno()]
	    os.close(fd)
	    return "ok"
	r = [at2("sub/made", os.O_WRONLY | os.O_CREAT)]
	open(sys.argv[1] + "/other", "w").close()
	r += [at2("other"), at2("sub/../f1"), at2("sub/../../d4/f1")]
	print(" ".join(r))
	EOF
)
assert_eq "$out" "ok ok ok EXDEV" "RESOLVE_BENEATH follows the directory's copy"

# A top layer out of inodes: reads of a tree never read before go on,
# only changes fail.
if [ "$UPPER" = tmpfs ]; then
	check "the top layer takes no more inodes" \
		mount -o remount,nr_inodes="$(top_inodes)" "$U"
	assert_eq "$(readall "$U/full")" "20 files, 242 bytes" \
		"a full top layer: every lower file reads"
	assert_errno ENOSPC mkdir "$U/full/d2/sub/new"
	check "the top layer takes inodes again" \
		mount -o remount,nr_inodes=10000 "$U"
fi

# A read-only union: the same.
check "remount read-only" mount -o remount,ro "$U"
assert_eq "$(readall "$U/ro")" "20 files, 202 bytes" \
	"a read-only union: every lower file reads"
assert_errno EROFS mkdir "$U/ro/d2/sub/new"
(cd "$U/ro/d3/sub" && mount -o remount,rw "$U" && touch here2) ||
	not_ok "touch from a directory found while read-only"
assert_exists "$U/ro/d3/sub/here2"

if upper_alone; then
	assert_absent "$UPPER_DIR/r/d1" "a directory only read is not on top"
	assert_exists "$UPPER_DIR/b/x/y/new"
fi
done_testing
