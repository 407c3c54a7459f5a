#!/bin/bash
# Build e2fsprogs that knows the ext2 union format (the "union" feature,
# whiteouts, fallthrus, opaque and complete directories) as build/bin/e2fsck,
# build/bin/debugfs and build/bin/mke2fs.
#
#   build-e2fsprogs.sh
#
# The source is Debian's e2fsprogs (apt-get source), fetched once into
# build/e2fsprogs/src; userland/e2fsprogs-union.patch is applied on top
# (and re-applied when it changes).  Only the libraries and the three
# programs are built, with e2fsprogs' own static libraries (uuid and blkid
# included), so the programs need nothing but libc.  A second run with
# nothing changed does nothing.  build-userland.sh (make userland) runs it.
set -euo pipefail
{	# braces: read all before running, so that an edit cannot break a run

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
e2=$build/e2fsprogs
src=$e2/src
obj=$e2/obj
patch=$top/userland/e2fsprogs-union.patch
bin=$build/bin
progs="e2fsck/e2fsck debugfs/debugfs misc/mke2fs"

die() { echo "build-e2fsprogs: $*" >&2; exit 1; }

. "$top/scripts/deb-src.sh"

fetch() {
	[ -e "$src/.fetched" ] && return
	rm -rf "$obj"
	mkdir -p "$e2"
	apt_source e2fsprogs "$src"
	touch "$src/.fetched"
}

configure_opts=(
	--enable-libuuid --enable-libblkid --disable-elf-shlibs
	--disable-nls --disable-fuse2fs --disable-imager --disable-resizer
	--disable-defrag --disable-uuidd --disable-e2initrd-helper
	--disable-fsck --disable-tdb
)

# The libraries, then each program in its directory.
build() {
	local p
	make -s -C "$obj" -j"$(nproc)" libs || return
	for p in $progs; do
		make -s -C "$obj/${p%/*}" -j"$(nproc)" "${p#*/}" || return
	done
}

fetch
apply_source_patch e2fsprogs "$src" "$patch"
configure_source "e2fsprogs (e2fsck, debugfs, mke2fs)" "$src" "$obj" "${configure_opts[@]}"
build >"$obj/make.out" 2>&1 || {
	tail -40 "$obj/make.out" >&2
	die "make failed (full log: $obj/make.out)"
}
mkdir -p "$bin"
for p in $progs; do
	if ! cmp -s "$obj/$p" "$bin/${p#*/}"; then
		echo "  INSTALL $bin/${p#*/}"
		install -m 0755 "$obj/$p" "$bin/${p#*/}"
	fi
done
exit
}
