#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kunit-tree.sh [ARCH]: the KUnit suites as a user runs them.  In a fresh
# copy of the patched 6.12 tree (scripts/fresh-tree.sh), with no kernel
# argument and no fragment of ours:
#   ./tools/testing/kunit/kunit.py run --kunitconfig=fs/erofs --arch=ARCH
# (um by default; x86_64 under QEMU).  The tree and its build directory
# keep their paths in the cache, so that a second run only relinks.  Counts with
# kunit-summary.py as step kunit-tree-ARCH and writes "PASSED FAILED
# SKIPPED" to $RESULTS/kunit-tree-ARCH when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:-um}
case $arch in
um) ;;
x86_64) need qemu-system-x86_64 qemu-system-x86 ;;
*) die "usage: kunit-tree.sh [um|x86_64]" ;;
esac
build=$CACHE/build/kunit-tree-$arch
mkdir -p "$build"
# one run per ARCH at a time; the copy keeps its path, so that make (and
# ccache) find the previous run's objects valid
exec 9>"$build.lock"
flock 9
copy=$CACHE/kunit-tree-$arch
step "a fresh patched tree in $copy"
rm -rf "$copy"
"$REPO/scripts/fresh-tree.sh" "$copy"
json=$build/kunit.json
rm -f "$json"
step "kunit.py run --kunitconfig=fs/erofs --arch=$arch in that tree"
rc=0
(cd "$copy" && PATH=/usr/lib/ccache:$PATH python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=fs/erofs --arch="$arch" --build_dir="$build" --jobs="$JOBS" \
	--json="$json") >"$build/run.log" 2>&1 || rc=$?
grep -E '^\[[0-9:]+\] (=|\[|Testing complete)' "$build/run.log" | tail -n 40 || true
[ "$rc" -eq 0 ] || tail -n 40 "$build/run.log"
counts=$(python3 "$REPO/scripts/kunit-summary.py" "kunit-tree-$arch" "$json") || rc=1
counts=${counts:-0 1 0}
echo "kunit.py run --kunitconfig=fs/erofs --arch=$arch: $counts (passed failed skipped)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/kunit-tree-$arch"
exit "$rc"
