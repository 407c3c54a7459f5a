#!/bin/bash
# On an ext2 top, a directory's complete flag reaches the disk only after
# its fallthrus (written when an rmdir() completes the directory): the
# flag hides every lower name that has no entry, so a crash that kept the
# flag without the entries would lose those names.  A file created in
# the directory right after writes the directory's inode, with the flag.
# The image, as the top layer's device has it at that moment, must hold
# every fallthru.
# uppers: ext2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

E2BIN=$UNION_TOP/build/bin
[ -x "$E2BIN/debugfs" ] || skip_all "$E2BIN/debugfs missing (make userland)"
n=300
src=$T/src
mkdir -p "$src/big"
for ((i = 0; i < n; i++)); do
	echo "$i" > "$src/big/lower-file-with-a-long-name-$i"
done
union_setup "$src"
U=$UNION_DIR
complete_dir big

assert_eq "$(ls "$U/big" | wc -l)" "$n" "the complete directory shows every lower name"
echo after > "$U/big/after"

dfs() {	# dfs REQUEST: debugfs -R REQUEST on the top layer's image
	"$E2BIN/debugfs" -R "$1" "$UPPER_IMG" 2>&1 | grep -v '^debugfs [0-9.]* ('
}
assert_eq "$(dfs 'stat /big' | grep -c '^Union: complete$')" 1 \
	"the create wrote the directory's inode, with its complete flag"
assert_eq "$(dfs 'ls -l /big' | grep -c '<fallthru>')" "$n" \
	"on disk: the complete directory holds every fallthru"
done_testing
