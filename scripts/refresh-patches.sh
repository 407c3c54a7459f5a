#!/bin/bash
# Write the changes made in build/src back into patches/.
#
# Each patch of patches/series owns the existing kernel files its diff
# touches; its hunks are regenerated from build/src (git diff against the
# "base" tag, histogram diff: it keeps moved-around upstream code out of
# the hunks) and its header (author, subject, message) is kept.  A file
# changed in build/src that no patch owns is an error: add it to the
# patch it belongs to first (a "diff --git a/F b/F" line is enough).
#
# Several patches may change one file (a fix early in the series, the
# feature that builds on it later).  Then the tree's changes go to the
# last of them, as its diff from the file with the earlier patches'
# hunks applied; the earlier patches' hunks of that file are kept as
# they are (edit those patches by hand, then run make prepare).
# REFRESH_IGNORE=PREFIX leaves files under PREFIX alone (work in progress
# that has no patch yet).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
series=$PATCHES/series

die() { echo "refresh-patches: $*" >&2; exit 1; }

entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series" | awk '{print $1}'; }
owned() { sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$1" | LC_ALL=C sort -u; }

changed=$(git -C "$src" diff --name-only base | sort -u)
if [ -n "${REFRESH_IGNORE:-}" ]; then
	changed=$(echo "$changed" | grep -v "^$REFRESH_IGNORE" || true)
fi
claimed=$(for p in $(entries); do owned "$PATCHES/$p"; done | sort)
shared=" $(echo "$claimed" | uniq -d | tr '\n' ' ') "
orphans=$(comm -23 <(echo "$changed") <(echo "$claimed" | sort -u))
[ -z "$orphans" ] || die "changed files no patch owns: $orphans"

# The series' new files (scripts/prepare-tree.sh): a patch that changes
# one (a backport's) is its diff from this repository's file to the
# tree's copy.
new_files=" $(sed -e 's/#.*//' "$series" | awk '{ for (i = 2; i <= NF; i++) print $i }' | tr '\n' ' ') "
is_new() { case $new_files in *" $1 "*) return 0 ;; esac; return 1; }
new_diff() {
	local f
	for f in "$@"; do
		# Exit status 1: the files differ, which is the point.
		{ git diff --no-index --histogram -- "$top/$f" "$src/$f" ||
			[ $? -eq 1 ]; } |
			sed -e "s|^diff --git a$top/$f b$src/$f|diff --git a/$f b/$f|" \
			    -e "s|^--- a$top/$f|--- a/$f|" -e "s|^+++ b$src/$f|+++ b/$f|"
	done
}

# Shared files: the patches that change $1, in series order.
owners() {
	local q
	for q in $(entries); do
		if owned "$PATCHES/$q" | grep -qxF -- "$1"; then echo "$q"; fi
	done
}
# The part of patch $1 that changes file $2.
section() {
	awk -v h="diff --git a/$2 b/$2" \
		'/^diff --git /{ on = ($0 == h) } /^-- $/{ on = 0 } on' "$1"
}
# Patch $1's diff of shared file $2.
shared_diff() {
	local q last dir=$tmpd/$1
	last=$(owners "$2" | tail -n 1)
	if [ "$last" != "$1" ]; then
		section "$PATCHES/$1" "$2"
		return
	fi
	mkdir -p "$dir/$(dirname "$2")"
	git -C "$src" show "base:$2" > "$dir/$2"
	for q in $(owners "$2"); do
		[ "$q" != "$1" ] || break
		section "$PATCHES/$q" "$2" | patch -s -p1 -d "$dir"
	done
	{ git diff --no-index --histogram -- "$dir/$2" "$src/$2" ||
		[ $? -eq 1 ]; } |
		sed -e "s|^diff --git a$dir/$2 b$src/$2|diff --git a/$2 b/$2|" \
		    -e "s|^--- a$dir/$2|--- a/$2|" -e "s|^+++ b$src/$2|+++ b/$2|"
}
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT

for p in $(entries); do
	f=$PATCHES/$p
	files=$(owned "$f")
	tmp=$(mktemp)
	diff=$(mktemp)
	newf=() oldf=() plain=1
	for g in $files; do
		if is_new "$g"; then newf+=("$g"); else oldf+=("$g"); fi
		case $shared in *" $g "*) plain= ;; esac
	done
	[ ${#newf[@]} -eq 0 ] || plain=
	{
		for g in "${oldf[@]}"; do
			case $shared in
			*" $g "*) shared_diff "$p" "$g" ;;
			*) git -C "$src" diff --histogram base -- "$g" ;;
			esac
		done
		[ ${#newf[@]} -eq 0 ] || new_diff "${newf[@]}"
	} > "$diff"
	# The header ends at the "---" line that git format-patch writes.
	sed '/^---$/q' "$f" > "$tmp"
	grep -qx -- '---' "$tmp" || echo '---' >> "$tmp"
	if [ -n "$plain" ]; then
		git -C "$src" diff --histogram --stat=72 base -- "${oldf[@]}"
	else
		git apply --stat "$diff"
	fi | sed 's/^/ /;s/^  / /' >> "$tmp"
	echo >> "$tmp"
	cat "$diff" >> "$tmp"
	rm -f "$diff"
	printf -- '-- \n2.39.5\n\n' >> "$tmp"
	if ! cmp -s "$tmp" "$f"; then
		mv "$tmp" "$f"
		chmod 644 "$f"
		echo "  REFRESH patches/$p"
	else
		rm -f "$tmp"
	fi
done
# build/src now matches the series: do not re-apply it.
"$top/scripts/prepare-tree.sh" --stamp-only
