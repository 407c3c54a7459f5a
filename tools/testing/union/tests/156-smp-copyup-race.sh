#!/bin/bash
# Copy-ups racing opens, reads, mmaps, renames and unlinks of the same
# lower files, each task pinned to a CPU of its own in turn
# (smprace.py): every read gives a file's whole data, never a partial
# copy; renames and changes succeed or find the name gone; an unlinked
# name never comes back through a copy-up.  On a one-CPU kernel the
# tasks interleave on that CPU.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 300
. "$(dirname "$0")/../lib.sh"

secs=20
[ -n "$QUICK" ] && secs=8
nfiles=24
src=$T/src
mkdir -p "$src/d"
for ((i = 0; i < nfiles; i++)); do
	for f in f u; do
		for ((j = 0; j < 256; j++)); do echo "f$i"; done > "$src/d/$f$i"
	done
done
# u files hold the f name's data: only their names matter.
union_setup "$src"
U=$UNION_DIR
diag "CPUs online: $(nproc)"

out=$($PYTHON "$UNION_TOOLS/smprace.py" "$U/d" "$secs" 2>&1)
check "$secs s of copy-ups racing reads, mmaps, renames and unlinks: $(echo "$out" | head -3)" \
	test "${out%% *}" = done
check "the lower layer still has every unlinked name" \
	test "$(ls "$LOWER_DIR/d" | grep -c '^u')" = "$nfiles"
check "the lower files are unchanged" \
	cmp -s "$src/d/f0" "$LOWER_DIR/d/f0"
done_testing
