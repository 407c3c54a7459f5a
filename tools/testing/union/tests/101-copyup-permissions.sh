#!/bin/bash
# Who may cause a copy-up, and what the copy may carry.  A write to a
# lower file is judged by the file's own permissions and the union's top
# mount (never EROFS from the lower): a user without write permission
# gets EACCES (EPERM for chmod/chown/utimes by a non-owner) and nothing is
# copied, not even by O_TRUNC; a user with write permission through the
# group gets a copy that keeps its owner.  A write by an unprivileged
# user clears set-id bits and security.capability exactly as on a plain
# file system (compared with a tmpfs reference); the copy-up itself
# keeps them.  Directories: a lower 0700 directory of another user stays
# closed, and when the top copy of a directory is given other permissions
# than the lower one, the top layer's decide.  POSIX ACLs (ext2 lowers:
# squashfs keeps none): a file's access ACL lets another user write it,
# and the copy carries it; a directory's default ACL is carried by its
# top-layer copy and given to files created in it.  A copy inherits no
# ACL from the top-layer directory it is made in.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
as() {	# as UID COMMAND...: run as UID:UID with no capabilities
	local id=$1
	shift
	setpriv --reuid="$id" --regid="$id" --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$@"
}
as_sysop() {	# as_sysop UID OP ARG...: the errno of one syscall as UID
	local id=$1 r
	shift
	r=$(as "$id" "$SYSOP" "$@" 2>&1)
	echo "${r:-0}"
}

# Other users must reach the union and the reference at all.
chmod 0755 "$T"
mkdir -p "$src/d" "$src/private" "$src/shared"
for f in ro rw_group suid sgid caps caps2 otrunc chmod_other owner_ro; do
	printf 'lower %s\n' "$f" > "$src/d/$f"
done
chown 1000:1000 "$src/d/"*
chmod 0644 "$src/d/ro" "$src/d/chmod_other" "$src/d/otrunc"
chmod 0464 "$src/d/rw_group"
chgrp 1001 "$src/d/rw_group"
chmod 04777 "$src/d/suid"
chmod 02777 "$src/d/sgid"
chmod 0666 "$src/d/caps" "$src/d/caps2"
setcap cap_net_raw+ep "$src/d/caps" && setcap cap_net_raw+ep "$src/d/caps2" ||
	bail_out "setcap failed"
chmod 0444 "$src/d/owner_ro"
echo secret > "$src/private/f"
chown -R 1000:1000 "$src/private"
chmod 0700 "$src/private"
echo shared > "$src/shared/f"
# ACLs as the kernel's xattr format: version 2, then (tag, perm, id).
acl() {	# acl PATH NAME TAG:PERM:ID...
	$PYTHON - "$@" <<-'EOF'
	import os, struct, sys
	tags = {"u": 1, "U": 2, "g": 4, "G": 8, "m": 0x10, "o": 0x20}
	v = struct.pack("<I", 2)
	for e in sys.argv[3:]:
	    t, p, i = e.split(":")
	    v += struct.pack("<HHI", tags[t], int(p), int(i) if i else 0xffffffff)
	os.setxattr(sys.argv[1], sys.argv[2], v)
	EOF
}
getacl() {	# getacl PATH NAME: the ACL xattr in hex, or the errno
	$PYTHON -c 'import os, sys
try:
    print(os.getxattr(sys.argv[1], sys.argv[2]).hex())
except OSError as e:
    print(os.strerror(e.errno))' "$@"
}
if [ "$LOWER" = ext2 ]; then
	echo acl > "$src/d/acl"
	chmod 0640 "$src/d/acl"
	acl "$src/d/acl" system.posix_acl_access u:6: U:6:1001 g:4: m:6: o:0:
	mkdir "$src/acldir"
	acl "$src/acldir" system.posix_acl_default u:7: U:7:1001 g:5: m:7: o:5:
fi
chmod 0755 "$src/shared"
chmod 0666 "$src/shared/f"
# Root's private files in a directory that will get a default ACL on top.
mkdir -p "$src/dacl/sub"
echo secret > "$src/dacl/f"
mkfifo "$src/dacl/p"
chmod 0600 "$src/dacl/f" "$src/dacl/p"
chmod 0755 "$src/dacl" "$src/dacl/sub"
union_setup "$src"
mkdir -p "$ref"
cp -a "$src/d" "$ref/d"
U=$UNION_DIR

# Refused changes copy nothing.
assert_eq "$(as_sysop 1001 write "$U/d/ro" x)" EACCES \
	"open(O_WRONLY) without write permission: EACCES"
assert_eq "$(as_sysop 1001 open "$U/d/otrunc" wronly,trunc)" EACCES \
	"open(O_TRUNC) without write permission: EACCES"
assert_eq "$(as_sysop 1001 truncate "$U/d/ro" 0)" EACCES \
	"truncate without write permission: EACCES"
assert_eq "$(as_sysop 1001 chmod "$U/d/chmod_other" 0777)" EPERM \
	"chmod by another user: EPERM"
assert_eq "$(as_sysop 1001 chown "$U/d/chmod_other" 1001 1001)" EPERM \
	"chown by another user: EPERM"
assert_eq "$(as_sysop 1001 utimes "$U/d/chmod_other" 1 1)" EPERM \
	"utimes with explicit times by another user: EPERM"
# (A plain file system says EACCES here; the union cannot know at lookup
# time which xattr is meant, and refuses as for the other attributes.)
assert_eq "$(as_sysop 1001 setxattr "$U/d/chmod_other" user.x y)" EPERM \
	"setxattr by another user without write permission: EPERM"
for f in ro otrunc chmod_other; do
	assert_layer "d/$f" lower "refused changes leave d/$f below"
	assert_file_content "$U/d/$f" "lower $f"
done
# The owner may chmod a file it cannot write; the copy keeps the data.
assert_eq "$(as_sysop 1000 chmod "$U/d/owner_ro" 0644)" 0 \
	"the owner chmods its read-only lower file"
assert_layer d/owner_ro upper "the owner's chmod copied it up"
assert_file_content "$U/d/owner_ro" "lower owner_ro"

# Write permission through the group; the owner stays.
assert_eq "$(as 1001 "$SYSOP" append "$U/d/rw_group" "by 1001" 2>&1 ||
	true)" "" "a group member appends to a lower file"
assert_layer d/rw_group upper "the group write copied it up"
assert_eq "$(stat -c '%u:%g %a' "$U/d/rw_group")" "1000:1001 464" \
	"the copy keeps owner, group and mode"
assert_file_content "$U/d/rw_group" "lower rw_group
by 1001"

# Set-id bits and capabilities: as a plain file system would.
for f in suid sgid caps; do
	as 1001 "$SYSOP" append "$U/d/$f" "x" >/dev/null
	as 1001 "$SYSOP" append "$ref/d/$f" "x" >/dev/null
	assert_eq "$(stat -c %a "$U/d/$f") $(getcap "$U/d/$f" | cut -d' ' -f2-)" \
		"$(stat -c %a "$ref/d/$f") $(getcap "$ref/d/$f" | cut -d' ' -f2-)" \
		"a write by another user to the lower $f file: mode and capabilities as on tmpfs"
done
chmod 0644 "$U/d/caps2"
mkdir -p "$T/plain" && cp -a "$src/d/caps2" "$T/plain/caps2"
chmod 0644 "$T/plain/caps2"
union_fresh
# Root's chmod of a file with a capability keeps it (it does on tmpfs).
assert_eq "$(getcap "$U/d/caps2" | cut -d' ' -f2-)" \
	"$(getcap "$T/plain/caps2" | cut -d' ' -f2-)" \
	"root's chmod copies up security.capability and keeps it as on tmpfs"
assert_eq "$(getcap "$LOWER_DIR/d/caps" | cut -d' ' -f2-)" cap_net_raw=ep \
	"the lower file keeps its capability"

# A root-only copy-up keeps set-id bits: root's utimes changes only times.
$SYSOP utimes "$U/d/suid" 5 5 >/dev/null
union_fresh
assert_eq "$(stat -c '%a %X %Y' "$U/d/suid")" \
	"$(cd "$ref/d" && $SYSOP utimes suid 5 5 >/dev/null; stat -c '%a %X %Y' suid)" \
	"utimes by root keeps the set-id bits of the copy as on tmpfs"

# A 0700 lower directory of another user stays closed.
assert_eq "$(as_sysop 1001 read "$U/private/f")" EACCES \
	"another user cannot read in a lower 0700 directory"
assert_eq "$(as_sysop 1001 write "$U/private/f" x)" EACCES \
	"nor write there"
assert_eq "$(as_sysop 1000 append "$U/private/f" more)" 0 \
	"its owner can write there"
assert_layer private/f upper "the owner's write copied the file up"
assert_eq "$(stat -c '%a %u' "$U/private")" "700 1000" \
	"the directory's top-layer copy keeps mode and owner"

# The top layer's directory decides when the layers differ.
chmod 0700 "$U/shared"
assert_eq "$(stat -c %a "$LOWER_DIR/shared")" 755 \
	"chmod of a merged directory leaves the lower one alone"
assert_eq "$(as_sysop 1001 read "$U/shared/f")" EACCES \
	"the top directory, now 0700, closes the lower file"
assert_eq "$(as_sysop 1001 append "$U/shared/f" x)" EACCES \
	"and refuses its copy-up"
assert_layer shared/f lower "nothing was copied"
chmod 0777 "$U/shared"
assert_eq "$(as_sysop 1001 append "$U/shared/f" x)" 0 \
	"opened up again, the lower file can be written"
assert_layer shared/f upper "and is copied up"
union_fresh
assert_eq "$(stat -c %a "$U/shared")" 777 \
	"the top directory's mode survives a remount"

# A copy carries what the lower object has and nothing it would inherit
# from its top-layer directory: a default ACL on the merged directory
# grants user 1001 nothing on root's 0600 file, fifo and subdirectory.
acl "$U/dacl" system.posix_acl_default u:7: U:7:1001 g:5: m:7: o:5:
chmod 0640 "$U/dacl/f" "$U/dacl/p"
assert_layer dacl/f upper "chmod copied dacl/f up"
assert_layer dacl/p upper "chmod copied the fifo dacl/p up"
for f in f p; do
	assert_eq "$(getacl "$U/dacl/$f" system.posix_acl_access)" \
		"No data available" "the copy of dacl/$f has no access ACL, as below"
	assert_eq "$(stat -c '%a %u' "$U/dacl/$f")" "640 0" "dacl/$f: mode 640, root's"
done
assert_eq "$(as_sysop 1001 read "$U/dacl/f")" EACCES \
	"user 1001 cannot read the copy (EACCES, as on a plain file system)"
# A file made in it puts dacl/sub on the top layer (a lookup may not).
echo new > "$U/dacl/sub/new"
for n in access default; do
	assert_eq "$(getacl "$U/dacl/sub" system.posix_acl_$n)" \
		"No data available" "the top copy of dacl/sub has no $n ACL, as below"
done
assert_eq "$(getacl "$U/dacl/sub/new" system.posix_acl_access)" \
	"No data available" "a file made in dacl/sub inherits nothing"
union_fresh
assert_eq "$(as_sysop 1001 read "$U/dacl/f")" EACCES "still EACCES after a remount"

if [ "$LOWER" = ext2 ]; then
	want=$(getacl "$LOWER_DIR/d/acl" system.posix_acl_access)
	assert_eq "$(as_sysop 1001 append "$U/d/acl" more)" 0 \
		"the access ACL lets user 1001 write the lower file"
	assert_layer d/acl upper "that copied it up"
	assert_eq "$(getacl "$U/d/acl" system.posix_acl_access)" \
		"$want" "the copy carries the access ACL"
	assert_eq "$(as_sysop 1002 append "$U/d/acl" x)" EACCES \
		"and still refuses user 1002"
	want=$(getacl "$LOWER_DIR/acldir" system.posix_acl_default)
	assert_eq "$(getacl "$U/acldir" system.posix_acl_default)" \
		"$want" "a lower directory's top copy carries its default ACL"
	echo new > "$U/acldir/new"
	check "a file made there inherits it (an access ACL with user 1001)" \
		grep -q e9030000 <<< "$(getacl "$U/acldir/new" system.posix_acl_access)"
	union_fresh
	assert_eq "$(getacl "$U/d/acl" system.posix_acl_access)" \
		"$(getacl "$LOWER_DIR/d/acl" system.posix_acl_access)" \
		"after a remount the copy still carries the access ACL"
else
	skip "POSIX ACLs: squashfs lowers hold none"
fi
done_testing
