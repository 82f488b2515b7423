#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# guest-debug.sh CMD [ARG...]: inside a guest, run CMD, then have
# kmemleak (on debug kernels) scan twice, and print, after a line KERNEL-LOG, kmemleak's report
# and the kernel log for kernel-log-check.sh.  Exits with CMD's status, or 1
# when kmemleak cannot scan.
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
"$@"
rc=$?
leaks=/sys/kernel/debug/kmemleak
# an object must be older than 5 s to be reported; a second scan after a
# pause catches what the first one saw too young
# (kernels without kmemleak only get their log checked)
[ -e "$leaks" ] && for pass in first second; do
	sleep 6
	if ! echo scan >"$leaks"; then
		echo "guest-debug: kmemleak cannot do its $pass scan (is it off?)"
		rc=1
	fi
done
echo KERNEL-LOG
[ -e "$leaks" ] && cat "$leaks"
dmesg
exit "$rc"
