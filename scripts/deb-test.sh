#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deb-test.sh [SUITE...]: install out/deb/erofs-ishare-dkms_*.deb
# (scripts/deb.sh; DEB=FILE takes that .deb instead) in a copy of the
# cached Debian root of each SUITE (bookworm trixie by default,
# scripts/deb-root.sh), the way a host does: apt-get install, DKMS builds
# erofs.ko against the installed kernel's headers.  Then, when the suite
# has a newer 6.12 build, the kernel update: its linux-image alone (DKMS
# must say that the headers are missing, in one message, and apt must not
# fail), then its headers (DKMS builds for it).  Boots the root's newest
# kernel in QEMU on that root, read-write over 9p (scripts/deb-init.sh),
# and checks in it (scripts/deb-guest.sh): our module loads with the
# srcversion DKMS built, every selftest passes.  Then apt-get remove in
# the root, from the host (chroot): under TCG, the guest's own removal
# runs long enough to trip the soft-lockup detector.  A second boot, and
# the stock erofs is back: it refuses inode_share and drops domain_id=.
# Writes "PASSED FAILED SKIPPED" to $RESULTS/deb-test-SUITE when RESULTS
# is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "deb-test needs root (debootstrap, chroot, 9p passthrough)"
need qemu-system-x86_64 qemu-system-x86
need busybox busybox-static
need cpio cpio
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)

deb=${DEB:-$("$REPO/scripts/deb.sh")}
[ -f "$deb" ] || die "no package $deb"
pkg=erofs-ishare-dkms
images=$("$REPO/images/build.sh")
install=$("$REPO/scripts/selftests-build.sh")

mounted=()
umount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done
	mounted=()
}
trap umount_all EXIT
# bind_root: the host's /proc, /sys and /dev in the root, for chroots
bind_root() {
	local m
	for m in proc sys dev dev/pts; do
		mount --bind "/$m" "$root/$m"
		mounted+=("$root/$m")
	done
}

# unmount_under DIR: unmount what a killed run left mounted under DIR
unmount_under() {
	local m
	for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m"
	done
}
# initrd ROOT KVER OUT: busybox, ROOT's 9p modules of KVER, deb-init.sh
initrd() {
	local root=$1 kver=$2 out=$3 tmp m f
	tmp=$(mktemp -d "$CACHE/initrd.XXXXXX")
	mkdir -p "$tmp/bin" "$tmp/modules"
	cp "$(command -v busybox)" "$tmp/bin/busybox"
	cp "$REPO/scripts/deb-init.sh" "$tmp/init"
	for m in netfs 9pnet 9pnet_virtio 9p; do
		f=$(chroot "$root" modinfo -k "$kver" -n "$m" 2>/dev/null) || continue
		[ "$f" != "(builtin)" ] || continue
		case $f in
		*.xz) xz -dc "$root$f" >"$tmp/modules/$m.ko" ;;
		*.zst) zstd -qdc "$root$f" >"$tmp/modules/$m.ko" ;;
		*) cp "$root$f" "$tmp/modules/$m.ko" ;;
		esac
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet) >"$out"
	rm -rf "$tmp"
}

# boot_guest ROOT KVER LOG ARGS...: boot KVER of ROOT on ROOT with deb-guest.sh
# as PID 1 and ARGS on the command line; LOG gets the console
boot_guest() {
	local root=$1 kver=$2 log=$3
	shift 3
	timeout "${GUEST_TIMEOUT:-3600}" qemu-system-x86_64 -nographic -no-reboot \
		-m 2G -smp 2 -bios qboot.rom -kernel "$root/boot/vmlinuz-$kver" \
		-initrd "$work/initrd" \
		-virtfs "local,path=$root,mount_tag=debroot,security_model=passthrough" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-append "console=ttyS0 panic=-1 quiet loglevel=1 init=/host$REPO/scripts/deb-guest.sh $*" \
		</dev/null 2>&1 | tr -d '\r' >"$log" || true
	sed -n '/^GUEST-START$/,/^KERNEL-LOG$/p' "$log" | sed '1d;$d'
	grep -q '^GUEST-EXIT=' "$log" || {
		tail -n 30 "$log"
		echo "not ok 1 deb: the guest of $kver ended without reporting an exit status"
	}
}

# check DESCRIPTION CMD...: one host-side check as a TAP result
hn=0
check() {
	local desc=$1
	shift
	hn=$((hn + 1))
	if "$@"; then
		echo "ok $hn host: $desc"
	else
		echo "not ok $hn host: $desc"
		return 1
	fi
}

# not_there KVER: no erofs module of ours is left for KVER in the root
not_there() { ! ls "$root/lib/modules/$1/updates/dkms/erofs.ko"* >/dev/null 2>&1; }

# dkms_built KVER: DKMS installed erofs for KVER in the root
dkms_built() {
	in_root dkms status -k "$1" erofs-ishare | grep -q ': installed' &&
		ls "$root/lib/modules/$1/updates/dkms/erofs.ko"* >/dev/null 2>&1
}

# headers_message LOG KVER: DKMS said that KVER has no headers, and no
# build error of ours follows
headers_message() {
	grep -qi "headers.*$2\|$2.*headers" "$1" &&
		! grep -qi 'bad return status\|make.log' "$1"
}

in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
# apt_root ARG...: apt-get install ARG... in the root; apt_offline: from
# the root's apt cache only (deb-root.sh downloaded the kernel update)
apt_root() { in_root apt-get install -y -q --no-install-recommends "$@"; }
apt_offline() { apt_root --no-download "$@"; }
# logged LOG CMD...: CMD with its output in LOG
logged() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
}

# run_suite: everything for $suite in $root; TAP on stdout; sets $boot
# and $srcversion; stops at the first failed host-side step
run_suite() {
	local deb_in=/tmp/${deb##*/} ko
	cp "$deb" "$root$deb_in"
	step "deb-test $suite: apt-get install $deb_in (DKMS builds for $kver)"
	check "apt-get install $deb_in in $suite" logged "$work/install.log" apt_root "$deb_in" ||
		{ cat "$work/install.log" >&2; return 1; }
	grep -i 'erofs\|dkms' "$work/install.log" | sed 's/^/# /'
	check "DKMS built and installed erofs for $kver" dkms_built "$kver" || return 1
	boot=$kver
	if [ "$update" != - ] && [ "${DEB_TEST_UPDATE:-1}" = 1 ]; then
		step "deb-test $suite: kernel update to $update, first without its headers"
		check "apt-get install linux-image-$update, headers missing" \
			logged "$work/update-image.log" apt_offline "linux-image-$update"
		grep -v '^\(Get\|Selecting\|Preparing\|Unpacking\|Setting up\|Processing\|Reading\|Building\|(Reading\)' \
			"$work/update-image.log" | sed 's/^/# /'
		check "DKMS says that the headers of $update are missing" \
			headers_message "$work/update-image.log" "$update"
		check "apt-get install linux-headers-$update" \
			logged "$work/update-headers.log" apt_offline "linux-headers-$update" ||
			{ cat "$work/update-headers.log" >&2; return 1; }
		check "DKMS built and installed erofs for the update $update" \
			dkms_built "$update" || return 1
		boot=$update
	fi
	ko=$(cd "$root" && ls "lib/modules/$boot/updates/dkms/"erofs.ko*)
	srcversion=$(in_root modinfo -F srcversion "/$ko")
	echo "# built: $(in_root modinfo "/$ko" |
		grep -E '^(filename|version|series|linux_source|srcversion|vermagic):' | tr -s ' \n' ' ')"
	check "the built erofs has a srcversion" [ -n "$srcversion" ] || return 1
	initrd "$root" "$boot" "$work/initrd"
	umount_all
	step "deb-test $suite: booting $boot on the root: our erofs, every selftest"
	boot_guest "$root" "$boot" "$work/console-ours.log" deb_phase=ours \
		deb_srcversion="$srcversion" deb_images="$images" \
		deb_selftests="$work/selftests"
	step "deb-test $suite: apt-get remove $pkg in the root"
	bind_root
	check "apt-get remove $pkg" logged "$work/remove.log" \
		in_root apt-get remove -y -q "$pkg" || { cat "$work/remove.log" >&2; return 1; }
	check "no erofs of ours left under updates/dkms of $boot" not_there "$boot" || return 1
	umount_all
	step "deb-test $suite: reboot: the stock erofs"
	boot_guest "$root" "$boot" "$work/console-stock.log" deb_phase=stock \
		deb_srcversion="$srcversion" deb_images="$images"
}

rc=0
for suite in "${suites[@]}"; do
	start=$SECONDS
	dir=$("$REPO/scripts/deb-root.sh" "$suite")
	read -r kver update <"$dir/kernels"
	work=$CACHE/deb-test/$suite
	root=$work/root
	log=$work/test.log
	step "deb-test $suite: copying the cached root"
	umount_all
	unmount_under "$work"
	rm -rf --one-file-system "$work"
	mkdir -p "$work"
	cp -a "$dir/root" "$root"
	# the selftests may be rebuilt by another run meanwhile: keep a copy
	cp -a "$install" "$work/selftests"
	bind_root
	boot=? srcversion=
	run_suite >"$log" || echo "not ok 0 host: deb-test $suite stopped" >>"$log"
	grep -E '^(not )?ok ' "$log" >&2 || true
	umount_all
	touch "$work/console-ours.log"
	sed -n '/^KERNEL-LOG$/,/^GUEST-EXIT=/p' "$work/console-ours.log" |
		sed '1d;$d' >"$work/kernel-ours.log"
	counts=$(python3 "$REPO/scripts/tap-summary.py" "deb-test-$suite" <"$log") || true
	read -r p f s <<<"${counts:-0 1 0}"
	if ! "$REPO/scripts/kernel-log-check.sh" "$work/kernel-ours.log"; then
		f=$((f + 1))
	fi
	grep -q "^ok [0-9]* deb: srcversion" "$log" || f=$((f + 1))
	grep -q "^ok [0-9]* deb: the stock erofs refuses inode_share," "$log" || f=$((f + 1))
	# the selftests alone, counted the same way (without host: and deb: checks)
	sel=$(grep -vE '^(not )?ok [0-9]+ (host|deb):' "$log" |
		python3 "$REPO/scripts/tap-summary.py" "deb-test-$suite" 2>/dev/null) || true
	read -r sp sf ss <<<"${sel:-0 1 0}"
	echo "deb-test $suite: kernel $boot, srcversion ${srcversion:-?}, selftests $sp passed, $sf failed, $ss skipped; all checks $p passed, $f failed, $s skipped ($((SECONDS - start)) s)"
	[ -z "${RESULTS:-}" ] || echo "$p $f $s" >"$RESULTS/deb-test-$suite"
	[ "$f" = 0 ] || rc=1
done
exit "$rc"
