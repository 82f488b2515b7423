#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the Debian mirror this machine's apt already uses, so that no
# registry host name is ever written into the repository.
set -euo pipefail

mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++)
				   if ($i !~ /security/) { print $i; exit } }' "$f")
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list)
fi
if [ -z "$mirror" ]; then
	echo "apt-mirror: no Debian mirror found in the apt configuration" >&2
	exit 1
fi
echo "${mirror%/}"
