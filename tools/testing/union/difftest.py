#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Differential test of a union mount against a plain directory.

The same random operations are applied to a union and to a reference
directory on an ordinary file system that holds a copy of the union's
merged tree; every operation must return the same (result or errno) on
both, and the trees must stay the same.

  difftest.py gen SEED DIR
      make a random tree at DIR (the lower layer's source)
  difftest.py gen SEED DIR1 DIR2 [DIR3...]
      make lower layers at DIR1 (topmost) ... DIRn: the bottom one as
      above, and each one above it shadowing names of those below (names
      of files with several names among them) and adding its own
  difftest.py merge REF DIR1 DIR2 [DIR3...]
      make at REF the merged tree of the layers DIR1 (topmost) ... DIRn
      as a plain directory, the names of one lower inode linked together
  difftest.py run SEED NOPS UNION REF LOWER [STATE]
      NOPS random operations on UNION and REF (a copy of the lower tree);
      LOWER is the lower layer alone.  With STATE (a file), the run goes
      on from the state saved there (if the file exists) and saves its
      state there when it ends without a difference, so that a run can be
      split in two with a remount of the union in the middle and still be
      the same run of the same seed.
  difftest.py compare UNION REF [lookups] [STATE|mtimes]
      compare the two trees, by lookups and then by readdir (with
      "lookups": by lookups only, which leaves merged directories as
      they are); STATE (of a run) tells which mtimes are known exactly
      ("mtimes": all of them, as in a fresh copy of a generated tree)

Operations (counted per kind, and per variant as KIND/VARIANT):
  create (O_CREAT|O_EXCL with content), mkdir, mknod (fifo, socket, char
  and block devices), unlink, rmdir, symlink, link (linkat, with and
  without AT_SYMLINK_FOLLOW), rename (renameat2: plain, RENAME_NOREPLACE,
  RENAME_EXCHANGE; files and directories), readdir, stat/lstat, read,
  write (pwrite at an offset, O_APPEND, open with O_TRUNC then write,
  truncate shorter and longer, a store through a shared writable mmap),
  chmod (also fchmodat with AT_SYMLINK_NOFOLLOW), chown/lchown, utime
  (utimensat with explicit times, and "now"; with and without
  AT_SYMLINK_NOFOLLOW), setxattr/removexattr of user.* (XATTR_CREATE,
  XATTR_REPLACE), access and default POSIX ACLs set and removed
  ("setacl"), faccessat, execve, and any of those as another user
  ("user": USERS, credentials of this thread only).  The targets are picked from every object the trees
  hold: lower objects never touched (so the union must copy them up),
  copied-up ones, ones made on the union; every file type the generator
  makes (regular, directory, symlink, fifo, socket, char and block
  devices).  Names come from a small vocabulary, so that operations
  collide with existing names.

After every operation the trees are compared by looking up every name of
the vocabulary in every directory (lookups only: readdir, which copies a
merged directory up, is left to the readdir operations and to
"compare"): type, mode, owner, group, link count of non-directories,
size, content, symlink target, device number, every xattr (name and
value), the mtime where it is known exactly (set explicitly, by the
generator or by utime, and not changed implicitly since on the
reference), and the link structure (which names share an inode).

Files are held open read-only on both trees ("hold", at most 8 per
process) and read and fstat'ed through those descriptors ("read_held"):
after copy-ups, renames and unlinks the two must still agree.  A thread
reads the union's held descriptors while each operation runs; none of
its reads may fail.  The descriptors are closed before the union is remounted.

Renames of lower and merged directories are compared like any other
(their counts are in "rename-lowerdir").

Some regular files of the lower tree have two or three names, and a third
of the operations that pick an existing object pick a name of a file with
several names: every name must show every change made through another,
and st_nlink must count the names the merged view has (with several
layers, not those a layer above hides).

With DIFFTEST_ACLS=1 (ext2 lowers, which keep them) the generator gives
some objects access ACLs and some directories default ACLs (set after
what they hold was made).

DIFFTEST_PLAIN=1 in the environment checks the script itself on two plain
directories.  DIFFTEST_TRACE=FILE appends every operation to FILE.  DIFFTEST_SKIP="kind ..." leaves
out operation kinds, "gen-dir-xattrs" the xattrs of generated lower
directories, and "lchmod" fchmodat(AT_SYMLINK_NOFOLLOW) (chmod follows
then), to look past a known difference while exploring; the test itself
never sets it.  UPPER (as
lib.sh has it) names the union's top layer: with ext2 and jffs2, which
have no RENAME_EXCHANGE, EINVAL for it on the union is their answer, and
with jffs2, which maps files read-only, EINVAL for a shared writable mmap
(and then the reference is left as it is).

Exit status 0: no difference.  1: a difference, reported on stdout as
"DIFF seed=S step=N op=...: union=... ref=..." with the last operations
before it.  2: bad usage.
"""

import ctypes
import errno
import hashlib
import mmap
import os
import pickle
import random
import shutil
import stat
import struct
import sys
import threading

NAMES = ["a", "b", "c", "d", "e", "f", "g"]
MAX_DEPTH = 3		# directories at most this deep (the root is 0)
MIN_LOWER = 40		# objects in a generated lower tree, at least
IGNORE_ROOT = {"lost+found"}
# DIFFTEST_PLAIN=1: UNION is a plain directory too (a self-test of this
# script).
PLAIN = os.environ.get("DIFFTEST_PLAIN") == "1"
SKIP = set(os.environ.get("DIFFTEST_SKIP", "").split())
# DIFFTEST_TRACE=FILE: every operation of every run appended to FILE.
TRACE = os.environ.get("DIFFTEST_TRACE")
# The union's top layer (lib.sh's UPPER), and those that cannot exchange.
UPPER = "plain" if PLAIN else os.environ.get("UPPER", "tmpfs")
# DIFFTEST_ACLS=1: the lower layers keep POSIX ACLs (ext2 does, squashfs
# does not), and the generator gives some objects ACLs.
GEN_ACLS = os.environ.get("DIFFTEST_ACLS") == "1"
NO_EXCHANGE = {"ext2", "ext3", "jffs2"}
NO_SHARED_MMAP = {"jffs2"}

XATTRS = ["user.a", "user.b", "user.c"]
# uids and gids: below 65535, which every top layer (jffs2: 16 bits) holds.
IDS = [0, 0, 1, 2, 100, 1000, 65534]
# Devices: /dev/null (opens and writes anywhere) and major 60 ("local
# use"), which no driver has: opening those fails with ENXIO.
CHRDEVS = [(1, 3), (60, 1)]
BLKDEVS = [(60, 2)]
# Explicit times: whole seconds (ext2 and jffs2 keep no more), after 1970
# and before 2038 (what every layer can hold).
TIME_MIN, TIME_MAX = 10**8, 2**31 - 1

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
AT_EACCESS = 0x200

# A second user's credentials (uid, gid, supplementary groups): owners
# the generator and chown hand out, and groups that ACLs name.
USERS = [(1000, 1000, []), (1000, 100, [1000]), (100, 100, []),
         (2, 1, [100]), (65534, 65534, [])]
# POSIX ACLs: the xattr format (version 2; entries of tag, permissions,
# id), tags in the order the kernel requires them.
ACL_ACCESS = "system.posix_acl_access"
ACL_DEFAULT = "system.posix_acl_default"
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER = \
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20
ACL_NO_ID = 0xffffffff

_libc = ctypes.CDLL(None, use_errno=True)
_libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                            ctypes.c_char_p, ctypes.c_uint]
_libc.fchmodat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint,
                           ctypes.c_int]
_libc.faccessat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                            ctypes.c_int]
_libc.syscall.restype = ctypes.c_long
# x86_64 system call numbers: the raw calls change the calling thread's
# credentials only (the C library's wrappers change every thread's, and
# the reader thread stays root).
SYS_SETGROUPS, SYS_SETRESUID, SYS_SETRESGID = 116, 117, 119


def _check(ret):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def renameat2(src, dst, flags):
    _check(_libc.renameat2(AT_FDCWD, os.fsencode(src), AT_FDCWD,
                           os.fsencode(dst), flags))


def lchmod(path, mode):
    """fchmodat(AT_SYMLINK_NOFOLLOW), as the C library does it."""
    _check(_libc.fchmodat(AT_FDCWD, os.fsencode(path), mode,
                          AT_SYMLINK_NOFOLLOW))


def faccessat(path, mode, flags):
    _check(_libc.faccessat(AT_FDCWD, os.fsencode(path), mode, flags))


def _set_ids(uid, gid, groups):
    arr = (ctypes.c_uint * max(len(groups), 1))(*groups)
    for args in ((SYS_SETGROUPS, len(groups), arr),
                 (SYS_SETRESGID, gid, gid, 0),
                 (SYS_SETRESUID, uid, uid, 0)):
        if _libc.syscall(*args) != 0:
            e = ctypes.get_errno()
            raise RuntimeError("%s: %s" % (args[0], os.strerror(e)))


class Creds:
    """with Creds(user): this thread runs as user (USERS' form), or as
    itself for None.  The saved uid stays 0, so root comes back."""

    def __init__(self, user):
        self.user = user

    def __enter__(self):
        if self.user:
            self.groups = os.getgroups()
            _set_ids(*self.user)
            if os.geteuid() != self.user[0]:
                raise RuntimeError("still uid %d" % os.geteuid())

    def __exit__(self, *exc):
        if self.user:
            if _libc.syscall(SYS_SETRESUID, 0, 0, 0) != 0:
                raise RuntimeError("cannot be root again")
            _set_ids(0, 0, self.groups)


# The second user that attempt() and the operations act as: None, root.
AS_USER = None


class Diff(Exception):
    pass


def ename(e):
    return errno.errorcode.get(e, str(e))


def attempt(fn, *args):
    """("ok", value) or ("err", ERRNO-NAME); as AS_USER."""
    with Creds(AS_USER):
        try:
            return ("ok", fn(*args))
        except OSError as e:
            return ("err", ename(e.errno))


def fmt(res):
    return ("ok" if res[1] is None else "ok %r" % (res[1],)) \
        if res[0] == "ok" else res[1]


def type_of(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISSOCK, "sock"), (stat.S_ISCHR, "chr"),
                       (stat.S_ISBLK, "blk")):
        if test(mode):
            return name
    return "other"


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def xattrs_of(path, follow):
    try:
        names = sorted(os.listxattr(path, follow_symlinks=follow))
    except OSError as e:
        return "listxattr:" + ename(e.errno)
    out = []
    for n in names:
        try:
            v = os.getxattr(path, n, follow_symlinks=follow)
            out.append((n, v if len(v) <= 16 else
                        hashlib.sha256(v).hexdigest()[:16]))
        except OSError as e:
            out.append((n, "getxattr:" + ename(e.errno)))
    return tuple(out)


def describe_st(path, follow=False):
    """(What a path is, as a comparable tuple, or the errno name; its
    stat result or None)."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError as e:
        return ename(e.errno), None
    t = type_of(st.st_mode)
    d = [t, oct(stat.S_IMODE(st.st_mode)), "uid=%d" % st.st_uid,
         "gid=%d" % st.st_gid]
    if t != "dir":
        d.append("nlink=%d" % st.st_nlink)
    if t == "file":
        d.append(st.st_size)
        try:
            d.append(file_hash(path))
        except OSError as e:
            d.append("read:" + ename(e.errno))
    elif t == "symlink":
        d.append(os.readlink(path))
    elif t in ("chr", "blk"):
        d.append("rdev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
    d.append(xattrs_of(path, follow))
    return tuple(d), st


def describe(path, follow=False):
    return describe_st(path, follow)[0]


# --- generating a lower tree ---------------------------------------------

def content(rnd, big=False):
    n = rnd.choice([0, 1, 10, 100, 1000, 1024, 3000, rnd.randrange(5000)]
                   + ([4096, 8192, 20000] if big else []))
    return bytes(rnd.randrange(32, 127) for _ in range(n))


def rand_target(rnd, linkdir):
    """A relative symlink target: a path of vocabulary names from the root,
    seen from linkdir (relative to the root)."""
    depth = rnd.randrange(1, MAX_DEPTH + 2)
    target = "/".join(rnd.choice(NAMES) for _ in range(depth))
    return os.path.relpath(target, linkdir or ".")


def rand_xattrs(rnd, p):
    for name in rnd.sample(XATTRS, rnd.randrange(1, 3)):
        os.setxattr(p, name, content(rnd)[:rnd.choice([0, 5, 40, 300])])


def acl_value(rnd):
    """A random POSIX ACL in the xattr format: named users and groups (and
    then a mask) now and then."""
    def perm():
        return rnd.randrange(8)
    users = sorted(rnd.sample([1, 2, 100, 1000], rnd.choice([0, 0, 1, 2])))
    groups = sorted(rnd.sample([1, 100, 1000], rnd.choice([0, 0, 1, 2])))
    ents = [(ACL_USER_OBJ, perm(), ACL_NO_ID)]
    ents += [(ACL_USER, perm(), u) for u in users]
    ents.append((ACL_GROUP_OBJ, perm(), ACL_NO_ID))
    ents += [(ACL_GROUP, perm(), g) for g in groups]
    if users or groups:
        ents.append((ACL_MASK, perm(), ACL_NO_ID))
    ents.append((ACL_OTHER, perm(), ACL_NO_ID))
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e)
                                           for e in ents)


def rand_acls(rnd, p, is_dir):
    """Now and then an access ACL, and on a directory a default one
    (set after what the directory holds was made: nothing inherits it)."""
    if rnd.random() < 0.3:
        os.setxattr(p, ACL_ACCESS, acl_value(rnd))
    if is_dir and rnd.random() < 0.3:
        os.setxattr(p, ACL_DEFAULT, acl_value(rnd))


def rand_own(rnd, p):
    """Now and then, a random owner and group."""
    if rnd.random() < 0.35:
        os.chown(p, rnd.choice(IDS), rnd.choice(IDS), follow_symlinks=False)


def rand_stamp(rnd, p):
    """A random explicit atime and mtime, in whole seconds."""
    t = rnd.randrange(TIME_MIN, TIME_MAX)
    os.utime(p, (t, t), follow_symlinks=False)


def cmd_gen(seed, top):
    """Owners, modes (set-id and sticky bits too), user xattrs and mtimes
    (whole seconds) vary; some regular files get a second or third name
    (hard links, in the same or another directory)."""
    rnd = random.Random("gen-%d" % seed)
    # ACLs draw from their own generator: the trees are the same with
    # and without them.
    acl_rnd = random.Random("gen-acl-%d" % seed)

    def own(p):
        rand_own(rnd, p)

    def acls(p, is_dir):
        if GEN_ACLS:
            rand_acls(acl_rnd, p, is_dir)

    def stamp(p):
        rand_stamp(rnd, p)

    def fill(rel, depth):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            p = os.path.join(top, r)
            x = rnd.random()
            if depth >= MAX_DEPTH and 0.25 <= x < 0.55:
                x -= 0.25	# no directory this deep: a file
            if x < 0.25:
                with open(p, "wb") as f:
                    f.write(content(rnd))
                own(p)
                os.chmod(p, rnd.choice([0o644, 0o600, 0o755, 0o444, 0o4755,
                                        0o2755, 0o2745, 0o000]))
                acls(p, False)
                if rnd.random() < 0.3:
                    rand_xattrs(rnd, p)
                stamp(p)
            elif x < 0.55:
                os.mkdir(p)
                fill(r, depth + 1)
                own(p)
                os.chmod(p, rnd.choice([0o755, 0o700, 0o775, 0o1777,
                                        0o2755]))
                acls(p, True)
                if rnd.random() < 0.3 and "gen-dir-xattrs" not in SKIP:
                    rand_xattrs(rnd, p)
                stamp(p)
            elif x < 0.63:
                os.symlink(rand_target(rnd, rel), p)
                own(p)
                stamp(p)
            elif x < 0.72:
                kind = rnd.choice(["fifo", "fifo", "sock", "chr", "blk"])
                mode = rnd.choice([0o644, 0o600, 0o666])
                if kind == "fifo":
                    os.mknod(p, stat.S_IFIFO | mode)
                elif kind == "sock":
                    os.mknod(p, stat.S_IFSOCK | mode)
                elif kind == "chr":
                    os.mknod(p, stat.S_IFCHR | mode,
                             os.makedev(*rnd.choice(CHRDEVS)))
                else:
                    os.mknod(p, stat.S_IFBLK | mode,
                             os.makedev(*rnd.choice(BLKDEVS)))
                own(p)
                os.chmod(p, mode)
                stamp(p)
    # Small trees test little: draw again (the same draws for a seed
    # every time) until the tree has at least MIN_LOWER objects.
    def link_some():
        paths = walk_paths(top)
        files = sorted(p for p, t in paths.items() if t == "file")
        dirs = [""] + sorted(p for p, t in paths.items() if t == "dir")
        for _ in range(rnd.randrange(3, 9)):
            d = rnd.choice(dirs)
            name = rnd.choice(NAMES)
            new = os.path.join(d, name) if d else name
            if files and new not in paths:
                # The directory keeps the mtime it was stamped with.
                st = os.lstat(os.path.join(top, d))
                os.link(os.path.join(top, rnd.choice(files)),
                        os.path.join(top, new))
                os.utime(os.path.join(top, d),
                         ns=(st.st_atime_ns, st.st_mtime_ns))
                paths[new] = "file"

    while True:
        os.makedirs(top)
        fill("", 0)
        if len(walk_paths(top)) >= MIN_LOWER:
            link_some()
            return 0
        shutil.rmtree(top)


def lower_stack(dirs, rel):
    """The merged view at rel of dirs, [(layer, directory)] topmost first,
    as a union shows it: [(layer, path, lstat)] of the object that is
    seen, a single non-directory or the directories that merge (down to
    the first layer where the name is not a directory); [] if no layer has
    it."""
    out = []
    for k, d in dirs:
        p = os.path.join(d, rel) if rel else d
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            if not out:
                out.append((k, p, st))
            break
        out.append((k, p, st))
    return out


def merged_paths(dirs):
    """Every path of the merged view of dirs -> its lower_stack."""
    out = {}

    def walk(rel, below):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            stack = lower_stack(below, name)
            if not stack:
                continue
            out[r] = stack
            if stat.S_ISDIR(stack[0][2].st_mode):
                walk(r, [(k, p) for k, p, _ in stack])
    walk("", list(enumerate(dirs)))
    return out


def cmd_gen_layers(seed, dirs):
    """Lower layers at dirs, topmost first: the bottom one as gen makes
    it; each one above shadows names of the layers below (a file over a
    file or over a directory, a directory over a file, a directory that
    merges with one below), names of multiply-linked files among them,
    and adds names and hard links of its own."""
    cmd_gen(seed, dirs[-1])
    rnd = random.Random("layers-%d" % seed)
    acl_rnd = random.Random("layers-acl-%d" % seed)

    def make_file(p):
        with open(p, "wb") as f:
            f.write(content(rnd))
        rand_own(rnd, p)
        os.chmod(p, rnd.choice([0o644, 0o600, 0o755, 0o4755, 0o000]))
        if GEN_ACLS:
            rand_acls(acl_rnd, p, False)
        if rnd.random() < 0.3:
            rand_xattrs(rnd, p)
        rand_stamp(rnd, p)

    for j in range(len(dirs) - 2, -1, -1):
        top = dirs[j]
        below = merged_paths(dirs[j + 1:])
        inodes = {}
        for r, stack in below.items():
            k, _, st = stack[0]
            if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                inodes.setdefault((k, st.st_ino), []).append(r)
        hide = set()
        for names in inodes.values():
            if rnd.random() < 0.7:
                hide.add(rnd.choice(sorted(names)))
        for r in sorted(below):
            if r not in hide and rnd.random() < 0.12:
                hide.add(r)
        os.makedirs(top)
        made = []
        for r in sorted(hide):
            if any(r.startswith(h + "/") for h in hide):
                continue	# a name above it is hidden already
            p = os.path.join(top, r)
            parent = os.path.dirname(r)
            if parent and not os.path.isdir(os.path.join(top, parent)):
                os.makedirs(os.path.join(top, parent))
                made.append(parent)
            if r.count("/") < MAX_DEPTH and rnd.random() < 0.3:
                os.mkdir(p)
                made.append(r)
                make_file(os.path.join(p, rnd.choice(NAMES)))
            else:
                make_file(p)
        # Names of its own, and hard links among them.
        files = [r for r in walk_paths(top) if os.path.isfile(
            os.path.join(top, r)) and not os.path.islink(os.path.join(top, r))]
        for r in rnd.sample(files, min(len(files), 3)):
            d = os.path.dirname(r)
            new = os.path.join(d, rnd.choice(NAMES)) if d else rnd.choice(NAMES)
            if not os.path.lexists(os.path.join(top, new)):
                os.link(os.path.join(top, r), os.path.join(top, new))
        # The directories of this layer (made as parents above, or to
        # shadow): owners, modes, mtimes, deepest first.
        for r in sorted(walk_paths(top), key=lambda q: -q.count("/")):
            p = os.path.join(top, r)
            if os.path.isdir(p) and not os.path.islink(p):
                rand_own(rnd, p)
                os.chmod(p, rnd.choice([0o755, 0o700, 0o775, 0o1777]))
                if GEN_ACLS:
                    rand_acls(acl_rnd, p, True)
                rand_stamp(rnd, p)
    return 0


def copy_attrs(src, st, dst):
    """Owner, mode, user xattrs and times of src (lstat st) onto dst."""
    os.chown(dst, st.st_uid, st.st_gid, follow_symlinks=False)
    if not stat.S_ISLNK(st.st_mode):
        os.chmod(dst, stat.S_IMODE(st.st_mode))
        for n in os.listxattr(src, follow_symlinks=False):
            os.setxattr(dst, n, os.getxattr(src, n, follow_symlinks=False),
                        follow_symlinks=False)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def cmd_merge(ref, dirs):
    """Make at ref the merged tree of the layers dirs (topmost first), as
    a plain directory: what a union of them must show, names of one lower
    inode made hard links of one another."""
    first = {}	# (layer, inode number) -> its first name in ref

    def merge(rel, below):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            stack = lower_stack(below, name)
            if not stack:
                continue
            k, src, st = stack[0]
            dst = os.path.join(ref, r)
            if stat.S_ISDIR(st.st_mode):
                os.mkdir(dst)
                merge(r, [(k, p) for k, p, _ in stack])
                copy_attrs(src, st, dst)
                continue
            key = (k, st.st_ino)
            if key in first:
                os.link(first[key], dst)
                continue
            first[key] = dst
            if stat.S_ISREG(st.st_mode):
                shutil.copyfile(src, dst)
            elif stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(src), dst)
            else:
                os.mknod(dst, st.st_mode, st.st_rdev)
            copy_attrs(src, st, dst)

    os.makedirs(ref)
    merge("", list(enumerate(dirs)))
    return 0


# --- the model -------------------------------------------------------------

def walk_paths(top):
    """Every path under top (relative), by lstat over the vocabulary."""
    out = {}

    def walk(rel):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            try:
                st = os.lstat(os.path.join(top, r))
            except OSError:
                continue
            out[r] = type_of(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                walk(r)
    walk("")
    return out


def initial_mtimes(ref):
    """Every object of a fresh copy of the generated tree: its mtime was set
    explicitly."""
    out = {}
    for r in walk_paths(ref):
        st = os.lstat(os.path.join(ref, r))
        out[st.st_ino] = st.st_mtime_ns
    return out


class Run:
    def __init__(self, seed, union, ref, lower):
        self.seed = seed
        self.rnd = random.Random("run-%d" % seed)
        self.union, self.ref = union, ref
        # Origin of every visible object: "L" from the lower layer (a lower
        # object, or a merged directory), "U" made through the union (a
        # copied-up object stays "L": only directories' origin matters).
        self.origin = {p: "L" for p in walk_paths(ref)}
        # Reference inode number -> mtime (ns) where the mtime was set
        # explicitly, and is compared.
        self.mtimes = initial_mtimes(ref)
        self.step = 0
        self.log = []
        self.counts = {}
        # Files held open (union fd, reference fd, path), in this process
        # only; a reader thread reads the union's all the time.
        self.held = []
        self.held_lock = threading.Lock()
        self.reader_errors = []

    STATE = ("rnd", "origin", "mtimes", "step", "log", "counts")

    def save(self, path):
        with open(path + ".new", "wb") as f:
            pickle.dump({k: getattr(self, k) for k in self.STATE}, f)
        os.rename(path + ".new", path)

    def load(self, path):
        with open(path, "rb") as f:
            for k, v in pickle.load(f).items():
                setattr(self, k, v)

    def types(self):
        return walk_paths(self.ref)

    def fail(self, what):
        raise Diff("DIFF seed=%d step=%d %s" % (self.seed, self.step, what))

    def count(self, kind):
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def both(self, desc, fn, *rels):
        """Run fn on the union's and the reference's paths; the results
        must be the same."""
        u = attempt(fn, *[os.path.join(self.union, r) for r in rels])
        r = attempt(fn, *[os.path.join(self.ref, r) for r in rels])
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, fmt(u), fmt(r)))
        return r

    # Picking paths.

    def rand_dir(self, types):
        return self.rnd.choice([""] + sorted(p for p, t in types.items()
                                             if t == "dir"))

    def rand_path(self, types):
        d = self.rand_dir(types)
        name = self.rnd.choice(NAMES)
        return os.path.join(d, name) if d else name

    def rand_existing(self, types):
        """Any existing object; a third of the time, if there are any, a
        name of a file with several names."""
        if not types:
            return None
        if self.rnd.random() < 0.33:
            linked = sorted(p for p, t in types.items() if t == "file" and
                            self.ref_stat(p).st_nlink > 1)
            if linked:
                return self.rnd.choice(linked)
        return self.rnd.choice(sorted(types))

    def rand_target(self, types, want=None):
        """Mostly an existing object (of type want, if any: mostly), now
        and then any path."""
        x = self.rnd.random()
        if want:
            some = sorted(p for p, t in types.items() if t == want)
            if some and x < 0.7:
                return self.rnd.choice(some)
        if types and x < 0.9:
            return self.rand_existing(types)
        return self.rand_path(types)

    def ref_stat(self, rel, follow=False):
        try:
            p = os.path.join(self.ref, rel)
            return os.stat(p) if follow else os.lstat(p)
        except OSError:
            return None

    # The operations.  Each returns a description of what it did.

    def op_create(self, types):
        p = self.rand_path(types)
        data = content(self.rnd)
        mode = self.rnd.choice([0o644, 0o600, 0o755])

        def create(path):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        desc = "create(%s, %d bytes, %o)" % (p, len(data), mode)
        if self.both(desc, create, p)[0] == "ok":
            self.origin[p] = "U"
        return desc

    def op_mkdir(self, types):
        p = self.rand_path(types)
        if p.count("/") >= MAX_DEPTH:
            return None
        mode = self.rnd.choice([0o755, 0o700])
        desc = "mkdir(%s, %o)" % (p, mode)
        if self.both(desc, lambda path: os.mkdir(path, mode), p)[0] == "ok":
            self.origin[p] = "U"
        return desc

    def op_mknod(self, types):
        p = self.rand_path(types)
        kind = self.rnd.choice(["fifo", "sock", "chr", "blk"])
        mode = {"fifo": stat.S_IFIFO, "sock": stat.S_IFSOCK,
                "chr": stat.S_IFCHR, "blk": stat.S_IFBLK}[kind] | \
            self.rnd.choice([0o644, 0o600])
        dev = os.makedev(*self.rnd.choice(CHRDEVS if kind == "chr"
                                          else BLKDEVS))
        self.count("mknod/" + kind)
        desc = "mknod(%s, %s %o, %d:%d)" % (p, kind, stat.S_IMODE(mode),
                                            os.major(dev), os.minor(dev))
        if self.both(desc, lambda path: os.mknod(path, mode, dev),
                     p)[0] == "ok":
            self.origin[p] = "U"
        return desc

    def forget(self, p):
        for q in list(self.origin):
            if q == p or q.startswith(p + "/"):
                del self.origin[q]

    def op_unlink(self, types):
        p = self.rand_existing(types) if self.rnd.random() < 0.8 \
            else self.rand_path(types)
        if p is None:
            return None
        desc = "unlink(%s)" % p
        if self.both(desc, os.unlink, p)[0] == "ok":
            self.forget(p)
        return desc

    def op_rmdir(self, types):
        dirs = sorted(q for q, t in types.items() if t == "dir")
        if not dirs:
            return None
        # Prefer empty directories, which can go.
        empty = [d for d in dirs if not any(q.startswith(d + "/")
                                             for q in types)]
        p = self.rnd.choice(empty if empty and self.rnd.random() < 0.7
                            else dirs)
        desc = "rmdir(%s)" % p
        if self.both(desc, os.rmdir, p)[0] == "ok":
            self.forget(p)
        return desc

    def op_symlink(self, types):
        p = self.rand_path(types)
        target = rand_target(self.rnd, os.path.dirname(p))
        desc = "symlink(%s -> %s)" % (p, target)
        if self.both(desc, lambda path: os.symlink(target, path),
                     p)[0] == "ok":
            self.origin[p] = "U"
        return desc

    def op_link(self, types):
        nondirs = sorted(p for p, t in types.items() if t != "dir")
        src = self.rnd.choice(nondirs) if nondirs and \
            self.rnd.random() < 0.85 else self.rand_target(types)
        dst = self.rand_path(types)
        follow = self.rnd.random() < 0.3
        self.count("link/" + ("follow" if follow else "nofollow"))
        desc = "link(%s, %s%s)" % (src, dst,
                                   ", AT_SYMLINK_FOLLOW" if follow else "")
        if self.both(desc, lambda s, d: os.link(s, d, follow_symlinks=follow),
                     src, dst)[0] == "ok":
            self.origin[dst] = "U"
        return desc

    def op_rename(self, types):
        src = self.rand_existing(types)
        if src is None:
            return None
        flags = self.rnd.choice([0, 0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE])
        # Exchanges need an existing target, mostly.
        dst = self.rand_existing(types) if flags == RENAME_EXCHANGE and \
            self.rnd.random() < 0.8 else self.rand_path(types)
        if dst == src:
            return None
        fname = {0: "rename", RENAME_NOREPLACE: "rename/noreplace",
                 RENAME_EXCHANGE: "rename/exchange"}[flags]
        s_type, d_type = types[src], types.get(dst)
        self.count(fname + "/" + s_type)
        desc = "renameat2(%s, %s, %s)" % (
            src, dst, {0: "0", RENAME_NOREPLACE: "RENAME_NOREPLACE",
                       RENAME_EXCHANGE: "RENAME_EXCHANGE"}[flags])
        if s_type == "dir" and self.origin.get(src) == "L":
            self.count("rename-lowerdir")
        u = attempt(renameat2, os.path.join(self.union, src),
                    os.path.join(self.union, dst), flags)
        # The top layer's own limit: ext2 and jffs2 have no
        # RENAME_EXCHANGE (EINVAL, after every check of the VFS).
        if flags == RENAME_EXCHANGE and u == ("err", "EINVAL") and \
                UPPER in NO_EXCHANGE:
            self.count("rename-exchange-EINVAL-on-" + UPPER)
            return desc + " = EINVAL on the union (%s has no " \
                "RENAME_EXCHANGE)" % UPPER
        r = attempt(renameat2, os.path.join(self.ref, src),
                    os.path.join(self.ref, dst), flags)
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, fmt(u), fmt(r)))
        if r[0] == "ok":
            moved = {}
            for q in sorted(self.origin):
                if q == src or q.startswith(src + "/"):
                    moved[dst + q[len(src):]] = self.origin.pop(q)
            if flags == RENAME_EXCHANGE:
                for q in sorted(self.origin):
                    if q == dst or q.startswith(dst + "/"):
                        moved[src + q[len(dst):]] = self.origin.pop(q)
            else:
                self.forget(dst)
            self.origin.update(moved)
        return desc

    def op_readdir(self, types):
        d = self.rand_dir(types)
        desc = "readdir(%s)" % (d or ".")
        u = attempt(list_dir, os.path.join(self.union, d), d == "")
        r = attempt(list_dir, os.path.join(self.ref, d), d == "")
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, fmt(u), fmt(r)))
        return desc

    def op_stat(self, types):
        p = self.rand_path(types) if self.rnd.random() < 0.5 \
            else self.rand_target(types)
        follow = self.rnd.random() < 0.5
        desc = "%s(%s)" % ("stat" if follow else "lstat", p)
        u = attempt(describe, os.path.join(self.union, p), follow)
        r = attempt(describe, os.path.join(self.ref, p), follow)
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, u, r))
        return desc

    def op_read(self, types):
        p = self.rand_target(types, "file")

        def read(path):
            # Never blocks (fifos), never reads a device.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return "not a file"
                data = b""
                while True:
                    b = os.read(fd, 65536)
                    if not b:
                        break
                    data += b
                return hashlib.sha256(data).hexdigest()[:16]
            finally:
                os.close(fd)
        desc = "read(%s)" % p
        self.both(desc, read, p)
        return desc

    def op_hold(self, types):
        """Open a file read-only on both and keep it open: later reads
        through it (read-held) must agree, whatever happened to it."""
        p = self.rand_target(types, "file")
        st = self.ref_stat(p)
        if st is None or not stat.S_ISREG(st.st_mode) or len(self.held) >= 8:
            return None
        fds = []
        for top in (self.union, self.ref):
            fds.append(attempt(os.open, os.path.join(top, p),
                               os.O_RDONLY | os.O_NONBLOCK))
        if fds[0][0] != fds[1][0]:
            self.fail("op=hold(%s): union=%s ref=%s" %
                      (p, fmt(fds[0]), fmt(fds[1])))
        if fds[0][0] == "ok":
            with self.held_lock:
                self.held.append((fds[0][1], fds[1][1], p))
        return "hold(%s)" % p

    def op_read_held(self, types):
        """Every held file, read and fstat'ed through its descriptor."""
        if not self.held:
            return None
        for ufd, rfd, p in self.held:
            got = [held_view(fd) for fd in (ufd, rfd)]
            if got[0] != got[1]:
                self.fail("op=read-held(%s, opened at that name): union=%s "
                          "ref=%s" % (p, got[0], got[1]))
        return "read-held(%d files)" % len(self.held)

    def reader(self, stop, go):
        """The concurrent reader: one pass over the union's held files
        while each operation runs; no read may fail."""
        while True:
            go.acquire()
            if stop.is_set():
                return
            with self.held_lock:
                fds = [u for u, _, _ in self.held]
                for fd in fds:
                    try:
                        os.pread(fd, 1 << 20, 0)
                    except OSError as e:
                        self.reader_errors.append(str(e))

    def close_held(self):
        with self.held_lock:
            for ufd, rfd, _ in self.held:
                os.close(ufd)
                os.close(rfd)
            self.held = []

    def op_write(self, types):
        p = self.rand_target(types, "file")
        kind = self.rnd.choice(["pwrite", "append", "otrunc", "truncate",
                                "mmap"])
        st = self.ref_stat(p, True)
        size = st.st_size if st and stat.S_ISREG(st.st_mode) else 0
        data = content(self.rnd, big=True)
        self.count("write/" + kind)
        nb = os.O_NONBLOCK		# fifos: ENXIO, not a hang

        def pwrite(off):
            def fn(path):
                fd = os.open(path, os.O_WRONLY | nb)
                try:
                    return os.pwrite(fd, data, off)
                finally:
                    os.close(fd)
            return fn

        if kind == "pwrite":
            off = self.rnd.randrange(size + 1) if self.rnd.random() < 0.8 \
                else size + self.rnd.randrange(1, 10000)
            desc = "pwrite(%s, %d bytes at %d)" % (p, len(data), off)
            fn = pwrite(off)
        elif kind == "append":
            def fn(path):
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | nb)
                try:
                    return os.write(fd, data)
                finally:
                    os.close(fd)
            desc = "append(%s, %d bytes)" % (p, len(data))
        elif kind == "otrunc":
            creat = os.O_CREAT if self.rnd.random() < 0.2 else 0

            def fn(path):
                fd = os.open(path, os.O_WRONLY | os.O_TRUNC | creat | nb,
                             0o640)
                try:
                    return os.write(fd, data)
                finally:
                    os.close(fd)
            desc = "open(%s, O_WRONLY|O_TRUNC%s) + write(%d bytes)" % (
                p, "|O_CREAT" if creat else "", len(data))
        elif kind == "truncate":
            length = self.rnd.randrange(size + 1) \
                if self.rnd.random() < 0.5 \
                else size + self.rnd.randrange(1, 20000)
            desc = "truncate(%s, %d)" % (p, length)

            def fn(path):
                os.truncate(path, length)
        else:
            pos = self.rnd.randrange(1 << 20)
            chunk = data[:self.rnd.randrange(1, 200)] or b"x"

            def fn(path):
                fd = os.open(path, os.O_RDWR | nb)
                try:
                    n = os.fstat(fd).st_size
                    if not n:
                        return "empty"
                    m = mmap.mmap(fd, n)
                    try:
                        off = pos % n
                        k = min(len(chunk), n - off)
                        m[off:off + k] = chunk[:k]
                    finally:
                        m.close()
                    return k
                finally:
                    os.close(fd)
            desc = "mmap(%s, MAP_SHARED) + store(%d bytes at %d mod size)" \
                % (p, len(chunk), pos)
        if kind == "mmap" and UPPER in NO_SHARED_MMAP:
            # The top layer's own limit: jffs2 maps files read-only.
            u = attempt(fn, os.path.join(self.union, p))
            if u == ("err", "EINVAL"):
                self.count("mmap-EINVAL-on-" + UPPER)
                return desc + " = EINVAL on the union (%s has no shared " \
                    "writable mmap)" % UPPER
            r = attempt(fn, os.path.join(self.ref, p))
            if u != r:
                self.fail("op=%s: union=%s ref=%s" % (desc, fmt(u), fmt(r)))
            return desc
        if self.both(desc, fn, p)[0] == "ok" and p not in types:
            self.origin[p] = "U"	# O_CREAT made it
        return desc

    def op_chmod(self, types):
        p = self.rand_target(types)
        mode = self.rnd.choice([0o644, 0o600, 0o755, 0o444, 0o000, 0o4755,
                                0o2755, 0o2745, 0o1777, 0o700])
        follow = self.rnd.random() < 0.8 or "lchmod" in SKIP
        self.count("chmod/" + ("follow" if follow else "nofollow"))
        if follow:
            desc = "chmod(%s, %o)" % (p, mode)
            self.both(desc, lambda path: os.chmod(path, mode), p)
        else:
            desc = "fchmodat(%s, %o, AT_SYMLINK_NOFOLLOW)" % (p, mode)
            self.both(desc, lambda path: lchmod(path, mode), p)
        return desc

    def op_chown(self, types):
        p = self.rand_target(types)
        uid = self.rnd.choice(IDS + [-1])
        gid = self.rnd.choice(IDS + [-1])
        follow = self.rnd.random() < 0.6
        self.count("chown/" + ("follow" if follow else "nofollow"))
        desc = "%s(%s, %d, %d)" % ("chown" if follow else "lchown", p, uid,
                                   gid)
        self.both(desc, lambda path: os.chown(path, uid, gid,
                                              follow_symlinks=follow), p)
        return desc

    def op_utime(self, types):
        p = self.rand_target(types)
        follow = self.rnd.random() < 0.6
        now = self.rnd.random() < 0.15
        self.count("utime/" + ("now" if now else "explicit") + "/" +
                   ("follow" if follow else "nofollow"))
        at = self.rnd.randrange(TIME_MIN, TIME_MAX) * 10**9
        mt = self.rnd.randrange(TIME_MIN, TIME_MAX) * 10**9
        nf = "" if follow else ", AT_SYMLINK_NOFOLLOW"
        if now:
            desc = "utimensat(%s, NULL%s)" % (p, nf)
            self.both(desc, lambda path: os.utime(
                path, follow_symlinks=follow), p)
            return desc
        desc = "utimensat(%s, atime %d, mtime %d%s)" % (p, at // 10**9,
                                                       mt // 10**9, nf)
        if self.both(desc, lambda path: os.utime(
                path, ns=(at, mt), follow_symlinks=follow), p)[0] == "ok":
            st = self.ref_stat(p, follow)
            self.mtimes[st.st_ino] = st.st_mtime_ns
        return desc

    def op_setxattr(self, types):
        p = self.rand_target(types)
        name = self.rnd.choice(XATTRS)
        value = content(self.rnd)[:self.rnd.choice([0, 3, 50, 500])]
        flags = self.rnd.choice([0, 0, os.XATTR_CREATE, os.XATTR_REPLACE])
        follow = self.rnd.random() < 0.7
        self.count("setxattr/" + ("follow" if follow else "nofollow"))
        desc = "%ssetxattr(%s, %s, %d bytes, %s)" % (
            "" if follow else "l", p, name, len(value),
            {0: "0", os.XATTR_CREATE: "XATTR_CREATE",
             os.XATTR_REPLACE: "XATTR_REPLACE"}[flags])
        self.both(desc, lambda path: os.setxattr(
            path, name, value, flags, follow_symlinks=follow), p)
        return desc

    def op_removexattr(self, types):
        p = self.rand_target(types)
        name = self.rnd.choice(XATTRS)
        follow = self.rnd.random() < 0.7
        desc = "%sremovexattr(%s, %s)" % ("" if follow else "l", p, name)
        self.both(desc, lambda path: os.removexattr(
            path, name, follow_symlinks=follow), p)
        return desc

    def op_setacl(self, types):
        """Set or remove an access ACL, or a directory's default ACL
        (which what is made in it inherits, and copies must not)."""
        p = self.rand_target(types, "dir" if self.rnd.random() < 0.5
                             else None)
        name = ACL_DEFAULT if types.get(p) == "dir" and \
            self.rnd.random() < 0.6 else ACL_ACCESS
        kind = "default" if name == ACL_DEFAULT else "access"
        if self.rnd.random() < 0.2:
            self.count("setacl/remove-" + kind)
            desc = "removexattr(%s, %s)" % (p, name)
            self.both(desc, lambda path: os.removexattr(path, name), p)
            return desc
        value = acl_value(self.rnd)
        self.count("setacl/" + kind)
        desc = "setxattr(%s, %s, %s)" % (p, name, value[4:].hex())
        self.both(desc, lambda path: os.setxattr(path, name, value), p)
        return desc

    def op_access(self, types):
        p = self.rand_target(types)
        mode = self.rnd.choice([os.F_OK, os.R_OK, os.W_OK, os.X_OK,
                                os.R_OK | os.W_OK, os.R_OK | os.X_OK])
        flags = self.rnd.choice([0, 0, AT_EACCESS, AT_SYMLINK_NOFOLLOW])
        desc = "faccessat(%s, %d, %#x)" % (p, mode, flags)
        self.both(desc, lambda path: faccessat(path, mode, flags), p)
        return desc

    def op_exec(self, types):
        """execve: the permission and the mount's noexec decide; what
        runs is never a program (ENOEXEC), or its exit status counts."""
        p = self.rand_target(types, "file")

        def run(path):
            pid = os.posix_spawn(path, [path], {})
            return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        desc = "execve(%s)" % p
        self.both(desc, run, p)
        return desc

    # What a second user does: everything but what only root may do.
    USER_OPS = ["create", "mkdir", "mknod", "unlink", "rmdir", "symlink",
                "link", "rename", "readdir", "stat", "read", "write",
                "chmod", "chown", "utime", "setxattr", "removexattr",
                "setacl", "access", "exec", "hold"]

    def op_user(self, types):
        """One operation as another user (USERS): the permissions, ACLs
        and ownership of what the union shows decide as on the copy."""
        global AS_USER
        user = self.rnd.choice(USERS)
        sub = self.rnd.choice(self.USER_OPS)
        AS_USER = user
        try:
            desc = getattr(self, "op_" + sub)(types)
        finally:
            AS_USER = None
        if desc is None:
            return None
        self.count("user/" + sub)
        return "as %d:%d%s: %s" % (user[0], user[1],
                                   "+%s" % user[2] if user[2] else "", desc)

    OPS = [("create", 10), ("mkdir", 6), ("mknod", 3), ("unlink", 8),
           ("rmdir", 5), ("symlink", 5), ("link", 6), ("rename", 16),
           ("readdir", 5), ("stat", 4), ("read", 4), ("write", 16),
           ("chmod", 5), ("chown", 5), ("utime", 6), ("setxattr", 6),
           ("removexattr", 3), ("hold", 4), ("read_held", 6),
           ("setacl", 4), ("access", 3), ("exec", 2), ("user", 12)]

    def run(self, nops):
        stop = threading.Event()
        self.go = threading.Semaphore(0)
        reader = threading.Thread(target=self.reader, args=(stop, self.go))
        reader.start()
        try:
            self.run_ops(nops)
        finally:
            stop.set()
            self.go.release()
            reader.join()
            self.close_held()
        if self.reader_errors:
            self.fail("the concurrent reader of held files: %s" %
                      self.reader_errors[:3])

    def run_ops(self, nops):
        names = [n for n, w in self.OPS for _ in range(w)]
        done = 0
        while done < nops:
            op = self.rnd.choice(names)
            if op in SKIP:
                continue
            self.step += 1
            self.go.release()
            desc = getattr(self, "op_" + op)(self.types())
            if desc is None:
                self.step -= 1
                continue
            done += 1
            self.count(op)
            self.log.append("%d: %s" % (self.step, desc))
            del self.log[:-40]
            if TRACE:
                with open(TRACE, "a") as f:
                    f.write("seed %d %s\n" % (self.seed, self.log[-1]))
            compare_lookups(self.union, self.ref, self.fail, "op=" + desc,
                            self.mtimes)


def held_view(fd):
    """What a held descriptor shows: its data and its fstat."""
    try:
        st = os.fstat(fd)
        data = os.pread(fd, 1 << 20, 0)
        return (hashlib.sha256(data).hexdigest()[:16], st.st_size,
                st.st_nlink, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    except OSError as e:
        return ("err", errno.errorcode.get(e.errno, e.errno))


def list_dir(path, root):
    out = []
    for e in os.scandir(path):
        if root and e.name in IGNORE_ROOT:
            continue
        t = "symlink" if e.is_symlink() else "dir" \
            if e.is_dir(follow_symlinks=False) else "file" \
            if e.is_file(follow_symlinks=False) else "other"
        out.append((e.name, t))
    names = [n for n, _ in out]
    if len(names) != len(set(names)):
        return ("DUPLICATES", sorted(out))
    return sorted(out)


class Compare:
    """One path at a time on both trees: the description, the mtime where
    it is known exactly (mtimes: reference inode -> mtime; an entry whose
    mtime the reference changed implicitly since is dropped), and the
    names of each inode for the link structure."""

    def __init__(self, union, ref, fail, after, mtimes):
        self.union, self.ref, self.fail, self.after = union, ref, fail, after
        self.mtimes = mtimes if mtimes is not None else {}
        self.groups = ({}, {})

    def path(self, r, what="lookup of "):
        a, ust = describe_st(os.path.join(self.union, r))
        b, rst = describe_st(os.path.join(self.ref, r))
        if a != b:
            self.fail("after %s: %s%s: union=%s ref=%s" %
                      (self.after, what, r, a, b))
        if rst is None:
            return b
        m = self.mtimes.get(rst.st_ino)
        if m is not None:
            if m != rst.st_mtime_ns:
                del self.mtimes[rst.st_ino]	# changed implicitly
            elif ust.st_mtime_ns != m:
                self.fail("after %s: %s%s: mtime union=%d.%09d ref=%d.%09d" %
                          (self.after, what, r, ust.st_mtime_ns // 10**9,
                           ust.st_mtime_ns % 10**9, m // 10**9, m % 10**9))
        if not stat.S_ISDIR(rst.st_mode):
            for g, st in zip(self.groups, (ust, rst)):
                g.setdefault((st.st_dev, st.st_ino), []).append(r)
        return b

    def links(self):
        u, f = [sorted(sorted(v) for v in g.values() if len(v) > 1)
                for g in self.groups]
        if u != f:
            self.fail("after %s: names sharing an inode: union=%s ref=%s" %
                      (self.after, u, f))


def compare_lookups(union, ref, fail, after, mtimes=None):
    """Every vocabulary name in every directory: lstat, owner, content,
    target, xattrs, known mtimes; then the link structure."""
    c = Compare(union, ref, fail, after, mtimes)

    def walk(rel):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            if c.path(r)[0] == "dir":
                walk(r)
    walk("")
    c.links()


def compare_readdir(union, ref, fail, after, mtimes=None):
    c = Compare(union, ref, fail, after, mtimes)

    def walk(rel):
        u = attempt(list_dir, os.path.join(union, rel), rel == "")
        f = attempt(list_dir, os.path.join(ref, rel), rel == "")
        if u != f:
            fail("after %s: readdir of %s: union=%s ref=%s" %
                 (after, rel or ".", fmt(u), fmt(f)))
        for name, t in f[1]:
            r = os.path.join(rel, name) if rel else name
            c.path(r, "")
            if t == "dir":
                walk(r)
    walk("")
    c.links()


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "gen":
            return cmd_gen(int(argv[2]), argv[3])
        if len(argv) >= 5 and argv[1] == "gen":
            return cmd_gen_layers(int(argv[2]), argv[3:])
        if len(argv) >= 4 and argv[1] == "merge":
            return cmd_merge(argv[2], argv[3:])
        if len(argv) in (7, 8) and argv[1] == "run":
            run = Run(int(argv[2]), argv[4], argv[5], argv[6])
            state = argv[7] if len(argv) == 8 else None
            if state and os.path.exists(state):
                run.load(state)
            first = run.step + 1
            try:
                run.run(int(argv[3]))
            except Diff as d:
                print(d)
                print("the operations before it (seed %d):" % run.seed)
                for line in run.log[-15:]:
                    print("  " + line)
                return 1
            if state:
                run.save(state)
            print("seed %d: steps %d-%d the same on both; so far: %s; "
                  "%d mtimes known" %
                  (run.seed, first, run.step, ", ".join(
                      "%s %d" % kv for kv in sorted(run.counts.items())),
                   len(run.mtimes)))
            return 0
        if len(argv) in (4, 5, 6) and argv[1] == "compare":
            def fail(what):
                raise Diff("DIFF " + what)
            rest = argv[4:]
            lookups = "lookups" in rest
            rest = [a for a in rest if a != "lookups"]
            mtimes = None
            if rest == ["mtimes"]:
                mtimes = initial_mtimes(argv[3])
            elif rest:
                with open(rest[0], "rb") as f:
                    mtimes = pickle.load(f)["mtimes"]
            try:
                compare_lookups(argv[2], argv[3], fail, "the run", mtimes)
                if not lookups:
                    compare_readdir(argv[2], argv[3], fail, "the run",
                                    mtimes)
            except Diff as d:
                print(d)
                return 1
            return 0
    except ValueError:
        pass
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
