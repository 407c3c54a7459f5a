#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""File identifiers as statfs(), name_to_handle_at() and fanotify give
them (test 107).

  fid.py handle PATH...     one line per PATH: "FSID TYPE:HANDLE", the
        fsid of statfs() and the identifier of name_to_handle_at() with
        AT_HANDLE_FID
  fid.py mount DIR OP...    a FAN_REPORT_FID group with a mark on the mount
        at DIR for FAN_OPEN, while a child makes the calls
  fid.py fs DIR OP...       a FAN_REPORT_DFID_NAME group with a mark on the
        filesystem at DIR for FAN_DELETE, while a child makes the calls
  fid.py fsopen DIR OP...   a FAN_REPORT_FID group with a mark on the
        filesystem at DIR for FAN_OPEN, while a child makes the calls

OP is as for notify.py.  The calls' results come first, one line per OP,
then one line per event of the child: "FSID TYPE:HANDLE" and, for "fs",
the name.  FSID is two hex words, HANDLE the identifier's bytes in hex.
"""

import ctypes
import os
import struct
import sys

import notify  # run_ops()
import refuse  # fork_ops()

libc = ctypes.CDLL(None, use_errno=True)

AT_FDCWD = -100
AT_HANDLE_FID = 0x200
MAX_HANDLE_SZ = 128
FAN_CLOEXEC = 0x1
FAN_NONBLOCK = 0x2
FAN_REPORT_FID = 0x200
FAN_REPORT_DFID_NAME = 0x400 | 0x800
FAN_MARK_ADD = 0x1
FAN_MARK_MOUNT = 0x10
FAN_MARK_FILESYSTEM = 0x100
FAN_OPEN = 0x20
FAN_DELETE = 0x200
FAN_EVENT = struct.Struct("=IBBHQii")
INFO_HEADER = struct.Struct("=BBH")
FSID = struct.Struct("=ii")
HANDLE = struct.Struct("=Ii")
STATFS_FSID_OFFSET = 56  # struct statfs on x86_64


def fail(what):
    err = ctypes.get_errno()
    raise SystemExit("fid.py: %s: %s" % (what, os.strerror(err)))


def show_fsid(a, b):
    return "%08x.%08x" % (a & 0xffffffff, b & 0xffffffff)


def handle(path):
    buf = ctypes.create_string_buffer(120)
    if libc.statfs(path.encode(), buf) < 0:
        fail("statfs " + path)
    fsid = show_fsid(*FSID.unpack_from(buf.raw, STATFS_FSID_OFFSET))
    fh = ctypes.create_string_buffer(HANDLE.size + MAX_HANDLE_SZ)
    HANDLE.pack_into(fh, 0, MAX_HANDLE_SZ, 0)
    mnt = ctypes.c_int()
    if libc.name_to_handle_at(AT_FDCWD, path.encode(), fh, ctypes.byref(mnt),
                              AT_HANDLE_FID) < 0:
        fail("name_to_handle_at " + path)
    size, ftype = HANDLE.unpack_from(fh.raw)
    data = fh.raw[HANDLE.size:HANDLE.size + size]
    return "%s %x:%s" % (fsid, ftype, data.hex())


def parse_info(buf, with_name):
    """The first identifier record of an event: "FSID TYPE:HANDLE"."""
    _, _, length = INFO_HEADER.unpack_from(buf)
    rec = buf[INFO_HEADER.size:length]
    fsid = show_fsid(*FSID.unpack_from(rec))
    size, ftype = HANDLE.unpack_from(rec, FSID.size)
    start = FSID.size + HANDLE.size
    out = "%s %x:%s" % (fsid, ftype, rec[start:start + size].hex())
    if with_name:
        out += " " + rec[start + size:].split(b"\0")[0].decode()
    return out


def fanotify(kind, path, ops):
    libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint,
                                   ctypes.c_uint64, ctypes.c_int,
                                   ctypes.c_char_p]
    report = FAN_REPORT_DFID_NAME if kind == "fs" else FAN_REPORT_FID
    fd = libc.fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK | report, os.O_RDONLY)
    if fd < 0:
        fail("fanotify_init")
    if kind == "mount":
        flags, mask = FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN
    elif kind == "fsopen":
        flags, mask = FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN
    else:
        flags, mask = FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_DELETE
    if libc.fanotify_mark(fd, flags, mask, AT_FDCWD, path.encode()) < 0:
        fail("fanotify_mark")
    pid, r = refuse.fork_ops(ops, notify.run_ops)
    out = refuse.wait_ops(pid, r)
    events = []
    while True:
        try:
            buf = os.read(fd, 65536)
        except BlockingIOError:
            break
        while buf:
            length, _, _, mlen, _, _, epid = FAN_EVENT.unpack_from(buf)
            if epid == pid:
                events.append(parse_info(buf[mlen:length], kind == "fs"))
            buf = buf[length:]
    return out + "".join(e + "\n" for e in events)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "handle":
        sys.stdout.write("".join(handle(p) + "\n" for p in args))
    elif kind in ("mount", "fs", "fsopen"):
        sys.stdout.write(fanotify(kind, args[0], args[1:]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
