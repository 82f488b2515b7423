#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fio-stamp.py DIR: append to every file NAME.NUMBER that fio wrote in DIR
one 4 KiB block naming the file, so that no two files of the fio stress
share any content and a page of the wrong file shows (fio_stress.sh
compares every file whole after each pass; fio itself reads only the
size its jobs give and never looks at the stamp)."""
import os
import sys

BLOCK = 4096


def main():
    root = sys.argv[1]
    for name in sorted(os.listdir(root)):
        stem, _, number = name.rpartition(".")
        if not stem or not number.isdigit():
            continue
        line = f"fio stress file {name}: {stem} number {number}\n".encode()
        stamp = (line * (BLOCK // len(line) + 1))[:BLOCK]
        with open(os.path.join(root, name), "ab") as f:
            f.write(stamp)


main()
