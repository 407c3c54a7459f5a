# SPDX-License-Identifier: GPL-2.0
# A merged tree for the tests of link counts and d_ino (120, 121), sourced
# after lib.sh: two lowers, with lower-only, merged and hidden
# directories, a file over a directory, and a whiteout and an opaque
# directory in the top layer.  Sets U (the union) and ref, a plain copy of
# the merged view for the tests to compare with.

l1=$T/src1	# the upper lower layer
l2=$T/src2	# the lowest
ref=$T/ref
mkdir -p "$l2/a/s1" "$l2/a/s2" "$l2/a/gone" "$l2/a/hidden/x" "$l2/b/t1" \
	"$l2/c"
echo f > "$l2/a/f"
mkdir -p "$l1/a/s3" "$l1/a/s1/deeper" "$l1/a/hidden" "$l1/b/t2"
echo g > "$l1/a/g"
echo file > "$l1/a/notdir"
mkdir -p "$l2/a/notdir"	# hidden by the file above
union_setup "$l1" "$l2"
U=$UNION_DIR
# the whiteout and the opaque directory, made through a union of the
# two lowers alone would need a third image: make them on top instead
rmdir "$U/a/gone" || bail_out "rmdir a/gone"
rm -rf "$U/a/hidden" && mkdir "$U/a/hidden" || bail_out "opaque a/hidden"

mkdir -p "$ref"
cp -a "$l2/." "$ref/"
cp -a "$l1/." "$ref/" 2>/dev/null
rm -rf "$ref/a/notdir" && cp -a "$l1/a/notdir" "$ref/a/notdir"
rm -rf "$ref/a/gone" "$ref/a/hidden" && mkdir "$ref/a/hidden"

# The same changes on the union and on the reference.
merged_tree_change() {
	local t
	for t in "$U" "$ref"; do
		mkdir "$t/a/new" "$t/c/new"
		rmdir "$t/a/s2"
		mv "$t/b/t2" "$t/a/moved"
		mv "$t/a/s1" "$t/c/s1moved"
		echo h > "$t/a/h"
	done
}
