# SPDX-License-Identifier: GPL-2.0
"""What a file reports about the mount and the filesystem it is on
(test 064).  Each command prints one line: the answer, or the errno's
name when the call fails.

  views.py mntid PATH        statx(STATX_MNT_ID) of PATH (not followed)
  views.py fd PATH           PATH opened: "MNT_ID LINK", the mnt_id of
                             /proc/self/fdinfo and the /proc/self/fd link
  views.py statfs PATH       "FSID FLAGS NAMEMAX BLOCKS" of statfs(PATH)
  views.py openat2 DIR REL HOW
                             openat2(DIR, REL) with RESOLVE_NO_XDEV (HOW
                             xdev), RESOLVE_BENEATH (beneath) or
                             RESOLVE_IN_ROOT (inroot): the file's first line
  views.py mmapx PATH        mmap(PROT_READ|PROT_EXEC) of PATH: "ok"
  views.py fchmod-held MODE  fchmod() of fd 3, which the caller opened: "ok"
"""

import ctypes
import errno
import mmap
import os
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_STATX = 332
SYS_OPENAT2 = 437
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
STATX_MNT_ID = 0x1000
RESOLVE = {"xdev": 0x01, "beneath": 0x08, "inroot": 0x10}


def fail(err):
    print(errno.errorcode.get(err, str(err)))
    sys.exit(0)


def mntid(path):
    buf = ctypes.create_string_buffer(256)
    if libc.syscall(SYS_STATX, AT_FDCWD, os.fsencode(path),
                    AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, buf) < 0:
        fail(ctypes.get_errno())
    print(struct.unpack_from("=Q", buf.raw, 144)[0])


def fd(path):
    fd = os.open(path, os.O_RDONLY)
    with open("/proc/self/fdinfo/%d" % fd) as f:
        mnt = [l.split()[1] for l in f if l.startswith("mnt_id:")][0]
    print(mnt, os.readlink("/proc/self/fd/%d" % fd))


def statfs(path):
    s = os.statvfs(path)
    print(s.f_fsid, s.f_flag, s.f_namemax, s.f_blocks)


def openat2(dirpath, rel, resolve):
    d = os.open(dirpath, os.O_RDONLY | os.O_DIRECTORY)
    how = struct.pack("=QQQ", os.O_RDONLY, 0, RESOLVE[resolve])
    fd = libc.syscall(SYS_OPENAT2, d, os.fsencode(rel), how, len(how))
    if fd < 0:
        fail(ctypes.get_errno())
    with os.fdopen(fd) as f:
        print(f.readline().rstrip("\n"))


def mmapx(path):
    with open(path, "rb") as f:
        try:
            mmap.mmap(f.fileno(), 0, mmap.MAP_PRIVATE,
                      mmap.PROT_READ | mmap.PROT_EXEC)
        except OSError as e:
            fail(e.errno)
    print("ok")


def fchmod_held(mode):
    try:
        os.fchmod(3, int(mode, 8))
    except OSError as e:
        fail(e.errno)
    print("ok")


def main():
    a = sys.argv[1:]
    try:
        if a[:1] == ["mntid"] and len(a) == 2:
            mntid(a[1])
        elif a[:1] == ["fd"] and len(a) == 2:
            fd(a[1])
        elif a[:1] == ["statfs"] and len(a) == 2:
            statfs(a[1])
        elif a[:1] == ["openat2"] and len(a) == 4 and a[3] in RESOLVE:
            openat2(a[1], a[2], a[3])
        elif a[:1] == ["mmapx"] and len(a) == 2:
            mmapx(a[1])
        elif a[:1] == ["fchmod-held"] and len(a) == 2:
            fchmod_held(a[1])
        else:
            raise SystemExit(__doc__)
    except OSError as e:
        fail(e.errno)


if __name__ == "__main__":
    main()
