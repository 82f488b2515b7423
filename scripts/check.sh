#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: everything that tests (make check).  Runs every step even when
# one fails, then prints one line per step and the closing line
# "N passed, N failed, N skipped" summed over all of them.  Each step
# writes "PASSED FAILED SKIPPED" to $RESULTS/STEP; a step that wrote
# nothing, or counted nothing, is a failure, and so is a step that failed
# without counting a failure.  Skips count as skipped only when
# scripts/expected-skips lists them (tap-summary.py, kunit-summary.py).
# check.sh adds each step's minutes to its line for the summary, and
# shows above it, for each failed step, the lines of its output that say
# why (CI shows only the end of the output).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RESULTS=$(mktemp -d "$CACHE/results.XXXXXX")
export RESULTS
LOGS=$CACHE/check-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
trap 'rm -rf "$RESULTS"' EXIT
# why BAD LOG: the lines of a step's output that say why it failed
why() {
	grep -E -e '^(not ok|# not ok)|^tap-summary: .*(failed|did not|plan|never|not in|no test)' \
		-e '^(kernel log check: [0-9]|guest-run:|make check:|.*: error:|ERROR:)' \
		-e "$("$REPO/scripts/kernel-log-check.sh" --pattern)" "$2" |
		grep -vE 'skipped as expected|^kernel log check: clean' | head -n "$1"
}

# Each step covers what no other step does.  Left to their own make
# targets, as duplicates: kunit-um and kunit-x86_64 (our configs;
# kunit-tree-* runs the same suites the kernel's way), selftests-um
# (kselftest-tree-um), module-test and selftests-x86_64 (deb-test-trixie
# runs every program on Debian's own kernel, with the module DKMS built),
# deb-test of bookworm (the same package on the older suite),
# kunit-um-debug and selftests-um-debug (the x86_64 debug kernel has the
# same checkers, and 4 CPUs).
steps=(
	"tap-summary-test  scripts/tap-summary-test.sh"
	"manifest-test     bench/manifest-test.sh"
	"kunit-tree-um     scripts/kunit-tree.sh um"
	"kselftest-tree-um scripts/kselftest-tree.sh um"
	"kunit-tree-x86_64 scripts/kunit-tree.sh x86_64"
	"module            scripts/module.sh"
	# the package a host installs, on trixie's own kernel: DKMS build,
	# every selftest, apt-get remove, the stock module back
	"deb-test-trixie   scripts/deb-test.sh trixie"
	"kunit-x86_64-debug scripts/kunit.sh x86_64-debug"
	# 4 CPUs under KASAN and lockdep: the races, lifetime and fault
	# injection; make selftests-x86_64-debug runs every program
	"selftests-x86_64-debug scripts/selftests.sh x86_64-debug ishare_stress ishare_lifetime ishare_layouts ishare_mmap ishare_faults"
	"fuzz-x86_64-fuzz  scripts/fuzz.sh 300"
)

# CHECK_STEPS="NAME..." runs only those steps (a partial run, for
# development; CI runs them all)
if [ -n "${CHECK_STEPS:-}" ]; then
	chosen=()
	for s in "${steps[@]}"; do
		read -r name _ <<<"$s"
		[[ " $CHECK_STEPS " == *" $name "* ]] && chosen+=("$s")
	done
	[ ${#chosen[@]} -gt 0 ] || die "CHECK_STEPS names no step of make check"
	steps=("${chosen[@]}")
fi

start=$SECONDS
# set-up, not a test: it counts only when it fails
"$REPO/scripts/deps.sh" || echo "0 1 0" >"$RESULTS/deps"

# What later steps only wait for is made in the background, at the
# lowest priority, while the first steps run (their UML guest keeps one
# CPU busy at most): the Debian root of deb-test (mostly download) and
# the debug kernels.  Each is cached and locked by its script, so a step
# that needs one waits for it, and a failure fails again, with its log, in
# that step.  A warm run finds them all made.
prebuild=()
for s in "${steps[@]}"; do
	case $s in
	deb-test-trixie*) prebuild+=("scripts/deb-root.sh trixie") ;;
	selftests-x86_64-debug*) prebuild+=("scripts/build-kernel.sh x86_64-debug") ;;
	fuzz-x86_64-fuzz*) prebuild+=("scripts/build-kernel.sh x86_64-fuzz") ;;
	esac
done
if [ ${#prebuild[@]} -gt 0 ]; then
	(for c in "${prebuild[@]}"; do
		log=$LOGS/prebuild-$(echo "$c" | tr -c 'a-z0-9_.\n-' -)
		# shellcheck disable=SC2086 # a command and its words
		(cd "$REPO" && nice -n 19 $c) >"$log" 2>&1 || true
	done) &
	prebuilder=$!
fi
for s in "${steps[@]}"; do
	read -r name cmd <<<"$s"
	step "make check: $name"
	rm -f "$RESULTS/$name"
	t=$SECONDS
	(cd "$REPO" && $cmd) 2>&1 | tee "$LOGS/$name"
	rc=${PIPESTATUS[0]}
	p=0 f=0 n=0
	[ -s "$RESULTS/$name" ] && read -r p f n <"$RESULTS/$name"
	p=${p:-0} f=${f:-0} n=${n:-0}
	if [ $((p + f + n)) -eq 0 ]; then
		echo "make check: $name counted nothing" >&2
		f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "make check: $name failed (exit $rc) without counting a failure" >&2
		f=1
	fi
	echo "$p $f $n $(((SECONDS - t + 30) / 60))" >"$RESULTS/$name"
done

[ -z "${prebuilder:-}" ] || wait "$prebuilder"

total_p=0 total_f=0 total_s=0
for f in "$RESULTS"/*; do
	read -r p n s min <"$f"
	[ "$n" -eq 0 ] || [ ! -f "$LOGS/${f##*/}" ] && continue
	echo
	echo "== why ${f##*/} failed (whole output: $LOGS/${f##*/}) =="
	why 8 "$LOGS/${f##*/}"
done
echo
echo "== summary ($(((SECONDS - start) / 60)) min) =="
for f in "$RESULTS"/*; do
	read -r p n s min <"$f"
	printf '%-22s %4d passed, %d failed, %d skipped%s\n' "${f##*/}" "$p" "$n" "$s" "${min:+  $min min}"
	total_p=$((total_p + p)) total_f=$((total_f + n)) total_s=$((total_s + s))
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
