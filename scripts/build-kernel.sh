#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh ARCH: build the test kernel of ARCH (um or x86_64) with
# kunit.py from the repository's fragments and print its build directory.
# The same kernel runs the KUnit suites and, booted with kunit.enable=0,
# the userspace tests.  Progress goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
shift
tree=$("$REPO/scripts/kernel-tree.sh")
build=$CACHE/build/$arch
mkdir -p "$build"

need ccache ccache
need bc bc
need flex flex
need bison bison
[ -f /usr/include/libelf.h ] || apt_install libelf-dev
[ -f /usr/include/openssl/ssl.h ] || apt_install libssl-dev

kunit_args "$arch" >/dev/null	# validate early
step "building the $arch test kernel in $build"
cd "$tree"
# shellcheck disable=SC2046
PATH=/usr/lib/ccache:$PATH python3 tools/testing/kunit/kunit.py build \
	--arch="$arch" --build_dir="$build" --jobs="$JOBS" \
	$(kunit_args "$arch") "$@" >"$build/build.log" 2>&1 || {
	tail -n 40 "$build/build.log" >&2
	die "the $arch kernel did not build; full log: $build/build.log"
}
echo "$build"
