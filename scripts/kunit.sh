#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kunit.sh ARCH: run every erofs KUnit suite on ARCH (um or x86_64 under
# QEMU).  Fails when a test fails or is skipped, and when a suite named by
# kunit/*.kunitconfig did not run.  Writes "PASSED FAILED" to
# $RESULTS/kunit-ARCH when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
build=$("$REPO/scripts/build-kernel.sh" "$arch")
"$REPO/scripts/kernel-version.sh" "$arch"
[ "$arch" = um ] || need qemu-system-x86_64 qemu-system-x86

# the suites mount images they write to "/": make the boot rootfs ramfs,
# which file-backed erofs can read (tmpfs has no ->read_folio)
tree=$("$REPO/scripts/kernel-tree.sh")
json=$build/kunit.json
rm -f "$json"
step "running the erofs KUnit suites on $arch"
cd "$tree"
rc=0
# shellcheck disable=SC2046
PATH=/usr/lib/ccache:$PATH python3 tools/testing/kunit/kunit.py run \
	--arch="$arch" --build_dir="$build" --jobs="$JOBS" --timeout=900 \
	--json="$json" $(kunit_args "$arch") \
	--kernel_args=rootfstype=ramfs || rc=$?

expected=$(cd "$REPO/kunit" && ls -- *.kunitconfig 2>/dev/null | sed 's/\.kunitconfig$//')
python3 "$REPO/scripts/kunit-summary.py" "$json" $expected >"$build/kunit.counts" || rc=1
[ -n "${RESULTS:-}" ] && cp "$build/kunit.counts" "$RESULTS/kunit-$arch"
exit "$rc"
