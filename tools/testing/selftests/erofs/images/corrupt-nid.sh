#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# corrupt-nid.sh VALID OUT: a regression image found by make fuzz (a
# directory entry whose nid has bit 58 set): OUT is VALID, an image
# without a superblock checksum (which covers the root inode when that
# shares the superblock's block), with bit 58 set in the nid of the root
# directory's first entry after "." and "..".  The inode's address,
# nid << 5, no longer fits in 64 bits: looking the name up must fail with
# EUCLEAN, not read whatever the address wraps to.
set -euo pipefail

valid=$1 out=$2
u8() { od -An -tu1 -j "$1" -N1 "$valid" | tr -d ' '; }
u16() { od -An -tu2 -j "$1" -N2 "$valid" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$valid" | tr -d ' '; }
[ "$(u32 1024)" = $((0xE0F5E1E2)) ] || { echo "$valid: not EROFS" >&2; exit 1; }
[ $(($(u32 1032) & 1)) = 0 ] || { echo "$valid has a superblock checksum" >&2; exit 1; }
bsz=$((1 << $(u8 $((1024 + 12)))))
root=$(($(u32 $((1024 + 40))) * bsz + $(u16 $((1024 + 14))) * 32))
fmt=$(u16 "$root")
isize=$((fmt & 1 ? 64 : 32))
icount=$(u16 $((root + 2)))
xsize=$((icount ? 12 + 4 * (icount - 1) : 0))
# i_format bits 1-3: the data layout, flat in its own blocks (0) or all
# in the tail after the inode and its xattrs (2, for a small directory)
case $(((fmt >> 1) & 7)) in
0) dir=$(($(u32 $((root + 16))) * bsz)) ;;
2) dir=$((root + isize + xsize)) ;;
*) echo "$valid: the root directory is neither flat nor inline" >&2; exit 1 ;;
esac
# the first dirent's nameoff counts the dirents of the block
[ $(($(u16 $((dir + 8))) / 12)) -ge 3 ] ||
	{ echo "$valid: the root directory has no entry but . and .." >&2; exit 1; }
cp "$valid" "$out"
# the top byte of the third dirent's le64 nid
top=$((dir + 2 * 12 + 7))
printf "\\$(printf %03o $(($(u8 "$top") | 4)))" |
	dd of="$out" bs=1 seek="$top" conv=notrunc status=none
