#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests-build.sh [DIR]: build and install tools/testing/selftests/erofs
# from inside the kernel tree (for ../lib.mk and the kselftest runner) and
# print the install directory, whose run_kselftest.sh needs no write access:
# DIR, or $CACHE/kselftest/install (a run in its own DIR never loses its
# binaries to another run's build).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$("$REPO/scripts/kernel-tree.sh")
sel=$tree/tools/testing/selftests
out=$CACHE/kselftest
install=${1:-$out/install}
mkdir -p "$out"
# one build at a time in the tree
exec 7>"$out/build.lock"
flock 7
rsync -rc --delete "$REPO/tools/testing/selftests/erofs/" "$sel/erofs/"
step "building the erofs selftests"
rm -rf "$install"
make -s -C "$sel" TARGETS=erofs INSTALL_PATH="$install" install \
	>"$install.log" 2>&1 || {
	cat "$install.log" >&2
	die "the erofs selftests did not build"
}
echo "$install"
