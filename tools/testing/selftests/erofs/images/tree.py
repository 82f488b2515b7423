#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tree.py DIR: write the deterministic source tree the test images are
built from: edge sizes around the block size, random (incompressible) and
text (compressible) data, zeros and holes, nested directories, hard and
symbolic links, and an extended attribute."""
import os
import random
import sys

SIZES = [0, 1, 100, 511, 4095, 4096, 4097, 8191, 12288, 65543, 1048576 + 123]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    root = sys.argv[1]
    rng = random.Random(20261121)
    os.makedirs(os.path.join(root, "dir/sub/deeper"), exist_ok=True)
    for size in SIZES:
        write(os.path.join(root, f"random-{size}"), rng.randbytes(size))
        words = b"erofs shares page cache between identical files. "
        write(os.path.join(root, f"text-{size}"), (words * (size // 50 + 1))[:size])
    write(os.path.join(root, "zeros-300000"), bytes(300000))
    with open(os.path.join(root, "sparse-2M"), "wb") as f:
        f.seek(1 << 20)
        f.write(rng.randbytes(5000))
        f.truncate(2 << 20)
    for i in range(20):
        write(os.path.join(root, f"dir/sub/file-{i}"), rng.randbytes(rng.randrange(1, 30000)))
    write(os.path.join(root, "dir/sub/deeper/name with spaces"), b"spaces\n")
    os.link(os.path.join(root, "random-4097"), os.path.join(root, "dir/hardlink"))
    os.symlink("../random-100", os.path.join(root, "dir/symlink"))
    os.symlink("dangling-target", os.path.join(root, "dir/dangling"))
    os.setxattr(os.path.join(root, "text-100"), "user.comment", b"kept")


main()
