#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests-build.sh [DIR [TREE]]: build tools/testing/selftests/erofs of
# the patched kernel tree (our series carries it; TREE, by default the
# cached one of scripts/kernel-tree.sh) in place with the tree's own
# kselftest Makefile, as `make kselftest` does, then install it into DIR
# and print DIR, whose run_kselftest.sh needs no write access.  DIR is
# $CACHE/kselftest/install by default (a run in its own DIR never loses its
# binaries to another run's build; one in its own TREE, of
# scripts/fresh-tree.sh, can also run `make run_tests` there).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${2:-$("$REPO/scripts/kernel-tree.sh")}
sel=$tree/tools/testing/selftests
out=$CACHE/kselftest
install=${1:-$out/install}
mkdir -p "$out"
# one build at a time (in the shared tree)
exec 7>"$out/build.lock"
flock 7
step "building the erofs selftests"
rm -rf "$install"
make -s -C "$sel" TARGETS=erofs INSTALL_PATH="$install" install \
	>"$install.log" 2>&1 || {
	cat "$install.log" >&2
	die "the erofs selftests did not build"
}
echo "$install"
