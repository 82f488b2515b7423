#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz-tree.py DIR: write the small source tree the fuzzing seeds are
built from (scripts/fuzz.sh), so that a mutant mounts and reads in a
fraction of a second: files around the block size, compressible and
not, a hole, nested directories, hard and symbolic links (one 4000
bytes long), user xattrs under a long prefix (mkfs --xattr-prefix), two
files of one content (their fingerprint xattr is stored once, in the
shared xattr area) and fingerprints set by hand under
trusted.erofs.fingerprint.v1 with edge lengths: 0, 1, 4096 and 4097 bytes
on regular files, and one on a directory and on a symlink.  DIR must be
on tmpfs (xattr values longer than a block)."""
import os
import random
import sys

FP = "trusted.erofs.fingerprint.v1"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    root = sys.argv[1]
    rng = random.Random(20261123)
    os.makedirs(os.path.join(root, "d/e/f"), exist_ok=True)
    for size in (0, 1, 100, 4095, 4096, 4097, 9000, 20000):
        write(os.path.join(root, f"r{size}"), rng.randbytes(size))
    text = b"erofs shares page cache between identical files. " * 400
    for size in (600, 5000, 16385):
        write(os.path.join(root, f"t{size}"), text[:size])
    write(os.path.join(root, "zeros"), bytes(16384))
    with open(os.path.join(root, "hole"), "wb") as f:
        f.seek(12288)
        f.write(rng.randbytes(700))
    for i in range(6):
        write(os.path.join(root, f"d/e/n{i}"), rng.randbytes(rng.randrange(1, 9000)))
    same = rng.randbytes(3000)
    write(os.path.join(root, "same-1"), same)
    write(os.path.join(root, "d/same-2"), same)
    os.link(os.path.join(root, "r4097"), os.path.join(root, "d/hard"))
    os.symlink("../r100", os.path.join(root, "d/link"))
    os.symlink("x" * 4000, os.path.join(root, "d/longlink"))
    for i, name in enumerate(("r100", "t600", "d/e/n1")):
        os.setxattr(os.path.join(root, name), "user.fuzz.long.prefix.k%d" % i,
                    b"v" * (i * 40 + 1))
    # fingerprints by hand, with edge lengths (mkfs keeps a value already set)
    for name, n in (("fp0", 0), ("fp1", 1), ("fp4096", 4096), ("fp4097", 4097)):
        write(os.path.join(root, name), rng.randbytes(5000))
        os.setxattr(os.path.join(root, name), FP, b"F" * n)
    os.setxattr(os.path.join(root, "d/e"), FP, b"sha256:dir")
    os.setxattr(os.path.join(root, "d/link"), FP, b"sha256:link",
                follow_symlinks=False)


main()
