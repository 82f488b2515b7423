#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0
# /init of the initramfs that deb-test.sh makes for the kernel of a Debian
# root (deb-root.sh): load that kernel's 9p modules, mount the root
# (mount tag debroot) read-write over virtio 9p and the host's / (hostroot)
# read-only on its /host, and switch to the root, running the init= of the
# kernel command line (scripts/deb-guest.sh under /host) as PID 1.
bb=/bin/busybox
$bb mkdir -p /proc /sys /dev /newroot
$bb mount -t proc proc /proc
$bb mount -t devtmpfs devtmpfs /dev
fail() {
	echo "deb-init: $*"
	$bb poweroff -f
}
for m in netfs 9pnet 9pnet_virtio 9p; do
	[ -f "/modules/$m.ko" ] || continue
	$bb insmod "/modules/$m.ko" || fail "insmod $m failed"
done
init=
for a in $($bb cat /proc/cmdline); do
	case $a in init=*) init=${a#init=} ;; esac
done
opts=trans=virtio,version=9p2000.L,msize=262144
# the root is this guest's alone while it runs: cache it (cache=loose), or
# apt and dpkg, which mmap their caches, crawl over uncached 9p on TCG
$bb mount -t 9p -o "rw,cache=loose,$opts" debroot /newroot || fail "cannot mount the Debian root over 9p"
$bb mount -t 9p -o "ro,$opts" hostroot /newroot/host || fail "cannot mount the host's / over 9p"
$bb umount /dev /proc
exec $bb switch_root /newroot "${init:-/sbin/init}"
