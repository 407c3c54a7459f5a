#!/bin/bash
# Copy-up that cannot finish, and copy-ups that race.  A top layer too
# small for a lower file: the write fails with ENOSPC, the lower file is
# still what the union shows, and the top layer has no temporary left
# (its free space is back, and for ext2, e2fsck finds nothing).  A
# copy-up killed with SIGKILL half way: the file is either still the
# lower one or a complete copy, never a part.  Eight processes appending
# to one lower file at once: one copy, holding the lower data and every
# append.  Eight processes changing the modes of one lower file at once:
# one copy.
# uppers: tmpfs ext2 jffs2
# timeout: 300
# mem: 768M
. "$(dirname "$0")/../lib.sh"

src=$T/src
mkdir -p "$src/d"
# 12 MiB that do not compress: more than the small tops below can hold.
head -c $((12 << 20)) /dev/urandom > "$src/d/big"
head -c $((48 << 20)) /dev/urandom > "$src/d/huge"
echo "lower race" > "$src/d/race"
echo "lower modes" > "$src/d/modes"
IMAGE_MB=8
union_setup "$src"
U=$UNION_DIR
sum_big=$(sha1sum < "$src/d/big")

# usage: the top layer's used blocks (df), for "nothing left behind"
usage() {
	stat -f -c '%b %f' "$U" | awk '{print $1 - $2}'
}

# --- ENOSPC -------------------------------------------------------------
case $UPPER in
tmpfs)
	# A tmpfs top cannot shrink under a live union: make a small one.
	t_umount "$U"
	t_mount -t tmpfs -o union,size=4m,mode=0755 small "$U" ;;
esac
# A lookup, or the change, makes d on the top layer: count from there.
on_top d
before=$(usage)
avail0=$(stat -f -c '%a * %S' "$U")
avail0=$((avail0))
assert_eq "$($SYSOP append "$U/d/big" more)" ENOSPC \
	"appending to a lower file bigger than the top layer: ENOSPC"
assert_layer d/big lower "the file is still the lower one"
assert_eq "$(sha1sum < "$U/d/big")" "$sum_big" "with the lower data"
assert_dir_list "$U/d" "big huge modes race" "no temporary name appeared"
sync
if [ "$UPPER" = jffs2 ]; then
	# jffs2 counts the failed copy's space free only once the blocks
	# that held it are erased, which its collector does in its own time
	# (or a write that needs the space).  So the space must be usable:
	# a file of nine tenths of what was free before fits (a copy left
	# behind would hold nearly all of it).
	fill=$((avail0 * 9 / 10))
	check "the top layer's space is usable again ($fill bytes)" \
		sh -c "head -c $fill /dev/urandom > '$U/.fill'"
	rm -f "$U/.fill"
else
	assert_eq "$(usage)" "$before" "the top layer's space is all free again"
fi
assert_errno 0 truncate "$U/d/big" 1000
assert_layer d/big upper "then the file is on the top layer"
assert_eq "$(stat -c %s "$U/d/big")" 1000 "at its new size"
assert_eq "$(head -c 1000 "$U/d/big" | sha1sum)" \
	"$(head -c 1000 "$src/d/big" | sha1sum)" "with the first 1000 bytes"
if [ "$UPPER" = tmpfs ]; then
	t_umount "$U"
	t_mount -t tmpfs -o union,mode=0755 upper "$U"
fi

# --- SIGKILL half way ---------------------------------------------------
# The copy of 48 MiB takes a while; kill the writer at some point of it.
# Either outcome is right; a part of a file never is.
sum_huge=$(sha1sum < "$src/d/huge")
if [ "$UPPER" = tmpfs ]; then
	stat "$U/d/huge" >/dev/null
	start=$(usage)
	$SYSOP append "$U/d/huge" "" &
	pid=$!
	# Wait until the copy is under way: the top layer starts filling.
	while [ "$(usage)" = "$start" ] && kill -0 $pid 2>/dev/null; do :; done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	sync
	layer=lower
	[ "$(stat -c %d "$U/d/huge")" = "$(stat -c %d "$U")" ] && layer=upper
	diag "after SIGKILL the file is on the $layer layer"
	assert_eq "$(sha1sum < "$U/d/huge")" "$sum_huge" \
		"killed during copy-up: the file shows all of its data ($layer layer)"
	assert_dir_list "$U/d" "big huge modes race" "no temporary name"
	if [ $layer = lower ]; then
		assert_eq "$(usage)" "$start" "no space held by a temporary"
	fi
else
	skip "SIGKILL during copy-up: the top layer is too small here (tmpfs runs it)"
fi

# --- concurrent copy-ups ----------------------------------------------
pids=()
for i in 1 2 3 4 5 6 7 8; do
	$SYSOP append "$U/d/race" "w$i;" &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
assert_eq "$fails" 0 "eight concurrent appends to one lower file succeed"
assert_layer d/race upper "the file is on the top layer"
content=$(cat "$U/d/race")
check "it starts with the lower data" test "${content:0:10}" = "lower race"
n=0
for i in 1 2 3 4 5 6 7 8; do
	case $content in *"w$i;"*) n=$((n + 1)) ;; esac
done
assert_eq "$n" 8 "and holds every append"
assert_eq "$(stat -c %h "$U/d/race")" 1 "one copy, one link"

pids=()
for m in 600 640 644 660 664 666 700 755; do
	$SYSOP chmod "$U/d/modes" $m &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
assert_eq "$fails" 0 "eight concurrent chmods of one lower file succeed"
assert_layer d/modes upper "the file is on the top layer"
assert_file_content "$U/d/modes" "lower modes" "with its data"

union_fresh
assert_layer d/race upper "after a remount the copy is still there"
assert_eq "$(cat "$U/d/race")" "$content" "with the same content"
assert_dir_list "$U/d" "big huge modes race" "and the directory holds no temporary"
done_testing
