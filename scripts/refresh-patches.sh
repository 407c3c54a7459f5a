#!/bin/bash
# Write the changes made in build/src back into patches/.
#
# Each patch of patches/series owns the existing kernel files its diff
# touches; its hunks are regenerated from build/src (git diff against the
# "base" tag, histogram diff: it keeps moved-around upstream code out of
# the hunks) and its header (author, subject, message) is kept.  A file
# changed in build/src that no patch owns is an error: add it to the
# patch it belongs to first (a "diff --git a/F b/F" line is enough).
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
owned() { sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$1" | sort -u; }

changed=$(git -C "$src" diff --name-only base | sort -u)
if [ -n "${REFRESH_IGNORE:-}" ]; then
	changed=$(echo "$changed" | grep -v "^$REFRESH_IGNORE" || true)
fi
claimed=$(for p in $(entries); do owned "$PATCHES/$p"; done | sort)
dups=$(echo "$claimed" | uniq -d)
[ -z "$dups" ] || die "files owned by two patches: $dups"
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
		git diff --no-index --histogram -- "$top/$f" "$src/$f" |
			sed -e "s|^diff --git a$top/$f b$src/$f|diff --git a/$f b/$f|" \
			    -e "s|^--- a$top/$f|--- a/$f|" -e "s|^+++ b$src/$f|+++ b/$f|"
	done
}

for p in $(entries); do
	f=$PATCHES/$p
	files=$(owned "$f")
	tmp=$(mktemp)
	diff=$(mktemp)
	newf=() oldf=()
	for g in $files; do
		if is_new "$g"; then newf+=("$g"); else oldf+=("$g"); fi
	done
	{
		[ ${#oldf[@]} -eq 0 ] ||
			git -C "$src" diff --histogram base -- "${oldf[@]}"
		[ ${#newf[@]} -eq 0 ] || new_diff "${newf[@]}"
	} > "$diff"
	# The header ends at the "---" line that git format-patch writes.
	sed '/^---$/q' "$f" > "$tmp"
	grep -qx -- '---' "$tmp" || echo '---' >> "$tmp"
	if [ ${#newf[@]} -eq 0 ]; then
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
