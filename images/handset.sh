#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# handset.sh DIR a|b: a small tree whose fingerprints are set by hand.
# Trees a and b agree on every fingerprint, but differ in the content of
# same-size (4096 bytes of 'a' or 'b') and in the size of other-size.
set -euo pipefail

dir=$1 flavour=$2
name=trusted.erofs.fingerprint.v1
mkdir -p "$dir"
head -c 4096 /dev/zero | tr '\0' "$flavour" >"$dir/same-size"
if [ "$flavour" = a ]; then
	head -c 8192 /dev/zero | tr '\0' o >"$dir/other-size"
else
	head -c 12288 /dev/zero | tr '\0' o >"$dir/other-size"
fi
printf 'identical in both trees\n' >"$dir/identical"
setfattr -n "$name" -v "sha256:hand-set-same-size" "$dir/same-size"
setfattr -n "$name" -v "sha256:hand-set-other-size" "$dir/other-size"
