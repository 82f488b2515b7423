#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# apply-erofs.sh PRISTINE TREE: make TREE/fs/erofs = PRISTINE/fs/erofs plus
# the patches and new files listed in fs/erofs/patches/series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pristine=$1 tree=$2
src=$REPO/fs/erofs
series=$src/patches/series
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/fs"
cp -a "$pristine/fs/erofs" "$stage/fs/erofs"

declare -A listed=()
while read -r patch files; do
	case "$patch" in ''|'#'*) continue ;; esac
	[ -f "$src/patches/$patch" ] || die "series names a missing patch: $patch"
	if ! patch -d "$stage" -p1 -s -N --no-backup-if-mismatch -r - \
			<"$src/patches/$patch" >"$stage/patch.log" 2>&1; then
		cat "$stage/patch.log" >&2
		die "fs/erofs/patches/$patch does not apply to $(basename "$(dirname "$pristine")")"
	fi
	for f in $files; do
		[ -f "$src/$f" ] || die "series names a missing file: fs/erofs/$f"
		cp "$src/$f" "$stage/fs/erofs/$f"
		listed[$f]=1
	done
done <"$series"

# every new file must belong to a patch of the series
for f in "$src"/*; do
	[ -f "$f" ] || continue
	f=${f##*/}
	[ -n "${listed[$f]:-}" ] || die "fs/erofs/$f is not listed in fs/erofs/patches/series"
done

rsync -rc --delete "$stage/fs/erofs/" "$tree/fs/erofs/"
