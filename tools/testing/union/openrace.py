# SPDX-License-Identifier: GPL-2.0
"""Descriptors of a lower file opened before and during its copy-up
(test 151).  Prints one line per finding and "done N" at the end; no
finding means every descriptor read the copy through every path.

  openrace.py race DIR ROUNDS TASKS
        For each round, TASKS tasks open DIR/fROUND read-only over and
        over while another one appends "new" to it (copying it up).  Once
        the append has returned, every descriptor any task opened, before
        or during the copy-up, must read "lower\\nnew\\n".
  openrace.py paths FILE
        FILE (a lower file, "lower\\n") is opened, then appended to through
        another descriptor; the first descriptor must see the new data
        through read, pread, preadv, lseek(SEEK_END), fstat, sendfile,
        splice, copy_file_range and a new mmap.
"""

import ctypes
import mmap
import multiprocessing as mp
import os
import sys

WANT = b"lower\nnew\n"


def opener(path, go, done, stale):
    fds = []
    go.wait()
    while not done.value:
        fds.append(os.open(path, os.O_RDONLY))
        if len(fds) >= 64:
            break
    # The append has returned: each descriptor is the one file.
    while not done.value:
        os.sched_yield()
    bad = sum(1 for fd in fds if os.pread(fd, 64, 0) != WANT)
    with stale.get_lock():
        stale.value += bad
    for fd in fds:
        os.close(fd)


def race(d, rounds, tasks):
    for r in range(rounds):
        path = os.path.join(d, "f%d" % r)
        go = mp.Event()
        done = mp.Value("i", 0)
        stale = mp.Value("i", 0)
        procs = [mp.Process(target=opener, args=(path, go, done, stale))
                 for _ in range(tasks)]
        for p in procs:
            p.start()
        go.set()
        # Let the openers get going: some of their opens straddle ours.
        for _ in range(r % 7):
            os.close(os.open(path, os.O_RDONLY))
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.write(fd, b"new\n")
        os.close(fd)
        done.value = 1
        for p in procs:
            p.join()
            if p.exitcode:
                print("round %d: an opener failed (%d)" % (r, p.exitcode))
        if stale.value:
            print("round %d: %d descriptors read the lower file"
                  % (r, stale.value))
    print("done", rounds)


def splice_read(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    r, w = os.pipe()
    off = ctypes.c_longlong(0)
    n = libc.splice(fd, ctypes.byref(off), w, None, 64, 0)
    os.close(w)
    data = os.read(r, 64) if n > 0 else b""
    os.close(r)
    return data


def paths(path):
    fd = os.open(path, os.O_RDONLY)
    w = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.write(w, b"new\n")
    os.close(w)
    got = {}
    got["read"] = os.read(fd, 64)
    got["pread"] = os.pread(fd, 64, 0)
    buf = bytearray(64)
    got["preadv"] = bytes(buf[:os.preadv(fd, [buf], 0)])
    got["lseek"] = os.lseek(fd, 0, os.SEEK_END) == len(WANT)
    got["fstat"] = os.fstat(fd).st_size == len(WANT)
    r, w = os.pipe()
    n = os.sendfile(w, fd, 0, 64)
    os.close(w)
    got["sendfile"] = os.read(r, 64) if n > 0 else b""
    os.close(r)
    got["splice"] = splice_read(fd)
    # On the filesystem of the copy: copy_file_range() stays in one.
    out = os.open(os.path.join(os.path.dirname(path), "cfr-out"),
                  os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    n = os.copy_file_range(fd, out, 64, 0, 0)
    got["copy_file_range"] = os.pread(out, 64, 0)[:n]
    os.close(out)
    with mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ) as m:
        got["mmap"] = m[:]
    for name, value in got.items():
        if value is not True and value != WANT:
            print("%s: %r" % (name, value))
    os.close(fd)
    print("done", len(got))


def main():
    a = sys.argv[1:]
    if a[:1] == ["race"] and len(a) == 4:
        race(a[1], int(a[2]), int(a[3]))
    elif a[:1] == ["paths"] and len(a) == 2:
        paths(a[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
