#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""manifest.py TREE: print "pages sha256 path" for every regular file of
TREE (pages = ceil(size / 4096)), the input of the theoretical limit.

One line per inode, not per path: the page cache holds a file once per
inode, and mkfs.erofs keeps hard links as one inode, so a file with
several links in TREE (same st_dev and st_ino) is printed once, under the
first of its paths in sorted walk order.  The first line is HEADER, which
tells report.py that a cached manifest counts inodes."""
import hashlib
import os
import stat
import sys

PAGE = 4096
HEADER = '# manifest v2: one line per inode (st_dev, st_ino): pages sha256 path'


def entries(root):
    """(pages, sha256 hex digest, path relative to root) of each regular
    file of root, once per inode"""
    seen = set()
    for top, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            digest = hashlib.sha256()
            size = 0
            with open(path, 'rb') as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            yield (size + PAGE - 1) // PAGE, digest.hexdigest(), \
                os.path.relpath(path, root)


def write(root, out):
    print(HEADER, file=out)
    for pages, digest, path in entries(root):
        print(pages, digest, path, file=out)


def main():
    write(sys.argv[1], sys.stdout)


if __name__ == '__main__':
    main()
