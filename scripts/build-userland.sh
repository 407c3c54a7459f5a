#!/bin/bash
# Build util-linux's mount(8) with our "-o union" option as build/bin/mount,
# then e2fsprogs (scripts/build-e2fsprogs.sh).
#
#   build-userland.sh
#
# The source is Debian's util-linux (apt-get source), fetched once into
# build/userland/src; userland/util-linux-union.patch is applied on top
# (and re-applied when it changes).  Only mount(8) is built, against a
# static libmount and libblkid, so build/bin/mount needs nothing but libc.
# A second run with nothing changed does nothing.
set -euo pipefail
{	# braces: read all before running, so that an edit cannot break a run

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
ul=$build/userland
src=$ul/src
obj=$ul/obj
patch=$top/userland/util-linux-union.patch
bin=$build/bin

die() { echo "build-userland: $*" >&2; exit 1; }

. "$top/scripts/deb-src.sh"

fetch() {
	[ -e "$src/.fetched" ] && return
	rm -rf "$obj"
	mkdir -p "$ul"
	apt_source util-linux "$src"
	# Debian's patches touch configure.ac and Makefile.am; none of that
	# matters for mount(8).  Date the generated files after their
	# inputs so make does not try to rerun the autotools.
	local t
	t=$(date +%s)
	(cd "$src" &&
		touch -d "@$t" aclocal.m4 &&
		find . -name configure -o -name config.h.in |
			xargs touch -d "@$((t + 1))" &&
		find . -name Makefile.in | xargs touch -d "@$((t + 2))")
	touch "$src/.fetched"
}

configure_opts=(
	--disable-all-programs --enable-libblkid --enable-libmount --enable-mount
	--disable-shared --enable-static --disable-nls --disable-asciidoc
	--disable-bash-completion --disable-makeinstall-chown
	--disable-makeinstall-setuid --disable-dependency-tracking
	--without-selinux --without-audit --without-udev --without-systemd
	--without-python --without-readline --without-ncursesw --without-ncurses
	--without-tinfo --without-cap-ng --without-libz --without-btrfs
	--without-cryptsetup --without-smack --without-econf
)

fetch
apply_source_patch util-linux "$src" "$patch"
configure_source "util-linux (mount only)" "$src" "$obj" "${configure_opts[@]}"
make -s -C "$obj" -j"$(nproc)" mount >"$obj/make.out" 2>&1 || {
	tail -40 "$obj/make.out" >&2
	die "make mount failed (full log: $obj/make.out)"
}
mkdir -p "$bin"
if ! cmp -s "$obj/mount" "$bin/mount"; then
	echo "  INSTALL $bin/mount"
	install -m 0755 "$obj/mount" "$bin/mount"
fi
# A static mount for the LiveCD image (tools/testing/union/livecd), which
# has no C library: the same objects, linked with -static.
if [ "$obj/mount" -nt "$bin/mount.static" ]; then
	echo "  LD      $bin/mount.static"
	gcc -static -o "$bin/mount.static" "$obj/sys-utils/mount-mount.o" \
		"$obj/.libs/libmount.a" "$obj/.libs/libblkid.a" \
		"$obj/.libs/libcommon.a" 2>"$obj/mount.static.out" || {
		cat "$obj/mount.static.out" >&2
		die "linking mount.static failed"
	}
fi
"$top/scripts/build-e2fsprogs.sh"
exit
}
