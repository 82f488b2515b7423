#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series-export.sh DIR: write the commits of DIR (made by series-import.sh)
# back into the repository: one patch per commit, new files whole at their
# own paths, and fs/erofs/patches/series tying them together.  A file
# travels whole, at its final state (the last commit's), on the line of
# the commit that adds it; that commit's patch leaves it out, and a later
# commit's patch holds its changes to it like to any other file
# (series-import.sh reverse-applies them to rebuild the file as it was
# when added).  A commit that adds every file of a directory new outside
# fs/erofs lists it as DIR/ (files removed from such a directory must be
# removed from the repository by hand).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$1
src=$REPO/fs/erofs
base=$(git -C "$dir" rev-list --max-parents=0 HEAD)
pristine=$(dirname "$("$REPO/scripts/kernel-tree.sh")")/pristine
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$dir" ls-tree -r --name-only "$base" | LC_ALL=C sort >"$work/pristine"

# entries COMMIT: the series entries of the files COMMIT adds
entries() {
	local c=$1 f d top
	declare -A dirs=()
	git -C "$dir" ls-tree -r --name-only "$c" | LC_ALL=C sort >"$work/all"
	git -C "$dir" diff-tree --no-commit-id --name-only --diff-filter=A -r "$c" |
		LC_ALL=C sort | LC_ALL=C comm -23 - "$work/pristine" >"$work/added"
	while read -r f; do
		case $f in
		fs/erofs/*/*) ;;
		fs/erofs/*) echo "${f#fs/erofs/}"; continue ;;
		esac
		# the topmost directory of f that pristine 6.12 does not have
		top= d=$f
		while [[ $d == */* ]]; do
			d=${d%/*}
			[ -d "$pristine/$d" ] && break
			top=$d
		done
		if [ -n "$top" ] && ! grep "^$top/" "$work/all" | grep -qvxFf "$work/added"; then
			[ -n "${dirs[$top]:-}" ] || echo "$top/"
			dirs[$top]=1
		else
			echo "$f"
		fi
	done <"$work/added"
}

rm -f "$src"/patches/*.patch "$src"/*.[ch]
sed -n '/^#/p' "$src/patches/series" >"$work/series"
n=0
for c in $(git -C "$dir" rev-list --reverse "$base..HEAD"); do
	n=$((n + 1))
	# the files new in this commit travel whole, not inside its patch;
	# later changes to them are in the later commits' patches
	excludes=()
	for f in $(git -C "$dir" diff-tree --no-commit-id --name-only \
			--diff-filter=A -r "$c" | LC_ALL=C sort |
		   LC_ALL=C comm -23 - "$work/pristine"); do
		excludes+=(":(exclude)$f")
	done
	name=$(git -C "$dir" format-patch -1 --start-number "$n" -o "$src/patches" \
		"$c" -- . "${excludes[@]}")
	echo "${name##*/} $(entries "$c" | paste -sd ' ')" | sed 's/ *$//' >>"$work/series"
done
cp "$work/series" "$src/patches/series"
for f in $(git -C "$dir" diff --name-only --diff-filter=A "$base" HEAD); do
	mkdir -p "$REPO/$(dirname "$f")"
	cp "$dir/$f" "$REPO/$f"
	chmod --reference="$dir/$f" "$REPO/$f"
done
cat "$src/patches/series"
