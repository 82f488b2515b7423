#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh [TREE...]: memory, throughput and scale of page cache sharing
# on N file trees, in the test kernel(s) under QEMU.  See bench/README.md.
#
# TREE is a directory, or a Debian package list "name=version[,name=version...]"
# (fetched with apt-get download, unpacked with dpkg-deb -x, cached).
# Without TREE: the packages BENCH_PACKAGES at each of BENCH_VERSIONS.
#
# Environment (defaults in brackets):
#   BENCH_PACKAGES   [python3.11 python3.11-minimal libpython3.11-minimal
#                     libpython3.11-stdlib libpython3.11]
#   BENCH_VERSIONS   [3.11.2-6+deb12u8 3.11.2-6+deb12u9]
#   BENCH_BASE       a Debian suite (bookworm): package trees are runnable
#                    roots, its minbase plus their dependencies [none]
#   BENCH_TREE_SETUP shell command run (chroot) in every runnable root once
#                    unpacked, as a package's postinst would: e.g. python
#                    byte-compiling its library [none]
#   BENCH_DISK       where the guest reads the images from: gp (a
#                    general-purpose cloud volume: virtio-blk disks
#                    throttled together to 3000 IOPS and 125 MiB/s), slow
#                    (500 IOPS, 40 MiB/s), or loop (loop devices over
#                    copies in the guest's tmpfs) [gp]
#   BENCH_START_CMD  command run in a container (the image as its root,
#                    bench/container.sh) that exits once the program is
#                    ready: the start phase times it [none]
#   BENCH_STAY_CMD   the same program, printing "ready" once ready and then
#                    staying alive: the containers phase [none]
#   BENCH_START_REPS repetitions of the start phase, median reported [3]
#   BENCH_CONTAINER_NS  running containers of the containers phase [2 10]
#   BENCH_LAYOUTS    image layouts per set, one comma list a set, cycled
#                    over the trees: flat or any mkfs.erofs -z algorithm
#                    [flat,flat flat,lz4hc]
#   BENCH_PHASES     any of memory fio scale hotread start containers
#                    [memory fio scale hotread]
#   BENCH_MEM_NS     mount counts of the memory phase [2 10]
#   BENCH_MEM_SETS   sets the memory and containers phases run, by name
#                    (flat+lz4hc...) [all]
#   BENCH_FIO_REPS   repetitions of each fio measurement, median reported [3]
#   BENCH_SCALE_NS   [1 10 50]
#   BENCH_SCALE_UNSHARED_MAX_MB  unshared scale runs up to this many MB of
#                    images (sharing off is only the contrast) [100]
#   BENCH_SCALE_TREE tree mounted N times by the scale phase [the first
#                    package of the first version when BENCH_PACKAGES is
#                    the default, else the first TREE]
#   BENCH_HOTREAD_REPS   hotread repetitions, median ratio reported [20]
#   BENCH_HOTREAD_READS  random 4 KiB reads per mode and repetition [100000]
#   BENCH_HOTREAD_BLOCK  reads per timed block, the modes alternating [500]
#   BENCH_ICOUNT     QEMU -icount shift: guest time counts instructions
#                    (2^N ns each), not host time; see bench/README.md [off]
#   BENCH_KERNELS    kernel flavours; the first is the one checked, the
#                    others (peers) are skipped with one line when unknown
#                    or not built (BENCH_BUILD_PEERS=1 builds them) [x86_64 upstream]
#   BENCH_SHARE_OPTS mount options that turn sharing on [inode_share,domain_id=bench]
#   BENCH_OUT        results directory [out/bench]
#   BENCH_MIN_OF_LIMIT  required reduction / limit [0.98]
#   BENCH_TITLE, BENCH_DEMO  report title; demo-style table (scripts/demo.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

default_pkgs="python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libpython3.11"
pkgs=${BENCH_PACKAGES:-$default_pkgs}
versions=${BENCH_VERSIONS:-3.11.2-6+deb12u8 3.11.2-6+deb12u9}
layouts=${BENCH_LAYOUTS:-flat,flat flat,lz4hc}
phases=${BENCH_PHASES:-memory fio scale hotread}
kernels=${BENCH_KERNELS:-x86_64 upstream}
out=${BENCH_OUT:-$REPO/out/bench}
PY=/usr/bin/python3	# Debian's, where python3-matplotlib goes

t_start=$(date +%s)
[ -x "$PY" ] || apt_install python3
[ -f /usr/lib/python3/dist-packages/matplotlib/__init__.py ] || apt_install python3-matplotlib
need fio fio
need gcc build-essential
need losetup mount
base_suite=${BENCH_BASE:-}
tree_setup=${BENCH_TREE_SETUP:-}
mkfs=$REPO/scripts/mkfs-erofs.sh
mkfs_version=$("$mkfs" --version | head -n 1)

trees=("$@")
if [ ${#trees[@]} -eq 0 ]; then
	for v in $versions; do
		spec=
		for p in $pkgs; do spec+=${spec:+,}$p=$v; done
		trees+=("$spec")
	done
fi
[ ${#trees[@]} -ge 2 ] || die "bench needs at least two trees (got ${#trees[@]})"
if [ -n "${BENCH_SCALE_TREE:-}" ]; then
	scale_spec=$BENCH_SCALE_TREE
elif [ "$pkgs" = "$default_pkgs" ] && [ $# -eq 0 ]; then
	scale_spec=libpython3.11-minimal=${versions%% *}
else
	scale_spec=${trees[0]}
fi

# fetch_deb NAME VERSION: print the cached .deb of NAME at VERSION
fetch_deb() {
	local name=$1 version=$2 deb
	mkdir -p "$CACHE/debs"
	deb=$(ls "$CACHE/debs/${name}_${version//:/%3a}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		step "apt-get download $name=$version"
		(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$name=$version") \
			>>"$CACHE/debs/download.log" 2>&1 ||
			die "apt-get download $name=$version failed; see $CACHE/debs/download.log"
		deb=$(ls "$CACHE/debs/${name}_${version//:/%3a}_"*.deb | head -n 1)
	fi
	echo "$deb"
}

# prepare_tree SPEC: set TREE (the directory), KEY (its cache key) and
# LABEL for a directory or a package list; the package tree is cached.
# With BENCH_BASE, a package tree is a runnable root: a copy of that
# suite's minbase with the list's dependencies (bench-root.sh), the
# packages unpacked over it.
prepare_tree() {
	local spec=$1 list pv ver base
	if [ -d "$spec" ]; then
		TREE=$(realpath "$spec")
		KEY=dir-$( (echo "$TREE"; find "$TREE" -printf '%P %y %s %T@ %m %U %G %l\n' | sort) |
			sha1sum | cut -c1-12)
		LABEL=$(basename "$TREE")
		return
	fi
	list=$(echo "$spec" | tr ', ' '\n\n' | grep . | sort -u)
	for pv in $list; do
		[[ $pv == ?*=?* ]] || die "not a directory nor name=version: $pv (in '$spec')"
	done
	base=
	# shellcheck disable=SC2086	# one NAME=VERSION a word
	[ -z "$base_suite" ] || base=$("$REPO/scripts/bench-root.sh" "$base_suite" $list)
	KEY=pkgs-$( (echo "$list"; [ -z "$base" ] || echo "base ${base##*/} $tree_setup") |
		sha1sum | cut -c1-12)
	TREE=$CACHE/trees/$KEY
	ver=$(echo "$list" | sed 's/^[^=]*=//' | sort -u)
	if [ "$(echo "$ver" | wc -l)" = 1 ]; then
		# the shortest package name stands for the list
		LABEL="$(echo "$list" | cut -d= -f1 | awk '{ print length, $0 }' |
			sort -n | head -n 1 | cut -d' ' -f2) $ver"
	else
		LABEL=$KEY
	fi
	[ -f "$TREE.done" ] && return
	step "unpacking $(echo "$list" | wc -l) packages into $TREE"
	rm -rf "$TREE.tmp" "$TREE"
	mkdir -p "$TREE.tmp"
	[ -z "$base" ] || cp -a --reflink=auto "$base/." "$TREE.tmp/"
	# as dpkg does, keep the root's directory symlinks (/lib -> usr/lib)
	for pv in $list; do
		dpkg-deb --fsys-tarfile "$(fetch_deb "${pv%%=*}" "${pv#*=}")" |
			tar -x --keep-directory-symlink -C "$TREE.tmp"
	done
	if [ -n "$base" ] && [ -n "$tree_setup" ]; then
		step "in $TREE: $tree_setup"
		chroot "$TREE.tmp" /bin/sh -c "$tree_setup" >"$TREE.setup.log" 2>&1 ||
			die "BENCH_TREE_SETUP failed in $TREE.tmp; see $TREE.setup.log"
	fi
	mv "$TREE.tmp" "$TREE"
	echo "$list" >"$TREE.done"
}

# manifest KEY TREE: print the cached "pages sha256 path" list of TREE
manifest() {
	local m=$CACHE/trees/$1.manifest
	mkdir -p "$CACHE/trees"
	if [ ! -f "$m" ]; then
		"$PY" "$REPO/bench/manifest.py" "$2" >"$m.tmp" || die "no manifest of $2"
		mv "$m.tmp" "$m"
	fi
	echo "$m"
}

# image KEY TREE LAYOUT: print the cached image of TREE in LAYOUT
image() {
	local key=$1 tree=$2 layout=$3 opts=() dir
	[ "$layout" = flat ] || opts=("-z$layout")
	dir=$CACHE/images/bench-$(echo "$key ${opts[*]} $mkfs_version" | sha1sum | cut -c1-12)
	if [ ! -f "$dir/.done" ]; then
		step "mkfs.erofs --xattr-inode-digest ${opts[*]} $tree"
		mkdir -p "$dir"
		"$mkfs" -T0 -Uclear --xattr-inode-digest "${opts[@]}" \
			"$dir/image.erofs" "$tree" >"$dir/mkfs.log" 2>&1 ||
			die "mkfs.erofs failed; see $dir/mkfs.log"
		touch "$dir/.done"
	fi
	echo "$dir/image.erofs"
}

run=$(mktemp -d "$CACHE/bench-run.XXXXXX")
trap 'rm -rf "$run"' EXIT
meta=$run/meta
images=()
declare -A seen_image

# trees and their manifests
tree_ids=()
for i in "${!trees[@]}"; do
	prepare_tree "${trees[$i]}"
	echo "tree t$i $(manifest "$KEY" "$TREE") $TREE $LABEL" >>"$meta"
	tree_ids+=("t$i")
	tree_path[i]=$TREE tree_key[i]=$KEY
done

# sets: one image per tree in the set's layouts
sets=()
for set_layouts in $layouts; do
	IFS=, read -r -a ls <<<"$set_layouts"
	ids=''
	for i in "${!trees[@]}"; do
		l=${ls[$((i % ${#ls[@]}))]}
		id=t$i-$l
		if [ -z "${seen_image[$id]:-}" ]; then
			seen_image[$id]=1
			images+=("$id=$(image "${tree_key[$i]}" "${tree_path[$i]}" "$l")")
		fi
		ids+=${ids:+,}$id
	done
	name=$(echo "$set_layouts" | tr , +)
	sets+=("$name=$ids")
	echo "set $name $ids" >>"$meta"
done

# the scale tree, flat
if [[ " $phases " == *" scale "* ]]; then
	prepare_tree "$scale_spec"
	echo "tree scale $(manifest "$KEY" "$TREE") $TREE $LABEL" >>"$meta"
	images+=("scale=$(image "$KEY" "$TREE" flat)")
fi

gcc -O2 -static -Wall -o "$run/reader" "$REPO/bench/reader.c" || die "bench/reader.c did not build"
cat >"$run/config" <<EOF
READER=$run/reader
IMAGES="${images[*]}"
SHARE_OPTS=${BENCH_SHARE_OPTS:-inode_share,domain_id=bench}
MEM_OPTS=cache_strategy=disabled
PHASES="$phases"
SETS="${sets[*]}"
MEM_NS="${BENCH_MEM_NS:-2 10}"
MEM_SETS="${BENCH_MEM_SETS:-}"
FIO_REPS=${BENCH_FIO_REPS:-3}
SCALE_IMAGE=scale
SCALE_NS="${BENCH_SCALE_NS:-1 10 50}"
UNSHARED_MAX_MB=${BENCH_SCALE_UNSHARED_MAX_MB:-100}
HOT_IMAGE=$(first=${sets[0]#*=}; echo "${first%%,*}")
HOT_REPS=${BENCH_HOTREAD_REPS:-20}
HOT_READS=${BENCH_HOTREAD_READS:-100000}
HOT_BLOCK=${BENCH_HOTREAD_BLOCK:-500}
START_REPS=${BENCH_START_REPS:-3}
CONTAINER_NS="${BENCH_CONTAINER_NS:-2 10}"
EOF
printf 'START_CMD=%q\nSTAY_CMD=%q\n' "${BENCH_START_CMD:-}" "${BENCH_STAY_CMD:-}" >>"$run/config"
if [[ " $phases " == *" start "* ]]; then
	[ -n "$base_suite" ] || die "the start phase runs the images as containers: set BENCH_BASE"
	[ -n "${BENCH_START_CMD:-}" ] || die "the start phase needs BENCH_START_CMD"
fi
if [[ " $phases " == *" containers "* ]]; then
	[ -n "$base_suite" ] || die "the containers phase runs the images as containers: set BENCH_BASE"
	[ -n "${BENCH_STAY_CMD:-}" ] || die "the containers phase needs BENCH_STAY_CMD"
fi

# the disk profile: every image a read-only virtio-blk disk named by its
# serial, all in one throttle group, as the volume a host's images are on
disk=${BENCH_DISK:-gp}
case $disk in
gp) throttle=throttling.iops-total=3000,throttling.bps-total=131072000 ;;
slow) throttle=throttling.iops-total=500,throttling.bps-total=41943040 ;;
loop) throttle= ;;
*) die "unknown BENCH_DISK $disk (gp, slow or loop)" ;;
esac
qemu_args=
# the guest runs the host's tools: dm-linear devices, container namespaces
[ "$disk" = loop ] || need dmsetup dmsetup
if [[ " $phases " == *" start "* || " $phases " == *" containers "* ]]; then
	need ip iproute2
	need unshare util-linux
fi
if [ "$disk" = loop ]; then
	echo "DEVICE=loop" >>"$run/config"
else
	echo "DEVICE=disk" >>"$run/config"
	n=0
	for img in "${images[@]}"; do
		# QEMU 7.2's -drive has no serial=: the device carries it
		qemu_args+="-drive"$'\n'"file=${img#*=},if=none,id=d$n,format=raw,readonly=on,throttling.group=bench,$throttle"$'\n'
		qemu_args+="-device"$'\n'"virtio-blk-pci,drive=d$n,serial=${img%%=*}"$'\n'
		n=$((n + 1))
	done
fi
echo "disk $disk ${throttle:-tmpfs}" >>"$meta"
# BENCH_ICOUNT: guest time counts instructions (see bench/README.md)
[ -z "${BENCH_ICOUNT:-}" ] ||
	qemu_args+="-icount"$'\n'"shift=$BENCH_ICOUNT,sleep=on"$'\n'

mkdir -p "$out"
t_prep=$(date +%s)
primary=${kernels%% *}
for k in $kernels; do
	if ! (kernel_arch "$k") >/dev/null 2>&1; then
		echo "bench: kernel flavour $k is unknown to scripts/build-kernel.sh; its column is skipped"
		echo "skip $k unknown-flavour" >>"$meta"
		continue
	fi
	# a peer is used when built (its first build takes about an hour);
	# BENCH_BUILD_PEERS=1 builds it
	if [ "$k" != "$primary" ] && [ ! -f "$CACHE/build/$k/arch/x86/boot/bzImage" ] &&
		[ -z "${BENCH_BUILD_PEERS:-}" ]; then
		echo "bench: kernel flavour $k is not built yet (scripts/build-kernel.sh $k, or BENCH_BUILD_PEERS=1); its column is skipped"
		echo "skip $k not-built" >>"$meta"
		continue
	fi
	step "bench on the $k kernel (phases: $phases)"
	t0=$(date +%s)
	rc=0
	GUEST_QEMU_ARGS=${qemu_args%$'\n'} GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-1500} \
		"$REPO/scripts/guest-run.sh" "$k" \
		sh "$REPO/bench/guest.sh" "$run/config" >"$out/guest-$k.log" 2>&1 || rc=$?
	grep '^BENCH-RESULT ' "$out/guest-$k.log" | sed 's/^BENCH-RESULT //' >"$out/raw-$k.jsonl" || true
	grep '^bench-guest:' "$out/guest-$k.log" >&2 || true
	echo "kernel $k $rc $(($(date +%s) - t0)) $out/raw-$k.jsonl" >>"$meta"
	if [ "$rc" != 0 ]; then
		if [ "$k" = "$primary" ]; then
			tail -n 30 "$out/guest-$k.log" >&2
			die "the bench failed on the $k kernel (status $rc); see $out/guest-$k.log"
		fi
		echo "bench: the $k kernel run failed (status $rc), its column is partial or missing; see $out/guest-$k.log"
	fi
done
echo "clock ${BENCH_ICOUNT:+icount-shift-$BENCH_ICOUNT}" >>"$meta"
echo "timing prepare $((t_prep - t_start)) total $(($(date +%s) - t_start))" >>"$meta"

"$PY" "$REPO/bench/report.py" --meta "$meta" --out "$out" --primary "$primary" \
	--min-of-limit "${BENCH_MIN_OF_LIMIT:-0.98}" \
	--title "${BENCH_TITLE:-EROFS page cache sharing bench}" ${BENCH_DEMO:+--demo}
