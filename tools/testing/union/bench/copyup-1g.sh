#!/bin/bash
# Time the copy-up of one 1 GiB lower file: union mounts against overlayfs
# over the same lower layer, with a tmpfs and an ext2 top (upper) layer,
# in one boot, rounds interleaved.  Run inside UML by scripts/bench-copyup
# (which makes the lower image); prints one line per run and the medians.
#
# The copy-up is triggered by open(O_WRONLY|O_APPEND) and a zero-length
# write: the time is the open's, which is the copy.  The lower file is in
# the page cache for every run (read once before), so that the lower
# device's speed does not count.
set -euo pipefail
img=$1
rounds=${2:-3}
SYSOP=$UNION_TOP/build/bin/union-sysop
MOUNT=$UNION_TOP/build/bin/mount
w=/tmp/bench
mkdir -p $w/lower
mount -t ext2 -o ro,loop "$img" $w/lower
cat $w/lower/big > /dev/null

now() { date +%s.%N; }

# run KIND TOP: one copy-up; prints the seconds it took.
run() {
	local kind=$1 top=$2 t0 t1 m=$w/m
	mkdir -p $m $w/t
	case $top in
	tmpfs) mount -t tmpfs -o size=1300m top $w/t ;;
	ext2)	truncate -s 1200m /tmp/upper.img
		mke2fs -q -F -t ext2 -b 4096 /tmp/upper.img
		mount -t ext2 -o loop /tmp/upper.img $w/t ;;
	esac
	case $kind in
	union)
		mount --bind -o ro $w/lower $m
		umount $w/t
		case $top in
		tmpfs) $MOUNT -t tmpfs -o union,size=1300m top $m ;;
		ext2) $MOUNT -t ext2 -o union,loop /tmp/upper.img $m ;;
		esac ;;
	overlay)
		mkdir -p $w/t/u $w/t/w
		mount -t overlay -o lowerdir=$w/lower,upperdir=$w/t/u,workdir=$w/t/w ov $m ;;
	esac
	t0=$(now)
	$SYSOP append $m/big "" > /dev/null
	t1=$(now)
	[ "$(stat -c %s $m/big)" = 1073741824 ] || { echo "bad size" >&2; exit 1; }
	umount $m
	[ $kind = union ] && umount $m
	[ $kind = overlay ] && umount $w/t
	rm -f /tmp/upper.img
	echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

# Round 0 only warms up: the first use of guest memory is slow in UML
# (the host faults it in), whichever configuration comes first.  The
# order alternates between rounds, so that neither kind always goes first.
kinds() {	# kinds ROUND
	if [ $(($1 % 2)) = 0 ]; then echo overlay union; else echo union overlay; fi
}
for top in tmpfs ext2; do
	for kind in $(kinds 0); do
		echo "round 0 (warm-up): $kind, $top top: $(run $kind $top)s"
	done
done
declare -A times
for r in $(seq "$rounds"); do
	for top in tmpfs ext2; do
		for kind in $(kinds "$r"); do
			t=$(run $kind $top)
			echo "round $r: $kind, $top top: ${t}s"
			times[$kind.$top]+="$t "
		done
	done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
echo
echo "| top layer | union mounts (s) | overlayfs (s) | union / overlayfs |"
echo "|---|---|---|---|"
for top in tmpfs ext2; do
	u=$(echo "${times[union.$top]}" | median)
	o=$(echo "${times[overlay.$top]}" | median)
	echo "| $top | $u | $o | $(awk -v u="$u" -v o="$o" 'BEGIN {printf "%.2f", u / o}') |"
done
echo "(median of $rounds interleaved rounds, 1 GiB of random data, lower in page cache)"
