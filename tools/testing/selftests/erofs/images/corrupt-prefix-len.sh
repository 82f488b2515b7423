#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# corrupt-prefix-len.sh VALID OUT: a regression image found by make fuzz
# (a long xattr prefix length of 0xfffe, and xattr_prefix_start 0): OUT
# is VALID, an image with long prefixes and no superblock checksum, whose
# first long prefix claims 257 bytes, one more than a prefix may have.
# The mount reads the prefixes only after the root dentry exists, so its
# failure goes through put_super: it must fail with EUCLEAN and leave no
# WARN (a sharing filesystem flushed a work item it had not set up yet).
set -euo pipefail

valid=$1 out=$2
u32() { od -An -tu4 -j "$1" -N4 "$valid" | tr -d ' '; }
[ "$(u32 1024)" = $((0xE0F5E1E2)) ] || { echo "$valid: not EROFS" >&2; exit 1; }
[ $(($(u32 1032) & 1)) = 0 ] || { echo "$valid has a superblock checksum" >&2; exit 1; }
[ "$(od -An -tu1 -j $((1024 + 91)) -N1 "$valid" | tr -d ' ')" -gt 0 ] ||
	{ echo "$valid has no long xattr prefix" >&2; exit 1; }
pos=$(($(u32 $((1024 + 92))) * 4))
cp "$valid" "$out"
# le16 257 at the first prefix's length field
printf '\001\001' | dd of="$out" bs=1 seek="$pos" conv=notrunc status=none
