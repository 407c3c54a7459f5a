#!/bin/bash
# Fault injection.  Each step the union takes on the top layer fails in
# turn (CONFIG_UNION_FAULT_INJECTION: /sys/kernel/debug/fail_union, its
# "steps" mask; the step returns EIO): making, filling, syncing,
# attributing and linking a copy-up's unnamed copy, recording a hard
# link in the index, a whiteout, a fallthru, a lower directory's top copy,
# a directory's complete flag, a directory's redirect.  The call that
# needed the step fails with EIO, the merged tree is as before (tree_dump,
# sizes, link counts and data), and the same call works once the fault is
# gone.  Then memory allocations fail at random (failslab,
# fail_page_alloc, for the calling task only) under copy-ups, unlinks,
# listings, rmdirs that complete a directory and directory renames: each call either works or fails
# with an error and leaves the tree as it was; on a jffs2 top, a rename
# whose unlink half fails leaves both names, as jffs2's rename does with
# no union, and they are left out of the later comparisons.  Leaks
# show on the debug kernel (make test-debug: kmemleak).  QUICK=1: 15 of
# the 200 calls with random allocation failures.
# uppers: tmpfs ext2 jffs2
# timeout: 1200
. "$(dirname "$0")/../lib.sh"

FU=/sys/kernel/debug/fail_union
[ -d /sys/kernel/debug/fail_union ] ||
	mount -t debugfs debugfs /sys/kernel/debug 2> /dev/null
[ -d $FU ] || skip_all "no $FU (CONFIG_UNION_FAULT_INJECTION)"

# The step numbers: enum union_step in fs/union.h.
STEP_COPY_OPEN=0 STEP_COPY_DATA=1 STEP_COPY_SYNC=2 STEP_COPY_ATTRS=3
STEP_COPY_LINK=4 STEP_INDEX=5 STEP_WHITEOUT=6 STEP_FALLTHRU=7
STEP_DIR_COPY=8 STEP_DIR_COMPLETE=9 STEP_REDIRECT=10

src=$T/src
mkdir_src() {
	local i
	mkdir -p "$src/d/sub" "$src/r/rsub" "$src/l"
	for i in 0 1 2 3 4 5 6 7; do
		echo "lower $i" > "$src/d/f$i"
	done
	echo sub > "$src/d/sub/s"
	echo r > "$src/r/rsub/x"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "listed $i" > "$src/l/n$i"
	done
	echo linked > "$src/d/h1"
	ln "$src/d/h1" "$src/d/h2"
	# For the allocation failures: a fresh object for every call.
	mkdir -p "$src/m"
	for i in $(seq 0 39); do
		echo "g $i" > "$src/m/g$i"
		echo "u $i" > "$src/m/u$i"
		mkdir -p "$src/m/s$i" "$src/m/r$i/sub"
		touch "$src/m/s$i/a" "$src/m/s$i/b" "$src/m/r$i/sub/c"
	done
}
mkdir_src
union_setup "$src"
U=$UNION_DIR

# arm STEP: the next time the union reaches STEP, it fails (once).
arm() {
	echo $((1 << $1)) > $FU/steps
	echo 100 > $FU/probability
	echo 1 > $FU/interval
	echo 1 > $FU/times
	echo 0 > $FU/space
	echo N > $FU/task-filter
	echo 0 > $FU/verbose	# a stack trace per fault would fail the run
}
disarm() {
	echo 0 > $FU/steps
	echo 0 > $FU/probability
}

# $T/ref: a plain copy of the lower tree that each call that works is
# also made on; the union must always look like it.
cp -a "$src" "$T/ref"

# same SUBTREE DESC: the union's SUBTREE looks like the reference's.
same() {
	tree_dump "$U/$1" > "$T/got"
	tree_dump "$T/ref/$1" > "$T/want"
	if cmp -s "$T/want" "$T/got"; then
		ok "$2"
	else
		not_ok "$2"
		diag "$(diff "$T/want" "$T/got" | head -20)"
	fi
}

# fails STEP DESC SUBTREE OP ARGS...: union-sysop OP ARGS fails with EIO
# when STEP fails, SUBTREE is as before, and the call then works (or
# gives what it gives on the reference, $THEN: an rmdir() that completes
# a directory finds it not empty).
fails() {
	local step=$1 desc=$2 sub=$3
	shift 3
	arm "$step"
	assert_errno EIO "$@"
	check "$desc: the fault was hit" test "$(cat $FU/times)" = 0
	disarm
	same "$sub" "$desc: as before"
	assert_errno "${THEN:-0}" "$@"
	$SYSOP "${@//$U/$T/ref}" > /dev/null || [ -n "$THEN" ] ||
		bail_out "on the reference: $*"
	same "$sub" "$desc: then done"
}

fails $STEP_DIR_COPY "lookup, a lower directory's top copy" d/sub mkdir "$U/d/sub/new"
on_top l r/rsub
THEN=ENOTEMPTY fails $STEP_DIR_COMPLETE "rmdir completing l, the complete flag" \
	l rmdir "$U/l"
THEN=ENOTEMPTY fails $STEP_FALLTHRU "rmdir completing r/rsub, a fallthru" \
	r/rsub rmdir "$U/r/rsub"
fails $STEP_COPY_OPEN "copy-up, making the copy" d chmod "$U/d/f0" 0600
fails $STEP_COPY_DATA "copy-up, copying the data" d append "$U/d/f1" more
fails $STEP_COPY_SYNC "copy-up, fsync" d truncate "$U/d/f2" 3
fails $STEP_COPY_ATTRS "copy-up, attributes" d chown "$U/d/f3" 1 1
fails $STEP_COPY_LINK "copy-up, linking it in" d utimes "$U/d/f4" 5 5
fails $STEP_INDEX "copy-up of a hard link, the index" d chmod "$U/d/h1" 0600
fails $STEP_WHITEOUT "unlink, the whiteout" d unlink "$U/d/f5"
fails $STEP_WHITEOUT "rename of a lower file, the whiteout" d rename "$U/d/f6" "$U/d/f6.new"
fails $STEP_REDIRECT "rename of a lower directory, the redirect" r rename "$U/r" "$U/r2"
same r2 "the renamed directory is the reference's"
if [ -n "$UPPER_DEV" ]; then
	union_fresh
	same d "after mounting the union again: the same"
fi

# Allocation failures, at random, for union-sysop alone.
for f in failslab fail_page_alloc; do
	[ -d /sys/kernel/debug/$f ] || continue
	echo Y > /sys/kernel/debug/$f/task-filter
	echo 0 > /sys/kernel/debug/$f/space
	echo -1 > /sys/kernel/debug/$f/times
	echo 1 > /sys/kernel/debug/$f/interval
	echo 0 > /sys/kernel/debug/$f/verbose
	[ -e /sys/kernel/debug/$f/ignore-gfp-wait ] &&
		echo N > /sys/kernel/debug/$f/ignore-gfp-wait
	[ -e /sys/kernel/debug/$f/ignore-gfp-highmem ] &&
		echo N > /sys/kernel/debug/$f/ignore-gfp-highmem
done
[ -d /sys/kernel/debug/failslab ] || skip_all "no failslab"
setp() {
	local f
	for f in failslab fail_page_alloc; do
		[ -d /sys/kernel/debug/$f ] && echo "$1" > /sys/kernel/debug/$f/probability
	done
}
# flat DIR: DIR's entries, one level, with type, mode, links, size and
# the files' data, as a plain file system would show them.
# Names matching $skip (an extended regexp of "|name" alternatives) are
# left out.
flat() {
	(cd "$1" && find . -mindepth 1 -maxdepth 1 \( -type d -printf '%P %y %m %n\n' \) \
		-o -printf '%P %y %m %n %s\n' | sort &&
		find . -mindepth 1 -maxdepth 1 -type f -exec md5sum {} + | sort -k2) |
		grep -Ev "^(${skip#|}) |  (\./)?(${skip#|})$" || true
}
skip="$(printf '\001')"
# failing DIR OP ARGS...: union-sysop OP ARGS with allocations failing at
# random.  Afterwards the union's DIR (relative) looks like the
# reference's, on which the call is made too if it worked on the union.
failing() {
	local dir=$1 out rc
	shift
	out=$(UNION_SYSOP_FAIL=1 $SYSOP "$@" 2>&1)
	rc=$?
	calls=$((calls + 1))
	if [ $rc = 0 ]; then
		worked=$((worked + 1))
		$SYSOP "${@//$U/$T/ref}" > /dev/null || bail_out "on the reference: $*"
	else
		printf '%s\n' "$out" >> "$T/errors"
	fi
	flat "$U/$dir" > "$T/got"
	flat "$T/ref/$dir" > "$T/want"
	if ! cmp -s "$T/want" "$T/got" && [ $rc != 0 ] && [ "$1" = rename ] &&
		[ "$(dmesg | grep -c 'rename could not be undone')" -gt "$undone" ]; then
		# Documented: the whiteout failed, and so did the undo.
		undone=$((undone + 1))
		$SYSOP "${@//$U/$T/ref}" > /dev/null || bail_out "on the reference: $*"
	elif ! cmp -s "$T/want" "$T/got" && [ $rc != 0 ] && [ "$1" = rename ] &&
		[ "$(dmesg | grep -c 'Link succeeded, unlink failed')" -gt "$jlinked" ]; then
		# jffs2's own rename is a link, then an unlink: when the
		# unlink fails it leaves both names, as on a plain jffs2.
		# Its two names for one directory have no equal elsewhere:
		# leave them out of the comparisons from now on.
		jlinked=$((jlinked + 1))
		from=${2##*/} to=${3##*/}
		skip="$skip|${from//./\\.}|${to//./\\.}"
		flat "$U/$dir" > "$T/got"
		flat "$T/ref/$dir" > "$T/want"
		cmp -s "$T/want" "$T/got" || {
			bad=$((bad + 1))
			diag "$* (status $rc: $out): $dir differs from jffs2's half rename:" \
				"$(diff "$T/want" "$T/got" | head -10)"
		}
	elif ! cmp -s "$T/want" "$T/got"; then
		bad=$((bad + 1))
		diag "$* (status $rc: $out): $dir differs from the reference:" \
			"$(diff "$T/want" "$T/got" | head -10)"
	fi
}
calls=0 worked=0 bad=0
undone=$(dmesg | grep -c 'rename could not be undone')
undone0=$undone
jlinked=$(dmesg | grep -c 'Link succeeded, unlink failed')
jlinked0=$jlinked
: > "$T/errors"
k=0
probs="2 5 10 20" runs="0 1 2 3 4 5 6 7 8 9"
[ "$QUICK" = 1 ] && probs="20" runs="0 1 2"
for p in $probs; do
	setp $p
	for i in $runs; do
		failing m chmod "$U/m/g$k" 0640
		failing m append "$U/m/g$k" more
		failing m unlink "$U/m/u$k"
		failing "m/s$k" readdir "$U/m/s$k"
		failing "m/s$k" rmdir "$U/m/s$k"
		failing m rename "$U/m/r$k" "$U/m/r$k.x"
		k=$((k + 1))
	done
done
setp 0
diag "$calls calls with failing allocations: $worked worked, $((calls - worked)) failed," \
	"$((undone - undone0)) renames done although their whiteout failed (undo failed too)," \
	"$((jlinked - jlinked0)) jffs2 renames that left both names (jffs2's own):" \
	"$(sort "$T/errors" | uniq -c | sort -rn | head -5)"
assert_eq "$bad" 0 "each call either worked or left the tree as it was"
check "the union still works" sh -c "echo after > '$U/d/after' && grep -qx after '$U/d/after'"

done_testing
