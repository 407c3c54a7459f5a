#!/bin/bash
# A lower directory that a lookup passes through (or ends at) is created
# on the top layer with the lower one's mode, owner, group, atime and
# mtime; making a child directory on the top layer by a later lookup does
# not change the parent's times; the lower files in it stay on the lower
# layer.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

# Lookups that copy directories up (065-dirs-below checks the copies
# that changes make when lookups serve directories from below).
dirs_below_off

src=$T/src
mkdir -p "$src/d1/d2" "$src/d3" "$src/plain/sub"
echo f > "$src/d1/d2/f"
echo g > "$src/d3/g"
chmod 0751 "$src/d1"
chmod 0700 "$src/d1/d2"
chmod 1777 "$src/d3"
chmod 2755 "$src/plain"
chown 1234:567 "$src/d1"
chown 42:43 "$src/d1/d2"
chown 7:8 "$src/d3"
touch -d '2001-02-03 04:05:06' "$src/d1/d2/f"
touch -d '1999-12-31 23:59:58' "$src/d1/d2"
touch -d '2001-02-03 04:05:06' "$src/d1" "$src/plain/sub" "$src/plain"
touch -d '2010-10-10 10:10:10' "$src/d3"
union_setup "$src"
U=$UNION_DIR
L=$LOWER_DIR

attrs() {	# mode owner group atime mtime
	stat -c '%f %u %g %X %Y' "$1"
}

# One lookup passes through d1 and d2; d3 is only the last component.
assert_file_content "$U/d1/d2/f" f "a file two lower dirs down"
assert_eq "$($SYSOP lstat "$U/d3" | cut -d' ' -f1)" dir "d3 looked up"
assert_eq "$($SYSOP stat "$U/plain/sub" | cut -d' ' -f1)" dir "plain/sub looked up"
for d in d1 d1/d2 d3 plain plain/sub; do
	assert_eq "$(attrs "$U/$d")" "$(attrs "$L/$d")" \
		"union $d: mode owner group atime mtime of the lower dir"
	assert_eq "$(_t_dev "$U/$d")" "$TOP_DEV" "union $d: on the top layer"
done
assert_layer d1/d2/f lower "the file in it stays on the lower layer"
assert_eq "$(attrs "$U/d1/d2/f")" "$(attrs "$L/d1/d2/f")" "... with its own attributes"

if upper_alone; then
	for d in d1 d1/d2 d3 plain plain/sub; do
		assert_eq "$(attrs "$UPPER_DIR/$d")" "$(attrs "$L/$d")" \
			"upper alone: $d has the lower dir's mode owner group times"
	done
	assert_absent "$UPPER_DIR/d1/d2/f" "upper alone: the lower file is not there"
	assert_absent "$UPPER_DIR/d3/g" "upper alone: nor d3/g"
	union_remount
	for d in d1 d1/d2 d3 plain plain/sub; do
		assert_eq "$(attrs "$U/$d")" "$(attrs "$L/$d")" \
			"after a remount: union $d keeps the lower dir's attributes"
	done
	assert_file_content "$U/d3/g" g "after a remount: a file in a lower dir created on top"
fi

done_testing
