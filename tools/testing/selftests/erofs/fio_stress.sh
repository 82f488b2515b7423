#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fio mixed-read stress with data verification: four mounts of the fio
# images in one domain (flat on a loop device, flat file-backed, lz4 and
# chunk-based) and one mount outside it, read at once by psync, mmap and
# (where O_DIRECT is allowed) libaio direct=1 jobs that check fio's verify
# header of every block.  FIO_RUNTIME seconds (default 60).
set -u
here=$(cd "$(dirname "$0")" && pwd)
ksft_skip=4
images=${EROFS_IMAGES:-}
runtime=${FIO_RUNTIME:-60}

echo "TAP version 13"
if [ "$(id -u)" != 0 ] || [ ! -f "$images/fio-flat.erofs" ]; then
	echo "1..0 # SKIP needs root and EROFS_IMAGES (from images/build.sh)"
	exit $ksft_skip
fi
if ! command -v fio >/dev/null; then
	echo "1..0 # SKIP fio is not installed"
	exit $ksft_skip
fi

work=$(mktemp -d)
cd "$work" || exit 1
# name image how options direct
mounts="a fio-flat loop domain_id=fio direct
b fio-flat2 file domain_id=fio -
c fio-lz4 loop domain_id=fio -
d fio-chunk loop domain_id=fio direct
e fio-flat3 loop - direct"
echo "1..$(echo "$mounts" | wc -l)"

while read -r name image how opts direct; do
	mkdir "$work/$name"
	[ "$opts" = - ] && opts=
	if [ "$how" = loop ]; then
		mount -t erofs -o "ro,loop${opts:+,$opts}" "$images/$image.erofs" "$work/$name"
	else
		"$here/erofs_mount" "$images/$image.erofs" "$work/$name" "$opts"
	fi || echo "# mounting $image failed"
done <<<"$mounts"

# fio stops a verifying random read after one pass: loop until the deadline
stress() {
	local dir=$1 job=$2 end=$((SECONDS + runtime))
	while [ $SECONDS -lt $end ]; do
		MNT=$dir RUNTIME=$((end - SECONDS + 1)) \
			fio --readonly "$here/fio/$job" || return 1
	done
}

pids=()
while read -r name image how opts direct; do
	( stress "$work/$name" mixed-read.fio >"$work/$name.log" 2>&1 &&
	  if [ "$direct" = direct ]; then
		stress "$work/$name" direct-read.fio >>"$work/$name.log" 2>&1
	  fi ) &
	pids+=($!)
done <<<"$mounts"

n=0 failed=0
while read -r name image how opts direct; do
	rc=0
	wait "${pids[$n]}" || rc=$?
	n=$((n + 1))
	if [ "$rc" = 0 ] && ! grep -q 'verify failed' "$work/$name.log"; then
		echo "ok $n $image ($how, ${opts:-no domain}) read and verified for ${runtime}s"
	else
		grep -v '^ ' "$work/$name.log" | tail -n 8 | sed 's/^/# /'
		echo "not ok $n $image ($how, ${opts:-no domain})"
		failed=$((failed + 1))
	fi
done <<<"$mounts"

for name in a b c d e; do
	umount "$work/$name" || { echo "# umount $name failed"; failed=$((failed + 1)); }
done
rm -rf "$work"
[ "$failed" = 0 ]
