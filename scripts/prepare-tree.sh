#!/bin/bash
# Prepare build/src: Debian's linux-source-6.12 with our series applied and
# the new files of the series linked in at their kernel paths.
#
# The tree is a git repository whose "base" tag is the pristine source.
# Re-applying the series keeps the timestamps of files whose content did
# not change, so that an edit to one patch rebuilds only what it touches.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
src=$build/src
tarball=${LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
series=$top/patches/series

die() { echo "prepare-tree: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: install linux-source-6.12 (make deps)"

tree_version() {
	make -s -C "$1" kernelversion 2>/dev/null
}

if [ ! -e "$src/.git" ]; then
	echo "  PREP    extracting $(basename "$tarball")"
	rm -rf "$src" "$build/src.tmp"
	mkdir -p "$build/src.tmp"
	tar -C "$build/src.tmp" -xf "$tarball"
	mv "$build/src.tmp"/linux-source-* "$src"
	rmdir "$build/src.tmp"
	git -C "$src" init -q
	git -C "$src" add -A -f
	git -C "$src" -c user.name=base -c user.email=base@localhost \
		commit -q -m "linux-source $(tree_version "$src")"
	git -C "$src" tag base
fi

want=$(cat "$top/patches/BASE")
have=$(tree_version "$src")

# Files the series adds, as "patch file..." lines in the series file.
series_entries() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series"
}

stamp=$( (cat "$series"; series_entries | while read -r p files; do
	cat "$top/patches/$p"; done) | sha1sum | cut -d' ' -f1)

if [ "${1:-}" = --stamp-only ]; then
	echo "$stamp" > "$src/.union-stamp"
	git -C "$src" diff --full-index base | sha1sum > "$src/.union-applied"
	exit 0
fi

if [ "$(cat "$src/.union-stamp" 2>/dev/null)" != "$stamp" ]; then
	# Never throw away work: edits made in build/src since the series
	# was last applied must go back into patches/ first.
	if [ -e "$src/.union-applied" ] &&
	   [ "$(git -C "$src" diff --full-index base | sha1sum)" != "$(cat "$src/.union-applied")" ]; then
		echo "prepare-tree: build/src has edits that are not in patches/;" >&2
		echo "prepare-tree: run scripts/refresh-patches.sh (or reset build/src)" >&2
		exit 1
	fi
	echo "  PREP    applying the series"
	save=$(mktemp -d)
	trap 'rm -rf "$save"' EXIT
	old=$(git -C "$src" diff --name-only base)
	for f in $old; do
		[ -e "$src/$f" ] || continue
		mkdir -p "$save/$(dirname "$f")"
		cp -p "$src/$f" "$save/$f"
	done
	git -C "$src" reset -q --hard base
	rm -f "$src/.union-stamp"
	series_entries | while read -r p files; do
		if ! git -C "$src" apply --whitespace=nowarn "$top/patches/$p"; then
			echo >&2
			echo "prepare-tree: patches/$p does not apply." >&2
			echo "prepare-tree: the series was made against Linux $want;" \
				"this tree is Linux $have ($tarball)." >&2
			exit 1
		fi
	done
	new=$(git -C "$src" diff --name-only base)
	for f in $old $new; do
		if [ -e "$save/$f" ] && cmp -s "$save/$f" "$src/$f"; then
			touch -r "$save/$f" "$src/$f"
		fi
	done
	echo "$stamp" > "$src/.union-stamp"
	git -C "$src" diff --full-index base | sha1sum > "$src/.union-applied"
fi

# New files of the series are symlinks into this repository, so editing
# them rebuilds incrementally.
series_entries | while read -r p files; do
	for f in $files; do
		[ -e "$top/$f" ] || die "patches/series names $f, which does not exist"
		mkdir -p "$src/$(dirname "$f")"
		if [ "$(readlink "$src/$f" 2>/dev/null)" != "$top/$f" ]; then
			ln -sfn "$top/$f" "$src/$f"
		fi
	done
done

if [ "$want" != "$have" ]; then
	echo "prepare-tree: note: series made against Linux $want, building on $have" >&2
fi
