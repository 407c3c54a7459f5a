#!/bin/bash
# Static checks of the series (make check):
#
#  1. scripts/checkpatch.pl --strict on every patch of patches/$KERNEL/series and
#     on every new file the series lists (run from build/src, so that
#     checkpatch sees the kernel tree);
#  2. sparse (make C=2) on the objects of our C files, in the main UML
#     build directory (build/uml; already built by make kernel), or in
#     the 6.12 backport's (build/6.12/uml) when the sparse installed is
#     too old for mainline, which the kernel then silently skips.
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

# sparse_tree SRC OUT: sparse on our objects of the tree SRC, built in OUT;
# sets nw (warnings of ours) and failed, and returns 3 when the kernel
# refuses the checker (too old for it: scripts/checker-valid.sh).
sparse_tree() {
	local tsrc=$1 tout=$2 changed objs log ours mrc cc line loc file mine
	changed=$(git -C "$tsrc" diff --name-only base 2>/dev/null)
	objs=${SPARSE_OBJS:-$(printf '%s\n' $newfiles $changed | grep '\.c$' |
		grep -v '^tools/\|^scripts/\|^arch/[^u]' | sed 's/\.c$/.o/' | sort -u)}
	objs=$(echo $objs)
	nw=0
	if [ -z "$objs" ]; then
		echo "  CHECK   sparse: no C files in the series"
		return 0
	fi
	[ -e "$tout/.config" ] || die "$tout is not configured: run make kernel first"
	log=$build/sparse.log
	cc="ccache gcc"
	command -v ccache >/dev/null || cc=gcc
	make -s -C "$tsrc" O="$tout" ARCH=um CC="$cc" HOSTCC="$cc" C=2 \
		CHECK=sparse -j"$(nproc)" $objs > "$log" 2>&1
	mrc=$?
	grep -q "C=2 specified, but sparse is not available or not up to date" \
		"$log" && return 3

	# Lines the series adds to existing files, as "file:line".
	ours=$build/sparse.ours
	for f in $changed; do
		case " $newfiles " in *" $f "*) continue ;; esac
		git -C "$tsrc" diff -U0 base -- "$f" |
			sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\{0,1\} @@.*/\1 \3/p' |
			while read -r start count; do
				count=${count:-1}
				for ((l = start; l < start + count; l++)); do
					echo "$f:$l"
				done
			done
	done > "$ours"

	# Sparse and gcc print paths relative to the source or output tree.
	while IFS= read -r line; do
		loc=$(echo "$line" | sed -n 's/^\([^: ]*\):\([0-9]*\):[0-9]*: \(warning\|error\).*/\1:\2/p')
		[ -n "$loc" ] || continue
		file=${loc%:*}
		file=${file#"$tsrc"/}
		file=${file#../src/}
		file=${file#./}
		mine=0
		case " $(echo $newfiles) " in *" $file "*) mine=1 ;; esac
		[ $mine = 1 ] || grep -qx "$file:${loc##*:}" "$ours" && mine=1
		case $line in
		*"context imbalance in 'union_merged_isolate'"*)
			# A trylock through spinlock_t's inline wrapper loses
			# its condition for sparse: fs/dcache.c's
			# dentry_lru_isolate() gets the same warning.
			echo "sparse: known false positive: ${line##*: }"
			mine=0 ;;
		esac
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
	echo "  CHECK   sparse (${tsrc#"$top"/}): $objs: $nw warnings of ours (all output: $log)"
}

sparse_tree "$src" "$out"
if [ $? = 3 ]; then
	# Debian 12's sparse (0.6.4) cannot parse mainline since Linux 6.13
	# (__typeof_unqual__), and the kernel then checks nothing.  The
	# backport's tree has the same new files and the same hooks.
	bsrc=$build/6.12/src bout=$build/6.12/uml
	echo "  CHECK   sparse $(sparse --version) is too old for Linux $KERNEL: checking the 6.12 backport's tree"
	if [ "$KERNEL" = 6.12 ] || [ ! -e "$bout/.config" ]; then
		echo "sparse: nothing checked: build the 6.12 backport first (make KERNEL=6.12 kernel)"
		failed=1
	else
		sparse_tree "$bsrc" "$bout"
		[ $? != 3 ] || { echo "sparse: the 6.12 tree refuses it too"; failed=1; }
	fi
fi

exit $failed
exit
}
