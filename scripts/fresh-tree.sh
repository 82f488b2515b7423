#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fresh-tree.sh DIR: make DIR a fresh patched 6.12 tree of its own: the
# pristine tree of scripts/kernel-tree.sh hard-linked (seconds, no space),
# then the series applied by apply-erofs.sh, which replaces the files it
# changes and never writes through a link.  For runs that must not share
# the cached tree with concurrent builds and runs, and for trying the
# kernel's own tools as a user would.  Remove DIR with rm -rf when done.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$1
[ ! -e "$dir" ] || die "$dir exists"
pristine=$(dirname "$("$REPO/scripts/kernel-tree.sh")")/pristine
cp -al "$pristine" "$dir"
"$REPO/scripts/apply-erofs.sh" "$pristine" "$dir"
