#!/bin/bash
# Install the Debian packages the project needs (make deps).  Runs
# apt-get update only when a package is missing and apt cannot find it.
#
#   install-deps.sh [xfstests]
#
# With "xfstests": what building and running fstests needs instead (make
# xfstests), which the README's two commands do not.
set -euo pipefail

pkgs=(
	# kernel: sources (mainline's from trixie-backports, below), build,
	# checks
	linux-source-6.12 build-essential flex bison bc libelf-dev ccache
	sparse git xz-utils perl python3
	# util-linux mount(8), e2fsprogs (e2fsck, debugfs, mke2fs): apt-get
	# source and the builds (their own uuid and blkid: no -dev packages)
	dpkg-dev patch pkg-config
	# tests and demo: images, tools run inside the guest
	e2fsprogs squashfs-tools genisoimage mtd-utils busybox-static
	mount procps strace python3-pytest gnuplot-nox
	# test 085: everyday programs over a union
	sqlite3
)
if [ "${1:-}" = xfstests ]; then
	pkgs=(
		# fstests' build (README: autotools, these libraries)
		autoconf automake libtool make gcc gawk pkg-config
		xfslibs-dev uuid-dev libattr1-dev libacl1-dev libaio-dev
		liburing-dev libcap-dev libgdbm-dev libtool-bin
		# what its tests call in the guest
		xfsprogs attr acl quota psmisc bc e2fsprogs squashfs-tools
		fio dbench uuid-runtime
	)
fi

# Debian ships the current mainline line in trixie-backports.  apt gets an
# entry for that suite in a file of ours, pinned so low that nothing comes
# from it unless asked for by name (the host's linux-libc-dev stays).
backports_source() {
	local list=/etc/apt/sources.list.d/union-mounts-trixie-backports.sources
	local pin=/etc/apt/preferences.d/union-mounts-trixie-backports
	[ -e "$list" ] && [ -e "$pin" ] && return 1
	echo "  APT     adding trixie-backports, pinned ($list)"
	cat > "$list" <<-EOT
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: trixie-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOT
	cat > "$pin" <<-EOT
		Package: *
		Pin: release n=trixie-backports
		Pin-Priority: 1
	EOT
}
mainline=linux-source-7.3
if [ "${1:-}" != xfstests ] &&
   [ "$(dpkg-query -W -f='${db:Status-Status}' $mainline 2>/dev/null)" != installed ]; then
	[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install: $mainline" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	if backports_source || ! apt-cache policy $mainline | grep -q trixie-backports; then
		apt-get update -q
	fi
	echo "  DEPS    installing: $mainline (trixie-backports)"
	apt-get install -y -q --no-install-recommends $mainline/trixie-backports
fi

missing=()
for p in "${pkgs[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "  DEPS    all ${#pkgs[@]} packages installed"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
echo "  DEPS    installing: ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	echo "  DEPS    apt-get update, then again"
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
