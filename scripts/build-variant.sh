#!/bin/bash
# Build check of the series on another architecture, in an output
# directory of its own under build/ (the main build is not touched):
#
#   build-variant.sh x86       x86_64 tinyconfig + the file systems and
#                              CONFIG_UNION_MOUNT=y            -> build/x86
#
# (The build without union mounts is a UML one: make build-nounion.)
#
# The configuration fragments are written to build/VARIANT.config.
set -euo pipefail
{	# braces: read all before running, so that an edit cannot break a run

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

die() { echo "build-variant: $*" >&2; exit 1; }

# write_if_changed FILE: stdin to FILE, leaving FILE alone if the same.
write_if_changed() {
	local new
	new=$(cat)
	[ -e "$1" ] && [ "$(cat "$1")" = "$new" ] && return
	printf '%s\n' "$new" > "$1"
}

x86_fragment() {
	cat <<-'EOF'
	# x86_64 tinyconfig plus what union mounts need and are tested with.
	CONFIG_64BIT=y
	CONFIG_UNION_MOUNT=y
	CONFIG_MULTIUSER=y
	CONFIG_FILE_LOCKING=y
	CONFIG_PROC_FS=y
	CONFIG_SYSFS=y
	CONFIG_SHMEM=y
	CONFIG_TMPFS=y
	CONFIG_TMPFS_XATTR=y
	CONFIG_TMPFS_POSIX_ACL=y
	CONFIG_BLOCK=y
	CONFIG_BLK_DEV=y
	CONFIG_BLK_DEV_LOOP=y
	CONFIG_EXT2_FS=y
	CONFIG_EXT2_FS_XATTR=y
	CONFIG_EXT2_FS_POSIX_ACL=y
	CONFIG_EXT2_FS_SECURITY=y
	CONFIG_EXT4_FS=y
	CONFIG_MISC_FILESYSTEMS=y
	CONFIG_SQUASHFS=y
	CONFIG_ISO9660_FS=y
	CONFIG_OVERLAY_FS=y
	EOF
}

mkdir -p "$build"
case ${1:-} in
x86)
	frag=$build/x86.config
	x86_fragment | write_if_changed "$frag"
	echo "  VARIANT x86_64 tinyconfig + $(basename "$frag") -> $build/x86"
	KARCH=x86_64 "$top/scripts/build-kernel.sh" "$build/x86" "$frag" -- vmlinux
	echo "  VARIANT x86 builds"
	;;
*)
	echo "usage: build-variant.sh x86" >&2
	exit 2
	;;
esac
exit
}
