#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stock-kernel.sh: prepare Debian's stock linux-image of the release that
# make module builds for, for a QEMU guest, and print its directory:
#   DIR/root     the package unpacked (never installed), with modules.dep
#   DIR/vmlinuz  its kernel
#   DIR/initrd   an initramfs: busybox-static, the stock 9p modules and
#                scripts/stock-init.sh, which boots into the host's / over 9p
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need busybox busybox-static
need cpio cpio
need depmod kmod
ver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) ||
	"$REPO/scripts/kernel-tree.sh" >/dev/null
ver=$(dpkg-query -W -f '${Version}' linux-source-6.12)
release=${ver%%-*}+deb12-amd64
pkg=linux-image-$release
dir=$CACHE/stock/$pkg
mods=$dir/root/lib/modules/$release

if [ ! -f "$mods/modules.dep" ]; then
	step "fetching and unpacking $pkg into $dir"
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download "$pkg" >"$dir/download.log" 2>&1) || {
		apt-get update -q >>"$dir/download.log" 2>&1 || true
		(cd "$dir/deb" && apt-get download "$pkg" >>"$dir/download.log" 2>&1)
	} || die "apt-get download $pkg failed; see $dir/download.log"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	rm -rf "$dir/deb"
	# modules.dep is made by the package's postinst, not shipped
	depmod -b "$dir/root" "$release"
fi
ln -sf "root/boot/vmlinuz-$release" "$dir/vmlinuz"

initrd=$dir/initrd
if [ ! -f "$initrd" ] || [ "$REPO/scripts/stock-init.sh" -nt "$initrd" ]; then
	step "making the initramfs for $pkg"
	tmp=$(mktemp -d "$CACHE/initrd.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/bin" "$tmp/modules"
	cp "$(command -v busybox)" "$tmp/bin/busybox"
	cp "$REPO/scripts/stock-init.sh" "$tmp/init"
	for m in netfs 9pnet 9pnet_virtio 9p; do
		f=$(modinfo -b "$dir/root" -k "$release" -n "$m") ||
			die "$pkg has no module $m (built in?)"
		case $f in
		*.xz) xz -dc "$f" >"$tmp/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$tmp/modules/$m.ko" ;;
		*) cp "$f" "$tmp/modules/$m.ko" ;;
		esac
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
fi
echo "$dir"
