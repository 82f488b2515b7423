#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series-import.sh DIR: make DIR a git repository holding pristine 6.12
# fs/erofs, and every other pristine file a patch changes, as its first
# commit, and then one commit per entry of fs/erofs/patches/series (patch
# plus the new files it lists, at their repository paths), with the
# patch's own author and message.  This is the editable form of our work;
# scripts/series-export.sh turns it back into the repository's form.
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
while read -r patch entries; do
	case "$patch" in ''|'#'*) continue ;; esac
	git am -q "$SERIES_DIR/$patch" || die "git am $patch failed"
	# shellcheck disable=SC2086 # entries are words
	for f in $(series_files $entries); do
		mkdir -p "$(dirname "$f")"
		cp "$REPO/$f" "$f"
	done
	git add -A
	git commit -q --amend --no-edit
done <"$SERIES_DIR/series"
git log --oneline
