#!/bin/bash
# The use cases of a read-only root image, booted by UML from the image
# itself (scripts/uml-run --root): tools/testing/union/livecd/.
#
#   run.sh test     LiveCD with a tmpfs layer (changes gone after a
#                   reboot), with an ext2 layer (changes kept across
#                   reboots; e2fsck finds it clean), from squashfs and
#                   from iso9660; then three guests at once from one
#                   image, each with its own layer; and an upgrade:
#                   the ext2 layer made over the squashfs image, over
#                   its next release.  The images are byte-identical
#                   afterwards.  TAP on stdout.
#   run.sh demo     one boot, showing what the LiveCD looks like
#   run.sh shell    boot the LiveCD with its console on this terminal
#
# Images in build/livecd (mkimage.sh).  UML_KERNEL picks the kernel.
set -uo pipefail
top=$(cd "$(dirname "$0")/../../../.." && pwd)
out=$top/build/livecd
here=tools/testing/union/livecd
bin=$top/build/bin
cd "$top" || exit 1
"$here/mkimage.sh" "$out" || exit 1

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }

# boot NAME IMAGE:TYPE [PERSIST] -- GUEST-ARGS: one boot running guest.sh;
# its TAP lines become ours, prefixed with NAME.
boot() {
	local name=$1 root=$2 persist= output rc line
	shift 2
	if [ "$1" != -- ]; then persist=$1; shift; fi
	shift
	local args=(--root "$root" --timeout 120 --results "$out/run-$name")
	[ -n "$persist" ] && args+=(--ubd "$persist" --cmdline livecd.persist=/dev/ubdb)
	output=$(scripts/uml-run "${args[@]}" -- "sh $here/guest.sh $*" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$name: ${line#ok * - }" ;;
		"not ok "*) not_ok "$name: ${line#not ok * - }" ;;
		esac
	done <<< "$output"
	if [ "$rc" != 0 ]; then
		not_ok "$name: the boot ended with status $rc"
		sed 's/^/# /' <<< "$output"
	fi
}

persist_image() {	# persist_image FILE: a fresh, empty ext2 layer
	rm -f "$1"
	"$bin/mke2fs" -q -F -t ext2 "$1" 64M > /dev/null
}

fsck_clean() {	# fsck_clean NAME FILE
	local o
	if o=$("$bin/e2fsck" -fn "$2" 2>&1); then
		ok "$1: e2fsck -fn finds the ext2 layer clean"
	else
		not_ok "$1: e2fsck -fn: $o"
	fi
}

case ${1:-test} in
test)
	sums=$(cd "$out" && sha256sum livecd.squashfs livecd.iso livecd-2.squashfs)
	sq=$out/livecd.squashfs:squashfs iso=$out/livecd.iso:iso9660
	boot tmpfs "$sq" -- union tmpfs
	boot tmpfs-change "$sq" -- change T
	boot tmpfs-reboot "$sq" -- pristine
	for img in sq iso; do
		p=$out/persist-$img.ext2
		persist_image "$p"
		boot "$img-ext2" "${!img}" "$p" -- union ext2
		boot "$img-ext2-change" "${!img}" "$p" -- change P
		boot "$img-ext2-reboot" "${!img}" "$p" -- changed P
		fsck_clean "$img-ext2" "$p"
		boot "$img-ext2-again" "${!img}" "$p" -- changed P
	done
	# Three guests at once from the same image.
	barrier=$out/barrier
	rm -rf "$barrier" && mkdir -p "$barrier"
	pids=()
	for g in 1 2 3; do
		persist_image "$out/persist-g$g.ext2"
		boot "guest$g" "$sq" "$out/persist-g$g.ext2" -- many $g "$barrier" \
			> "$out/many-$g.tap" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for g in 1 2 3; do
		while IFS= read -r line; do
			case $line in
			"ok "*) ok "${line#ok * - }" ;;
			"not ok "*) not_ok "${line#not ok * - }" ;;
			"#"*) echo "$line" ;;
			esac
		done < "$out/many-$g.tap"
		fsck_clean "guest$g" "$out/persist-g$g.ext2"
		id=$("$bin/debugfs" -R "cat /root/id" "$out/persist-g$g.ext2" 2>/dev/null)
		if [ "$id" = "guest $g" ]; then
			ok "guest$g: its layer holds its /root/id"
		else
			not_ok "guest$g: its layer holds /root/id '$id'"
		fi
	done
	# An upgrade: the layer used with the image, over its next release.
	p=$out/persist-upgrade.ext2
	persist_image "$p"
	sq2=$out/livecd-2.squashfs:squashfs
	boot up-1 "$sq" "$p" -- change U
	boot up-2 "$sq2" "$p" -- upgraded U
	boot up-2-again "$sq2" "$p" -- upgraded U
	fsck_clean up "$p"
	if [ "$(cd "$out" && sha256sum livecd.squashfs livecd.iso livecd-2.squashfs)" = "$sums" ]; then
		ok "the images are byte-identical after all boots"
	else
		not_ok "an image changed"
	fi
	echo "1..$n"
	exit $failed
	;;
demo)
	p=$out/persist-demo.ext2
	persist_image "$p"
	scripts/uml-run --root "$out/livecd.squashfs:squashfs" --ubd "$p" \
		--cmdline livecd.persist=/dev/ubdb --timeout 120 -- \
		"sh $here/demo.sh"
	;;
shell)
	smp=()
	if [ -n "${UML_CPUS:-}" ] && [ "$UML_CPUS" != 1 ]; then
		smp=(ncpus="$UML_CPUS" seccomp=on)	# as scripts/uml-run
	fi
	exec "${UML_KERNEL:-$top/build/linux}" mem=256M ubd0r="$out/livecd.squashfs" \
		root=/dev/ubda rootfstype=squashfs ro init=/sbin/union-init \
		con=null con0=fd:0,fd:1 umid=livecd uml_dir="$out" "${smp[@]}"
	;;
*)
	echo "usage: run.sh test|demo|shell" >&2
	exit 2
	;;
esac
