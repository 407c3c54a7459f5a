#!/bin/bash
# /proc/self/fd and /proc/self/maps name a lower file that was opened
# through the union as the union names it, and as a plain file system (a
# tmpfs copy of the tree, same calls) names its file: under its
# directory's new name once that was renamed (in place, and into another
# directory), under the copy's name once the file was copied up and the
# copy renamed, with " (deleted)" once it was unlinked (whited out without
# a copy, or copied up first).  Before the fix, the names were the lower
# layer's: the directory's old name, and never deleted.
# name_to_handle_at() gives a lower file's identifier (AT_HANDLE_FID)
# but no handle (EOPNOTSUPP: it would decode on the lower filesystem,
# never through the union), and the union's mount ID, that of its
# directory in mountinfo, as statx() does (systemd compares the two to
# find mount points); a copied-up file's handle opens it again through
# the union's root (open_by_handle_at()).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
mkdir -p "$src/d/s" "$src/x"
for f in a b c e g s/f; do
	printf 'lower data of %s\n' "$f" > "$src/d/$f"
done
union_setup "$src"
U=$UNION_DIR
plain_copy "$src" "$ref"

# names ROOT: open files, change the tree, print what /proc says.
names() {
	$PYTHON - "$1" <<-'EOF'
	import mmap, os, sys
	root = sys.argv[1]
	fds = {n: os.open(root + "/d/" + n, os.O_RDONLY)
	       for n in ("a", "b", "c", "e", "g", "s/f")}
	mm = mmap.mmap(fds["g"], 0, prot=mmap.PROT_READ)

	def show(step):
	    for n, fd in sorted(fds.items()):
	        link = os.readlink("/proc/self/fd/%d" % fd)
	        print(step, n, link.replace(root, "@", 1))
	    with open("/proc/self/maps") as f:
	        for line in f:
	            if root + "/" in line:
	                print(step, "maps", line.split(None, 5)[5].strip()
	                      .replace(root, "@", 1))

	show("opened")
	os.rename(root + "/d", root + "/d2")
	show("renamed")
	os.rename(root + "/d2/s", root + "/x/s2")
	os.rename(root + "/d2", root + "/x/d3")
	show("moved")
	with open(root + "/x/d3/c", "a") as f:
	    f.write("more\n")
	os.rename(root + "/x/d3/c", root + "/x/d3/c2")
	show("copied and renamed")
	os.unlink(root + "/x/d3/e")
	os.chmod(root + "/x/d3/a", 0o600)
	os.unlink(root + "/x/d3/a")
	show("unlinked")
	EOF
}

got=$(names "$U" 2>&1)
want=$(names "$ref" 2>&1)
assert_eq "$got" "$want" "the names /proc gives, as on a plain file system"
for step in renamed moved "copied and renamed" unlinked; do
	if ! grep -q "^$step " <<< "$want"; then
		not_ok "the plain file system's names for step $step"
	fi
done
assert_eq "$(grep -c 'deleted' <<< "$got")" 2 "two files show as deleted"
assert_layer x/d3/c2 upper "the write copied c up"

# handles ROOT FILE...: name_to_handle_at() of each, plain and
# AT_HANDLE_FID; whether the mount ID is the directory's; and whether the
# handle opens a file with the same data through ROOT.
handles() {
	$PYTHON - "$@" <<-'EOF'
	import ctypes, errno, os, struct, sys
	libc = ctypes.CDLL(None, use_errno=True)
	root, files = sys.argv[1], sys.argv[2:]
	AT_HANDLE_FID = 0x200

	def handle(path, flags):
	    buf = ctypes.create_string_buffer(struct.pack("=Ii", 128, 0) +
	                                      bytes(128))
	    mnt = ctypes.c_int()
	    if libc.name_to_handle_at(-100, path.encode(), buf,
	                              ctypes.byref(mnt), flags) < 0:
	        e = ctypes.get_errno()
	        return ("EOPNOTSUPP" if e == errno.EOPNOTSUPP else
	                errno.errorcode[e]), None, None
	    return "ok", buf, mnt.value

	rootfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
	for f in files:
	    path = root + "/" + f
	    _, _, dir_mnt = handle(os.path.dirname(path), 0)
	    for flags, what in ((0, "handle"), (AT_HANDLE_FID, "fid")):
	        res, buf, mnt = handle(path, flags)
	        line = "%s %s %s" % (f, what, res)
	        if res == "ok":
	            line += " mount-id " + ("same" if mnt == dir_mnt else
	                                    "%d, not %d" % (mnt, dir_mnt))
	        if res == "ok" and not flags:
	            fd = libc.open_by_handle_at(rootfd, buf, os.O_RDONLY)
	            if fd < 0:
	                line += " open " + errno.errorcode[ctypes.get_errno()]
	            else:
	                with open(path, "rb") as f1, os.fdopen(fd, "rb") as f2:
	                    line += " open " + ("same" if f1.read() == f2.read()
	                                        else "other data")
	        print(line)
	EOF
}
got=$(handles "$U" x/d3/b x/d3/c2 2>&1)
assert_eq "$got" "x/d3/b handle EOPNOTSUPP
x/d3/b fid ok mount-id same
x/d3/c2 handle ok mount-id same open same
x/d3/c2 fid ok mount-id same" "name_to_handle_at() of a lower and of a copied-up file"
want=$(handles "$ref" x/d3/b x/d3/c2 2>&1)
assert_eq "$want" "x/d3/b handle ok mount-id same open same
x/d3/b fid ok mount-id same
x/d3/c2 handle ok mount-id same open same
x/d3/c2 fid ok mount-id same" "name_to_handle_at() on the plain file system"

done_testing
