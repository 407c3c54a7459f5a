#!/bin/bash
# Unions and the new mount API (newmount.py).  fsopen(), fsconfig(),
# fsmount() and move_mount(MOVE_MOUNT_UNION) make a union over the
# read-only mounts at the target, as mount -o union does: the merged
# tree shows, mountinfo says "union", a change copies up.  A directory
# made through the detached mount's descriptor before the move merges
# with the lower one.  move_mount(MOVE_MOUNT_UNION) fails with EINVAL
# without read-only mounts at the target, for a mount that is already
# attached (moved), and with MOVE_MOUNT_BENEATH.  The top layer is
# mounted only once: fsmount() of a union's top filesystem gives EBUSY,
# the mount(2) way too; a clone of the union's mount
# (open_tree(OPEN_TREE_CLONE)) is a bind mount of the union and shows the
# merged tree, and cannot be made a union again.  move_mount() to a
# descriptor taken before the lowers were mounted makes the union over
# them (the topmost mount there).  An idmapped mount
# cannot become a top layer (not tested; 064 tests that a union cannot
# be idmapped).
# uppers: tmpfs ext2 jffs2
. "$(dirname "$0")/../lib.sh"

NEWMOUNT="$PYTHON $UNION_TOOLS/newmount.py"
src=$T/src
mkdir -p "$src/d" "$src/e"
echo "lower file" > "$src/d/f"
echo "lower e" > "$src/e/h"
echo "lower g" > "$src/g"
union_setup "$src"
U=$UNION_DIR
want=$(cd "$U" && find . | sort)

# The union of mount(2): the top is mounted only once, clones are binds.
if [ -n "$UPPER_DEV" ]; then
	mkdir -p "$T/again"
	assert_eq "$($NEWMOUNT new "$UPPER" "$UPPER_DEV" "$T/again")" \
		"fsmount: EBUSY" "fsmount() of the union's top filesystem: EBUSY"
	check_fails "mount(2) of the union's top filesystem fails" \
		mount -t "$UPPER" "$UPPER_DEV" "$T/again"
fi
mkdir -p "$T/clone"
assert_eq "$($NEWMOUNT clone "$U" "$T/clone" union)" "move_mount: EINVAL" \
	"a clone of the union cannot be made a union again"
assert_eq "$($NEWMOUNT clone "$U" "$T/clone")" ok "open_tree() clone of the union, attached"
_t_mounts+=("$T/clone")
assert_eq "$(cd "$T/clone" && find . | sort)" "$want" "the clone shows the merged tree"
assert_eq "$($NEWMOUNT setattr "$T/clone" 0)" ok "mount_setattr() on it works"
t_umount "$T/clone"
echo "top file" > "$U/top"
t_umount "$U"

# The same union again, made with the new API over the same lowers.
case $UPPER in
tmpfs) how=(tmpfs - "$U" union mode=0755) ;;
*) how=("$UPPER" "$UPPER_DEV" "$U" union) ;;
esac
mkdir -p "$T/plain"
assert_eq "$($NEWMOUNT new "${how[0]}" "${how[1]}" "$T/plain" union)" \
	"move_mount: EINVAL" "MOVE_MOUNT_UNION over no read-only mount: EINVAL"
assert_eq "$($NEWMOUNT new "${how[@]}")" ok "fsopen/fsconfig/fsmount/move_mount(MOVE_MOUNT_UNION)"
_t_mounts+=("$U")
check "mountinfo says union" is_union "$U"
case $UPPER in
tmpfs) ;;
*) want=$(printf '%s\n' "$want" ./top | sort) ;;
esac
assert_eq "$(cd "$U" && find . | sort)" "$want" "the merged tree"
assert_file_content "$U/d/f" "lower file" "a lower file reads through the union"
echo changed >> "$U/d/f"
assert_layer d/f upper "a change copies the lower file up"
assert_file_content "$LOWER_DIR/d/f" "lower file" "the lower file is unchanged"
if [ -n "$UPPER_DEV" ]; then
	assert_eq "$($NEWMOUNT new "$UPPER" "$UPPER_DEV" "$T/again")" \
		"fsmount: EBUSY" "fsmount() of this union's top filesystem: EBUSY"
fi
mkdir -p "$T/moved"
t_mount -t tmpfs -o ro moved-lower "$T/moved"
assert_eq "$($NEWMOUNT move "$U" "$T/moved" union)" "move_mount: EINVAL" \
	"MOVE_MOUNT_UNION of an attached mount: EINVAL"

# A directory made through the descriptor before the move merges.
t_umount "$U"
got=$($PYTHON - "$UNION_TOOLS" "${how[@]}" <<'EOF'
import os, sys
sys.path.insert(0, sys.argv[1])
import newmount as nm
fstype, source, target, _, *opts = sys.argv[2:]
fs = nm.call("fsopen", nm.SYS_FSOPEN, nm.b(fstype), 0)
if source != "-":
    nm.call("fsconfig", nm.SYS_FSCONFIG, fs, nm.FSCONFIG_SET_STRING,
            nm.b("source"), nm.b(source), 0)
for kv in opts:
    k, v = kv.split("=", 1)
    nm.call("fsconfig", nm.SYS_FSCONFIG, fs, nm.FSCONFIG_SET_STRING,
            nm.b(k), nm.b(v), 0)
nm.call("fsconfig", nm.SYS_FSCONFIG, fs, nm.FSCONFIG_CMD_CREATE, None, None, 0)
mfd = nm.call("fsmount", nm.SYS_FSMOUNT, fs, 0, 0)
try:
    os.mkdir("e", dir_fd=mfd)
except FileExistsError:
    pass
fd = os.open("e/mine", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=mfd)
os.write(fd, b"top\n")
os.close(fd)
nm.move(mfd, target, True)
print("ok")
EOF
)
assert_eq "$got" ok "a directory made through the descriptor, then move_mount(MOVE_MOUNT_UNION)"
_t_mounts+=("$U")
assert_file_content "$U/e/mine" top "its file is there"
assert_file_content "$U/e/h" "lower e" "and the lower directory's file shows in it"

# A target taken (O_PATH) before its lower was mounted: the union goes on
# the topmost mount there, as any mount does, and adopts that lower.
L=$T/late
mkdir -p "$L"
assert_eq "$($NEWMOUNT under "$L" "mount --bind $LOWER_DIR $L &&
	mount -o remount,bind,ro $L" tmpfs mode=0755)" ok \
	"move_mount(MOVE_MOUNT_UNION) to a descriptor taken before the lower"
_t_mounts+=("$L" "$L")
check "it is a union" is_union "$L"
assert_file_content "$L/d/f" "lower file" "over the lower mounted after"
echo more >> "$L/d/f"
assert_file_content "$LOWER_DIR/d/f" "lower file" "which it does not write"

done_testing
