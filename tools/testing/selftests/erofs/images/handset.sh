#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# handset.sh DIR a|b: a small tree whose fingerprints are set by hand.
# Trees a and b agree on every fingerprint, but differ in the content of
# same-size (4096 bytes of 'a' or 'b') and in the size of other-size.
set -euo pipefail

dir=$1 flavour=$2
name=trusted.erofs.fingerprint.v1
mkdir -p "$dir"
head -c 4096 /dev/zero | tr '\0' "$flavour" >"$dir/same-size"
if [ "$flavour" = a ]; then
	head -c 8192 /dev/zero | tr '\0' o >"$dir/other-size"
else
	head -c 12288 /dev/zero | tr '\0' o >"$dir/other-size"
fi
printf 'identical in both trees\n' >"$dir/identical"
# mkfs.erofs 1.9 adds its own digest beside a preset one, and readers see
# whichever sorts first: two zero bytes after "sha256:" put ours first
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
fingerprint() { echo "0x$(hex sha256:)0000$(hex "hand-set-$1")"; }
setfattr -n "$name" -v "$(fingerprint same-size)" "$dir/same-size"
setfattr -n "$name" -v "$(fingerprint other-size)" "$dir/other-size"
