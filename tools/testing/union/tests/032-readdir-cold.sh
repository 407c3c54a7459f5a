#!/bin/bash
# The first readdir of a merged directory decides from what the layers'
# directories list, not a lookup per name: whiteouts, an opaque directory,
# renames and new files made before it must count although nothing of
# them is left in the dcache (the union was mounted again), and a former
# top layer used as a lower layer hides what its whiteouts hide, with or
# without its own directory having been listed.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 600
. "$(dirname "$0")/../lib.sh"

src=$T/src
for d in d d2; do
	mkdir -p "$src/$d/o"
	echo inner > "$src/$d/o/inner"
	for ((i = 0; i < 300; i++)); do
		if ((i % 30 == 0)); then
			mkdir "$src/$d/dir$i"
		else
			echo "f$i" > "$src/$d/f$i"
		fi
	done
	ln -s f1 "$src/$d/link"
done
union_setup "$src"

# What both directories hold after change_dir: f1..f299 and dir0..dir270
# minus the removed, g101 for f101, new0..new19, o and link.
expected() {
	local i
	for ((i = 0; i < 300; i++)); do
		((i < 50 || i == 101)) && continue
		if ((i % 30 == 0)); then echo "dir$i"; else echo "f$i"; fi
	done
	for ((i = 0; i < 20; i++)); do echo "new$i"; done
	echo o link g101
}

# change_dir DIR: whiteouts, an opaque directory, a rename, new files.
change_dir() {
	local d=$1 i
	for ((i = 0; i < 50; i++)); do
		if ((i % 30 == 0)); then rmdir "$d/dir$i"; else rm "$d/f$i"; fi
	done || return 1
	rm -r "$d/o" && mkdir "$d/o" && mv "$d/f101" "$d/g101" || return 1
	for ((i = 0; i < 20; i++)); do echo "new$i" > "$d/new$i"; done
}

check "changes in d before any readdir of it" change_dir "$UNION_DIR/d"
check "changes in d2 before any readdir of it" change_dir "$UNION_DIR/d2"
union_fresh
assert_dir_list "$UNION_DIR/d" "$(expected)" "first readdir of d after a remount"
assert_dir_list "$UNION_DIR/d/o" "" "the opaque o is empty"
assert_file_content "$UNION_DIR/d/f61" f61 "a lower file through its pass-through entry"
assert_file_content "$UNION_DIR/d/g101" f101 "the renamed file"
assert_absent "$UNION_DIR/d/f10" "a removed file stays removed"
assert_absent "$UNION_DIR/d/dir0" "a removed directory stays removed"
assert_type "$UNION_DIR/d/dir60" dir "a lower directory is one"
assert_type "$UNION_DIR/d/link" symlink "a lower symlink is one"
union_fresh
assert_dir_list "$UNION_DIR/d" "$(expected)" "d again after a remount"

if [ -z "$UPPER_DEV" ] || [ "$UPPER" = jffs2 ]; then
	done_testing
	exit
fi

# The top layer as a lower layer (over the same lower, under a tmpfs top):
# d was listed (complete, pass-through entries), d2 was not (whiteouts and
# the new names only).
upper_alone
U2=$T/union2
mkdir -p "$U2"
t_mount -o ro --bind "$LOWER_DIR" "$U2"
t_mount -t "$UPPER" -o ro "$UPPER_DEV" "$U2"
t_mount -t tmpfs -o union none "$U2"
for d in d d2; do
	assert_dir_list "$U2/$d" "$(expected)" "$d with the old top as a lower"
	assert_dir_list "$U2/$d/o" "" "$d/o with the old top as a lower: empty"
	assert_absent "$U2/$d/f20" "$d/f20 with the old top as a lower: removed"
	assert_file_content "$U2/$d/f201" f201 "$d/f201 with the old top as a lower"
	assert_file_content "$U2/$d/new3" new3 "$d/new3 with the old top as a lower"
done
done_testing
