#!/bin/bash
# Prepare $KBUILD/src (scripts/kernel-env.sh): Debian's linux-source of
# $KERNEL with the series of patches/$KERNEL applied and the new files of
# the series at their kernel paths.
#
# The tree is a git repository whose "base" tag is the pristine source.
# Re-applying the series keeps the timestamps of files whose content did
# not change, so that an edit to one patch rebuilds only what it touches.
#
# New files are symlinks into this repository, so that editing them
# rebuilds incrementally.  A new file that a patch of the series changes
# (a backport's patch that turns it back into older interfaces) is a copy
# instead, made before the series is applied.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
tarball=${LINUX_TARBALL:-/usr/src/linux-source-$KERNEL.tar.xz}
. "$top/scripts/series-lib.sh"
want=$(cat "$PATCHES/BASE")

die() { echo "prepare-tree: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: install linux-source-$KERNEL (make deps)"

tree_version() {
	make -s --no-print-directory -C "$1" kernelversion 2>/dev/null
}

copied=$(series_copied_files)

# What the tree holds beyond base: the diff, and the new files copied
# when the series was applied (.union-copied).
applied_sum() {
	local f
	{ git -C "$src" diff --full-index base
	  for f in $(cat "$src/.union-copied" 2>/dev/null); do
		echo "== $f"; cat "$src/$f" 2>/dev/null || true
	  done
	} | sha1sum
}

unsaved() {
	[ -e "$src/.union-applied" ] &&
		[ "$(applied_sum)" != "$(cat "$src/.union-applied")" ]
}

# A tree of another tarball (build/src of an older checkout, another
# kernel): start again, unless it holds work that is not in patches/ yet.
origin=$(stat -c '%n %s %Y' "$tarball")
if [ -e "$src/.git" ] && [ "$(cat "$src/.union-tarball" 2>/dev/null)" != "$origin" ]; then
	unsaved && die "$src (Linux $(tree_version "$src")) has edits that are not in ${PATCHES#"$top"/}; save them or remove $src"
	echo "  PREP    $src (Linux $(tree_version "$src")) is not from $tarball: extracting again"
	rm -rf "$src"
fi

if [ ! -e "$src/.git" ]; then
	echo "  PREP    extracting $(basename "$tarball")"
	mkdir -p "$KBUILD"
	rm -rf "$src" "$KBUILD/src.tmp"
	mkdir -p "$KBUILD/src.tmp"
	tar -C "$KBUILD/src.tmp" -xf "$tarball"
	mv "$KBUILD/src.tmp"/linux-source-* "$src"
	rmdir "$KBUILD/src.tmp"
	git -C "$src" init -q
	git -C "$src" add -A -f
	git -C "$src" -c user.name=base -c user.email=base@localhost \
		commit -q -m "linux-source $(tree_version "$src")"
	git -C "$src" tag base
	echo "$origin" > "$src/.union-tarball"
fi

have=$(tree_version "$src")

stamp=$( (cat "$series"; series_entries | while read -r p files; do
	cat "$PATCHES/$p"; done
	for f in $copied; do echo "== $f"; cat "$top/$f"; done) |
	sha1sum | cut -d' ' -f1)

if [ "${1:-}" = --stamp-only ]; then
	echo "$copied" > "$src/.union-copied"
	echo "$stamp" > "$src/.union-stamp"
	applied_sum > "$src/.union-applied"
	exit 0
fi

if [ "$(cat "$src/.union-stamp" 2>/dev/null)" != "$stamp" ]; then
	# Never throw away work: edits made in the tree since the series
	# was last applied must go back into patches/ first.
	if unsaved; then
		echo "prepare-tree: $src has edits that are not in $PATCHES;" >&2
		echo "prepare-tree: run scripts/refresh-patches.sh (or reset $src)" >&2
		exit 1
	fi
	echo "  PREP    applying the series ($KERNEL)"
	save=$(mktemp -d)
	trap 'rm -rf "$save"' EXIT
	old="$(git -C "$src" diff --name-only base) $(cat "$src/.union-copied" 2>/dev/null || true)"
	for f in $old; do
		[ -f "$src/$f" ] && [ ! -L "$src/$f" ] || continue
		mkdir -p "$save/$(dirname "$f")"
		cp -p "$src/$f" "$save/$f"
	done
	git -C "$src" reset -q --hard base
	rm -f "$src/.union-stamp"
	for f in $(cat "$src/.union-copied" 2>/dev/null) $copied; do
		rm -f "$src/$f"
	done
	for f in $copied; do
		mkdir -p "$src/$(dirname "$f")"
		cp "$top/$f" "$src/$f"
	done
	echo "$copied" > "$src/.union-copied"
	series_entries | while read -r p files; do
		# A new file is the series' last version already: not its
		# steps.
		excl=()
		for f in $(series_steps "$p"); do
			if series_is_new "$f"; then excl+=("--exclude=$f"); fi
		done
		if ! git -C "$src" apply --whitespace=nowarn "${excl[@]}" "$PATCHES/$p"; then
			echo >&2
			echo "prepare-tree: ${PATCHES#"$top"/}/$p does not apply." >&2
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
	applied_sum > "$src/.union-applied"
fi

if [ "$want" != "$have" ]; then
	echo "prepare-tree: note: series made against Linux $want, building on $have" >&2
fi

for f in $(series_new_files); do
	[ -e "$top/$f" ] || die "${PATCHES#"$top"/}/series names $f, which does not exist"
	case " $(echo $copied) " in *" $f "*) continue ;; esac
	mkdir -p "$src/$(dirname "$f")"
	if [ "$(readlink "$src/$f" 2>/dev/null)" != "$top/$f" ]; then
		ln -sfn "$top/$f" "$src/$f"
	fi
done
