#!/bin/bash
# Access times.  A read of a file that lives in a lower layer does not
# change its atime: the lower layer is never written, and reading is not
# a reason to copy up (the union behaves as if that file were on a
# noatime mount).  Once a file is on the top layer, its atime follows the
# union mount's options like any file: strictatime updates it on every
# read, noatime never, relatime (the default) when it is older than the
# mtime (jffs2 never updates atimes: it is always noatime).  Listing a
# merged directory the first time (its copy-up) does not change its
# times.  The lower layer stays unchanged throughout.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
T0=1000000000
mkdir -p "$src/d/sub"
for f in lower strict noatime relatime; do
	echo "$f" > "$src/d/$f"
done
touch -d "@$T0" "$src/d/"* "$src/d/sub" "$src/d"
union_setup "$src"
U=$UNION_DIR
atime() { stat -c %X "$1"; }
# remount_atime MODE: the union's atime mode (mount(2) itself: mount(8)
# would keep the options it finds in mountinfo).
remount_atime() {
	$SYSOP mount none "$U" none "remount,$1" >/dev/null ||
		bail_out "remount $1"
}
updates() {	# updates: does a read on the top layer update atimes at all?
	[ "$UPPER" != jffs2 ]
}

cat "$U/d/lower" > /dev/null
assert_eq "$(atime "$U/d/lower")" $T0 "reading a lower file leaves its atime"
assert_layer d/lower lower "and does not copy it up"
remount_atime strictatime
cat "$U/d/lower" > /dev/null
assert_eq "$(atime "$U/d/lower")" $T0 "even on a strictatime union"

# Copy up three files by a change that keeps their times (chown to the
# same owner), then read them under each atime mode.
for f in strict noatime relatime; do
	chown 0:0 "$U/d/$f"
	assert_layer "d/$f" upper "$f copied up"
	assert_eq "$(atime "$U/d/$f")" $T0 "the copy of $f keeps the lower atime"
done
cat "$U/d/strict" > /dev/null
if updates; then
	check "strictatime: a read of a copied-up file updates its atime" \
		test "$(atime "$U/d/strict")" -gt $T0
else
	assert_eq "$(atime "$U/d/strict")" $T0 "jffs2: a read leaves the atime"
fi
remount_atime noatime
cat "$U/d/noatime" > /dev/null
assert_eq "$(atime "$U/d/noatime")" $T0 "noatime: a read leaves it"
remount_atime relatime
cat "$U/d/relatime" > /dev/null
if updates; then
	check "relatime: a read updates an atime not newer than the mtime" \
		test "$(atime "$U/d/relatime")" -gt $T0
else
	assert_eq "$(atime "$U/d/relatime")" $T0 "jffs2: a read leaves the atime"
fi
# relatime also updates an atime not newer than the ctime.  The chown
# above set the ctime, and on a file system with one-second timestamps
# (ext2) the first read may land in that same second: then one more read
# may update the atime again, as it would on the bare file system.  Once
# the atime is newer than both, a read must leave it.
ts() { stat -c "%.9$2" "$1"; }	# ts FILE X|Y|Z: full-precision time
f=$U/d/relatime
if [ "$(ts "$f" X)" \> "$(ts "$f" Z)" ] || ! updates; then
	before=$(atime "$f")
	cat "$f" > /dev/null
	assert_eq "$(atime "$f")" "$before" \
		"relatime: a second read leaves the new atime"
else
	before=$(ts "$f" X)
	cat "$f" > /dev/null
	check "relatime: an atime as old as the ctime may move forward" \
		test ! "$(ts "$f" X)" \< "$before"
	if [ "$(ts "$f" X)" \> "$(ts "$f" Z)" ]; then
		before=$(atime "$f")
		cat "$f" > /dev/null
		assert_eq "$(atime "$f")" "$before" \
			"relatime: a read leaves an atime newer than the ctime"
	else
		check "relatime: still in the ctime's second, the atime is that second" \
			test "$(atime "$f")" = "$(stat -c %Z "$f")"
	fi
fi

# A merged directory's top copy keeps its times, and so do a listing of
# it and its completion (by an rmdir() that finds it not empty).  (The
# lower's own atimes are compared: making an ext2 image reads the
# directories, which may have moved theirs.)
assert_eq "$(stat -c '%X %Y' "$U/d/sub")" "$(stat -c '%X %Y' "$LOWER_DIR/d/sub")" \
	"a lower directory's top copy keeps its times"
remount_atime noatime
ls "$U/d" > /dev/null
assert_eq "$(stat -c '%X %Y' "$U/d")" "$(stat -c '%X %Y' "$LOWER_DIR/d")" \
	"a listing in a noatime union leaves the directory's times"
assert_errno ENOTEMPTY rmdir "$U/d"
assert_eq "$(stat -c '%X %Y' "$U/d")" "$(stat -c '%X %Y' "$LOWER_DIR/d")" \
	"so does its completion"

union_fresh
assert_eq "$(atime "$U/d/noatime")" $T0 "after a remount: noatime's copy still has the lower atime"
assert_eq "$(atime "$U/d/lower")" $T0 "and the lower file too"
assert_eq "$(atime "$LOWER_DIR/d/lower")" $T0 "the lower layer, seen alone, is unchanged"
done_testing
