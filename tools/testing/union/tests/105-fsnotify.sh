#!/bin/bash
# inotify and fanotify see a union as one file system.  Reads of lower
# files are seen by an inotify watch and a fanotify mark on the union
# directory they are in (under their names there, also once the
# directory was renamed), by a fanotify mark on the union's mount, and a
# FAN_OPEN_PERM/FAN_ACCESS_PERM listener on that mount is asked about
# them and can refuse them.  Writes, which copy up, show as on a plain
# file system: no event for the copy-up itself.  Every listener's record
# of the calls (event names, in order, and the names they came with)
# must equal what the same listener records on a plain tmpfs copy of the
# tree.  A watch or mark on a lower file itself goes with the file to
# its copy, and sees its changes, the reads of descriptors opened before
# the copy-up, its rename and its unlink.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

NOTIFY="$PYTHON $UNION_TOOLS/notify.py"
src=$T/src
ref=$T/ref
mkdir -p "$src/d" "$src/d2/sub" "$src/d2/empty" "$src/d3" "$src/d4"
for f in g1 g2 g3 g4 g5 g6; do
	printf 'lower data of %s\n' "$f" > "$src/d4/$f"
done
for f in a b c w denyme; do
	printf 'lower data of %s\n' "$f" > "$src/d/$f"
done
for f in f1 f2 f3 f4 f5 sub/s; do
	printf 'lower data of %s\n' "$f" > "$src/d2/$f"
done
union_setup "$src"
U=$UNION_DIR
plain_copy "$src" "$ref"

# same WHAT KIND DIR OPS...: the listener KIND on DIR (@ for the root of
# the tree) records on the union what it records on the plain copy.
same() {
	local what=$1 kind=$2 dir=$3 got want
	shift 3
	got=$($NOTIFY "$kind" "${dir//@/$U}" "${@//@/$U}" 2>&1)
	want=$($NOTIFY "$kind" "${dir//@/$ref}" "${@//@/$ref}" 2>&1)
	assert_eq "$got" "$want" "$what: as on a plain file system"
	if [[ $want != *"OPEN"* ]]; then
		not_ok "$what: the plain file system saw the calls"
		diag "$want"
	fi
}

ops=(read:@/d/a list:@/d read:@/d/b write:@/d/w read:@/d/w read:@/d/a)
same "inotify on a merged directory" inotify @/d "${ops[@]}"
assert_layer d/w upper "the write copied d/w up"
same "inotify again, after the copy-up" inotify @/d "${ops[@]}"
same "a fanotify mark on a merged directory" dir @/d read:@/d/b \
	write:@/d/c read:@/d/c
same "a fanotify mark on the mount" mount @ read:@/d/a read:@/d/b \
	write:@/d/w
same "a fanotify permission listener on the mount" perm @ read:@/d/a \
	read:@/d/denyme read:@/d/b
assert_layer d/denyme lower "a refused read copied nothing"
got=$($NOTIFY perm "$U" read:"$U/d/denyme")
assert_eq "$(head -1 <<< "$got")" "read:denyme: EPERM" \
	"the listener refuses a lower file's open"

same "inotify: changes of lower objects" inotify @/d2 chmod:@/d2/f1 \
	trunc:@/d2/f4 utime:@/d2/f5 unlink:@/d2/f2 rename:@/d2/f3=@/d2/f3n \
	mkdir:@/d2/new rmdir:@/d2/empty rename:@/d2/sub=@/d2/sub2 list:@/d2
same "inotify: a lookup and a listing of a lower directory" inotify @ \
	list:@/d3 read:@/d2/sub2/s list:@/.

same "inotify on a lower file" inotify @/d4/g1 read:@/d4/g1 \
	write:@/d4/g1 read:@/d4/g1 chmod:@/d4/g1 utime:@/d4/g1
assert_layer d4/g1 upper "the write copied d4/g1 up"
# fanotify merges the events of one file that wait in its queue: those
# of the lower file and of its copy are two files' then.
same "a fanotify mark on a lower file" file @/d4/g2 read:@/d4/g2
same "a fanotify mark on a lower file, after a copy-up" file @/d4/g2 \
	write:@/d4/g2 read:@/d4/g2
same "inotify on a lower file held open across its copy-up" inotify \
	@/d4/g3 open:@/d4/g3 write:@/d4/g3 close:@/d4/g3
same "inotify on a lower file truncated while held open" inotify \
	@/d4/g4 open:@/d4/g4 trunc:@/d4/g4 close:@/d4/g4
same "inotify on a lower file that is unlinked" inotify @/d4/g5 \
	read:@/d4/g5 unlink:@/d4/g5
same "inotify on a lower file that is renamed" inotify @/d4/g6 \
	rename:@/d4/g6=@/d4/g6n read:@/d4/g6n

# A renamed merged directory: its lower files are found under the new
# name, and reported in it.
mv "$U/d" "$U/e"
mv "$ref/d" "$ref/e"
same "inotify on a renamed directory" inotify @/e read:@/e/a read:@/e/b
same "a fanotify mark on a renamed directory" dir @/e read:@/e/a

done_testing
