#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Staged copy-ups of the same lower files racing each other (test 157).

    copystorm.py DIR TASKS

DIR holds lower regular files, each holding its own name and a newline
and carrying the xattr user.gone.  TASKS tasks (at most 8), pinned to
the CPUs in turn, wait for one another, then go through the files in the
same order, each making a different change to each file, one that
stages a copy-up and that can be seen afterwards:

  chmod        mode 0640
  chown        owner and group 1000
  utime        atime and mtime 1
  truncate     to the file's own size (only the data check sees it)
  setxattr     user.storm
  removexattr  user.gone
  open         O_WRONLY, then user.open through the descriptor
  open-trunc   O_TRUNC, the data written back, then user.trunc through
               the descriptor

So every file is copied up while the other tasks stage their own copies
of it, and all but one of them lose that race.  Each call must succeed,
and each change must be found at the end, on the copy that won: a loser
that dropped its change, or wrote through a descriptor of a copy that
was never linked, shows.  Prints "done N" (N: the calls checked) or the
failures.
"""
import errno
import multiprocessing as mp
import os
import sys

OPS = ('chmod', 'chown', 'utime', 'truncate', 'setxattr', 'removexattr',
       'open', 'open-trunc')
OWNER = 1000


def data_of(name):
    return (name + '\n').encode()


def change(p, op, data):
    if op == 'chmod':
        os.chmod(p, 0o640)
    elif op == 'chown':
        os.chown(p, OWNER, OWNER)
    elif op == 'utime':
        os.utime(p, (1, 1))
    elif op == 'truncate':
        os.truncate(p, len(data))
    elif op == 'setxattr':
        os.setxattr(p, 'user.storm', b'1')
    elif op == 'removexattr':
        os.removexattr(p, 'user.gone')
    else:
        flags = os.O_WRONLY
        if op == 'open-trunc':
            flags |= os.O_TRUNC
        fd = os.open(p, flags)
        try:
            if op == 'open-trunc':
                os.write(fd, data)
            os.setxattr(fd, 'user.' + op.split('-')[-1], b'1')
        finally:
            os.close(fd)


def xattr(p, name):
    try:
        return os.getxattr(p, name)
    except OSError as e:
        if e.errno == errno.ENODATA:
            return None
        raise


# What each change leaves, checked on the file at the end.
SEEN = {
    'chmod': lambda p, st: st.st_mode & 0o777 == 0o640,
    'chown': lambda p, st: (st.st_uid, st.st_gid) == (OWNER, OWNER),
    'utime': lambda p, st: int(st.st_atime) == 1,
    'truncate': lambda p, st: True,
    'setxattr': lambda p, st: xattr(p, 'user.storm') == b'1',
    'removexattr': lambda p, st: xattr(p, 'user.gone') is None,
    'open': lambda p, st: xattr(p, 'user.open') == b'1',
    'open-trunc': lambda p, st: xattr(p, 'user.trunc') == b'1',
}


def op_of(k, i):
    return OPS[(k + i) % len(OPS)]


def task(d, names, i, barrier, out):
    fails = []
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[i % len(cpus)]})
        barrier.wait()
        for k, name in enumerate(names):
            try:
                change(os.path.join(d, name), op_of(k, i), data_of(name))
            except OSError as e:
                fails.append('%s %s: %s' % (op_of(k, i), name, e))
    except Exception as e:	# report, do not leave main() waiting
        fails.append('task %d: %r' % (i, e))
    out.put(fails)


def main():
    d, ntasks = sys.argv[1], int(sys.argv[2])
    if not 1 <= ntasks <= len(OPS):
        sys.exit('copystorm: 1 to %d tasks' % len(OPS))
    names = sorted(os.listdir(d), key=lambda x: int(x[1:]))
    if xattr(os.path.join(d, names[0]), 'user.gone') is None:
        sys.exit('copystorm: the lower files lack user.gone')
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
    for k, name in enumerate(names):
        p = os.path.join(d, name)
        st = os.stat(p)	# before the read below, which may set the atime
        for i in range(ntasks):
            if not SEEN[op_of(k, i)](p, st):
                fails.append('%s: the %s is lost' % (name, op_of(k, i)))
        with open(p, 'rb') as f:
            if f.read() != data_of(name):
                fails.append('%s: not its data at the end' % name)
    if fails:
        print('%d failures: %s' % (len(fails), '; '.join(fails[:5])))
        return 1
    print('done %d' % (ntasks * len(names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
