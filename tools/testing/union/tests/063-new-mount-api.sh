#!/bin/bash
# Unions and the new mount API (newmount.py).  fsopen(), fsconfig(),
# fsmount(MOUNT_ATTR_UNION) and move_mount() make a union over the
# read-only mounts at the target, as mount -o union does: the merged
# tree shows, mountinfo says "union", a change copies up.  Without
# read-only mounts at the target, move_mount() fails with EINVAL.  The
# top layer is mounted only once: fsmount() of a union's top filesystem
# gives EBUSY, the mount(2) way too; a clone of the union's mount
# (open_tree(OPEN_TREE_CLONE)) is a bind mount of the union and shows the
# merged tree.  MOUNT_ATTR_UNION is refused by mount_setattr().
# uppers: tmpfs ext2 jffs2
. "$(dirname "$0")/../lib.sh"

NEWMOUNT="$PYTHON $UNION_TOOLS/newmount.py"
src=$T/src
mkdir -p "$src/d"
echo "lower file" > "$src/d/f"
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
assert_eq "$($NEWMOUNT clone "$U" "$T/clone")" ok "open_tree() clone of the union, attached"
_t_mounts+=("$T/clone")
assert_eq "$(cd "$T/clone" && find . | sort)" "$want" "the clone shows the merged tree"
assert_eq "$($NEWMOUNT setattr "$U" 0x400000)" "mount_setattr: EINVAL" \
	"mount_setattr(MOUNT_ATTR_UNION): EINVAL"
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
	"move_mount: EINVAL" "fsmount(MOUNT_ATTR_UNION) over no read-only mount: EINVAL"
assert_eq "$($NEWMOUNT new "${how[@]}")" ok "fsopen/fsconfig/fsmount(MOUNT_ATTR_UNION)/move_mount"
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

done_testing
