#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# deb-guest.sh: PID 1 of a Debian root booted on its own kernel by
# deb-test.sh (root read-write over 9p, the host's / read-only on /host).
# The kernel command line says what to check (deb_phase):
#   ours   erofs-ishare-dkms is installed: modprobe erofs loads the DKMS
#          module (updates/dkms, srcversion deb_srcversion); every erofs
#          selftest (deb_selftests, images in deb_images) runs in the
#          host's / (chroot /host, as module-test.sh runs them) on this
#          kernel
#   stock  after deb-test.sh removed erofs-ishare-dkms in the root (on the
#          host) and a reboot: modprobe erofs loads the stock
#          module again, which mounts an image, refuses inode_share and,
#          as stock 6.12 without fscache (Debian's), mounts with domain_id=
#          unshared, the option dropped
# Each check is one TAP result; the kernel log follows a line KERNEL-LOG;
# the exit status is printed as GUEST-EXIT=N before the guest powers off.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root TERM=dumb LANG=C.UTF-8
h=/host
n=0 failed=0

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname "deb-$deb_phase"

# result DESCRIPTION CMD...: run CMD as one top-level TAP result
result() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n deb: $desc"
	else
		echo "not ok $n deb: $desc"
		failed=$((failed + 1))
	fi
}
# stamp WHAT: the guest's uptime, so that a slow step shows in the log
stamp() { echo "# $(cut -d' ' -f1 /proc/uptime) s: $*"; }
srcversion() { cat /sys/module/erofs/srcversion 2>/dev/null; }
is_ours() { [ "$(srcversion)" = "$deb_srcversion" ]; }
from() { modinfo -n erofs | grep -q "/$1/"; }
not() { ! "$@"; }

# the selftests run in the host's / with this kernel's modules, like the
# environment guest-init.sh gives them under module-test.sh
selftests() {
	mount -t proc proc $h/proc &&
		mount -t sysfs sysfs $h/sys &&
		mount -t devtmpfs devtmpfs $h/dev &&
		mount -t tmpfs tmpfs $h/run &&
		mount -t tmpfs -o mode=1777 tmpfs $h/tmp &&
		mount --bind /lib/modules $h/lib/modules || return 1
	mount -t cgroup2 cgroup2 $h/sys/fs/cgroup 2>/dev/null
	mkdir -p $h/dev/shm && mount -t tmpfs tmpfs $h/dev/shm
	ln -sf /proc/self/fd $h/dev/fd
	ln -sf /proc/self/fd/0 $h/dev/stdin
	ln -sf /proc/self/fd/1 $h/dev/stdout
	ln -sf /proc/self/fd/2 $h/dev/stderr
	chroot $h /usr/bin/env HOME=/tmp EROFS_IMAGES="$deb_images" \
		sh -c 'cd /tmp && "$1/run_kselftest.sh"' sh "$deb_selftests"
}

# mount_erofs OPTIONS [unshared]: mount a fingerprinted image with OPTIONS
# (with "unshared": and check that /proc/mounts shows no domain_id), unmount
mount_erofs() {
	mkdir -p /mnt/erofs
	mount -t erofs -o "ro,$1" "$h$deb_images/digest.erofs" /mnt/erofs || return 1
	set -- "$1" "${2:-}" 0
	if [ "$2" = unshared ] && grep ' /mnt/erofs erofs ' /proc/mounts | grep -q domain_id=; then
		set -- "$1" "$2" 1
	fi
	umount /mnt/erofs && [ "$3" = 0 ]
}

echo GUEST-START
echo "# kernel $(uname -r): $(cat /proc/version)"
case $deb_phase in
ours)
	result "modprobe erofs" modprobe erofs
	result "erofs is the DKMS module (updates/dkms)" from updates/dkms
	result "srcversion $(srcversion) is the one DKMS built" is_ours
	echo "# modinfo: $(modinfo erofs | grep -E '^(version|series|linux_source|srcversion):' | tr -s ' \n' ' ')"
	result "modprobe the loop driver" modprobe loop
	stamp "selftests"
	selftests || failed=$((failed + 1))
	stamp "selftests done"
	;;
stock)
	result "modprobe erofs" modprobe erofs
	result "erofs is the stock module (kernel/fs/erofs)" from kernel/fs/erofs
	result "srcversion $(srcversion) is not ours" not is_ours
	# util-linux 2.38 (bookworm) mounts an image file through a loop device
	result "modprobe the loop driver" modprobe loop
	result "the stock erofs mounts an image without domain_id=" mount_erofs ""
	result "the stock erofs refuses inode_share,domain_id=" \
		not mount_erofs inode_share,domain_id=deb-test
	result "the stock erofs refuses inode_share" not mount_erofs inode_share
	# without fscache, stock 6.12 only warns that domain_id is not
	# supported: the image mounts unshared and the option is dropped
	result "the stock erofs ignores domain_id= (not in /proc/mounts)" \
		mount_erofs domain_id=deb-test unshared
	result "no /sys/fs/erofs/ishare on the stock erofs" not test -e /sys/fs/erofs/ishare
	;;
*)
	result "deb_phase=$deb_phase is ours or stock" false
	;;
esac
echo KERNEL-LOG
dmesg
echo "GUEST-EXIT=$failed"
sync
umount $h/lib/modules 2>/dev/null
mount -o remount,ro / 2>/dev/null
exec $h/bin/busybox reboot -f
