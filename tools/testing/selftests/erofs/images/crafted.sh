#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# crafted.sh CRAFTED PEER: two trees for the "only regular files share"
# tests.  CRAFTED holds a directory and a long symlink (4091 bytes) that
# carry fingerprints, as a hostile image could; PEER holds regular files
# with the same fingerprints and the same sizes, so that a kernel which
# shared anything but regular files would mix them up.
set -euo pipefail

crafted=$1 peer=$2
name=trusted.erofs.fingerprint.v1
mkdir -p "$crafted/dir" "$peer"
for f in f1 f2 f3; do
	echo "crafted $f" >"$crafted/dir/$f"
done
target=$(head -c 4091 /dev/zero | tr '\0' t)
ln -s "$target" "$crafted/link"

# one on-disk dirent is 12 bytes plus its name: ".", "..", f1, f2, f3
dir_size=$((5 * 12 + 1 + 2 + 3 * 2))
head -c "$dir_size" /dev/zero | tr '\0' d >"$peer/as-dir"
head -c 4091 /dev/zero | tr '\0' l >"$peer/as-link"

# as in handset.sh: two zero bytes after "sha256:" sort before mkfs's own
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
fingerprint() { echo "0x$(hex sha256:)0000$(hex "crafted-$1")"; }
setfattr -n "$name" -v "$(fingerprint dir)" "$crafted/dir"
setfattr -h -n "$name" -v "$(fingerprint link)" "$crafted/link"
setfattr -n "$name" -v "$(fingerprint dir)" "$peer/as-dir"
setfattr -n "$name" -v "$(fingerprint link)" "$peer/as-link"
