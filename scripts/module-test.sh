#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# module-test.sh: boot Debian's stock linux-image in QEMU, replace its erofs
# by out/erofs.ko (scripts/module.sh), run every erofs selftest on it,
# unload it, load it again, rerun ishare_smoke.sh and unload it (see
# module-guest.sh).  A failed insmod or rmmod, a failed test, or a WARN,
# BUG or oops in the kernel log fails.  Counts with tap-summary.py and
# writes "PASSED FAILED SKIPPED" to $RESULTS/module-test when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# the module step counts the build, not this one
RESULTS= "$REPO/scripts/module.sh" >&2
ko=$REPO/out/erofs.ko
images=$("$REPO/images/build.sh")
install=$("$REPO/scripts/selftests-build.sh")
stock=$("$REPO/scripts/stock-kernel.sh")
out=$CACHE/kselftest
log=$out/run-module.log

step "running out/erofs.ko on Debian's stock kernel in QEMU: $(cd "$stock" && readlink vmlinuz)"
rc=0
"$REPO/scripts/guest-run.sh" stock env EROFS_IMAGES="$images" \
	"$REPO/scripts/module-guest.sh" "$stock/root" "$ko" "$install" 2>&1 |
	tee "$log" | awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
counts=$(sed '/^KERNEL-LOG$/,$d' "$log" |
	python3 "$REPO/scripts/tap-summary.py" module-test) || rc=1
counts=${counts:-0 1 0}
sed -n '/^KERNEL-LOG$/,$p' "$log" | sed 1d >"$out/kernel-module.log"
if ! "$REPO/scripts/kernel-log-check.sh" "$out/kernel-module.log"; then
	rc=1
	read -r p f s <<<"$counts"
	counts="$p $((f + 1)) $s"
fi
echo "module test on the stock kernel: $counts (passed failed skipped)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/module-test"
exit "$rc"
