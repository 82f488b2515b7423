#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deb.sh: build out/deb/erofs-ishare-dkms_<version>_all.deb from debian/
# with dpkg-buildpackage, then run lintian on it, pedantic and info tags
# included: the package is lintian clean (see debian/README.source); a tag
# ever accepted goes into debian/erofs-ishare-dkms.lintian-overrides with
# its reason above it, and any other error or warning fails the build.
# The source package is a copy of the working tree's debian/, fs/erofs and
# the scripts that apply the series; debian/rules patches Debian's
# linux-source-6.12 with it.  Version: 0.1+git<date>.<commit> of HEAD;
# modinfo also shows the last commit of fs/erofs ("-dirty" when fs/erofs
# has uncommitted changes).  Prints the path of the .deb.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need dpkg-buildpackage dpkg-dev
need dh debhelper
[ -x /usr/bin/dh_dkms ] || apt_install dh-dkms
need lintian lintian
need rsync rsync
dpkg-query -W -f '${Status}' linux-source-6.12 2>/dev/null | grep -q 'ok installed' ||
	apt_install linux-source-6.12

cd "$REPO"
head=$(git log -1 --format=%h)
date=$(git log -1 --format=%cd --date=format:%Y%m%d)
version=0.1+git$date.$head
series=$(git log -1 --format=%h -- fs/erofs)
[ -z "$(git status --porcelain -- fs/erofs)" ] || series=$series-dirty

build=$CACHE/deb/build
src=$build/erofs-ishare-$version
rm -rf "$build"
mkdir -p "$src/scripts" "$src/Documentation/filesystems"
rsync -a --exclude build debian fs README.md "$src/"
cp scripts/apply-erofs.sh scripts/lib.sh "$src/scripts/"
cp Documentation/filesystems/erofs-ishare.rst "$src/Documentation/filesystems/"
sed -i "1s/^erofs-ishare ([^)]*)/erofs-ishare ($version)/" "$src/debian/changelog"
sed -i "1,/^ -- /s/^\(  \* .*\)/\1\n  * Built from commit $head, erofs series $series./" "$src/debian/changelog"

step "dpkg-buildpackage erofs-ishare $version (series $series)"
log=$build/build.log
(cd "$src" && EROFS_SERIES_COMMIT=$series dpkg-buildpackage -b -us -uc) >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	die "dpkg-buildpackage failed; see $log"
}
deb=erofs-ishare-dkms_${version}_all.deb
mkdir -p "$REPO/out/deb"
rm -f "$REPO"/out/deb/erofs-ishare-dkms_*.deb
cp "$build/$deb" "$REPO/out/deb/$deb"

step "lintian $deb"
lintian --info --display-info --pedantic --show-overrides "$build/$deb" >"$build/lintian.log" 2>&1 || {
	cat "$build/lintian.log" >&2
	die "lintian reports errors on $deb"
}
sed 's/^/  /' "$build/lintian.log" >&2
if grep -q '^[EW]: ' "$build/lintian.log"; then
	die "lintian tags without an explained override on $deb"
fi
echo "$REPO/out/deb/$deb"
