#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel-log-check.sh LOG: fail, showing the lines, when a kernel log (and
# kmemleak report) holds a KASAN report, a lockdep splat, a kmemleak leak,
# a WARN, a BUG or an oops.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bad='BUG:|WARNING:|KASAN|possible circular locking|possible recursive locking|DEBUG_LOCKS_WARN_ON|lockdep is turned off|unreferenced object|suspected memory leak|Busy inodes|kernel BUG at|Oops|Kernel panic|general protection fault|list_(add|del) corruption|INFO: task .* blocked|rcu: INFO'
# --pattern: print the pattern, for scripts that count the lines themselves
if [ "${1:-}" = --pattern ]; then
	echo "$bad"
	exit 0
fi
log=$1
[ -s "$log" ] || die "kernel log $log is empty"
if grep -nE "$bad" "$log" >/dev/null; then
	echo "kernel log check: $(grep -cE "$bad" "$log") bad lines in $log:"
	grep -nE -A3 "$bad" "$log" | head -n 200
	exit 1
fi
echo "kernel log check: clean (no KASAN, lockdep, kmemleak, WARN or BUG)"
