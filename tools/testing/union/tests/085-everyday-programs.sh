#!/bin/bash
# Everyday programs over a lower tree, each compared with the same work
# on a plain copy of the tree: git (commit, branch, gc, fsck, stash, mv of
# a lower directory), sqlite3 (rollback journal, then WAL but on jffs2,
# which has no shared writable mappings), tar extracting
# over the tree, cp -a, mv and rm -r of a lower tree, sed -i.  What each
# leaves is the same as on the plain copy, and the lower layer is never
# written.  tar reads a merged directory that nobody listed before: a
# listing changes nothing (no ctime change, which tar reports as "file
# changed as we read it"), and nothing on the top layer, even for a user
# who may not write there.  A program that is not installed is skipped.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 300
. "$(dirname "$0")/../lib.sh"

export HOME=$T/home GIT_PAGER=cat PAGER=cat TERM=dumb
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE="2026-01-01T00:00:00Z"
export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"
mkdir -p "$HOME"
has() { command -v "$1" > /dev/null; }
src=$T/src
mkdir -p "$src/tree/a/b" "$src/pub/sub"
echo p > "$src/pub/sub/p"
echo x > "$src/tree/a/b/x"
ln -s b "$src/tree/a/lnk"
printf 'hello\nworld\n' > "$src/text.txt"
if has git; then
	git config --global user.email t@example.org
	git config --global user.name t
	git config --global init.defaultBranch main
	git init -q "$src/repo"
	mkdir -p "$src/repo/sub"
	for i in 1 2 3; do echo "line $i" > "$src/repo/f$i"; done
	echo s > "$src/repo/sub/s"
	git -C "$src/repo" add . && git -C "$src/repo" commit -qm init ||
		bail_out "git commit in the source tree"
fi
if has sqlite3; then
	sqlite3 "$src/db.sqlite" "create table t(a); insert into t values(1),(2);" ||
		bail_out "sqlite3 in the source tree"
fi
union_setup "$src"
U=$UNION_DIR
ref=$T/ref
plain_copy "$src" "$ref"

# work DIR: the same work, on the union or on the plain copy; prints
# what it leaves.
git_work() {
	cd "$1/repo" || return
	echo "line 4" >> f1
	git commit -qam two &&
	git checkout -qb topic && git rm -q f2 && git commit -qm rm &&
	git checkout -q main && git gc -q && git fsck --no-progress 2>&1 &&
	echo wip >> f3 && git stash -q && git stash pop -q &&
	git mv sub sub2 && git commit -qam mv || echo "git failed: $?"
	git log --format=%s main topic | sort
	git ls-files -s
	git status --short
	ls
	cd - > /dev/null
}
sqlite_work() {
	sqlite3 "$1/db.sqlite" "insert into t values(3); select count(*) from t;" &&
	if [ "$UPPER" != jffs2 ]; then	# WAL maps its index shared, writable
		sqlite3 "$1/db.sqlite" "pragma journal_mode=wal;
			insert into t values(4); select count(*) from t;
			pragma integrity_check;" &&
		sqlite3 "$1/db.sqlite" "pragma journal_mode=delete;"
	fi &&
	sqlite3 "$1/db.sqlite" "select sum(a) from t; pragma integrity_check;"
}
files_work() {
	(cd "$1" && tar cf "$T/tree-$2.tar" tree 2>&1 && rm -rf tree &&
	 tar xf "$T/tree-$2.tar" && tar xf "$T/tree-$2.tar" --overwrite &&
	 find tree | sort && readlink tree/a/lnk &&
	 cp -a tree tree2 && diff -r tree tree2 && mv tree2 tree3 &&
	 rm -r tree3 && sed -i s/world/there/ text.txt && cat text.txt &&
	 ls | grep -vx lost+found) 2>&1
}
if has git; then
	assert_eq "$(git_work "$U")" "$(git_work "$ref")" "git works as on a plain copy"
else
	skip "git is not installed"
fi
if has sqlite3; then
	assert_eq "$(sqlite_work "$U")" "$(sqlite_work "$ref")" "sqlite3 works as on a plain copy"
else
	skip "sqlite3 is not installed"
fi
# tree, tree/a, pub and pub/sub on the top layer, merged with the lower
# ones, never listed: tar reads one, an unprivileged user the other.
on_top tree tree/a pub pub/sub
chmod 0755 "$T"
ctimes() { stat -c '%n %z' "$U" "$U"/tree "$U"/tree/a "$U"/pub "$U"/pub/sub; }
free() { stat -f -c '%f %d' "$U"; }
before=$(ctimes) free0=$(free)
assert_eq "$(cd "$U" && tar cf "$T/fresh.tar" tree 2>&1; echo "status $?")" "status 0" \
	"tar reads a fresh merged directory without a warning"
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all -- "$@" 2>&1
}
assert_eq "$(nobody ls -laR "$U/pub" > /dev/null)" "" \
	"an unprivileged user lists fresh merged directories"
assert_eq "$(free)" "$free0" "... and the top layer has as many free blocks and inodes"
# Removing a merged directory, or renaming over one, would complete it
# on the top layer: not for a user who may not.
assert_eq "$(nobody "$SYSOP" rmdir "$U/pub/sub")" EACCES \
	"an unprivileged rmdir of a merged directory fails with EACCES"
assert_eq "$(nobody "$SYSOP" rename "$U/tree/a" "$U/pub/sub")" EACCES \
	"an unprivileged rename over a merged directory fails with EACCES"
assert_eq "$(nobody "$SYSOP" rename "$U/tree/a" "$U/pub/sub/p" exchange)" EACCES \
	"an unprivileged exchange with a lower file fails with EACCES"
assert_layer pub/sub/p lower "... and copies nothing up"
assert_eq "$(free)" "$free0" "... and the top layer still has as many free blocks and inodes"
assert_eq "$(ctimes)" "$before" "the listings changed no directory's ctime"
assert_eq "$(files_work "$U" u)" "$(files_work "$ref" r)" \
	"tar, cp -a, mv, rm -r and sed -i work as on a plain copy"
assert_file_content "$LOWER_DIR/text.txt" "hello
world" "the lower file is unchanged"

done_testing
