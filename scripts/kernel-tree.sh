#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the kernel workspace and print its path:
#   $CACHE/linux-<debian version>/pristine  Debian's 6.12 source, never touched
#   $CACHE/linux-<debian version>/tree      the same with our series applied
# Every path the series touches (fs/erofs, tools/testing/selftests/erofs...)
# in the tree is rebuilt from pristine + fs/erofs/patches/series on
# every call; files whose content did not change keep their timestamps, so
# make rebuilds only what really changed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# one caller at a time extracts or re-applies the tree
exec 8>"$CACHE/tree.lock"
flock 8

pkg=linux-source-6.12
if ! dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
	apt_install "$pkg"
fi
ver=$(dpkg-query -W -f '${Version}' "$pkg")
base=$CACHE/linux-${ver//\~/_}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball is missing; reinstall $pkg"

extract() {
	local dst=$1
	[ -f "$dst/Makefile" ] && return 0
	step "extracting $pkg $ver into $dst (about 20 s)"
	rm -rf "$dst.tmp" "$dst"
	mkdir -p "$dst.tmp"
	tar -xJf "$tarball" -C "$dst.tmp" --strip-components=1
	mv "$dst.tmp" "$dst"
}
extract "$base/pristine"
extract "$base/tree"

"$REPO/scripts/apply-erofs.sh" "$base/pristine" "$base/tree" >&2
echo "$base/tree"
