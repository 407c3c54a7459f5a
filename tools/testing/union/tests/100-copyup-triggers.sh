#!/bin/bash
# Copy-up on every trigger for every file type.  Each (trigger, type)
# pair has an object of its own on the lower layer (owner 1000:1000,
# fixed times, a trusted.* xattr on every type, a user.* xattr and data
# with a hole on regular files).  The same change is made in the union and
# in a plain tmpfs copy of the lower tree; afterwards, and again after a
# remount, the two must agree (type, mode, owner, size, rdev, symlink
# target, xattrs, data, and mtime where the change does not set it to
# "now"), the object must live on the top layer (or stay below where the
# change is refused or goes elsewhere: an open that follows a symlink
# copies its target up, open of a socket fails), and the lower layer must
# be unchanged.  QUICK=1: every trigger on a regular file, and a third
# of the other pairs (each upper another third).
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 300
. "$(dirname "$0")/../lib.sh"

src=$T/src
ref=$T/ref
types="reg sym fifo sock chr blk"
triggers="append rdwr otrunc trunc_short trunc_long chmod chown utimes
	setxattr removexattr link rename mmap"
T0=1000000000	# the lower objects' atime and mtime

mkobj() {	# mkobj DIR NAME TYPE
	local p=$1/$2
	case $3 in
	reg)
		printf 'lower data of %s\n' "$2" > "$p"
		# a hole, then more data: the copy must stay sparse
		printf 'tail of %s\n' "$2" | dd of="$p" bs=1k seek=300 \
			conv=notrunc status=none
		$SYSOP setxattr "$p" user.u "user-$2" >/dev/null ;;
	sym)	ln -s "target.$2" "$p"
		printf 'target of %s\n' "$2" > "$1/target.$2"
		chown 1000:1000 "$1/target.$2"
		touch -d "@$T0" "$1/target.$2" ;;
	fifo)	mkfifo "$p" ;;
	sock)	$PYTHON -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$p" ;;
	chr)	mknod "$p" c 1 3 ;;
	blk)	mknod "$p" b 7 0 ;;
	esac
	chown -h 1000:1000 "$p"
	[ "$3" = sym ] || chmod 0664 "$p"
	$SYSOP setxattr "$p" trusted.t "trusted-$2" >/dev/null
	touch -h -d "@$T0" "$p"
}

# What a trigger does to PATH (in the union or the reference).  Prints
# the errno (0 on success).
apply() {	# apply TRIGGER TYPE PATH
	local trig=$1 type=$2 p=$3 r
	case $trig in
	append)
		case $type in
		reg|sym) r=$($SYSOP append "$p" " appended") ;;
		fifo) r=$($SYSOP open "$p" rdwr) ;;
		*) r=$($SYSOP open "$p" wronly) ;;
		esac ;;
	rdwr)	r=$($SYSOP open "$p" rdwr) ;;
	otrunc)	# a fifo opened write-only would wait for a reader
		r=$($SYSOP open "$p" rdwr,trunc) ;;
	trunc_short) r=$($SYSOP truncate "$p" 5) ;;
	trunc_long) r=$($SYSOP truncate "$p" 400000) ;;
	chmod)	r=$($SYSOP chmod "$p" 0640) ;;
	chown)	r=$($SYSOP lchown "$p" 1001 1002) ;;
	utimes)	r=$($SYSOP lutimes "$p" 1200000000 1300000000) ;;
	setxattr) r=$($SYSOP setxattr "$p" trusted.new "new value") ;;
	removexattr) r=$($SYSOP removexattr "$p" trusted.t) ;;
	link)	r=$($SYSOP link "$p" "$p.link") ;;
	rename)	r=$($SYSOP rename "$p" "$p.renamed") ;;
	mmap)
		# Devices and fifos have no pages to map; jffs2 maps files
		# read-only (EINVAL for a writable shared mapping).
		case $type in reg|sym) ;; *) echo skip; return ;; esac
		[ "$UPPER" = jffs2 ] && { echo skip; return; }
		r=$($PYTHON - "$p" <<-'EOF'
		import errno, mmap, os, sys
		try:
		    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
		    m = mmap.mmap(fd, 0)
		    m[0:6] = b"MAPPED"
		    m.close()
		    print(0)
		except OSError as e:
		    print(errno.errorcode[e.errno])
		EOF
		) ;;
	esac
	echo "${r:-0}"
}

# Where the changed object ends up, relative to the directory.
result_name() {	# result_name TRIGGER NAME
	case $1 in
	rename) echo "$2.renamed" ;;
	*) echo "$2" ;;
	esac
}

# Does the trigger set the mtime to now (so only "changed" is comparable)?
sets_mtime_now() {	# sets_mtime_now TRIGGER TYPE
	case $1.$2 in
	append.reg|append.sym|otrunc.reg|otrunc.sym|trunc_*.reg|trunc_*.sym|\
	mmap.reg|mmap.sym) return 0 ;;
	esac
	return 1
}

# describe DIR NAME...: one line per name, "NAME: what it is" (type,
# mode, owner, size, rdev, links, mtime, symlink target, xattrs, data),
# all in one process: UML makes every fork slow.  An mtime that the
# change sets to "now" is left out ($NOW_MTIME lists those names).
describe() {
	$PYTHON - "$@" <<-'EOF'
	import hashlib, os, stat, sys
	d = sys.argv[1]
	now = set(os.environ.get("NOW_MTIME", "").split())
	for name in sys.argv[2:]:
	    p = os.path.join(d, name)
	    try:
	        st = os.lstat(p)
	    except FileNotFoundError:
	        print(f"{name}: absent")
	        continue
	    out = [stat.filemode(st.st_mode), oct(st.st_mode & 0o7777),
	           f"{st.st_uid}:{st.st_gid}", str(st.st_size),
	           f"rdev={os.major(st.st_rdev)}:{os.minor(st.st_rdev)}",
	           f"nlink={st.st_nlink}"]
	    if name not in now:
	        out.append(f"mtime={st.st_mtime_ns}")
	    if stat.S_ISLNK(st.st_mode):
	        out.append("-> " + os.readlink(p))
	    try:
	        xs = sorted(os.listxattr(p, follow_symlinks=False))
	        out += [x + "=" + os.getxattr(p, x, follow_symlinks=False).hex()
	                for x in xs if not x.startswith("system.")]
	    except OSError as e:
	        out.append("xattrs:" + os.strerror(e.errno))
	    if stat.S_ISREG(st.st_mode):
	        with open(p, "rb") as f:
	            out.append(hashlib.sha1(f.read()).hexdigest()[:12])
	    print(name + ": " + " ".join(out))
	EOF
}

# Where the object must live after the trigger: "upper" or "lower".
# Open of a socket fails before anything changes; the triggers that
# follow a symlink copy up its target, not the link; the rest copy up
# (an open for write of a device or fifo succeeds, then writes nothing;
# nothing is mapped from those).
want_layer() {	# want_layer TRIGGER TYPE
	case $UPPER.$1.$2 in
	jffs2.mmap.*) echo lower; return ;;
	esac
	case $1.$2 in
	mmap.reg|trunc_*.reg) echo upper ;;
	append.sock|rdwr.sock|otrunc.sock|mmap.*) echo lower ;;
	append.sym|rdwr.sym|otrunc.sym|chmod.sym) echo lower ;;
	# truncate() of anything but a file fails before a copy-up
	trunc_*.*) echo lower ;;
	*) echo upper ;;
	esac
}

# QUICK=1 (make test): every trigger on a regular file, and a third of
# the other (trigger, type) pairs, a different third for each upper.
case $UPPER in tmpfs) quick_k=0 ;; ext2) quick_k=1 ;; *) quick_k=2 ;; esac
pairs=()
i=0
for trig in $triggers; do
	j=0
	for type in $types; do
		if [ "$QUICK" != 1 ] || [ $j = 0 ] ||
			[ $(((i + j + quick_k) % 3)) = 0 ]; then
			pairs+=("$trig $type")
		fi
		j=$((j + 1))
	done
	i=$((i + 1))
done
diag "${#pairs[@]} (trigger, type) pairs"

mkdir -p "$src/d"
names=()
for pair in "${pairs[@]}"; do
	read -r trig type <<< "$pair"
	mkobj "$src/d" "$trig.$type" "$type"
	names+=("$trig.$type" "$(result_name "$trig" "$trig.$type")")
	[ $type = sym ] && names+=("target.$trig.$type")
	[ $trig = link ] && names+=("$trig.$type.link")
	sets_mtime_now "$trig" "$type" && NOW_MTIME+=" $trig.$type"
	[ $type = sym ] && NOW_MTIME+=" target.$trig.$type"
done
export NOW_MTIME
touch -d "@$T0" "$src/d"
union_setup "$src"
mkdir -p "$ref"
cp -a "$src/d" "$ref/d"
U=$UNION_DIR/d
names=($(printf '%s\n' "${names[@]}" | sort -u))

for pair in "${pairs[@]}"; do
	read -r trig type <<< "$pair"
	name=$trig.$type
	got=$(apply "$trig" "$type" "$U/$name")
	want=$(apply "$trig" "$type" "$ref/d/$name")
	assert_eq "$got" "$want" "$trig on a lower $type: result"
	res=$(result_name "$trig" "$name")
	assert_layer "d/$res" "$(want_layer "$trig" "$type")" \
		"$trig on a lower $type: $res on the $(want_layer "$trig" "$type") layer"
	case $trig.$type in
	mmap.sym|append.sym|otrunc.sym|trunc_*.sym|chmod.sym|rdwr.sym)
		[ "$got" = skip ] || assert_layer "d/target.$name" upper \
			"$trig through a lower symlink: its target is copied up" ;;
	esac
done

# compare_views WHEN: the union and the reference agree on every name.
compare_views() {
	local -A want
	local line
	while IFS= read -r line; do
		want[${line%%: *}]=$line
	done <<< "$(describe "$ref/d" "${names[@]}")"
	while IFS= read -r line; do
		assert_eq "$line" "${want[${line%%: *}]}" \
			"${line%%: *} $1 is as in the reference"
	done <<< "$(describe "$U" "${names[@]}")"
}
compare_views "after the change"
# Sparse files stay sparse: 300 KiB of hole is not allocated.  Only a
# lower file system that reports holes (SEEK_HOLE) can say where they
# are; squashfs does not.
if [ "$LOWER" = squashfs ]; then
	skip "a sparse squashfs file is copied dense: squashfs reports no holes"
elif [ "$UPPER" = jffs2 ]; then
	skip "jffs2 reports no allocated blocks (st_blocks follows the size)"
else
	blocks=$(stat -c '%b %B' "$U/chmod.reg")
	set -- $blocks
	check "a copied-up sparse file keeps its hole ($1 blocks of $2)" \
		test $(($1 * $2)) -lt $((64 * 1024))
fi

# Lower objects unchanged, seen alone.
assert_eq "$(NOW_MTIME= describe "$LOWER_DIR/d" "${names[@]}")" \
	"$(NOW_MTIME= describe "$src/d" "${names[@]}")" \
	"the lower objects are unchanged"

# Everything again after a remount (the copies are on the top layer).
union_fresh
compare_views "after a remount"
assert_eq "$($SYSOP readdir "$U" | sort)" "$(ls -A "$ref/d" | sort)" \
	"the directory lists what the reference lists"
done_testing
