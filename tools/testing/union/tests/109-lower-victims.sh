#!/bin/bash
# Replacing or removing a lower object obeys the rules for removing it,
# as on a plain filesystem: in a sticky (01777) directory, a user may
# neither remove nor rename over another user's file; a file with the
# append-only or immutable flag can be neither removed, renamed, linked
# nor replaced by a rename, and only an immutable one refuses even the
# times it is touched to.  A lower directory's flags hold once it is
# copied up: no name goes from an append-only one, none comes into or
# goes from an immutable one.  Each call must answer as it does on a
# plain tmpfs copy of the tree with the same flags, and leave the same
# tree.  Before the fixes, rename() over a lower file checked nothing of
# the file it replaced: any user replaced another's file in a sticky
# directory (a LiveCD's /tmp), and an append-only or immutable file was
# replaced; and a directory's copy, made for the first name created in
# it or the first file changed in it, lost its flags.
# uppers: tmpfs ext2 jffs2
# lowers: ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
mkdir -p "$src/t" "$src/ia" "$src/ad/sub" "$src/id/sub"
chmod 01777 "$src/t"
for f in t/other t/own ia/log ia/imm ia/plain ia/p2 ia/p3 ad/f ad/g id/f \
	id/g id/sub/h; do
	printf 'lower data of %s\n' "$f" > "$src/$f"
done
chown 1000:1000 "$src/t/other"
chown 2000:2000 "$src/t/own"
# The lower layer: ext2, the image made first, then its flags set.
mk_image ext2 "$src" "$T/lower.img"
mount_image ext2 "$T/lower.img" "$T/prep" rw
chattr +a "$T/prep/ia/log" "$T/prep/ad" && chattr +i "$T/prep/ia/imm" \
	"$T/prep/id" || bail_out "chattr on the ext2 lower failed"
t_umount "$T/prep"
union_setup "ext2:$T/lower.img"
U=$UNION_DIR
plain_copy "$src" "$ref"
chattr +a "$ref/ia/log" "$ref/ad" && chattr +i "$ref/ia/imm" "$ref/id" ||
	bail_out "chattr on tmpfs failed"
chmod 0755 "$T"	# for user 2000

# calls ROOT WHICH: the calls of group WHICH in ROOT; "what errno" each.
calls() {
	$PYTHON - "$1" "$2" <<-'EOF'
	import errno, os, sys
	os.chdir(sys.argv[1])

	def make(path):
	    with open(path, "w") as f:
	        f.write("new\n")

	def write(path, flags):
	    os.close(os.open(path, os.O_WRONLY | flags))

	sticky = [
	    ("rename over another's file", "make", "t/b", "rename", "t/b", "t/other"),
	    ("unlink another's file", "unlink", "t/other"),
	    ("rename over an own file", "make", "t/c", "rename", "t/c", "t/own"),
	]
	flags = [
	    ("rename over an append-only file", "make", "ia/n1", "rename", "ia/n1", "ia/log"),
	    ("rename over an immutable file", "make", "ia/n2", "rename", "ia/n2", "ia/imm"),
	    ("unlink an append-only file", "unlink", "ia/log"),
	    ("unlink an immutable file", "unlink", "ia/imm"),
	    ("rename an append-only file", "rename", "ia/log", "ia/moved"),
	    ("rename an immutable file", "rename", "ia/imm", "ia/moved"),
	    ("link an append-only file", "link", "ia/log", "ia/l1"),
	    ("link an immutable file", "link", "ia/imm", "ia/l2"),
	    ("open an immutable file for appending", "write", "ia/imm", os.O_APPEND),
	    ("open an append-only file for writing", "write", "ia/log", 0),
	    ("chmod an append-only file", "chmod", "ia/log", 0o600),
	    ("chmod an immutable file", "chmod", "ia/imm", 0o600),
	    ("touch an immutable file", "utime", "ia/imm"),
	    ("rename over a plain file", "make", "ia/n3", "rename", "ia/n3", "ia/plain"),
	]
	# Names go neither from an append-only directory nor into or from
	# an immutable one; its files and subdirectories change as ever.
	dirs = [
	    ("unlink in an append-only directory", "unlink", "ad/f"),
	    ("create in an append-only directory", "make", "ad/new"),
	    ("rename in an append-only directory", "rename", "ad/g", "ad/g2"),
	    ("unlink what was made in it", "unlink", "ad/new"),
	    ("rename away from it", "rename", "ad/g", "ia/g"),
	    ("rename into it", "rename", "ia/p2", "ad/p2"),
	    ("rename over a name in it", "rename", "ia/p3", "ad/f"),
	    ("create in an immutable directory", "make", "id/new"),
	    ("append to a file in it", "write", "id/f", os.O_APPEND),
	    ("create in it after that", "make", "id/new2"),
	    ("open with O_CREAT in it", "write", "id/new3", os.O_CREAT),
	    ("mkdir in it", "mkdir", "id/dir"),
	    ("link into it", "link", "ad/p2", "id/l"),
	    ("rename into it", "rename", "ad/p2", "id/p2"),
	    ("unlink in it", "unlink", "id/g"),
	    ("create in its subdirectory", "make", "id/sub/new"),
	    ("unlink in its subdirectory", "unlink", "id/sub/h"),
	    ("rename the immutable directory", "rename", "id", "id2"),
	    ("rename the append-only directory", "rename", "ad", "ad2"),
	]
	ops = {"make": (make, 1), "unlink": (os.unlink, 1), "rename": (os.rename, 2),
	       "link": (os.link, 2), "write": (write, 2), "chmod": (os.chmod, 2),
	       "utime": (os.utime, 1), "mkdir": (os.mkdir, 1)}
	for what, *steps in {"sticky": sticky, "flags": flags,
	                     "dirs": dirs}[sys.argv[2]]:
	    result = "ok"
	    while steps and result == "ok":
	        call, n = ops[steps[0]]
	        try:
	            call(*steps[1:1 + n])
	        except OSError as e:
	            result = errno.errorcode[e.errno]
	        steps = steps[1 + n:]
	    print(what, result)
	EOF
}

as_user() {
	setpriv --reuid 2000 --regid 2000 --clear-groups "$@"
}

got=$(as_user bash -c "$(declare -f calls); PYTHON=$PYTHON calls $U sticky" 2>&1)
want=$(as_user bash -c "$(declare -f calls); PYTHON=$PYTHON calls $ref sticky" 2>&1)
assert_eq "$got" "$want" "in a sticky directory, as on a plain file system"
grep -q ' EPERM$' <<< "$want" && grep -q ' ok$' <<< "$want" ||
	not_ok "the plain file system refuses some calls and allows some: $want"
got=$(calls "$U" flags 2>&1)
want=$(calls "$ref" flags 2>&1)
assert_eq "$got" "$want" "on append-only and immutable files, as on a plain file system"
grep -q ' EPERM$' <<< "$want" && grep -q ' ok$' <<< "$want" ||
	not_ok "the plain file system refuses some calls and allows some: $want"
got=$(calls "$U" dirs 2>&1)
want=$(calls "$ref" dirs 2>&1)
assert_eq "$got" "$want" "in append-only and immutable directories, as on a plain file system"
grep -q ' EPERM$' <<< "$want" && grep -q ' ok$' <<< "$want" ||
	not_ok "the plain file system refuses some calls and allows some: $want"
# The flags are the lower objects' own: a plain copy has them apart.
chattr -a "$ref/ia/log" "$ref/ad" && chattr -i "$ref/ia/imm" "$ref/id"
assert_same_tree "$U" "$ref" "the refused calls left the tree as on a plain file system"
assert_layer ia/log lower
assert_layer ia/imm lower

done_testing
