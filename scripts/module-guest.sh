#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# module-guest.sh MODULES KO SELFTESTS: inside a guest of Debian's stock
# kernel (EROFS_IMAGES set), replace the stock erofs by KO, run every erofs
# selftest of the SELFTESTS install, unload KO, load it again, rerun
# ishare_smoke.sh and unload it again.  MODULES is the root of the unpacked
# stock package (for modprobe -d).  Each module operation is one TAP result;
# the kernel log follows a line KERNEL-LOG.  Fails when any step does.
set -u
mods=$1 ko=$2 selftests=$3
n=0 failed=0

# result DESCRIPTION CMD...: run CMD as one top-level TAP result
result() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n module: $desc"
	else
		echo "not ok $n module: $desc"
		failed=$((failed + 1))
	fi
}
loaded() { grep -q '^erofs ' /proc/modules; }
# ours is out of tree (taint O) and has the page cache sharing code
ours() {
	grep -q O /sys/module/erofs/taint &&
		grep -q ' erofs_ishare_.*\[erofs\]$' /proc/kallsyms
}
unload() { rmmod erofs && ! loaded; }

echo "# kernel $(uname -r): $(cat /proc/version)"
result "modprobe the stock loop and libcrc32c" modprobe -d "$mods" -a loop libcrc32c
if loaded; then
	result "rmmod the stock erofs" unload
fi
result "insmod $ko" insmod "$ko"
result "the loaded erofs is ours (out of tree, with ishare)" ours
"$selftests/run_kselftest.sh" || failed=$((failed + 1))
result "rmmod erofs after the selftests" unload
result "insmod $ko again" insmod "$ko"
"$selftests/run_kselftest.sh" -t erofs:ishare_smoke.sh || failed=$((failed + 1))
result "rmmod erofs after the reload" unload
echo KERNEL-LOG
dmesg
[ "$failed" = 0 ]
