#!/bin/bash
# Staged copy-ups that lose their race (copystorm.py): tasks on every CPU
# change the same lower files at the same moment, each through a
# different call that stages its copy-up (chmod, chown, utime, truncate,
# setxattr, removexattr, open for writing, O_TRUNC).  One copy wins each
# file.  Every call must succeed, never with ESTALE (the callers retry
# that once, for NFS), and every change must be found on the copy that
# won.  Where the union's trace events are, the copy-ups that lost their
# race are counted (err -116): on two CPUs some must have.  The lower
# files stay as they were.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 300
. "$(dirname "$0")/../lib.sh"

nfiles=1000
[ -n "$QUICK" ] && nfiles=400
src=$T/src
# A directory of fresh lower files for each round.
for tasks in 2 4; do
	mkdir -p "$src/d$tasks"
	for ((i = 0; i < nfiles; i++)); do
		echo "f$i" > "$src/d$tasks/f$i"
	done
done
$PYTHON -c '
import os, sys
for d in sys.argv[1:]:
    for f in os.listdir(d):
        os.setxattr(os.path.join(d, f), "user.gone", b"1")
' "$src/d2" "$src/d4" || bail_out "user xattrs on $src"
union_setup "$src"
U=$UNION_DIR
cpus=$(nproc)
diag "CPUs online: $cpus"

TR=/sys/kernel/tracing
[ -d $TR/events ] || mount -t tracefs tracefs $TR 2> /dev/null
traced=
if [ -d $TR/events/union/union_copyup_end ]; then
	traced=1
	echo > $TR/trace
	echo 1 > $TR/events/union/union_copyup_end/enable
fi
for tasks in 2 4; do
	out=$($PYTHON "$UNION_TOOLS/copystorm.py" "$U/d$tasks" "$tasks" 2>&1)
	check "$tasks tasks racing the copy-ups of $nfiles files: $out" \
		test "${out%% *}" = done
done
if [ -n "$traced" ]; then
	echo 0 > $TR/events/union/union_copyup_end/enable
	lost=$(grep -c 'err -116$' $TR/trace)
	diag "copy-ups that lost their race: $lost"
	if [ "$cpus" -gt 1 ]; then
		check "copy-ups lost races ($lost)" test "$lost" -gt 0
	fi
fi
check "the lower files are unchanged" \
	cmp -s "$src/d4/f7" "$LOWER_DIR/d4/f7"
check "the lower files keep user.gone" \
	$PYTHON -c 'import os, sys; os.getxattr(sys.argv[1], "user.gone")' \
	"$LOWER_DIR/d2/f5"
done_testing
