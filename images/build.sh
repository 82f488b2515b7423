#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build.sh: build every test image once into a cache directory and print
# it: the selftests' own tools/testing/selftests/erofs/mkimages.sh (the one
# list of recipes) under $CACHE/images, with mkfs.erofs >= 1.9 from
# scripts/mkfs-erofs-path.sh on PATH.  The directory is what the tests
# take as EROFS_IMAGES: tree/ (the source) and NAME.erofs per recipe.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

need setfattr attr
need fio fio
PATH=$("$REPO/scripts/mkfs-erofs-path.sh"):$PATH
rc=0
out=$("$REPO/tools/testing/selftests/erofs/mkimages.sh" "$CACHE/images") || rc=$?
[ "$rc" = 0 ] || die "mkimages.sh could not build the test images (exit $rc): $out"
echo "$out"
