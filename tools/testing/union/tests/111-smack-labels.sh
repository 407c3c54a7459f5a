#!/bin/bash
# A labelling security module (Smack) judges removals of lower objects by
# their own labels, as it judges them on a plain filesystem.  A task
# labelled Tst, with a rule that lets it read but not write objects
# labelled Secret, and without CAP_MAC_OVERRIDE, may remove and rename
# its own lower files but neither remove a Secret one, nor rename it, nor
# replace it by a rename; the same calls on a plain tmpfs copy with the
# same labels must give the same answers and leave the same tree.  Before
# the fix, unlink() of a lower file whited it out without asking the
# security modules, and a rename over one asked nothing about it.
# uppers: tmpfs ext2 jffs2
# lowers: ext2
# cmdline: lsm=landlock,smack
. "$(dirname "$0")/../lib.sh"

[ -d /sys/fs/smackfs ] || skip_all "no Smack (CONFIG_SECURITY_SMACK, lsm=smack)"
mountpoint -q /sys/fs/smackfs || t_mount -t smackfs smackfs /sys/fs/smackfs
echo "Tst Secret r" > /sys/fs/smackfs/load2 || bail_out "cannot load a Smack rule"

src=$T/src
ref=$T/ref
mkdir -p "$src/d"
for f in a b c e; do
	printf 'lower data of %s\n' "$f" > "$src/d/$f"
done

# label ROOT: the test's labels on the tree at ROOT.
label() {
	setfattr -n security.SMACK64 -v Tst "$1/d" "$1/d/b" "$1/d/e" &&
	setfattr -n security.SMACK64 -v Secret "$1/d/a" "$1/d/c"
}

mk_image ext2 "$src" "$T/lower.img"
mount_image ext2 "$T/lower.img" "$T/prep" rw
label "$T/prep" || bail_out "cannot label the ext2 lower"
t_umount "$T/prep"
union_setup "ext2:$T/lower.img"
U=$UNION_DIR
plain_copy "$src" "$ref"
label "$ref" || bail_out "cannot label tmpfs files"
assert_eq "$(getfattr --absolute-names --only-values -n security.SMACK64 "$U/d/a")" \
	Secret "the union shows the lower file's label"

# calls ROOT: as Tst without CAP_MAC_OVERRIDE and CAP_MAC_ADMIN, each
# call in ROOT; "what errno" each.
calls() {
	local attr=/proc/self/attr/smack/current
	[ -e "$attr" ] || attr=/proc/self/attr/current
	(echo Tst > "$attr" &&
	 setpriv --bounding-set -mac_override,-mac_admin \
		"$PYTHON" - "$1" <<-'EOF'
	import errno, os, sys
	os.chdir(sys.argv[1])

	def read(path):
	    with open(path) as f:
	        f.read()

	calls = [
	    ("read a Secret file", read, "d/a"),
	    ("unlink a Secret file", os.unlink, "d/a"),
	    ("rename a Secret file", os.rename, "d/c", "d/c2"),
	    ("rename over a Secret file", os.rename, "d/b", "d/a"),
	    ("rename over an own file", os.rename, "d/b", "d/e"),
	]
	for what, call, *args in calls:
	    try:
	        call(*args)
	        print(what, "ok")
	    except OSError as e:
	        print(what, errno.errorcode[e.errno])
	EOF
	)
}

got=$(calls "$U" 2>&1)
want=$(calls "$ref" 2>&1)
assert_eq "$got" "$want" "each call answers as on a plain file system"
for refused in "unlink a Secret file" "rename over a Secret file"; do
	grep -qx "$refused EACCES" <<< "$want" ||
		not_ok "the plain file system refuses: $refused"
done
grep -qx "rename over an own file ok" <<< "$want" ||
	not_ok "the plain file system allows a rename over an own file"
assert_same_tree "$U" "$ref" "the refused calls left the tree as on a plain file system"
assert_layer d/a lower "the Secret file stays below"

done_testing
