#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kunit.sh FLAVOUR: run every erofs KUnit suite on the test kernel FLAVOUR
# (um, the debug UML kernel um-debug, x86_64 under QEMU, or the debug
# x86_64 kernel x86_64-debug with 4 CPUs).  Fails when a test fails or is
# skipped without being listed in scripts/expected-skips, and when a suite
# of scripts/expected-tests did not run (kunit-summary.py); on a debug
# kernel, a KASAN report, lockdep splat, WARN or BUG in the kernel log
# counts as one more failure.  Writes "PASSED FAILED SKIPPED" to
# $RESULTS/kunit-FLAVOUR when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=$1
arch=$(kernel_arch "$flavour")
build=$("$REPO/scripts/build-kernel.sh" "$flavour")
"$REPO/scripts/kernel-version.sh" "$flavour"
[ "$arch" = um ] || need qemu-system-x86_64 qemu-system-x86

tree=$("$REPO/scripts/kernel-tree.sh")
json=$build/kunit.json
rm -f "$json"
qemu=()
# 4 CPUs, booted as guest-run.sh boots it
[ "$flavour" = x86_64-debug ] &&
	qemu=(--qemu_args="-smp 4 -m 2048" --kernel_args=preempt=full --kernel_args=pci=noacpi)
step "running the erofs KUnit suites on $flavour"
cd "$tree"
rc=0
# shellcheck disable=SC2046
PATH=/usr/lib/ccache:$PATH python3 tools/testing/kunit/kunit.py run \
	--arch="$arch" --build_dir="$build" --jobs="$JOBS" --timeout=900 \
	--json="$json" $(kunit_args "$flavour") "${qemu[@]}" || rc=$?

python3 "$REPO/scripts/kunit-summary.py" "kunit-$flavour" "$json" >"$build/kunit.counts" || rc=1
case $flavour in
*-debug)
	# kunit.py keeps the whole console of the run in test.log
	if ! "$REPO/scripts/kernel-log-check.sh" "$build/test.log"; then
		rc=1
		read -r p f s <"$build/kunit.counts"
		echo "$p $((f + 1)) $s" >"$build/kunit.counts"
	fi
	;;
esac
echo "kunit on $flavour: $(cat "$build/kunit.counts") (passed failed skipped)"
[ -n "${RESULTS:-}" ] && cp "$build/kunit.counts" "$RESULTS/kunit-$flavour"
exit "$rc"
