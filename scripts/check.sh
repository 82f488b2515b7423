#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: everything that tests (make check).  Runs every step even when
# one fails, then prints one line per step and the closing line
# "N passed, N failed" summed over all of them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RESULTS=$(mktemp -d "$CACHE/results.XXXXXX")
export RESULTS
trap 'rm -rf "$RESULTS"' EXIT

steps=(
	"kunit-um          scripts/kunit.sh um"
	"selftests-um      scripts/selftests.sh um"
	"kunit-x86_64      scripts/kunit.sh x86_64"
	"selftests-x86_64  scripts/selftests.sh x86_64"
	"module            scripts/module.sh"
	"module-test       scripts/module-test.sh"
	"kunit-um-debug    scripts/kunit.sh um-debug"
	"selftests-um-debug scripts/selftests.sh um-debug"
)

start=$SECONDS
"$REPO/scripts/deps.sh" || echo "0 1" >"$RESULTS/deps"
for s in "${steps[@]}"; do
	read -r name cmd <<<"$s"
	step "make check: $name"
	if (cd "$REPO" && $cmd); then
		# a step that counts nothing itself is one passed check
		[ -s "$RESULTS/$name" ] || echo "1 0" >"$RESULTS/$name"
	else
		# a step that died before counting still counts as a failure
		[ -s "$RESULTS/$name" ] || echo "0 1" >"$RESULTS/$name"
		read -r p f <"$RESULTS/$name"
		[ "$f" -gt 0 ] || echo "$p 1" >"$RESULTS/$name"
	fi
	[ -s "$RESULTS/$name" ] || echo "0 1" >"$RESULTS/$name"
done

total_p=0 total_f=0
echo
echo "== summary ($(((SECONDS - start) / 60)) min) =="
for f in "$RESULTS"/*; do
	read -r p n <"$f"
	printf '%-19s %4d passed, %d failed\n' "${f##*/}" "$p" "$n"
	total_p=$((total_p + p)) total_f=$((total_f + n))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
