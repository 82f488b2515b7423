#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh FLAVOUR: build the test kernel FLAVOUR (um, x86_64, the
# debug UML kernel um-debug, or upstream: unpatched Linux >= 7.0 from
# upstream-tree.sh, for x86_64, a benchmark peer) with kunit.py from the
# repository's fragments and print its build directory, $CACHE/build/FLAVOUR.
# The same kernel runs the KUnit suites and, booted with kunit.enable=0,
# the userspace tests.  Progress goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=$1
shift
arch=$(kernel_arch "$flavour")
# one build per flavour at a time (make check and make bench may overlap)
mkdir -p "$CACHE/build"
exec 9>"$CACHE/build/$flavour.lock"
flock 9
if [ "$flavour" = upstream ]; then
	tree=$("$REPO/scripts/upstream-tree.sh")
else
	tree=$("$REPO/scripts/kernel-tree.sh")
fi
build=$CACHE/build/$flavour
# x86_64-fuzz differs from x86_64-debug in one erofs option: start from a
# copy of that build, so that only fs/erofs compiles again
if [ "$flavour" = x86_64-fuzz ] && [ ! -f "$build/.config" ]; then
	"$REPO/scripts/build-kernel.sh" x86_64-debug >/dev/null
	rm -rf "$build.tmp"
	cp -a "$CACHE/build/x86_64-debug" "$build.tmp"
	rm -f "$build.tmp/.kunitconfig"
	mv "$build.tmp" "$build"
fi
mkdir -p "$build"

need ccache ccache
need bc bc
need flex flex
need bison bison
[ -f /usr/include/libelf.h ] || apt_install libelf-dev
[ -f /usr/include/openssl/ssl.h ] || apt_install libssl-dev

kunit_args "$flavour" >/dev/null	# validate early
step "building the $flavour test kernel in $build"
cd "$tree"
# shellcheck disable=SC2046
PATH=/usr/lib/ccache:$PATH python3 tools/testing/kunit/kunit.py build \
	--arch="$arch" --build_dir="$build" --jobs="$JOBS" \
	$(kunit_args "$flavour") "$@" >"$build/build.log" 2>&1 || {
	tail -n 40 "$build/build.log" >&2
	die "the $flavour kernel did not build; full log: $build/build.log"
}
echo "$build"
