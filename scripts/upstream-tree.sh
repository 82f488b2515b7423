#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upstream-tree.sh: fetch upstream Linux >= 7.0 as Debian ships it (the
# newest linux-source-X.Y, X >= 7, of the first suite in UPSTREAM_SUITES
# that has one), unpatched, and print its path:
#   $CACHE/upstream-linux-<debian version>/tree
# The benchmark peer with upstream's own erofs page cache sharing.  A tree
# already present is reused without touching the network unless
# UPSTREAM_REFRESH=1.  apt runs on a private state under $CACHE/upstream
# with the archive keyring, so the download is signature-checked.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

exec 7>"$CACHE/upstream.lock"
flock 7

newest() { ls -d "$CACHE"/upstream-linux-*/tree 2>/dev/null | sort -V | tail -n 1; }
tree=$(newest) || true
if [ -n "$tree" ] && [ -f "$tree/Makefile" ] && [ "${UPSTREAM_REFRESH:-0}" != 1 ]; then
	echo "$tree"
	exit 0
fi

st=$CACHE/upstream
mkdir -p "$st/lists/partial" "$st/cache/archives/partial"
apt=(-q -o Dir::Etc::SourceList="$st/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$st/lists" -o Dir::Cache="$st/cache"
	-o Dir::State::status=/dev/null -o APT::Architecture=amd64)
mirror=$("$REPO/scripts/apt-mirror.sh")
key=/usr/share/keyrings/debian-archive-keyring.gpg
pkg=""
for suite in ${UPSTREAM_SUITES:-sid experimental forky trixie-backports}; do
	step "looking for linux-source-7.x or later in Debian $suite"
	echo "deb [signed-by=$key] $mirror $suite main" >"$st/sources.list"
	apt-get "${apt[@]}" update >"$st/update.log" 2>&1 ||
		{ step "apt-get update failed for $suite; see $st/update.log"; continue; }
	pkg=$(apt-cache "${apt[@]}" pkgnames linux-source- |
		grep -E '^linux-source-([7-9]|[1-9][0-9])\.[0-9]+$' | sort -V | tail -n 1) || true
	[ -n "$pkg" ] && break
done
[ -n "$pkg" ] || die "no linux-source-X.Y with X >= 7 in ${UPSTREAM_SUITES:-sid experimental forky trixie-backports}"
ver=$(apt-cache "${apt[@]}" show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -n 1)
base=$CACHE/upstream-linux-${ver//\~/_}
tree=$base/tree
if [ ! -f "$tree/Makefile" ]; then
	step "downloading $pkg $ver from $suite (about 170 MB)"
	rm -rf "$base/dl" "$tree.tmp"
	mkdir -p "$base/dl" "$tree.tmp"
	(cd "$base/dl" && apt-get "${apt[@]}" download "$pkg=$ver") >"$base/download.log" 2>&1 ||
		die "apt-get download $pkg=$ver failed; see $base/download.log"
	step "extracting $pkg $ver into $tree"
	dpkg-deb --fsys-tarfile "$base/dl/"*.deb |
		tar -xO "./usr/src/$pkg.tar.xz" | tar -xJ -C "$tree.tmp" --strip-components=1
	[ -f "$tree.tmp/fs/erofs/Kconfig" ] || die "$pkg has no fs/erofs"
	mv "$tree.tmp" "$tree"
	rm -rf "$base/dl"
fi
echo "$tree"
