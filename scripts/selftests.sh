#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh ARCH: build tools/testing/selftests/erofs on the host, boot
# the ARCH test kernel and run them there the kernel way (make run_tests),
# with the test images from images/build.sh.  Writes "PASSED FAILED" to
# $RESULTS/selftests-ARCH when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
tree=$("$REPO/scripts/kernel-tree.sh")
images=$("$REPO/images/build.sh")
"$REPO/scripts/build-kernel.sh" "$arch" >/dev/null
"$REPO/scripts/kernel-version.sh" "$arch"

# the tests live in the repository; build them inside the kernel tree so
# that ../lib.mk and the kselftest runner are found
dir=$tree/tools/testing/selftests/erofs
out=$CACHE/kselftest/erofs
rsync -rc --delete "$REPO/tools/testing/selftests/erofs/" "$dir/"
mkdir -p "$out"
step "building the erofs selftests"
make -s -C "$dir" OUTPUT="$out" KHDR_INCLUDES= all >"$out/build.log" 2>&1 || {
	cat "$out/build.log" >&2
	die "the erofs selftests did not build"
}

step "running the erofs selftests in the $arch guest"
log=$out/run-$arch.log
rc=0
"$REPO/scripts/guest-run.sh" "$arch" env EROFS_IMAGES="$images" \
	make -s -C "$dir" OUTPUT="$out" KHDR_INCLUDES= run_tests 2>&1 | tee "$log" || rc=$?
counts=$(python3 "$REPO/scripts/tap-summary.py" <"$log") || rc=1
echo "selftests on $arch: $counts (passed failed)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/selftests-$arch"
exit "$rc"
