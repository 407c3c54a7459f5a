#!/bin/bash
# Copy-ups and creates on an ext2 top survive a crash at any moment: the
# image as the top layer's device has it right after them (what a crash
# would leave), repaired with e2fsck -p, still has every name of a
# complete directory, each a fallthru to its lower object or its complete
# copy (files and symlinks), and a file made again over a whiteout in a
# directory not complete is there, or the whiteout is: never the lower
# file.  Before the fix, the entries were written (ext2 writes directory
# entries synchronously) but not their inodes, a copied file's link count
# still 0 from the O_TMPFILE: e2fsck freed the inodes and removed the
# entries, and the directory's complete flag hid the lower files.
# uppers: ext2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

E2BIN=$UNION_TOP/build/bin
for p in e2fsck debugfs; do
	[ -x "$E2BIN/$p" ] || skip_all "$E2BIN/$p missing (make userland)"
done
n=20
src=$T/src
mkdir -p "$src/d" "$src/d2"
for ((i = 0; i < n; i++)); do
	echo "lower $i" > "$src/d/f$i"
done
for i in 0 1 2 3; do
	ln -s "f$i" "$src/d/s$i"
done
echo lower-g > "$src/d2/g"
union_setup "$src"
U=$UNION_DIR
complete_dir d

assert_eq "$(ls "$U/d" | wc -l)" "$((n + 4))" "the complete directory lists every name"
for ((i = 0; i < n; i += 2)); do
	touch -m -d @$((1000 + i)) "$U/d/f$i"
done
for i in 0 1 2 3; do
	touch -h -d @$((2000 + i)) "$U/d/s$i"
done
assert_layer d/f0 upper "utime copied f0 up"
assert_layer d/s0 upper "utime copied the symlink s0 up"
rm "$U/d2/g"
echo upper-g > "$U/d2/g"

# The crash: the top layer's image as its device has it now.
cp "$UPPER_IMG" "$T/crash.img"
out=$("$E2BIN/e2fsck" -fp "$T/crash.img" 2>&1)
rc=$?
if [ $rc -le 1 ]; then
	ok "e2fsck -fp repairs the crash image unattended"
else
	not_ok "e2fsck -fp repairs the crash image unattended (exit $rc)"
	diag "$out"
fi
# debugfs lists removed entries too, with inode 0.
listing=$("$E2BIN/debugfs" -R "ls -l /d" "$T/crash.img" 2>&1)
# named LISTING NAME: LISTING has an entry NAME that e2fsck kept.
named() {
	awk -v n="$2" '$1 != 0 && $NF == n { f = 1 } END { exit !f }' <<< "$1"
}
missing=
for ((i = 0; i < n; i++)); do
	named "$listing" "f$i" || missing+=" f$i"
done
for i in 0 1 2 3; do
	named "$listing" "s$i" || missing+=" s$i"
done
assert_eq "$missing" "" "after the crash, every name is in the complete directory"
if [ -n "$missing" ]; then
	diag "$out" "$listing"
fi
check "after the crash, d2/g is the new file or the whiteout" \
	named "$("$E2BIN/debugfs" -R "ls -l /d2" "$T/crash.img" 2>&1)" g
done_testing
