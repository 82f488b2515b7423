#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a test guest (UML on hostfs, or QEMU on a read-only 9p view of
# the host's /): give the command a private /tmp, /dev, /proc and /sys, run
# it, print its exit status on the console and power off.  guest_cmd and
# guest_halt come from the kernel command line.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# guest_path (guest-run.sh): the cached mkfs.erofs >= 1.9, first
[ -z "$guest_path" ] || PATH=$guest_path:$PATH
export PATH HOME=/tmp TERM=dumb LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
# directories under the host's /tmp that the command needs (a clone made
# with mktemp -d, say) stay reachable under the guest's private /tmp
if [ -n "$guest_keep" ]; then
	mkdir -p /run/host-tmp && mount --bind /tmp /run/host-tmp
fi
mount -t tmpfs -o mode=1777 tmpfs /tmp
for d in $(echo "$guest_keep" | tr , ' '); do
	mkdir -p "$d" && mount --bind "/run/host-tmp/${d#/tmp/}" "$d"
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
hostname guest

cd /tmp || exit 1
echo GUEST-START
sh "$guest_cmd" </dev/null 2>&1
echo "GUEST-EXIT=$?"
sync
# QEMU runs with -no-reboot, so a reboot ends it; UML exits on poweroff
if [ "$guest_halt" = reboot ]; then
	exec busybox reboot -f
fi
exec busybox poweroff -f
