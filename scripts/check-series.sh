#!/bin/bash
# Build the UML kernel at every prefix of patches/$KERNEL/series: patch 1, patches
# 1-2, ... so that the series is bisectable.  Uses a worktree of build/src
# (build/series-check/src) and its own output directory
# (build/series-check/uml); the main build is not touched.  ccache makes
# the rebuilds cheap.  For a quicker check on a small x86_64 kernel:
#   KARCH=x86_64 SERIES_CONFIG=build/x86.config SERIES_TARGET=vmlinux \
#	scripts/check-series.sh
#
# Nothing happens when the series and its files have not changed since the
# last successful check.
set -euo pipefail
{	# braces: read all before running, so that an edit cannot break a run

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
series=$PATCHES/series
cb=$KBUILD/series-check
wt=$cb/src
out=$cb/${KARCH:-um}
target=${SERIES_TARGET:-linux}
config=${SERIES_CONFIG:-$top/configs/uml.config}

die() { echo "check-series: $*" >&2; exit 1; }

[ -e "$src/.git" ] || die "no $src: run make prepare first"

entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series"; }

stamp=$( (cat "$series" "$config"; entries | while read -r p files; do
	cat "$PATCHES/$p"
	for f in $files; do echo "== $f"; cat "$top/$f"; done
done) | sha1sum | cut -d' ' -f1)
if [ "$(cat "$cb/.stamp-${KARCH:-um}" 2>/dev/null)" = "$stamp" ]; then
	echo "  SERIES  every prefix builds (unchanged since the last check)"
	exit 0
fi

n=$(entries | wc -l)
if [ "$n" = 0 ]; then
	echo "  SERIES  ${PATCHES#"$top"/}/series is empty: nothing to check"
	exit 0
fi

if [ ! -e "$wt/.git" ]; then
	git -C "$src" worktree prune
	rm -rf "$wt"
	mkdir -p "$cb"
	echo "  WORKTREE $wt"
	git -C "$src" worktree add -q --detach "$wt" base
else
	# Only the files the last check changed are rewritten, so only
	# they are rebuilt.
	git -C "$wt" reset -q --hard base
	git -C "$wt" clean -q -f -d
fi

k=0
while read -r p files; do
	k=$((k + 1))
	git -C "$wt" apply --whitespace=nowarn "$PATCHES/$p" ||
		die "prefix $k: ${PATCHES#"$top"/}/$p does not apply"
	for f in $files; do
		[ -e "$top/$f" ] || die "${PATCHES#"$top"/}/series names $f, which does not exist"
		mkdir -p "$wt/$(dirname "$f")"
		ln -sfn "$top/$f" "$wt/$f"
	done
	echo "  SERIES  [$k/$n] $p"
	log=$cb/build-$k.log
	if ! BUILD=$cb "$top/scripts/build-kernel.sh" "$out" "$config" \
		-- "$target" < /dev/null > "$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/    | /' >&2
		die "the kernel does not build with patches 1-$k (up to $p); log: $log"
	fi
	rm -f "$log"
done < <(entries)

echo "$stamp" > "$cb/.stamp-${KARCH:-um}"
echo "  SERIES  all $n prefixes build"
exit
}
