#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh ARCH: build tools/testing/selftests/erofs on the host, boot
# the ARCH test kernel and run them there with run_kselftest.sh,
# with the test images from images/build.sh.  Writes "PASSED FAILED" to
# $RESULTS/selftests-ARCH when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
tree=$("$REPO/scripts/kernel-tree.sh")
images=$("$REPO/images/build.sh")
"$REPO/scripts/build-kernel.sh" "$arch" >/dev/null
"$REPO/scripts/kernel-version.sh" "$arch"

# the tests live in the repository; build and install them from inside
# the kernel tree (for ../lib.mk and the kselftest runner), then run the
# installed set, which needs no write access in the guest
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

step "running the erofs selftests in the $arch guest"
log=$out/run-$arch.log
rc=0
"$REPO/scripts/guest-run.sh" "$arch" env EROFS_IMAGES="$images" \
	"$out/install/run_kselftest.sh" 2>&1 | tee "$log" || rc=$?
counts=$(python3 "$REPO/scripts/tap-summary.py" <"$log") || rc=1
echo "selftests on $arch: $counts (passed failed)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/selftests-$arch"
exit "$rc"
