#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Union mounts demo.  Runs inside a UML guest: make demo, or
#   scripts/uml-run -- tools/testing/union/demo.sh
#
# A read-only squashfs image is mounted, a tmpfs is union-mounted on top
# of it with "mount -o union", and then: the merged tree, a new file
# that lands in the upper layer, an rm of a lower file (a whiteout), a
# change to a lower file (copy-up), a lower directory renamed, and the
# lower layer, unchanged.
# Exit status 0 when every step worked.
set -u

if [ "${UML_GUEST:-}" != 1 ]; then
	echo "demo.sh runs inside UML: make demo" >&2
	exit 2
fi

d=$(mktemp -d /tmp/demo.XXXXXX)
mounts=()
cleanup() {
	local i
	cd /
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null
	done
	[ -n "${loop:-}" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT

step=0
step() {
	step=$((step + 1))
	echo
	echo "== $step. $*"
}
run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
	return "${PIPESTATUS[0]}"
}
fail() {
	echo
	echo "DEMO FAILED: $*"
	exit 1
}
# The tree as "path  content", one line per entry, relative to $1.  With
# a second argument, each file also says which layer it comes from (its
# st_dev: the lower layer's, or the union's top layer's).
tree() {
	local top= low= c
	if [ $# -gt 1 ]; then
		top=$(stat -c %d "$1")
		low=$(stat -c %d "$2")
	fi
	(cd "$1" && find . -mindepth 1 ! -name lost+found | sort |
		while read -r f; do
			if [ -d "$f" ]; then
				printf '%s/\n' "${f#./}"
				continue
			fi
			c=$(paste -sd"|" "$f")
			printf '%-22s %s' "${f#./}" "$c"
			case $(stat -c %d "$f") in
			"$top") printf '%*s(upper layer)' $((25 - ${#c})) '' ;;
			"$low") printf '%*s(lower layer)' $((25 - ${#c})) '' ;;
			esac
			echo
		done)
}

echo "Union mounts demo (kernel $(uname -r))"

step "Make a read-only lower layer: a squashfs image of a small tree"
mkdir -p "$d/src/etc" "$d/src/docs"
echo "from the lower layer" > "$d/src/README"
echo "hostname=lower" > "$d/src/etc/config"
echo "notes: kept" > "$d/src/docs/notes"
echo "obsolete" > "$d/src/docs/old"
run mksquashfs "$d/src" "$d/lower.img" -quiet -no-progress -noappend ||
	fail "mksquashfs"
loop=$(losetup -f --show -r "$d/lower.img") || fail "losetup"
mkdir -p "$d/union" "$d/lower"
run mount -t squashfs -o ro "$loop" "$d/lower" || fail "mount the lower (view)"
mounts+=("$d/lower")
run mount -t squashfs -o ro "$loop" "$d/union" || fail "mount the lower"
mounts+=("$d/union")
echo "lower layer ($d/lower):"
tree "$d/lower" | sed 's/^/  /'

step "Union-mount a tmpfs upper layer on top of it"
run mount -t tmpfs -o union upper "$d/union" || fail "mount -o union failed"
mounts+=("$d/union")
echo "/proc/self/mountinfo, the mounts at $d/union:"
grep -F " $d/union " /proc/self/mountinfo | sed 's/^/  /'
opts=$(awk -v m="$d/union" '$5 == m { o = $6 } END { print o }' /proc/self/mountinfo)
case ,$opts, in
*,union,*) ;;
*) fail "the kernel ignored -o union: this kernel has no union mounts yet" ;;
esac

step "The merged tree: the lower files seen through the union"
tree "$d/union" "$d/lower" | sed 's/^/  /'
[ "$(cat "$d/union/README")" = "from the lower layer" ] ||
	fail "README of the lower layer not seen through the union"

step "Write a new file: it goes to the upper layer"
echo "new on the upper layer" > "$d/union/NEW" || fail "cannot create NEW"
run ls -l "$d/union/NEW"
[ -e "$d/lower/NEW" ] && fail "NEW appeared in the lower layer"

step "Remove a lower file: a whiteout on the upper layer hides it"
run rm "$d/union/docs/old" || fail "rm docs/old"
if [ -e "$d/union/docs/old" ]; then
	fail "docs/old is still visible after rm"
fi
run ls -la "$d/union/docs"

step "Change a lower file: it is copied up to the upper layer, then changed"
run stat -c '%n: device %d, inode %i (the lower layer)' "$d/union/etc/config"
echo "hostname=union" >> "$d/union/etc/config" ||
	fail "cannot write etc/config"
run stat -c '%n: device %d, inode %i (now the upper layer)' "$d/union/etc/config"
run cat "$d/union/etc/config"
[ "$(stat -c %d "$d/union/etc/config")" = "$(stat -c %d "$d/union")" ] ||
	fail "etc/config was not copied up"
step "Change its mode and rename another lower file"
run chmod 0600 "$d/union/etc/config" || fail "chmod etc/config"
run ls -l "$d/union/etc/config"
run mv "$d/union/README" "$d/union/README.old" || fail "rename README"
run ls "$d/union"

step "Rename a lower directory: its content moves along, nothing is copied"
run mv "$d/union/docs" "$d/union/manuals" || fail "rename docs"
run stat -c '%n: device %d (still the lower layer)' "$d/union/manuals/notes"
[ "$(cat "$d/union/manuals/notes")" = "notes: kept" ] ||
	fail "manuals/notes does not show the lower docs/notes"
[ -e "$d/union/docs" ] && fail "docs still visible after the rename"

step "The merged tree now"
tree "$d/union" "$d/lower" | sed 's/^/  /'

step "The lower layer is untouched"
tree "$d/lower" | sed 's/^/  /'
[ "$(tree "$d/lower")" = "$(tree "$d/src")" ] ||
	fail "the lower layer changed"
echo "  (identical to the tree the image was made from)"
echo
echo "DEMO OK"
