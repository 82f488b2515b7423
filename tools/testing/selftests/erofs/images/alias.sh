#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# alias.sh DIR: a tree whose fingerprints, set by hand, would alias if the
# sharing key were a plain concatenation: "ab" and "a" (mounted in domains
# "c" and "bc"), "c" and "bc" (domains "ab" and "a"), "sha256:x" and
# "sha256:xy" (one domain).  Each FP has a twin FP-twin with the same
# fingerprint and size but other bytes, so that a test can see that the
# fingerprint is really in use.  All files are 4096 bytes, each its own.
set -euo pipefail

dir=$1
name=trusted.erofs.fingerprint.v1
mkdir -p "$dir"

# mkfs.erofs --xattr-inode-digest adds "sha256:" + the raw SHA-256 of the
# data beside a preset value, and readers see whichever value sorts first:
# pick data whose digest starts above "y" (0x79), so that ours does
file() {
	local path=$1 tag=$2 fp=$3 n=0
	while :; do
		{ printf '%s %d\n' "$tag" "$n"; head -c 4096 /dev/zero | tr '\0' "${tag:0:1}"; } |
			head -c 4096 >"$path"
		[ "$((16#$(sha256sum "$path" | cut -c1-2)))" -gt $((16#79)) ] && break
		n=$((n + 1))
	done
	setfattr -n "$name" -v "$fp" "$path"
}

for fp in ab a c bc sha256:x sha256:xy; do
	base=${fp#sha256:}
	file "$dir/$base" "$fp" "$fp"
	file "$dir/$base-twin" "$fp twin" "$fp"
done
