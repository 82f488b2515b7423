# SPDX-License-Identifier: GPL-2.0
# containers.sh: the container phases of bench/guest.sh, sourced by it.
# An image's mount is run as a container's root: chroot in a fresh mount,
# PID and network namespace, with its own /proc and a tmpfs on /tmp.
# Config (guest.sh's CONFIG):
#   START_CMD   shell command run in a container by the start phase; it
#               exits once the program is ready (python imported its
#               modules, a server answered on loopback)
#   STAY_CMD    the same program kept alive: prints "ready" once ready,
#               then stays until killed (the containers phase)
#   START_REPS  repetitions of the start phase, the median reported
#   CONTAINER_NS  running containers of the containers phase, e.g. "2 10"
# shellcheck shell=sh disable=SC2317	# the phases run as "${phase}_phase"

# container MNT CMD [CGROUP]: bench/container.sh
container() { sh "$BENCH_DIR/container.sh" "$@"; }

# warm_tools: run a container on the guest's own root, so that the tools
# container.sh runs from it (sh, unshare, ip, mount, chroot, over 9p) are
# cached again after a drop_caches, outside every measurement
warm_tools() { container / true >/dev/null 2>&1 || say "container on / failed"; }

# disk_reads: bytes read so far from the guest's disks (virtio and loop)
disk_reads() {
	cat /sys/block/vd*/stat /sys/block/loop*/stat 2>/dev/null |
		awk '{ s += $3 } END { printf "%d\n", s * 512 }'
}

now_ns() { date +%s%N; }

# start_one MNT: run START_CMD in a container on MNT; sets START_NS and
# START_BYTES (read from the disks meanwhile)
start_one() {
	start_r0=$(disk_reads)
	start_t0=$(now_ns)
	container "$1" "$START_CMD" >/tmp/start.out 2>&1 || {
		say "start in $1 failed: $(tail -n 5 /tmp/start.out)"
		return 1
	}
	START_NS=$(($(now_ns) - start_t0))
	START_BYTES=$(($(disk_reads) - start_r0))
}

# start time, per set of two images A B and mode: the first container
# (on A) starts cold, just after drop_caches; the second (on B, the other
# version or layout) starts with A's pages still cached; then B again,
# warm.  No warm-up of the metadata: a cold start reads it too.
start_phase() {
	for set in $SETS; do
		name=${set%%=*}
		ids=$(echo "${set#*=}" | tr , ' ')
		rep=0
		while [ "$rep" -lt "${START_REPS:-3}" ]; do
			rep=$((rep + 1))
			for mode in $(rep_modes "$rep"); do
				drop_caches
				# shellcheck disable=SC2086
				NO_WARMUP=1 mount_set "$mode" 2 $ids || return 1
				warm_tools
				for which in cold second warm; do
					mnt=/tmp/mnt/1
					[ "$which" = cold ] && mnt=/tmp/mnt/0
					start_one "$mnt" || { umount_all; return 1; }
					result "\"phase\":\"start\",\"set\":\"$name\",\"mode\":\"$mode\"," \
						"\"which\":\"$which\",\"rep\":$rep,\"ns\":$START_NS," \
						"\"disk_bytes\":$START_BYTES"
				done
				umount_all
			done
		done
	done
}

# memory of N running containers (the sets of MEM_SETS, as the memory
# phase), each on its own mount (the set's
# images cycled, mounted as the memory phase does: MEM_OPTS, metadata
# read from the root cgroup), all in one fresh memory cgroup: file, anon
# and file_mapped once every container is ready
containers_phase() {
	for set in $SETS; do
		name=${set%%=*}
		mem_set "$name" || continue
		ids=$(echo "${set#*=}" | tr , ' ')
		for n in ${CONTAINER_NS:-2 10}; do
			for mode in unshared shared; do
				drop_caches
				# shellcheck disable=SC2086
				MOUNT_EXTRA=$MEM_OPTS mount_set "$mode" "$n" $ids || return 1
				warm_tools
				containers_run "$n" || { umount_all; return 1; }
				result "\"phase\":\"containers\",\"set\":\"$name\",\"n\":$n," \
					"\"mode\":\"$mode\",\"file\":$(stat_of file)," \
					"\"anon\":$(stat_of anon),\"file_mapped\":$(stat_of file_mapped)," \
					"\"ready_ns\":$READY_NS"
				echo 1 >"$cg/cgroup.kill"
				wait
				rmdir "$cg"
				umount_all
			done
		done
	done
}

# containers_run N: start STAY_CMD on /tmp/mnt/0..N-1 inside a new memory
# cgroup (each from its first byte) and wait until all are ready; sets cg
# and READY_NS, and STAT (the cgroup's memory.stat, exactly flushed)
containers_run() {
	seq=$((seq + 1))
	cg=$CG/bench$seq
	mkdir "$cg" || return 1
	start_t0=$(now_ns)
	i=0
	while [ "$i" -lt "$1" ]; do
		: >"/tmp/ready.$i"
		container "/tmp/mnt/$i" "$STAY_CMD" "$cg" >"/tmp/ready.$i" 2>&1 &
		i=$((i + 1))
	done
	i=0 tries=0
	while [ "$i" -lt "$1" ]; do
		if grep -q '^ready$' "/tmp/ready.$i"; then
			i=$((i + 1))
			continue
		fi
		tries=$((tries + 1))
		[ "$tries" -lt 6000 ] || { say "container $i never ready: $(tail -n 5 "/tmp/ready.$i")"; return 1; }
		sleep 0.1
	done
	READY_NS=$(($(now_ns) - start_t0))
	# memcg statistics are flushed every 2 s: wait for one
	sleep 3
	STAT=$(cat "$cg/memory.stat")
}

stat_of() { echo "$STAT" | awk -v k="$1" '$1 == k { print $2 }'; }
