#!/bin/bash
# A lower file reached through a union answers as a file of the union.
# The union mount's nosuid, noexec, nodev and nosymfollow apply to it (a
# set-uid lower program does not run set-uid from a nosuid union), also
# when they change (remount, mount_setattr()), and per mount: a bind
# mount of the union, or its copy in a new mount namespace, has flags of
# its own.  A lower mount's own nosuid still holds through a union that
# lacks it, and cannot be dropped while the union is up (EBUSY).  A
# union cannot be idmapped (MOUNT_ATTR_IDMAP of a clone:
# EINVAL).  access(W_OK) judges a lower file as its copy would be judged,
# not by the lower filesystem's read-only flag.  The file reports the
# union's mount: statx() and fdinfo mount IDs (those of mountinfo),
# /proc/self/fd links (in a new namespace too), statfs() (fsid and
# flags).  openat2() with RESOLVE_NO_XDEV (no mount is crossed),
# RESOLVE_BENEATH or RESOLVE_IN_ROOT reaches it from its directory; a
# real mount and the ways out stay refused.  A mount over a lower file,
# or a bind mount of one, copies it up first.  A descriptor of the lower
# mount that was not opened through the union changes nothing (EROFS),
# although the union has the same file open.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

VIEWS="$PYTHON $UNION_TOOLS/views.py"
src=$T/src
mkdir -p "$src/bin" "$src/dev" "$src/d" "$src/mnt"
cp /usr/bin/id "$src/bin/suid"
chmod 4755 "$src/bin/suid"
cp /usr/bin/id "$src/bin/exe"
mknod -m 666 "$src/dev/null" c 1 3
echo "lower d/f" > "$src/d/f"
echo "lower d/g" > "$src/d/g"
echo "lower mine" > "$src/d/mine"
chown 1000:1000 "$src/d/mine"
echo "lower target" > "$src/target"
ln -s target "$src/link"
ln -s ../target "$src/d/out"
union_setup "$src"
U=$UNION_DIR

# mnt_id MNT: the ID of the topmost mount at MNT, in mountinfo.
mnt_id() {
	awk -v m="$1" '$5 == m { id = $1 } END { print id }' /proc/self/mountinfo
}
# as_user PROGRAM...: run it as uid/gid 1000.
as_user() {
	setpriv --reuid=1000 --regid=1000 --clear-groups "$@" 2>&1
}

assert_eq "$(as_user "$U/bin/suid" -u)" 0 "a set-uid lower program runs set-uid"
assert_eq "$(as_user "$U/bin/exe" -u)" 1000 "another runs as its caller"
assert_eq "$(head -c 0 "$U/dev/null" && echo ok)" ok "a lower device opens"
assert_file_content "$U/link" "lower target" "a lower symlink is followed"
assert_eq "$($VIEWS mmapx "$U/bin/exe")" ok "mmap(PROT_EXEC) of a lower file"

# The union's flags, set by remount, apply to its lower files.
mount -o remount,nosuid,noexec,nodev,nosymfollow "$U" ||
	bail_out "remount with nosuid,noexec,nodev,nosymfollow failed"
out=$(as_user "$U/bin/exe" -u; echo "status $?")
case $out in
*"Permission denied"*"status 126") ok "noexec union: exec of a lower program: EACCES" ;;
*) not_ok "noexec union: exec of a lower program: EACCES"; diag "$out" ;;
esac
assert_eq "$($VIEWS mmapx "$U/bin/exe")" EPERM "noexec union: mmap(PROT_EXEC) of a lower file: EPERM"
assert_errno EACCES open "$U/dev/null" 0	# nodev
assert_errno ELOOP open "$U/link" 0		# nosymfollow
assert_eq "$($SYSOP readlink "$U/link")" target "readlink still reads it"
mount -o remount,exec,dev,symfollow "$U" ||
	bail_out "remount with exec,dev,symfollow failed"
assert_eq "$(as_user "$U/bin/suid" -u)" 1000 "nosuid union: a set-uid lower program does not run set-uid"
assert_eq "$($VIEWS statfs "$U/bin/suid" | cut -d' ' -f2)" \
	"$($VIEWS statfs "$U" | cut -d' ' -f2)" "statfs() flags of a lower file are the union's (nosuid)"
mount -o remount,suid "$U" || bail_out "remount with suid failed"
assert_eq "$(as_user "$U/bin/suid" -u)" 0 "suid again: it runs set-uid again"

# mount_setattr() too (MOUNT_ATTR_NOSUID 0x2, MOUNT_ATTR_NOEXEC 0x8).
assert_eq "$($PYTHON "$UNION_TOOLS/newmount.py" setattr "$U" 0xa)" ok \
	"mount_setattr(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) of the union"
assert_eq "$($VIEWS mmapx "$U/bin/exe")" EPERM "then mmap(PROT_EXEC) of a lower file: EPERM"
mount -o remount,suid,exec "$U" || bail_out "remount with suid,exec failed"
assert_eq "$($VIEWS mmapx "$U/bin/exe")" ok "and ok again after a remount"

# Per mount: a nosuid bind mount of the union, and a new namespace.
mkdir -p "$T/bind"
t_mount --bind "$U" "$T/bind"
mount -o remount,bind,nosuid "$T/bind" || bail_out "remount of the bind mount failed"
assert_eq "$(as_user "$T/bind/bin/suid" -u)" 1000 "through a nosuid bind mount: not set-uid"
assert_eq "$(as_user "$U/bin/suid" -u)" 0 "through the union itself: set-uid"
assert_eq "$($VIEWS mntid "$T/bind/d/f")" "$(mnt_id "$T/bind")" \
	"statx() mount ID of a lower file through the bind mount: the bind mount's"
t_umount "$T/bind"
got=$(unshare -m sh -c '
	mount -o remount,bind,nosuid "$1" || exit 1
	setpriv --reuid=1000 --regid=1000 --clear-groups "$1/bin/suid" -u
	$2 fd "$1/d/f"
	awk -v m="$1" '\''$5 == m { id = $1 } END { print id }'\'' /proc/self/mountinfo
' sh "$U" "$VIEWS" 2>&1)
id_ns=$(printf '%s\n' "$got" | sed -n 3p)
assert_eq "$got" "$(printf '1000\n%s %s\n%s' "$id_ns" "$U/d/f" "$id_ns")" \
	"in a new mount namespace: its own nosuid; fdinfo and /proc/self/fd answer there"
assert_eq "$(as_user "$U/bin/suid" -u)" 0 "the union outside the namespace keeps suid"

# A union is not idmapped: its lower files could not follow the mapping.
mkdir -p "$T/plain"
t_mount -t tmpfs plain "$T/plain"
assert_eq "$($PYTHON "$UNION_TOOLS/newmount.py" idmap "$T/plain")" ok \
	"a clone of a plain tmpfs can be idmapped"
assert_eq "$($PYTHON "$UNION_TOOLS/newmount.py" idmap "$U")" "mount_setattr: EINVAL" \
	"a clone of the union cannot: EINVAL"
t_umount "$T/plain"

# access(W_OK) judges a lower file as its copy: no EROFS from the lower
# layer (rm and test -w ask it), but the union's own read-only state.
# sysop_as USER OP ARG...: one union-sysop call as uid/gid USER: "0" or
# the errno's name.
sysop_as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups union-sysop "$@" 2>&1 && echo 0
}
chmod 755 "$T"	# for uid 1000
assert_eq "$(sysop_as 1000 access "$U/d/mine" w)" 0 "access(W_OK) of one's own lower file"
assert_eq "$(sysop_as 1000 access "$U/d/f" w)" EACCES "access(W_OK) of root's 0644 lower file: EACCES"
assert_eq "$(sysop_as 1000 access "$U/d/f" r)" 0 "access(R_OK) of it"
assert_eq "$(sysop_as 0 access "$U/d/f" w)" 0 "access(W_OK) by root"
assert_eq "$($SYSOP access "$U/bin/exe" x && echo 0)" 0 "access(X_OK) of a lower program"
assert_layer d/mine lower "access() copies nothing up"
mount -o remount,ro "$U" || bail_out "remount,ro of the union failed"
assert_eq "$(sysop_as 0 access "$U/d/f" w)" EROFS "access(W_OK) in a read-only union: EROFS"
mount -o remount,rw "$U" || bail_out "remount,rw of the union failed"

# What a lower file reports: the union's mount and filesystem.
id=$(mnt_id "$U")
assert_eq "$($VIEWS mntid "$U/d/f")" "$id" "statx() mount ID of a lower file: the union's"
assert_eq "$($VIEWS mntid "$U/d")" "$id" "that of a directory: the union's"
assert_eq "$($VIEWS fd "$U/d/f")" "$id $U/d/f" "fdinfo mount ID and /proc/self/fd link of a lower file"
assert_eq "$($VIEWS statfs "$U/d/f")" "$($VIEWS statfs "$U")" \
	"statfs() of a lower file: the union's filesystem"
for how in xdev beneath inroot; do
	assert_eq "$($VIEWS openat2 "$U/d" f $how)" "lower d/f" \
		"openat2($how) of a lower file, from its directory"
	assert_eq "$($VIEWS openat2 "$U" d/f $how)" "lower d/f" \
		"openat2($how) of a lower file, from the union's root"
done
assert_eq "$($VIEWS openat2 "$U/d" ../target beneath)" EXDEV \
	"openat2(RESOLVE_BENEATH) of a lower file outside: EXDEV"
assert_eq "$($VIEWS openat2 "$U" /target inroot)" "lower target" \
	"openat2(RESOLVE_IN_ROOT) of an absolute lower name: in the root"
assert_eq "$($VIEWS openat2 "$U/d" out beneath)" EXDEV \
	"openat2(RESOLVE_BENEATH) of a lower symlink that leads out: EXDEV"
assert_layer d/f lower "it is still the lower file"
echo "other" > "$T/other"
t_mount -t tmpfs -o mode=0755 sub "$U/mnt"
echo "sub" > "$U/mnt/x"
assert_eq "$($VIEWS openat2 "$U" mnt/x xdev)" EXDEV "openat2(RESOLVE_NO_XDEV) across a real mount: EXDEV"
t_umount "$U/mnt"

# A mount over a lower file is a mount over its copy.
t_mount --bind "$T/other" "$U/d/f"
assert_file_content "$U/d/f" other "a bind mount over a lower file shows"
t_umount "$U/d/f"
assert_file_content "$U/d/f" "lower d/f" "unmounted: the file again"
assert_layer d/f upper "the file was copied up for the mount"
assert_file_content "$LOWER_DIR/d/f" "lower d/f" "the lower file is unchanged"

# A bind mount of a lower file is one of its copy: the bind and the
# union show the same file, also after a change through either.
touch "$T/gbind"
t_mount --bind "$U/d/g" "$T/gbind"
assert_layer d/g upper "a bind mount of a lower file copies it up"
echo "through the bind" >> "$T/gbind"
assert_file_content "$U/d/g" "$(printf 'lower d/g\nthrough the bind')" \
	"a write through the bind shows in the union"
echo "through the union" >> "$U/d/g"
assert_eq "$(tail -n 1 "$T/gbind")" "through the union" "and one through the union in the bind"
t_umount "$T/gbind"
assert_file_content "$LOWER_DIR/d/g" "lower d/g" "the lower file is unchanged"

# A lower mount's own nosuid holds through a union without it; a
# descriptor of that lower mount, not opened through the union, changes
# nothing although the union has the file open.
m=$T/own
mkdir -p "$m"
t_mount --bind "$LOWER_DIR" "$m"
mount -o remount,bind,ro,nosuid "$m" || bail_out "remount of the lower bind failed"
exec 3< "$m/d/f" 5< "$m"
t_mount -t tmpfs -o union,mode=0755 own-top "$m"
check "a union over a nosuid lower mount" is_union "$m"
assert_eq "$(as_user "$m/bin/suid" -u)" 1000 "a nosuid lower mount: not set-uid through a union without nosuid"
assert_errno EBUSY mount none /proc/self/fd/5 none remount,bind,rdonly
assert_errno 0 mount none /proc/self/fd/5 none remount,bind,rdonly,nosuid
exec 5<&-
assert_eq "$(as_user "$m/bin/suid" -u)" 1000 "so it stays nosuid"
exec 4< "$m/d/f"
assert_eq "$($VIEWS fchmod-held 0600)" EROFS \
	"fchmod() of the lower mount's own descriptor: EROFS"
exec 3<&- 4<&-
assert_eq "$($SYSOP fidtype "$m/d/f")" $FILEID_UNION_LOWER \
	"the union still shows the lower file"
assert_eq "$($SYSOP stat "$m/d/f" | cut -d' ' -f2)" "$($SYSOP stat "$LOWER_DIR/d/f" | cut -d' ' -f2)" \
	"with its mode"
t_umount "$m"
t_umount "$m"

done_testing
