#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kunit-summary.py STEP JSON: print "PASSED FAILED SKIPPED" for a kunit.py
--json result of the make check step STEP (kunit-um...).  A skipped case
(SUITE.CASE, or SUITE.CASE.PARAM for a parameter) counts as skipped only
when scripts/expected-skips lists it for STEP, otherwise as failed.  Every
suite of scripts/expected-tests that did not run is one more failure, and
so are a suite that ran without being listed and a result with no case.
Exits 1 when anything failed.

Options for tests of this script: --tests FILE, --skips FILE."""
import argparse
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
import expected  # noqa: E402


def cases(test, prefix):
    for case in test.get("test_cases", []):
        yield f"{prefix}{case.get('name')}", case.get("status")
    for sub in test.get("sub_groups", []):
        yield from cases(sub, f"{prefix}{sub.get('name')}.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step")
    ap.add_argument("json")
    ap.add_argument("--tests", default=expected.TESTS)
    ap.add_argument("--skips", default=expected.SKIPS)
    args = ap.parse_args()
    skips = expected.Skips(args.step, args.skips)
    want = expected.tests("kunit", args.tests)
    try:
        with open(args.json) as f:
            result = json.load(f)
    except (OSError, ValueError) as e:
        print(f"kunit: no result ({e})", file=sys.stderr)
        print(0, max(1, len(want)), 0)
        return 1
    passed = failed = skipped = 0
    for name, status in cases(result, ""):
        if status == "PASS":
            passed += 1
        elif status == "SKIP" and skips.reason(name):
            print(f"kunit: {name} skipped as expected ({skips.reason(name)})",
                  file=sys.stderr)
            skipped += 1
        else:
            print(f"kunit: {name}: {status}"
                  f"{', not in expected-skips' if status == 'SKIP' else ''}",
                  file=sys.stderr)
            failed += 1
    suites = {s.get("name") for s in result.get("sub_groups", [])}
    for name in want:
        if name not in suites:
            print(f"kunit: suite {name} (scripts/expected-tests) did not run",
                  file=sys.stderr)
            failed += 1
    for name in sorted(suites - set(want)):
        print(f"kunit: suite {name} ran but is not in scripts/expected-tests",
              file=sys.stderr)
        failed += 1
    if not passed + failed + skipped:
        print("kunit: no test case at all", file=sys.stderr)
        failed += 1
    print(passed, failed, skipped)
    return 1 if failed else 0


sys.exit(main())
