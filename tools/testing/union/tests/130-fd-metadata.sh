#!/bin/bash
# Changes through a descriptor of a lower file: fchmod, fchown, futimens,
# fsetxattr and fremovexattr on a read-only descriptor, chmod and chown
# of /proc/self/fd/N of an O_PATH descriptor (glibc's lchmod), and
# fchownat(AT_EMPTY_PATH) copy the file up and change the copy, as the
# same changes by name do; compared with a tmpfs reference, again after a
# remount.  A descriptor of the same file through a mount of the lower
# layer that is not part of the union still gets EROFS, and so does one
# of the union's own lower mount that was opened before the union.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
ops="fchmod fchown futimens fsetxattr fremovexattr lchmod_proc fchownat_empty"
mkdir -p "$src/d/sub"
for op in $ops early; do
	echo "data of $op" > "$src/d/sub/$op"
	$SYSOP setxattr "$src/d/sub/$op" user.old old >/dev/null
done
chown -R 1000:1000 "$src/d/sub"
touch -d @1000000000 "$src/d/sub/"*
union_setup "$src"
mkdir -p "$ref"
cp -a "$src/d" "$ref/d"

# change OP PATH: make the change OP through a descriptor; prints errno
change() {
	$PYTHON - "$@" <<-'EOF'
	import ctypes, errno, os, sys
	op, p = sys.argv[1], sys.argv[2]
	try:
	    if op == "lchmod_proc":
	        fd = os.open(p, os.O_PATH | os.O_NOFOLLOW)
	        os.chmod(f"/proc/self/fd/{fd}", 0o600)
	    elif op == "fchownat_empty":
	        fd = os.open(p, os.O_RDONLY)
	        libc = ctypes.CDLL(None, use_errno=True)
	        if libc.fchownat(fd, b"", 1001, 1002, 0x1000) != 0:
	            raise OSError(ctypes.get_errno(), "fchownat")
	    else:
	        fd = os.open(p, os.O_RDONLY)
	        if op == "fchmod":
	            os.fchmod(fd, 0o640)
	        elif op == "fchown":
	            os.fchown(fd, 1001, 1002)
	        elif op == "futimens":
	            os.utime(fd, ns=(1200000000 * 10**9, 1300000000 * 10**9))
	        elif op == "fsetxattr":
	            os.setxattr(fd, "user.new", b"new")
	        elif op == "fremovexattr":
	            os.removexattr(fd, "user.old")
	    print(0)
	except OSError as e:
	    print(errno.errorcode[e.errno])
	EOF
}
describe() {	# describe PATH
	echo "$(stat -c '%a %u:%g %Y %s' "$1") old=$($SYSOP getxattr "$1" user.old) new=$($SYSOP getxattr "$1" user.new) $(cat "$1")"
}

for op in $ops; do
	assert_eq "$(change $op "$UNION_DIR/d/sub/$op")" \
		"$(change $op "$ref/d/sub/$op")" "$op on a lower file: result"
	assert_layer "d/sub/$op" upper "$op copied the file up"
	assert_eq "$(describe "$UNION_DIR/d/sub/$op")" \
		"$(describe "$ref/d/sub/$op")" "$op: the merged view as on tmpfs"
	assert_eq "$(describe "$LOWER_DIR/d/sub/$op")" \
		"$(describe "$src/d/sub/$op")" "$op: the lower file is unchanged"
done

# Not through the union: the lower layer's own read-only mount.
assert_eq "$(change fchmod "$LOWER_DIR/d/sub/fchmod")" EROFS \
	"fchmod of a lower file opened outside the union: EROFS"

# A descriptor of the very mount that is now the union's lower layer,
# opened before the union was mounted, is no descriptor of the union:
# EROFS, and nothing is copied.  (A tmpfs top cannot be mounted again.)
if [ -n "$UPPER_DEV" ]; then
	t_umount "$UNION_DIR"
	exec 7< "$UNION_DIR/d/sub/early"
	union_remount
	r=$($PYTHON -c 'import errno, os
try:
    os.fchmod(7, 0o600); print(0)
except OSError as e:
    print(errno.errorcode[e.errno])')
	exec 7<&-
	assert_eq "$r" EROFS "fchmod of a descriptor the union's lower mount had before the union: EROFS"
	assert_layer d/sub/early lower "... and nothing was copied up"
else
	skip "a descriptor from before the union: a tmpfs top cannot be mounted again"
fi

union_fresh
for op in $ops; do
	assert_eq "$(describe "$UNION_DIR/d/sub/$op")" \
		"$(describe "$ref/d/sub/$op")" "after a remount: $op as on tmpfs"
done
done_testing
