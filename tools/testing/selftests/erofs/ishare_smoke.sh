#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Page cache sharing, seen from userspace: two images built from one tree,
# mounted file-backed in one domain.  After a file is read through mount A, reading it
# through mount B must add no page cache pages and return the same bytes;
# without a domain, B's read must add them.  Images as smoke_mount.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ishare_images.sh"
file=random-1048699	# 1 MiB + 123 bytes: 257 pages

echo "TAP version 13"
ishare_images
echo "1..4"

work=$(mktemp -d)
mkdir "$work/a" "$work/b"
failed=0

cached_kb() { awk '/^Cached:/ { print $2 }' /proc/meminfo; }

# file-backed mounts of two images of one tree
ishare_file_image digest && image_a=$file_image
ishare_file_image digest-copy && image_b=$file_image

# run OPTIONS: mount both, read A then B; print B's page cache growth in
# pages and whether B's bytes are right
run() {
	local opts=$1 before after same=no
	"$here/erofs_mount" "$image_a" "$work/a" "$opts" || return 1
	"$here/erofs_mount" "$image_b" "$work/b" "$opts" || return 1
	echo 3 >/proc/sys/vm/drop_caches
	cat "$work/a/$file" >/dev/null
	# B's own metadata (directory, inode, xattrs) is read before measuring
	stat "$work/b/$file" >/dev/null
	before=$(cached_kb)
	cat "$work/b/$file" >/dev/null
	after=$(cached_kb)
	cmp -s "$work/b/$file" "$images/tree/$file" && same=yes
	umount "$work/a" "$work/b"
	echo "$(((after - before) / 4)) $same"
}

result() {
	if [ "$2" = 0 ]; then
		echo "ok $1"
	else
		echo "not ok $1"
		failed=$((failed + 1))
	fi
}

read -r shared shared_same < <(run domain_id=smoke || echo "x no")
read -r plain plain_same < <(run "" || echo "x no")
pages=$(( ($(stat -c %s "$images/tree/$file") + 4095) / 4096 ))
echo "# page cache growth when B reads: $shared pages shared," \
	"$plain pages unshared (file: $pages pages)"

# allow a little noise from other page cache users, far below the file size
[ "$shared_same" = yes ]; result "1 shared: B reads the same bytes" $?
[ "$shared" != x ] && [ "$shared" -lt $((pages / 8)) ]
result "2 shared: B's read adds no page cache" $?
[ "$plain_same" = yes ]; result "3 unshared: B reads the same bytes" $?
[ "$plain" != x ] && [ "$plain" -ge $((pages * 7 / 8)) ]
result "4 unshared: B's read adds the file's pages" $?

rm -rf "$work"
[ "$failed" = 0 ]
