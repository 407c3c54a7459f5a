#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Staged copy-ups of the same lower files racing each other (test 157).

    copystorm.py DIR TASKS

DIR holds lower regular files, each holding its own name.  TASKS tasks,
pinned to the CPUs in turn, wait for one another, then go through the
files in the same order, each making a change that stages a copy-up:
chmod, chown to the file's own owner, utime, truncate to the file's own
size, setxattr, removexattr of a name the file lacks, and opens for
writing with and without O_TRUNC (then writing the data back).  So every
file is copied up while the other tasks stage their own copies of it,
and all but one of them lose that race.  Each call must succeed: the
losers make their change on the copy that won, never failing with
ESTALE.  At the end each file holds its data.  Prints "done N" (N: the
calls made) or the failures.
"""
import errno
import multiprocessing as mp
import os
import sys

OPS = ('chmod', 'chown', 'utime', 'truncate', 'setxattr', 'removexattr',
       'open', 'open-trunc')


def change(p, op, data):
    if op == 'chmod':
        os.chmod(p, 0o644)
    elif op == 'chown':
        st = os.lstat(p)
        os.chown(p, st.st_uid, st.st_gid)
    elif op == 'utime':
        os.utime(p, (1, 1))
    elif op == 'truncate':
        os.truncate(p, len(data))
    elif op == 'setxattr':
        os.setxattr(p, 'user.storm', b'1')
    elif op == 'removexattr':
        try:
            os.removexattr(p, 'user.none')
        except OSError as e:
            if e.errno != errno.ENODATA:
                raise
    elif op == 'open':
        os.close(os.open(p, os.O_WRONLY))
    else:
        # Another task may read it between the truncate and the write:
        # only the final data is checked.
        fd = os.open(p, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


def task(d, names, i, barrier, out):
    fails = []
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[i % len(cpus)]})
        barrier.wait()
        for k, name in enumerate(names):
            op = OPS[(k + i) % len(OPS)]
            p = os.path.join(d, name)
            try:
                change(p, op, (name + '\n').encode())
            except OSError as e:
                fails.append('%s %s: %s' % (op, name, e))
    except Exception as e:	# report, do not leave main() waiting
        fails.append('task %d: %r' % (i, e))
    out.put(fails)


def main():
    d, ntasks = sys.argv[1], int(sys.argv[2])
    names = sorted(os.listdir(d))
    barrier = mp.Barrier(ntasks)
    out = mp.Queue()
    procs = [mp.Process(target=task, args=(d, names, i, barrier, out))
             for i in range(ntasks)]
    for p in procs:
        p.start()
    fails = [f for _ in procs for f in out.get()]
    for p in procs:
        p.join()
        if p.exitcode:
            fails.append('a task exited with %d' % p.exitcode)
    for name in names:
        with open(os.path.join(d, name), 'rb') as f:
            if f.read() != (name + '\n').encode():
                fails.append('%s: not its data at the end' % name)
    if fails:
        print('%d failures: %s' % (len(fails), '; '.join(fails[:5])))
        return 1
    print('done %d' % (ntasks * len(names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
