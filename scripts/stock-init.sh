#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0
# /init of the initramfs that stock-kernel.sh makes for Debian's stock
# kernel: load the 9p modules, mount the host's / read-only over virtio 9p
# (mount tag hostroot), and switch to it, running the init= of the kernel
# command line (scripts/guest-init.sh) as PID 1.
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in netfs 9pnet 9pnet_virtio 9p; do
	/bin/busybox insmod "/modules/$m.ko" || {
		echo "stock-init: insmod $m failed"
		/bin/busybox poweroff -f
	}
done
init=
for a in $(/bin/busybox cat /proc/cmdline); do
	case $a in init=*) init=${a#init=} ;; esac
done
if ! /bin/busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144 \
	hostroot /newroot; then
	echo "stock-init: cannot mount the host's / over 9p"
	/bin/busybox poweroff -f
fi
/bin/busybox umount /dev /proc
exec /bin/busybox switch_root /newroot "${init:-/sbin/init}"
