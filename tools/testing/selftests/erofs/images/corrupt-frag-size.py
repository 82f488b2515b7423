#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""corrupt-frag-size.py VALID OUT: a regression image found by make fuzz (a
file kept whole in the packed inode's fragment, whose i_size became 1.9 GB):
OUT is VALID, an image whose root directory holds such files (mkfs.erofs
-Eall-fragments) and has no superblock checksum, with the i_size of each
of them set to 0x78000000.  The fragment extent spans the whole i_size, and
read-ahead grew to cover it: reading the first bytes filled the page cache
with 1.9 GB of locked folios, the guest thrashed in reclaim for minutes.
Reading must stay within a read-ahead window and end with data or EIO."""
import struct
import sys

SB = 1024
SIZE = 0x78000000
FRAGMENT_INODE_BIT = 0x80  # z_erofs_map_header.h_clusterbits


def main():
    valid, out = sys.argv[1:3]
    img = bytearray(open(valid, "rb").read())
    magic, _, compat, bits = struct.unpack_from("<IIIB", img, SB)
    if magic != 0xE0F5E1E2:
        sys.exit(f"{valid}: not EROFS")
    if compat & 1:
        sys.exit(f"{valid} has a superblock checksum")
    bsz = 1 << bits
    root_nid = struct.unpack_from("<H", img, SB + 14)[0]
    meta = struct.unpack_from("<I", img, SB + 40)[0] * bsz

    def inode(nid):
        pos = meta + nid * 32
        fmt, icount = struct.unpack_from("<HH", img, pos)
        isize = 64 if fmt & 1 else 32
        xsize = 12 + 4 * (icount - 1) if icount else 0
        return pos, fmt, isize, xsize

    pos, fmt, isize, xsize = inode(root_nid)
    if (fmt >> 1) & 7 == 2:         # flat inline: all in the tail
        dirents = pos + isize + xsize
    elif (fmt >> 1) & 7 == 0:       # flat plain
        dirents = struct.unpack_from("<I", img, pos + 16)[0] * bsz
    else:
        sys.exit(f"{valid}: the root directory is neither flat nor inline")
    count = struct.unpack_from("<H", img, dirents + 8)[0] // 12
    done = 0
    for i in range(count):
        nid, _, ftype = struct.unpack_from("<QHB", img, dirents + 12 * i)
        if ftype != 1:              # EROFS_FT_REG_FILE
            continue
        pos, fmt, isize, xsize = inode(nid)
        if (fmt >> 1) & 7 not in (1, 3):    # compressed full or compact
            continue
        header = (pos + isize + xsize + 7) & ~7
        if not img[header + 7] & FRAGMENT_INODE_BIT:
            continue
        if fmt & 1:
            struct.pack_into("<Q", img, pos + 8, SIZE)
        else:
            struct.pack_into("<I", img, pos + 8, SIZE)
        done += 1
    if not done:
        sys.exit(f"{valid}: no file of the root is a whole fragment")
    open(out, "wb").write(bytes(img))


main()
