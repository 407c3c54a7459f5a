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
#   UPPER      file system of the upper layer: tmpfs (default), ext2, ext4
#   LOWER      type of the lower layer image: squashfs (default), ext2,
#              ext4, iso9660
#   T          scratch directory of the test, made by the library (tmpfs)
#
# After union_setup:
#   UNION_DIR  the union mount point (upper over lower)
#   LOWER_DIR  a separate read-only mount of the lower layer alone
#   UPPER_DIR  the upper layer alone; only for block uppers (ext2, ext4),
#              where it is the same file system mounted a second time;
#              empty for tmpfs (require_upper_dir skips the test then)
#   LOWER_IMG  the lower image file, UPPER_IMG the upper one (block uppers)
#
# Functions (each documented where it is defined):
#   TAP         ok, not_ok, diag, check, check_fails, skip_all, bail_out,
#               done_testing
#   assertions  assert_eq, assert_file_content, assert_exists,
#               assert_absent, assert_type, assert_errno, assert_dir_list
#   layers      union_setup, require_union, require_upper_dir, mk_image,
#               mount_image, t_mount, t_umount, t_losetup, fsck_image,
#               fsck_at_end, mount_opts, is_union
#   syscalls    union-sysop OP ARG... (build/bin; union-sysop with no
#               argument lists the operations): one system call, its
#               errno printed by name
#
# Everything the library mounts is unmounted, and every loop device it
# attached detached, by done_testing or when the script exits; block
# uppers are then checked with e2fsck -fn, and a damaged upper fails the
# test.

if [ "${UML_GUEST:-}" != 1 ]; then
	echo "Bail out! lib.sh: not inside a uml-run guest; refusing to mount on the host"
	exit 1
fi

set -o pipefail

UNION_TOP=${UNION_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
UPPER=${UPPER:-tmpfs}
LOWER=${LOWER:-squashfs}
MS_UNION=0x200
SYSOP=union-sysop

_t_count=0
_t_failed=0
_t_done=0
_t_mounts=()		# mount points, in mount order
_t_loops=()		# loop devices we attached
_t_fsck=()		# images to fsck after unmounting: "type:image"

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
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*" "exit: $?" "$out"
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

# mk_image TYPE SRC_DIR IMAGE: make a file system image of TYPE (ext2,
# ext3, ext4, squashfs, iso9660) holding the tree SRC_DIR (may be empty,
# for an empty file system).  ext* images have room to spare (at least
# 16 MiB, or $IMAGE_MB MiB).
mk_image() {
	local type=$1 src=$2 img=$3 kb out
	rm -f "$img"
	case $type in
	ext2|ext3|ext4)
		kb=$(du -sk "$src" | cut -f1)
		kb=$((kb * 2 + 4096))
		[ "$kb" -lt $((${IMAGE_MB:-16} * 1024)) ] && kb=$((${IMAGE_MB:-16} * 1024))
		out=$(mke2fs -q -F -t "$type" -b 1024 -I 256 -d "$src" \
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

# fsck_image TYPE IMAGE: e2fsck -fn IMAGE is clean (one test point; other
# types: nothing).  The image must not be mounted.
fsck_image() {
	local out
	case $1 in
	ext2|ext3|ext4)
		if out=$(e2fsck -fn "$2" 2>&1); then
			ok "fsck $1 $(basename "$2"): clean"
		else
			not_ok "fsck $1 $(basename "$2"): clean"
			diag "$out"
		fi ;;
	esac
}

# fsck_at_end TYPE IMAGE: after the teardown unmounts everything, check
# IMAGE with e2fsck -fn; not clean fails the test.  union_setup does this
# for block uppers.
fsck_at_end() {
	_t_fsck+=("$1:$2")
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

# union_setup LOWER_SRC: build the layers and the union.
#   - the tree LOWER_SRC becomes a $LOWER image ($LOWER_IMG), loop-mounted
#     read-only at $LOWER_DIR and at $UNION_DIR;
#   - an empty $UPPER file system is mounted with -o union on $UNION_DIR;
#     for block uppers it is also mounted at $UPPER_DIR.
# Skips the test (skip_all) when the kernel ignores -o union.
union_setup() {
	local src=$1 ldev
	LOWER_IMG=$T/lower.img
	LOWER_DIR=$T/lower
	UNION_DIR=$T/union
	UPPER_DIR=
	UPPER_IMG=
	mk_image "$LOWER" "$src" "$LOWER_IMG"
	mount_image "$LOWER" "$LOWER_IMG" "$LOWER_DIR"
	ldev=$LOOPDEV
	mkdir -p "$UNION_DIR"
	t_mount -t "$LOWER" -o ro "$ldev" "$UNION_DIR"
	case $UPPER in
	tmpfs)
		t_mount -t tmpfs -o union,mode=0755 upper "$UNION_DIR" ;;
	ext2|ext3|ext4)
		UPPER_IMG=$T/upper.img
		mkdir -p "$T/upper-empty"
		mk_image "$UPPER" "$T/upper-empty" "$UPPER_IMG"
		t_losetup "$UPPER_IMG"
		fsck_at_end "$UPPER" "$UPPER_IMG"
		t_mount -t "$UPPER" -o union "$LOOPDEV" "$UNION_DIR"
		UPPER_DIR=$T/upper
		mkdir -p "$UPPER_DIR"
		t_mount -t "$UPPER" "$LOOPDEV" "$UPPER_DIR" ;;
	*)
		bail_out "UPPER=$UPPER: unknown upper file system" ;;
	esac
	export LOWER_IMG LOWER_DIR UNION_DIR UPPER_DIR UPPER_IMG
	if ! is_union "$UNION_DIR"; then
		skip_all "the kernel ignores mount -o union (no union mounts)"
	fi
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

# require_upper_dir: skip unless the upper layer can be seen alone.
require_upper_dir() {
	[ -n "${UPPER_DIR:-}" ] ||
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
		if ! out=$(e2fsck -fn "${m#*:}" 2>&1); then
			not_ok "fsck of the ${m%%:*} upper after the test: clean"
			diag "$out"
		fi
	done
	_t_fsck=()
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
