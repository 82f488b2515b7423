#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# guest.sh CONFIG: the guest side of scripts/bench.sh, run by
# scripts/guest-run.sh inside the test kernel.  CONFIG (shell) sets:
#   READER       the static bench/reader.c binary
#   IMAGES       "ID=PATH ..." the images (DEVICE=loop copies them to /tmp)
#   SHARE_OPTS   mount options that turn sharing on (domain_id=...)
#   MEM_OPTS     mount options of every memory measurement
#   PHASES       any of: memory fio scale hotread start containers
#   SETS         "NAME=ID,ID[,ID...] ..." image sets (every phase but
#                scale and hotread)
#   MEM_NS       mount counts of the memory phase, e.g. "2 10"
#   MEM_SETS     names of the sets the memory and containers phases run
#                (all if empty)
#   FIO_REPS     repetitions of every fio measurement (median reported)
#   SCALE_IMAGE  ID of the image mounted 1, 10 and 50 times
#   SCALE_NS     e.g. "1 10 50"
#   UNSHARED_MAX_MB  skip unshared scale runs above this many MB
#   HOT_IMAGE    ID of the image the hotread phase copies twice (into
#                tmpfs, on loop devices, whatever DEVICE is)
#   HOT_REPS, HOT_READS, HOT_BLOCK  hotread repetitions, 4 KiB reads per
#                mode and repetition, reads per timed block
#   START_CMD, STAY_CMD, START_REPS  the container phases (containers.sh)
#   DEVICE       disk: every image is a virtio-blk disk whose serial is
#                its ID (scripts/bench.sh passes them to QEMU), each mount
#                a dm-linear device over it; loop: images copied into
#                the guest's tmpfs, each mount on its own loop device
# Every result is one line "BENCH-RESULT {json}" on stdout.
# shellcheck disable=SC2317	# the phases run as "${phase}_phase"
set -u
# shellcheck disable=SC1090	# the config
. "$1"
BENCH_DIR=$(dirname "$0")
# shellcheck source=bench/containers.sh
. "$BENCH_DIR/containers.sh"

CG=/sys/fs/cgroup
seq=0

say() { echo "bench-guest: $*" >&2; }
# the two modes in the order repetition $1 runs them: alternating, so
# that a drift of the host favours neither
rep_modes() {
	if [ $(($1 % 2)) = 0 ]; then echo "shared unshared"; else echo "unshared shared"; fi
}
result() { echo "BENCH-RESULT {$*}"; }
# mem_set NAME: whether the memory and containers phases run set NAME
mem_set() { case " ${MEM_SETS:-$1} " in *" $1 "*) return 0 ;; esac; return 1; }

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# disk_of ID: the virtio-blk disk (vda...) whose serial is ID
disk_of() {
	for d in /sys/block/vd*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && { echo "${d##*/}"; return 0; }
	done
	say "no disk with serial $1"
	return 1
}

# image_dev ID I [WHOLE]: print a block device of its own for mount I of
# image ID (two mounts of one device would be one superblock): with
# WHOLE=1 the image's own disk, else a dm-linear device over it; or a
# loop device over its tmpfs copy
image_dev() {
	if [ "${DEVICE:-loop}" = loop ]; then
		losetup -r -f --show "/tmp/img/$1.erofs"
		return
	fi
	vd=$(disk_of "$1") || return 1
	[ "${3:-}" = 1 ] && { echo "/dev/$vd"; return 0; }
	dmsetup create --readonly "bench$2" \
		--table "0 $(cat "/sys/block/$vd/size") linear /dev/$vd 0" || return 1
	# no udev makes /dev/mapper/NAME; devtmpfs has /dev/dm-MINOR
	echo "/dev/dm-$(dmsetup info -c --noheadings -o minor "bench$2")"
}

# image_mb ID: size of image ID in MB, rounded up
image_mb() {
	if [ "${DEVICE:-loop}" = loop ]; then
		echo $(($(stat -c %s "/tmp/img/$1.erofs") / 1048576 + 1))
	else
		echo $(($(cat "/sys/block/$(disk_of "$1")/size") / 2048 + 1))
	fi
}

# mount_set MODE N ID...: mount N images cycling over ID... on
# /tmp/mnt/0..N-1, each through its own block device (image_dev); sets
# MOUNT_NS (time spent in mount(2) only).  Each device is read once from
# the root cgroup, so that the metadata erofs reads through the block
# device's page cache is resident and charged there, never to the
# readers (file data bypasses that cache); NO_WARMUP=1 skips that.
mount_set() {
	mode=$1 n=$2
	shift 2
	opts=${MOUNT_EXTRA:-}
	if [ "$mode" = shared ]; then
		opts=${opts:+$opts,}$SHARE_OPTS
	fi
	: >/tmp/mounts
	# an image mounted once is mounted from its own disk; one mounted
	# more often from dm-linear devices only, as a dm device over a disk
	# holds it and a mount of the disk itself would fail (EBUSY)
	whole=0
	[ "$n" -le $# ] && whole=1
	i=0
	while [ "$i" -lt "$n" ]; do
		k=$((i % $# + 1))
		id=''
		eval "id=\${$k}"
		mkdir -p "/tmp/mnt/$i"
		dev=$(image_dev "$id" "$i" "$whole") || return 1
		[ -n "${NO_WARMUP:-}" ] || cat "$dev" >/dev/null
		echo "$dev /tmp/mnt/$i" >>/tmp/mounts
		i=$((i + 1))
	done
	out=$(/tmp/reader -m "$opts" </tmp/mounts) || return 1
	MOUNT_NS=${out#*ns=}
}

# umount_all: unmount /tmp/mnt/*, then free the loop and dm devices
# there are; one command each, as every one costs a second under TCG
umount_all() {
	mnts=$(awk '$2 ~ "^/tmp/mnt/" { print $2 }' /proc/mounts)
	# shellcheck disable=SC2086	# one mount point a word
	[ -z "$mnts" ] || umount $mnts || say "umount failed: $mnts"
	for d in /tmp/mnt/*; do
		[ -d "$d" ] && { rmdir /tmp/mnt/*; break; }
	done
	for l in /sys/block/loop*/loop; do
		[ -d "$l" ] && { losetup -D; break; }
	done
	for d in /sys/block/dm-*/dm/name; do
		[ -f "$d" ] || continue
		dm_name=$(cat "$d")	# not $name: the phases' set name
		case $dm_name in bench*) dmsetup remove "$dm_name" ;; esac
	done
	return 0
}

# file_list DIR...: list the regular files under DIR... in /tmp/list,
# and read every directory and inode from the root cgroup (directories
# have page cache of their own), so that the readers' cgroup is charged
# with regular file data only.  stat_all stats each entry without
# find -ls, whose owner names and formatted lines took 45 s a memory
# run under TCG, against 1 s.
file_list() {
	find "$@" -type f >/tmp/list
	stat_all "$@"
}
stat_all() { find "$@" -printf '%s\n' >/dev/null; }

# charged CMD...: run CMD (stdin /tmp/list) in a new memory cgroup; sets
# OUT (its output) and FILE_BYTES (the cgroup's "file" page cache bytes)
charged() {
	seq=$((seq + 1))
	cg=$CG/bench$seq
	mkdir "$cg" || return 1
	/tmp/reader -o </dev/null >/dev/null	# resident before the cgroup
	OUT=$(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' \
		sh "$cg" "$@" </tmp/list) || return 1
	# memcg statistics are flushed every 2 s (exactly, unlike the
	# threshold-based flush of a memory.stat read): wait for one
	sleep 3
	FILE_BYTES=$(awk '$1 == "file" { print $2 }' "$cg/memory.stat")
	rmdir "$cg"
}

# kv OUT KEY: the value of KEY=VALUE in OUT
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

memory_phase() {
	for set in $SETS; do
		name=${set%%=*}
		mem_set "$name" || continue
		ids=$(echo "${set#*=}" | tr , ' ')
		for n in $MEM_NS; do
			for mode in unshared shared; do
				drop_caches
				# shellcheck disable=SC2086
				MOUNT_EXTRA=$MEM_OPTS mount_set "$mode" "$n" $ids || return 1
				file_list /tmp/mnt
				charged /tmp/reader || return 1
				result "\"phase\":\"memory\",\"set\":\"$name\",\"n\":$n,\"mode\":\"$mode\"," \
					"\"file_bytes\":$FILE_BYTES,\"files\":$(kv "$OUT" files)," \
					"\"bytes\":$(kv "$OUT" bytes),\"read_ns\":$(kv "$OUT" ns),\"mount_ns\":$MOUNT_NS"
				umount_all
			done
		done
	done
}

# fio_pass RW LOOPS: one fio run reading mount 0, then mount 1
# (stonewall), LOOPS times, the page cache kept (fio drops a file's cache
# when it opens it unless --invalidate=0); prints "KIB MS"
fio_pass() {
	rw=$1 loops=$2 svc=sequential bs=128k
	[ "$1" = randread ] && svc=random bs=4k
	set -- --loops="$loops"
	for d in /tmp/mnt/*; do
		set -- "$@" --name="${d##*/}" --opendir="$d" --rw="$rw" --bs="$bs" \
			--ioengine=psync --readonly --invalidate=0 \
			--file_service_type="$svc" \
			--stonewall
	done
	fio --thread --output-format=terse "$@" 2>/dev/null |
		awk -F';' '$1 == 3 { kb += $6; ms += $9 } END { print kb + 0, ms + 0 }'
}

fio_phase() {
	fio --version >/dev/null || { say "fio missing"; return 1; }
	for set in $SETS; do
		name=${set%%=*}
		ids=$(echo "${set#*=}" | tr , ' ')
		rep=0
		while [ "$rep" -lt "${FIO_REPS:-3}" ]; do
			rep=$((rep + 1))
			for mode in $(rep_modes "$rep"); do
				# shellcheck disable=SC2086
				fio_mode "$mode" $ids || return 1
			done
		done
	done
}

# fio_mode MODE ID ID: on two fresh mounts, for read then randread: cold
# (the first pass after drop_caches), then hot (2 more passes)
fio_mode() {
	mode=$1
	shift
	mount_set "$mode" 2 "$@" || return 1
	for rw in read randread; do
		drop_caches
		for temp in cold hot; do
			loops=1
			[ "$temp" = hot ] && loops=2
			r=$(fio_pass "$rw" "$loops")
			result "\"phase\":\"fio\",\"set\":\"$name\",\"rw\":\"$rw\"," \
				"\"mode\":\"$mode\",\"cache\":\"$temp\",\"rep\":$rep," \
				"\"kib\":${r% *},\"ms\":${r#* }"
		done
	done
	umount_all
}

scale_phase() {
	size_mb=$(image_mb "$SCALE_IMAGE")
	for n in $SCALE_NS; do
		for mode in shared unshared; do
			if [ "$mode" = unshared ] && [ $((n * size_mb)) -gt "$UNSHARED_MAX_MB" ]; then
				say "scale: unshared N=$n skipped (${size_mb} MB x $n > $UNSHARED_MAX_MB MB)"
				continue
			fi
			drop_caches
			MOUNT_EXTRA=$MEM_OPTS mount_set "$mode" "$n" "$SCALE_IMAGE" || return 1
			find /tmp/mnt -type f >/tmp/list
			cold=$(/tmp/reader -o </tmp/list)
			warm=$(/tmp/reader -o </tmp/list)
			stat_all /tmp/mnt
			charged /tmp/reader || return 1
			result "\"phase\":\"scale\",\"n\":$n,\"mode\":\"$mode\"," \
				"\"mount_ns\":$MOUNT_NS,\"files\":$(kv "$cold" files)," \
				"\"open_cold_ns\":$(kv "$cold" ns),\"open_warm_ns\":$(kv "$warm" ns)," \
				"\"file_bytes\":$FILE_BYTES,\"bytes\":$(kv "$OUT" bytes)"
			umount_all
		done
	done
}

# hot_list DIR DIR: every regular file under each DIR, in one sorted
# order per DIR, so that two lists of the same content match line by line
hot_list() {
	for d in "$@"; do
		(cd "$d" && find . -type f | LC_ALL=C sort) | sed "s|^\.|$d|"
	done
}

# hotread: the CPU cost of a cached 4 KiB read, shared vs unshared.  Two
# copies of one image, each mounted twice at once: with SHARE_OPTS on
# s0 s1 (one shared page cache), without on u0 u1 (two).  Every file is
# read twice first, s0 first (so s0's files fill the shared cache).  Each
# repetition makes two reader runs (pinned to CPU 1), one per variant:
#   second: reads in s1 vs u1, the same page cache footprint in both
#           modes; every shared read finds pages that s0 filled
#   both:   reads in s0+s1 vs u0+u1; unshared touches twice the pages
# A run makes HOT_READS random 4 KiB preads in each mode, the same (file,
# page) sequence, the modes alternating in blocks of HOT_BLOCK reads
# (ABBA); the repetitions alternate which mode goes first.
hotread_phase() {
	for img in $IMAGES; do
		[ "${img%%=*}" = "$HOT_IMAGE" ] && src=${img#*=}
	done
	cp "$src" /tmp/img/hot-a.erofs || return 1
	cp "$src" /tmp/img/hot-b.erofs || return 1
	drop_caches
	for m in s u; do
		opts=
		[ "$m" = s ] && opts=$SHARE_OPTS
		: >/tmp/mounts
		for i in 0 1; do
			c=a
			[ "$i" = 1 ] && c=b
			mkdir -p "/tmp/mnt/$m$i"
			loop=$(losetup -r -f --show "/tmp/img/hot-$c.erofs") || return 1
			cat "$loop" >/dev/null
			echo "$loop /tmp/mnt/$m$i" >>/tmp/mounts
		done
		/tmp/reader -m "$opts" </tmp/mounts >/dev/null || return 1
	done
	# warm-up: every file read twice, so that every folio is in the cache
	# and on the active LRU in both modes (a shared folio read from s0 and
	# s1 would be, an unshared one only after its first timed read)
	for m in s0 s1 u0 u1; do
		hot_list "/tmp/mnt/$m" >"/tmp/hot-$m"
	done
	for m in s0 s1 u0 u1 s0 s1 u0 u1; do
		/tmp/reader <"/tmp/hot-$m" >/dev/null || return 1
	done
	cat /tmp/hot-s0 /tmp/hot-s1 >/tmp/hot-s01
	cat /tmp/hot-u0 /tmp/hot-u1 >/tmp/hot-u01
	pin=
	command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ] && pin="taskset -c 1"
	rep=0
	while [ "$rep" -lt "$HOT_REPS" ]; do
		rep=$((rep + 1))
		first=$((rep % 2))	# 1: unshared first, 0: shared first
		fm=shared
		[ "$first" = 1 ] && fm=unshared
		for variant in second both; do
			ls=/tmp/hot-s1 lu=/tmp/hot-u1
			[ "$variant" = both ] && ls=/tmp/hot-s01 lu=/tmp/hot-u01
			# shellcheck disable=SC2086	# $pin: a command or nothing
			out=$($pin /tmp/reader -h "$HOT_READS" "$HOT_BLOCK" "$rep" "$first" \
				"$ls" "$lu") || { say "hotread: reader failed"; return 1; }
			cached=null
			[ -r /sys/fs/erofs/ishare/cached_pages ] &&
				cached=$(cat /sys/fs/erofs/ishare/cached_pages)
			result "\"phase\":\"hotread\",\"image\":\"$HOT_IMAGE\",\"variant\":\"$variant\"," \
				"\"rep\":$rep,\"first\":\"$fm\",\"reads\":$(kv "$out" reads)," \
				"\"block\":$HOT_BLOCK,\"pinned\":$([ -n "$pin" ] && echo true || echo false)," \
				"\"pages\":$(kv "$out" pages),\"ishare_cached_pages\":$cached," \
				"\"shared_cpu_ns\":$(kv "$out" cpu0_ns),\"unshared_cpu_ns\":$(kv "$out" cpu1_ns)," \
				"\"shared_wall_ns\":$(kv "$out" wall0_ns),\"unshared_wall_ns\":$(kv "$out" wall1_ns)," \
				"\"shared_bytes\":$(kv "$out" bytes0),\"unshared_bytes\":$(kv "$out" bytes1)," \
				"\"usr_ns\":$(kv "$out" usr_ns),\"sys_ns\":$(kv "$out" sys_ns)"
		done
		hot_fio "$rep" "$first" || return 1
	done
	umount_all
	rm -f /tmp/img/hot-a.erofs /tmp/img/hot-b.erofs
}

# shellcheck disable=SC2154	# fio_files_*, sc, uc, sw, uw: set by eval
# hot_fio REP FIRST: fio randread, 4 KiB psync, of the files of at least
# 64 KiB in s1 vs u1, with the page cache kept (--invalidate=0; fio drops
# it by default).  Each mode runs fio twice, HOT_READS/10 and then
# HOT_READS more reads, one random sequence from REP; the difference of
# their CPU time (user+sys, reader -x) is that of HOT_READS cached reads,
# fio's start-up (open, stat, its own set-up) cancelled out.
hot_fio() {
	command -v fio >/dev/null || { say "hotread: fio missing"; return 1; }
	for m in s1 u1; do
		files=$(while read -r f; do
			[ "$(stat -c %s "$f")" -ge 65536 ] && printf '%s:' "$f"
		done <"/tmp/hot-$m")
		eval "fio_files_$m=\${files%:}"
	done
	n0=$((HOT_READS / 10))
	modes="s1 u1"
	[ "$2" = 1 ] && modes="u1 s1"
	for m in $modes; do
		eval "files=\$fio_files_$m"
		for n in "$n0" $((n0 + HOT_READS)); do
			out=$(/tmp/reader -x fio --name=hot --filename="$files" \
				--rw=randread --bs=4k --ioengine=psync --readonly \
				--invalidate=0 --file_service_type=random --norandommap \
				--randrepeat=1 --randseed="$1" --io_size=$((n * 4))k \
				--output-format=terse 2>/tmp/fio.err) ||
				{ say "hotread: fio failed: $(tail -n 3 /tmp/fio.err)"; return 1; }
			eval "cpu_${m}_$n=$(kv "$out" cpu_ns) wall_${m}_$n=$(kv "$out" wall_ns)"
		done
	done
	n1=$((n0 + HOT_READS))
	eval "sc=\$((cpu_s1_$n1 - cpu_s1_$n0)) uc=\$((cpu_u1_$n1 - cpu_u1_$n0))"
	eval "sw=\$((wall_s1_$n1 - wall_s1_$n0)) uw=\$((wall_u1_$n1 - wall_u1_$n0))"
	fm=shared
	[ "$2" = 1 ] && fm=unshared
	result "\"phase\":\"hotread\",\"image\":\"$HOT_IMAGE\",\"variant\":\"fio\"," \
		"\"rep\":$1,\"first\":\"$fm\",\"reads\":$HOT_READS,\"block\":null," \
		"\"pinned\":false,\"files\":$(echo "$fio_files_s1" | tr : '\n' | wc -l)," \
		"\"pages\":null,\"ishare_cached_pages\":null," \
		"\"shared_cpu_ns\":$sc,\"unshared_cpu_ns\":$uc," \
		"\"shared_wall_ns\":$sw,\"unshared_wall_ns\":$uw," \
		"\"shared_bytes\":null,\"unshared_bytes\":null,\"usr_ns\":null,\"sys_ns\":null"
}

echo +memory >"$CG/cgroup.subtree_control" || { say "no memory cgroup"; exit 1; }
mkdir -p /tmp/img /tmp/mnt
cp "$READER" /tmp/reader
if [ "${DEVICE:-loop}" = loop ]; then
	for img in $IMAGES; do
		cp "${img#*=}" "/tmp/img/${img%%=*}.erofs" || exit 1
	done
fi
result "\"phase\":\"kernel\",\"release\":\"$(uname -r)\",\"device\":\"${DEVICE:-loop}\""

status=0
for phase in $PHASES; do
	say "phase $phase"
	t0=$(date +%s)
	"${phase}_phase" || { say "phase $phase failed"; status=1; umount_all; }
	result "\"phase\":\"time\",\"name\":\"$phase\",\"seconds\":$(($(date +%s) - t0))"
done
exit $status
