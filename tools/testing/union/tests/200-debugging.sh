#!/bin/bash
# What an operator sees of a union.  /sys/kernel/debug/union/mounts shows
# each union that is up: its top layer, its lower layers topmost first
# with the mount IDs of /proc/self/mountinfo, its root's stack, and what
# it has done (copy-ups, failed ones, whiteouts, fallthrus, directories
# made by lookups, directories completed, listings merged); a union is
# gone from it once unmounted.  The trace events (events/union/ in
# tracefs) report lookups below the top (what was found, in which layer),
# copy-ups (start, end, error), whiteouts, fallthrus, directories made
# and completed, each with the top layer's device and the directory's
# inode.  With dynamic debug (make debug), the union's calls into its
# top layer are logged, each with its result.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
. "$(dirname "$0")/../lib.sh"

D=/sys/kernel/debug
TR=/sys/kernel/tracing
[ -d $D/union ] || mount -t debugfs debugfs $D 2> /dev/null
[ -d $TR/events ] || mount -t tracefs tracefs $TR 2> /dev/null
[ -e $D/union/mounts ] || skip_all "no $D/union/mounts"
[ -d $TR/events/union ] || skip_all "no union trace events (CONFIG_EVENT_TRACING)"

# The events of lookups that make directories on the top layer;
# 065-dirs-below checks reads that make none.
dirs_below_off

src=$T/src
mkdir -p "$src/d/sub" "$src/list"
echo f > "$src/d/f"
echo g > "$src/d/g"
echo h > "$src/d/h"
for i in 1 2 3 4 5; do echo "$i" > "$src/list/n$i"; done
union_setup "$src"
U=$UNION_DIR
M=$D/union/mounts

# The view: our union's paragraph (the top layer's device identifies it).
top=$(stat -c '%Hd:%Ld' "$U")
para() {	# the paragraph of the union whose top is device $top
	awk -v dev="$top" '/^union/ { p = $0 "\n"; next }
		{ p = p $0 "\n" } /^  top / && $NF == dev { mine = 1 }
		/^  listings_merged / { if (mine) printf "%s", p; mine = 0 }' $M
}
stat_of() {	# stat_of NAME: that counter of our union
	para | awk -v n="$1" '$1 == n { print $2 }'
}
diag "$(para)"
check "the view has our union" grep -q "^  top $UPPER " <<< "$(para)"
# The lower's mount: the first one mounted at $U, below the top.
lower_id=$(awk -v mp="$U" '$5 == mp { print $1; exit }' /proc/self/mountinfo)
assert_eq "$(para | awk '$1 == "lower" { print $2, $4, $5 }')" \
	"0 $lower_id $LOWER" "its one lower layer, by mount ID and type"
check "the root's stack has one directory" \
	grep -q "^  root stack: [^ ]*:[0-9]*$" <<< "$(para)"
for n in copyups copyups_failed whiteouts fallthrus dirs_completed; do
	assert_eq "$(stat_of $n)" 0 "nothing done yet: $n 0"
done

echo > $TR/trace
echo 1 > $TR/events/union/enable
stat "$U/d/f" > /dev/null
stat "$U/d/none" > /dev/null 2>&1 || true
chmod 0600 "$U/d/f"
rm "$U/d/g"
ls "$U/list" > /dev/null		# writes nothing
# rmdir() counts the names below in the top layer's directory: it
# completes list/ with their fallthrus, and then finds it not empty.
assert_errno ENOTEMPTY rmdir "$U/list"
FU=$D/fail_union
if [ -e $FU/steps ]; then
	echo 0 > $FU/verbose		# no stack dump on the console
	echo 2 > $FU/steps		# UNION_STEP_COPY_DATA
	echo 100 > $FU/probability
	echo 1 > $FU/interval
	echo 1 > $FU/times
	assert_errno EIO append "$U/d/h" more
	echo 0 > $FU/probability
	echo 0 > $FU/steps
fi
echo 0 > $TR/events/union/enable
tr=$(cat $TR/trace)
diag "$(grep union_ <<< "$tr" | head -40)"
tdev=$(stat -c '%Hd:%Ld' "$U")
ev() {	# ev EVENT PATTERN: the EVENT lines of our union matching PATTERN
	grep -E "$1: dev $tdev .*$2" <<< "$tr"
}
# dir_of EVENT NAME: the directory (its top layer's inode number, which
# stat does not give for a copy) of the first EVENT about NAME.
dir_of() {
	ev "$1" "name $2 " | sed -n '1s/.* dir \([0-9]*\) name .*/\1/p'
}
d_ino=$(dir_of union_lookup f)
check "lookup of d/f found a file in layer 0" \
	ev union_lookup "dir $d_ino name f found file layer 0 err 0"
check "lookup of d/none found nothing" \
	ev union_lookup "dir $d_ino name none found none layer -1 err 0"
check "lookup of d made the directory on the top layer" \
	ev union_dir_create "name d err 0"
check "copy-up of d/f started" ev union_copyup_start "dir $d_ino name f lower .* len 2"
copy_ino=$(ev union_copyup_end "dir $d_ino name f ino" |
	sed -n '1s/.* ino \([0-9]*\) err 0$/\1/p')
check "and ended with the copy's inode, a top layer's" \
	test "${copy_ino:-0}" -gt 0 -a "${copy_ino:-0}" -lt $((1 << 48))
check "unlink of d/g left a whiteout" ev union_whiteout "dir $d_ino name g err 0"
assert_eq "$(ev union_fallthru "name n[1-5] err 0" | wc -l)" 5 \
	"rmdir of list/ made 5 fallthrus"
check "and was one directory copy-up, of the directory of the fallthrus" \
	ev union_dir_copyup "dir $(dir_of union_fallthru n1) layers 1 names 5 err 0"
if [ -e $FU/steps ]; then
	check "an injected copy-up error is traced" \
		ev union_copyup_end "name h ino 0 err -5"
	assert_eq "$(stat_of copyups_failed)" 1 "and counted"
fi
assert_eq "$(stat_of copyups)" 1 "the view counts the copy-up"
assert_eq "$(stat_of whiteouts)" 1 "the whiteout"
assert_eq "$(stat_of fallthrus)" 5 "the fallthrus"
assert_eq "$(stat_of dirs_completed)" 1 "the completed directory"
check "and directories made by lookups" test "$(stat_of dirs_created)" -ge 2

# A merged directory's listing is merged once and kept, until the
# directory changes or the shrinker takes it back under memory pressure
# (drop_caches runs it; its first look spares a listing used since).
ls "$U/d" > /dev/null
n=$(stat_of listings_merged)
check "listings are counted" test "${n:-0}" -ge 1
ls "$U/d" > /dev/null
assert_eq "$(stat_of listings_merged)" "$n" "a second listing uses the kept one"
echo new > "$U/d/new"
ls "$U/d" > /dev/null
assert_eq "$(stat_of listings_merged)" "$((n + 1))" \
	"a listing after a change merges again"
exec 3< "$U/d"	# the directory's dentry, and its stack, stay
echo 2 > /proc/sys/vm/drop_caches
echo 2 > /proc/sys/vm/drop_caches
ls "$U/d" > /dev/null
exec 3<&-
assert_eq "$(stat_of listings_merged)" "$((n + 2))" \
	"after the shrinker took it back, the next listing merges again"

# The union's calls into its top layer (the union_do_*() wrappers) log
# themselves for dynamic debug, in kernels that have it (make debug).
DC=$D/dynamic_debug/control
if [ -e $DC ]; then
	echo 'format "union: " +p' > $DC
	n=$(dmesg | wc -l)
	chmod 0640 "$U/d/h"	# a copy-up: the copy gets the lower's attributes
	echo 'format "union: " -p' > $DC
	log=$(dmesg | tail -n +$((n + 1)) | grep 'union: ')
	diag "$log"
	check "the copy-up's O_TMPFILE is logged with its result" \
		grep -q 'union: tmpfile(.*) = 0$' <<< "$log"
	check "and its setattr" grep -q 'union: setattr(.*) = 0$' <<< "$log"
else
	diag "no dynamic debug: the union_do_*() calls are not logged"
fi

t_umount "$U"
assert_eq "$(para)" "" "an unmounted union is gone from the view"
done_testing
