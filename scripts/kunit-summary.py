#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kunit-summary.py JSON [SUITE...]: print "PASSED FAILED" for a kunit.py
--json result.  A skipped case proves nothing, so it counts as failed, and
so does every named SUITE that did not run."""
import json
import sys


def cases(test):
    for sub in test.get("sub_groups", []):
        yield from cases(sub)
    yield from test.get("test_cases", [])


def main():
    path, expected = sys.argv[1], sys.argv[2:]
    try:
        with open(path) as f:
            result = json.load(f)
    except (OSError, ValueError) as e:
        print(f"kunit: no result ({e})", file=sys.stderr)
        print(0, max(1, len(expected)))
        return 1
    passed = failed = 0
    for case in cases(result):
        status = case.get("status")
        if status == "PASS":
            passed += 1
        else:
            if status == "SKIP":
                print(f"kunit: {case.get('name')} was skipped", file=sys.stderr)
            failed += 1
    suites = {s["name"] for s in result.get("sub_groups", [])}
    for name in expected:
        if name not in suites:
            print(f"kunit: expected suite {name} did not run", file=sys.stderr)
            failed += 1
    print(passed, failed)
    return 1 if failed else 0


sys.exit(main())
