#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series-import.sh DIR: make DIR a git repository holding pristine 6.12
# fs/erofs, and every other pristine file a patch changes, as its first
# commit, and then one commit per entry of fs/erofs/patches/series (patch
# plus the new files it lists, at their repository paths), with the
# patch's own author and message.  This is the editable form of our work;
# scripts/series-export.sh turns it back into the repository's form.
# The repository keeps a new file at its final state; the commit that adds
# it gets the file as it was then: the final one with the hunks of the
# later patches that change it reverse-applied, newest first.  The last
# commit must then hold every new file exactly as the repository does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$1
tree=$("$REPO/scripts/kernel-tree.sh")
pristine=$(dirname "$tree")/pristine
[ ! -e "$dir" ] || die "$dir exists"
mkdir -p "$dir/fs"
cp -a "$pristine/fs/erofs" "$dir/fs/erofs"
while read -r patch _; do
	case "$patch" in ''|'#'*) continue ;; esac
	for f in $(patch_paths "$SERIES_DIR/$patch"); do
		case $f in fs/erofs/*) continue ;; esac
		[ ! -f "$pristine/$f" ] || (cd "$pristine" && cp --parents -p "$f" "$dir/")
	done
done <"$SERIES_DIR/series"
cd "$dir"
git init -q
git add -A
git -c user.name=pristine -c user.email=pristine@localhost \
	commit -q -m "pristine Debian linux-source-6.12 fs/erofs"
patches=() entries=()
while read -r patch e; do
	case "$patch" in ''|'#'*) continue ;; esac
	patches+=("$patch") entries+=("$e")
done <"$SERIES_DIR/series"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in "${!patches[@]}"; do
	git am -q "$SERIES_DIR/${patches[i]}" || die "git am ${patches[i]} failed"
	# shellcheck disable=SC2086 # entries are words
	for f in $(series_files ${entries[i]}); do
		mkdir -p "$(dirname "$f")" "$work/t/$(dirname "$f")"
		cp "$REPO/$f" "$work/t/$f"
		echo "$f" >"$work/list"
		for ((j = ${#patches[@]} - 1; j > i; j--)); do
			patch_sections keep "$work/list" "$SERIES_DIR/${patches[j]}" >"$work/p"
			[ -s "$work/p" ] || continue
			patch -d "$work/t" -p1 -R -s -F0 --no-backup-if-mismatch -r - \
				<"$work/p" >"$work/log" 2>&1 || {
				cat "$work/log" >&2
				die "${patches[j]} does not reverse-apply to the final $f"
			}
		done
		cp "$work/t/$f" "$f"
		chmod --reference="$REPO/$f" "$f"
		rm -rf "$work/t"
	done
	git add -A
	git commit -q --amend --no-edit
done
# the series replays the new files' later changes exactly
for i in "${!patches[@]}"; do
	# shellcheck disable=SC2086 # entries are words
	for f in $(series_files ${entries[i]}); do
		cmp -s "$REPO/$f" "$f" ||
			die "$f after the series differs from the repository's"
	done
done
git log --oneline
