#!/bin/bash
# Unions and user namespaces.  Only the initial user namespace makes
# unions (EPERM elsewhere, even over mounts the namespace may stack): the
# top layer's copies carry the lower owners, which a top layer mounted in
# a user namespace could not represent.  A union made there can be used
# from a user namespace (a container's root): user 1000, root of a
# namespace that maps nothing else, gains nothing through it.  Files of
# unmapped owners are read but not chowned or chmoded (EPERM), root-owned
# files it may not write stay closed (EACCES), and a 0700 directory of
# unmapped root too; a write it may make (0666, 04777 files) copies the
# file up with its owner and drops the set-id bit as a write by a
# non-owner does; files it makes are its own, and cannot be given an
# unmapped owner (EINVAL); no device nodes (EPERM); a capability it sets
# on its own file is bound to its namespace (a version 3 xattr with root
# id 1000), and the lower's capability is dropped by its write.  Nothing
# it did is left half-done: each refused call copied nothing up.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

[ -e /proc/self/ns/user ] || skip_all "no user namespaces (CONFIG_USER_NS)"
src=$T/src
mkdir -p "$src/d" "$src/private" "$src/tmp" "$T/stack" "$T/plain"
for f in root_ro root_rw suid_root mine caps_mine; do
	printf 'lower %s\n' "$f" > "$src/d/$f"
done
chmod 0644 "$src/d/root_ro"
chmod 0666 "$src/d/root_rw"
chmod 04777 "$src/d/suid_root"
chown 1000:1000 "$src/d/mine" "$src/d/caps_mine"
chmod 0644 "$src/d/mine"
chmod 0666 "$src/d/caps_mine"
setcap cap_net_raw+ep "$src/d/caps_mine" || bail_out "setcap failed"
echo secret > "$src/private/f"
chmod 0700 "$src/private"
chmod 01777 "$src/tmp"
union_setup "$src"
U=$UNION_DIR
# User 1000 must reach the union and the mount points at all.
chmod 0755 "$T" "$T/stack" "$T/plain"

# A read-only mount that a user namespace may union over, if it could.
mk_image squashfs "$src" "$T/stack.img"
mount_image squashfs "$T/stack.img" "$T/stack-alone"
t_mount -t squashfs -o ro "$LOOPDEV" "$T/stack"

# In a new user and mount namespace, as user 1000 mapped to root: one
# "name errno" line per call.
inner=$(setpriv --reuid=1000 --regid=1000 --clear-groups \
	unshare --user --map-root-user --mount -- \
	env SYSOP="$SYSOP" PYTHON="$PYTHON" U="$U" T="$T" bash -s <<-'EOF' 2>&1
	r() {	# r NAME OP ARG...: one call's errno (0 for success)
		local name=$1 out
		shift
		out=$("$SYSOP" "$@" 2>&1)
		echo "$name ${out:-0}"
	}
	echo "uid $(id -u)"
	r union-over-ro mount none "$T/stack" tmpfs union
	r union-over-plain mount none "$T/plain" tmpfs union
	r union-over-union mount none "$U" tmpfs union
	r tmpfs-plain mount none "$T/plain" tmpfs ""
	r read-root read "$U/d/root_ro"
	r write-root-ro write "$U/d/root_ro" x
	r chown-root chown "$U/d/root_ro" 0 0
	r chmod-root chmod "$U/d/root_ro" 0600
	r utimes-root utimes "$U/d/root_ro" 1 1
	r private readdir "$U/private"
	r private-file read "$U/private/f"
	r append-root append "$U/d/root_rw" "by userns"
	r append-suid append "$U/d/suid_root" "by userns"
	r chmod-suid chmod "$U/d/suid_root" 04777
	r chmod-mine chmod "$U/d/mine" 0600
	r append-caps append "$U/d/caps_mine" "by userns"
	r create open "$U/tmp/new" wronly,creat,excl
	r chown-unmapped chown "$U/tmp/new" 2000 2000
	r chown-mapped chown "$U/tmp/new" 0 0
	r mknod mknod "$U/tmp/nod" c 0644 1 3
	r mkdir mkdir "$U/tmp/newdir" 0755
	# A version 2 capability on a file it owns (cap_net_raw, permitted).
	"$PYTHON" -c 'import os, struct, sys
v = struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0)
try:
    os.setxattr(sys.argv[1], "security.capability", v)
    print("setcap-mine 0")
except OSError as e:
    print("setcap-mine", e.errno)' "$U/d/mine"
	EOF
)
diag "in the user namespace: $(tr '\n' ' ' <<< "$inner")"
res() {	# res NAME: what the inner call NAME gave
	sed -n "s/^$1 //p" <<< "$inner"
}
assert_eq "$(res uid)" 0 "user 1000 is root in its user namespace"
assert_eq "$(res union-over-ro)" EPERM \
	"a union over a read-only mount is refused in a user namespace"
assert_eq "$(res union-over-plain)" EPERM \
	"so is one over a plain directory"
assert_eq "$(res union-over-union)" EPERM "and one over a union"
assert_eq "$(res tmpfs-plain)" 0 \
	"while the namespace may mount tmpfs without -o union"
assert_eq "$(res read-root)" "lower root_ro" \
	"a root-owned 0644 lower file can be read"
assert_eq "$(res write-root-ro)" EACCES "but not written"
assert_eq "$(res chown-root)" EPERM "a file of unmapped root: chown EPERM"
assert_eq "$(res chmod-root)" EPERM "chmod EPERM"
assert_eq "$(res utimes-root)" EPERM "utimes with times EPERM"
assert_layer d/root_ro lower "the refused changes copied nothing up"
assert_file_content "$U/d/root_ro" "lower root_ro"
assert_eq "$(res private)" EACCES \
	"a 0700 lower directory of unmapped root stays closed"
assert_eq "$(res private-file)" EACCES "and so do the files in it"

assert_eq "$(res append-root)" 0 "a 0666 root-owned file can be written"
assert_eq "$(stat -c '%u:%g %a' "$U/d/root_rw")" "0:0 666" \
	"its copy keeps its owner and mode"
assert_file_content "$U/d/root_rw" "lower root_rw
by userns"
assert_layer d/root_rw upper "and is on the top layer"
assert_eq "$(res append-suid)" 0 "a 04777 root-owned file can be written"
assert_eq "$(stat -c '%u:%g %a' "$U/d/suid_root")" "0:0 777" \
	"the copy of the set-uid root file lost its set-uid bit"
assert_eq "$(res chmod-suid)" EPERM "which the namespace cannot set again"
assert_eq "$(res chmod-mine)" 0 "its own lower file: chmod works"
assert_eq "$(stat -c '%u:%g %a' "$U/d/mine")" "1000:1000 600" \
	"the copy keeps the owner 1000"
assert_eq "$(res append-caps)" 0 "a write to its own file with a capability"
assert_eq "$(getcap "$U/d/caps_mine")" "" \
	"dropped the capability the copy-up carried"
assert_eq "$(getcap "$LOWER_DIR/d/caps_mine" | cut -d' ' -f2-)" \
	cap_net_raw=ep "the lower file keeps it"

assert_eq "$(res create)" 0 "a file made in a 01777 lower directory"
assert_eq "$(stat -c '%u:%g' "$U/tmp/new")" 1000:1000 "is owned by 1000"
assert_eq "$(res chown-unmapped)" EINVAL \
	"and cannot be given an unmapped owner"
assert_eq "$(res chown-mapped)" 0 "a mapped one (0 = 1000) it can"
assert_eq "$(res mknod)" EPERM "device nodes: EPERM"
assert_absent "$U/tmp/nod"
assert_eq "$(res mkdir)" 0 "a new directory"
assert_eq "$(stat -c '%u:%g' "$U/tmp/newdir")" 1000:1000 "owned by 1000 too"

assert_eq "$(res setcap-mine)" 0 \
	"root of the namespace sets a capability on its own file"
caps=$($PYTHON -c 'import os, struct, sys
v = os.getxattr(sys.argv[1], "security.capability")
print(len(v), hex(struct.unpack("<I", v[:4])[0] >> 24),
      struct.unpack("<I", v[20:24])[0] if len(v) >= 24 else "-")' "$U/d/mine")
assert_eq "$caps" "24 0x3 1000" \
	"stored as a version 3 capability of root id 1000, its namespace's root"

union_fresh
assert_eq "$(stat -c '%u:%g %a' "$U/d/suid_root" "$U/tmp/new")" \
	"0:0 777
1000:1000 644" "after a remount: the same owners and modes"
assert_layer d/root_ro lower "and d/root_ro was never copied"
done_testing
