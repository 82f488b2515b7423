#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh FLAVOUR: build tools/testing/selftests/erofs on the host,
# boot the FLAVOUR test kernel (um, um-debug or x86_64) and run them there
# with run_kselftest.sh, with the test images from images/build.sh.  The
# guest then prints its kernel log (after kmemleak scans on the debug
# kernel), and any KASAN report, lockdep splat, leak, WARN or BUG counts as
# one more failure.  Counts with tap-summary.py (skips not listed in
# scripts/expected-skips fail) and writes "PASSED FAILED SKIPPED" to
# $RESULTS/selftests-FLAVOUR when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=$1
images=$("$REPO/images/build.sh")
"$REPO/scripts/build-kernel.sh" "$flavour" >/dev/null
"$REPO/scripts/kernel-version.sh" "$flavour"
install=$("$REPO/scripts/selftests-build.sh")
out=$CACHE/kselftest

step "running the erofs selftests in the $flavour guest"
log=$out/run-$flavour.log
# every guest prints its kernel log after the tests, for the log check
cmd=("$REPO/scripts/guest-debug.sh" env EROFS_IMAGES="$images"
     "$install/run_kselftest.sh")
export GUEST_ARGS="log_buf_len=8M ${GUEST_ARGS:-}"
rc=0
# the kernel log a debug guest prints after the tests goes to the log only
"$REPO/scripts/guest-run.sh" "$flavour" "${cmd[@]}" 2>&1 | tee "$log" |
	awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
counts=$(sed '/^KERNEL-LOG$/,$d' "$log" |
	python3 "$REPO/scripts/tap-summary.py" "selftests-$flavour") || rc=1
counts=${counts:-0 1 0}
sed -n '/^KERNEL-LOG$/,$p' "$log" | sed 1d >"$out/kernel-$flavour.log"
if ! "$REPO/scripts/kernel-log-check.sh" "$out/kernel-$flavour.log"; then
	rc=1
	read -r p f s <<<"$counts"
	counts="$p $((f + 1)) $s"
fi
echo "selftests on $flavour: $counts (passed failed skipped)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/selftests-$flavour"
exit "$rc"
