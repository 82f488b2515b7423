#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh FLAVOUR [TEST...]: build tools/testing/selftests/erofs of
# a fresh patched tree of this run's own (scripts/fresh-tree.sh, so that
# concurrent runs and builds never change it under the guest) on the host
# (scripts/selftests-build.sh), boot the
# FLAVOUR test kernel (um, um-debug, x86_64 or x86_64-debug) and run them
# there the kernel way: `make -C tools/testing/selftests TARGETS=erofs
# run_tests` of that tree (what `make kselftest` runs, finding the
# programs built; it writes nothing); only the TESTs, when given, or with
# KSFT_TIMEOUT (which overrides the per-test timeout of settings), through
# the same tree's run_kselftest.sh.  The tests build their own images in
# the guest, once per run, with the cached mkfs.erofs >= 1.9 that
# guest-run.sh puts on PATH; EROFS_IMAGES, when set, passes prebuilt ones
# (on QEMU guests, images/build.sh's by default).
# ISHARE_STRESS_SECONDS, ISHARE_STRESS_SEED and FIO_RUNTIME go to the
# guest.  The
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
"$REPO/scripts/build-kernel.sh" "$flavour" >/dev/null
"$REPO/scripts/kernel-version.sh" "$flavour"
out=$CACHE/kselftest
# binaries of this run only: other runs rebuild theirs meanwhile
mkdir -p "$out"
install=$(mktemp -d "$out/install.XXXXXX")
trap 'rm -rf "$install" "$install.log" "$install.tree"' EXIT
"$REPO/scripts/fresh-tree.sh" "$install.tree"
"$REPO/scripts/selftests-build.sh" "$install" "$install.tree" >/dev/null
sel=$install.tree/tools/testing/selftests

# QEMU guests run on TCG, where mkfs.erofs builds the images slowly (more
# than 20 minutes under KASAN): build them here.  UML guests build their
# own, as make kselftest does.
if [ "$(kernel_arch "$flavour")" = x86_64 ] && [ -z "${EROFS_IMAGES:-}" ]; then
	EROFS_IMAGES=$("$REPO/images/build.sh")
fi
step "running the erofs selftests in the $flavour guest"
# SELFTESTS_TAG names the logs of a run beside another on the same flavour
log=$out/run-$flavour${SELFTESTS_TAG:+-$SELFTESTS_TAG}.log
# every guest prints its kernel log after the tests, for the log check
pass=()
for v in ISHARE_STRESS_SECONDS ISHARE_STRESS_SEED FIO_RUNTIME EROFS_IMAGES; do
	[ -z "${!v:-}" ] || pass+=("$v=${!v}")
done
if [ ${#tests[@]} = 0 ] && [ -z "${KSFT_TIMEOUT:-}" ]; then
	run=(make -s --no-print-directory -C "$sel" TARGETS=erofs run_tests)
else
	run=("$install/run_kselftest.sh" "${tests[@]}"
	     ${KSFT_TIMEOUT:+-o "$KSFT_TIMEOUT"})
fi
cmd=("$REPO/scripts/guest-debug.sh" env "${pass[@]}" "${run[@]}")
export GUEST_ARGS="log_buf_len=8M ${GUEST_ARGS:-}"
# every program on a TCG guest under KASAN takes more than an hour; each
# program still has its own timeout (settings)
[ ${#tests[@]} != 0 ] || export GUEST_TIMEOUT=${GUEST_TIMEOUT:-10800}
rc=0
# the kernel log a debug guest prints after the tests goes to the log only
"$REPO/scripts/guest-run.sh" "$flavour" "${cmd[@]}" 2>&1 | tee "$log" |
	awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
counts=$(sed '/^KERNEL-LOG$/,$d' "$log" |
	python3 "$REPO/scripts/tap-summary.py" "${only[@]}" "selftests-$flavour") || rc=1
counts=${counts:-0 1 0}
klog=${log%.log}.kernel.log
sed -n '/^KERNEL-LOG$/,$p' "$log" | sed 1d >"$klog"
if ! "$REPO/scripts/kernel-log-check.sh" "$klog"; then
	rc=1
	read -r p f s <<<"$counts"
	counts="$p $((f + 1)) $s"
fi
echo "selftests on $flavour: $counts (passed failed skipped)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/selftests-$flavour"
exit "$rc"
