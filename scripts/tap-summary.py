#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tap-summary.py STEP < LOG: print "PASSED FAILED SKIPPED" for the kselftest
TAP output of the make check step STEP (selftests-um, module-test...).

Every result a test program prints ("# ok 3 ...", nested one level by
run_kselftest.sh) counts once; a program without nested results counts
once.  A skip counts as skipped only when scripts/expected-skips lists it
for STEP ("PROGRAM:CASE", or "PROGRAM" for a program that skipped whole),
otherwise as failed.  One more failure each for: a program whose plan
("# 1..N") is missing or does not match the results it printed, a failing
program without a failing result, a runner plan ("1..N") that does not
match the programs that reported, a program of scripts/expected-tests
that did not report or one that reported without being listed, and a log
that counted nothing.  Other top-level results (module-guest.sh's) count
one by one.  Exits 1 when anything failed.

--only PROGRAM (repeatable): a run of these programs only, which must
all report, instead of every program of scripts/expected-tests.
Options for tests of this script: --tests FILE, --skips FILE."""
import argparse
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
import expected  # noqa: E402

RESULT = re.compile(r"^(not ok|ok)(?: (\d+))?(?: (.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)(.*)$")
PROGRAM = re.compile(r"^selftests: [^:]+: (\S+)$")


def parse(rest):
    """'name # DIRECTIVE reason' -> (name, DIRECTIVE in upper case, line)"""
    rest = rest or ""
    if rest.startswith("#"):
        name, directive = "", rest[1:]
    elif " #" in rest:
        name, directive = rest.split(" #", 1)
    else:
        name, directive = rest, ""
    directive = directive.strip()
    word = directive.split(" ", 1)[0].upper()
    return name.strip(), word, directive


class Counts:
    def __init__(self, skips):
        self.skips = skips
        self.passed = self.failed = self.skipped = 0

    def fail(self, why):
        print(f"tap-summary: {why}", file=sys.stderr)
        self.failed += 1

    def result(self, test, status, word, directive):
        if word == "SKIP":
            why = self.skips.reason(test)
            if why:
                self.skipped += 1
                print(f"tap-summary: {test} skipped as expected ({why})",
                      file=sys.stderr)
            else:
                self.fail(f"{test} skipped, not in expected-skips: {directive}")
        elif status == "ok" and word != "XPASS":
            self.passed += 1
        else:
            self.fail(f"{test} failed{': ' + directive if directive else ''}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step")
    ap.add_argument("--tests", default=expected.TESTS)
    ap.add_argument("--skips", default=expected.SKIPS)
    ap.add_argument("--only", action="append", default=[])
    args = ap.parse_args()
    c = Counts(expected.Skips(args.step, args.skips))
    want = args.only or expected.tests("kselftest", args.tests)
    seen = set()
    nested, plan = [], None         # of the program running now
    run_plan, run_seen = None, 0    # of run_kselftest.sh

    def run_end():
        if run_plan is not None and run_plan != run_seen:
            c.fail(f"runner plan 1..{run_plan} but {run_seen} programs reported")

    for line in sys.stdin:
        line = line.rstrip("\r\n")
        if line.startswith("# "):
            m = PLAN.match(line[2:])
            if m:
                if plan is not None:
                    c.fail(f"a second plan '{line}' in one program")
                plan = int(m.group(1))
                continue
            m = RESULT.match(line[2:])
            if m:
                nested.append((m.group(1),) + parse(m.group(3)))
            continue
        m = PLAN.match(line)
        if m:
            run_end()
            run_plan, run_seen = int(m.group(1)), 0
            continue
        m = RESULT.match(line)
        if not m:
            continue
        status = m.group(1)
        name, word, directive = parse(m.group(3))
        prog = PROGRAM.match(name)
        if not prog:
            if nested:
                c.fail(f"{len(nested)} results before '{line}' belong to no program")
            nested, plan = [], None
            c.result(name, status, word, directive)
            continue
        prog = prog.group(1)
        seen.add(prog)
        run_seen += 1
        if run_plan is None:
            c.fail(f"{prog} reported outside a runner plan")
        failed = c.failed
        for st, case, w, d in nested:
            c.result(f"{prog}:{case}", st, w, d)
        if plan is None:
            c.fail(f"{prog} printed no plan")
        elif plan != len(nested):
            c.fail(f"{prog}: plan 1..{plan} but {len(nested)} results")
        elif not nested and word == "SKIP":
            c.result(prog, status, word, directive)
        elif not nested:
            c.fail(f"{prog} ran no test")
        if status != "ok" and c.failed == failed:
            c.fail(f"{prog} failed: {directive or 'exit status'}")
        nested, plan = [], None
    run_end()
    if nested:
        c.fail(f"{len(nested)} results of a program that never finished")
    for prog in want:
        if prog not in seen:
            c.fail(f"{prog} (scripts/expected-tests) did not run")
    for prog in sorted(seen - set(want)):
        c.fail(f"{prog} ran but is not in scripts/expected-tests")
    if not c.passed + c.failed + c.skipped:
        c.fail("no test result at all")
    print(c.passed, c.failed, c.skipped)
    return 1 if c.failed else 0


sys.exit(main())
