#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Readdir checks for the union mount tests, through libc's own
opendir/readdir/telldir/seekdir (ctypes), so that d_type, d_ino and the
directory offsets are the kernel's, not a library's idea of them.

  dirtool.py list DIR     one line per entry, in readdir order:
                          "NAME TYPE D_INO" (TYPE: file dir symlink fifo
                          chr blk sock unknown); . and .. left out
  dirtool.py verify DIR   every entry's d_type is the type lstat gives, and
                          for non-directories d_ino is lstat's st_ino;
                          prints the mismatches, exit 1 if any
  dirtool.py tree DIR     the whole tree under DIR, one line per object,
                          sorted: "PATH TYPE MODE SIZE CONTENT" (CONTENT: a
                          file's sha256, a symlink's target, "-"); a
                          directory's size is left out ("-")
  dirtool.py seek DIR [SEED]
                          telldir() before every entry of one pass, then
                          seekdir() to each of them in a shuffled order:
                          readdir must give the same entry again, and a
                          pass from a middle offset the same tail; prints
                          the mismatches, exit 1 if any

Exit status 2: bad usage or a failing call (the errno is printed).
"""

import ctypes
import ctypes.util
import os
import random
import stat
import sys


class Dirent(ctypes.Structure):
    # glibc's struct dirent on 64-bit Linux
    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64),
                ("d_reclen", ctypes.c_ushort), ("d_type", ctypes.c_ubyte),
                ("d_name", ctypes.c_char * 256)]


libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.opendir.restype = ctypes.c_void_p
libc.opendir.argtypes = [ctypes.c_char_p]
libc.readdir.restype = ctypes.POINTER(Dirent)
libc.readdir.argtypes = [ctypes.c_void_p]
libc.telldir.restype = ctypes.c_long
libc.telldir.argtypes = [ctypes.c_void_p]
libc.seekdir.restype = None
libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
libc.closedir.argtypes = [ctypes.c_void_p]

DT_NAMES = {0: "unknown", 1: "fifo", 2: "chr", 4: "dir", 6: "blk",
            8: "file", 10: "symlink", 12: "sock"}


def die(msg, err=None):
    if err is not None:
        msg += ": " + (os.strerror(err) if err else "?") + \
            " (" + (errno_name(err)) + ")"
    print("dirtool: " + msg)
    sys.exit(2)


def errno_name(err):
    import errno
    return errno.errorcode.get(err, str(err))


def opendir(path):
    d = libc.opendir(os.fsencode(path))
    if not d:
        die("opendir " + path, ctypes.get_errno())
    return d


def readdir(d):
    """The next entry as (name, d_type, d_ino), None at the end."""
    while True:
        ctypes.set_errno(0)
        e = libc.readdir(d)
        if not e:
            err = ctypes.get_errno()
            if err:
                die("readdir", err)
            return None
        name = os.fsdecode(e.contents.d_name)
        if name in (".", ".."):
            continue
        return (name, e.contents.d_type, e.contents.d_ino)


def entries(path):
    d = opendir(path)
    out = []
    while True:
        e = readdir(d)
        if e is None:
            break
        out.append(e)
    libc.closedir(d)
    return out


def type_of_mode(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk"),
                       (stat.S_ISSOCK, "sock")):
        if test(mode):
            return name
    return "unknown"


def cmd_list(path):
    for name, dt, ino in entries(path):
        print(name, DT_NAMES.get(dt, str(dt)), ino)
    return 0


def cmd_verify(path):
    bad = 0
    for name, dt, ino in entries(path):
        try:
            st = os.lstat(os.path.join(path, name))
        except OSError as e:
            print("%s: in readdir, but lstat fails: %s" %
                  (name, errno_name(e.errno)))
            bad += 1
            continue
        t = type_of_mode(st.st_mode)
        if DT_NAMES.get(dt, str(dt)) != t:
            print("%s: d_type %s, lstat says %s" %
                  (name, DT_NAMES.get(dt, str(dt)), t))
            bad += 1
        if t != "dir" and ino != st.st_ino:
            print("%s: d_ino %d, st_ino %d" % (name, ino, st.st_ino))
            bad += 1
    return 1 if bad else 0


def cmd_tree(top):
    import hashlib
    out = []

    def walk(rel):
        path = os.path.join(top, rel) if rel else top
        for name in sorted(os.listdir(path)):
            r = os.path.join(rel, name) if rel else name
            p = os.path.join(top, r)
            st = os.lstat(p)
            t = type_of_mode(st.st_mode)
            size, content = str(st.st_size), "-"
            if t == "file":
                with open(p, "rb") as f:
                    content = hashlib.sha256(f.read()).hexdigest()
            elif t == "symlink":
                content = os.readlink(p)
            elif t == "dir":
                size = "-"
            out.append("%s %s %o %s %s" %
                       (r, t, stat.S_IMODE(st.st_mode), size, content))
            if t == "dir":
                walk(r)
    walk("")
    for line in sorted(out):
        print(line)
    return 0


def cmd_seek(path, seed):
    rnd = random.Random(seed)
    d = opendir(path)
    pos = []
    ents = []
    while True:
        p = libc.telldir(d)
        e = readdir(d)
        if e is None:
            break
        pos.append(p)
        ents.append(e)
    bad = 0
    order = list(range(len(ents)))
    rnd.shuffle(order)
    for i in order:
        libc.seekdir(d, pos[i])
        e = readdir(d)
        if e != ents[i]:
            print("seekdir(%d) to entry %d %r gives %r" %
                  (pos[i], i, ents[i], e))
            bad += 1
            if bad > 20:
                break
    # A pass from a middle offset gives the same tail, and then the end.
    for i in sorted(rnd.sample(range(len(ents)), min(5, len(ents)))):
        libc.seekdir(d, pos[i])
        tail = []
        while True:
            e = readdir(d)
            if e is None:
                break
            tail.append(e)
        if tail != ents[i:]:
            print("reading on from seekdir(%d) (entry %d): %d entries, "
                  "expected %d; first difference at %s" %
                  (pos[i], i, len(tail), len(ents) - i,
                   next((k for k, (a, b) in enumerate(zip(tail, ents[i:]))
                         if a != b), min(len(tail), len(ents) - i))))
            bad += 1
    libc.closedir(d)
    print("%d entries, %d offsets checked" % (len(ents), len(ents)))
    return 1 if bad else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    if cmd == "list":
        return cmd_list(path)
    if cmd == "verify":
        return cmd_verify(path)
    if cmd == "tree":
        return cmd_tree(path)
    if cmd == "seek":
        return cmd_seek(path, int(argv[3]) if len(argv) > 3 else 1)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
