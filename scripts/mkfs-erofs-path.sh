#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkfs-erofs-path.sh: print a directory holding `mkfs.erofs`, a wrapper
# that runs mkfs.erofs >= 1.9 from the cached Debian unstable root of
# scripts/mkfs-erofs.sh with its own loader, by absolute paths only, so
# that a PATH holding it works on the host and in the test guests (which
# see the host's /).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/mkfs-erofs.sh" --version >/dev/null
root=$CACHE/sid-root
dir=$CACHE/mkfs-path
lib=$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu
mkdir -p "$dir"
{
	echo '#!/bin/sh'
	echo "# written by scripts/mkfs-erofs-path.sh"
	printf 'exec %q --library-path %q %q "$@"\n' \
		"$root/lib64/ld-linux-x86-64.so.2" "$lib" "$root/usr/bin/mkfs.erofs"
} >"$dir/mkfs.erofs.tmp"
chmod 755 "$dir/mkfs.erofs.tmp"
mv "$dir/mkfs.erofs.tmp" "$dir/mkfs.erofs"
echo "$dir"
