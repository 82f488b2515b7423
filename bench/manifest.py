#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""manifest.py TREE: print "pages sha256 path" for every regular file of
TREE (pages = ceil(size / 4096)), the input of the theoretical limit."""
import hashlib
import os
import sys

PAGE = 4096


def main():
    root = sys.argv[1]
    for top, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            digest = hashlib.sha256()
            size = 0
            with open(path, 'rb') as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            print((size + PAGE - 1) // PAGE, digest.hexdigest(),
                  os.path.relpath(path, root))


if __name__ == '__main__':
    main()
