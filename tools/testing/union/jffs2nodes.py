#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The dirent nodes of a jffs2 image, one per line (jffs2dump skips the
node types it does not know, as union entries' JFFS2_NODETYPE_UNION_DIRENT):

    NODETYPE live|obsolete pino P version V ino I type T name NAME

NODETYPE in hex (0xe001 a dirent, 0xe00a a union entry; shown with the
"accurate" bit set, which obsoleting clears on NOR flash).

    jffs2nodes.py IMAGE
"""
import struct
import sys

MAGIC = 0x1985
ACCURATE = 0x2000
DIRENTS = (0xe001, 0xe00a)
HEADER = struct.Struct("<HHII")
DIRENT = struct.Struct("<HHIIIIIIBBxxII")


def main():
    data = open(sys.argv[1], "rb").read()
    ofs = 0
    while ofs + HEADER.size <= len(data):
        magic, nodetype, totlen, _ = HEADER.unpack_from(data, ofs)
        if magic != MAGIC or totlen < HEADER.size or ofs + totlen > len(data):
            ofs += 4
            continue
        if nodetype | ACCURATE in DIRENTS and totlen >= DIRENT.size:
            (_, _, _, _, pino, version, ino, _, nsize, dtype, _,
             _) = DIRENT.unpack_from(data, ofs)
            name = data[ofs + DIRENT.size:ofs + DIRENT.size + nsize]
            state = "live" if nodetype & ACCURATE else "obsolete"
            print("%#06x %s pino %d version %d ino %d type %d name %s" %
                  (nodetype | ACCURATE, state, pino, version, ino, dtype,
                   name.decode("utf-8", "replace")))
        ofs += (totlen + 3) & ~3


if __name__ == "__main__":
    main()
