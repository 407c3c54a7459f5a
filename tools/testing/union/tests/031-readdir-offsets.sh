#!/bin/bash
# Directory offsets of a merged directory are stable: telldir() before
# every entry and seekdir() back to it, in random order, gives the same
# entry again, and reading on from a middle offset gives the same tail;
# checked on a merged directory of 10k+ entries (upper, lower, and names
# on both) right at its first readdir, again after it, and in a merged
# directory small enough for one getdents call (QUICK: 2.6k entries,
# still many getdents calls).  A directory kept open
# across a removal and a creation in it still lists the names it had, and
# a loop that removes each name as it reads it (git clean's) finds them
# all.  A listing after a tmpfs RENAME_EXCHANGE shows the new types.
# uppers: tmpfs ext2 jffs2
# timeout: 600
# mem: 768M
. "$(dirname "$0")/../lib.sh"

IMAGE_MB=64
# Lower names, upper files, and the range of lower names replaced or
# whited out.
nl=8000 nu=3000 nr=2000
[ -n "$QUICK" ] && nl=2000 nu=750 nr=500
last=$(printf 'n%05d' $((nl - 1)))
src=$T/src
mkdir -p "$src/big" "$src/small/sub"
for ((i = 0; i < nl; i++)); do
	printf -v n 'n%05d' "$i"
	if ((i % 40 == 0)); then mkdir "$src/big/$n"; else : > "$src/big/$n"; fi
done
for n in a b c d e; do echo "$n" > "$src/small/$n"; done
mkdir -p "$src/gc/sub"
for ((i = 0; i < nl; i++)); do : > "$src/gc/g$i"; done
union_setup "$src"
B=$UNION_DIR/big
S=$UNION_DIR/small

check "changes through the union before the first readdir" "$PYTHON" - "$B" "$nu" "$nr" <<'EOF'
import os, sys
b, nu, nr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(nu):
    with open(os.path.join(b, "u%05d" % i), "w") as f:
        f.write("u")
for i in range(1, nr, 4):		# upper files over lower names
    t = os.path.join(b, "tmp")
    with open(t, "w") as f:
        f.write("upper")
    os.rename(t, os.path.join(b, "n%05d" % i))
for i in range(2, nr, 4):		# whiteouts
    os.unlink(os.path.join(b, "n%05d" % i))
EOF
echo new > "$S/new"
rm "$S/b"

check "telldir/seekdir at the first readdir of a big merged dir" \
	"$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$B" 1
check "telldir/seekdir again" "$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$B" 2
check "telldir/seekdir in a small merged dir (first readdir)" \
	"$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$S" 3
check "telldir/seekdir in the small merged dir again" \
	"$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$S" 4
"$PYTHON" "$UNION_TOOLS/dirtool.py" list "$B" > "$T/l1"
"$PYTHON" "$UNION_TOOLS/dirtool.py" list "$B" > "$T/l2"
assert_same_file "$T/l1" "$T/l2" "two listings: the same entries in the same order"
assert_eq "$(wc -l < "$T/l1")" $((nl - nr / 4 + nu)) "the listing has $((nl - nr / 4 + nu)) entries"

# An open directory stream across changes: the names not touched are all
# read once, the removed one at most once.
check "a directory stream across changes" "$PYTHON" - "$B" "$last" <<'EOF'
import os, sys
b, last = sys.argv[1], sys.argv[2]
before = set(os.listdir(b))
it = os.scandir(b)
seen = []
for i, e in enumerate(it):
    seen.append(e.name)
    if i == 100:
        os.unlink(os.path.join(b, last))
        with open(os.path.join(b, "zz-new"), "w") as f:
            f.write("z")
it.close()
dups = {n for n in seen if seen.count(n) > 1}
missing = before - {last} - set(seen)
if dups or missing:
    print("names read twice:", sorted(dups)[:10])
    print("names not read:", sorted(missing)[:10])
    sys.exit(1)
EOF
check "telldir/seekdir after the changes" "$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$B" 5

# Removing each name as the listing reads it: every removal changes the
# directory, and the next getdents call lists it afresh.
G=$UNION_DIR/gc
on_top gc
for i in 1 2 3; do echo top > "$G/t$i"; done
check "removing each name of a merged directory as it is read" "$PYTHON" - "$G" <<'EOF'
import os, shutil, sys
g = sys.argv[1]
before = set(os.listdir(g))
seen = []
with os.scandir(g) as it:
    for e in it:
        seen.append(e.name)
        p = os.path.join(g, e.name)
        if e.is_dir(follow_symlinks=False):
            shutil.rmtree(p)
        else:
            os.unlink(p)
dups = {n for n in seen if seen.count(n) > 1}
missing = before - set(seen)
left = os.listdir(g)
if dups or missing or left:
    print("read twice:", sorted(dups)[:10], "not read:", sorted(missing)[:10],
          "left:", sorted(left)[:10])
    sys.exit(1)
EOF
assert_errno 0 rmdir "$G"

# An exchange on tmpfs changes the directory as any change does.
mkdir "$S/xd"
ls "$S" > /dev/null
if [ "$($SYSOP rename "$S/a" "$S/xd" exchange 2>&1)" = "" ]; then
	check "after an exchange, d_type and d_ino as lstat gives them" \
		"$PYTHON" "$UNION_TOOLS/dirtool.py" verify "$S"
fi

if upper_alone; then
	union_remount
	check "telldir/seekdir after a remount" "$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$B" 6
	check "telldir/seekdir in the small dir after a remount" \
		"$PYTHON" "$UNION_TOOLS/dirtool.py" seek "$S" 7
fi

done_testing
