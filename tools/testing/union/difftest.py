#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Differential test of a union mount against a plain directory.

The same random operations are applied to a union and to a reference
directory on an ordinary file system that holds a copy of the union's
merged tree; every operation must return the same (result or errno) on
both, and the trees must stay the same.

  difftest.py gen SEED DIR
      make a random tree at DIR (the lower layer's source)
  difftest.py run SEED NOPS UNION REF LOWER
      NOPS random operations on UNION and REF (a copy of the lower tree);
      LOWER is the lower layer alone (to know which names exist below)
  difftest.py compare UNION REF [lookups]
      compare the two trees, by lookups and then by readdir (with
      "lookups": by lookups only, which leaves merged directories as
      they are)

Operations: create a file with content (O_CREAT|O_EXCL), mkdir, unlink,
rmdir, symlink, rename, readdir, stat/lstat, read.  Names come from a small
vocabulary, so that operations collide with existing names, and the trees
are compared after every step by looking up every name of the vocabulary
in every directory (lookups only: readdir, which copies a merged directory
up, is left to the readdir operations and to "compare").

What issue 3 of union mounts does not do yet is left out or compared
specially: nothing writes to an existing file; renaming an object that
comes from the lower layer (or a merged directory) must fail with EXDEV
on the union (and is not done on the reference) unless it fails on both
for another reason; a rename where the outcome on a union is not settled
yet (a directory that shadows a removed lower name; a target that is a
lower or merged directory) may fail with EXDEV on the union, and
otherwise must do what it does on the reference.

DIFFTEST_PLAIN=1 in the environment checks the script itself on two plain
directories: lower objects rename there like any other.

Exit status 0: no difference.  1: a difference, reported on stdout as
"DIFF seed=S step=N op=...: union=... ref=..." with the last operations
before it.  2: bad usage.
"""

import errno
import hashlib
import os
import random
import stat
import sys

NAMES = ["a", "b", "c", "d", "e", "f", "g"]
MAX_DEPTH = 3		# directories at most this deep (the root is 0)
IGNORE_ROOT = {"lost+found"}
# DIFFTEST_PLAIN=1: UNION is a plain directory too (a self-test of this
# script): lower objects may be renamed there.
PLAIN = os.environ.get("DIFFTEST_PLAIN") == "1"


class Diff(Exception):
    pass


def ename(e):
    return errno.errorcode.get(e, str(e))


def attempt(fn, *args):
    """("ok", value) or ("err", ERRNO-NAME)."""
    try:
        return ("ok", fn(*args))
    except OSError as e:
        return ("err", ename(e.errno))


def fmt(res):
    return ("ok" if res[1] is None else "ok %r" % (res[1],)) \
        if res[0] == "ok" else res[1]


def type_of(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "fifo")):
        if test(mode):
            return name
    return "other"


def describe(path, follow=False):
    """What a path is, as a comparable tuple (or the errno name)."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError as e:
        return ename(e.errno)
    t = type_of(st.st_mode)
    d = [t, oct(stat.S_IMODE(st.st_mode))]
    if t == "file":
        d.append(st.st_size)
        try:
            with open(path, "rb") as f:
                d.append(hashlib.sha256(f.read()).hexdigest()[:16])
        except OSError as e:
            d.append("read:" + ename(e.errno))
    elif t == "symlink":
        d.append(os.readlink(path))
    return tuple(d)


# --- generating a lower tree ---------------------------------------------

def content(rnd):
    n = rnd.choice([0, 1, 10, 100, 1000, 1024, 3000, rnd.randrange(5000)])
    return bytes(rnd.randrange(32, 127) for _ in range(n))


def rand_target(rnd, linkdir):
    """A relative symlink target: a path of vocabulary names from the root,
    seen from linkdir (relative to the root)."""
    depth = rnd.randrange(1, MAX_DEPTH + 2)
    target = "/".join(rnd.choice(NAMES) for _ in range(depth))
    return os.path.relpath(target, linkdir or ".")


def cmd_gen(seed, top):
    rnd = random.Random("gen-%d" % seed)

    def fill(rel, depth):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            p = os.path.join(top, r)
            x = rnd.random()
            if x < 0.30:
                with open(p, "wb") as f:
                    f.write(content(rnd))
                os.chmod(p, rnd.choice([0o644, 0o600, 0o755, 0o444]))
            elif x < 0.55 and depth < MAX_DEPTH:
                os.mkdir(p)
                fill(r, depth + 1)
                os.chmod(p, rnd.choice([0o755, 0o700, 0o775]))
            elif x < 0.65:
                os.symlink(rand_target(rnd, rel), p)
    os.makedirs(top, exist_ok=True)
    fill("", 0)
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


class Run:
    def __init__(self, seed, union, ref, lower):
        self.seed = seed
        self.rnd = random.Random("run-%d" % seed)
        self.union, self.ref = union, ref
        self.lower_paths = set(walk_paths(lower))
        # Origin of every visible object: "L" from the lower layer (a lower
        # file, or a merged directory), "U" made through the union.
        self.origin = {p: "L" for p in walk_paths(ref)}
        self.step = 0
        self.log = []
        self.counts = {}
        self.exdev = 0

    def types(self):
        return walk_paths(self.ref)

    def fail(self, what):
        raise Diff("DIFF seed=%d step=%d %s" % (self.seed, self.step, what))

    def both(self, desc, fn, *rels):
        """Run fn on the union's and the reference's paths; the results
        must be the same."""
        u = attempt(fn, *[os.path.join(self.union, r) for r in rels])
        r = attempt(fn, *[os.path.join(self.ref, r) for r in rels])
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, fmt(u), fmt(r)))
        return r

    # The operations.  Each returns a description of what it did.

    def rand_dir(self, types):
        return self.rnd.choice([""] + sorted(p for p, t in types.items()
                                             if t == "dir"))

    def rand_path(self, types):
        d = self.rand_dir(types)
        name = self.rnd.choice(NAMES)
        return os.path.join(d, name) if d else name

    def rand_existing(self, types):
        if not types:
            return None
        return self.rnd.choice(sorted(types))

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

    def op_rename(self, types):
        src = self.rand_existing(types)
        if src is None:
            return None
        dst = self.rand_path(types)
        if dst == src:
            return None
        desc = "rename(%s, %s)" % (src, dst)
        s_lower = self.origin.get(src) == "L"
        s_type = types[src]
        d_type = types.get(dst)
        d_lower = self.origin.get(dst) == "L"
        # EXDEV: required for lower and merged sources (unless the rename
        # fails on the reference too, for its own reason); allowed where
        # issue 3 leaves the outcome open.
        may_exdev = s_lower or \
            (s_type == "dir" and src in self.lower_paths) or \
            (d_lower and d_type == "dir")
        u = attempt(os.rename, os.path.join(self.union, src),
                    os.path.join(self.union, dst))
        if may_exdev and u == ("err", "EXDEV"):
            self.exdev += 1
            return desc + " = EXDEV on the union"
        r = attempt(os.rename, os.path.join(self.ref, src),
                    os.path.join(self.ref, dst))
        if s_lower and r[0] == "ok" and not PLAIN:
            self.fail("op=%s of a lower %s: union=%s, expected EXDEV "
                      "(ref=%s)" % (desc, s_type if s_type != "dir" else
                                    "(merged) dir", fmt(u), fmt(r)))
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, fmt(u), fmt(r)))
        if r[0] == "ok":
            self.forget(dst)
            for q in sorted(self.origin):
                if q == src or q.startswith(src + "/"):
                    self.origin[dst + q[len(src):]] = self.origin.pop(q)
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
        p = self.rand_path(types)
        follow = self.rnd.random() < 0.5
        desc = "%s(%s)" % ("stat" if follow else "lstat", p)
        u = describe(os.path.join(self.union, p), follow)
        r = describe(os.path.join(self.ref, p), follow)
        if u != r:
            self.fail("op=%s: union=%s ref=%s" % (desc, u, r))
        return desc

    def op_read(self, types):
        p = self.rand_path(types)

        def read(path):
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()[:16]
        desc = "read(%s)" % p
        self.both(desc, read, p)
        return desc

    OPS = [("create", 22), ("mkdir", 10), ("unlink", 12), ("rmdir", 8),
           ("symlink", 8), ("rename", 14), ("readdir", 8), ("stat", 10),
           ("read", 8)]

    def run(self, nops):
        names = [n for n, w in self.OPS for _ in range(w)]
        done = 0
        while done < nops:
            op = self.rnd.choice(names)
            self.step = done + 1
            desc = getattr(self, "op_" + op)(self.types())
            if desc is None:
                continue
            done += 1
            self.counts[op] = self.counts.get(op, 0) + 1
            self.log.append("%d: %s" % (self.step, desc))
            compare_lookups(self.union, self.ref, self.fail, "op=" + desc)


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


def compare_lookups(union, ref, fail, after):
    """Every vocabulary name in every directory: lstat, content, target."""
    def walk(rel):
        for name in NAMES:
            r = os.path.join(rel, name) if rel else name
            u = describe(os.path.join(union, r))
            f = describe(os.path.join(ref, r))
            if u != f:
                fail("after %s: lookup of %s: union=%s ref=%s" %
                     (after, r, u, f))
            if f[0] == "dir":
                walk(r)
    walk("")


def compare_readdir(union, ref, fail, after):
    def walk(rel):
        u = attempt(list_dir, os.path.join(union, rel), rel == "")
        f = attempt(list_dir, os.path.join(ref, rel), rel == "")
        if u != f:
            fail("after %s: readdir of %s: union=%s ref=%s" %
                 (after, rel or ".", fmt(u), fmt(f)))
        for name, t in f[1]:
            r = os.path.join(rel, name) if rel else name
            a = describe(os.path.join(union, r))
            b = describe(os.path.join(ref, r))
            if a != b:
                fail("after %s: %s: union=%s ref=%s" % (after, r, a, b))
            if t == "dir":
                walk(r)
    walk("")


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "gen":
            return cmd_gen(int(argv[2]), argv[3])
        if len(argv) == 7 and argv[1] == "run":
            run = Run(int(argv[2]), argv[4], argv[5], argv[6])
            try:
                run.run(int(argv[3]))
            except Diff as d:
                print(d)
                print("the operations before it (seed %d):" % run.seed)
                for line in run.log[-15:]:
                    print("  " + line)
                return 1
            print("seed %d: %d operations, the same on both; %s; %d renames "
                  "EXDEV on the union only" %
                  (run.seed, run.step, ", ".join(
                      "%s %d" % kv for kv in sorted(run.counts.items())),
                   run.exdev))
            return 0
        if len(argv) in (4, 5) and argv[1] == "compare":
            def fail(what):
                raise Diff("DIFF " + what)
            try:
                compare_lookups(argv[2], argv[3], fail, "the run")
                if argv[4:] != ["lookups"]:
                    compare_readdir(argv[2], argv[3], fail, "the run")
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
