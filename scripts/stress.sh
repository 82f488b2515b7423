#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stress.sh [SECONDS]: the file-identity stress ishare_stress for SECONDS
# (default 60) on the x86_64 debug kernel (4 CPUs, KASAN, lockdep), kernel
# log checked like every selftest run.  make stress STRESS_SECONDS=N.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

seconds=${1:-60}
case $seconds in '' | *[!0-9]*) die "usage: stress.sh [SECONDS]" ;; esac
# the stress, then unmounts, kmemleak scans and a loaded TCG host
export ISHARE_STRESS_SECONDS=$seconds
export KSFT_TIMEOUT=$((seconds + 900))
export GUEST_TIMEOUT=$((seconds + 1800))
exec "$REPO/scripts/selftests.sh" x86_64-debug ishare_stress
