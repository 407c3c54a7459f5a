#!/bin/bash
# build/bin/mount -o union passes MS_UNION (0x200) to mount(2), through the
# classic mount(2) call, not the fsopen() API.  Needs no union mounts: only
# the call is checked, not what the kernel makes of it.
# uppers: tmpfs
. "$(dirname "$0")/../lib.sh"

command -v strace >/dev/null || skip_all "no strace"
assert_eq "$(command -v mount)" "$UNION_TOP/build/bin/mount" "our mount(8) is first on PATH"

m=$T/m
mkdir -p "$m"
t_mount -t tmpfs -o ro lower "$m"
strace -f -o "$T/trace" -e trace=mount,fsopen,fsconfig,fsmount,move_mount \
	mount -t tmpfs -o union upper "$m" >/dev/null 2>&1
rc=$?
diag "$(cat "$T/trace")"
if [ $rc = 0 ]; then
	_t_mounts+=("$m")
fi
call=$(grep -F 'mount("upper"' "$T/trace" | head -1)
flags=$(echo "$call" | sed -E 's/^.*"tmpfs", ([^,]*),.*$/\1/')
diag "flags: $flags"
case $flags in
*0x200*|*MS_UNION*) ok "mount(2) got MS_UNION" ;;
*) not_ok "mount(2) got MS_UNION" ;;
esac
check_fails "no fsopen() call" grep -q fsopen "$T/trace"

# The listing comes from /proc/self/mountinfo: "union" appears there exactly
# when the kernel keeps the flag, and mount(8) shows it the same way.
if [ $rc = 0 ] && is_union "$m"; then
	check "mount(8) lists union" sh -c "mount | grep -F ' $m ' | grep -q union"
else
	diag "the kernel does not show union in mountinfo (no union mounts)"
fi

done_testing
