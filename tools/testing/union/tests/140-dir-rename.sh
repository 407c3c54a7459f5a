#!/bin/bash
# rename() of lower-only and merged directories: moved with everything
# below them (their lower entries follow them, nothing is copied), renamed
# again, back, into new and lower directories, over an empty merged
# directory (a non-empty one: ENOTEMPTY), swapped with RENAME_EXCHANGE,
# into one of their own subdirectories (EINVAL); then changed inside
# (new files, unlink, copy-up, rmdir).  After every step the whole merged
# tree (names, types, sizes, link counts, data) must equal a plain tmpfs
# tree that went through the same calls, and again after a remount (or
# dropped caches); the old names stay gone.  The top layer records each
# move on the moved directory (trusted.union.redirect), which the merged
# view does not show; e2fsck finds the ext2 top clean.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

l1=$T/src1
l2=$T/src2
ref=$T/ref
mkdir -p "$l2/a/s/t" "$l2/a/deep/x/y" "$l2/b/c" "$l2/m" "$l2/tgt/k" \
	"$l2/etgt" "$l2/p/q" "$l2/e1/e2"
echo f > "$l2/a/f"
echo g > "$l2/a/s/g"
echo y > "$l2/a/deep/x/y/yf"
echo c > "$l2/b/c/cf"
echo m2 > "$l2/m/m2"
echo k > "$l2/tgt/k/kf"
echo q > "$l2/p/q/qf"
mkdir -p "$l1/a/s" "$l1/m/sub"
echo h > "$l1/a/s/h"
echo m1 > "$l1/m/m1"
echo lower1-f > "$l1/m/sub/sf"
union_setup "$l1" "$l2"
U=$UNION_DIR

mkdir -p "$ref"
cp -a "$l2/." "$ref/"
cp -a "$l1/." "$ref/"

# same DESCRIPTION: the union and the reference hold the same tree.
same() {
	assert_same_tree "$U" "$ref" "$1"
}
# both ERRNO CALL ARGS...: run a sysop call on the union and on the
# reference (paths relative to each); both must give ERRNO.
both() {
	local e=$1 op=$2 a=$3 b=${4:-} f=${5:-}
	assert_errno "$e" "$op" "$U/$a" ${b:+"$U/$b"} $f
	assert_errno "$e" "$op" "$ref/$a" ${b:+"$ref/$b"} $f
}

# lower_obj UPATH N LPATH DESC: UPATH in the union is LPATH of lower N.
lower_obj() {
	local got want
	got="$(_t_ino "$U/$1") $(_t_dev "$U/$1")"
	want="$(_t_ino "${LOWER_DIRS[$2 - 1]}/$3") $(_t_dev "${LOWER_DIRS[$2 - 1]}/$3")"
	# As the union shows it, where it keeps numbers (see assert_layer).
	if [ "${got#* }" = "$TOP_DEV" ]; then
		want="$(( ${want% *} + $2 * (1 << 48) )) $TOP_DEV"
	fi
	assert_eq "$got" "$want" "$4"
	assert_eq "$($SYSOP fidtype "$U/$1")" $FILEID_UNION_LOWER "$4 (its handle)"
}

same "the merged tree before any change"
# A lower-only and a merged directory, each holding merged subdirectories.
both 0 rename a a2
both 0 rename m m3
same "a lower-only and a merged directory renamed"
assert_absent "$U/a" "the old name a is gone"
assert_absent "$U/m" "the old name m is gone"
lower_obj a2/s/h 1 a/s/h "a2/s/h: still the lower file, not a copy"
lower_obj a2/f 2 a/f "a2/f: still the lower file"
# Again: a subdirectory out of a moved one, into a new top-layer one and
# into a lower directory; the moved one renamed again and back.
both 0 mkdir z
both 0 rename a2/s z/s2
both 0 rename a2/deep b/c/deep2
both 0 rename a2 a3
both 0 rename a3 a
same "moved again, out of moved directories, and back to the old name"
union_fresh
same "after a remount"
lower_obj z/s2/g 2 a/s/g "z/s2/g: found through the recorded path"

# Over directories.
both ENOTEMPTY rename m3 tgt
both 0 rename m3 etgt
# swap A B: RENAME_EXCHANGE; ext2 and jffs2 have none (EINVAL, as
# without a union), so three renames there.
swap() {
	if [ "$UPPER" = tmpfs ]; then
		both 0 rename "$1" "$2" exchange
		return
	fi
	assert_errno EINVAL rename "$U/$1" "$U/$2" exchange
	both 0 rename "$1" swap.tmp
	both 0 rename "$2" "$1"
	both 0 rename swap.tmp "$2"
}
swap b tgt
swap e1 p/q
same "over an empty lower directory, and swapped with others"
both EINVAL rename tgt tgt/c/deep2
both ENOTEMPTY rename etgt tgt
both 0 rename b/k p/newk
same "the refused renames changed nothing"
union_fresh
same "after a remount"

# Changes inside moved directories.
echo new > "$U/etgt/new"; echo new > "$ref/etgt/new"
both 0 unlink etgt/m2
both 0 unlink etgt/sub/sf
for t in "$U" "$ref"; do echo more >> "$t/tgt/c/deep2/x/y/yf"; done
assert_layer tgt/c/deep2/x/y/yf upper "a file of a moved directory copied up"
both ENOTEMPTY rmdir tgt/c
both 0 rmdir etgt/sub
both 0 mkdir etgt/sub
same "new files, whiteouts, copy-up and rmdir in moved directories"
union_fresh
same "after a remount"
assert_dir_list "$U/etgt/sub" "" "a directory made where a moved one was removed is empty"

# Everything removed; the old names stay gone.
check "rm -r a moved merged directory" rm -r "$U/etgt" "$U/z"
rm -r "$ref/etgt" "$ref/z"
same "moved directories removed"
assert_absent "$U/m" "the old name m stays gone"
assert_eq "$(ls "$U" | grep -vx lost+found | tr '\n' ' ')" "a b e1 p tgt " \
	"the merged root"
assert_eq "$($SYSOP listxattr "$U/tgt")" "" \
	"the union's own xattr is not in the merged view"
assert_errno ENODATA getxattr "$U/tgt" trusted.union.redirect
union_fresh
same "after a remount"

if upper_alone; then
	assert_eq "$($SYSOP getxattr "$UPPER_DIR/tgt" trusted.union.redirect)" /b \
		"upper alone: tgt records that its lower directories are /b"
	assert_eq "$($SYSOP getxattr "$UPPER_DIR/a" trusted.union.redirect)" /a \
		"upper alone: a, moved back, records /a"
	union_remount
	same "after the upper was mounted alone"
fi
for p in a/f a/s/g a/deep/x/y/yf b/c/cf m/m2 tgt/k/kf; do
	assert_exists "${LOWER_DIRS[1]}/$p" "lower alone: $p untouched"
done
done_testing
