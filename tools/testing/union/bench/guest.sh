#!/bin/bash
# The benchmark inside the UML guest; booted by bench.py, which made the
# disks and answers the marks (see union-bench.c) on fd 9.
#
#   guest.sh main ROUNDS LISTDIR     the union/overlayfs/bare comparison
#   guest.sh walk ROUNDS LISTDIR     warm lstat walks of the bare lower only
#                                    (the CONFIG_UNION_MOUNT=y/n comparison)
#
# Disks, in bench.py's order: ubda the lower image (one lower), ubdb..ubdd
# the same tree split over three lowers (topmost first), ubde the bare
# image for writing workloads, ubdf..ubdi scratch for the ext2 tops of the
# reading configurations, ubdj and ubdk scratch for the writing ones.
#
# Every mark is named PHASE/WORKLOAD/CONFIG/ROUND.  Configurations:
# bare (the lower file system itself; for writes a read-write copy of it,
# "bare-ext2", or the same tree in a tmpfs, "bare-tmpfs"), then uUL and oUL:
# union mounts and overlayfs, U the top layer (t tmpfs, e ext2), L the
# number of lowers.
set -euo pipefail
mode=$1 rounds=$2 lists=$3
UB=$UNION_TOP/build/bin/union-bench
B=/tmp/b
exec 9<>/dev/tty2
stty raw -echo <&9

die() { echo "guest.sh: $*" >&2; exit 1; }

# DIRS_BELOW=0 or 1 (bench.py passes it on): set union.dirs_below.
case ${DIRS_BELOW:-} in
0) echo N > /sys/module/union/parameters/dirs_below ;;
1) echo Y > /sys/module/union/parameters/dirs_below ;;
esac
mark() { echo "$1 $2" >&9; read -r _ <&9; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# expect N CMD...: run the workload, which must report N objects.
expect() {
	local want=$1 got
	shift
	got=$("$@") || die "$* failed"
	[ "$got" = "$want" ] || die "$*: $got objects, not $want"
}

# The guest kernel's CPU when idle, per second, is subtracted by bench.py.
idle() { mark B "$1/idle/-/0"; sleep 3; mark E "$1/idle/-/0"; }

count() { wc -l < "$lists/$1.list"; }

# Touch all but 256 MiB of the guest's memory once, so that the host's
# page faults on it (host system time, which the metric leaves out, and
# which is slow) happen here and not inside the first measurement that
# needs much memory.
prefault() {
	local kb
	kb=$(awk '/^MemFree:/ { print $2 }' /proc/meminfo)
	mkdir -p /tmp/prefault
	mount -t tmpfs -o size=$((kb - 262144))k none /tmp/prefault
	dd if=/dev/zero of=/tmp/prefault/fill bs=1M status=none 2>/dev/null || true
	umount /tmp/prefault
}

lower_dev() { case $1 in 1) echo "ubda" ;; 3) echo "ubdd ubdc ubdb" ;; esac; }

# mount_config NAME DIR [TOPDEV]: NAME is uUL or oUL.
mount_config() {
	local name=$1 dir=$2 dev=${3:-} kind=${1:0:1} top=${1:1:1} n=${1:2:1}
	local d lowerdirs=
	mkdir -p "$dir"
	if [ "$kind" = u ]; then
		for d in $(lower_dev "$n"); do
			mount -t ext2 -o ro "/dev/$d" "$dir"
		done
		case $top in
		t) mount -t tmpfs -o union,size=3g none "$dir" ;;
		e) mke2fs -q -F -t ext2 -b 4096 "/dev/$dev"
		   mount -t ext2 -o union "/dev/$dev" "$dir" ;;
		esac
		return
	fi
	for d in $(lower_dev "$n"); do
		mkdir -p "$B/lower/$d"
		mountpoint -q "$B/lower/$d" ||
			mount -t ext2 -o ro "/dev/$d" "$B/lower/$d"
		lowerdirs=$B/lower/$d${lowerdirs:+:$lowerdirs}
	done
	mkdir -p "$B/top/$name"
	case $top in
	t) mount -t tmpfs -o size=3g none "$B/top/$name" ;;
	e) mke2fs -q -F -t ext2 -b 4096 "/dev/$dev"
	   mount -t ext2 "/dev/$dev" "$B/top/$name" ;;
	esac
	mkdir "$B/top/$name/u" "$B/top/$name/w"
	mount -t overlay -o "lowerdir=$lowerdirs,upperdir=$B/top/$name/u,workdir=$B/top/$name/w" \
		overlay "$dir"
}

# umount_config DIR NAME
umount_config() {
	while mountpoint -q "$1"; do umount "$1"; done
	if mountpoint -q "$B/top/$2"; then umount "$B/top/$2"; fi
}

# Interleaving: round R starts at configuration R of the list, so that no
# configuration always runs first or after the same one.
rotate() {
	local r=$1 i
	shift
	local a=("$@")
	for ((i = 0; i < ${#a[@]}; i++)); do
		echo "${a[(i + r) % ${#a[@]}]}"
	done
}

read_configs=(bare ut1 ot1 ut3 ot3 ue1 oe1 ue3 oe3)
declare -A topdev=([ue1]=ubdf [oe1]=ubdg [ue3]=ubdh [oe3]=ubdi)

# The reading configurations, all mounted at once.  "Mixed" trees get a
# third of their files copied up, through the union or overlayfs itself.
setup_reading() {
	local c
	mkdir -p $B/bare
	mount -t ext2 -o ro /dev/ubda $B/bare
	for c in "${read_configs[@]:1}"; do
		mount_config "$c" "$B/$c" "${topdev[$c]:-}"
		(cd "$B/$c" && expect "$(count mix-up)" $UB append "$lists/mix-up.list")
	done
}

# One measured round of the reading workloads.
reading_round() {
	local r=$1 c
	for c in $(rotate "$r" "${read_configs[@]}"); do
		echo "guest.sh: reading round $r: $c"
		cd "$B/$c"
		for t in lo mix; do
			drop
			expect "$(count walk-$t)" $UB -m "read/walk-$t-cold/$c/$r" lstat "$lists/walk-$t.list"
			expect "$(count walk-$t)" $UB -m "read/walk-$t-warm/$c/$r" lstat "$lists/walk-$t.list"
		done
		expect "$(count flat)" $UB readdir flat
		expect "$(count flat)" $UB -r 20 -m "read/readdir-later/$c/$r" readdir flat
		expect "$(count small)" $UB read "$lists/small.list"
		expect "$(count small)" $UB -r 4 -m "read/read-small/$c/$r" read "$lists/small.list"
		$UB seqread big > /dev/null
		expect "$BIG_MB" $UB -r 4 -m "read/seqread/$c/$r" seqread big
		cd /
	done
}

write_configs=(bare-ext2 bare-tmpfs ut1 ot1 ut3 ot3 ue1 oe1 ue3 oe3)

# One round of the writing workloads on a fresh top (a fresh bare copy).
writing_round() {
	local r=$1 c d=$B/w
	for c in $(rotate "$r" "${write_configs[@]}"); do
		mkdir -p $d
		case $c in
		bare-ext2)
			dd if=/dev/ubde of=/dev/ubdk bs=1M status=none
			mount -t ext2 /dev/ubdk $d ;;
		bare-tmpfs)
			mkdir -p $B/bare-w
			mount -t ext2 -o ro /dev/ubde $B/bare-w
			mount -t tmpfs -o size=3g none $d
			cp -a $B/bare-w/. $d/
			umount $B/bare-w ;;
		*)	mount_config "$c" $d ubdj ;;
		esac
		echo "guest.sh: writing round $r: $c"
		cd $d
		drop
		expect "$(count flat)" $UB -m "write/readdir-first/$c/$r" readdir flat
		expect "$CREATE_N" $UB -m "write/create/$c/$r" create small "$CREATE_N" 1024
		mark B "write/rm-rf/$c/$r"
		rc=0
		rm -rf rm 2> /tmp/rm.err || rc=$?
		mark E "write/rm-rf/$c/$r"
		if [ "$rc" != 0 ] || [ -e rm ]; then
			# overlayfs cannot remove a lower directory whose upper copy
			# has whiteouts when the upper lacks RENAME_EXCHANGE (ext2).
			[ "${c:0:2}" = oe ] || die "rm -rf failed: $(cat /tmp/rm.err)"
			echo "guest.sh: $c: rm -rf failed: $(head -1 /tmp/rm.err)"
			mark X "write/rm-rf/$c/$r"
		fi
		mark B "write/build/$c/$r"
		make -s -C src > /dev/null
		mark E "write/build/$c/$r"
		[ -x src/prog ] || die "the build made no program"
		case $c in
		bare-*) ;;
		*)	expect "$(count copy)" $UB -m "write/copyup-small/$c/$r" append "$lists/copy.list"
			$UB seqread big > /dev/null
			expect 1 $UB -m "write/copyup-1g/$c/$r" append "$lists/big.list"
			[ "$(stat -c %s big)" = $((BIG_MB << 20)) ] ||
				die "big has the wrong size after its copy-up" ;;
		esac
		cd /
		case $c in
		bare-*) umount $d ;;
		*) umount_config $d "$c" ;;
		esac
	done
}

case $mode in
main)
	. "$lists/params"	# BIG_MB CREATE_N
	prefault
	idle main
	setup_reading
	# Round 0 makes every configuration warm and runs the first lookups
	# (which make the directories on a union's top layer); not reported.
	for r in $(seq 0 "$rounds"); do
		reading_round "$r"
	done
	for r in $(seq 1 "$rounds"); do
		writing_round "$r"
	done
	idle main-end
	;;
walk)
	prefault
	idle walk
	mkdir -p $B/bare
	mount -t ext2 -o ro /dev/ubda $B/bare
	cd $B/bare
	for r in $(seq 0 "$rounds"); do
		expect "$(count walk-lo)" $UB -r 5 -m "walk/walk-lo-warm/bare/$r" lstat "$lists/walk-lo.list"
	done
	;;
*)	die "unknown mode $mode" ;;
esac
echo "guest.sh: done"
