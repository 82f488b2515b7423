#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests-build.sh: build and install tools/testing/selftests/erofs from
# inside the kernel tree (for ../lib.mk and the kselftest runner) and print
# the install directory, whose run_kselftest.sh needs no write access.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$("$REPO/scripts/kernel-tree.sh")
sel=$tree/tools/testing/selftests
out=$CACHE/kselftest
rsync -rc --delete "$REPO/tools/testing/selftests/erofs/" "$sel/erofs/"
mkdir -p "$out"
step "building the erofs selftests"
rm -rf "$out/install"
make -s -C "$sel" TARGETS=erofs INSTALL_PATH="$out/install" install \
	>"$out/build.log" 2>&1 || {
	cat "$out/build.log" >&2
	die "the erofs selftests did not build"
}
echo "$out/install"
