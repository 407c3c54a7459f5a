#!/bin/bash
# fanotify groups that report file identifiers (FAN_REPORT_FID and the
# like) identify what a union shows as statfs() and name_to_handle_at()
# (AT_HANDLE_FID) do: everything under the union's fsid, and every object
# with an identifier of its own.  Files of two lower layers that have the
# same inode number on their own filesystems, and a file of the top layer,
# have three different identifiers; before the fix the two lower files
# had the same.  unlink() of a lower file reaches a filesystem mark on the
# top layer, with its directory's identifier and its name; before the fix
# it went to the lower filesystem's marks.  A mark on a lower filesystem
# itself gets that filesystem's own fsid and identifiers.
# uppers: tmpfs ext2
# lowers: ext2 squashfs
. "$(dirname "$0")/../lib.sh"

FID="$PYTHON $UNION_TOOLS/fid.py"
l1=$T/l1
l2=$T/l2
mkdir -p "$l1/d" "$l2/d"
# The only file of each image: the same inode number on both.
echo one > "$l1/d/one"
echo two > "$l2/d/two"
union_setup "$l1" "$l2"
U=$UNION_DIR
echo top > "$U/d/top"
assert_layer d/top upper "a new file is on the top layer"

files=("$U/d/one" "$U/d/two" "$U/d/top")
handles=$($FID handle "${files[@]}")
fsid=$($FID handle "$U" | cut -d' ' -f1)
assert_eq "$(cut -d' ' -f1 <<< "$handles" | sort -u)" "$fsid" \
	"statfs() gives the union's fsid for every file"
assert_eq "$(cut -d' ' -f2 <<< "$handles" | sort -u | wc -l)" 3 \
	"name_to_handle_at(): three files, three identifiers"
diag "$handles"

got=$($FID mount "$U" "${files[@]/#/read:}")
assert_eq "$(sed -n '4,$p' <<< "$got")" "$handles" \
	"a mount mark: the identifiers that statfs() and name_to_handle_at() give"
assert_eq "$(sed -n '1,3p' <<< "$got")" "read:one: ok
read:two: ok
read:top: ok" "the reads worked"

# A mark on the lower filesystem itself: its own fsid and identifiers.
got=$($FID fsopen "$LOWER_DIR" "read:$U/d/one")
assert_eq "$got" "read:one: ok
$($FID handle "$LOWER_DIR/d/one")" \
	"a lower filesystem's mark: that filesystem's identifiers"

dir=$($FID handle "$U/d")
got=$($FID fs "$U" "unlink:$U/d/one")
assert_eq "$got" "unlink:one: ok
$dir one" "a filesystem mark on the top layer sees a lower file unlinked"
assert_absent "$U/d/one"

done_testing
