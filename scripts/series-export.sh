#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series-export.sh DIR: write the commits of DIR (made by series-import.sh)
# back into fs/erofs: one patch per commit for changes to upstream files,
# new files whole, and fs/erofs/patches/series tying them together.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$1
src=$REPO/fs/erofs
base=$(git -C "$dir" rev-list --max-parents=0 HEAD)
pristine=$(git -C "$dir" ls-tree --name-only "$base" fs/erofs/ | sed 's|^fs/erofs/||')

rm -f "$src"/patches/*.patch "$src"/*.[ch]
{
	sed -n '/^#/p' "$src/patches/series"
} >"$src/patches/series.new"
n=0
for c in $(git -C "$dir" rev-list --reverse "$base..HEAD"); do
	n=$((n + 1))
	new=$(git -C "$dir" diff-tree --no-commit-id --name-only --diff-filter=A -r "$c" |
	      sed 's|^fs/erofs/||' | grep -vxF "$pristine" || true)
	# new files travel whole, never inside a patch
	excludes=()
	for f in $(git -C "$dir" ls-tree --name-only "$c" fs/erofs/ |
		   sed 's|^fs/erofs/||' | grep -vxF "$pristine" || true); do
		excludes+=(":(exclude)fs/erofs/$f")
	done
	name=$(git -C "$dir" format-patch -1 --start-number "$n" -o "$src/patches" \
		"$c" -- fs/erofs "${excludes[@]}")
	echo "${name##*/} $(echo $new)" | sed 's/ *$//' >>"$src/patches/series.new"
done
mv "$src/patches/series.new" "$src/patches/series"
for f in $(git -C "$dir" diff --name-only --diff-filter=A "$base" HEAD | sed 's|^fs/erofs/||'); do
	cp "$dir/fs/erofs/$f" "$src/$f"
done
cat "$src/patches/series"
