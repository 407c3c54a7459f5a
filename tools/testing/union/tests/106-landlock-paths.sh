#!/bin/bash
# Landlock rules given for a union directory cover the lower files in it,
# as they cover the files of a plain directory: in a domain that handles
# reading and executing files, with reading allowed beneath one merged
# directory only, its lower files (also one below a lower-only
# subdirectory, and once the directory was renamed) can be read and those
# elsewhere cannot; a rule on a lower file itself allows that file; a
# copied-up file answers as before.  Each answer must equal what the same
# domain gives on a plain tmpfs copy of the tree.  Before the fix,
# Landlock walked a lower file's own parents, the lower layer's, and
# refused every read beneath the allowed directory.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
mkdir -p "$src/in/sub" "$src/out"
for f in in/a in/b in/sub/c out/d out/e; do
	printf 'lower data of %s\n' "$f" > "$src/$f"
done
union_setup "$src"
U=$UNION_DIR
plain_copy "$src" "$ref"

# reads ROOT DIR FILE...: in a domain that allows reading beneath ROOT/DIR
# and of ROOT/out/e alone, read each ROOT/FILE; one line each.
reads() {
	local root=$1 dir=$2
	shift 2
	$PYTHON - "$root" "$dir" "$@" <<-'EOF'
	import ctypes, errno, os, struct, sys
	libc = ctypes.CDLL(None, use_errno=True)
	root, allowed, files = sys.argv[1], sys.argv[2], sys.argv[3:]
	EXECUTE, READ_FILE = 1 << 0, 1 << 2
	SYS_CREATE, SYS_ADD, SYS_RESTRICT = 444, 445, 446
	handled = EXECUTE | READ_FILE
	attr = ctypes.create_string_buffer(struct.pack("=Q", handled))
	rs = libc.syscall(SYS_CREATE, attr, 8, 0)
	if rs < 0:
	    sys.exit("landlock_create_ruleset: %s"
	             % os.strerror(ctypes.get_errno()))
	for path in (root + "/" + allowed, root + "/out/e"):
	    fd = os.open(path, os.O_PATH)
	    rule = ctypes.create_string_buffer(struct.pack("=Qi", READ_FILE, fd))
	    if libc.syscall(SYS_ADD, rs, 1, rule, 0) < 0:
	        sys.exit("landlock_add_rule: %s"
	                 % os.strerror(ctypes.get_errno()))
	    os.close(fd)
	if libc.prctl(38, 1, 0, 0, 0) < 0:	# PR_SET_NO_NEW_PRIVS
	    sys.exit("prctl")
	if libc.syscall(SYS_RESTRICT, rs, 0) < 0:
	    sys.exit("landlock_restrict_self: %s"
	             % os.strerror(ctypes.get_errno()))
	for f in files:
	    try:
	        fd = os.open(root + "/" + f, os.O_RDONLY)
	        os.read(fd, 100)
	        os.close(fd)
	        print(f, "ok")
	    except OSError as e:
	        print(f, errno.errorcode[e.errno])
	EOF
}

# same WHAT DIR FILE...: the union answers as the plain copy does.
same() {
	local what=$1 got want
	shift
	got=$(reads "$U" "$@" 2>&1)
	want=$(reads "$ref" "$@" 2>&1)
	assert_eq "$got" "$want" "$what: as on a plain file system"
	if ! grep -q ' ok$' <<< "$want" || ! grep -q ' EACCES$' <<< "$want"
	then
		not_ok "$what: the plain file system allows some and refuses some"
		diag "$want"
	fi
}

same "reads beneath an allowed merged directory" in \
	in/a in/b in/sub/c out/d out/e
printf 'more\n' >> "$U/in/b"
printf 'more\n' >> "$ref/in/b"
assert_layer in/b upper "the write copied in/b up"
same "after a copy-up" in in/a in/b out/d out/e
mv "$U/in" "$U/renamed"
mv "$ref/in" "$ref/renamed"
same "beneath the renamed directory" renamed \
	renamed/a renamed/b renamed/sub/c out/d out/e
same "beneath a lower-only subdirectory" renamed/sub \
	renamed/a renamed/sub/c out/e

done_testing
