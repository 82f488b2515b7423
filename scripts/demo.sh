#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: page cache sharing on two minor versions of real software run
# as containers, from EROFS images (--xattr-inode-digest) of Debian
# bookworm roots (minbase plus the packages) on virtio-blk disks like a
# host's volume (BENCH_DISK, gp by default):
#   python3.11 3.11.2-6+deb12u8 / +deb12u9 (bookworm / bookworm-security)
#   redis-server 5:7.0.15-1~deb12u7 / ~deb12u10, a network server
# For each pair, scripts/bench.sh runs its start phase (a container's
# start time on the second image with the first one's pages cached,
# against a warm start), its containers phase (memory of N=2 running
# containers; make bench adds N=10) and its memory phase (every file of
# two mounts read, against the theoretical limit), sharing off and on.
# The two memory phases run on the flat+lz4hc set only: flat+flat gave
# the same memory within 2 % (make bench, or BENCH_MEM_SETS=, runs both);
# then bench/demo_report.py prints one short table and saves
# out/demo/memory.png and out/demo/start.png.
# DEMO_PAIRS chooses pairs (python3.11 redis); BENCH_* settings apply.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${BENCH_OUT:-$REPO/out/demo}
pairs=${DEMO_PAIRS:-python3.11 redis}
export BENCH_PHASES=${BENCH_PHASES:-start containers memory}
export BENCH_MEM_NS=${BENCH_MEM_NS:-2}
export BENCH_MEM_SETS=${BENCH_MEM_SETS-flat+lz4hc}
export BENCH_CONTAINER_NS=${BENCH_CONTAINER_NS:-2}
export BENCH_KERNELS=${DEMO_KERNEL:-x86_64}
export BENCH_BASE=${BENCH_BASE:-bookworm}
export BENCH_DEMO=1

# a fixed list of standard modules: what a small service imports
py_mods="argparse, asyncio, csv, decimal, email.mime.text, http.client, json, logging,"
py_mods+=" sqlite3, ssl, tarfile, unittest, urllib.request, xml.etree.ElementTree, zipfile"
# redis: started, then asked until it answers on loopback
redis_up="redis-server --port 6379 --save '' --appendonly no --daemonize yes >/dev/null &&"
redis_up+=" until redis-cli ping >/dev/null 2>&1; do sleep 0.01; done"

for pair in $pairs; do
	case $pair in
	python3.11)
		# byte-compiled as on an installed system; hash-based like a
		# reproducible image build (SOURCE_DATE_EPOCH), so that unchanged
		# modules compile to identical files in both versions
		BENCH_TREE_SETUP='python3.11 -m compileall -q --invalidation-mode checked-hash /usr/lib/python3.11' \
		BENCH_START_CMD="python3.11 -c 'import $py_mods'" \
		BENCH_STAY_CMD="python3.11 -c 'import $py_mods; print(\"ready\", flush=True); import signal; signal.pause()'" \
		BENCH_TITLE="python3.11 3.11.2-6+deb12u8 / +deb12u9 as containers" \
		BENCH_OUT=$out/$pair "$REPO/scripts/bench.sh"
		;;
	redis)
		BENCH_START_CMD=$redis_up \
		BENCH_STAY_CMD="$redis_up && echo ready && exec sleep infinity" \
		BENCH_TITLE="redis-server 5:7.0.15-1~deb12u7 / ~deb12u10 as containers" \
		BENCH_OUT=$out/$pair "$REPO/scripts/bench.sh" \
			"redis-server=5:7.0.15-1~deb12u7,redis-tools=5:7.0.15-1~deb12u7" \
			"redis-server=5:7.0.15-1~deb12u10,redis-tools=5:7.0.15-1~deb12u10"
		;;
	*) die "unknown demo pair $pair (python3.11 or redis)" ;;
	esac
done
# shellcheck disable=SC2046	# one results.json a pair
/usr/bin/python3 "$REPO/bench/demo_report.py" --out "$out" \
	$(for pair in $pairs; do echo "$out/$pair/results.json"; done)
echo "demo: $SECONDS s"
