#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# apply-erofs.sh [--only DIR] PRISTINE TREE: make every path of TREE that
# fs/erofs/patches/series touches equal PRISTINE plus the series: fs/erofs
# whole, and each other file that a patch changes or a series line adds
# (tools/testing/selftests/erofs/..., say).  TREE/.erofs-series-paths
# records those other files, so that a file the series no longer touches
# goes back to PRISTINE's (or away).  Files whose content did not change
# keep their timestamps.  --only fs/erofs (debian/rules, whose PRISTINE
# holds fs/erofs alone) leaves out the patches and files outside DIR; a
# patch that changes files on both sides is then an error.
# A new file is kept in the repository at its final state and copied whole
# where its series line comes; the sections of later patches that change
# it are left out of those patches (patch_sections, an awk filter), as the
# copy holds their changes already.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

only=
if [ "${1:-}" = --only ]; then
	only=${2%/}
	shift 2
fi
pristine=$1 tree=$2
series=$SERIES_DIR/series
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
new=$stage/tree

inside() { [ -z "$only" ] || [[ $1 == "$only"/* ]]; }

# copy FROM TO: TO becomes FROM (content and mode), its timestamp kept
# when both already agree
copy() {
	if [ -f "$2" ] && cmp -s "$1" "$2" &&
	   [ "$(stat -c %a "$1")" = "$(stat -c %a "$2")" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$2")"
	rm -f "$2"
	cp -p "$1" "$2"
}

mkdir -p "$new/fs"
cp -a "$pristine/fs/erofs" "$new/fs/erofs"

# listed: the new files of the series; touched: every file outside
# fs/erofs that the series changes or adds; $stage/whole: the files copied
# whole so far, whose sections later patches leave out
declare -A listed=() touched=()
: >"$stage/whole"
while read -r patch entries; do
	case "$patch" in ''|'#'*) continue ;; esac
	p=$SERIES_DIR/$patch
	[ -f "$p" ] || die "series names a missing patch: $patch"
	paths=$(patch_paths "$p")
	in=0 out=0
	for f in $paths; do
		if inside "$f"; then in=1; else out=1; fi
	done
	if [ $out = 1 ]; then
		[ $in = 0 ] || die "$patch changes files inside and outside $only"
		continue
	fi
	for f in $paths; do
		case $f in fs/erofs/*) continue ;; esac
		[ -z "${touched[$f]:-}" ] || continue
		touched[$f]=1
		[ ! -f "$pristine/$f" ] || copy "$pristine/$f" "$new/$f"
	done
	patch_sections drop "$stage/whole" "$p" >"$stage/patch"
	if grep -q '^diff --git ' "$stage/patch" &&
	   ! patch -d "$new" -p1 -s -N --no-backup-if-mismatch -r - \
			<"$stage/patch" >"$stage/patch.log" 2>&1; then
		cat "$stage/patch.log" >&2
		die "fs/erofs/patches/$patch does not apply to $(basename "$(dirname "$pristine")")"
	fi
	# shellcheck disable=SC2086 # entries are words
	for f in $(series_files $entries); do
		inside "$f" || continue
		[ -f "$REPO/$f" ] || die "series names a missing file: $f"
		copy "$REPO/$f" "$new/$f"
		listed[$f]=1
		echo "$f" >>"$stage/whole"
		case $f in fs/erofs/*) ;; *) touched[$f]=1 ;; esac
	done
done <"$series"

# every new file in fs/erofs must belong to a patch of the series
for f in "$REPO"/fs/erofs/*; do
	[ -f "$f" ] || continue
	f=fs/erofs/${f##*/}
	[ -n "${listed[$f]:-}" ] || die "$f is not listed in fs/erofs/patches/series"
done

rsync -rc --delete "$new/fs/erofs/" "$tree/fs/erofs/"

record=$tree/.erofs-series-paths
for f in "${!touched[@]}"; do
	echo "$f"
done | LC_ALL=C sort >"$stage/paths"
for f in $(cat "$stage/paths"); do
	if [ -f "$new/$f" ]; then
		copy "$new/$f" "$tree/$f"
	else
		rm -f "$tree/$f"	# a patch deleted it
	fi
done
# what an earlier series touched and this one does not: back to pristine
if [ -f "$record" ]; then
	for f in $(LC_ALL=C comm -23 <(LC_ALL=C sort "$record") "$stage/paths"); do
		if [ -f "$pristine/$f" ]; then
			copy "$pristine/$f" "$tree/$f"
		else
			rm -f "$tree/$f"
			(cd "$tree" && rmdir -p --ignore-fail-on-non-empty \
				"$(dirname "$f")" 2>/dev/null) || true
		fi
	done
fi
cp "$stage/paths" "$record"
