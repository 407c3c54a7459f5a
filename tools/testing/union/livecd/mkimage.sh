#!/bin/bash
# The LiveCD's read-only root image (make livecd): a busybox system with
# util-linux mount (for -o union) and the union's init, as squashfs
# (OUT/livecd.squashfs) and as iso9660 with Rock Ridge (OUT/livecd.iso);
# and its next release (OUT/livecd-2.squashfs): a new file, a changed one.
#
#   mkimage.sh [OUT]     OUT defaults to build/livecd
set -euo pipefail
top=$(cd "$(dirname "$0")/../../../.." && pwd)
here=$top/tools/testing/union/livecd
out=${1:-$top/build/livecd}
mount_static=$top/build/bin/mount.static
busybox=/bin/busybox

die() { echo "mkimage: $*" >&2; exit 1; }
[ -x $busybox ] || die "$busybox missing (busybox-static; make deps)"
[ -x "$mount_static" ] || die "$mount_static missing (make userland)"

inputs=("$here"/union-init "$here"/rcS "$here"/inittab "$0" "$mount_static" $busybox)
if [ -e "$out/livecd.iso" ] &&
   [ -z "$(find "${inputs[@]}" -newer "$out/livecd.iso")" ]; then
	exit 0
fi
echo "  IMAGE   $out/livecd.squashfs $out/livecd.iso"
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,proc,sys,dev,root,home} \
	"$root"/{union,oldroot,run/results,run/top,var,tmp,mnt,usr/share/livecd}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
install -m 0755 $busybox "$root/bin/busybox"
for applet in $($busybox --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
# util-linux mount, which knows -o union (busybox mount does not).
rm -f "$root/bin/mount"
install -m 0755 "$mount_static" "$root/bin/mount"
install -m 0755 "$here/union-init" "$root/sbin/union-init"
install -m 0755 "$here/rcS" "$root/etc/init.d/rcS"
install -m 0644 "$here/inittab" "$root/etc/inittab"
cat > "$root/etc/passwd" <<-'END'
	root:x:0:0:root:/root:/bin/sh
	user:x:1000:1000:user:/home/user:/bin/sh
END
cat > "$root/etc/group" <<-'END'
	root:x:0:
	user:x:1000:
END
echo livecd > "$root/etc/hostname"
cat > "$root/etc/motd" <<-'END'
	Union mounts LiveCD: a read-only root image with a writable layer
	union-mounted on it.  See /proc/mounts and
	/sys/kernel/debug/union/mounts.
END
mkdir -p "$root/home/user"
chown 1000:1000 "$root/home/user"
for i in 1 2 3 4 5; do
	echo "file $i of the read-only image" > "$root/usr/share/livecd/file$i"
done
mkdir -p "$out"
mksquashfs "$root" "$out/livecd.squashfs.tmp" -noappend -quiet -no-progress
mv "$out/livecd.squashfs.tmp" "$out/livecd.squashfs"
echo "file 6, new in release 2" > "$root/usr/share/livecd/file6"
echo "file 4 of release 2" > "$root/usr/share/livecd/file4"
mksquashfs "$root" "$out/livecd-2.squashfs.tmp" -noappend -quiet -no-progress
mv "$out/livecd-2.squashfs.tmp" "$out/livecd-2.squashfs"
rm "$root/usr/share/livecd/file6"
echo "file 4 of the read-only image" > "$root/usr/share/livecd/file4"
# Last: its time says the images are up to date.
genisoimage -quiet -R -o "$out/livecd.iso.tmp" "$root"
mv "$out/livecd.iso.tmp" "$out/livecd.iso"
