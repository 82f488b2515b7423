#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series-import.sh DIR: make DIR a git repository holding pristine 6.12
# fs/erofs as its first commit and then one commit per entry of
# fs/erofs/patches/series (patch plus the new files it lists), with the
# patch's own author and message.  This is the editable form of our work;
# scripts/series-export.sh turns it back into the repository's form.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$1
tree=$("$REPO/scripts/kernel-tree.sh")
src=$REPO/fs/erofs
[ ! -e "$dir" ] || die "$dir exists"
mkdir -p "$dir/fs"
cp -a "$(dirname "$tree")/pristine/fs/erofs" "$dir/fs/erofs"
cd "$dir"
git init -q
git add -A
git -c user.name=pristine -c user.email=pristine@localhost \
	commit -q -m "pristine Debian linux-source-6.12 fs/erofs"
while read -r patch files; do
	case "$patch" in ''|'#'*) continue ;; esac
	git am -q "$src/patches/$patch" || die "git am $patch failed"
	for f in $files; do
		cp "$src/$f" "fs/erofs/$f"
	done
	git add -A
	git commit -q --amend --no-edit
done <"$src/patches/series"
git log --oneline
