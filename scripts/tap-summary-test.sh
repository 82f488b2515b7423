#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tap-summary-test.sh: check the counting of make check itself.  Feeds
# tap-summary.py synthetic kselftest TAP (all passing, skips listed or not,
# a program skipped whole or case by case, wrong or missing plans, missing
# or unlisted programs, timeouts, module-test's two runs, a build whose
# every case skips) and kunit-summary.py synthetic kunit.py JSON, and
# checks scripts/expected-tests against the selftest Makefile and
# kunit/*.kunitconfig, and the selftests' .gitignore against the programs
# the Makefile builds.  Each check is one result; writes "PASSED FAILED 0"
# to $RESULTS/tap-summary-test when RESULTS is set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
ko() { echo "tap-summary-test: $*" >&2; fail=$((fail + 1)); }

printf 'kselftest p1\nkselftest p2.sh\nkunit s1\n' >"$tmp/tests"
cat >"$tmp/skips" <<'EOF'
# test list
selftests-*	p1:f.v.listed	a reason
module-test	p2.sh	another reason
kunit-um	s1.c2.param?2	a reason
EOF

# expect NAME STEP "PASSED FAILED SKIPPED" < TAP: tap-summary.py's counts
expect() {
	local got
	got=$(python3 "$REPO/scripts/tap-summary.py" --tests "$tmp/tests" \
		--skips "$tmp/skips" "$2" 2>"$tmp/err") || true
	if [ "$got" = "$3" ]; then ok; else ko "$1: '$got', want '$3'"; cat "$tmp/err" >&2; fi
}

# the runner's frame around the programs' own TAP
prog() { printf '# selftests: erofs: %s\n' "$1"; sed 's/^/# /'; }

expect "all pass" selftests-um "3 0 0" <<EOF
TAP version 13
1..2
$(printf 'TAP version 13\n1..2\nok 1 f.v.a\nok 2 f.v.b\n# Totals: pass:2\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..1\nok 1 shell check\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "unlisted skips fail" selftests-um "1 2 0" <<EOF
1..2
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.b # SKIP no feature\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..0 # SKIP needs root\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh # SKIP
EOF

expect "listed skips count as skipped" selftests-x86_64 "1 1 1" <<EOF
1..2
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.listed # SKIP no O_DIRECT\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..0 # SKIP needs root\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh # SKIP
EOF

expect "a listed skip is per step" kunit-um "2 1 0" <<EOF
1..2
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.listed # SKIP no O_DIRECT\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "whole program skipped, listed" module-test "1 0 1" <<EOF
1..2
$(printf '1..1\nok 1 f.v.a\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..0 # SKIP needs root\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh # SKIP
EOF

# what issue 11 saw: every case skips, the harness exits 4
expect "all cases skipped is no pass" selftests-um "0 4 0" <<EOF
1..2
$(printf '1..3\n#      SKIP      no sharing\nok 1 f.v.a # SKIP no sharing\nok 2 f.v.b # SKIP no sharing\nok 3 f.v.c # SKIP no sharing\n# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:3 error:0\n' | prog p1)
ok 1 selftests: erofs: p1 # SKIP
$(printf '1..0 # SKIP no sharing\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh # SKIP
EOF

expect "nested plan mismatch" selftests-um "3 1 0" <<EOF
1..2
$(printf '1..3\nok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "missing nested plan" selftests-um "3 1 0" <<EOF
1..2
$(printf 'ok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "timeout counts once" selftests-um "2 1 0" <<EOF
1..2
$(printf '1..3\nok 1 f.v.a\n' | prog p1)
#
not ok 1 selftests: erofs: p1 # TIMEOUT 1200 seconds
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "failing case" selftests-um "2 1 0" <<EOF
1..2
$(printf '1..2\nok 1 f.v.a\nnot ok 2 f.v.b\n' | prog p1)
not ok 1 selftests: erofs: p1 # exit=1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "failing program, passing cases" selftests-um "3 1 0" <<EOF
1..2
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
not ok 1 selftests: erofs: p1 # exit=139
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
EOF

expect "guest died: runner plan, missing program" selftests-um "2 2 0" <<EOF
1..2
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
ok 1 selftests: erofs: p1
EOF

expect "unfinished program" selftests-um "1 3 0" <<EOF
1..2
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 1 selftests: erofs: p2.sh
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
EOF

expect "unlisted program" selftests-um "4 1 0" <<EOF
1..3
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
$(printf '1..1\nok 1 x\n' | prog p3)
ok 3 selftests: erofs: p3
EOF

expect_only() {
	local got
	got=$(python3 "$REPO/scripts/tap-summary.py" --tests "$tmp/tests" \
		--skips "$tmp/skips" --only p2.sh selftests-um 2>"$tmp/err") || true
	if [ "$got" = "$1" ]; then ok; else ko "--only: '$got', want '$1'"; cat "$tmp/err" >&2; fi
}
expect_only "1 0 0" <<EOF
1..1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 1 selftests: erofs: p2.sh
EOF

expect "module-test: two runs and module results" module-test "6 1 0" <<EOF
# kernel 6.12
ok 1 module: insmod erofs.ko
TAP version 13
1..2
$(printf '1..2\nok 1 f.v.a\nok 2 f.v.b\n' | prog p1)
ok 1 selftests: erofs: p1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 2 selftests: erofs: p2.sh
ok 2 module: rmmod erofs
not ok 3 module: insmod erofs.ko again
TAP version 13
1..1
$(printf '1..1\nok 1 x\n' | prog p2.sh)
ok 1 selftests: erofs: p2.sh
EOF

expect "empty log" selftests-um "0 2 0" </dev/null

# expect_kunit NAME STEP "PASSED FAILED SKIPPED" < JSON
expect_kunit() {
	local got
	cat >"$tmp/kunit.json"
	got=$(python3 "$REPO/scripts/kunit-summary.py" --tests "$tmp/tests" \
		--skips "$tmp/skips" "$2" "$tmp/kunit.json" 2>"$tmp/err") || true
	if [ "$got" = "$3" ]; then ok; else ko "$1: '$got', want '$3'"; cat "$tmp/err" >&2; fi
}
suite() {
	printf '{"name": "s", "sub_groups": [{"name": "s1", "test_cases": [%s], "sub_groups": [{"name": "c2", "test_cases": [{"name": "param 1", "status": "PASS"}, {"name": "param 2", "status": "%s"}]}]}%s]}' "$1" "$2" "${3:-}"
}
expect_kunit "kunit pass" kunit-um "3 0 0" <<<"$(suite '{"name": "c1", "status": "PASS"}' PASS)"
expect_kunit "kunit listed skip" kunit-um "2 0 1" <<<"$(suite '{"name": "c1", "status": "PASS"}' SKIP)"
expect_kunit "kunit unlisted skip" kunit-x86_64 "2 1 0" <<<"$(suite '{"name": "c1", "status": "PASS"}' SKIP)"
expect_kunit "kunit failure" kunit-um "2 1 0" <<<"$(suite '{"name": "c1", "status": "FAIL"}' PASS)"
expect_kunit "kunit unlisted suite" kunit-um "3 1 0" \
	<<<"$(suite '{"name": "c1", "status": "PASS"}' PASS ', {"name": "s9", "test_cases": []}')"
expect_kunit "kunit missing suite" kunit-um "0 1 0" <<<'{"name": "s", "sub_groups": []}'
expect_kunit "kunit no result" kunit-um "0 1 0" </dev/null

# the real lists: every selftest program and KUnit suite is listed, once
listed() { sed -n "s/^$1 //p" "$REPO/scripts/expected-tests" | sort; }
programs=$(python3 - "$REPO/tools/testing/selftests/erofs/Makefile" <<'EOF'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for m in re.finditer(r"^(TEST_PROGS|TEST_GEN_PROGS)\s*[:+]?=(.*)$", text, re.M):
    print("\n".join(m.group(2).split()))
EOF
)
if [ "$(sort <<<"$programs")" = "$(listed kselftest)" ]; then ok; else
	ko "scripts/expected-tests and the selftest Makefile list other programs:"
	diff <(sort <<<"$programs") <(listed kselftest) >&2 || true
fi
# and the selftests' .gitignore names every program the Makefile builds
built=$(python3 - "$REPO/tools/testing/selftests/erofs/Makefile" <<'EOF'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for m in re.finditer(r"^(TEST_GEN_PROGS|TEST_GEN_FILES)\s*[:+]?=(.*)$", text, re.M):
    print("\n".join(m.group(2).split()))
EOF
)
ignored=$(grep -v '^#' "$REPO/tools/testing/selftests/erofs/.gitignore" | sort)
if [ "$(sort <<<"$built")" = "$ignored" ]; then ok; else
	ko "tools/testing/selftests/erofs/.gitignore and the Makefile's built programs differ:"
	diff <(sort <<<"$built") <(echo "$ignored") >&2 || true
fi
suites=$(cd "$REPO/kunit" && ls -- *.kunitconfig | sed 's/\.kunitconfig$//' | sort)
if [ "$suites" = "$(listed kunit)" ]; then ok; else
	ko "scripts/expected-tests and kunit/*.kunitconfig list other suites:"
	diff <(echo "$suites") <(listed kunit) >&2 || true
fi
if python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import expected; expected.Skips("x"); expected.tests("kunit")' \
	"$REPO/scripts"; then ok; else ko "scripts/expected-skips or expected-tests does not parse"; fi

echo "tap-summary-test: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "$pass $fail 0" >"$RESULTS/tap-summary-test"
[ "$fail" -eq 0 ]
