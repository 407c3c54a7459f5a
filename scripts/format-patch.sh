#!/bin/bash
# Turn patches/$KERNEL/series into a git format-patch series in build/series/.
#
# In a worktree of build/src checked out at the "base" tag (the pristine
# kernel), each entry of the series ("patchfile [newfile...]") becomes one
# commit: the patch's hunks (steps included) plus the new files it adds
# (without later patches' steps, scripts/series-lib.sh), with the patch's
# own header (From, Date, Subject, body) as author and message.  Then
# "git format-patch base" writes the series, and a second worktree at base
# checks that "git am" applies it and gives the very same tree.
#
# Nothing happens when neither the series nor any of its files changed.
set -euo pipefail
{	# braces: read all before running, so that an edit cannot break a run

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
. "$top/scripts/series-lib.sh"
wt=$KBUILD/format-patch/tree
vt=$KBUILD/format-patch/verify
out=$KBUILD/series

die() { echo "format-patch: $*" >&2; exit 1; }

[ -e "$src/.git" ] || die "no $src: run make prepare first"
git -C "$src" rev-parse -q --verify 'base^{commit}' >/dev/null ||
	die "$src has no base tag"

entries() { series_entries; }

# The series goes out under the identity of whoever runs this: git's
# user.name and user.email, as the author and in the Signed-off-by line.
me_name=$(git -C "$top" config user.name || true)
me_email=$(git -C "$top" config user.email || true)
[ -n "$me_name" ] && [ -n "$me_email" ] ||
	die "no identity: set git config user.name and user.email; the patches go out as their author, with your Signed-off-by"
me="$me_name <$me_email>"
me_sed=$(printf '%s' "$me" | sed 's/[&|\\]/\\&/g')

stamp=$( (cat "$series"; entries | while read -r p files; do
	cat "$PATCHES/$p"
	for f in $(series_adds "$p"); do echo "== $f"; cat "$top/$f"; done
done; echo "$me"; cat "$PATCHES/cover-letter" 2>/dev/null) | sha1sum | cut -d' ' -f1)
if [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "  SERIES  $out is up to date"
	exit 0
fi

# fresh_worktree DIR: a worktree of $src at base with nothing else in it.
fresh_worktree() {
	if [ ! -e "$1/.git" ]; then
		git -C "$src" worktree prune
		rm -rf "$1"
		mkdir -p "$(dirname "$1")"
		echo "  WORKTREE $1"
		git -C "$src" worktree add -q --detach "$1" base
	else
		git -C "$1" am --abort >/dev/null 2>&1 || true
		git -C "$1" checkout -q --detach base
		git -C "$1" reset -q --hard base
		git -C "$1" clean -q -f -d -x
	fi
}

fresh_worktree "$wt"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
while read -r p files; do
	n=$((n + 1))
	pf=$PATCHES/$p
	[ -f "$pf" ] || die "${PATCHES#"$top"/}/series: no file ${PATCHES#"$top"/}/$p"
	git mailinfo "$tmp/msg" "$tmp/diff" < "$pf" > "$tmp/info" ||
		die "${PATCHES#"$top"/}/$p: cannot read its mail header"
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	date=$(sed -n 's/^Date: //p' "$tmp/info")
	[ -n "$subject" ] || die "${PATCHES#"$top"/}/$p has no Subject: line (it must be git format-patch output)"
	# So is the MAINTAINERS entry's maintainer: the sender, too.
	sed -i "s|^+M:\tUnion Mounts Developers <union-mounts@localhost>\$|+M:\t$me_sed|" \
		"$tmp/diff"
	if [ -s "$tmp/diff" ]; then
		git -C "$wt" apply --index --whitespace=nowarn "$tmp/diff" ||
			die "${PATCHES#"$top"/}/$p does not apply"
	fi
	for f in $(series_adds "$p"); do
		[ -f "$top/$f" ] || die "${PATCHES#"$top"/}/series: $p lists $f, which does not exist"
		mkdir -p "$wt/$(dirname "$f")"
		series_first_version "$f" "$wt/$f" ||
			die "$f: the steps of later patches do not apply to it"
		git -C "$wt" add -f "$f"
	done
	# The patch files' own sign-offs are placeholders: the sender's.
	{
		echo "$subject"
		echo
		grep -v '^Signed-off-by: ' "$tmp/msg" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
		echo
		echo "Signed-off-by: $me"
	} > "$tmp/commit-msg"
	git -C "$wt" diff --cached --quiet &&
		die "${PATCHES#"$top"/}/$p changes nothing and adds no file"
	GIT_AUTHOR_NAME=$me_name GIT_AUTHOR_EMAIL=$me_email \
	GIT_AUTHOR_DATE=${date:-@0} \
	GIT_COMMITTER_NAME=$me_name GIT_COMMITTER_EMAIL=$me_email \
	GIT_COMMITTER_DATE=${date:-@0} \
		git -C "$wt" commit -q --no-verify -F "$tmp/commit-msg"
done < <(entries)

mkdir -p "$out"
rm -f "$out"/*.patch "$out/.stamp"
if [ "$n" = 0 ]; then
	echo "  SERIES  ${PATCHES#"$top"/}/series is empty: no patches"
	echo "$stamp" > "$out/.stamp"
	exit 0
fi
git -C "$wt" format-patch -q --histogram --no-signature --cover-letter -o "$out" base >/dev/null
cover=$PATCHES/cover-letter
if [ -f "$cover" ]; then
	# Its first line is the subject, the rest the blurb.
	/usr/bin/python3 - "$out"/0000-cover-letter.patch "$cover" <<'PY'
import sys
letter, cover = sys.argv[1], sys.argv[2]
subject, _, blurb = open(cover).read().partition('\n')
s = open(letter).read()
s = s.replace('*** SUBJECT HERE ***', subject.strip(), 1)
s = s.replace('*** BLURB HERE ***', blurb.strip('\n'), 1)
open(letter, 'w').write(s)
PY
fi
echo "  SERIES  $n patches and a cover letter in $out"

# The check: git am onto a pristine tree gives the same tree.
fresh_worktree "$vt"
git -C "$vt" -c user.name=verify -c user.email=verify@localhost \
	am -q $(ls "$out"/*.patch | grep -v /0000-cover-letter.patch) || die "git am of $out/*.patch onto base failed"
[ "$(git -C "$vt" rev-parse 'HEAD^{tree}')" = "$(git -C "$wt" rev-parse 'HEAD^{tree}')" ] ||
	die "git am of the series gives a different tree"
for f in $(series_new_files); do
	cmp -s "$src/$f" "$vt/$f" ||
		die "$f: the series ends with another file than $src's"
done
echo "  VERIFY  git am onto base: applies, same tree"
echo "$stamp" > "$out/.stamp"
exit
}
