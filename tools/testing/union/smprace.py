#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Copy-ups racing opens, reads, mmaps, renames and unlinks, on every CPU.

    smprace.py DIR SECONDS

DIR is a union directory holding lower files f0..fN-1 and u0..uN-1, each
FILE holding its own name and a newline, 256 times over (so that a
partial copy is never the whole of it).  Tasks, each pinned to a CPU in
turn, for SECONDS:

  copyup   changes fX's and uX's times and modes (copy-ups that leave the
           data alone); each call succeeds or finds the name gone
           (ENOENT: renamed or unlinked by another task)
  reader   opens and reads fX (or where renamer put it, gX): the whole
           data, never a part, never another file's
  mapper   the same through mmap
  renamer  renames fX to gX and back; each succeeds or finds the name gone
  unlinker unlinks uX once, then checks that no copy-up brings it back:
           stat, open and the listing of DIR all say it is gone

Every result is checked as it comes.  At the end each fX is under
exactly one of its two names with its data, and no uX is left.  Prints
"done N" (N: the operations checked) or the first failures.
"""
import errno
import mmap
import multiprocessing as mp
import os
import sys
import time

COPIES = 256


def data_of(name):
    return (name + '\n').encode() * COPIES


def pin(i):
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[i % len(cpus)]})


def gone(err):
    return err.errno == errno.ENOENT


def copyup(d, n, end, i):
    count = 0
    while time.time() < end:
        for k in range(n):
            for name in ('f%d' % k, 'g%d' % k, 'u%d' % k):
                p = os.path.join(d, name)
                try:
                    if count % 2:
                        os.chmod(p, 0o640 if count % 4 == 1 else 0o644)
                    else:
                        os.utime(p, (count, count))
                except OSError as e:
                    if not gone(e):
                        return 'copyup %s: %s' % (name, e)
                count += 1
    return count


def read_one(d, k, how):
    for name in ('f%d' % k, 'g%d' % k):
        p = os.path.join(d, name)
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError as e:
            if gone(e):
                continue
            return 'open %s: %s' % (name, e)
        try:
            want = data_of('f%d' % k)
            if how == 'read':
                got = b''
                while True:
                    b = os.read(fd, 65536)
                    if not b:
                        break
                    got += b
            else:
                size = os.fstat(fd).st_size
                if size != len(want):
                    return '%s: size %d, not %d' % (name, size, len(want))
                with mmap.mmap(fd, size, prot=mmap.PROT_READ) as m:
                    got = m[:]
            if got != want:
                return '%s by %s: %d bytes, not its data' % (name, how,
                                                           len(got))
            return None
        finally:
            os.close(fd)
    return None	# between names: both looked up while it moved


def reader(d, n, end, i, how):
    count = 0
    while time.time() < end:
        for k in range(n):
            err = read_one(d, k, how)
            if err:
                return err
            count += 1
    return count


def renamer(d, n, end, i):
    count = 0
    while time.time() < end:
        for k in range(n):
            for a, b in (('f', 'g'), ('g', 'f')):
                try:
                    os.rename(os.path.join(d, '%s%d' % (a, k)),
                              os.path.join(d, '%s%d' % (b, k)))
                except OSError as e:
                    if not gone(e):
                        return 'rename %s%d: %s' % (a, k, e)
                count += 1
    return count


def unlinker(d, n, end, i):
    count = 0
    for k in range(n):
        p = os.path.join(d, 'u%d' % k)
        os.unlink(p)
        count += 1
        # Let the copy-up task try the name for a while.
        stop = min(end, time.time() + 0.05)
        while time.time() < stop:
            for probe in (os.stat, lambda q: os.close(os.open(q, os.O_RDONLY))):
                try:
                    probe(p)
                    return 'u%d is back after its unlink' % k
                except OSError as e:
                    if not gone(e):
                        return 'u%d after its unlink: %s' % (k, e)
            if 'u%d' % k in os.listdir(d):
                return 'u%d is listed after its unlink' % k
            count += 1
    return count


def run(task, args):
    fn, i = task
    pin(i)
    try:
        return fn(*args, i)
    except Exception as e:	# report, do not hang the pool
        return '%s: %r' % (fn.__name__, e)


def main():
    d, seconds = sys.argv[1], float(sys.argv[2])
    n = sum(1 for x in os.listdir(d) if x.startswith('f'))
    end = time.time() + seconds
    tasks = [(copyup, ()), (copyup, ()), (reader, ('read',)),
             (reader, ('mmap',)), (renamer, ()), (unlinker, ())]
    with mp.Pool(len(tasks)) as pool:
        res = [pool.apply_async(run, ((fn, i), (d, n, end) + extra))
               for i, (fn, extra) in enumerate(tasks)]
        out = [r.get() for r in res]
    fails = [r for r in out if isinstance(r, str)]
    for k in range(n):
        where = [x for x in ('f%d' % k, 'g%d' % k)
                 if os.path.lexists(os.path.join(d, x))]
        if len(where) != 1:
            fails.append('f%d is under %s at the end' % (k, where))
            continue
        with open(os.path.join(d, where[0]), 'rb') as f:
            if f.read() != data_of('f%d' % k):
                fails.append('%s: not its data at the end' % where[0])
        if os.path.exists(os.path.join(d, 'u%d' % k)):
            fails.append('u%d is there at the end' % k)
    if fails:
        print('\n'.join(fails[:10]))
        return 1
    print('done %d' % sum(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
