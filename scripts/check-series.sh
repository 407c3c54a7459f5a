#!/bin/bash
# Build the UML kernel at every prefix of patches/$KERNEL/series: patch 1, patches
# 1-2, ... so that the series is bisectable, then boot each prefix's kernel
# and run the tests of what exists at that point: $PATCHES/prefix-tests
# names, per patch, the top layers the series supports from there on and
# the tests to run with them (QUICK=1 PAIRS=cover); a prefix before the
# first line is booted only.  SERIES_TESTS=0 builds without booting.
# SERIES_FROM=K checks only the prefixes from patch K on (the earlier
# ones are applied, not built), after a change to the series' tail.
# SERIES_TO=K stops after the prefix that ends with patch K.
# Uses a worktree of build/src (build/series-check/src) and its own output
# directory (build/series-check/uml); the main build is not touched.
# ccache makes the rebuilds cheap.  For a quicker check on a small x86_64
# kernel (built, never booted):
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
. "$top/scripts/series-lib.sh"
cb=$KBUILD/series-check
wt=$cb/src
out=$cb/${KARCH:-um}
target=${SERIES_TARGET:-linux}
# The main build's configuration (make exports SMP_CONFIG for mainline),
# so that ccache serves the prefixes what the main build compiled.
config=${SERIES_CONFIG:-$top/configs/uml.config${SMP_CONFIG:+ $top/$SMP_CONFIG}}

die() { echo "check-series: $*" >&2; exit 1; }

[ -e "$src/.git" ] || die "no $src: run make prepare first"

entries() { series_entries; }

ptests=$PATCHES/prefix-tests
boot=${SERIES_TESTS:-1}
from=${SERIES_FROM:-1}
to=${SERIES_TO:-0}
[ "${KARCH:-um}" = um ] || boot=0
# What the prefixes checked were shown to do.
checked="build, boot and pass their tests"
[ "$boot" != 0 ] || checked="build"
# The series' new files that a backport's patch changes are copies in
# the worktree, as in scripts/prepare-tree.sh.  Those that later patches
# change by steps are copies too, made by series_first_version() below;
# the others are links.
copied=" $(series_copied_files | tr '\n' ' ') "

# The prefix-tests line of patch $1, or nothing.
prefix_tests() {
	[ -f "$ptests" ] || return 0
	sed -e 's/#.*//' "$ptests" | awk -v p="$1" '$1 == p { $1 = ""; print }'
}

# Build the worktree as it is, for prefix $1 (described as $2).
build_prefix() {
	local log=$cb/build-$1.log
	# A patch may add Kconfig options: configure every prefix afresh
	# (build-kernel.sh would keep the last prefix's .config).
	rm -f "$out/.frag-sum"
	# shellcheck disable=SC2086
	if ! BUILD=$cb KBUILD=$cb "$top/scripts/build-kernel.sh" "$out" $config \
		-- "$target" < /dev/null > "$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/    | /' >&2
		die "the kernel does not build with $2; log: $log"
	fi
	rm -f "$log"
	if grep -q '^config UNION_MOUNT$' "$wt/fs/Kconfig" &&
		! grep -qx 'CONFIG_UNION_MOUNT=y' "$out/.config"; then
		die "$2: the kernel was built without CONFIG_UNION_MOUNT"
	fi
}

# Boot the kernel of prefix $1 and run the tests of its line ($2): "top
# layers [with=PATCH] tests".
boot_prefix() {
	local k=$1 line=$2 uppers tests with res=$cb/tests-$1
	if [ -z "$line" ]; then
		"$top/scripts/uml-run" --kernel "$out/linux" --timeout 120 -- \
			'grep -q " / " /proc/mounts && mount -t tmpfs none /mnt && umount /mnt' \
			> "$cb/boot-$k.log" 2>&1 ||
			die "the kernel of patches 1-$k does not boot (log: $cb/boot-$k.log)"
		echo "  SERIES  [$k/$n] boots"
		return
	fi
	read -r uppers tests <<< "$line"
	case $tests in
	with=*)
		# A top layer's patch from later in the series, for a test
		# kernel of this prefix: boot the prefix itself first.
		boot_prefix "$k" ""
		with=${tests%% *}
		with=${with#with=}
		tests=${tests#* }
		git -C "$wt" apply --whitespace=nowarn "$PATCHES/$with" ||
			die "prefix $k: $with does not apply to it"
		build_prefix "$k" "patches 1-$k and $with"
		git -C "$wt" apply -R --whitespace=nowarn "$PATCHES/$with" ||
			die "prefix $k: $with does not come out again"
		uppers="$uppers (with ${with%%-*})"
		;;
	esac
	# shellcheck disable=SC2086
	if ! UML_KERNEL=$out/linux UPPERS=${uppers//,/ } RESULTS=$res \
		QUICK=1 PAIRS=cover "$top/tools/testing/union/run" -j "${JOBS:-2}" \
		$tests > "$cb/tests-$k.log" 2>&1; then
		grep -v '^PASS\|^SKIP' "$cb/tests-$k.log" | tail -n 30 | sed 's/^/    | /' >&2
		die "tests fail with patches 1-$k (log: $cb/tests-$k.log)"
	fi
	echo "  SERIES  [$k/$n] $(tail -n 1 "$cb/tests-$k.log") (${uppers//,/ })"
}

stamp=$( (cat "$series" $config; cat "$ptests" 2>/dev/null; echo "boot $boot"
	entries | while read -r p files; do
	cat "$PATCHES/$p"
	for f in $(series_adds "$p"); do echo "== $f"; cat "$top/$f"; done
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
	git -C "$wt" clean -q -f -d -x
fi

k=0
line=
while read -r p _; do
	k=$((k + 1))
	git -C "$wt" apply --whitespace=nowarn "$PATCHES/$p" ||
		die "prefix $k: ${PATCHES#"$top"/}/$p does not apply"
	for f in $(series_adds "$p"); do
		[ -e "$top/$f" ] || die "${PATCHES#"$top"/}/series names $f, which does not exist"
		mkdir -p "$wt/$(dirname "$f")"
		rm -f "$wt/$f"
		if series_has_steps "$f"; then
			series_first_version "$f" "$wt/$f" ||
				die "$f: the steps of later patches do not apply to it"
			continue
		fi
		case $copied in
		*" $f "*) cp "$top/$f" "$wt/$f" ;;
		*) ln -sfn "$top/$f" "$wt/$f" ;;
		esac
	done
	l=$(prefix_tests "$p")
	[ -z "$l" ] || line=$l
	[ "$k" -ge "$from" ] || continue
	if [ "$to" -gt 0 ] && [ "$k" -gt "$to" ]; then
		echo "  SERIES  prefixes $from-$to $checked"
		exit
	fi
	echo "  SERIES  [$k/$n] $p"
	build_prefix "$k" "patches 1-$k (up to $p)"
	[ "$boot" = 0 ] || boot_prefix "$k" "${line:-}"
done < <(entries)

# The steps lead to this repository's files.
for f in $(series_new_files); do
	series_has_steps "$f" || continue
	cmp -s "$top/$f" "$wt/$f" ||
		die "$f: the series' steps do not end at this repository's file"
done
if [ "$from" -gt 1 ]; then
	echo "  SERIES  prefixes $from-$n $checked"
	exit
fi
echo "$stamp" > "$cb/.stamp-${KARCH:-um}"
echo "  SERIES  all $n prefixes $checked"
exit
}
