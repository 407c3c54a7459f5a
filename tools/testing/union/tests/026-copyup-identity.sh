#!/bin/bash
# A copy-up changes no st_dev and no st_ino.  Every object of the union
# has the union's st_dev; a lower one keeps its number (with its layer in
# the bits from 48 up) when each call that copies it up copies it: chmod,
# chown, truncate, open for writing, append, utimes, setxattr, rename,
# link, a symlink's lchown, a fifo's chmod, a new entry in a lower
# directory (the directory's copy).  A descriptor opened before the
# copy-up says the same; so do both names of a lower hard link, readdir's
# d_ino (of every entry, "." and ".." too, in merged directories and in
# one served from below), and a fresh lookup (a remount on a persistent
# top).  No two files share a number.  vim, which checks the number of the file it
# writes, saves a lower file.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/d/sub" "$src/e" "$src/deep/x/y"
echo z > "$src/deep/x/y/z"
for f in chmod chown trunc open append utime xattr mv mvdir link fd vim; do
	echo "lower $f" > "$src/d/$f"
done
echo linked > "$src/d/h1"
ln "$src/d/h1" "$src/e/h2"
ln -s chmod "$src/d/sym"
mkfifo "$src/d/fifo"
union_setup "$src"
U=$UNION_DIR

ids() {	# ids PATH...: "st_dev:st_ino" of each, one per line
	local p
	for p; do stat -c '%d:%i' "$p" || echo "stat $p failed"; done
}
names="d/chmod d/chown d/trunc d/open d/append d/utime d/xattr d/mv
	d/mvdir d/link d/fd d/vim d/h1 e/h2 d/sym d/fifo d/sub d e"
declare -A before
for n in $names; do
	before[$n]=$(ids "$U/$n")
done
assert_eq "$(stat -c %d "$U/d/chmod")" "$(stat -c %d "$U")" \
	"a lower file has the union's st_dev"
check "... and a number with its layer in it" \
	test "$(stat -c %i "$U/d/chmod")" -ge $((1 << 48))
assert_eq "${before[d/h1]}" "${before[e/h2]}" "a lower hard link: one number"

# A directory served from below, listed before anything above it.
dots() {	# dots DIR: "." and ".." as readdir and stat give them
	local d=$1
	echo "$($SYSOP dino "$d" | awk '$2 == "." { print $1 }') $(stat -c %i "$d")"
	echo "$($SYSOP dino "$d" | awk '$2 == ".." { print $1 }') $(stat -c %i "$d/..")"
}
check_dir() {	# check_dir WHEN DIR...: every entry's d_ino is its st_ino
	local when=$1 d ino name a b c e list
	shift
	# Here-strings, not process substitution: the guest has no /dev/fd.
	for d; do
		list=$($SYSOP dino "$d")
		[ -n "$list" ] || not_ok "$when: readdir of ${d#"$U"/} lists nothing"
		while read -r ino name; do
			case $name in .|..) continue ;; esac
			assert_eq "$ino" "$(stat -c %i "$d/$name")" \
				"$when: d_ino of ${d#"$U"/}/$name"
		done <<< "$list"
		{ read -r a b; read -r c e; } <<< "$(dots "$d")"
		assert_eq "$a" "$b" "$when: d_ino of ${d#"$U"/}/."
		assert_eq "$c" "$e" "$when: d_ino of ${d#"$U"/}/.."
	done
}
check_dir "served from below" "$U/deep/x/y"

exec 3< "$U/d/fd"
fd_before=$($PYTHON -c 'import os; s = os.fstat(3); print(f"{s.st_dev}:{s.st_ino}")')

chmod 0600 "$U/d/chmod"
chown 1000:1000 "$U/d/chown"
truncate -s 2 "$U/d/trunc"
$SYSOP write "$U/d/open" "x" || bail_out "open for writing"
echo more >> "$U/d/append"
touch -d @1000000000 "$U/d/utime"
$SYSOP setxattr "$U/d/xattr" user.t v || bail_out "setxattr"
mv "$U/d/mv" "$U/d/mv.new"
mv "$U/d/mvdir" "$U/e/mvdir"
ln "$U/d/link" "$U/d/link2"
echo again >> "$U/d/fd"
chown -h 1000:1000 "$U/d/sym"
chmod 0600 "$U/d/fifo"
echo new > "$U/d/sub/new"
echo both >> "$U/d/h1"
timeout 60 vim -E -s -u NONE -i NONE -c 'normal Asaved' -c wq "$U/d/vim"
assert_eq "$?" 0 "vim saves a lower file"
assert_file_content "$U/d/vim" "lower vimsaved" "... with what it wrote"

for n in d/chmod d/chown d/trunc d/open d/append d/utime d/xattr d/link \
	 d/fd d/vim d/h1 d/sym d/fifo; do
	assert_layer "$n" upper "$n: copied up"
done
check "d: copied up with its new entry" \
	test "$($SYSOP fidtype "$U/d")" != $FILEID_UNION_LOWER
same_ids() {	# same_ids WHEN
	local n
	for n in d/chmod d/chown d/trunc d/open d/append d/utime d/xattr \
		 d/fd d/vim d/h1 e/h2 d/sym d/fifo d/sub d e; do
		assert_eq "$(ids "$U/$n")" "${before[$n]}" "$1: $n keeps its number"
	done
	assert_eq "$(ids "$U/d/mv.new")" "${before[d/mv]}" "$1: renamed, the same"
	assert_eq "$(ids "$U/e/mvdir")" "${before[d/mvdir]}" \
		"$1: moved to another directory, the same"
	assert_eq "$(ids "$U/d/link2")" "${before[d/link]}" \
		"$1: its new link, the same"
	assert_eq "$(ids "$U/d/link")" "${before[d/link]}" "$1: the linked file"
}
same_ids "after the copy-ups"
assert_eq "$($PYTHON -c 'import os; s = os.fstat(3); print(f"{s.st_dev}:{s.st_ino}")')" \
	"$fd_before" "a descriptor opened before the copy-up: the same"
exec 3<&-

# readdir's d_ino is lstat's st_ino; no two files share a number.
dino() {
	$PYTHON - "$U" <<-'EOF'
	import os, sys
	bad, seen = [], {}
	for top, dirs, files in os.walk(sys.argv[1]):
	    for e in os.scandir(top):
	        st = os.lstat(e.path)
	        if e.inode() != st.st_ino:
	            bad.append(f"{e.path}: d_ino {e.inode()} st_ino {st.st_ino}")
	        seen.setdefault(st.st_ino, set()).add(
	            os.path.relpath(e.path, sys.argv[1]))
	links = {("d/h1", "e/h2"), ("d/link", "d/link2")}
	for ino, paths in seen.items():
	    rel = tuple(sorted(paths))
	    if len(rel) > 1 and rel not in links:
	        bad.append(f"{rel}: one number {ino}")
	print("\n".join(bad) or "ok")
	EOF
}
assert_eq "$(dino)" ok "readdir: d_ino is st_ino; one number per file"
check_dir "after the copy-ups" "$U/d" "$U/e" "$U/deep/x/y"

union_fresh
same_ids "a fresh lookup"
assert_eq "$(dino)" ok "a fresh lookup: d_ino is st_ino; one number per file"
check_dir "a fresh lookup" "$U/d" "$U/e"
assert_file_content "$U/d/h1" "linked
both" "a hard link's copy, through its other name too"
assert_file_content "$U/e/h2" "linked
both" "... which is the same file"
done_testing
