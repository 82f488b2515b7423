#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel-version.sh ARCH: say exactly which kernel a test run uses.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=$(cat "$CACHE/build/$1/include/config/kernel.release" 2>/dev/null || echo unknown)
deb=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || echo unknown)
rev=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
echo "kernel: $1 $release from Debian linux-source-6.12 $deb, erofs work $rev"
