#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upstream-probe.sh [FLAVOUR]: what page cache sharing does on the test
# kernel FLAVOUR (default upstream, i.e. Linux >= 7.0): boots it and runs
# upstream-probe.py on the test images plus an lz4hc image with
# fingerprints.  Prints TAP-like lines against upstream's behaviour;
# findings are in bench/UPSTREAM.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-upstream}
images=$("$REPO/images/build.sh")
dir=$CACHE/upstream/probe-${images##*/}
if [ ! -f "$dir/digest-lz4hc.erofs" ]; then
	step "building digest-lz4hc.erofs into $dir"
	mkdir -p "$dir"
	"$REPO/scripts/mkfs-erofs.sh" -T0 -Uclear --xattr-inode-digest -zlz4hc \
		"$dir/tmp.erofs" "$images/tree" >"$dir/mkfs.log" 2>&1 ||
		die "mkfs.erofs failed; see $dir/mkfs.log"
	mv "$dir/tmp.erofs" "$dir/digest-lz4hc.erofs"
fi
for f in "$images"/*.erofs "$images/tree"; do
	ln -sfn "$f" "$dir/"
done
exec "$REPO/scripts/guest-run.sh" "$flavour" python3 "$REPO/scripts/upstream-probe.py" "$dir"
