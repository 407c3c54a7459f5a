#!/bin/bash
# A lower layer served over NFS: the guest's own kernel nfsd exports a
# directory over loopback (NFSv4; the export table is written straight
# into nfsd's caches, no mountd), the client mounts it read-only and a
# local top layer is union-mounted on it, as a cluster node does with its
# shared root.  Lookups, reads, the merged listing, copy-up (data, owner,
# mode), whiteouts, new directories and a renamed lower directory work
# over it, and the export is never written.  Then the export changes
# underneath (a file rewritten, removed, added, a directory removed and
# renamed): every call on the union gets a result or an error (ENOENT,
# ESTALE), never a crash, and a fresh union shows the new export.  nfsd
# refuses to export the union itself.
# uppers: tmpfs ext2
# lowers: nfs
# timeout: 300
. "$(dirname "$0")/../lib.sh"

grep -qw nfsd /proc/filesystems || skip_all "no nfsd in this kernel"
grep -qw nfs4 /proc/filesystems || skip_all "no NFSv4 client in this kernel"
BB=/bin/busybox
$BB ip link set lo up || bail_out "cannot bring up lo"

# The export (fsid 0: the NFSv4 root), in the guest's /tmp.
E=$T/export
mkdir -p "$E/d/sub" "$E/ren/deep" "$E/gone/x" "$E/list"
echo one > "$E/d/f"
echo two > "$E/d/g"
echo mode > "$E/d/m"
chmod 0640 "$E/d/m"
chown 1000:1000 "$E/d/m"
echo deep > "$E/ren/deep/f"
echo x > "$E/gone/x/f"
for i in $(seq 1 50); do echo "$i" > "$E/list/n$i"; done
echo keep > "$E/d/keep"

mkdir -p /proc/fs/nfsd
mountpoint -q /proc/fs/nfsd || t_mount -t nfsd nfsd /proc/fs/nfsd
# NFSv4 only: no rpcbind, no mountd.
echo "-3 +4 +4.1 +4.2" > /proc/fs/nfsd/versions ||
	bail_out "cannot choose NFS versions"
forever=2147483647
# Export flags: read-only, insecure ports, no subtree check, fsid given.
flags=$((0x1 | 0x2 | 0x400 | 0x2000))
echo "nfsd 127.0.0.1 $forever union-test" > /proc/net/rpc/auth.unix.ip/channel &&
echo "union-test $E $forever $flags 65534 65534 0" > /proc/net/rpc/nfsd.export/channel &&
echo "union-test 1 \\x00000000 $forever $E" > /proc/net/rpc/nfsd.fh/channel ||
	bail_out "cannot fill nfsd's export caches"
# The shortest lease and grace period (opens wait out the grace period).
echo 10 > /proc/fs/nfsd/nfsv4leasetime
echo 10 > /proc/fs/nfsd/nfsv4gracetime
# A listener first: mainline nfsd no longer makes one when started.
echo "tcp 2049" > /proc/fs/nfsd/portlist || bail_out "cannot make nfsd listen"
echo 4 > /proc/fs/nfsd/threads || bail_out "cannot start nfsd"
# No clients to reclaim state: no grace period.
echo Y > /proc/fs/nfsd/v4_end_grace 2> /dev/null || true

U=$T/union
mkdir -p "$U"
# noac: the client asks the server each time, so the changes made to the
# export below are seen by the next call, not after a cache timeout.
nfsopts=addr=127.0.0.1,clientaddr=127.0.0.1,noac
assert_eq "$($SYSOP mount 127.0.0.1:/ "$U" nfs4 rdonly "$nfsopts")" "" \
	"the export is mounted read-only over NFSv4"
_t_mounts+=("$U")
mkdir -p "$T/lower-alone"
$SYSOP mount 127.0.0.1:/ "$T/lower-alone" nfs4 rdonly "$nfsopts" ||
	bail_out "second NFS mount failed"
_t_mounts+=("$T/lower-alone")
case $UPPER in
tmpfs) t_mount -t tmpfs -o union,mode=0755 upper "$U" ;;
ext2)
	mkdir -p "$T/upper-empty"
	mk_image ext2 "$T/upper-empty" "$T/upper.img"
	t_losetup "$T/upper.img"
	fsck_at_end ext2 "$T/upper.img"
	t_mount -t ext2 -o union "$LOOPDEV" "$U" ;;
esac
check "the union is up over NFS" is_union "$U"
snapshot=$(cd "$E" && find . -printf '%p %m %u %s\n' | sort; cat $(find "$E" -type f | sort) | sha256sum)

# Lookups, reads, listings.
assert_file_content "$U/d/f" one
assert_eq "$(stat -c '%a %u' "$U/d/m")" "640 1000" "owner and mode from the server"
assert_dir_list "$U/list" "$(cd "$E/list" && ls)" "the merged listing is the export's"
assert_eq "$(ls "$U/list" | wc -l)" 50 "the merged listing has the 50 names"
# Copy-up: data, owner and mode.
echo more >> "$U/d/f"
assert_file_content "$U/d/f" "one
more"
assert_eq "$(stat -c %d "$U/d/f")" "$(stat -c %d "$U")" "the change went to the top layer"
chmod 0600 "$U/d/m"
assert_eq "$(stat -c '%a %u' "$U/d/m")" "600 1000" "chmod copied up, owner kept"
# Whiteout, a new directory, a renamed lower directory.
rm "$U/d/g"
assert_absent "$U/d/g"
mkdir "$U/d/newdir"
echo new > "$U/d/newdir/f"
mv "$U/ren" "$U/renamed"
assert_file_content "$U/renamed/deep/f" deep
assert_absent "$U/ren"
after=$(cd "$E" && find . -printf '%p %m %u %s\n' | sort; cat $(find "$E" -type f | sort) | sha256sum)
assert_eq "$after" "$snapshot" "the export was not written"

# The union itself is not exported: nfsd's lookups would not merge it.
# The union's root and a directory of its top layer are refused; the
# same line for a plain directory is taken, so the line itself is right.
export_line() {
	echo "union-test $1 $forever $((flags | 0x2000)) 65534 65534 $2" \
		> /proc/net/rpc/nfsd.export/channel
}
mkdir -p "$T/plain"
check "nfsd exports a plain directory" export_line "$T/plain" 8
check_fails "nfsd refuses to export the union's root" export_line "$U" 7
check_fails "nfsd refuses to export a directory of the union" \
	export_line "$U/d/newdir" 9

# The export changes underneath.  Each call: a result or ENOENT/ESTALE.
ls -R "$U/gone" > /dev/null		# a stack for gone/ and gone/x
stat "$U/d/keep" > /dev/null
echo rewritten > "$E/d/keep"
rm -r "$E/gone/x"
mv "$E/list" "$E/list-moved"
echo added > "$E/d/added"
rm "$E/d/sub" -r
for call in "read $U/d/keep" "lstat $U/gone/x" "lstat $U/gone/x/f" \
	"readdir $U/gone" "readdir $U/gone/x" "lstat $U/d/added" \
	"readdir $U/list" "lstat $U/list/n1" "read $U/list/n1" \
	"lstat $U/list-moved" "lstat $U/d/sub" "append $U/d/keep more" \
	"append $U/list/n2 more" "rename $U/gone $U/gone2" \
	"unlink $U/list/n3" "mkdir $U/gone/x/new"; do
	r=$($SYSOP $call 2>&1 | tail -1)
	case $r in
	E[A-Z]*) ;;
	*) r=0 ;;		# nothing, or what the call read
	esac
	case $r in
	0|ENOENT|ESTALE) ok "export changed: $call: ${r}" ;;
	*) not_ok "export changed: $call: $r" ;;
	esac
done
check "the union can be listed whole" ls -R "$U"

# A fresh union over the same NFS mount sees the new export.
t_umount "$U"
assert_eq "$(cat "$U/d/keep")" rewritten "the NFS mount alone: the rewritten file"
t_mount -t tmpfs -o union,mode=0755 upper2 "$U"
check "a fresh union is up" is_union "$U"
assert_file_content "$U/d/added" added
assert_absent "$U/gone/x"
assert_file_content "$U/list-moved/n7" 7

# Stop the server, so that nothing holds the export at the end.
t_umount "$U"
t_umount "$T/lower-alone"
t_umount "$U"
echo 0 > /proc/fs/nfsd/threads
for c in nfsd.fh nfsd.export auth.unix.ip; do
	date +%s > /proc/net/rpc/$c/flush
done
done_testing
