# SPDX-License-Identifier: GPL-2.0
# Library for union mount tests.  Source it from a bash test script that
# runs inside a UML guest (tools/testing/union/run, or scripts/uml-run):
#
#   #!/bin/bash
#   # What the test checks, in a sentence or two.
#   # uppers: tmpfs ext2
#   . "$(dirname "$0")/../lib.sh"
#   mkdir -p "$T/src/dir"; echo lower > "$T/src/dir/file"
#   union_setup "$T/src"
#   assert_file_content "$UNION_DIR/dir/file" lower
#   done_testing
#
# It refuses to run on the host: tests mount and unmount things.
# Output is TAP: "ok N - description" / "not ok N - description", "# ..."
# diagnostics, and the plan "1..N" printed by done_testing at the end.
# A test that ends without done_testing (it died) counts as failed.
#
# Environment:
#   UPPER      file system of the upper layer: tmpfs (default), ext2, ext4,
#              jffs2
#   LOWER      type of the lower layer image: squashfs (default), ext2,
#              ext4, iso9660
#   T          scratch directory of the test, made by the library (tmpfs)
#   PYTHON     python3 for the helpers in $UNION_TOOLS (dirtool.py,
#              difftest.py); default /usr/bin/python3
#
# After union_setup:
#   UNION_DIR  the union mount point (upper over the lowers)
#   LOWER_DIR  a separate read-only mount of the (topmost) lower layer alone
#   LOWER_IMG  its image file
#   LOWER_DIRS, LOWER_IMGS  arrays: every lower, topmost first (with
#              several lowers; ${LOWER_DIRS[0]} is $LOWER_DIR)
#   UPPER_IMG  the upper image (block uppers: ext2, ext4; jffs2: the flash
#              image), empty for tmpfs
#   UPPER_DEV  the loop device of the upper image (block uppers); for jffs2
#              the MTD device (mtdN, block2mtd over a loop device of it)
#   TOP_DEV    st_dev of the union ("MAJ:MIN", as union-sysop prints it):
#              the top layer's
#   UPPER_DIR  empty while the union is up: the top file system belongs to
#              the union alone and cannot be mounted a second time (EBUSY).
#              upper_alone unmounts the union and mounts the upper image
#              alone, read-only, at $UPPER_DIR ($T/upper); union_remount
#              brings the union back.  A tmpfs upper dies with the union:
#              it cannot be seen alone (upper_alone returns 1).
#
# Functions (each documented where it is defined):
#   TAP         ok, not_ok, diag, check, check_fails, skip_all, bail_out,
#               done_testing
#   assertions  assert_eq, assert_file_content, assert_exists,
#               assert_absent, assert_type, assert_errno, assert_errno_in,
#               assert_dir_list, assert_same_file
#   layers      union_setup, upper_alone, union_remount, union_fresh,
#               assert_layer, require_union, require_upper_dir, mk_image,
#               mount_image, t_mount, t_umount, t_losetup, fsck_image,
#               fsck_at_end, hash_at_end, mount_opts, is_union
#   syscalls    union-sysop OP ARG... (build/bin; union-sysop with no
#               argument lists the operations): one system call, its
#               errno printed by name
#
# Everything the library mounts is unmounted, and every loop device it
# attached detached, by done_testing or when the script exits; block
# uppers are then checked with e2fsck -fn, and a damaged upper fails the
# test; the lower images are hashed again, and a changed lower fails the
# test.
#
# fsck_image and fsck_at_end run build/bin/e2fsck, the e2fsprogs that knows
# the union format (the incompat feature "union", 0x0020, that the kernel
# sets; whiteouts, fallthrus, opaque directories: scripts/build-e2fsprogs.sh,
# make userland).  Any complaint fails the test: a non-zero exit or any line
# but e2fsck's banner, its "Pass N: ..." headers and the summary line.  The
# system's e2fsck is used only if build/bin/e2fsck is missing (with a
# diagnostic line); it refuses an upper that has held union entries, which
# then fails the test.

if [ "${UML_GUEST:-}" != 1 ]; then
	echo "Bail out! lib.sh: not inside a uml-run guest; refusing to mount on the host"
	exit 1
fi

set -o pipefail

UNION_TOP=${UNION_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
UPPER=${UPPER:-tmpfs}
LOWER=${LOWER:-squashfs}
QUICK=${QUICK:-}	# 1: the shorter runs of the longest tests (make test)
MS_UNION=0x200
SYSOP=union-sysop
# The test helpers written in Python (dirtool.py, difftest.py) run with
# the system's python3: the guest's PATH has no per-user shims.
PYTHON=${PYTHON:-/usr/bin/python3}
UNION_TOOLS=$UNION_TOP/tools/testing/union

_t_count=0
_t_failed=0
_t_done=0
_t_mounts=()		# mount points, in mount order
_t_loops=()		# loop devices we attached
_t_fsck=()		# images to fsck after unmounting: "type:image"
_t_hash=()		# images that must not change: "sha256:image"

T=$(mktemp -d /tmp/union-test.XXXXXX)
export T

# --- TAP -----------------------------------------------------------------

# diag TEXT...: TAP diagnostics: each argument on lines of its own, every
# line prefixed by "# ".
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# ok DESCRIPTION / not_ok DESCRIPTION: record one test point.
ok() {
	_t_count=$((_t_count + 1))
	echo "ok $_t_count - $*"
}
not_ok() {
	_t_count=$((_t_count + 1))
	_t_failed=$((_t_failed + 1))
	echo "not ok $_t_count - $*"
}

# check DESCRIPTION CMD...: ok if CMD exits 0; its output is shown on failure.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*" "exit: $rc" "$out"
	fi
}

# check_fails DESCRIPTION CMD...: ok if CMD exits non-zero.
check_fails() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		not_ok "$desc"
		diag "command succeeded, should have failed: $*" "$out"
	else
		ok "$desc"
	fi
}

# skip_all REASON: the whole test does not apply here; exits.
# skip DESCRIPTION: a test point not run here, with the reason.
skip() {
	ok "$* # SKIP"
}

skip_all() {
	echo "1..0 # SKIP $*"
	_t_done=1
	exit 0
}

# bail_out REASON: stop the test; counts as failed.
bail_out() {
	echo "Bail out! $*"
	exit 1
}

# done_testing: tear down (unmount, detach, fsck the block uppers), print
# the plan, exit: status 1 if any test point failed.  Call it last.
done_testing() {
	_t_teardown
	echo "1..$_t_count"
	_t_done=1
	[ "$_t_failed" = 0 ] || exit 1
	[ "$_t_count" -gt 0 ] || { echo "# no test points"; exit 1; }
	exit 0
}

# DIRS_BELOW=0 or 1 (run): lookups copy lower directories up (0), or
# serve them from below (1, the default).
case ${DIRS_BELOW:-} in
0) echo N > /sys/module/union/parameters/dirs_below ;;
1) echo Y > /sys/module/union/parameters/dirs_below ;;
esac || bail_out "cannot set union.dirs_below"

# dirs_below: lookups serve lower directories from below (union.dirs_below)
# and make none on the top layer.
dirs_below() {
	[ "$(cat /sys/module/union/parameters/dirs_below 2> /dev/null)" = Y ]
}

# dirs_below_off: lookups copy lower directories up again, for the tests
# of those copies and of what they trace.
dirs_below_off() {
	local p=/sys/module/union/parameters/dirs_below
	[ ! -e $p ] || echo N > $p || bail_out "cannot clear union.dirs_below"
}

# on_top DIR...: put the union's directories DIR (relative to
# $UNION_DIR) on the top layer, by a file made and removed in each.  A
# lookup may serve a lower directory from below, and only a directory on
# the top layer can hold fallthrus.
on_top() {
	local d
	for d; do
		touch "$UNION_DIR/$d/.on-top" && rm "$UNION_DIR/$d/.on-top" ||
			bail_out "$d on the top layer"
	done
}

# complete_dir DIR...: complete the union's merged directories DIR
# (relative to $UNION_DIR) on the top layer: a fallthru for each name
# shown from below, then the complete flag.  A listing writes nothing;
# rmdir() of a directory that shows names from below completes it, so
# that the top layer's own test finds it not empty (ENOTEMPTY).
complete_dir() {
	local d got
	on_top "$@"
	for d; do
		got=$($SYSOP rmdir "$UNION_DIR/$d" 2>&1)
		[ "$got" = ENOTEMPTY ] ||
			bail_out "rmdir $d to complete it: $got, not ENOTEMPTY"
	done
}

# --- assertions ----------------------------------------------------------
# Each records one test point; DESCRIPTION is optional.

# assert_eq ACTUAL EXPECTED [DESCRIPTION]
assert_eq() {
	local desc=${3:-"'$1' = '$2'"}
	if [ "$1" = "$2" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "expected: $2" "     got: $1"
	fi
}

# assert_file_content FILE EXPECTED [DESCRIPTION]: the whole file is
# EXPECTED (a trailing newline of the file is ignored, as in $(cat)).
assert_file_content() {
	local f=$1 want=$2 desc=${3:-"$1 has the expected content"} got
	if ! got=$(cat -- "$f" 2>&1); then
		not_ok "$desc"
		diag "cannot read $f: $got"
		return
	fi
	if [ "$got" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "expected: $want" "     got: $got"
	fi
}

# assert_exists PATH [DESCRIPTION]: PATH exists (lstat; a dangling
# symlink exists).
assert_exists() {
	local desc=${2:-"$1 exists"}
	if [ -e "$1" ] || [ -L "$1" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lstat $1: $($SYSOP lstat "$1")" "in $(dirname "$1"):" \
			"$(ls -la "$(dirname "$1")" 2>&1 | head -n 20)"
	fi
}

# assert_absent PATH [DESCRIPTION]: lstat(PATH) fails with ENOENT.
assert_absent() {
	local desc=${2:-"$1 is absent"} got
	got=$($SYSOP lstat "$1")
	if [ "$got" = ENOENT ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lstat $1: $got"
	fi
}

# assert_type PATH TYPE [DESCRIPTION]: TYPE is file, dir, symlink, chr,
# blk, fifo or sock (lstat).
assert_type() {
	local desc=${3:-"$1 is a $2"} got
	got=$($SYSOP lstat "$1")
	if [ "${got%% *}" = "$2" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "lstat $1: $got"
	fi
}

# assert_errno ERRNO OP ARG... : the system call OP (see union-sysop --help:
# open, mkdir, rmdir, unlink, rename, link, symlink, mknod, truncate,
# chmod, setxattr, mount, ...) fails with ERRNO (a name: EXDEV, EROFS...).
#   assert_errno EXDEV rename "$UNION_DIR/a" /tmp/b
# ERRNO 0 means the call must succeed.
assert_errno() {
	local want=$1 got desc
	shift
	desc="$* fails with $want"
	[ "$want" = 0 ] && desc="$* succeeds"
	got=$($SYSOP "$@" 2>&1)
	case $? in
	0) got=0 ;;
	1) ;;
	*) not_ok "$desc"; diag "union-sysop: $got"; return ;;
	esac
	if [ "$got" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "expected: $want" "     got: $got"
	fi
}

# assert_same_file FILE1 FILE2 [DESCRIPTION]: the two files are the same;
# else the first 30 lines of their diff are shown.
assert_same_file() {
	local desc=${3:-"$1 and $2 are the same"} out
	if cmp -s -- "$1" "$2"; then
		ok "$desc"
	else
		not_ok "$desc"
		out=$(diff -- "$1" "$2" 2>&1)
		diag "diff $1 $2 ($(printf '%s\n' "$out" | wc -l) lines; the first 30):" \
			"$(printf '%s\n' "$out" | head -n 30)"
	fi
}

# assert_errno_in "ERRNO..." OP ARG...: as assert_errno, where any of the
# ERRNOs will do (where the semantics allow more than one answer).
assert_errno_in() {
	local want=$1 got desc
	shift
	desc="$* fails with one of: $want"
	got=$($SYSOP "$@" 2>&1)
	case $? in
	0) got=0 ;;
	1) ;;
	*) not_ok "$desc"; diag "union-sysop: $got"; return ;;
	esac
	case " $want " in
	*" $got "*) ok "$desc" ;;
	*) not_ok "$desc"; diag "expected one of: $want" "          got: $got" ;;
	esac
}

# top_inodes: the top layer's inodes in use, as statfs() of the union
# gives them (jffs2 counts none).
top_inodes() {
	stat -f -c '%c %d' "$UNION_DIR" | awk '{ print $1 - $2 }'
}

# readall DIR: every file under DIR read, as "N files, M bytes".
readall() {
	find "$1" -type f -exec cat {} + | wc -lc | awk '{ print $1 " files, " $2 " bytes" }'
}

# tree_dump ROOT: every name below ROOT, sorted, with its type and link
# count; for non-directories also the size and which names share an inode
# (each shows the first name, in sorted order, of its device and inode);
# then the files' md5sums.  lost+found of ext2 images is left out.
tree_dump() {
	(cd "$1" && find . -mindepth 1 -name lost+found -prune -o \
		-type d -printf '%P d %n\n' -o -printf '%P %y %n %s %D:%i\n' |
		sort | awk '$2 != "d" { if (!($5 in first)) first[$5] = $1; $5 = first[$5] } { print }' &&
		find . -mindepth 1 -name lost+found -prune -o -type f \
			-exec md5sum {} + | sort -k2)
}

# assert_same_tree GOT WANT DESCRIPTION: tree_dump of the two is the same.
assert_same_tree() {
	tree_dump "$1" > "$T/tree.got"
	tree_dump "$2" > "$T/tree.want"
	if cmp -s "$T/tree.got" "$T/tree.want"; then
		ok "$3"
	else
		not_ok "$3"
		diag "$(diff "$T/tree.want" "$T/tree.got" | head -20)"
	fi
}

# in_both A B CMD ARGS...: run CMD in directory A, then in directory B
# (a union and a plain tree that must go through the same calls, paths
# relative); a failure in either is not ok.
in_both() {
	local t a=$1 b=$2
	shift 2
	for t in "$a" "$b"; do
		(cd "$t" && "$@") || not_ok "in $t: $*"
	done
}

# assert_dir_list DIR "name1 name2 ..." [DESCRIPTION]: the names readdir
# returns for DIR, sorted, are exactly these (. and .. left out).
assert_dir_list() {
	local dir=$1 want desc=${3:-"readdir $1"} got
	want=$(printf '%s\n' $2 | sort | tr '\n' ' ')
	if ! got=$($SYSOP readdir "$dir"); then
		not_ok "$desc"
		diag "readdir $dir: $got"
		return
	fi
	got=$(printf '%s\n' $got | sort | tr '\n' ' ')
	assert_eq "$got" "$want" "$desc"
}

# --- mounts and images ---------------------------------------------------
# These functions change the library's state (what to unmount at the end):
# call them directly, never inside $(...).  Results come back in variables.

# t_mount ARGS...: mount(8) with ARGS; the last argument is the mount point,
# unmounted at exit.  Bails out if the mount fails.
t_mount() {
	local mnt=${!#} out
	if ! out=$(mount "$@" 2>&1); then
		bail_out "mount $*: $out"
	fi
	_t_mounts+=("$mnt")
}

# plain_copy SRC DIR: a plain tmpfs at DIR (unmounted at exit) holding a
# copy of the tree SRC, to make the same calls on as on the union.
plain_copy() {
	mkdir -p "$2"
	t_mount -t tmpfs plain "$2"
	cp -a "$1/." "$2/"
}

# t_umount MNT: unmount MNT now (and forget it).
t_umount() {
	local i out
	out=$(umount "$1" 2>&1) || bail_out "umount $1: $out"
	for ((i = ${#_t_mounts[@]} - 1; i >= 0; i--)); do
		if [ "${_t_mounts[i]}" = "$1" ]; then
			unset "_t_mounts[i]"
			_t_mounts=("${_t_mounts[@]}")
			break
		fi
	done
}

# t_losetup IMAGE [ro]: attach IMAGE to a free loop device, detached at
# exit; the device is left in $LOOPDEV.
t_losetup() {
	local ro=
	[ "${2:-}" = ro ] && ro=-r
	LOOPDEV=$(losetup -f --show $ro "$1" 2>&1) ||
		bail_out "losetup $1: $LOOPDEV"
	_t_loops+=("$LOOPDEV")
}

# t_mtd IMAGE: IMAGE as an MTD device (block2mtd, 64 KiB erase blocks,
# over a loop device of it, detached at exit), whose name ("mtdN", what
# mount -t jffs2 takes) is left in $MTDDEV.
t_mtd() {
	t_losetup "$1"
	echo "$LOOPDEV,64KiB" > /sys/module/block2mtd/parameters/block2mtd ||
		bail_out "block2mtd on $LOOPDEV failed"
	MTDDEV=$(sed -n "s|^\(mtd[0-9]*\): .* \"block2mtd: $LOOPDEV\"\$|\1|p" /proc/mtd)
	[ -n "$MTDDEV" ] || bail_out "no MTD device for $LOOPDEV"
}

# mk_image TYPE SRC_DIR IMAGE: make a file system image of TYPE (ext2,
# ext3, ext4, squashfs, iso9660) holding the tree SRC_DIR (may be empty,
# for an empty file system).  ext* images have room to spare (at least
# 16 MiB, or $IMAGE_MB MiB).
mk_image() {
	local type=$1 src=$2 img=$3 kb out isize
	rm -f "$img"
	case $type in
	ext2|ext3|ext4)
		kb=$(du -sk "$src" | cut -f1)
		kb=$((kb * 2 + 4096))
		[ "$kb" -lt $((${IMAGE_MB:-16} * 1024)) ] && kb=$((${IMAGE_MB:-16} * 1024))
		# ext2 reads no xattrs from inside the inode: 128-byte
		# inodes make mke2fs -d put them in blocks.
		isize=256
		[ "$type" = ext2 ] && isize=128
		out=$(mke2fs -q -F -t "$type" -b 1024 -I $isize -d "$src" \
			"$img" "${kb}k" 2>&1) ;;
	squashfs)
		out=$(mksquashfs "$src" "$img" -noappend -quiet -no-progress \
			-comp gzip 2>&1) ;;
	iso9660)
		out=$(genisoimage -quiet -R -o "$img" "$src" 2>&1) ;;
	*)
		bail_out "mk_image: unknown type $type" ;;
	esac || bail_out "mk_image $type $src: $out"
}

# mount_image TYPE IMAGE MNT [OPTS]: loop-mount IMAGE at MNT (made if
# missing); read-only unless OPTS has rw.  The loop device is in $LOOPDEV.
mount_image() {
	local type=$1 img=$2 mnt=$3 opts=${4:-ro} ro=ro
	case ,$opts, in *,rw,*) ro= ;; esac
	case $type in squashfs|iso9660) ro=ro ;; esac
	mkdir -p "$mnt"
	t_losetup "$img" $ro
	t_mount -t "$type" -o "$opts" "$LOOPDEV" "$mnt"
}

# _t_e2fsck IMAGE: e2fsck -fn IMAGE (build/bin/e2fsck, see the header);
# status 0 clean, 1 any complaint.  The output is left in $_t_fsck_out.
_t_e2fsck() {
	local fsck=$UNION_TOP/build/bin/e2fsck rest
	if [ ! -x "$fsck" ]; then
		diag "$fsck missing (make userland): the system's e2fsck," \
			"which refuses the union feature, checks $(basename "$1")"
		fsck=e2fsck
	fi
	_t_fsck_out=$("$fsck" -fn "$1" 2>&1) || return 1
	rest=$(printf '%s\n' "$_t_fsck_out" | grep -v -e '^e2fsck [0-9.]* (' \
		-e '^Pass [1-5][A-Z]*: ' -e "^$1: [0-9]*/[0-9]* files ")
	[ -z "$rest" ]
}

# fsck_image TYPE IMAGE: e2fsck -fn IMAGE is clean (one test point; other
# types: nothing).  The image must not be mounted.
fsck_image() {
	local desc="fsck $1 $(basename "$2"): clean"
	case $1 in
	ext2|ext3|ext4)
		if _t_e2fsck "$2"; then
			ok "$desc"
		else
			not_ok "$desc"
			diag "$_t_fsck_out"
		fi ;;
	esac
}

# fsck_at_end TYPE IMAGE: after the teardown unmounts everything, check
# IMAGE with e2fsck -fn; not clean fails the test.  union_setup does this
# for block uppers.
fsck_at_end() {
	_t_fsck+=("$1:$2")
}

# hash_at_end IMAGE: IMAGE must be the same, byte for byte, after the
# teardown as now (one test point then).  union_setup does this for every
# lower image.
hash_at_end() {
	local sum
	sum=$(sha256sum < "$1") || bail_out "sha256sum $1 failed"
	_t_hash+=("${sum%% *}:$1")
}

# mount_opts MNT: the per-mount options of the topmost mount at MNT.
mount_opts() {
	awk -v m="$1" '$5 == m { o = $6 } END { print o }' /proc/self/mountinfo
}

# is_union MNT: the topmost mount at MNT has "union" among its options.
is_union() {
	case ,$(mount_opts "$1"), in *,union,*) return 0 ;; esac
	return 1
}

# union_setup LOWER_SRC...: build the layers and the union.
#   - each LOWER_SRC, topmost (highest priority) first, is a directory
#     tree made into a $LOWER image, or TYPE:IMAGE, an existing image of
#     that type used as it is (e.g. ext2:$T/old-upper.img: an ext2 image
#     that was a union's upper, with its whiteouts);
#   - each lower image is loop-mounted read-only alone ($LOWER_DIRS) and
#     at $UNION_DIR, the bottom one first; its hash is checked at the end
#     (hash_at_end);
#   - an empty $UPPER file system is mounted with -o union on $UNION_DIR
#     (jffs2: on a block2mtd device, 64 KiB erase blocks, over a loop
#     device of an erased image of ${IMAGE_MB:-16} MiB, which keeps its
#     contents across unmount and mount for the life of the guest).
# Skips the test (skip_all) when the kernel ignores -o union.
union_setup() {
	local i n=$# arg type img mnt name
	LOWER_DIRS=()
	LOWER_IMGS=()
	UNION_DIR=$T/union
	UPPER_DIR=
	UPPER_IMG=
	UPPER_DEV=
	[ "$n" -ge 1 ] || bail_out "union_setup: no lower"
	mkdir -p "$UNION_DIR"
	for ((i = n; i >= 1; i--)); do
		arg=${!i}
		name=lower
		[ "$i" -gt 1 ] && name=lower$i
		if [ -d "$arg" ]; then
			type=$LOWER
			img=$T/$name.img
			mk_image "$type" "$arg" "$img"
		else
			type=${arg%%:*}
			img=${arg#*:}
			[ "$type" != "$arg" ] && [ -f "$img" ] ||
				bail_out "union_setup: $arg: neither a directory nor TYPE:IMAGE"
		fi
		hash_at_end "$img"
		mnt=$T/$name
		mount_image "$type" "$img" "$mnt"
		t_mount -t "$type" -o ro "$LOOPDEV" "$UNION_DIR"
		LOWER_DIRS[i - 1]=$mnt
		LOWER_IMGS[i - 1]=$img
	done
	LOWER_DIR=${LOWER_DIRS[0]}
	LOWER_IMG=${LOWER_IMGS[0]}
	case $UPPER in
	tmpfs)
		t_mount -t tmpfs -o union,mode=0755 upper "$UNION_DIR" ;;
	ext2|ext3|ext4)
		UPPER_IMG=$T/upper.img
		mkdir -p "$T/upper-empty"
		mk_image "$UPPER" "$T/upper-empty" "$UPPER_IMG"
		t_losetup "$UPPER_IMG"
		UPPER_DEV=$LOOPDEV
		fsck_at_end "$UPPER" "$UPPER_IMG"
		t_mount -t "$UPPER" -o union "$UPPER_DEV" "$UNION_DIR" ;;
	jffs2)
		UPPER_IMG=$T/upper.img
		head -c $((${IMAGE_MB:-16} * 1024 * 1024)) /dev/zero |
			tr '\0' '\377' > "$UPPER_IMG" ||
			bail_out "cannot make $UPPER_IMG"
		t_mtd "$UPPER_IMG"
		UPPER_DEV=$MTDDEV
		t_mount -t jffs2 -o union "$UPPER_DEV" "$UNION_DIR" ;;
	*)
		bail_out "UPPER=$UPPER: unknown upper file system" ;;
	esac
	export LOWER_IMG LOWER_DIR UNION_DIR UPPER_DIR UPPER_IMG UPPER_DEV
	if ! is_union "$UNION_DIR"; then
		skip_all "the kernel ignores mount -o union (no union mounts)"
	fi
	TOP_DEV=$(_t_dev "$UNION_DIR")
}

# _t_dev PATH / _t_ino PATH: st_dev ("MAJ:MIN") / st_ino of lstat(PATH).
_t_dev() {
	local s
	s=$($SYSOP lstat "$1") && set -- $s && echo "$6"
}
_t_ino() {
	local s
	s=$($SYSOP lstat "$1") && set -- $s && echo "$5"
}

# upper_alone: see the upper layer alone.  Unmounts the union (the test
# must have unmounted whatever it mounted on or of it, bind mounts too),
# then mounts the upper image (jffs2: its MTD device) read-only at
# $UPPER_DIR.  Returns 1, and changes nothing, for a tmpfs upper (it dies
# with the union).
#   if upper_alone; then assert_absent "$UPPER_DIR/removed"; fi
upper_alone() {
	[ -n "$UPPER_DEV" ] || return 1
	[ -z "$UPPER_DIR" ] || return 0
	t_umount "$UNION_DIR"
	UPPER_DIR=$T/upper
	mkdir -p "$UPPER_DIR"
	t_mount -t "$UPPER" -o ro "$UPPER_DEV" "$UPPER_DIR"
	export UPPER_DIR
}

# union_remount: mount the upper again with -o union over the lowers,
# which stay mounted at $UNION_DIR (after upper_alone, or after the test
# unmounted the union itself); block and jffs2 uppers only.
union_remount() {
	[ -n "$UPPER_DEV" ] || bail_out "union_remount: a $UPPER upper cannot be mounted again"
	if [ -n "$UPPER_DIR" ]; then
		t_umount "$UPPER_DIR"
		UPPER_DIR=
	fi
	is_union "$UNION_DIR" && bail_out "union_remount: the union is still mounted"
	t_mount -t "$UPPER" -o union "$UPPER_DEV" "$UNION_DIR"
	is_union "$UNION_DIR" || bail_out "union_remount: $UNION_DIR is no union"
	TOP_DEV=$(_t_dev "$UNION_DIR")
}

# union_fresh: forget what the kernel has cached of the union, so that the
# next lookups ask the layers again.  A block or jffs2 upper is unmounted
# and mounted again (union_remount; after upper_alone too); a tmpfs upper,
# whose dentries are the file system itself, cannot be: only the unused
# dentries and inodes are dropped (drop_caches), for both kinds.
union_fresh() {
	if [ -n "$UPPER_DEV" ]; then
		[ -n "$UPPER_DIR" ] || t_umount "$UNION_DIR"
		union_remount
	fi
	sync
	echo 2 > /proc/sys/vm/drop_caches
}

# assert_layer PATH LAYER [DESCRIPTION]: the non-directory PATH, seen in
# the union, is the object of LAYER: "upper" (the top layer's st_dev, and
# a file handle of its own), or "lower" / "lowerN" (N from 1, topmost
# first: the union's st_dev, the st_ino of the same path in that lower
# alone plus N << 48, and a handle of that layer's).  PATH is relative to
# $UNION_DIR.
assert_layer() {
	local rel=$1 layer=$2 desc=${3:-"$1 comes from the $2 layer"}
	local got want n fid
	got=$($SYSOP lstat "$UNION_DIR/$rel")
	if [ $? != 0 ]; then
		not_ok "$desc"
		diag "lstat $UNION_DIR/$rel: $got"
		return
	fi
	got=$(set -- $got; echo "$5 $6")
	# A copy has the number of what it copied (see union-mounts.rst);
	# a lower object's identifier says its layer, a copy's does not.
	fid=$($SYSOP fidtype "$UNION_DIR/$rel")
	case $layer in
	upper)
		if [ "${got#* }" = "$TOP_DEV" ] && [ "$fid" != $FILEID_UNION_LOWER ]; then
			ok "$desc"
		else
			not_ok "$desc"
			diag "st_ino st_dev: $got, handle type $fid; the top layer's st_dev: $TOP_DEV"
		fi
		return ;;
	lower) n=1 ;;
	lower[0-9]*) n=${layer#lower} ;;
	*) bail_out "assert_layer: unknown layer $layer" ;;
	esac
	want=$($SYSOP lstat "${LOWER_DIRS[n - 1]}/$rel")
	# The series' prefixes before the patch that keeps numbers across
	# copy-up run these tests too: there, the object's own st_dev.
	if [ "${got#* }" = "$TOP_DEV" ]; then
		want=$(set -- $want; echo "$(($5 + n * (1 << 48))) $TOP_DEV")
	else
		want=$(set -- $want; echo "$5 $6")
	fi
	if [ "$fid" != $FILEID_UNION_LOWER ]; then
		got="$got, handle type $fid (not a lower object's)"
	fi
	assert_eq "$got" "$want" "$desc"
}
FILEID_UNION_LOWER=245

# keeps_numbers PATH: the union keeps inode numbers across copy-up (the
# lower object at PATH has the union's st_dev), as the series does from
# the patch that makes it so; its prefixes before that run the tests too.
keeps_numbers() {
	[ "$(_t_dev "$1")" = "$TOP_DEV" ]
}

# require_union: skip the test unless the kernel supports union mounts
# (probes with a tmpfs over a read-only tmpfs).
require_union() {
	local p=$T/probe
	mkdir -p "$p"
	mount -t tmpfs -o ro probe-lower "$p" || bail_out "probe mount failed"
	if mount -t tmpfs -o union probe-upper "$p" 2>/dev/null; then
		local u=0
		is_union "$p" && u=1
		umount "$p"
		umount "$p"
		[ $u = 1 ] || skip_all "the kernel ignores mount -o union"
	else
		umount "$p"
		skip_all "mount -o union failed: no union mounts in this kernel"
	fi
}

# require_upper_dir: skip unless the upper layer can be seen alone (with
# upper_alone: a block upper).
require_upper_dir() {
	[ -n "${UPPER_DEV:-}" ] ||
		skip_all "the upper layer ($UPPER) cannot be seen alone"
}

# --- teardown ------------------------------------------------------------

# Unmount everything (last mounted first), detach the loop devices, then
# fsck the block uppers (as xfstests does: on-disk damage fails the test
# even when every call looked right).  Run by done_testing, or at exit.
_t_teardown() {
	local i m out
	[ "${_t_torn:-0}" = 1 ] && return
	_t_torn=1
	cd /
	for ((i = ${#_t_mounts[@]} - 1; i >= 0; i--)); do
		m=${_t_mounts[i]}
		if ! out=$(umount "$m" 2>&1); then
			diag "teardown: umount $m: $out; unmounting lazily"
			umount -l "$m" 2>/dev/null
		fi
	done
	_t_mounts=()
	for m in "${_t_loops[@]}"; do
		losetup -d "$m" 2>/dev/null
	done
	_t_loops=()
	for m in "${_t_fsck[@]}"; do
		if ! _t_e2fsck "${m#*:}"; then
			not_ok "fsck of the ${m%%:*} upper after the test: clean"
			diag "$_t_fsck_out"
		fi
	done
	_t_fsck=()
	for m in "${_t_hash[@]}"; do
		out=$(sha256sum < "${m#*:}")
		assert_eq "${out%% *}" "${m%%:*}" \
			"lower image $(basename "${m#*:}") unchanged (sha256)"
	done
	_t_hash=()
}

_t_exit() {
	local status=$?
	_t_teardown
	rm -rf "$T"
	if [ "$_t_done" != 1 ]; then
		echo "# the test exited (status $status) without done_testing"
		[ "$status" = 0 ] && status=1
	fi
	exit "$status"
}
trap _t_exit EXIT

# check_lookup_phases: run the test's own check_view and check_readdir in
# each phase that lookups must agree across: first lookup, fresh lookup
# (caches dropped, or the ext2 union remounted), after a readdir has
# copied merged directories up, and fresh again after that.
check_lookup_phases() {
	check_view "first lookup"
	union_fresh
	check_view "fresh lookup"
	check_readdir "fresh lookup"
	check_view "after readdir"
	union_fresh
	check_view "fresh lookup after readdir"
	check_readdir "fresh lookup after readdir"
}
