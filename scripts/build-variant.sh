#!/bin/bash
# Build checks of the series in other configurations, each in an output
# directory of its own under build/ (the main build is not touched):
#
#   build-variant.sh nounion   the x86 configuration below with
#                              CONFIG_UNION_MOUNT=n            -> build/nounion
#   build-variant.sh x86       x86_64 tinyconfig + the file systems and
#                              CONFIG_UNION_MOUNT=y            -> build/x86
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
nounion)
	# The same small x86_64 configuration with union mounts off: the
	# series must cost nothing, and build, without them.
	frag=$build/nounion.config
	x86_fragment | sed 's/^CONFIG_UNION_MOUNT=y$/# CONFIG_UNION_MOUNT is not set/' |
		write_if_changed "$frag"
	echo "  VARIANT x86_64, CONFIG_UNION_MOUNT=n -> $build/nounion"
	KARCH=x86_64 "$top/scripts/build-kernel.sh" "$build/nounion" "$frag" -- vmlinux
	grep -q '^CONFIG_UNION_MOUNT=y' "$build/nounion/.config" &&
		die "CONFIG_UNION_MOUNT=y in $build/nounion/.config; it must be off"
	echo "  VARIANT nounion builds"
	;;
x86)
	frag=$build/x86.config
	x86_fragment | write_if_changed "$frag"
	echo "  VARIANT x86_64 tinyconfig + $(basename "$frag") -> $build/x86"
	KARCH=x86_64 "$top/scripts/build-kernel.sh" "$build/x86" "$frag" -- vmlinux
	echo "  VARIANT x86 builds"
	;;
*)
	echo "usage: build-variant.sh nounion|x86" >&2
	exit 2
	;;
esac
exit
}
