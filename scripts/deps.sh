#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, in one apt-get call, every Debian package the project needs and
# this machine lacks.  Needs root only when something is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

packages="linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	ccache python3 rsync xz-utils qemu-system-x86 debootstrap attr
	busybox-static kmod cpio fio"
missing=()
for p in $packages; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
