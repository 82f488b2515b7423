#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fio mixed-read stress with data verification: four mounts of the fio
# images in one domain (flat on a loop device, flat file-backed, lz4 and
# chunk-based) and one mount outside it, read at once by psync, mmap and
# (where O_DIRECT is allowed) libaio direct=1 jobs that check fio's verify
# header of every block.  fio's header does not name the file, so after
# each pass every file of every mount is compared whole with its source
# (whose last block names it, images/fio-stamp.py); and sharing must have
# happened: shared inodes and reads served by other mounts' fills.
# FIO_RUNTIME seconds (default 60).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ishare_images.sh"
ksft_skip=4
runtime=${FIO_RUNTIME:-60}

echo "TAP version 13"
if ! command -v fio >/dev/null; then
	echo "1..0 # SKIP fio is not installed"
	exit $ksft_skip
fi
ishare_images
if [ ! -f "$images/fio-flat.erofs" ]; then
	echo "1..0 # SKIP $images has no fio images (built without fio)"
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
echo "1..$(($(echo "$mounts" | wc -l) + 1))"

sysfs=/sys/fs/erofs
counter() { cat "$sysfs/$1" 2>/dev/null || echo 0; }
# sysfs names of the domain's mounts, and their reads from others so far
fsnames=() reads0=0
while read -r name image how opts direct; do
	mkdir "$work/$name"
	[ "$opts" = - ] && opts=
	before=" $(cd "$sysfs" && echo *) "
	if [ "$how" = loop ]; then
		mount -t erofs -o "ro,loop${opts:+,$opts}" "$images/$image.erofs" "$work/$name"
	else
		ishare_file_image "$image" &&
			"$here/erofs_mount" "$file_image" "$work/$name" "$opts"
	fi || echo "# mounting $image failed"
	[ -n "$opts" ] || continue
	for fs in "$sysfs"/*; do
		case $before in *" ${fs##*/} "*) ;; *) fsnames+=("${fs##*/}"); break ;; esac
	done
done <<<"$mounts"
for fs in "${fsnames[@]}"; do
	reads0=$((reads0 + $(counter "$fs/ishare_reads_from_others")))
done

# every file of mount $1 is its source, whole, and nothing else is there:
# fio's verify header does not say which file a block belongs to.  One
# diff a pass, from a copy in memory: a cmp a file (52 a mount) took
# seconds each under KASAN on a QEMU guest, and the 9p root is slow too.
src=$work/src
cp -r "$images/fio-tree" "$src" || exit 1
same_files() {
	diff -rq "$src" "$1"
}

# fio stops a verifying random read after one pass: loop until the
# deadline, and compare every file after each pass
stress() {
	local dir=$1 job=$2 end=$((SECONDS + runtime))
	while [ $SECONDS -lt $end ]; do
		MNT=$dir RUNTIME=$((end - SECONDS + 1)) \
			fio --readonly "$here/fio/$job" || return 1
		same_files "$dir" || { echo "identity check failed in $dir"; return 1; }
	done
}

# the most shared inodes seen while fio runs
( max=0
  while :; do
	n=$(counter ishare/shared_inodes)
	[ "$n" -le "$max" ] || { max=$n; echo "$max" >"$work/shared.max"; }
	sleep 1
  done ) &
sampler=$!

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
	desc="$image ($how, ${opts:-no domain})"
	if [ "$rc" = 0 ] &&
	   ! grep -qE 'verify failed|identity check failed' "$work/$name.log"; then
		echo "ok $n $desc read, verified and compared for ${runtime}s"
	else
		grep -v '^ ' "$work/$name.log" | tail -n 8 | sed 's/^/# /'
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
done <<<"$mounts"

kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
reads=0
for fs in "${fsnames[@]}"; do
	reads=$((reads + $(counter "$fs/ishare_reads_from_others")))
done
shared=$(cat "$work/shared.max" 2>/dev/null || echo 0)
n=$((n + 1))
if [ "${#fsnames[@]}" = 4 ] && [ "$shared" -gt 0 ] && [ "$reads" -gt "$reads0" ]; then
	echo "ok $n sharing happened: up to $shared shared inodes," \
		"$((reads - reads0)) reads from other mounts' fills"
else
	echo "# ${#fsnames[@]} of 4 domain mounts found in $sysfs;" \
		"up to $shared shared inodes; $((reads - reads0)) reads from others"
	echo "not ok $n sharing happened"
	failed=$((failed + 1))
fi

for name in a b c d e; do
	umount "$work/$name" || { echo "# umount $name failed"; failed=$((failed + 1)); }
done
rm -rf "$work"
[ "$failed" = 0 ]
