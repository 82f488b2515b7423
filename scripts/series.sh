#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# series.sh [OUTDIR]: emit our erofs work as a git format-patch series
# against pristine Debian 6.12 (new files included in the patch that adds
# them) and check every patch: checkpatch.pl --strict, a UML KUnit kernel
# built from pristine plus the series up to that patch, and the erofs KUnit
# suites that patch has.  The kernels build in one build directory,
# $CACHE/build/series, from one source tree, $CACHE/series/tree (a hard-link
# copy of pristine whose series paths are replaced, never written in
# place), so each patch compiles only what it changes.  Before
# fs/erofs/.kunitconfig exists, the kernel is a minimal one: KUnit,
# CONFIG_EROFS_FS and the erofs options of the final .kunitconfig that the
# patch's Kconfig already has.  Fails when a patch does not build (or its
# build warns about fs/erofs), a KUnit case fails or checkpatch reports
# anything.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:-$REPO/out/series}
tree=$("$REPO/scripts/kernel-tree.sh")
pristine=$(dirname "$tree")/pristine
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need ccache ccache
need bc bc
need flex flex
need bison bison

"$REPO/scripts/series-import.sh" "$work/git" >/dev/null
git=$work/git
base=$(git -C "$git" rev-list --max-parents=0 HEAD)
rm -rf "$out"
mkdir -p "$out"
git -C "$git" format-patch -q --cover-letter -o "$out" "$base..HEAD"

mkdir -p "$CACHE/build" "$CACHE/series"
exec 9>"$CACHE/build/series.lock"
flock 9
build=$CACHE/build/series
ktree=$CACHE/series/tree
if [ ! -f "$ktree/Makefile" ]; then
	step "linking a copy of pristine 6.12 into $ktree"
	rm -rf "$ktree"
	cp -al "$pristine" "$ktree"
fi
mkdir -p "$build"
# every path outside fs/erofs that some patch has, pristine or new
git -C "$git" ls-tree -r --name-only HEAD | grep -v '^fs/erofs/' >"$work/others" || true

# put FROM TO: TO becomes FROM, by a new file (TO may be a hard link to
# pristine), and keeps its timestamp when both agree already
put() {
	cmp -s "$1" "$2" && return 0
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2.series-tmp"
	mv -f "$2.series-tmp" "$2"
}

# checkout COMMIT: the source tree becomes pristine plus COMMIT
checkout() {
	local f
	rm -rf "$work/stage"
	mkdir -p "$work/stage"
	git -C "$git" archive "$1" | tar -x -C "$work/stage"
	rsync -rc --delete "$work/stage/fs/erofs/" "$ktree/fs/erofs/"
	while read -r f; do
		if [ -f "$work/stage/$f" ]; then
			put "$work/stage/$f" "$ktree/$f"
		elif [ -f "$pristine/$f" ]; then
			put "$pristine/$f" "$ktree/$f"
		else
			rm -f "$ktree/$f"
		fi
	done <"$work/others"
}

# kunitconfig: the fs/erofs/.kunitconfig of the checked-out patch, or the
# minimal one
kunitconfig() {
	local opt sym
	if [ -f "$ktree/fs/erofs/.kunitconfig" ]; then
		echo "$ktree/fs/erofs/.kunitconfig"
		return
	fi
	for opt in $(grep '^CONFIG_' "$REPO/fs/erofs/.kunitconfig"); do
		sym=${opt%%=*}
		sym=${sym#CONFIG_}
		case $sym in
		EROFS_*) grep -q "^config $sym\$" "$ktree/fs/erofs/Kconfig" || continue ;;
		esac
		echo "$opt"
	done >"$work/minimal.kunitconfig"
	echo "$work/minimal.kunitconfig"
}

# fs/erofs/ is in MAINTAINERS already, and Opt_* is erofs' own naming
ignore="--ignore FILE_PATH_CHANGES,CAMELCASE"
step "each patch: checkpatch.pl --strict $ignore, UML KUnit build and suites"
bad=0
n=0
for c in $(git -C "$git" rev-list --reverse "$base..HEAD"); do
	n=$((n + 1))
	p=$(ls "$out"/"$(printf %04d "$n")"-*.patch)
	name=${p##*/}
	log=$build/${name%.patch}.log
	if (cd "$pristine" &&
	    perl scripts/checkpatch.pl --strict --quiet $ignore "$p" >"$work/cp.log" 2>&1); then
		cp=clean
	else
		cp=ISSUES
		bad=1
	fi

	checkout "$c"
	kc=$(kunitconfig)
	kunit="no suites"
	if ! (cd "$ktree" && PATH=/usr/lib/ccache:$PATH python3 tools/testing/kunit/kunit.py \
			build --arch=um --build_dir="$build" --jobs="$JOBS" \
			--kunitconfig="$kc") >"$log" 2>&1; then
		built=FAILED
		kunit="not run"
		bad=1
	else
		built=ok
		# kunit.py prints the compiler's warnings; only what a patch
		# compiles anew warns, so a warning shows at the patch causing it
		warns=$(grep -c '^[^ ]*fs/erofs/[^ ]*: warning:' "$log" || true)
		if [ "$warns" != 0 ]; then
			built="ok, $warns fs/erofs WARNINGS"
			bad=1
		fi
		if grep -q '^CONFIG_EROFS_FS_KUNIT_TEST=y' "$build/.config"; then
			if (cd "$ktree" && python3 tools/testing/kunit/kunit.py exec \
					--arch=um --build_dir="$build" --timeout=900) \
					>>"$log" 2>&1; then
				kunit=
			else
				kunit="FAILED: "
				bad=1
			fi
			kunit+=$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*Testing complete\. //p' "$log" |
				 tail -n 1)
			[ "$kunit" != "FAILED: " ] || kunit+="no result"
		fi
	fi
	echo "  $name: build $built; kunit: $kunit; checkpatch $cp"
	[ "$cp" = clean ] || sed 's/^/    /' "$work/cp.log"
	case $built in
	ok) ;;
	ok,*) grep -A3 '^[^ ]*fs/erofs/[^ ]*: warning:' "$log" | sed 's/^/    /' ;;
	*) tail -n 30 "$log" | sed 's/^/    /' ;;
	esac
	case $kunit in FAILED*) grep -E '\[FAILED\]|# .*FAIL|not ok' "$log" |
				 head -n 20 | sed 's/^/    /' ;; esac
done
echo "series: $(ls "$out" | wc -l) files in $out; logs in $build/*.log"
exit "$bad"
