# SPDX-License-Identifier: GPL-2.0
"""What make check expects: the tests that must run (scripts/expected-tests)
and the skips it accepts (scripts/expected-skips).  Imported by
tap-summary.py and kunit-summary.py; the formats are described at the top
of each file."""
import fnmatch
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "expected-tests")
SKIPS = os.path.join(HERE, "expected-skips")


def lines(path):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("#"):
                yield n, line


def tests(kind, path=TESTS):
    """names of KIND (kselftest or kunit) that must run"""
    names = []
    for n, line in lines(path):
        fields = line.split()
        if len(fields) != 2 or fields[0] not in ("kselftest", "kunit"):
            sys.exit(f"{path}:{n}: not 'kselftest NAME' or 'kunit NAME'")
        if fields[0] == kind:
            names.append(fields[1])
    return names


class Skips:
    """the accepted skips of one make check step"""

    def __init__(self, step, path=SKIPS):
        self.step = step
        self.rules = []
        for n, line in lines(path):
            fields = line.split(None, 2)
            if len(fields) != 3:
                sys.exit(f"{path}:{n}: not 'STEP TEST REASON'")
            self.rules.append(fields)

    def reason(self, test):
        """why TEST may skip in this step, or None"""
        for step, pattern, why in self.rules:
            if fnmatch.fnmatchcase(self.step, step) and \
                    fnmatch.fnmatchcase(test, pattern):
                return why
        return None
