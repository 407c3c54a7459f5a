#!/bin/bash
# What stat says of objects in a union: every object has the union's
# st_dev (its top layer's), so that the union is one file system to the
# tools that stay on one.  A lower non-directory (file, symlink, fifo,
# two hard links of one inode) is the lower object itself, with its own
# st_ino plus its layer (from 1) times 2^48, the same at every lookup; so
# is a lower directory.  An upper object has a number of the top
# layer's, below 2^48, also when it shadows a lower one.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/ldir/sub" "$src/bdir"
echo lf > "$src/lfile"
echo inner > "$src/ldir/sub/inner"
ln -s lfile "$src/lsym"
mkfifo "$src/lfifo"
echo linked > "$src/hard1"
ln "$src/hard1" "$src/ldir/hard2"
echo shadowed > "$src/shadowed"
union_setup "$src"
U=$UNION_DIR
L=$LOWER_DIR

lower_dev=$(_t_dev "$L/lfile")
assert_eq "$(_t_dev "$U")" "$TOP_DEV" "the union root has the top layer's st_dev"
check "the lower file system's st_dev differs from the top layer's" \
	test "$lower_dev" != "$TOP_DEV"

for f in lfile lsym lfifo hard1 ldir/hard2 ldir/sub/inner shadowed; do
	assert_layer "$f" lower "lower $f: the lower's st_dev and st_ino"
done
assert_eq "$(_t_ino "$U/hard1")" "$(_t_ino "$U/ldir/hard2")" \
	"two hard links in the lower: one st_ino in the union"
assert_eq "$($SYSOP lstat "$U/hard1" | cut -d' ' -f4)" 2 \
	"a lower hard link keeps its st_nlink"
assert_eq "$($SYSOP stat "$U/lsym")" "$($SYSOP lstat "$U/lfile")" \
	"stat through a lower symlink: the lower target"
assert_eq "$($SYSOP lstat "$U/lfifo" | cut -d' ' -f1)" fifo "lower fifo: a fifo"

for d in ldir ldir/sub bdir; do
	assert_eq "$(_t_dev "$U/$d")" "$TOP_DEV" "lower dir $d: the top layer's st_dev"
	assert_eq "$(_t_ino "$U/$d")" "$(( $(_t_ino "$L/$d") + (1 << 48) ))" \
		"lower dir $d: the lower's st_ino, with its layer"
	assert_eq "$($SYSOP lstat "$U/$d" | cut -d' ' -f1)" dir "lower dir $d: a directory"
done

# Upper objects.
echo new > "$U/new"
mkdir "$U/newdir"
ln -s lfile "$U/usym"
assert_layer new upper "new file: on the top layer"
assert_layer usym upper "new symlink: on the top layer"
assert_eq "$(_t_dev "$U/newdir")" "$TOP_DEV" "new dir: the top layer's st_dev"
assert_eq "$($SYSOP stat "$U/usym")" "$($SYSOP lstat "$U/lfile")" \
	"stat through an upper symlink to a lower file: the lower file"
echo over > "$U/tmp"
assert_errno 0 rename "$U/tmp" "$U/shadowed"
assert_layer shadowed upper "an upper file renamed over a lower name: the top layer's"
check "... and a number of the top layer's, not the lower's" \
	test "$(_t_ino "$U/shadowed")" -lt $((1 << 48))

# The same answers after the caches are dropped (block uppers: remount).
union_fresh
for f in lfile lsym lfifo hard1 ldir/hard2 ldir/sub/inner; do
	assert_layer "$f" lower "fresh lookup: lower $f: the lower's st_dev and st_ino"
done
for f in new usym shadowed; do
	assert_layer "$f" upper "fresh lookup: $f: the top layer's"
done
for d in ldir ldir/sub bdir newdir; do
	assert_eq "$(_t_dev "$U/$d")" "$TOP_DEV" "fresh lookup: dir $d: the top layer's st_dev"
done
for d in ldir ldir/sub bdir; do
	assert_eq "$(_t_ino "$U/$d")" "$(( $(_t_ino "$L/$d") + (1 << 48) ))" \
		"fresh lookup: dir $d: the lower's st_ino, with its layer"
done

assert_file_content "$L/shadowed" shadowed "lower alone: the shadowed file is unchanged"
assert_absent "$L/new" "lower alone: no new file"

if upper_alone; then
	if dirs_below; then
		assert_absent "$UPPER_DIR/ldir" "upper alone: lookups made no ldir"
		assert_absent "$UPPER_DIR/bdir" "upper alone: lookups made no bdir"
	else
		assert_type "$UPPER_DIR/ldir/sub" dir "upper alone: ldir/sub was created by lookup"
		assert_type "$UPPER_DIR/bdir" dir "upper alone: bdir was created by lookup"
	fi
	assert_absent "$UPPER_DIR/ldir/sub/inner" "upper alone: lower files are not copied"
	assert_absent "$UPPER_DIR/lfifo" "upper alone: lower fifo is not copied"
	assert_file_content "$UPPER_DIR/shadowed" over "upper alone: the shadowing file"
fi

done_testing
