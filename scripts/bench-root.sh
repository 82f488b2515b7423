#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-root.sh SUITE NAME=VERSION...: make (once, cached) a Debian SUITE
# root for the bench's runnable trees and print its directory: debootstrap
# --variant=minbase plus the dependencies of the packages NAME=VERSION,
# without those packages themselves (bench.sh unpacks each version on a
# copy), so that two versions of one program run on one identical base.
# debootstrap resolves the dependencies of what it includes; the mirror
# is the one this machine's apt already uses.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: bench-root.sh SUITE NAME=VERSION...}
shift
[ $# -gt 0 ] || die "usage: bench-root.sh SUITE NAME=VERSION..."

names=$(printf '%s\n' "${@%%=*}" | sort -u)
# first alternative of every (Pre)Depends, real packages only, minus the
# set itself; "apt-cache depends NAME=VERSION" reads that version's list
deps=$(for pv in "$@"; do
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$pv" 2>/dev/null |
		sed -n 's/^  |\{0,1\}\(Pre\)\{0,1\}Depends: \([^<][^ ]*\)$/\2/p'
done | sed 's/:any$//' | sort -u | comm -23 - <(echo "$names"))
key=$suite-$(echo "$deps" | sha1sum | cut -c1-12)
dir=$CACHE/bench-roots/$key

mkdir -p "$CACHE/bench-roots"
exec 7>"$dir.lock"
flock 7
if [ ! -f "$dir.done" ]; then
	need debootstrap debootstrap
	mirror=$("$REPO/scripts/apt-mirror.sh")
	step "debootstrap --variant=minbase $suite with $(echo "$deps" | wc -l) dependencies into $dir (a few minutes)"
	rm -rf --one-file-system "$dir.tmp" "$dir"
	debootstrap --variant=minbase --include="$(echo "$deps" | paste -sd, -)" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$suite" "$dir.tmp" "$mirror" >"$dir.log" 2>&1 ||
		die "debootstrap $suite failed; see $dir.log"
	# what Debian's container images leave out too: apt's lists and caches
	rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/cache/apt/*.bin \
		"$dir.tmp"/var/cache/apt/archives/*.deb
	mv "$dir.tmp" "$dir"
	echo "$deps" >"$dir.done"
fi
echo "$dir"
