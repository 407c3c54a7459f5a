# shellcheck shell=bash
# Which kernel the scripts work on, sourced after $top and $build are set:
#   KERNEL   7.3 (mainline, the default) or 6.12 (the LTS backport)
#   PATCHES  its series: patches/$KERNEL (series, BASE, the patches)
#   KBUILD   its kernel trees and builds: build/ for mainline,
#            build/$KERNEL/ for a backport (src/, uml/, lockdep/, ...)
# The new files the series lists are shared: written for mainline, and
# turned back into a backport's interfaces by a patch of its series.
KERNEL=${KERNEL:-7.3}
if [ "$KERNEL" = 7.3 ]; then
	KBUILD=${KBUILD:-$build}
else
	KBUILD=${KBUILD:-$build/$KERNEL}
fi
PATCHES=${PATCHES:-$top/patches/$KERNEL}
if [ ! -f "$PATCHES/series" ]; then
	echo "${0##*/}: no series for KERNEL=$KERNEL ($PATCHES/series)" >&2
	exit 1
fi
export KERNEL KBUILD PATCHES
