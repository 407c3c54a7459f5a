#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside a UML guest (scripts/uml-run): run fstests on an ext2 or tmpfs
# top layer, bare or as a union's top.  Not for use on the host.
#
#   guest.sh MODE FSTYP FSTESTS LIST CHUNK
#
# MODE: union or bare.  FSTESTS: the built fstests tree (read-only here).
# LIST: a file of test names to run (generic/001 ...), one per line, run
# CHUNK at a time by fstests' ./check, each chunk's output in
# $RESULTS/chunk-N.log, which ends with "xfstests-guest: chunk TESTS done"
# once the chunk has finished (xfstests.py reads them).
# Disks: /dev/ubdb (test), /dev/ubdc (scratch), /dev/ubda (the union's
# lower: a squashfs of an empty directory, as overlayfs's -overlay runs
# use an empty lower).  Results go to $RESULTS/results (fstests' own
# layout: check.log, NAME.out.bad, NAME.full, NAME.notrun).
set -u
# All of it in braces: bash reads the script before running any of it,
# so that editing this file while it runs cannot break the run.
{
mode=$1 fstyp=$2 fstests=$3 list=$4 chunk=${5:-20}
here=$(cd "$(dirname "$0")" && pwd)

# The users and groups fstests asks for, in the guest only (su(1) wants
# them in shadow too).
for f in passwd group shadow; do
	cp /etc/$f /tmp/$f
done
for u in fsgqa:1500 fsgqa2:1501 123456-fsgqa:1502; do
	echo "${u%:*}:x:${u#*:}:${u#*:}::/tmp:/bin/bash" >> /tmp/passwd
	echo "${u%:*}:x:${u#*:}:" >> /tmp/group
	echo "${u%:*}:*:19000:0:99999:7:::" >> /tmp/shadow
done
for f in passwd group shadow; do
	mount --bind /tmp/$f /etc/$f
done

# Some tests talk to themselves over the loopback (generic/131's locks).
ip link set lo up 2>/dev/null || busybox ip link set lo up

mkdir -p /tmp/xfs/test /tmp/xfs/scratch /tmp/xfs/tmp
export FSTYP=$fstyp TEST_DIR=/tmp/xfs/test SCRATCH_MNT=/tmp/xfs/scratch
case $fstyp in
ext2)
	export TEST_DEV=/dev/ubdb SCRATCH_DEV=/dev/ubdc
	mke2fs -q -F -t ext2 "$TEST_DEV" || exit 1 ;;
tmpfs)
	export TEST_DEV=tmpfs_test SCRATCH_DEV=tmpfs_scratch ;;
*)
	echo "guest.sh: no top layer $fstyp" >&2; exit 2 ;;
esac
export XFS_UNION=0
[ "$mode" = union ] && XFS_UNION=1
export XFS_LOWER=/dev/ubda XFS_LOWER_TYPE=squashfs
export XFS_REAL_MOUNT=$(type -P mount) XFS_REAL_UMOUNT=$(type -P umount)
export PATH=$here/bin:$PATH
export RESULT_BASE=$RESULTS/results HOST_OPTIONS=/dev/null
export LOGWRITES_DEV= USE_EXTERNAL=no
mkdir -p "$RESULT_BASE"

cd "$fstests" || exit 1
mapfile -t tests < "$list"
for ((i = 0; i < ${#tests[@]}; i += chunk)); do
	part=("${tests[@]:i:chunk}")
	log=$RESULTS/chunk-$((i / chunk)).log
	./check "${part[@]}" 2>&1 | tee "$log"
	echo "xfstests-guest: chunk ${part[*]} done" >> "$log"
done
exit
}
