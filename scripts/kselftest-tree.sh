#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kselftest-tree.sh [FLAVOUR]: the selftests as a user runs them.  A fresh
# copy of the patched 6.12 tree (scripts/fresh-tree.sh); then, in a
# FLAVOUR guest (um by default, whose kernel is built from the same patched
# sources), as root and with no environment variable, `make defconfig`
# (make wants a configured tree) and `make kselftest TARGETS=erofs`, which
# installs the headers, builds the target and runs it.  The guest's PATH
# holds the cached mkfs.erofs (guest-run.sh), so the tests build their own
# images.  Counts with tap-summary.py as step kselftest-tree-FLAVOUR and
# writes "PASSED FAILED SKIPPED" to $RESULTS/kselftest-tree-FLAVOUR when
# RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-um}
[ "$(kernel_arch "$flavour")" = um ] ||
	die "kselftest-tree.sh runs on a UML guest (the guest writes the tree; QEMU guests see / read-only)"
"$REPO/scripts/build-kernel.sh" "$flavour" >/dev/null
"$REPO/scripts/kernel-version.sh" "$flavour"

copy=$(mktemp -d "$CACHE/kselftest-tree.XXXXXX")
trap 'rm -rf "$copy"' EXIT
step "a fresh patched tree in $copy"
rmdir "$copy"
"$REPO/scripts/fresh-tree.sh" "$copy"
step "make kselftest TARGETS=erofs in the $flavour guest"
log=$CACHE/kselftest/kselftest-tree-$flavour.log
mkdir -p "$(dirname "$log")"
rc=0
# configured in the guest, for the architecture make finds there
(cd "$copy" && "$REPO/scripts/guest-run.sh" "$flavour" \
	"$REPO/scripts/guest-debug.sh" sh -c \
	'make -s defconfig >/dev/null && exec make kselftest TARGETS=erofs') 2>&1 |
	tee "$log" | awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
counts=$(sed '/^KERNEL-LOG$/,$d' "$log" |
	python3 "$REPO/scripts/tap-summary.py" "kselftest-tree-$flavour") || rc=1
counts=${counts:-0 1 0}
sed -n '/^KERNEL-LOG$/,$p' "$log" | sed 1d >"$log.kernel"
if ! "$REPO/scripts/kernel-log-check.sh" "$log.kernel"; then
	rc=1
	read -r p f s <<<"$counts"
	counts="$p $((f + 1)) $s"
fi
echo "make kselftest TARGETS=erofs on $flavour: $counts (passed failed skipped)"
[ -n "${RESULTS:-}" ] && echo "$counts" >"$RESULTS/kselftest-tree-$flavour"
exit "$rc"
