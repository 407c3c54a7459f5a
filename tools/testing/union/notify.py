#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Watch a file system with inotify or fanotify while a child process
makes calls, and print what the watch saw (test 105).

  notify.py inotify DIR OP...      an inotify watch on the directory DIR
  notify.py dir DIR OP...          a fanotify mark on DIR, for events on
        its children
  notify.py file FILE OP...        a fanotify mark on FILE itself
  notify.py mount DIR OP...        a fanotify mark on the mount at DIR
  notify.py perm DIR OP...         a fanotify FAN_OPEN_PERM and
        FAN_ACCESS_PERM listener on the mount at DIR that denies every
        open and read of a file whose name starts with "deny"

OP is "read:PATH" (open read-only, read, close), "write:PATH" (open
for appending, write, close), "list:PATH" (read a directory),
"chmod:PATH" (to 0640), "trunc:PATH" (open with O_TRUNC), "utime:PATH"
(set both times), "unlink:PATH", "mkdir:PATH", "rmdir:PATH",
"rename:OLD=NEW", "open:PATH" (open read-only and keep the descriptor)
or "close:PATH" (read the kept descriptor of PATH from its start, and
close it).  An inotify DIR may be a file too.  The calls' results come first,
one line per OP ("OP: ok" or "OP: ERRNONAME", PATH shortened to its last
component), then one line per event of the child, in order: the event
names and, for fanotify, the last component of the event's path, for
inotify the name in the directory.  So the output for a union and for a
plain copy of its tree compare equal.
"""

import ctypes
import errno
import os
import select
import struct
import sys

import refuse  # fork_ops(), shared with test 103

libc = ctypes.CDLL(None, use_errno=True)

IN_EVENTS = [("ACCESS", 0x1), ("MODIFY", 0x2), ("ATTRIB", 0x4),
             ("CLOSE_WRITE", 0x8), ("CLOSE_NOWRITE", 0x10), ("OPEN", 0x20),
             ("MOVED_FROM", 0x40), ("MOVED_TO", 0x80), ("CREATE", 0x100),
             ("DELETE", 0x200), ("DELETE_SELF", 0x400), ("MOVE_SELF", 0x800),
             ("IGNORED", 0x8000), ("ISDIR", 0x40000000)]
FAN_EVENTS = [("ACCESS", 0x1), ("MODIFY", 0x2), ("CLOSE_WRITE", 0x8),
              ("CLOSE_NOWRITE", 0x10), ("OPEN", 0x20),
              ("OPEN_PERM", 0x10000), ("ACCESS_PERM", 0x20000)]
FAN_CLOEXEC = 0x1
FAN_NONBLOCK = 0x2
FAN_CLASS_NOTIF = 0x0
FAN_CLASS_CONTENT = 0x4
FAN_MARK_ADD = 0x1
FAN_MARK_MOUNT = 0x10
FAN_EVENT_ON_CHILD = 0x08000000
FAN_ALLOW = 1
FAN_DENY = 2
AT_FDCWD = -100
FAN_EVENT = struct.Struct("=IBBHQii")
IN_EVENT = struct.Struct("=iIII")


def fail(what):
    e = ctypes.get_errno()
    raise SystemExit("notify.py: %s: %s" % (what, os.strerror(e)))


def names(mask, table):
    return "|".join(n for n, bit in table if mask & bit)


held = {}


def one(op):
    kind, path = op.split(":", 1)
    shown = "%s:%s" % (kind, os.path.basename(path))
    try:
        if kind == "open":
            held[path] = os.open(path, os.O_RDONLY)
        elif kind == "close":
            fd = held.pop(path)
            try:
                data = os.pread(fd, 4096, 0)
            finally:
                os.close(fd)
            shown += " " + data.decode().replace("\n", "|")
        elif kind == "read":
            fd = os.open(path, os.O_RDONLY)
            try:
                os.read(fd, 4096)
            finally:
                os.close(fd)
        elif kind == "list":
            os.listdir(path)
        elif kind == "chmod":
            os.chmod(path, 0o640)
        elif kind == "trunc":
            os.close(os.open(path, os.O_WRONLY | os.O_TRUNC))
        elif kind == "utime":
            os.utime(path, (1, 2))
        elif kind == "unlink":
            os.unlink(path)
        elif kind == "rmdir":
            os.rmdir(path)
        elif kind == "mkdir":
            os.mkdir(path)
        elif kind == "rename":
            old, new = path.split("=")
            os.rename(old, new)
            shown = "%s:%s" % (kind, os.path.basename(old))
        elif kind == "write":
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, b"more\n")
            finally:
                os.close(fd)
        else:
            raise SystemExit("notify.py: unknown op " + op)
    except OSError as e:
        return "%s: %s" % (shown, errno.errorcode[e.errno])
    return "%s: ok" % shown


def run_ops(ops):
    return "".join(one(op) + "\n" for op in ops)


def inotify(path, ops):
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        fail("inotify_init1")
    mask = 0
    for _, bit in IN_EVENTS:
        mask |= bit & 0xfff
    if libc.inotify_add_watch(fd, path.encode(), mask) < 0:
        fail("inotify_add_watch")
    out = refuse.wait_ops(*refuse.fork_ops(ops, run_ops))
    events = []
    try:
        buf = os.read(fd, 65536)
    except BlockingIOError:
        buf = b""
    while buf:
        _, emask, _, length = IN_EVENT.unpack_from(buf)
        name = buf[IN_EVENT.size:IN_EVENT.size + length].rstrip(b"\0")
        events.append("%s %s" % (names(emask, IN_EVENTS), name.decode()))
        buf = buf[IN_EVENT.size + length:]
    return out + "".join(e + "\n" for e in events)


def read_events(fd, pid, perm, events):
    """Read what is queued; answer permission events."""
    while True:
        try:
            buf = os.read(fd, 4096)
        except BlockingIOError:
            return
        while buf:
            length, _, _, _, emask, efd, epid = FAN_EVENT.unpack_from(buf)
            buf = buf[length:]
            name = os.path.basename(os.readlink("/proc/self/fd/%d" % efd))
            if perm:
                deny = epid == pid and name.startswith("deny")
                os.write(fd, struct.pack("=iI", efd,
                                         FAN_DENY if deny else FAN_ALLOW))
            os.close(efd)
            if epid == pid:
                events.append("%s %s" % (names(emask, FAN_EVENTS), name))


def fanotify(kind, path, ops):
    libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint,
                                   ctypes.c_uint64, ctypes.c_int,
                                   ctypes.c_char_p]
    perm = kind == "perm"
    fd = libc.fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK |
                            (FAN_CLASS_CONTENT if perm else FAN_CLASS_NOTIF),
                            os.O_RDONLY | os.O_LARGEFILE)
    if fd < 0:
        fail("fanotify_init")
    if perm:
        flags, mask = FAN_MARK_ADD | FAN_MARK_MOUNT, 0x10000 | 0x20000
    else:
        mask = 0x1 | 0x2 | 0x8 | 0x10 | 0x20
        flags = FAN_MARK_ADD
        if kind == "mount":
            flags |= FAN_MARK_MOUNT
        elif kind == "dir":
            mask |= FAN_EVENT_ON_CHILD
    if libc.fanotify_mark(fd, flags, mask, AT_FDCWD, path.encode()) < 0:
        fail("fanotify_mark")
    pid, r = refuse.fork_ops(ops, run_ops)
    events = []
    out = b""
    # Without a listener to answer, read events only once the child is
    # done: events merge in the queue as they would for any slow reader.
    done = False
    while not done or perm:
        wait = ([fd] if perm else []) + ([] if done else [r])
        ready, _, _ = select.select(wait, [], [], 0 if done else None)
        if not ready:
            break
        if r in ready:
            chunk = os.read(r, 65536)
            out += chunk
            if not chunk:
                done = True
                os.waitpid(pid, 0)
        if perm and fd in ready:
            read_events(fd, pid, perm, events)
    if not perm:
        read_events(fd, pid, perm, events)
    return out.decode() + "".join(e + "\n" for e in events)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    kind, path, ops = sys.argv[1], sys.argv[2], sys.argv[3:]
    if kind == "inotify":
        sys.stdout.write(inotify(path, ops))
    elif kind in ("dir", "file", "mount", "perm"):
        sys.stdout.write(fanotify(kind, path, ops))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
