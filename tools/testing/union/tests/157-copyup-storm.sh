#!/bin/bash
# Staged copy-ups that lose their race (copystorm.py): tasks on every CPU
# change the same lower files at the same moment, each through a call
# that stages its copy-up (chmod, chown, utime, truncate, setxattr,
# removexattr, open for writing, O_TRUNC).  One copy wins each file; the
# other calls must still succeed, on that copy, and never return ESTALE
# (the single retry that callers make of it is for NFS).  The lower
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
union_setup "$src"
U=$UNION_DIR
diag "CPUs online: $(nproc)"

for tasks in 2 4; do
	out=$($PYTHON "$UNION_TOOLS/copystorm.py" "$U/d$tasks" "$tasks" 2>&1)
	check "$tasks tasks racing the copy-ups of $nfiles files: $out" \
		test "${out%% *}" = done
done
check "the lower files are unchanged" \
	cmp -s "$src/d4/f7" "$LOWER_DIR/d4/f7"
done_testing
