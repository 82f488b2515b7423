# SPDX-License-Identifier: GPL-2.0
# Sourced by the shell selftests, after "TAP version 13": ishare_images
# sets $images to the test images, EROFS_IMAGES or else what mkimages.sh
# (beside the test, in $here) builds once per run; without root or a
# suitable mkfs.erofs it skips the whole test (exit 4) with the reason,
# and it fails it when the images cannot be built.  ishare_file_image
# NAME sets $file_image to the image to mount file-backed: a copy on a
# ramfs of the script's own when the images are on tmpfs (which lacks
# ->read_folio), or anywhere but ramfs under lockdep (see ishare_lib.c);
# not in a subshell, which would lose the ramfs.
ishare_images_ram=

ishare_file_image() {
	file_image=$images/$1.erofs
	case $(stat -f -c %T "$images") in
	tmpfs) ;;
	ramfs) return 0 ;;
	*) [ -e /proc/lockdep ] || return 0 ;;
	esac
	if [ -z "$ishare_images_ram" ]; then
		ishare_images_ram=$(mktemp -d) || return 1
		mount -t ramfs ishare "$ishare_images_ram" || return 1
		trap 'umount -l "$ishare_images_ram"; rmdir "$ishare_images_ram"' EXIT
	fi
	file_image=$ishare_images_ram/$1.erofs
	[ -f "$file_image" ] || cp "$images/$1.erofs" "$file_image"
}

ishare_images() {
	local rc=0

	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root"
		exit 4
	fi
	images=${EROFS_IMAGES:-}
	[ -n "$images" ] || images=$("$here/mkimages.sh") || rc=$?
	case $rc in
	0) ;;
	4)
		echo "1..0 # SKIP $images"
		exit 4
		;;
	*)
		echo "1..1"
		echo "not ok 1 mkimages.sh could not build the test images (exit $rc)"
		exit 1
		;;
	esac
}
