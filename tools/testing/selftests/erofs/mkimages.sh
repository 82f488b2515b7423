#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkimages.sh [BASE]: build every erofs test image once, with the mkfs.erofs
# found on PATH, from trees written by images/, into BASE/erofs-images-KEY
# (BASE: ${TMPDIR:-/tmp}; KEY: these recipes and the mkfs.erofs version)
# and print that directory.  It holds tree/ (the main source tree) and
# NAME.erofs per recipe.  Concurrent callers wait for one build (flock);
# .done marks a finished one.  Without mkfs.erofs >= 1.9 (for
# --xattr-inode-digest), python3 or setfattr it prints the reason and
# exits 4 (KSFT_SKIP); on a failed build it exits 1.  The fio images
# (fio_stress.sh) need fio; without it they are left out.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
base=${1:-${TMPDIR:-/tmp}}

skip() {
	echo "$*"
	exit 4
}

fail() {
	echo "mkimages.sh: $*" >&2
	exit 1
}

command -v mkfs.erofs >/dev/null ||
	skip "mkfs.erofs >= 1.9 with --xattr-inode-digest not found on PATH"
# whole outputs first: grep -q or head closing a pipe early would fail it
version=$(mkfs.erofs --version 2>&1 || true)
version=${version%%$'\n'*}
help=$(mkfs.erofs --help 2>&1 || true)
v=${version##* }
if [ "$(printf '%s\n' 1.9 "$v" | sort -V | head -n 1)" != 1.9 ] ||
   [[ $help != *--xattr-inode-digest* ]]; then
	skip "mkfs.erofs >= 1.9 with --xattr-inode-digest not found on PATH ($version)"
fi
for tool in python3 setfattr; do
	command -v "$tool" >/dev/null || skip "$tool not found (needed to build the images)"
done

key=$(cat "$here/mkimages.sh" "$here"/images/* "$here/fio/data.fio" \
	<(echo "$version"; command -v fio || true) | sha1sum | cut -c1-12)
out=$base/erofs-images-$key
mkdir -p "$base"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

echo "# mkimages.sh: building the erofs test images with $version into $out" >&2
rm -rf "$out"
mkdir -p "$out"
python3 "$here/images/tree.py" "$out/tree"

recipe() {
	local name=$1 src=$2

	shift 2
	mkfs.erofs -T0 -Uclear "$@" "$out/$name.erofs" "$src" >"$out/$name.log" 2>&1 ||
		fail "mkfs.erofs $* failed for $name; see $out/$name.log"
}

# layouts: flat, compressed, tail-packed, fragments, chunk-based
recipe plain         "$out/tree"
recipe lz4           "$out/tree" -zlz4
recipe lz4hc         "$out/tree" -zlz4hc
recipe digest        "$out/tree" --xattr-inode-digest
recipe digest-copy   "$out/tree" --xattr-inode-digest	# a second image
recipe digest-lz4    "$out/tree" --xattr-inode-digest -zlz4 -Efragments
recipe digest-tail   "$out/tree" --xattr-inode-digest -zlz4 -Eztailpacking
recipe digest-chunk  "$out/tree" --xattr-inode-digest --chunksize=8192
recipe digest-lz4hc  "$out/tree" --xattr-inode-digest -zlz4hc
recipe digest-noinline "$out/tree" --xattr-inode-digest -Enoinline_data

# fingerprints set by hand: one fingerprint on files that differ in
# content (same size) and in size; mkfs.erofs keeps a fingerprint already
# set under the digest xattr name it is given
"$here/images/handset.sh" "$out/handset-a" a
"$here/images/handset.sh" "$out/handset-b" b
recipe handset-a "$out/handset-a" --xattr-inode-digest=trusted.erofs.fingerprint.v1
recipe handset-b "$out/handset-b" --xattr-inode-digest=trusted.erofs.fingerprint.v1

# hostile fingerprints: on a directory and a symlink, with regular files
# of the same fingerprint and size in a peer image
"$here/images/crafted.sh" "$out/crafted" "$out/crafted-peer"
recipe crafted      "$out/crafted" --xattr-inode-digest=trusted.erofs.fingerprint.v1
recipe crafted-peer "$out/crafted-peer" --xattr-inode-digest=trusted.erofs.fingerprint.v1

# a corrupt image: the fingerprint prefix index (superblock byte 105)
# past the long prefixes, patched into a copy of an image built without
# a superblock checksum (which would fail the mount for another reason)
recipe prefix-ok "$out/handset-a" --xattr-inode-digest=trusted.erofs.fingerprint.v1 -Enosbcrc
cp "$out/prefix-ok.erofs" "$out/corrupt-prefix.erofs"
printf '\177' | dd of="$out/corrupt-prefix.erofs" bs=1 seek=$((1024 + 105)) \
	conv=notrunc status=none
# found by make fuzz: a long prefix too long, read after the root dentry
"$here/images/corrupt-prefix-len.sh" "$out/prefix-ok.erofs" "$out/corrupt-prefix-len.erofs"
# found by make fuzz: a directory entry whose inode address overflows
"$here/images/corrupt-nid.sh" "$out/prefix-ok.erofs" "$out/corrupt-nid.erofs"
# found by make fuzz: files kept whole in the packed inode's fragment
# (all of handset-a's), their i_size made 1.9 GB
recipe frag-ok "$out/handset-a" --xattr-inode-digest=trusted.erofs.fingerprint.v1 \
	-zlz4 -Eall-fragments -Enosbcrc
"$here/images/corrupt-frag-size.py" "$out/frag-ok.erofs" "$out/corrupt-frag-size.erofs"

# key aliasing (ishare_aliasing): fingerprints set by hand that a plain
# concatenation of domain and fingerprint would confuse
"$here/images/alias.sh" "$out/alias"
recipe alias "$out/alias" --xattr-inode-digest=trusted.erofs.fingerprint.v1

# fio stress: files whose every block carries a fio verify header, and
# then one block naming the file, for fio_stress.sh's whole-file compare
if command -v fio >/dev/null; then
	mkdir -p "$out/fio-tree"
	# from $out: fio leaves its verify state files in the current directory
	(cd "$out" && fio --directory="$out/fio-tree" "$here/fio/data.fio") \
		>"$out/fio-tree.log" 2>&1 || fail "fio could not write the stress data"
	python3 "$here/images/fio-stamp.py" "$out/fio-tree"
	recipe fio-flat  "$out/fio-tree" --xattr-inode-digest
	recipe fio-flat2 "$out/fio-tree" --xattr-inode-digest
	recipe fio-flat3 "$out/fio-tree" --xattr-inode-digest
	recipe fio-lz4   "$out/fio-tree" --xattr-inode-digest -zlz4
	recipe fio-chunk "$out/fio-tree" --xattr-inode-digest --chunksize=65536
fi

# stress images (ishare_stress): every 4 KiB block stamped with its file
# and block number and otherwise derived from them, so a reader
# recomputes every byte; all four layouts, mounted in one domain
python3 "$here/images/stamped.py" "$out/stamped"
recipe stamped-flat  "$out/stamped" --xattr-inode-digest
recipe stamped-lz4   "$out/stamped" --xattr-inode-digest -zlz4
recipe stamped-lz4hc "$out/stamped" --xattr-inode-digest -zlz4hc -Efragments
recipe stamped-chunk "$out/stamped" --xattr-inode-digest --chunksize=16384

touch "$out/.done"
echo "$out"
