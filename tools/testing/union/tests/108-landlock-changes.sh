#!/bin/bash
# A Landlock domain judges changes to lower objects as it judges them on a
# plain filesystem.  With removing, making, writing, truncating and
# reparenting allowed beneath one lower directory, and making files alone
# beneath another, each change (unlink, rmdir,
# rename within and across directories and over a lower file, link,
# truncate, open for writing, mkdir, mknod, symlink) must give the
# answer the same domain gives on a plain tmpfs copy of the tree, and
# leave the same tree.  Before the fix:
# - unlink() of a lower file whited it out without asking the security
#   modules: a domain that forbade removing files could remove lower ones,
#   and a rename over a lower file did not ask about removing it;
# - a rule given on a directory that was still below stayed on the lower
#   inode when the change copied it up, and the allowed changes beneath it
#   were refused.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
mkdir -p "$src/in/sub" "$src/in/empty" "$src/out/sub" "$src/out/empty" \
	"$src/mk"
for f in in/a in/b in/c in/r in/sub/f out/d out/e out/f out/g out/h out/i \
	out/sub/f mk/v; do
	printf 'lower data of %s\n' "$f" > "$src/$f"
done
union_setup "$src"
U=$UNION_DIR
plain_copy "$src" "$ref"

# changes ROOT: in a domain that handles the changes below and allows
# them beneath ROOT/in only, make each change; one line each.
changes() {
	$PYTHON - "$1" <<-'EOF'
	import ctypes, errno, os, struct, sys
	libc = ctypes.CDLL(None, use_errno=True)
	root = sys.argv[1]
	WRITE_FILE, REMOVE_DIR, REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
	MAKE_DIR, MAKE_REG, MAKE_FIFO, MAKE_SYM = 1 << 7, 1 << 8, 1 << 10, 1 << 12
	REFER, TRUNCATE = 1 << 13, 1 << 14
	SYS_CREATE, SYS_ADD, SYS_RESTRICT = 444, 445, 446
	handled = (WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR |
	           MAKE_REG | MAKE_FIFO | MAKE_SYM | REFER | TRUNCATE)
	attr = ctypes.create_string_buffer(struct.pack("=Q", handled))
	rs = libc.syscall(SYS_CREATE, attr, 8, 0)
	if rs < 0:
	    sys.exit("landlock_create_ruleset: %s"
	             % os.strerror(ctypes.get_errno()))
	for path, allowed in (("in", handled),
	                      ("mk", MAKE_REG | REFER)):
	    fd = os.open(root + "/" + path, os.O_PATH)
	    rule = ctypes.create_string_buffer(struct.pack("=Qi", allowed, fd))
	    if libc.syscall(SYS_ADD, rs, 1, rule, 0) < 0:
	        sys.exit("landlock_add_rule: %s"
	                 % os.strerror(ctypes.get_errno()))
	    os.close(fd)
	if libc.prctl(38, 1, 0, 0, 0) < 0:	# PR_SET_NO_NEW_PRIVS
	    sys.exit("prctl")
	if libc.syscall(SYS_RESTRICT, rs, 0) < 0:
	    sys.exit("landlock_restrict_self: %s"
	             % os.strerror(ctypes.get_errno()))
	os.chdir(root)

	def write(path):
	    os.close(os.open(path, os.O_WRONLY))

	calls = [
	    ("unlink out/d", os.unlink, "out/d"),
	    ("unlink in/a", os.unlink, "in/a"),
	    ("rmdir out/empty", os.rmdir, "out/empty"),
	    ("rmdir in/empty", os.rmdir, "in/empty"),
	    ("rename out/e out/e2", os.rename, "out/e", "out/e2"),
	    ("rename out/f in/f", os.rename, "out/f", "in/f"),
	    ("rename in/b out/b", os.rename, "in/b", "out/b"),
	    ("rename out/sub in/sub2", os.rename, "out/sub", "in/sub2"),
	    ("rename in/sub in/sub3", os.rename, "in/sub", "in/sub3"),
	    ("link out/g in/g", os.link, "out/g", "in/g"),
	    ("link in/c out/c", os.link, "in/c", "out/c"),
	    ("truncate out/h", os.truncate, "out/h", 0),
	    ("open out/i for writing", write, "out/i"),
	    ("mkdir out/new", os.mkdir, "out/new"),
	    ("mknod out/fifo", os.mkfifo, "out/fifo"),
	    ("symlink out/sym", os.symlink, "d", "out/sym"),
	    ("open in/c for writing", write, "in/c"),
	    ("truncate in/c", os.truncate, "in/c", 3),
	    ("rename in/r over mk/v", os.rename, "in/r", "mk/v"),
	    ("rename in/r mk/new", os.rename, "in/r", "mk/new"),
	]
	for what, call, *args in calls:
	    try:
	        call(*args)
	        print(what, "ok")
	    except OSError as e:
	        print(what, errno.errorcode[e.errno])
	EOF
}

got=$(changes "$U" 2>&1)
want=$(changes "$ref" 2>&1)
assert_eq "$got" "$want" "each change answers as on a plain file system"
if ! grep -q ' ok$' <<< "$want" || ! grep -q ' EACCES$' <<< "$want" ||
	! grep -q ' EXDEV$' <<< "$want"; then
	not_ok "the plain file system allows some changes and refuses some"
	diag "$want"
fi
for refused in "unlink out/d" "rename in/r over mk/v"; do
	grep -qx "$refused EACCES" <<< "$want" ||
		not_ok "the plain file system refuses $refused"
done
assert_same_tree "$U" "$ref" "the refused changes left the tree as on a plain file system"
assert_layer out/d lower "a refused unlink left out/d below"

done_testing
