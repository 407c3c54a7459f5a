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
#
# A step ("+file" in the series, scripts/series-lib.sh) is regenerated
# with the tree's line numbers but keeps what it changes: the tree's
# changes go to the patch that adds the file or, for an existing file,
# to the last patch that changes it without a step.  A tree edit that a
# later step no longer applies to stops the refresh.
# REFRESH_IGNORE=PREFIX leaves files under PREFIX alone (work in progress
# that has no patch yet).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
. "$top/scripts/series-lib.sh"

die() { echo "refresh-patches: $*" >&2; exit 1; }

entries() { series_patches; }
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
new_files=" $(series_new_files | tr '\n' ' ') "
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
section() { series_section "$@"; }
# diff_files A B F: the diff of file F from copy A to copy B.
diff_files() {
	{ git diff --no-index --histogram -- "$1" "$2" || [ $? -eq 1 ]; } |
		sed -e "s|^diff --git a$1 b$2|diff --git a/$3 b/$3|" \
		    -e "s|^--- a$1|--- a/$3|" -e "s|^+++ b$2|+++ b/$3|"
}
# Patch $1's step of file $2, regenerated against the tree.
step_diff() {
	local dir=$tmpd/step
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$src/$2" "$dir/after"
	series_rewind "$2" "$dir/after" "$1" ||
		die "$2: the steps after $1 no longer apply to the tree (edit them)"
	cp "$dir/after" "$dir/before"
	series_unapply "$1" "$2" "$dir/before" ||
		die "$2: $1's step no longer applies to the tree (edit it)"
	diff_files "$dir/before" "$dir/after" "$2"
}
# Patch $1's diff of shared file $2: the last patch that changes it
# without a step takes the tree's changes.
shared_diff() {
	local q last dir=$tmpd/$1
	last=$(for q in $(owners "$2"); do
		series_is_step "$q" "$2" || echo "$q"; done | tail -n 1)
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
	cp "$src/$2" "$dir/$2.end"
	series_rewind "$2" "$dir/$2.end" "$1" ||
		die "$2: the steps after $1 no longer apply to the tree (edit them)"
	diff_files "$dir/$2" "$dir/$2.end" "$2"
}
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
mkdir "$tmpd/out"

# An existing file changed only by steps has no patch to take the tree's
# edits: they would vanish from every patch.
for g in $(echo "$claimed" | sort -u); do
	is_new "$g" && continue
	for q in $(owners "$g"); do
		series_is_step "$q" "$g" || continue 2
	done
	die "$g: only steps change it; one patch must change it without a step"
done

for p in $(entries); do
	f=$PATCHES/$p
	files=$(owned "$f")
	tmp=$(mktemp)
	diff=$(mktemp)
	newf=() oldf=() plain=1
	stepf=()
	for g in $files; do
		if series_is_step "$p" "$g"; then stepf+=("$g"); plain=
		elif is_new "$g"; then newf+=("$g"); else oldf+=("$g"); fi
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
		for g in "${stepf[@]}"; do step_diff "$p" "$g"; done
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
	# Written once all are made: a refresh that stops changes nothing.
	if ! cmp -s "$tmp" "$f"; then
		mv "$tmp" "$tmpd/out/$p"
	else
		rm -f "$tmp"
	fi
done
for p in $(entries); do
	[ -e "$tmpd/out/$p" ] || continue
	mv "$tmpd/out/$p" "$PATCHES/$p"
	chmod 644 "$PATCHES/$p"
	echo "  REFRESH patches/$p"
done
# build/src now matches the series: do not re-apply it.
"$top/scripts/prepare-tree.sh" --stamp-only
