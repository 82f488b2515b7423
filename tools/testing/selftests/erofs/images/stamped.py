#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""stamped.py DIR: write the source tree of the stress images (ishare_stress).

Every file is named f<NUMBER>.<SIZE>.  Each of its 4 KiB blocks starts
with a 16-byte stamp (b"STMP", file number, block number, their check
word, little-endian 32-bit) followed by pseudo-random bytes drawn from a
seed made of (file number, block number) only; so a reader can recompute
every byte of every block without the tree, and a page of the wrong file
or the wrong place names where it came from.  Half of the 16-byte
segments repeat an earlier one, so lz4 really compresses the data.  The
last block of a file is cut at the file size.

ishare_stress.c carries the same generator and the same file list:
change both together.
"""
import os
import struct
import sys

BLOCK = 4096
MASK = (1 << 64) - 1
SALT = 0x5354414D50454421  # "STAMPED!"

# many files of one size, then odd sizes around pages and readahead windows
SAME_SIZE = 256 * 1024
NR_SAME = 64
ODD_SIZES = [1, 100, 4095, 4097, 65536 + 7, 1048576 + 123, 4194304 + 4097]


def files():
    """(number, size) of every file of the tree"""
    out = [(n, SAME_SIZE) for n in range(NR_SAME)]
    out += [(NR_SAME + i, size) for i, size in enumerate(ODD_SIZES)]
    return out


def block(file, nr):
    """the 4096 bytes of block nr of file number file"""
    state = ((file << 32) | nr) ^ SALT

    def rand():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    out = bytearray(struct.pack("<4sIII", b"STMP", file, nr, file ^ nr ^ 0xFFFFFFFF))
    segs = []
    for i in range((BLOCK - 16) // 16):
        r = rand()
        if i and not r & 1:
            seg = segs[(r >> 1) % i]
        else:
            seg = struct.pack("<QQ", rand(), rand())
        segs.append(seg)
        out += seg
    return bytes(out)


def main():
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    for file, size in files():
        with open(os.path.join(root, f"f{file}.{size}"), "wb") as f:
            for nr in range((size + BLOCK - 1) // BLOCK):
                f.write(block(file, nr)[: size - nr * BLOCK])


main()
