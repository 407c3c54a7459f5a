#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest side of make crash (crash.py): runs inside UML with the lower
# squashfs on /dev/ubda and the ext2 top layer on /dev/ubdb.
#
#   guest.sh work SEED    union-mount, then change the union at random
#                         until the host kills the guest
#   guest.sh verify       union-mount again after e2fsck, and compare
#                         with the lower layer and $RESULTS/synced
#
# The lower tree (crash.py makes it): c/f0..f19 (files of up to 4 MiB,
# copied up by chmod: their data must never change), a/l0..l3 (appended to
# with fsync: what was fsynced must be there), r0..r3/ (directories of
# files, renamed to rN-m and back), flat0..flat3/ (500 empty files each,
# listed, completed on the top layer by an rmdir that finds them not
# empty, and copied up by utime, before and after that).
#
# "work" prints "GO" when it starts, then "SYNCED a/lN K" once line K of
# a/lN is on disk.  "verify" prints "MISMATCH ..." for each problem and
# "VERIFY OK" if there is none.
set -u

die() { echo "MISMATCH $*"; exit 1; }

mkdir -p /tmp/l /tmp/u
mount -t squashfs -o ro /dev/ubda /tmp/l || die "cannot mount the lower"
mount -t squashfs -o ro /dev/ubda /tmp/u || die "cannot mount the lower under the union"
mount -t ext2 -o union /dev/ubdb /tmp/u || die "cannot mount the union"
cd /tmp/u || die "cd"

work() {
	local seed=$1 n=0 k line
	local -a lines=(0 0 0 0)
	RANDOM=$seed
	echo GO
	while :; do
		case $((RANDOM % 7)) in
		0|1)	chmod 0640 "c/f$((RANDOM % 20))" ;;
		2)	k=$((RANDOM % 4))
			line=${lines[k]}
			printf 'line %d\n' "$line" |
				dd of="a/l$k" oflag=append conv=notrunc,fsync status=none &&
				echo "SYNCED a/l$k $line"
			lines[k]=$((line + 1)) ;;
		3)	k=$((RANDOM % 4))
			if [ -d "r$k" ]; then mv "r$k" "r$k-m"; else mv "r$k-m" "r$k"; fi ;;
		4)	k=$((RANDOM % 4))
			ls -f "flat$k" > /dev/null
			rmdir "flat$k" 2> /dev/null ;;
		5)	sync ;;
		6)	touch -m -d @$RANDOM \
				"flat$((RANDOM % 4))/n$(printf %03d $((RANDOM % 500)))" ;;
		esac
		n=$((n + 1))
	done
}

verify() {
	local f k want got last bad=0
	mismatch() { echo "MISMATCH $*"; bad=1; }

	for k in $(seq 0 19); do
		cmp -s "c/f$k" "/tmp/l/c/f$k" || mismatch "c/f$k differs from the lower file"
	done
	for k in 0 1 2 3; do
		# The lower line, then lines 0..LAST (the last one fsynced)
		# in order.  What follows was not fsynced: ext2 promises nothing
		# about it.
		[ "$(head -1 "a/l$k")" = "$(cat "/tmp/l/a/l$k")" ] ||
			mismatch "a/l$k: the lower line is gone"
		last=$(awk -v f="a/l$k" '$1 == f { n = $2 } END { print n }' "$RESULTS/synced")
		[ -n "$last" ] || continue
		got=$(tail -n +2 "a/l$k" | head -n $((last + 1)) |
			awk -v last="$last" '!bad && $0 != "line " NR - 1 { print NR - 1; bad = 1 }
				END { if (!bad && NR <= last) print NR }')
		[ -z "$got" ] || mismatch "a/l$k: fsynced line $got of 0..$last is wrong or missing"
	done
	for k in 0 1 2 3; do
		if [ -d "r$k" ] && [ -e "r$k-m" ]; then
			mismatch "both r$k and r$k-m"
		elif [ -d "r$k" ]; then
			diff -r "r$k" "/tmp/l/r$k" > /dev/null || mismatch "r$k differs"
		elif [ -d "r$k-m" ]; then
			diff -r "r$k-m" "/tmp/l/r$k" > /dev/null || mismatch "r$k-m differs"
		else
			mismatch "neither r$k nor r$k-m"
		fi
	done
	for k in 0 1 2 3; do
		want=$(ls "/tmp/l/flat$k" | sort | md5sum)
		got=$(ls "flat$k" | sort | md5sum)
		[ "$want" = "$got" ] || mismatch "flat$k lists other names"
		got=$(find "flat$k" -type f -size +0 | head -3)
		[ -z "$got" ] || mismatch "flat$k has data in empty files: $got"
	done
	want=$(ls /tmp/l | sed 's/-m$//' | sort | md5sum)
	got=$(ls | grep -vx lost+found | sed 's/-m$//' | sort | md5sum)
	[ "$want" = "$got" ] || mismatch "the root lists other names: $(ls | tr '\n' ' ')"
	want=$(ls -a /tmp/l/c | md5sum)
	got=$(ls -a c | md5sum)
	[ "$want" = "$got" ] || mismatch "c/ lists other names: $(ls -a c | tr '\n' ' ')"
	cd /
	umount /tmp/u || mismatch "umount of the union failed"
	[ $bad = 0 ] && echo "VERIFY OK"
	return $bad
}

case ${1:-} in
work) work "${2:-1}" ;;
verify) verify ;;
*) echo "usage: guest.sh work SEED | verify" >&2; exit 2 ;;
esac
