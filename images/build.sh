#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build.sh: build every test image (recipes below) once into a cache
# directory keyed by the recipes and the mkfs.erofs version, and print it.
# The directory holds tree/ (the source) and NAME.erofs per recipe.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

mkfs=$REPO/scripts/mkfs-erofs.sh
version=$("$mkfs" --version | head -n 1)
key=$(cat "$REPO"/images/* "$REPO"/tools/testing/selftests/erofs/fio/data.fio \
	<(echo "$version") | sha1sum | cut -c1-12)
out=$CACHE/images/$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

need setfattr attr
step "building test images with $version into $out"
rm -rf "$out"
mkdir -p "$out"
python3 "$REPO/images/tree.py" "$out/tree"

recipe() {
	local name=$1 src=$2
	shift 2
	"$mkfs" -T0 -Uclear "$@" "$out/$name.erofs" "$src" >"$out/$name.log" 2>&1 ||
		die "mkfs.erofs $* failed for $name; see $out/$name.log"
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
"$REPO/images/handset.sh" "$out/handset-a" a
"$REPO/images/handset.sh" "$out/handset-b" b
recipe handset-a "$out/handset-a" --xattr-inode-digest=trusted.erofs.fingerprint.v1
recipe handset-b "$out/handset-b" --xattr-inode-digest=trusted.erofs.fingerprint.v1

# hostile fingerprints: on a directory and a symlink, with regular files
# of the same fingerprint and size in a peer image
"$REPO/images/crafted.sh" "$out/crafted" "$out/crafted-peer"
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
"$REPO/images/corrupt-prefix-len.sh" "$out/prefix-ok.erofs" "$out/corrupt-prefix-len.erofs"

# --- key aliasing (ishare_aliasing): fingerprints set by hand that a
# plain concatenation of domain and fingerprint would confuse
"$REPO/images/alias.sh" "$out/alias"
recipe alias "$out/alias" --xattr-inode-digest=trusted.erofs.fingerprint.v1
# --- end of key aliasing

# fio stress: files whose every block carries a fio verify header
need fio fio
mkdir -p "$out/fio-tree"
# from $out: fio leaves its verify state files in the current directory
(cd "$out" && fio --directory="$out/fio-tree" \
	"$REPO/tools/testing/selftests/erofs/fio/data.fio") \
	>"$out/fio-tree.log" 2>&1 || die "fio could not write the stress data"
# and then one block naming the file, for fio_stress.sh's whole-file compare
python3 "$REPO/images/fio-stamp.py" "$out/fio-tree"
recipe fio-flat  "$out/fio-tree" --xattr-inode-digest
recipe fio-flat2 "$out/fio-tree" --xattr-inode-digest
recipe fio-flat3 "$out/fio-tree" --xattr-inode-digest
recipe fio-lz4   "$out/fio-tree" --xattr-inode-digest -zlz4
recipe fio-chunk "$out/fio-tree" --xattr-inode-digest --chunksize=65536

# ---- stress images (ishare_stress): every 4 KiB block stamped with its
# file and block number and otherwise derived from them, so a reader
# recomputes every byte; all four layouts, mounted in one domain
python3 "$REPO/images/stamped.py" "$out/stamped"
recipe stamped-flat  "$out/stamped" --xattr-inode-digest
recipe stamped-lz4   "$out/stamped" --xattr-inode-digest -zlz4
recipe stamped-lz4hc "$out/stamped" --xattr-inode-digest -zlz4hc -Efragments
recipe stamped-chunk "$out/stamped" --xattr-inode-digest --chunksize=16384
# ---- end of the stress images

touch "$out/.done"
echo "$out"
