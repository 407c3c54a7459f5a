#!/bin/bash
# Merged readdir of a directory of 10k+ entries spread over the upper
# layer and two lowers, with thousands of names on several layers at once
# (lower over lower, upper over lower) and hundreds of whiteouts: the
# names are exactly the visible set, each once, with the d_type of the
# object that wins (d_ino too, for non-directories); whiteouts are not
# listed; a second listing is the same, in the same order; later changes
# (new names, removals, a rename over a lower name) show in the next one.
# uppers: tmpfs ext2 jffs2
# quick-uppers: ext2
# timeout: 600
# mem: 768M
. "$(dirname "$0")/../lib.sh"

# Enough inodes on an ext2 upper for ~7000 new files.
IMAGE_MB=64

# Lower 1 (top): n00000-n05999; lower 2: n03000-n08999.  n03000-n05999
# are on both, and every 10th of those is a dir in lower 2 but a file in
# lower 1 (lower 1 wins: a file).  Every 50th name of lower 2 alone is a
# directory, every 70th a symlink.
l1=$T/l1 l2=$T/l2
mkdir -p "$l1/big" "$l2/big"
for ((i = 0; i < 6000; i++)); do
	printf -v n 'n%05d' "$i"
	: > "$l1/big/$n"
done
for ((i = 3000; i < 9000; i++)); do
	printf -v n 'n%05d' "$i"
	if ((i < 6000 && i % 10 == 0)) || ((i >= 6000 && i % 50 == 0)); then
		mkdir "$l2/big/$n"
	elif ((i >= 6000 && i % 70 == 0)); then
		ln -s target "$l2/big/$n"
	else
		: > "$l2/big/$n"
	fi
done
union_setup "$l1" "$l2"
B=$UNION_DIR/big

# Through the union, before any readdir of big: 3000 new names
# (u00000-u02999), 2000 upper files renamed over lower names (n01000-
# n01999: lower 1 only; n04000-n04999: both lowers), and whiteouts:
# 300 lower-1-only names, 300 names on both lowers, 100 of the upper
# files that shadow a lower name, and 20 lower-2-only directories.
check "changes through the union" "$PYTHON" - "$B" <<'EOF'
import os, sys
b = sys.argv[1]
for i in range(3000):
    with open(os.path.join(b, "u%05d" % i), "w") as f:
        f.write("u")
for i in list(range(1000, 2000)) + list(range(4000, 5000)):
    t = os.path.join(b, "tmp%05d" % i)
    with open(t, "w") as f:
        f.write("upper")
    os.rename(t, os.path.join(b, "n%05d" % i))
for i in list(range(0, 300)) + list(range(5000, 5300)) + \
        list(range(4000, 4100)):
    os.unlink(os.path.join(b, "n%05d" % i))
for i in range(6000, 7000, 50):
    os.rmdir(os.path.join(b, "n%05d" % i))
EOF

# The expected listing, "NAME TYPE", sorted.
expect() {
	local i t
	for ((i = 0; i < 9000; i++)); do
		((i < 300)) && continue
		((i >= 5000 && i < 5300)) && continue
		((i >= 4000 && i < 4100)) && continue
		((i >= 6000 && i < 7000 && i % 50 == 0)) && continue
		t=file
		((i >= 6000 && i % 50 == 0)) && t=dir
		((i >= 6000 && i % 50 != 0 && i % 70 == 0)) && t=symlink
		printf 'n%05d %s\n' "$i" "$t"
	done
	for ((i = 0; i < 3000; i++)); do
		printf 'u%05d file\n' "$i"
	done
}
expect | sort > "$T/expected"
assert_eq "$(wc -l < "$T/expected")" 11280 "the expected listing has 11280 names"

# list FILE: dirtool's listing of big, in readdir order.  The d_ino of a
# directory is left out ("-"): a lower directory's is the lower inode's
# until a lookup creates it on the top layer (a known gap).
list() {
	if ! "$PYTHON" "$UNION_TOOLS/dirtool.py" list "$B" > "$1.raw"; then
		bail_out "dirtool list: $(cat "$1.raw")"
	fi
	awk '$2 == "dir" { $3 = "-" } { print }' "$1.raw" > "$1"
}
list "$T/first"
cut -d' ' -f1,2 "$T/first" | sort > "$T/got"
assert_same_file "$T/expected" "$T/got" \
	"first listing: exactly the visible names with their types"
assert_eq "$(cut -d' ' -f1 "$T/first" | sort | uniq -d | head -5 | tr '\n' ' ')" "" \
	"first listing: no name twice"
check "d_type and d_ino (non-dirs) agree with lstat" \
	"$PYTHON" "$UNION_TOOLS/dirtool.py" verify "$B"
list "$T/second"
assert_same_file "$T/first" "$T/second" \
	"second listing: the same entries in the same order"

for n in n00000 n05000 n04000 n06000; do
	assert_errno ENOENT lstat "$B/$n"
done
assert_file_content "$B/n01500" upper "an upper file renamed over a lower-1 name"
assert_layer big/n01500 upper "... on the top layer"
assert_file_content "$B/n04500" upper "an upper file renamed over a name on both lowers"
assert_layer big/n03001 lower1 "a name on both lowers: lower 1's object"
assert_layer big/n03010 lower1 "a file in lower 1 over a dir in lower 2: lower 1's"
assert_layer big/n07001 lower2 "a lower-2-only name: lower 2's"

# Changes after the copy-up: they show in the next listing.
check "changes after the first listing" "$PYTHON" - "$B" <<'EOF'
import os, sys
b = sys.argv[1]
for i in range(3000, 3100):
    with open(os.path.join(b, "v%05d" % i), "w") as f:
        f.write("v")
for i in range(7000, 7100):
    if i % 50 == 0:
        os.rmdir(os.path.join(b, "n%05d" % i))
    else:
        os.unlink(os.path.join(b, "n%05d" % i))
for i in range(0, 100):
    os.unlink(os.path.join(b, "u%05d" % i))
with open(os.path.join(b, "tmpx"), "w") as f:
    f.write("x")
os.rename(os.path.join(b, "tmpx"), os.path.join(b, "n08001"))
os.mkdir(os.path.join(b, "n00001"))
EOF
{
	grep -v -e '^n070[0-9][0-9] ' -e '^u000[0-9][0-9] ' -e '^n00001 ' "$T/expected"
	for ((i = 3000; i < 3100; i++)); do printf 'v%05d file\n' "$i"; done
	echo "n00001 dir"
} | sort > "$T/expected2"
list "$T/third"
cut -d' ' -f1,2 "$T/third" | sort > "$T/got"
assert_same_file "$T/expected2" "$T/got" \
	"listing after more changes: exactly the visible names"
assert_eq "$(cut -d' ' -f1 "$T/third" | sort | uniq -d | head -5 | tr '\n' ' ')" "" \
	"listing after more changes: no name twice"
assert_file_content "$B/n08001" x "an upper file renamed over a lower-2 name after the copy-up"
assert_layer big/n08001 upper "... on the top layer"
assert_errno ENOENT lstat "$B/n07001"
assert_dir_list "$B/n00001" "" "a dir made over a whiteout after the copy-up is empty"
check "d_type and d_ino (non-dirs) agree with lstat after more changes" \
	"$PYTHON" "$UNION_TOOLS/dirtool.py" verify "$B"

assert_eq "$(ls "${LOWER_DIRS[0]}/big" | wc -l)" 6000 "lower 1 alone still holds 6000 names"
assert_eq "$(ls "${LOWER_DIRS[1]}/big" | wc -l)" 6000 "lower 2 alone still holds 6000 names"

if upper_alone; then
	ls "$UPPER_DIR/big" | sort > "$T/upper-names"
	{
		for ((i = 100; i < 3000; i++)); do printf 'u%05d\n' "$i"; done
		for ((i = 3000; i < 3100; i++)); do printf 'v%05d\n' "$i"; done
		for ((i = 1000; i < 2000; i++)); do printf 'n%05d\n' "$i"; done
		for ((i = 4100; i < 5000; i++)); do printf 'n%05d\n' "$i"; done
		echo n00001
		echo n08001
	} | sort > "$T/upper-expected"
	assert_same_file "$T/upper-expected" "$T/upper-names" \
		"upper alone: exactly the new and shadowing names (no whiteouts, no fallthrus)"
	union_remount
	list "$T/fourth"
	assert_same_file "$T/third" "$T/fourth" \
		"after a remount: the same listing, in the same order"
fi

done_testing
