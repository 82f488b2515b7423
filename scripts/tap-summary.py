#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tap-summary.py < LOG: print "PASSED FAILED" for kselftest TAP output.

Results nested one level inside a test program ("# ok 3 ...") are counted
one by one; a program without nested results counts once.  A program that
fails without a failing nested result counts as one more failure; skips
count as neither."""
import re
import sys

RESULT = re.compile(r"^((?:# )?)(not ok|ok) \d+ (.*)$")


def main():
    passed = failed = 0
    nested_pass = nested_fail = 0
    programs = 0
    for line in sys.stdin:
        m = RESULT.match(line.rstrip("\n"))
        if not m:
            continue
        indent, status, desc = m.groups()
        skip = "# SKIP" in desc.upper()
        if indent:
            if skip:
                continue
            if status == "ok":
                nested_pass += 1
            else:
                nested_fail += 1
            continue
        programs += 1
        if skip:
            pass
        elif nested_pass + nested_fail:
            passed += nested_pass
            failed += nested_fail
            if status != "ok" and not nested_fail:
                failed += 1
        elif status == "ok":
            passed += 1
        else:
            failed += 1
        nested_pass = nested_fail = 0
    if not programs:
        print("tap-summary: no test program reported", file=sys.stderr)
        failed += 1
    print(passed, failed)
    return 1 if failed else 0


sys.exit(main())
