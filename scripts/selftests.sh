#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh FLAVOUR [TEST...]: build tools/testing/selftests/erofs on
# the host, boot the FLAVOUR test kernel (um, um-debug, x86_64 or
# x86_64-debug) and run them there (only the TESTs, when given) with
# run_kselftest.sh, with the test images from images/build.sh.
# ISHARE_STRESS_SECONDS, ISHARE_STRESS_SEED and FIO_RUNTIME go to the
# guest; KSFT_TIMEOUT overrides the per-test timeout of settings.  The
# guest then prints its kernel log (after kmemleak scans on the debug
# kernel), and any KASAN report, lockdep splat, leak, WARN or BUG counts as
# one more failure.  Counts with tap-summary.py (skips not listed in
# scripts/expected-skips fail) and writes "PASSED FAILED SKIPPED" to
# $RESULTS/selftests-FLAVOUR when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=$1
shift
tests=() only=()
for t in "$@"; do
	tests+=(-t "erofs:$t")
	only+=(--only "$t")
done
images=$("$REPO/images/build.sh")
"$REPO/scripts/build-kernel.sh" "$flavour" >/dev/null
"$REPO/scripts/kernel-version.sh" "$flavour"
out=$CACHE/kselftest
# binaries of this run only: other runs rebuild theirs meanwhile
mkdir -p "$out"
install=$(mktemp -d "$out/install.XXXXXX")
trap 'rm -rf "$install" "$install.log"' EXIT
"$REPO/scripts/selftests-build.sh" "$install" >/dev/null

step "running the erofs selftests in the $flavour guest"
log=$out/run-$flavour.log
# every guest prints its kernel log after the tests, for the log check
pass=()
for v in ISHARE_STRESS_SECONDS ISHARE_STRESS_SEED FIO_RUNTIME; do
	[ -z "${!v:-}" ] || pass+=("$v=${!v}")
done
cmd=("$REPO/scripts/guest-debug.sh" env EROFS_IMAGES="$images" "${pass[@]}"
     "$install/run_kselftest.sh" "${tests[@]}"
     ${KSFT_TIMEOUT:+-o "$KSFT_TIMEOUT"})
export GUEST_ARGS="log_buf_len=8M ${GUEST_ARGS:-}"
rc=0
# the kernel log a debug guest prints after the tests goes to the log only
"$REPO/scripts/guest-run.sh" "$flavour" "${cmd[@]}" 2>&1 | tee "$log" |
	awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
counts=$(sed '/^KERNEL-LOG$/,$d' "$log" |
	python3 "$REPO/scripts/tap-summary.py" "${only[@]}" "selftests-$flavour") || rc=1
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
