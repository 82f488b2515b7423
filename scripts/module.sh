#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# module.sh: build our erofs out of tree, as erofs.ko with page cache
# sharing, against Debian's unmodified build tree (linux-headers) of the
# same 6.12 release as linux-source-6.12, at W=1.  Fails when the build
# warns about our code.  The module lands in out/erofs.ko.  Writes
# "1 0 0" (one passed build) to $RESULTS/module when RESULTS is set and it
# built; check.sh counts a failure otherwise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) ||
	"$REPO/scripts/kernel-tree.sh" >/dev/null
ver=$(dpkg-query -W -f '${Version}' linux-source-6.12)
release=${ver%%-*}+deb12-amd64
headers=/usr/src/linux-headers-$release
[ -f "$headers/Module.symvers" ] || apt_install "linux-headers-$release"
[ -f "$headers/Module.symvers" ] || die "$headers has no Module.symvers"

tree=$("$REPO/scripts/kernel-tree.sh")
src=$CACHE/module/erofs
mkdir -p "$src"
rsync -rc --delete "$tree/fs/erofs/" "$src/"
step "building erofs.ko against $headers (W=1)"
# the options our code adds are not in Debian's autoconf.h
log=$CACHE/module/build.log
make -C "$headers" M="$src" W=1 \
	CONFIG_EROFS_FS=m CONFIG_EROFS_FS_PAGE_CACHE_SHARE=y \
	KCFLAGS="-DCONFIG_EROFS_FS_PAGE_CACHE_SHARE=1" modules >"$log" 2>&1 || {
	cat "$log" >&2
	die "erofs.ko did not build"
}
ours=$(sed -n 's|^.*/erofs/\([^/:]*\.[ch]\):[0-9]*:[0-9]*: warning:.*|\1|p' "$log" |
	grep -E '^(ishare|fileio|zdata|data|inode|super|xattr|internal)\.' | sort -u || true)
others=$(grep -c 'warning:' "$log" || true)
mkdir -p "$REPO/out"
cp "$src/erofs.ko" "$REPO/out/erofs.ko"
modinfo "$REPO/out/erofs.ko" | grep -E '^(vermagic|filename)' | sed "s|$REPO/||"
echo "W=1 warnings: $others in total"
if [ -n "$ours" ]; then
	grep 'warning:' "$log" >&2
	die "W=1 warnings in files we change: $ours"
fi
[ -z "${RESULTS:-}" ] || echo "1 0 0" >"$RESULTS/module"
