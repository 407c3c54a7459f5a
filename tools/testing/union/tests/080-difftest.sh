#!/bin/bash
# Differential test: hundreds of seeded random operations applied to a
# union and to a plain tmpfs copy of its merged tree must give the same
# result or errno every time and leave the same trees, compared after
# every step: names, types, modes, owners, sizes, contents, symlink
# targets, device numbers, xattrs, the mtimes set explicitly, and which
# names share an inode.  The operations: create, mkdir, mknod, unlink,
# rmdir, symlink, link, rename (renameat2 with RENAME_NOREPLACE and
# RENAME_EXCHANGE too), readdir, stat, read, and the changes that copy a
# lower file up: writes (pwrite, append, O_TRUNC, truncate shorter and
# longer, stores through a writable mmap), chmod, chown/lchown, utimensat
# (also AT_SYMLINK_NOFOLLOW), setxattr/removexattr of user.* xattrs, on
# every file type the lower holds, lower and merged directories renamed
# too; the lower tree has files with several names (hard links); files
# are held open read-only (on both) and read and fstat'ed through those
# descriptors later, whatever happened to them meanwhile, and a thread
# reads the union's while each operation runs (see difftest.py).  POSIX
# ACLs: access and default ACLs set and removed (ext2 lowers: some objects
# have them from the start), so that copies must carry exactly the lower
# object's and new objects inherit the directory's; faccessat() and
# execve().  One operation in twelve runs as another user (one of
# several uids, gids and supplementary groups).  Each seed's run is split
# by a remount of the union (tmpfs uppers: the caches dropped), the trees
# compared across it; after it, a quarter of the operations run with the
# union remounted nosuid,nodev,noexec,nosymfollow, an eighth with it
# read-only too (the copy bind-mounted with the same flags), the rest
# without flags.  Then the trees are compared
# with the caches dropped again (block uppers: after a remount), by
# lookups and by readdir.  A difference names the seed, the step, the
# operation and both results, with the command that runs that seed alone.
# DIFFTEST_SEEDS / DIFFTEST_OPS in the environment change the seeds
# (default "1 2 3"; QUICK=1: one of them) and the operations per seed
# (200; QUICK=1: 120); DIFFTEST_SKIP
# leaves things out while exploring past a known difference (difftest.py).
# The diagnostics give each seed's operation counts per kind.
# uppers: tmpfs ext2 jffs2
# lowers: squashfs ext2
# timeout: 900
. "$(dirname "$0")/../lib.sh"

# QUICK=1 (make test): one seed per run, a different one for each upper.
case $QUICK:$UPPER in
1:tmpfs) quick=1 ;;
1:ext2) quick=2 ;;
1:*) quick=3 ;;
*) quick="1 2 3" ;;
esac
SEEDS=${DIFFTEST_SEEDS:-$quick}
NLOWERS=1
layers_of() { echo 1; }
. "$UNION_TOOLS/difftest.sh"
