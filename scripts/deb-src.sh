# Sourced by the userland build scripts (build-userland.sh,
# build-e2fsprogs.sh), which define die().
#
#   apt_source PKG DEST   Debian's source of PKG (apt-get source: unpacked,
#                         Debian's patches applied) into the directory DEST,
#                         which it replaces
#   ensure_deb_src PKG    make sure apt knows the source package PKG
#   apply_source_patch NAME SRC PATCH
#                         apply PATCH (ours) to the source tree SRC of NAME,
#                         once; a changed PATCH replaces the applied one
#   configure_source WHAT SRC OBJ OPTION...
#                         run SRC's configure in OBJ (with ccache) unless
#                         OBJ was configured with the same options

# apt-get source needs a deb-src entry.  Make one from the deb entries of
# Debian's own source list (same mirror, suites and key), in a file of
# our own; the system's list is left as it is.
ensure_deb_src() {
	local pkg=$1
	apt-cache showsrc "$pkg" 2>/dev/null | grep '^Package:' >/dev/null && return
	local list=/etc/apt/sources.list.d/debian.sources
	local ours=/etc/apt/sources.list.d/union-mounts-deb-src.sources
	echo "  APT     adding deb-src entries ($ours)"
	if [ -r "$list" ] && grep -q '^Types:.*\<deb\>' "$list"; then
		sed -e 's/^Types:.*$/Types: deb-src/' "$list" > "$ours"
	else
		cat > "$ours" <<-EOF
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: bookworm bookworm-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	fi
	apt-get update -qq
	apt-cache showsrc "$pkg" 2>/dev/null | grep '^Package:' >/dev/null ||
		die "apt still has no source for $pkg"
}

apt_source() {
	local pkg=$1 dest=$2 dl=$2.dl d
	command -v dpkg-source >/dev/null || die "dpkg-source missing (make deps)"
	ensure_deb_src "$pkg"
	echo "  FETCH   $pkg source (apt-get source)"
	rm -rf "$dest" "$dl"
	mkdir -p "$dl"
	(cd "$dl" && apt-get source -qq "$pkg" >/dev/null 2>"$dl/apt.log") || {
		cat "$dl/apt.log" >&2
		die "apt-get source $pkg failed"
	}
	d=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*")
	[ -n "$d" ] || die "apt-get source left no $pkg-* directory"
	mv "$d" "$dest"
	rm -rf "$dl"
}

apply_source_patch() {
	local name=$1 src=$2 patch=$3 applied=$2/.union.patch
	cmp -s "$patch" "$applied" 2>/dev/null && return
	if [ -e "$applied" ]; then
		echo "  UNPATCH $name (old $(basename "$patch"))"
		patch -s -d "$src" -p1 -R < "$applied" ||
			die "cannot revert the previous patch; remove $src and retry"
		rm -f "$applied"
	fi
	echo "  PATCH   $name < userland/$(basename "$patch")"
	patch -s -d "$src" -p1 --forward --no-backup-if-mismatch < "$patch" ||
		die "userland/$(basename "$patch") does not apply to $src"
	cp "$patch" "$applied"
}

configure_source() {
	local what=$1 src=$2 obj=$3 sum cc="ccache gcc"
	shift 3
	sum=$(echo "$*" | sha1sum | cut -d' ' -f1)
	[ -e "$obj/Makefile" ] && [ "$(cat "$obj/.opts-sum" 2>/dev/null)" = "$sum" ] &&
		return
	echo "  CONFIG  $what"
	rm -rf "$obj"
	mkdir -p "$obj"
	command -v ccache >/dev/null || cc=gcc
	(cd "$obj" && "$src/configure" -q CC="$cc" CFLAGS="-O2 -g0" "$@" \
		> config.out 2>&1) || {
		tail -30 "$obj/config.out" >&2
		die "configure failed (full log: $obj/config.out)"
	}
	echo "$sum" > "$obj/.opts-sum"
}
