#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memory a merged listing of N names (default 50,000) takes, the
# union's against overlayfs's, over the same lower image: the growth of
# Slab plus VmallocUsed in /proc/meminfo across a listing, and while the
# directory is open after its first getdents().  The union keeps its
# listing with the directory's stack after the last close; overlayfs
# frees its own then.  In the guest:
#
#   scripts/uml-run --mem 1024M -- tools/testing/union/bench/listing-memory.sh
. "$(dirname "$0")/../lib.sh"

N=${N:-50000}
mkdir -p "$T/src/big"
$PYTHON - "$T/src/big" "$N" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    open(os.path.join(d, "file-%06d" % i), "w").close()
EOF
union_setup "$T/src"
U=$UNION_DIR
touch "$U/big/on-top" || bail_out "touch"	# big is merged now

mem() { awk '/^Slab:|^VmallocUsed:/ { s += $2 } END { print s }' /proc/meminfo; }
# open_kb DIR: what DIR's first getdents() takes, measured while it is open
open_kb() {
	$PYTHON - "$1" <<-'EOF'
	import os, sys
	def mem():
	    return sum(int(l.split()[1]) for l in open("/proc/meminfo")
	               if l.startswith(("Slab:", "VmallocUsed:")))
	before = mem()
	it = os.scandir(sys.argv[1])
	next(it)
	print(mem() - before)
	it.close()
	EOF
}
listed_kb() {	# listed_kb DIR: what a whole listing of DIR leaves behind
	local b
	b=$(mem)
	ls -f "$1" > /dev/null
	echo $(($(mem) - b))
}

mkdir -p "$T/ovu/big" "$T/ovw" "$T/ovm"
touch "$T/ovu/big/on-top"
mount -t overlay overlay \
	-o "lowerdir=$LOWER_DIR,upperdir=$T/ovu,workdir=$T/ovw" "$T/ovm" ||
	bail_out "overlayfs mount"
sync
echo 2 > /proc/sys/vm/drop_caches
for i in 1 2 3; do
	diag "round $i: union: first getdents $(open_kb "$U/big") kB, left after ls $(listed_kb "$U/big") kB; overlayfs: first getdents $(open_kb "$T/ovm/big") kB, left after ls $(listed_kb "$T/ovm/big") kB"
done
umount "$T/ovm"
ok "measured ($N names)"
done_testing
