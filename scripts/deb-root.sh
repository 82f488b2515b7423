#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deb-root.sh SUITE: make (once, cached) a Debian root of SUITE for
# deb-test.sh and print its directory DIR:
#   DIR/root      debootstrap --variant=minbase, plus dkms and the suite's
#                 stock 6.12 kernel with its headers
#   DIR/kernels   "KVER UPDATE-KVER": the kernel installed and, when the
#                 suite has a newer 6.12 build, the kernel its metapackage
#                 would update to (its .debs are already in the root's apt
#                 cache, so deb-test.sh updates without the network)
# Bookworm's 6.12 kernels come from the suite that has them in the
# machine's apt configuration (bookworm-security: linux-image-6.12-amd64);
# trixie's is its default linux-image-amd64.  The apt sources of the root
# use the mirrors this machine's apt already uses.  DEB_ROOT_REFRESH=1
# makes the root anew.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: deb-root.sh bookworm|trixie}
case $suite in
bookworm) meta="linux-image-6.12-amd64 linux-headers-6.12-amd64" abi='+deb12-amd64' ;;
trixie) meta="linux-image-amd64 linux-headers-amd64" abi='+deb13-amd64' ;;
*) die "deb-root.sh: unknown suite $suite (bookworm or trixie)" ;;
esac
dir=$CACHE/deb-root/$suite
root=$dir/root

mkdir -p "$CACHE/deb-root"
exec 6>"$CACHE/deb-root/$suite.lock"
flock 6
if [ -f "$dir/kernels" ] && [ "${DEB_ROOT_REFRESH:-0}" != 1 ]; then
	echo "$dir"
	exit 0
fi

need debootstrap debootstrap
mirror=$("$REPO/scripts/apt-mirror.sh")
# the security archive, as this machine's apt names it (may be none)
security=$({
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs://p'
	sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}//p' /etc/apt/sources.list 2>/dev/null
} | tr ' ' '\n' | grep '://.*security' | head -n 1) || true
key=/usr/share/keyrings/debian-archive-keyring.gpg

mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done
}
trap cleanup EXIT
# unmount_under DIR: unmount what a killed run left mounted under DIR
unmount_under() {
	local m
	for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m"
	done
}
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

unmount_under "$dir"
rm -rf --one-file-system "$dir"
mkdir -p "$dir"
log=$dir/build.log
step "debootstrap --variant=minbase $suite into $root (a few minutes)"
debootstrap --variant=minbase --keyring="$key" "$suite" "$root" "$mirror" >"$log" 2>&1 ||
	die "debootstrap $suite failed; see $log"
{
	echo "deb [signed-by=$key] $mirror $suite main"
	echo "deb [signed-by=$key] $mirror $suite-updates main"
	[ -z "$security" ] || echo "deb [signed-by=$key] ${security%/} $suite-security main"
} >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev dev/pts; do
	mount --bind "/$m" "$root/$m"
	mounted+=("$root/$m")
done
in_root apt-get update -q >>"$log" 2>&1 || die "apt-get update in the $suite root failed; see $log"

# the newest two ABI-named 6.12 builds with headers: install the older one
# and keep the newer for the kernel-update step of deb-test.sh
builds=$(in_root apt-cache pkgnames linux-headers-6.12. |
	sed -n "s/^linux-headers-\(6\.12\.[0-9]*\)$abi\$/\1/p" | sort -V | tail -n 2)
[ -n "$builds" ] || die "Debian $suite has no linux-headers-6.12.*$abi"
new=$(echo "$builds" | tail -n 1)$abi
old=$(echo "$builds" | head -n 1)$abi
step "installing dkms and the $suite kernel $old with its headers"
in_root apt-get install -y -q --no-install-recommends dkms kmod \
	"linux-image-$old" "linux-headers-$old" >>"$log" 2>&1 ||
	die "installing the $suite kernel failed; see $log"
update=-
if [ "$new" != "$old" ]; then
	step "downloading the update to $new ($meta)"
	in_root apt-get install -y -q --no-install-recommends --download-only $meta >>"$log" 2>&1 ||
		die "downloading $meta failed; see $log"
	update=$new
fi
mkdir -p "$root/host"
echo "$old $update" >"$dir/kernels"
echo "$dir"
