#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Smoke test: every test image, mounted through a loop device and as a
# file-backed mount, holds exactly the tree it was built from (bytes, sizes,
# symlink targets, user xattrs).  The images: EROFS_IMAGES, or mkimages.sh
# (ishare_images.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ishare_images.sh"
recipes="plain lz4 lz4hc digest digest-lz4 digest-tail digest-chunk"

echo "TAP version 13"
ishare_images
set -- $recipes
echo "1..$(($# * 2))"

mnt=$(mktemp -d)
n=0 failed=0
check() {
	local desc=$1 out
	n=$((n + 1))
	if out=$(diff -r --no-dereference "$images/tree" "$mnt" 2>&1) &&
	   [ "$(getfattr --absolute-names --only-values -n user.comment \
		"$mnt/text-100" 2>/dev/null)" = kept ]; then
		echo "ok $n $desc"
	else
		echo "$out" | head -n 5 | sed 's/^/# /'
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
	umount "$mnt" || echo "# umount $mnt failed"
}
for r in $recipes; do
	img=$images/$r.erofs
	if mount -t erofs -o ro,loop "$img" "$mnt"; then
		check "$r loop"
	else
		n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $r loop # mount failed"
	fi
	if ishare_file_image "$r" && "$here/erofs_mount" "$file_image" "$mnt" &&
	   grep -q " $mnt erofs " /proc/mounts &&
	   ! grep -q "^/dev/loop.* $mnt " /proc/mounts; then
		check "$r file-backed"
	else
		n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $r file-backed # mount failed"
	fi
done
rmdir "$mnt"
[ "$failed" = 0 ]
