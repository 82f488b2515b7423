#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-run.sh FLAVOUR CMD [ARG...]: boot the test kernel FLAVOUR (um,
# um-debug, x86_64, x86_64-debug with 4 CPUs, or upstream Linux >= 7.0,
# booted like x86_64) or Debian's stock kernel (stock, in QEMU with the
# initramfs of stock-kernel.sh), run CMD inside it in the current
# directory, print its output and exit with its exit status (125 when the
# guest died before reporting one).  The guest sees the host's /
# (read-write on UML, read-only on QEMU) and a private tmpfs on /tmp, and
# finds mkfs.erofs >= 1.9 on PATH (scripts/mkfs-erofs-path.sh).
# GUEST_TIMEOUT (seconds) bounds the whole boot; GUEST_ARGS adds to the
# kernel command line; GUEST_QEMU_ARGS (one argument a line) to QEMU's
# (x86_64 only: the bench's disks and clock).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=$1
shift
[ $# -gt 0 ] || die "usage: guest-run.sh um|um-debug|x86_64|x86_64-debug|upstream|stock CMD [ARG...]"

initrd=()
if [ "$flavour" = stock ]; then
	stock=$("$REPO/scripts/stock-kernel.sh")
	arch=x86_64 kernel=$stock/vmlinuz initrd=(-initrd "$stock/initrd")
else
	arch=$(kernel_arch "$flavour")
	build=$("$REPO/scripts/build-kernel.sh" "$flavour")
	kernel=$build/arch/x86/boot/bzImage
fi
run=$(mktemp -d "$CACHE/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
{
	echo "cd $(printf %q "$PWD") || exit 1"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$run/cmd.sh"

# the guest's /tmp is private: keep the top directories under /tmp that
# the command runs from (CI may clone there)
keep=$(for p in "$REPO" "$PWD"; do
	case $p in /tmp/?*) p=${p#/tmp/}; echo "/tmp/${p%%/*}" ;; esac
done | sort -u | paste -sd, -)
[ -z "$keep" ] || GUEST_ARGS="guest_keep=$keep ${GUEST_ARGS:-}"
# mkfs.erofs >= 1.9 on the guest's PATH, for the selftests' own images
GUEST_ARGS="guest_path=$("$REPO/scripts/mkfs-erofs-path.sh") ${GUEST_ARGS:-}"

# loglevel=1: kernel messages stay out of the TAP on the console (the log
# is checked from dmesg)
common="quiet loglevel=1 kunit.enable=0 init=$REPO/scripts/guest-init.sh guest_cmd=$run/cmd.sh ${GUEST_ARGS:-}"
timeout=${GUEST_TIMEOUT:-1800}
case $arch in
um)
	# UML keeps its memory in a file under TMPDIR
	TMPDIR=/dev/shm timeout "$timeout" "$build/linux" mem=2G \
		rootfstype=hostfs rootflags=/ rw con0=fd:0,fd:1 console=tty0 \
		$common </dev/null >"$run/console" 2>&1 || true
	;;
x86_64)
	need qemu-system-x86_64 qemu-system-x86
	cpus=2 extra=
	if [ "$flavour" = x86_64-debug ] || [ "$flavour" = x86_64-fuzz ]; then
		# the debug kernel runs its races on more CPUs than the host
		# has, fully preemptible; and without ACPI's PCI interrupt
		# routing (virtio-pci has MSI-X), whose AML, slowed down by
		# kmemleak and KASAN, would keep the other CPUs waiting in
		# stop_machine for minutes at boot and then time out
		cpus=4 extra="preempt=full pci=noacpi"
	fi
	qemu_extra=()
	[ -z "${GUEST_QEMU_ARGS:-}" ] || mapfile -t qemu_extra <<<"$GUEST_QEMU_ARGS"
	timeout "$timeout" qemu-system-x86_64 -nographic -no-reboot "${qemu_extra[@]}" \
		-m 2G -smp "$cpus" -bios qboot.rom -kernel "$kernel" "${initrd[@]}" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-append "console=ttyS0 panic=-1 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144 ro guest_halt=reboot $extra $common" \
		</dev/null >"$run/console" 2>&1 || true
	;;
*)
	die "unknown guest arch $arch (um or x86_64)"
	;;
esac

# show what the command printed (everything, if the guest never got there)
tr -d '\r' <"$run/console" >"$run/log"
if grep -q '^GUEST-START$' "$run/log"; then
	sed -n '/^GUEST-START$/,$p' "$run/log" | sed '1d' | grep -v '^GUEST-EXIT=' || true
else
	cat "$run/log"
fi
status=$(sed -n 's/^GUEST-EXIT=\([0-9]*\)$/\1/p' "$run/log" | tail -n 1)
if [ -z "$status" ]; then
	echo "guest-run: the $arch guest ended without reporting an exit status" >&2
	exit 125
fi
exit "$status"
