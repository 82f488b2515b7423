#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# container.sh ROOT CMD [CGROUP]: run the shell command CMD as a container
# on ROOT (a mounted image): chroot in a fresh mount, PID and network
# namespace (loopback up), with its own /proc and a tmpfs on /tmp; inside
# the cgroup directory CGROUP from its first byte when given.
[ -z "${3:-}" ] || echo $$ >"$3/cgroup.procs" || exit 1
# shellcheck disable=SC2016	# expanded by the inner shell
exec unshare -m -p -n -f sh -c '
	ip link set lo up || exit 1
	mount -t proc proc "$1/proc" || exit 1
	mount -t tmpfs tmpfs "$1/tmp" || exit 1
	exec chroot "$1" /bin/sh -c "$2"' sh "$1" "$2"
