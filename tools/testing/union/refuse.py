#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Make calls that a security module, a fanotify listener or a lease holder
refuses, and print what each call returned (test 103).

  refuse.py landlock ALLOW DIR OP...   in a Landlock domain that handles
        writing and truncating files; ALLOW ("none" or a comma list of
        "write", "truncate") is allowed beneath DIR
  refuse.py fanotify DIR OP...         while a FAN_OPEN_PERM listener on
        the mount at DIR denies every open of the process making the calls
  refuse.py lease FILE OP...           while this process holds a read
        lease on FILE, which it opened read-only

OP is "open:FLAGS:PATH" (FLAGS: comma list of rdonly, wronly, rdwr, trunc,
append, nonblock) or "truncate:LENGTH:PATH".  One line per OP, in order:
"OP: ok" or "OP: ERRNONAME", with PATH shortened to its last component so
that the output for a union and for a plain copy compare equal.
"""

import ctypes
import errno
import fcntl
import os
import select
import signal
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)

OPEN_FLAGS = {
    "rdonly": os.O_RDONLY, "wronly": os.O_WRONLY, "rdwr": os.O_RDWR,
    "trunc": os.O_TRUNC, "append": os.O_APPEND, "nonblock": os.O_NONBLOCK,
}


def one(op):
    kind, arg, path = op.split(":", 2)
    shown = "%s:%s:%s" % (kind, arg, os.path.basename(path))
    try:
        if kind == "open":
            flags = 0
            for f in arg.split(","):
                flags |= OPEN_FLAGS[f]
            os.close(os.open(path, flags))
        elif kind == "truncate":
            os.truncate(path, int(arg))
        else:
            raise SystemExit("refuse.py: unknown op " + op)
    except OSError as e:
        return "%s: %s" % (shown, errno.errorcode[e.errno])
    return "%s: ok" % shown


def run_ops(ops):
    return "".join(one(op) + "\n" for op in ops)


def fork_ops(ops, run=run_ops):
    """Make the calls in a child (run(ops) gives their results, one line
    each); returns its pid and the pipe the results come through."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.write(w, run(ops).encode())
        os._exit(0)
    os.close(w)
    return pid, r


def wait_ops(pid, r):
    """The results of fork_ops()'s child, once it is done."""
    out = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode()


def fail(what):
    err = ctypes.get_errno()
    raise SystemExit("refuse.py: %s: %s" % (what, os.strerror(err)))


# --- Landlock -------------------------------------------------------------
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
ACCESS = {"write": 1 << 1, "truncate": 1 << 14}
PR_SET_NO_NEW_PRIVS = 38


def landlock(allow, top, ops):
    abi = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0,
                       LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 3:
        raise SystemExit("refuse.py: Landlock ABI %d: no truncation right" % abi)
    handled = ACCESS["write"] | ACCESS["truncate"]
    attr = ctypes.create_string_buffer(struct.pack("=Q", handled))
    rs = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, len(attr.raw), 0)
    if rs < 0:
        fail("landlock_create_ruleset")
    allowed = 0
    for a in allow.split(","):
        if a != "none":
            allowed |= ACCESS[a]
    if allowed:
        dfd = os.open(top, os.O_PATH | os.O_DIRECTORY)
        rule = ctypes.create_string_buffer(struct.pack("=Qi", allowed, dfd))
        if libc.syscall(SYS_LANDLOCK_ADD_RULE, rs, LANDLOCK_RULE_PATH_BENEATH,
                        rule, 0) < 0:
            fail("landlock_add_rule")
        os.close(dfd)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0:
        fail("prctl")
    if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, rs, 0) < 0:
        fail("landlock_restrict_self")
    sys.stdout.write(run_ops(ops))


# --- fanotify -------------------------------------------------------------
FAN_CLOEXEC = 0x1
FAN_CLASS_CONTENT = 0x4
FAN_MARK_ADD = 0x1
FAN_MARK_MOUNT = 0x10
FAN_OPEN_PERM = 0x10000
FAN_ALLOW = 1
FAN_DENY = 2
AT_FDCWD = -100
EVENT = struct.Struct("=IBBHQii")


def fanotify(top, ops):
    libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint,
                                   ctypes.c_uint64, ctypes.c_int,
                                   ctypes.c_char_p]
    fd = libc.fanotify_init(FAN_CLOEXEC | FAN_CLASS_CONTENT,
                            os.O_RDONLY | os.O_LARGEFILE)
    if fd < 0:
        fail("fanotify_init")
    if libc.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM,
                          AT_FDCWD, top.encode()) < 0:
        fail("fanotify_mark")
    pid, r = fork_ops(ops)
    out = b""
    denied = 0
    while True:
        ready, _, _ = select.select([fd, r], [], [])
        if fd in ready:
            buf = os.read(fd, 4096)
            while buf:
                length, _, _, _, _, efd, epid = EVENT.unpack_from(buf)
                verdict = FAN_DENY if epid == pid else FAN_ALLOW
                denied += verdict == FAN_DENY
                os.write(fd, struct.pack("=iI", efd, verdict))
                os.close(efd)
                buf = buf[length:]
        if r in ready:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            out += chunk
    os.waitpid(pid, 0)
    sys.stdout.write(out.decode())
    sys.stderr.write("refuse.py: %d open(s) denied\n" % denied)


# --- leases ---------------------------------------------------------------
def lease(path, ops):
    # Breaking the lease signals the holder: this process.
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    hfd = os.open(path, os.O_RDONLY)
    fcntl.fcntl(hfd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    out = wait_ops(*fork_ops(ops))
    fcntl.fcntl(hfd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    os.close(hfd)
    sys.stdout.write(out)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    mode = sys.argv[1]
    if mode == "landlock":
        landlock(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif mode == "fanotify":
        fanotify(sys.argv[2], sys.argv[3:])
    elif mode == "lease":
        lease(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
