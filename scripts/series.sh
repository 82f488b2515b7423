#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series.sh [OUTDIR]: emit our erofs work as a git format-patch series
# against pristine Debian 6.12 (new files included in the patch that adds
# them) and check every patch with the kernel's checkpatch.pl --strict.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:-$REPO/out/series}
tree=$("$REPO/scripts/kernel-tree.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$REPO/scripts/series-import.sh" "$work/git" >/dev/null
rm -rf "$out"
mkdir -p "$out"
git -C "$work/git" format-patch -q --cover-letter -o "$out" \
	"$(git -C "$work/git" rev-list --max-parents=0 HEAD)..HEAD"

# fs/erofs/ is in MAINTAINERS already, and Opt_* is erofs' own naming
ignore="--ignore FILE_PATH_CHANGES,CAMELCASE"
step "checkpatch.pl --strict $ignore"
bad=0
for p in "$out"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	if (cd "$(dirname "$tree")/pristine" &&
	    perl scripts/checkpatch.pl --strict --quiet $ignore "$p" >"$work/cp.log" 2>&1); then
		echo "  clean  ${p##*/}"
	else
		echo "  ISSUES ${p##*/}"
		sed 's/^/    /' "$work/cp.log"
		bad=1
	fi
done
echo "series: $(ls "$out" | wc -l) files in $out"
exit "$bad"
