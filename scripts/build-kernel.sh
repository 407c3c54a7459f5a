#!/bin/bash
# Build a UML kernel from build/src.
#   build-kernel.sh OUTDIR FRAGMENT... [-- extra make arguments]
# The configuration is the UML defconfig plus the given fragments; it is
# regenerated only when a fragment changes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
out=$(realpath -m "$1")
shift
frags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	frags+=("$(realpath "$1")")
	shift
done
[ "${1:-}" = "--" ] && shift
arch=${KARCH:-um}

export CCACHE_BASEDIR=$build
cc="ccache gcc"
command -v ccache >/dev/null || cc=gcc
mk=(make -s -C "$src" O="$out" ARCH="$arch" CC="$cc" HOSTCC="$cc")

mkdir -p "$out"
sum=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -e "$out/.config" ] || [ "$(cat "$out/.frag-sum" 2>/dev/null)" != "$sum" ]; then
	echo "  CONFIG  $out (${frags[*]##*/})"
	if [ "$arch" = um ]; then
		"${mk[@]}" defconfig >/dev/null
	else
		"${mk[@]}" tinyconfig >/dev/null
	fi
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "${frags[@]}" >/dev/null)
	"${mk[@]}" olddefconfig >/dev/null
	for ((i = 0; i < ${#frags[@]}; i++)); do
		# Every option we ask for must have survived olddefconfig,
		# unless a later fragment says otherwise.
		{ grep -E '^CONFIG_[A-Z0-9_]+=[ym]' "${frags[i]}" || true; } |
		while read -r line; do
			if grep -qw "${line%%=*}" "${frags[@]:i+1}" /dev/null; then
				continue
			fi
			grep -qx "$line" "$out/.config" ||
				echo "build-kernel: warning: $line did not stick" >&2
		done
	done
	echo "$sum" > "$out/.frag-sum"
fi
"${mk[@]}" -j"$(nproc)" "$@"
