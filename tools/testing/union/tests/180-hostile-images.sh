#!/bin/bash
# Hostile layers give errors, never a crash (uml-run fails the run on any
# oops, BUG, WARNING or KASAN report).  Crafted cases on an ext2 top
# layer: redirect xattrs that are empty, relative, hold "." or "..", an
# embedded NUL, name nothing, name the root (a loop through the lower
# tree), or are as long as an xattr gets; index xattrs that do not parse
# or name a path; an index that is a file; union entries left by another
# lower layer (fallthrus to names that are not below).  Lower layers
# with 255-byte names and a 300-deep tree.  Then images changed at random
# (mutate.py): ext2 tops, ext2 lowers and jffs2 tops, each mounted as a
# union and walked, read, listed and changed.  FUZZ_ROUNDS (default 20
# per kind; QUICK=1: 1) and FUZZ_SEED (default 1); make fuzz runs more.
# uppers: ext2
# lowers: ext2
# timeout: 1800
. "$(dirname "$0")/../lib.sh"

rounds=${FUZZ_ROUNDS:-20}
[ "$QUICK" = 1 ] && rounds=${FUZZ_ROUNDS:-1}
fseed=${FUZZ_SEED:-1}
MUTATE="$PYTHON $UNION_TOOLS/mutate.py"

# poke DIR: everything a user might do, errors ignored: walk, stat, read,
# list, then create, rename, remove.  Returns 0 if DIR could be walked.
poke() {
	local d=$1
	find "$d" -xdev > /dev/null 2>&1
	ls -laR "$d" > /dev/null 2>&1
	find "$d" -xdev -type f -exec cat {} + > /dev/null 2>&1
	$PYTHON -c '
import os, sys
for top, dirs, files in os.walk(sys.argv[1]):
    for n in dirs + files:
        p = os.path.join(top, n)
        try:
            for x in os.listxattr(p, follow_symlinks=False):
                os.getxattr(p, x, follow_symlinks=False)
        except OSError:
            pass' "$d" > /dev/null 2>&1
	mkdir "$d/poke" 2>/dev/null
	echo x > "$d/poke/f" 2>/dev/null
	find "$d" -xdev -maxdepth 2 -type f -exec chmod 0600 {} + > /dev/null 2>&1
	find "$d" -xdev -maxdepth 2 -type f -name '*[02468]' -exec sh -c \
		'for f; do echo y >> "$f"; ln "$f" "$f.l"; mv "$f" "$f.m"; done' \
		sh {} + > /dev/null 2>&1
	find "$d" -xdev -mindepth 1 -maxdepth 1 -type d -exec mv {} {}.m \; \
		> /dev/null 2>&1
	rm -rf "$d"/* > /dev/null 2>&1
	ls -la "$d" > /dev/null 2>&1
	return 0
}

# The lower tree: files, hard links, directories to rename and list.
src=$T/src
mkdir -p "$src/a/b/c" "$src/d/e" "$src/f"
for i in 0 1 2 3 4 5 6 7 8 9; do
	echo "lower $i" > "$src/f/x$i"
done
echo lower-a > "$src/a/fa"
echo lower-c > "$src/a/b/c/fc"
echo lower-e > "$src/d/e/fe"
ln "$src/f/x1" "$src/f/hard"
long=$(printf 'L%.0s' $(seq 255))
echo long > "$src/$long"
deep=$src/deep
mkdir -p "$deep"
(cd "$deep" && for i in $(seq 300); do mkdir n && cd n || exit 1; done && echo bottom > f) ||
	bail_out "cannot make the deep tree"
mk_image ext2 "$src" "$T/lower.img"
hash_at_end "$T/lower.img"
t_losetup "$T/lower.img" ro
LDEV=$LOOPDEV

# union_on TOPDEV TYPE DIR: the lower and TOPDEV (TYPE) as a union at
# DIR; status of the union mount.
union_on() {
	mkdir -p "$3"
	t_mount -t ext2 -o ro "$LDEV" "$3"
	if mount -t "$2" -o union "$1" "$3" 2>/dev/null; then
		_t_mounts+=("$3")
		return 0
	fi
	return 1
}
# off DIR: unmount the union at DIR, if up, and the lower under it.
off() {
	is_union "$1" && t_umount "$1"
	t_umount "$1"
}
# use_top TOPDEV TYPE: the union of the lower and TOPDEV at $U, poked and
# taken down again; status 1 if the union mount was refused.
use_top() {
	if union_on "$1" "$2" "$U"; then
		poke "$U"
		off "$U"
		return 0
	fi
	t_umount "$U"
	return 1
}

# A top layer with every kind of union record: whiteouts, an opaque
# directory, fallthrus, a renamed directory (redirect), a hard link
# copied up (index).
mkdir -p "$T/empty"
mk_image ext2 "$T/empty" "$T/base.img"
t_losetup "$T/base.img"
BDEV=$LOOPDEV
U=$T/u
union_on "$BDEV" ext2 "$U" || bail_out "cannot make the base union"
rm "$U/a/fa" && rm -r "$U/d" && mkdir "$U/d" && echo top > "$U/d/new"
ls "$U/f" > /dev/null
mv "$U/a/b" "$U/a/b2"
echo more >> "$U/f/x1"
rm "$U/$long"
assert_errno 0 lstat "$U/deep/$(printf 'n/%.0s' $(seq 20))n"
off "$U"

# --- 255-byte names and the deep tree, on a fresh top ---------------------
mk_image ext2 "$T/empty" "$T/t1.img"
t_losetup "$T/t1.img"
union_on "$LOOPDEV" ext2 "$U" || bail_out "union for the long names"
assert_file_content "$U/$long" long "a 255-byte lower name is found"
check "a listing shows it" sh -c "ls '$U' | grep -qx '$long'"
assert_errno 0 rename "$U/$long" "$U/${long%L}M"
assert_file_content "$U/${long%L}M" long "renamed to another 255-byte name"
assert_errno ENOENT lstat "$U/$long"
assert_errno ENAMETOOLONG mkdir "$U/${long}X"
check "the 300-deep lower tree is walked to its bottom" \
	sh -c "cd '$U/deep' && cd $(printf 'n/%.0s' $(seq 150)) && cd $(printf 'n/%.0s' $(seq 150)) && grep -qx bottom f"
check "and removed" rm -rf "$U/deep"
assert_errno ENOENT lstat "$U/deep"
off "$U"

# --- crafted records on a copy of the base top ----------------------------
# craft NAME CMD...: a copy of the base top, changed by CMD (run with $TOP
# the top alone, mounted), then mounted as a union and poked.
craft() {
	local name=$1 img=$T/craft.img
	shift
	cp "$T/base.img" "$img"
	t_losetup "$img"
	mkdir -p "$T/top"
	t_mount -t ext2 "$LOOPDEV" "$T/top"
	TOP=$T/top "$@"
	t_umount "$T/top"
	if use_top "$LOOPDEV" ext2; then
		ok "crafted: $name: mounted and used"
	else
		ok "crafted: $name: mount refused"
	fi
}
xattr() {	# xattr FILE NAME VALUE (python bytes literal, e.g. b'/a')
	$PYTHON -c "import os, sys; os.setxattr(sys.argv[1], sys.argv[2], $3)" "$1" "$2"
}
redirect() { xattr "$TOP/a/b2" trusted.union.redirect "$1"; }
for v in "b''" "b'a'" "b'/a/../d'" "b'/./a'" "b'//a'" "b'/a\\0b'" "b'/nothing/here'" \
	"b'/'" "b'/a'" "b'/a/b/c/fc'" "b'/' + b'x/' * 300" "b'/$long'"; do
	craft "redirect $v" redirect "$v"
done
# A redirect on a directory that was never renamed, and on a file.
xattr_on_d() { xattr "$TOP/d" trusted.union.redirect "b'/a'"; }
craft "redirect on /d" xattr_on_d
xattr_on_file() { xattr "$TOP/f/x1" trusted.union.redirect "b'/a'"; }
craft "redirect on a file" xattr_on_file
index() {	# index VALUE: on the copied-up hard link
	xattr "$TOP/f/x1" trusted.union.index "$1"
}
for v in "b''" "b'x'" "b':1'" "b'x:-1'" "b'x:99999999999'" "b'../../a:1'" \
	"b'a/b:1'" "b'$(printf 'i%.0s' $(seq 40)):1'" "b'.:1'"; do
	craft "index $v" index "$v"
done
index_file() {
	local i
	i=$(ls -a "$TOP" | grep -x '\.union-index') || return 0
	rm -rf "${TOP:?}/$i" && echo junk > "$TOP/$i"
}
craft "the index is a file" index_file
index_gone() { rm -rf "$TOP/.union-index"; }
craft "the index is gone" index_gone
# The top of another union: fallthrus and whiteouts for names this lower
# does not have, and a redirect to a directory it lacks.
other_lower() {
	mkdir -p "$TOP/f" && : > "$TOP/f/.placeholder"
	xattr "$TOP/a/b2" trusted.union.redirect "b'/not/in/this/lower'"
}
craft "records from another lower" other_lower
check "the deep tree and long names survive the crafted cases" true

# --- random changes -------------------------------------------------------
# ext2 tops: copies of the base top.
mounted=0
for ((i = 0; i < rounds; i++)); do
	$MUTATE "$T/base.img" "$T/m.img" $((fseed * 1000 + i)) || bail_out "mutate.py"
	t_losetup "$T/m.img"
	use_top "$LOOPDEV" ext2 && mounted=$((mounted + 1))
	losetup -d "$LOOPDEV"
done
ok "$rounds changed ext2 tops: no crash ($mounted mounted)"

# ext2 lowers: the lower image changed, under a fresh top.
mounted=0
for ((i = 0; i < rounds; i++)); do
	$MUTATE "$T/lower.img" "$T/ml.img" $((fseed * 2000 + i)) || bail_out "mutate.py"
	t_losetup "$T/ml.img" ro
	mlow=$LOOPDEV
	mk_image ext2 "$T/empty" "$T/mt.img"
	t_losetup "$T/mt.img"
	mkdir -p "$U"
	if mount -t ext2 -o ro "$mlow" "$U" 2>/dev/null; then
		_t_mounts+=("$U")
		if mount -t ext2 -o union "$LOOPDEV" "$U" 2>/dev/null; then
			_t_mounts+=("$U")
			mounted=$((mounted + 1))
			poke "$U"
			t_umount "$U"
		fi
		t_umount "$U"
	fi
	losetup -d "$LOOPDEV" "$mlow"
done
ok "$rounds changed ext2 lowers: no crash ($mounted mounted)"

# jffs2 tops: a jffs2 image of a top layer (made through a union), changed.
if [ -w /sys/module/block2mtd/parameters/block2mtd ]; then
	head -c 4M /dev/zero | tr '\0' '\377' > "$T/j.img"
	t_losetup "$T/j.img"
	jloop=$LOOPDEV
	echo "$LOOPDEV,64KiB" > /sys/module/block2mtd/parameters/block2mtd
	jdev=$(sed -n "s|^\(mtd[0-9]*\): .* \"block2mtd: $LOOPDEV\"\$|\1|p" /proc/mtd)
	union_on "$jdev" jffs2 "$U" || bail_out "jffs2 union"
	rm "$U/a/fa" && rm -r "$U/d" && mkdir "$U/d" && ls "$U/f" > /dev/null
	mv "$U/a/b2" "$U/a/b3" 2>/dev/null || mv "$U/a/b" "$U/a/b3"
	echo more >> "$U/f/x1"
	off "$U"
	cp "$T/j.img" "$T/jbase.img"
	mounted=0
	for ((i = 0; i < rounds; i++)); do
		$MUTATE "$T/jbase.img" "$T/j.img" $((fseed * 3000 + i)) || bail_out "mutate.py"
		# block2mtd reads through the loop device's own page cache.
		blockdev --flushbufs "$jloop"
		use_top "$jdev" jffs2 && mounted=$((mounted + 1))
	done
	ok "$rounds changed jffs2 tops: no crash ($mounted mounted)"
else
	skip "jffs2 tops: no block2mtd"
fi

done_testing
