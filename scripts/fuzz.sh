#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz.sh [MUTANTS]: image fuzzing (make fuzz).  Builds the fuzzing seeds
# (images/fuzz-tree.py, every layout, fingerprinted), writes a plan of
# MUTANTS mutants (FUZZ_MUTANTS, 10000) from seed FUZZ_SEED (1) with
# images/fuzz.py, and runs scripts/fuzz-guest.c on the FUZZ_FLAVOUR
# kernel (x86_64-fuzz: the x86_64 debug kernel without EROFS_FS_DEBUG,
# whose DBG_BUGON()s stop at corrupt images by design): each mutant mounted in one domain with the valid
# seeds, read whole and unmounted.  The kernel log is then checked
# (kernel-log-check.sh): any KASAN report, lockdep splat, leak, WARN, BUG
# or hung task is a failure.  Prints mutants, mount failures, read errors
# and splats; writes "PASSED FAILED SKIPPED" (one result) to
# $RESULTS/fuzz-FLAVOUR when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mutants=${1:-${FUZZ_MUTANTS:-10000}}
seed=${FUZZ_SEED:-1}
flavour=${FUZZ_FLAVOUR:-x86_64-fuzz}
case $mutants$seed in '' | *[!0-9]*) die "usage: fuzz.sh [MUTANTS] (FUZZ_SEED a number)" ;; esac

mkfs=$REPO/scripts/mkfs-erofs.sh
version=$("$mkfs" --version | head -n 1)

# seeds: one tree, every layout; fingerprints under the name the tree's
# hand-set ones use; -x0 puts repeated xattrs in the shared xattr area
fp=--xattr-inode-digest=trusted.erofs.fingerprint.v1
layouts=(
	"flat"
	"flat-shared -x0"
	"lz4 -zlz4 -Efragments"
	"tail -zlz4 -Eztailpacking -x0"
	"chunk --chunksize=8192"
	"lz4hc -zlz4hc"
	"noinline -Enoinline_data"
)
key=$(printf '%s\n' "${layouts[@]}" "$version" | cat "$REPO/images/fuzz-tree.py" - |
	sha1sum | cut -c1-12)
out=$CACHE/fuzz
seeds=$out/seeds-$key
mkdir -p "$out"
if [ ! -f "$seeds/.done" ]; then
	step "building the fuzzing seeds into $seeds"
	rm -rf "$seeds"
	mkdir -p "$seeds"
	# on tmpfs: fingerprint values longer than a block
	tree=$(mktemp -d /dev/shm/erofs-fuzz-tree.XXXXXX)
	python3 "$REPO/images/fuzz-tree.py" "$tree"
	for l in "${layouts[@]}"; do
		read -r name args <<<"$l"
		# shellcheck disable=SC2086
		"$mkfs" -T0 -Uclear "$fp" --xattr-prefix=user.fuzz.long. $args \
			"$seeds/$name.erofs" "$tree" >"$seeds/$name.log" 2>&1 || {
			rm -rf "$tree"
			die "mkfs.erofs failed for the $name seed; see $seeds/$name.log"
		}
	done
	rm -rf "$tree"
	touch "$seeds/.done"
fi
valid=()
for l in "${layouts[@]}"; do
	valid+=("$seeds/${l%% *}.erofs")
done

pkey=$(sha1sum <"$REPO/images/fuzz.py" | cut -c1-8)
plan=$out/plan-$key-$pkey-$seed-$mutants.txt
if [ ! -s "$plan" ]; then
	python3 "$REPO/images/fuzz.py" --seed "$seed" --count "$mutants" \
		"${valid[@]}" >"$plan.tmp"
	mv "$plan.tmp" "$plan"
fi
bin=$out/fuzz-guest
if [ ! -x "$bin" ] || [ "$REPO/scripts/fuzz-guest.c" -nt "$bin" ]; then
	gcc -O2 -Wall -Werror -o "$bin" "$REPO/scripts/fuzz-guest.c"
fi
"$REPO/scripts/build-kernel.sh" "$flavour" >/dev/null
"$REPO/scripts/kernel-version.sh" "$flavour"

step "fuzz: $mutants mutants (seed $seed) on $flavour"
log=$out/run-$flavour.log
# a TCG guest with KASAN mounts a mutant in about 0.2 s
export GUEST_TIMEOUT=${GUEST_TIMEOUT:-$((1800 + mutants))}
export GUEST_ARGS="log_buf_len=32M ${GUEST_ARGS:-}"
rc=0
"$REPO/scripts/guest-run.sh" "$flavour" "$REPO/scripts/guest-debug.sh" \
	"$bin" "$plan" "${valid[@]}" 2>&1 | tee "$log" |
	awk '/^KERNEL-LOG$/ { k = 1 } !k' || rc=$?
sed -n '/^KERNEL-LOG$/,$p' "$log" | sed 1d >"$out/kernel-$flavour.log"
bad=$("$REPO/scripts/kernel-log-check.sh" --pattern)
splats=$(grep -E "$bad" "$out/kernel-$flavour.log" | grep -cvE 'erofs-fuzz|^--$' || true)
if [ -s "$out/kernel-$flavour.log" ]; then
	"$REPO/scripts/kernel-log-check.sh" "$out/kernel-$flavour.log" || rc=1
	# the last mutant named before the first splat
	if [ "$splats" -gt 0 ]; then
		first=$(grep -nE "$bad" "$out/kernel-$flavour.log" | head -n 1 | cut -d: -f1)
		{ head -n "$first" "$out/kernel-$flavour.log" | grep 'erofs-fuzz: mutant' |
			tail -n 1 | sed 's/^/fuzz: first splat after: /'; } || true
	fi
else
	echo "fuzz: no kernel log (the guest died?); see $log"
	rc=1
fi
summary=$(grep '^fuzz: mutants ' "$log" | tail -n 1 || true)
[ -n "$summary" ] || rc=1
echo "${summary:-fuzz: the runner printed no summary}, splats $splats"
[ -n "${RESULTS:-}" ] && if [ "$rc" -eq 0 ]; then echo "1 0 0"; else echo "0 1 0"; fi \
	>"$RESULTS/fuzz-$flavour"
exit "$rc"
