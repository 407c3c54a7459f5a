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
src=$build/src
series=$top/patches/series

die() { echo "refresh-patches: $*" >&2; exit 1; }

entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series" | awk '{print $1}'; }
owned() { sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$1" | sort -u; }

changed=$(git -C "$src" diff --name-only base | sort -u)
if [ -n "${REFRESH_IGNORE:-}" ]; then
	changed=$(echo "$changed" | grep -v "^$REFRESH_IGNORE" || true)
fi
claimed=$(for p in $(entries); do owned "$top/patches/$p"; done | sort)
dups=$(echo "$claimed" | uniq -d)
[ -z "$dups" ] || die "files owned by two patches: $dups"
orphans=$(comm -23 <(echo "$changed") <(echo "$claimed" | sort -u))
[ -z "$orphans" ] || die "changed files no patch owns: $orphans"

for p in $(entries); do
	f=$top/patches/$p
	files=$(owned "$f")
	tmp=$(mktemp)
	# The header ends at the "---" line that git format-patch writes.
	sed '/^---$/q' "$f" > "$tmp"
	grep -qx -- '---' "$tmp" || echo '---' >> "$tmp"
	# shellcheck disable=SC2086
	git -C "$src" diff --histogram --stat=72 base -- $files | sed 's/^/ /;s/^  / /' >> "$tmp"
	echo >> "$tmp"
	# shellcheck disable=SC2086
	git -C "$src" diff --histogram base -- $files >> "$tmp"
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
