#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The dirent nodes of a jffs2 image, one per line (jffs2dump skips the
node types it does not know, as union entries' JFFS2_NODETYPE_UNION_DIRENT):

    NODETYPE live|obsolete pino P version V ino I type T name NAME

NODETYPE in hex (0xe001 a dirent, 0xe00a a union entry; shown with the
"accurate" bit set, which obsoleting clears on NOR flash).

    jffs2nodes.py IMAGE
    jffs2nodes.py --retype NAME [--retype NAME...] IMAGE

--retype gives every live dirent node named NAME the other dirent type
(0xe001 and 0xe00a swapped), in the node and in its erase block's
summary, with every CRC made right: a node that jffs2 did not write, as
a hostile image would hold it.  Erase blocks of 64 KiB.
"""
import argparse
import struct
import sys
import zlib

MAGIC = 0x1985
ACCURATE = 0x2000
DIRENTS = (0xe001, 0xe00a)
HEADER = struct.Struct("<HHII")
DIRENT = struct.Struct("<HHIIIIIIBBxxII")


def jffs2_crc(buf):
    """The kernel's crc32(0, buf): no inversion before or after."""
    return zlib.crc32(buf, 0xffffffff) ^ 0xffffffff


def dirents(data):
    """(offset, nodetype, pino, version, ino, type, name) of each dirent."""
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
            yield ofs, nodetype, pino, version, ino, dtype, name
        ofs += (totlen + 3) & ~3


SUMMARY = 0x2006
SUM_HEADER = 32                 # struct jffs2_raw_summary
SUM_SIZES = {0xe002: 18, 0xe008: 18, 0xe009: 6}     # inode, xattr, xref
ERASE = 65536


def summary_records(data, ofs):
    """(offset of the record, offset of its node) of each dirent record of
    the summary node at ofs."""
    jeb = ofs - ofs % ERASE
    count = struct.unpack_from("<I", data, ofs + 12)[0]
    rec = ofs + SUM_HEADER
    for _ in range(count):
        nodetype = struct.unpack_from("<H", data, rec)[0]
        if nodetype in DIRENTS:
            node = jeb + struct.unpack_from("<I", data, rec + 6)[0]
            yield rec, node
            rec += 24 + data[rec + 22]
        elif nodetype in SUM_SIZES:
            rec += SUM_SIZES[nodetype]
        else:
            return


def retype_summaries(data, nodes):
    """Retype the summary records of the nodes at the offsets in nodes;
    returns how many."""
    ofs, done = 0, 0
    while ofs + HEADER.size <= len(data):
        magic, nodetype, totlen, _ = HEADER.unpack_from(data, ofs)
        if magic != MAGIC or totlen < HEADER.size or ofs + totlen > len(data):
            ofs += 4
            continue
        if nodetype == SUMMARY:
            changed = False
            for rec, node in list(summary_records(bytes(data), ofs)):
                if node in nodes:
                    struct.pack_into("<H", data, rec, nodes[node])
                    changed = True
                    done += 1
            if changed:
                struct.pack_into("<I", data, ofs + 24, jffs2_crc(
                    data[ofs + SUM_HEADER:ofs + totlen]))
        ofs += (totlen + 3) & ~3
    return done


def retype(path, names):
    data = bytearray(open(path, "rb").read())
    done = 0
    retyped = {}
    for ofs, nodetype, _, _, _, _, name in list(dirents(bytes(data))):
        if not nodetype & ACCURATE or name.decode("utf-8", "replace") not in names:
            continue
        other = DIRENTS[1] if nodetype == DIRENTS[0] else DIRENTS[0]
        struct.pack_into("<H", data, ofs + 2, other)
        struct.pack_into("<I", data, ofs + 8, jffs2_crc(data[ofs:ofs + 8]))
        node_crc = DIRENT.size - 8
        struct.pack_into("<I", data, ofs + node_crc,
                         jffs2_crc(data[ofs:ofs + node_crc]))
        retyped[ofs] = other
        done += 1
    records = retype_summaries(data, retyped)
    with open(path, "r+b") as f:
        f.write(data)
    return done, records


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retype", action="append", default=[])
    ap.add_argument("image")
    args = ap.parse_args()
    if args.retype:
        n, records = retype(args.image, set(args.retype))
        if not n:
            sys.exit("jffs2nodes: no live dirent named %s" % " ".join(args.retype))
        print("%d node(s) retyped, %d in summaries" % (n, records))
        return
    for _, nodetype, pino, version, ino, dtype, name in dirents(
            open(args.image, "rb").read()):
        state = "live" if nodetype & ACCURATE else "obsolete"
        print("%#06x %s pino %d version %d ino %d type %d name %s" %
              (nodetype | ACCURATE, state, pino, version, ino, dtype,
               name.decode("utf-8", "replace")))


if __name__ == "__main__":
    main()
