#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Mount with the new mount API (test 063).  Prints "ok", or the name of
the call that failed and its errno ("fsmount: EBUSY").

  newmount.py new FSTYPE SOURCE TARGET [union] [KEY=VALUE...]
        fsopen(FSTYPE), fsconfig() "source" (unless SOURCE is "-") and
        each KEY=VALUE, FSCONFIG_CMD_CREATE, fsmount(), move_mount() to
        TARGET (with MOVE_MOUNT_UNION if "union" is given)
  newmount.py under TARGET CMD FSTYPE [KEY=VALUE...]
        open(TARGET, O_PATH), then CMD (sh -c; it mounts the lowers at
        TARGET, over the descriptor's mount), then a new FSTYPE mount
        with the KEY=VALUEs, moved with MOVE_MOUNT_UNION to the
        descriptor (MOVE_MOUNT_T_EMPTY_PATH)
  newmount.py clone PATH TARGET [union]
        open_tree(PATH, OPEN_TREE_CLONE), move_mount() to TARGET
  newmount.py move PATH TARGET [union]
        move_mount() of the mount at PATH to TARGET
  newmount.py setattr PATH ATTR
        mount_setattr(PATH, attr_set=ATTR), e.g. 0x1 (read-only)
  newmount.py idmap PATH
        open_tree(PATH, OPEN_TREE_CLONE), then mount_setattr() of the
        clone with MOUNT_ATTR_IDMAP (a user namespace mapping 0 to 1000)
"""

import ctypes
import errno
import os
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_OPEN_TREE = 428
SYS_MOVE_MOUNT = 429
SYS_FSOPEN = 430
SYS_FSCONFIG = 431
SYS_FSMOUNT = 432
SYS_MOUNT_SETATTR = 442
FSCONFIG_SET_STRING = 1
FSCONFIG_CMD_CREATE = 6
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOVE_MOUNT_T_EMPTY_PATH = 0x40
MOVE_MOUNT_UNION = 0x400
OPEN_TREE_CLONE = 1
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
MOUNT_ATTR_IDMAP = 0x100000
CLONE_NEWUSER = 0x10000000


class Failed(Exception):
    pass


def call(name, nr, *args):
    ret = libc.syscall(nr, *args)
    if ret < 0:
        raise Failed("%s: %s" % (name, errno.errorcode[ctypes.get_errno()]))
    return ret


def b(s):
    return s.encode()


def move(fd, target, union):
    call("move_mount", SYS_MOVE_MOUNT, fd, b(""), AT_FDCWD, b(target),
         MOVE_MOUNT_F_EMPTY_PATH | (MOVE_MOUNT_UNION if union else 0))


def detached(fstype, source, opts):
    """fsopen(), fsconfig() and fsmount(): the new mount's descriptor."""
    fs = call("fsopen", SYS_FSOPEN, b(fstype), 0)
    if source != "-":
        call("fsconfig source", SYS_FSCONFIG, fs, FSCONFIG_SET_STRING,
             b("source"), b(source), 0)
    for kv in opts:
        k, v = kv.split("=", 1)
        call("fsconfig " + k, SYS_FSCONFIG, fs, FSCONFIG_SET_STRING, b(k),
             b(v), 0)
    call("fsconfig create", SYS_FSCONFIG, fs, FSCONFIG_CMD_CREATE, None,
         None, 0)
    return call("fsmount", SYS_FSMOUNT, fs, 0, 0)


def new(fstype, source, target, rest):
    opts = [kv for kv in rest if kv != "union"]
    move(detached(fstype, source, opts), target, "union" in rest)


def under(target, cmd, fstype, opts):
    tfd = os.open(target, os.O_PATH | os.O_DIRECTORY)
    if os.system(cmd) != 0:
        raise Failed("%s: failed" % cmd)
    call("move_mount", SYS_MOVE_MOUNT, detached(fstype, "-", opts), b(""),
         tfd, b(""),
         MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH |
         MOVE_MOUNT_UNION)


def clone(path, target, union):
    fd = call("open_tree", SYS_OPEN_TREE, AT_FDCWD, b(path), OPEN_TREE_CLONE)
    move(fd, target, union)


def userns_fd():
    """A user namespace mapping 0 to 1000, held by a child process."""
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.close(ready_r)
        if libc.unshare(CLONE_NEWUSER) == 0:
            os.write(ready_w, b"u")
            os.read(r, 1)
        os._exit(0)
    os.close(r)
    os.close(ready_w)
    if os.read(ready_r, 1) != b"u":
        raise Failed("unshare: failed")
    try:
        for name, text in (("uid_map", "0 1000 1"), ("setgroups", "deny"),
                           ("gid_map", "0 1000 1")):
            with open("/proc/%d/%s" % (pid, name), "w") as f:
                f.write(text)
        return os.open("/proc/%d/ns/user" % pid, os.O_RDONLY)
    finally:
        os.close(w)
        os.waitpid(pid, 0)


def idmap(path):
    fd = call("open_tree", SYS_OPEN_TREE, AT_FDCWD, b(path), OPEN_TREE_CLONE)
    raw = struct.pack("=QQQQ", MOUNT_ATTR_IDMAP, 0, 0, userns_fd())
    buf = (ctypes.c_char * len(raw)).from_buffer_copy(raw)
    call("mount_setattr", SYS_MOUNT_SETATTR, fd, b(""), AT_EMPTY_PATH, buf,
         len(raw))


def move_attached(path, target, union):
    call("move_mount", SYS_MOVE_MOUNT, AT_FDCWD, b(path), AT_FDCWD,
         b(target), MOVE_MOUNT_UNION if union else 0)


def setattr(path, attr):
    raw = struct.pack("=QQQQ", int(attr, 0), 0, 0, 0)
    buf = (ctypes.c_char * len(raw)).from_buffer_copy(raw)
    call("mount_setattr", SYS_MOUNT_SETATTR, AT_FDCWD, b(path), 0, buf,
         len(raw))


def main():
    try:
        if len(sys.argv) >= 5 and sys.argv[1] == "new":
            new(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
        elif len(sys.argv) >= 5 and sys.argv[1] == "under":
            under(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
        elif len(sys.argv) in (4, 5) and sys.argv[1] == "clone":
            clone(sys.argv[2], sys.argv[3], sys.argv[4:] == ["union"])
        elif len(sys.argv) in (4, 5) and sys.argv[1] == "move":
            move_attached(sys.argv[2], sys.argv[3], sys.argv[4:] == ["union"])
        elif len(sys.argv) == 3 and sys.argv[1] == "idmap":
            idmap(sys.argv[2])
        elif len(sys.argv) == 4 and sys.argv[1] == "setattr":
            setattr(sys.argv[2], sys.argv[3])
        else:
            raise SystemExit(__doc__)
    except Failed as e:
        print(e)
        return
    print("ok")


if __name__ == "__main__":
    main()
