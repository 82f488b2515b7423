#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh FLAVOUR: build tools/testing/selftests/erofs on the host,
# boot the FLAVOUR test kernel (um, um-debug or x86_64) and run them there
# with run_kselftest.sh, with the test images from images/build.sh.  On the
# debug kernel, the guest then has kmemleak scan and prints the kernel log,
# and any KASAN report, lockdep splat, leak, WARN or BUG counts as one more
# failure.  Writes "PASSED FAILED" to $RESULTS/selftests-FLAVOUR when
# RESULTS is set.
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
cmd=(env EROFS_IMAGES="$images" "$install/run_kselftest.sh")
case $flavour in
*-debug)
	debug=1
	cmd=("$REPO/scripts/guest-debug.sh" "${cmd[@]}")
	export GUEST_ARGS="log_buf_len=8M ${GUEST_ARGS:-}"
	;;
*) debug= ;;
esac
rc=0
# the kernel log a debug guest prints after the tests goes to the log only
"$REPO/scripts/guest-run.sh" "$flavour" "${cmd[@]}" 2>&1 | tee "$log" |
	awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
counts=$(sed '/^KERNEL-LOG$/,$d' "$log" | python3 "$REPO/scripts/tap-summary.py") || rc=1
if [ -n "$debug" ]; then
	sed -n '/^KERNEL-LOG$/,$p' "$log" | sed 1d >"$out/kernel-$flavour.log"
	if ! "$REPO/scripts/kernel-log-check.sh" "$out/kernel-$flavour.log"; then
		rc=1
		read -r p f <<<"$counts"
		counts="$p $((f + 1))"
	fi
fi
echo "selftests on $flavour: $counts (passed failed)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/selftests-$flavour"
exit "$rc"
