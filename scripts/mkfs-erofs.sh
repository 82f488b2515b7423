#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run mkfs.erofs >= 1.9 (for --xattr-inode-digest).  Debian 12 ships 1.5,
# so the tool comes from a cached minimal Debian unstable tree, fetched
# through the mirror this machine's apt already uses.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$CACHE/sid-root
tool=$root/usr/bin/mkfs.erofs

if [ ! -x "$tool" ]; then
	need debootstrap debootstrap
	mirror=$("$REPO/scripts/apt-mirror.sh")
	step "debootstrap Debian unstable with erofs-utils into $root (about 30 s)"
	rm -rf "$root.tmp"
	debootstrap --variant=minbase --include=erofs-utils,attr sid \
		"$root.tmp" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $CACHE/debootstrap.log"
	mv "$root.tmp" "$root"
fi

# run the unstable binary with its own loader and libraries on host paths
lib=$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu
exec "$root/lib64/ld-linux-x86-64.so.2" --library-path "$lib" "$tool" "$@"
