#!/bin/bash
# Static checks of the series (make check):
#
#  1. scripts/checkpatch.pl --strict on every patch of patches/$KERNEL/series and
#     on every new file the series lists (run from build/src, so that
#     checkpatch sees the kernel tree);
#  2. sparse (make C=2) on the objects of our C files, in the main UML
#     build directory (build/uml; already built by make kernel).
#     SPARSE_OBJS="fs/union/copyup.o fs/namei.o" chooses them; by default they are
#     the .c files the series adds or changes.  A warning fails the check
#     when it is in a file the series adds, or on a line the series adds to
#     an existing file; the kernel's own warnings elsewhere are ignored.
#
# Exit status 1 on any checkpatch message (ERROR, WARNING or CHECK) or any
# sparse warning of ours.  SKIP_SPARSE=1: checkpatch only.
set -uo pipefail
{	# braces: read all before running, so that an edit cannot break a run

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
. "$top/scripts/kernel-env.sh"
src=$KBUILD/src
out=${KBUILD_OUT:-$KBUILD/uml}
. "$top/scripts/series-lib.sh"

die() { echo "check: $*" >&2; exit 2; }
[ -e "$src/.git" ] || die "no $src: run make prepare first"

entries() { series_entries; }
patches=$(entries | awk '{ print $1 }')
newfiles=$(series_new_files)
failed=0

# --- checkpatch ------------------------------------------------------------
# CHECKPATCH_OPTS: more options, e.g. "--ignore PREFER_FALLTHROUGH" for a
# false positive (say why in the commit that adds it).
# The tree is a release's sources without its history: a Fixes: tag's
# commit cannot be looked up in it (UNKNOWN_COMMIT_ID).
cp_opts=(--strict --quiet --no-summary --show-types --color=never
	--ignore UNKNOWN_COMMIT_ID ${CHECKPATCH_OPTS:-})
ncp=0
for p in $patches; do
	ncp=$((ncp + 1))
	if ! o=$(cd "$src" && ./scripts/checkpatch.pl "${cp_opts[@]}" "$PATCHES/$p" 2>&1); then
		echo "checkpatch: ${PATCHES#"$top"/}/$p:"
		echo "$o" | sed 's/^/    /'
		failed=1
	fi
done
for f in $newfiles; do
	ncp=$((ncp + 1))
	if ! o=$(cd "$src" && ./scripts/checkpatch.pl "${cp_opts[@]}" -f "$top/$f" 2>&1); then
		echo "checkpatch: $f:"
		echo "$o" | sed "s|$top/||g; s/^/    /"
		failed=1
	fi
done
for f in "$PATCHES"/*.patch; do
	[ -e "$f" ] || continue
	case " $(echo $patches) " in *" ${f##*/} "*) continue ;; esac
	echo "check: ${PATCHES#"$top"/}/${f##*/} is not in ${PATCHES#"$top"/}/series (not checked)"
done
echo "  CHECK   checkpatch --strict: $ncp patches and new files"
[ "${SKIP_SPARSE:-0}" = 1 ] && exit $failed

# --- sparse ----------------------------------------------------------------
command -v sparse >/dev/null || die "sparse missing (make deps)"
changed=$(git -C "$src" diff --name-only base 2>/dev/null)
objs=${SPARSE_OBJS:-$(printf '%s\n' $newfiles $changed | grep '\.c$' |
	grep -v '^tools/\|^scripts/\|^arch/[^u]' | sed 's/\.c$/.o/' | sort -u)}
objs=$(echo $objs)

if [ -z "$objs" ]; then
	echo "  CHECK   sparse: no C files in the series"
else
	[ -e "$out/.config" ] || die "$out is not configured: run make kernel first"
	log=$build/sparse.log
	cc="ccache gcc"
	command -v ccache >/dev/null || cc=gcc
	make -s -C "$src" O="$out" ARCH=um CC="$cc" HOSTCC="$cc" C=2 \
		CHECK=sparse -j"$(nproc)" $objs > "$log" 2>&1
	mrc=$?

	# Lines the series adds to existing files, as "file:line".
	ours=$build/sparse.ours
	for f in $changed; do
		case " $newfiles " in *" $f "*) continue ;; esac
		git -C "$src" diff -U0 base -- "$f" |
			sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p' |
			while read -r start count; do
				count=${count:-1}
				for ((l = start; l < start + count; l++)); do
					echo "$f:$l"
				done
			done
	done > "$ours"

	# Sparse and gcc print paths relative to the source or output tree.
	nw=0
	while IFS= read -r line; do
		loc=$(echo "$line" | sed -n 's/^\([^: ]*\):\([0-9]*\):[0-9]*: \(warning\|error\).*/\1:\2/p')
		[ -n "$loc" ] || continue
		file=${loc%:*}
		file=${file#"$src"/}
		file=${file#../src/}
		file=${file#./}
		mine=0
		case " $(echo $newfiles) " in *" $file "*) mine=1 ;; esac
		[ $mine = 1 ] || grep -qx "$file:${loc##*:}" "$ours" && mine=1
		if [ $mine = 1 ]; then
			echo "sparse: $line"
			nw=$((nw + 1))
		fi
	done < "$log"
	if [ "$mrc" != 0 ]; then
		echo "sparse: make C=2 failed; see $log"
		tail -n 20 "$log" | sed 's/^/    /'
		failed=1
	fi
	[ "$nw" = 0 ] || failed=1
	echo "  CHECK   sparse: $objs: $nw warnings of ours (all output: $log)"
fi

exit $failed
exit
}
