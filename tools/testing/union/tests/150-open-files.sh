#!/bin/bash
# Files opened read-only on a lower layer (through the union) before
# something copies them up go on seeing the same file, which is the copy
# now: read, pread, readv, sendfile and lseek(SEEK_END) give the new data
# and size, fstat the copy's inode (what stat of the name gives), also
# after the copy was renamed away, for copy-ups by write, truncate, chmod
# and rename; reading goes on from the old offset; statx(AT_EMPTY_PATH),
# fgetxattr and flistxattr answer for the copy too.  A file unlinked
# without a copy-up (whited out) while open has no link left (fstat,
# statx) and is still read.  Changes through such
# descriptors (fchmod, futimens, fsetxattr, chmod of /proc/self/fd/N of an
# O_PATH descriptor) reach the copy even after the file's directory was
# renamed.  A read-only MAP_SHARED mapping made before the copy-up keeps
# the lower data (the documented exception); one made after it maps the
# copy.  Readers holding the file open while eight writers copy it up
# concurrently only ever see whole old or whole new data.  Again after a
# remount (caches dropped for tmpfs).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in d1 d2; do
	mkdir -p "$src/$d/sub"
	for f in w t c r m x u; do
		printf 'lower-%s-0123456789\n' "$f" > "$src/$d/$f"
	done
	for f in fm fu fx pm; do
		echo "lower-$f" > "$src/$d/sub/$f"
	done
	head -c 1048576 /dev/zero | tr '\0' L > "$src/$d/big"
done
union_setup "$src"
U=$UNION_DIR

run_checks() {	# run_checks DIR PHASE
	$PYTHON - "$U/$1" "$2" <<-'EOF'
	import ctypes, mmap, os, stat, struct, sys, threading
	d, phase = sys.argv[1], sys.argv[2]
	out = []
	libc = ctypes.CDLL(None, use_errno=True)
	def statx_fd(fd):
	    """statx(fd, "", AT_EMPTY_PATH): (nlink, mode, ino, size)."""
	    buf = ctypes.create_string_buffer(256)
	    if libc.statx(fd, b"", 0x1000, 0x7ff, buf):
	        e = ctypes.get_errno()
	        raise OSError(e, os.strerror(e))
	    nlink, _, _, mode = struct.unpack_from("=IIIH", buf, 16)
	    ino, size = struct.unpack_from("=QQ", buf, 32)
	    return nlink, stat.S_IMODE(mode), ino, size
	def check(cond, what):
	    out.append(("ok - " if cond else "not ok - ") + phase + ": " + what)
	def opened(name):
	    fd = os.open(os.path.join(d, name), os.O_RDONLY)
	    first = os.read(fd, 6)
	    return fd, first
	# write: append from another descriptor
	fd, first = opened("w")
	check(first == b"lower-", "read before the copy-up")
	with open(os.path.join(d, "w"), "ab") as f:
	    f.write(b"appended\n")
	rest = os.read(fd, 100)
	check(rest == b"w-0123456789\nappended\n", "read goes on in the copy, from the old offset (%r)" % rest)
	check(os.pread(fd, 8, 19) == b"appended", "pread reads the copy")
	check(os.lseek(fd, 0, os.SEEK_END) == 28, "lseek(SEEK_END) gives the copy's size")
	st, sn = os.fstat(fd), os.stat(os.path.join(d, "w"))
	check((st.st_ino, st.st_dev, st.st_size) == (sn.st_ino, sn.st_dev, sn.st_size),
	      "fstat gives the copy, as stat of the name does")
	os.lseek(fd, 0, os.SEEK_SET)
	a, b = bytearray(6), bytearray(40)
	n = os.readv(fd, [a, b])
	check(n == 28 and bytes(a + b[:22]) == b"lower-w-0123456789\nappended\n", "readv reads the copy")
	os.rename(os.path.join(d, "w"), os.path.join(d, "w-moved"))
	check(os.pread(fd, 8, 19) == b"appended", "the copy renamed away: still read")
	r, w = os.pipe()
	n = os.sendfile(w, fd, 0, 28)
	check(n == 28 and os.read(r, 100).endswith(b"appended\n"), "sendfile reads the copy")
	os.close(r); os.close(w); os.close(fd)
	# truncate
	fd, _ = opened("t")
	os.truncate(os.path.join(d, "t"), 3)
	check(os.lseek(fd, 0, os.SEEK_END) == 3 and os.pread(fd, 10, 0) == b"low",
	      "truncate by name: the open file sees 3 bytes")
	os.close(fd)
	# chmod, then writes through a new descriptor
	fd, _ = opened("c")
	os.chmod(os.path.join(d, "c"), 0o600)
	with open(os.path.join(d, "c"), "r+b") as f:
	    f.write(b"UPPER")
	check(os.pread(fd, 5, 0) == b"UPPER", "copied up by chmod, written: the open file reads it")
	check(stat.S_IMODE(os.fstat(fd).st_mode) == 0o600, "fstat: the copy's mode")
	os.close(fd)
	# rename copies up; the descriptor follows the file
	fd, _ = opened("r")
	os.rename(os.path.join(d, "r"), os.path.join(d, "r2"))
	with open(os.path.join(d, "r2"), "r+b") as f:
	    f.write(b"RENAMED")
	check(os.pread(fd, 7, 0) == b"RENAMED", "copied up by rename: the open file reads the copy")
	os.close(fd)
	# statx and the xattr calls by descriptor, after a copy-up by name
	fd, _ = opened("x")
	os.setxattr(os.path.join(d, "x"), "user.new", b"copy")
	os.chmod(os.path.join(d, "x"), 0o611)
	sn = os.stat(os.path.join(d, "x"))
	check(statx_fd(fd) == (1, 0o611, sn.st_ino, sn.st_size),
	      "statx(AT_EMPTY_PATH) gives the copy (%r)" % (statx_fd(fd),))
	check(os.getxattr(fd, "user.new") == b"copy", "fgetxattr reads the copy's xattrs")
	check("user.new" in os.listxattr(fd), "flistxattr lists the copy's")
	os.close(fd)
	# unlinked without a copy-up (a whiteout): no link left, still read
	fd, _ = opened("u")
	os.unlink(os.path.join(d, "u"))
	check(os.fstat(fd).st_nlink == 0, "unlinked: fstat gives no link left (%d)" % os.fstat(fd).st_nlink)
	check(statx_fd(fd)[0] == 0, "... and so does statx(AT_EMPTY_PATH)")
	check(os.pread(fd, 7, 0) == b"lower-u", "... and it is still read")
	os.close(fd)
	# mmap: before and after the copy-up
	fd, _ = opened("m")
	before = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)
	with open(os.path.join(d, "m"), "r+b") as f:
	    f.write(b"MMAPPED")
	check(before[:7] == b"lower-m", "a mapping made before the copy-up keeps the lower data")
	after = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)
	check(after[:7] == b"MMAPPED", "a mapping made after the copy-up maps the copy (%r)" % after[:7])
	before.close(); after.close(); os.close(fd)
	# changes through descriptors of files whose directory was renamed
	os.rename(os.path.join(d, "sub"), os.path.join(d, "sub2"))
	s = os.path.join(d, "sub2")
	fd = os.open(os.path.join(s, "fm"), os.O_RDONLY)
	os.fchmod(fd, 0o640)
	check(stat.S_IMODE(os.stat(os.path.join(s, "fm")).st_mode) == 0o640,
	      "fchmod on O_RDONLY, directory renamed: the name shows mode 640")
	check(stat.S_IMODE(os.fstat(fd).st_mode) == 0o640, "... and so does fstat")
	os.close(fd)
	fd = os.open(os.path.join(s, "fu"), os.O_RDONLY)
	os.utime(fd, (1000000, 2000000))
	check(os.stat(os.path.join(s, "fu")).st_mtime == 2000000, "futimens on O_RDONLY, directory renamed")
	os.close(fd)
	fd = os.open(os.path.join(s, "fx"), os.O_RDONLY)
	os.setxattr(fd, "user.k", b"v")
	check(os.getxattr(os.path.join(s, "fx"), "user.k") == b"v", "fsetxattr on O_RDONLY, directory renamed")
	os.close(fd)
	fd = os.open(os.path.join(s, "pm"), os.O_PATH)
	os.chmod("/proc/self/fd/%d" % fd, 0o604)
	check(stat.S_IMODE(os.stat(os.path.join(s, "pm")).st_mode) == 0o604,
	      "chmod of /proc/self/fd/N (O_PATH), directory renamed")
	os.close(fd)
	# concurrent: readers hold big open while eight appenders copy it up
	size = 1048576
	fds = [os.open(os.path.join(d, "big"), os.O_RDONLY) for _ in range(4)]
	bad = []
	def reader(fd):
	    for _ in range(20):
	        data = os.pread(fd, size + 100, 0)
	        if data[:size] != b"L" * size or len(data) not in range(size, size + 9):
	            bad.append(len(data))
	def appender():
	    with open(os.path.join(d, "big"), "ab") as f:
	        f.write(b"+")
	ts = [threading.Thread(target=reader, args=(f,)) for f in fds]
	ts += [threading.Thread(target=appender) for _ in range(8)]
	for t in ts: t.start()
	for t in ts: t.join()
	check(not bad, "concurrent readers saw whole data only (%r)" % bad[:3])
	check(all(len(os.pread(f, size + 100, 0)) == size + 8 for f in fds),
	      "... and all of the eight appends afterwards")
	for f in fds: os.close(f)
	print("\n".join(out))
	EOF
}

tap_from() {	# tap_from OUTPUT: turn the script's lines into TAP results
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) diag "$line" ;;
		esac
	done <<< "$1"
}

out=$(run_checks d1 "first mount" 2>&1)
tap_from "$out"
assert_layer d1/w-moved upper "the appended file is on the top layer"
assert_file_content "$LOWER_DIR/d1/w" "lower-w-0123456789" "lower alone: d1/w untouched"
union_fresh
out=$(run_checks d2 "after a remount" 2>&1)
tap_from "$out"
for f in w t c r m x u big sub/fm; do
	assert_exists "$LOWER_DIR/d2/$f" "lower alone: d2/$f untouched"
done
done_testing
