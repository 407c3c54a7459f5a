#!/bin/bash
# A merged directory that was never listed is listed correctly when the
# top layer cannot be written: with the union remounted read-only, with
# only the union's mount read-only (remount,bind,ro), and (ext2 top) with
# the top file system full.  The
# listing is the merged view as lookups see it (upper files, files of the
# higher lower over the lower one, whiteouts, an opaque directory, a lower
# directory hidden by a file, a directory only the lowers have), with
# d_type and d_ino as lstat gives them, stable telldir()/seekdir()
# offsets across many getdents calls, and nothing written: the union's
# counters of pass-through entries and completed directories stay as they
# were.  Writable again, the listing is the same, and writes nothing
# either.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

nbig=1500
[ -n "$QUICK" ] && nbig=600
l1=$T/l1 l2=$T/l2
mkdir -p "$l2/m/hid" "$l2/m/sub" "$l2/m/big" "$l2/m/only/deep" "$l1/m/sub"
for n in a b c d; do echo "l2 $n" > "$l2/m/$n"; done
echo x > "$l2/m/sub/x"
echo y > "$l2/m/hid/y"
for ((i = 0; i < nbig; i++)); do : > "$l2/m/big/f$i"; done
echo "l1 c" > "$l1/m/c"
echo "l1 e" > "$l1/m/e"
echo "l1 hid" > "$l1/m/hid"
echo z > "$l1/m/sub/z"
union_setup "$l1" "$l2"
U=$UNION_DIR
M=$U/m

# Changes that leave m and m/big never listed: an upper file, a copy-up,
# a whiteout, an opaque directory; lookups of the directories (m/only is
# looked up, never listed).
echo up > "$M/up"
echo over > "$M/a"
rm "$M/b"
rm "$M/sub/x" "$M/sub/z"
rmdir "$M/sub"
mkdir "$M/sub"
touch "$M/big/new"
rm "$M/big/f7"
stat "$M/only" "$M/only/deep" > /dev/null
want_m="a big c d e hid only sub up"

D=/sys/kernel/debug
[ -d $D/union ] || mount -t debugfs debugfs $D 2> /dev/null
top=$(stat -c '%Hd:%Ld' "$U")
stat_of() {	# stat_of NAME: that counter of this union, or "-" (no debugfs)
	[ -e $D/union/mounts ] || { echo -; return; }
	awk -v dev="$top" -v n="$1" '/^union/ { mine = 0 }
		/^  top / && $NF == dev { mine = 1 }
		mine && $1 == n { print $2 }' $D/union/mounts
}
counters() { echo "fallthrus $(stat_of fallthrus) dirs_completed $(stat_of dirs_completed)"; }
before=$(counters)

# listed_right WHAT: m and m/big list what the merged view holds.
listed_right() {
	assert_dir_list "$M" "$want_m" "$1: readdir of m"
	check "$1: d_type and d_ino of m's entries as lstat gives them" \
		"$PYTHON" "$UNION_TOOLS/dirtool.py" verify "$M"
	assert_eq "$($SYSOP readdir "$M/big" | wc -w)" "$nbig" \
		"$1: m/big lists $nbig names (one whited out, one new)"
	check "$1: telldir/seekdir in m/big" \
		"$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$M/big" 1
	assert_dir_list "$M/sub" "" "$1: the opaque m/sub is empty"
	assert_eq "$(cat "$M/c")" "l1 c" "$1: m/c is the higher lower's"
}

mount -o remount,ro "$U" || bail_out "remount,ro of the union failed"
listed_right "union read-only"
assert_eq "$(counters)" "$before" "union read-only: nothing written"
mount -o remount,rw "$U" || bail_out "remount,rw of the union failed"

mount -o remount,bind,ro "$U" || bail_out "remount,bind,ro of the union failed"
listed_right "the union's mount read-only"
assert_eq "$(counters)" "$before" "the union's mount read-only: nothing written"
assert_errno EROFS mkdir "$M/new"
mount -o remount,bind,rw "$U" || bail_out "remount,bind,rw of the union failed"

# A full top layer: the first listing of m cannot add its entries.
if [ "$UPPER" = ext2 ]; then
	dd if=/dev/zero of="$U/fill" bs=64k 2> /dev/null
	# The blocks dd could not use (it needs an indirect block too).
	for ((i = 0; i < 100; i++)); do
		mkdir "$U/filler$i" 2> /dev/null || break
	done
	assert_errno ENOSPC mkdir "$U/full-test"
	listed_right "top layer full"
	rm -r "$U/fill" "$U"/filler*
fi

listed_right "writable again"
assert_eq "$(counters)" "$before" "writable again: nothing written"
if upper_alone; then
	union_remount
	listed_right "after a remount"
fi
done_testing
