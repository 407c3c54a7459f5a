#!/bin/bash
# e2fsprogs knows the ext2 union format (build/bin, userland/
# e2fsprogs-union.patch): e2fsck -fn finds an upper with whiteouts, opaque
# directories and fallthrus clean; debugfs shows them; mke2fs -O union makes
# the feature; e2fsck reports malformed union entries and flags, repairs
# them (-fy; -fp only where it is safe) to a clean file system, and the
# whiteouts it keeps still hide the lower names after a remount.
# uppers: ext2
. "$(dirname "$0")/../lib.sh"

E2BIN=$UNION_TOP/build/bin
for p in e2fsck debugfs mke2fs; do
	[ -x "$E2BIN/$p" ] || skip_all "$E2BIN/$p missing (make userland)"
done

src=$T/src
mkdir -p "$src/wd" "$src/od/sub" "$src/ft/fsub"
for f in a b c d wd/x od/y od/sub/z ft/e ft/f ft/fsub/g; do
	echo "lower-$f" > "$src/$f"
done
union_setup "$src"
U=$UNION_DIR

# Whiteouts, an opaque directory, fallthrus (and a complete directory).
rm "$U/a" "$U/b" "$U/d"
rm -r "$U/wd"
rm -r "$U/od" && mkdir "$U/od" && echo upper-od > "$U/od/new"
on_top ft
complete_dir ft
assert_dir_list "$U/ft" "e f fsub" "ft completed: its entries became fallthrus (fsub a directory)"
t_umount "$U"		# the union; the lower stays at $U

img=$UPPER_IMG
dfs() {	# dfs IMAGE REQUEST: debugfs -R REQUEST IMAGE, its banner left out
	"$E2BIN/debugfs" -R "$2" "$1" 2>&1 | grep -v '^debugfs [0-9.]* ('
}
# e2fsck_run IMAGE OPTS: e2fsck OPTS IMAGE; output in $out, status in $rc.
e2fsck_run() {
	out=$("$E2BIN/e2fsck" $2 "$1" 2>&1)
	rc=$?
}
# assert_has TEXT PATTERN DESCRIPTION: grep -e PATTERN finds TEXT's line.
# (Not grep -q: it may leave printf a broken pipe, which pipefail sees.)
assert_has() {
	if printf '%s\n' "$1" | grep -e "$2" >/dev/null; then
		ok "$3"
	else
		not_ok "$3"
		diag "no line matches: $2" "in:" "$1"
	fi
}

# --- a clean upper ------------------------------------------------------
fsck_image ext2 "$img"
assert_has "$(dfs "$img" features)" ' union' "the kernel set the union feature"
ls_root=$(dfs "$img" 'ls -l /')
for n in a b wd; do
	assert_has "$ls_root" "^ *1 *0 (8)  <whiteout> *$n\$" "debugfs ls -l /: $n is a whiteout"
done
assert_has "$(dfs "$img" 'ls /')" " <whiteout> a " "debugfs ls /: a marked as a whiteout"
ls_ft=$(dfs "$img" 'ls -l /ft')
for n in e f; do
	assert_has "$ls_ft" "^ *1 *0 (9)  <fallthru> *$n\$" "debugfs ls -l /ft: $n is a fallthru"
done
# The listing made the lower directory fsub on the top layer.
assert_has "$ls_ft" "^ *[0-9]* *40755 (2) .* fsub\$" "debugfs ls -l /ft: fsub is a directory"

assert_has "$(dfs "$img" 'stat /od')" '^Union: opaque$' "debugfs stat /od: opaque"
assert_has "$(dfs "$img" 'stat /ft')" '^Union: complete$' "debugfs stat /ft: complete"

# --- mke2fs -O union ----------------------------------------------------
if out=$("$E2BIN/mke2fs" -q -F -t ext2 -b 1024 -O union "$T/mk.img" 8M 2>&1); then
	assert_has "$(dfs "$T/mk.img" features)" ' union' "mke2fs -O union: the feature is set"
	fsck_image ext2 "$T/mk.img"
	mkdir -p "$T/mk"
	check "the kernel mounts a fresh union-featured ext2" \
		mount -t ext2 -o loop,ro "$T/mk.img" "$T/mk"
	umount "$T/mk" 2>/dev/null
else
	not_ok "mke2fs -O union"
	diag "$out"
fi

# --- malformed entries and flags ----------------------------------------
bs=$(dfs "$img" stats | sed -n 's/^Block size: *//p')
# dirent_set IMAGE DIR NAME FIELD VALUE: set FIELD (inode or type) of the
# entry NAME (a name, or #N: the Nth entry, from 0) of DIR in IMAGE.
dirent_set() {
	local blocks r
	blocks=$(dfs "$1" "blocks $2")
	r=$("$PYTHON" - "$1" "$bs" "$3" "$4" "$5" $blocks <<'EOF'
import struct, sys
img, bs, name, field, value = sys.argv[1:6]
bs, value = int(bs), int(value)
with open(img, 'r+b') as f:
    n = 0
    for blk in map(int, sys.argv[6:]):
        f.seek(blk * bs)
        buf = bytearray(f.read(bs))
        off = 0
        while off < bs:
            ino, rec_len, name_len, ftype = struct.unpack_from('<IHBB', buf, off)
            if rec_len < 8:
                break
            this = buf[off + 8:off + 8 + name_len].decode('latin-1')
            if ino or ftype:
                if this == name or name == '#%d' % n:
                    if field == 'inode':
                        struct.pack_into('<I', buf, off, value)
                    else:
                        buf[off + 7] = value
                    f.seek(blk * bs)
                    f.write(buf)
                    print('ok')
                    sys.exit(0)
                n += 1
            off += rec_len
print('no entry %s' % name)
EOF
)
	[ "$r" = ok ] || bail_out "dirent_set $*: $r"
}

cp "$img" "$T/clean.img"
big=$(($(dfs "$img" stats | sed -n 's/^Inode count: *//p') + 100))
new_ino=$(dfs "$img" 'stat /od/new' | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')
dirent_set "$img" / a inode "$big"	# whiteout with a bad inode number
dirent_set "$img" / b type 1		# inode 1, not a union file type
dirent_set "$img" / d inode 0		# unused entry, whiteout type
dirent_set "$img" /ft e inode 0		# unused entry, fallthru type
dirent_set "$img" /ft '#0' type 8	# '.' a whiteout
dirent_set "$img" /ft '#1' type 9	# '..' a fallthru
dirent_set "$img" /ft f inode "$new_ino" # fallthru type, a real inode
"$E2BIN/debugfs" -w -R "set_inode_field /od/new flags 0x04000000" "$img" >/dev/null 2>&1 ||
	bail_out "debugfs set_inode_field failed"

e2fsck_run "$img" -fn
assert_eq "$rc" 4 "e2fsck -fn on the damaged upper: errors left (status 4)"
assert_has "$out" "'a' in / (2) has the file type of a whiteout or fallthru (8), but inode $big, should be 1" \
	"-fn: a whiteout with a bad inode number"
assert_has "$out" "'b' in / (2) has inode 1, that of whiteouts and fallthrus, but file type 1" \
	"-fn: inode 1 with another file type"
assert_has "$out" "'d' in / (2) is unused, but has the file type of a whiteout (8)" \
	"-fn: an unused entry with the whiteout type"
assert_has "$out" "'e' in /ft ([0-9]*) has the file type of a whiteout or fallthru (9), but inode 0, should be 1" \
	"-fn: an unused entry with the fallthru type"
assert_has "$out" "^'\.' directory entry in directory inode [0-9]* is a whiteout or fallthru" \
	"-fn: '.' a whiteout"
assert_has "$out" "^'\.\.' directory entry in directory inode [0-9]* is a whiteout or fallthru" \
	"-fn: '..' a fallthru"
assert_has "$out" "'f' in /ft ([0-9]*) points to inode $new_ino, but has the file type of a whiteout or fallthru (was 9, should be 1)" \
	"-fn: a real inode's entry with the fallthru type"
assert_has "$out" "^Inode $new_ino is not a directory, but has union flags" \
	"-fn: the union flags on a regular file"
e2fsck_run "$img" -fp
assert_eq "$rc" 4 "e2fsck -fp: stops at the ambiguous cases (status 4)"
e2fsck_run "$img" -fy
assert_eq "$rc" 1 "e2fsck -fy repairs (status 1)"
[ "$rc" = 1 ] || diag "$out"
fsck_image ext2 "$img"
assert_has "$(dfs "$img" 'ls -l /')" "^ *1 *0 (8)  <whiteout> *a\$" "repaired: a is a whiteout again"
assert_has "$(dfs "$img" 'ls -l /ft')" "^ *1 *0 (9)  <fallthru> *e\$" "repaired: e is a fallthru again"
assert_has "$(dfs "$img" 'stat /od/new')" "Flags: 0x0\$" "repaired: the flag of /od/new cleared"
assert_has "$(dfs "$img" 'stat /od/new')" "^Links: 2 " "repaired: /od/new has the link of /ft/f"

# The repaired upper in the union again (a new loop device: nothing cached).
losetup -d "$UPPER_DEV" || bail_out "losetup -d $UPPER_DEV"
t_losetup "$img"
UPPER_DEV=$LOOPDEV
union_remount
assert_errno ENOENT lstat "$U/a"
assert_errno ENOENT lstat "$U/wd"
assert_errno ENOENT lstat "$U/wd/x"
assert_file_content "$U/b" lower-b "b, whose broken whiteout was cleared, shows the lower file"
assert_file_content "$U/d" lower-d "d, whose whiteout was an unused entry, shows the lower file"
assert_file_content "$U/c" lower-c "an untouched lower file"
assert_file_content "$U/od/new" upper-od "od/new"
assert_errno ENOENT lstat "$U/od/y"
assert_file_content "$U/ft/e" lower-ft/e "ft/e, whose fallthru was unused, by lookup"
assert_dir_list "$U/ft" "e f fsub" "ft lists the same names"
assert_file_content "$U/ft/f" upper-od "ft/f: the link e2fsck kept"
assert_file_content "$U/ft/fsub/g" lower-ft/fsub/g "through ft/fsub, merged with the lower one"
t_umount "$U"

# --- a rename cut short: the directory under its old and new names -------
# The kernel writes a renamed directory's new entry before it turns the old
# one into a whiteout; a crash between leaves both.  e2fsck -p makes the
# name it finds second a whiteout, and the union shows the directory once.
cp "$T/clean.img" "$T/twice.img"
losetup -d "$UPPER_DEV" || bail_out "losetup -d $UPPER_DEV"
t_losetup "$T/twice.img"
UPPER_DEV=$LOOPDEV
union_remount
check "rename of the merged directory ft to ft2" mv "$U/ft" "$U/ft2"
t_umount "$U"
assert_has "$(dfs "$T/twice.img" 'ls -l /')" "^ *1 *0 (8)  <whiteout> *ft\$" \
	"the rename left a whiteout at ft"
ft2_ino=$(dfs "$T/twice.img" 'stat /ft2' | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')
dirent_set "$T/twice.img" / ft inode "$ft2_ino"
dirent_set "$T/twice.img" / ft type 2
e2fsck_run "$T/twice.img" -fn
assert_eq "$rc" 4 "two names: e2fsck -fn finds the second (status 4)"
assert_has "$out" "is a link to directory /ft.* ($ft2_ino): a rename on a union's top layer" \
	"two names: -fn reports a rename cut short"
e2fsck_run "$T/twice.img" -fp
assert_eq "$rc" 1 "two names: e2fsck -fp repairs it unattended (status 1)"
[ "$rc" = 1 ] || diag "$out"
fsck_image ext2 "$T/twice.img"
losetup -d "$UPPER_DEV" || bail_out "losetup -d $UPPER_DEV"
t_losetup "$T/twice.img"
UPPER_DEV=$LOOPDEV
union_remount
names=$(ls "$U" | grep -x -e ft -e ft2 | tr '\n' ' ')
case $names in
"ft "|"ft2 ") ok "two names: the directory shows under one name ($names)" ;;
*) not_ok "two names: the directory shows under one name"; diag "ls: $names" ;;
esac
d=$U/${names% }
assert_dir_list "$d" "e f fsub" "two names: $d lists the lower directory's names"
assert_file_content "$d/fsub/g" lower-ft/fsub/g "two names: $d/fsub/g from the lower ft"
t_umount "$U"

# --- a directory cut off: made, but its entry never reached the disk -----
# A lookup copies a lower directory up by mkdir; ext2 may write the new
# inode (its inode table block is shared) before the parent's entry.  An
# empty one holds nothing: e2fsck -p clears it, where plain e2fsck would
# stop and ask to put it in lost+found, which the merged view shows.  A
# directory that holds something, or a redirect, still goes to a person.
cp "$T/clean.img" "$T/cut.img"
"$E2BIN/debugfs" -w -R "mkdir /cut" "$T/cut.img" >/dev/null 2>&1 &&
	"$E2BIN/debugfs" -w -R "unlink /cut" "$T/cut.img" >/dev/null 2>&1 ||
	bail_out "debugfs mkdir/unlink /cut failed"
e2fsck_run "$T/cut.img" -fn
assert_eq "$rc" 4 "cut off: e2fsck -fn finds the directory (status 4)"
assert_has "$out" "^Unconnected empty directory inode [0-9]* (was in /): a directory made on a union's top layer" \
	"cut off: -fn reports an empty directory a crash cut off"
e2fsck_run "$T/cut.img" -fp
assert_eq "$rc" 1 "cut off: e2fsck -fp clears it unattended (status 1)"
[ "$rc" = 1 ] || diag "$out"
fsck_image ext2 "$T/cut.img"
case $(dfs "$T/cut.img" 'ls /lost+found') in
*'#'*) not_ok "cut off: nothing put in lost+found" ;;
*) ok "cut off: nothing put in lost+found" ;;
esac
cp "$T/clean.img" "$T/cutredir.img"
"$E2BIN/debugfs" -w -R "mkdir /cutr" "$T/cutredir.img" >/dev/null 2>&1 &&
	"$E2BIN/debugfs" -w -R "ea_set /cutr trusted.union.redirect /ft" \
		"$T/cutredir.img" >/dev/null 2>&1 &&
	"$E2BIN/debugfs" -w -R "unlink /cutr" "$T/cutredir.img" >/dev/null 2>&1 ||
	bail_out "debugfs mkdir/ea_set/unlink /cutr failed"
e2fsck_run "$T/cutredir.img" -fp
assert_eq "$rc" 4 "cut off, with a redirect: e2fsck -fp leaves it to a person (status 4)"
cp "$T/clean.img" "$T/cutfull.img"
"$E2BIN/debugfs" -w -R "unlink /od" "$T/cutfull.img" >/dev/null 2>&1 ||
	bail_out "debugfs unlink /od failed"
e2fsck_run "$T/cutfull.img" -fp
assert_eq "$rc" 4 "cut off, not empty: e2fsck -fp leaves it to a person (status 4)"

# --- the feature lost: -fn reports, -fp stops, -fy sets it again ---------
cp "$T/clean.img" "$T/nofeat.img"
"$E2BIN/debugfs" -w -R "feature -union" "$T/nofeat.img" >/dev/null 2>&1 ||
	bail_out "debugfs feature -union failed"
e2fsck_run "$T/nofeat.img" -fn
assert_eq "$rc" 4 "no feature: e2fsck -fn finds errors (status 4)"
assert_has "$out" "'a' in / (2) is a whiteout or fallthru, but superblock is missing UNION feature" \
	"no feature: -fn offers to set the feature"
assert_has "$out" "'a' in / (2) is a whiteout or fallthru on a filesystem without the union feature" \
	"no feature: -fn reports a whiteout"
e2fsck_run "$T/nofeat.img" -fp
assert_eq "$rc" 4 "no feature: e2fsck -fp leaves it to a person (status 4)"
e2fsck_run "$T/nofeat.img" -fy
assert_eq "$rc" 1 "no feature: e2fsck -fy sets it (status 1)"
[ "$rc" = 1 ] || diag "$out"
assert_has "$(dfs "$T/nofeat.img" features)" ' union' "no feature: set again"
fsck_image ext2 "$T/nofeat.img"
assert_has "$(dfs "$T/nofeat.img" 'ls -l /')" "^ *1 *0 (8)  <whiteout> *wd\$" \
	"no feature: the whiteouts kept"
assert_has "$(dfs "$T/nofeat.img" 'stat /od')" '^Union: opaque$' "no feature: the flags kept"

done_testing
