#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: memory with and without page cache sharing on two minor
# versions of real software, python3.11 from Debian bookworm and
# bookworm-security, as EROFS images (--xattr-inode-digest): both images
# mounted in one domain, every file read, then the same without sharing;
# once with two flat images, once with a flat and an lz4hc one.  Prints
# the table and saves out/demo/memory.png.  It is scripts/bench.sh with
# its memory phase only; the same arguments and BENCH_* settings apply
# (e.g. BENCH_VERSIONS="A B" for another pair).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export BENCH_PHASES=memory BENCH_MEM_NS=2
export BENCH_KERNELS=${DEMO_KERNEL:-x86_64}
export BENCH_OUT=${BENCH_OUT:-$REPO/out/demo}
export BENCH_DEMO=1
export BENCH_TITLE=${BENCH_TITLE:-"EROFS page cache sharing: two minor versions, every file read"}
exec "$REPO/scripts/bench.sh" "$@"
