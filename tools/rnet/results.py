#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count test results for `make check`.

    results.py KSRC NAME:FILE [NAME:FILE ...]

Each FILE holds KTAP (a console log with KUnit output, the guest selftests'
KTAP, or the host's static checks); it is parsed with the kernel's own
kunit_parser (tools/testing/kunit in KSRC), which prints the usual condensed
report. Leaf tests are counted; a FILE without KTAP counts as one failure.
Prints a line per FILE and, last, "N passed, N failed, N skipped"; exits 1
if anything failed.
"""

import sys


def main() -> int:
    ksrc = sys.argv[1]
    sys.path.insert(0, ksrc + '/tools/testing/kunit')
    import kunit_parser  # pylint: disable=import-outside-toplevel

    passed = failed = skipped = 0
    rows = []
    for arg in sys.argv[2:]:
        name, path = arg.split(':', 1)
        try:
            with open(path, errors='replace') as f:
                lines = f.readlines()
        except OSError as e:
            rows.append(f'{name}: cannot read {path}: {e}')
            failed += 1
            continue
        test = kunit_parser.parse_run_tests(lines)
        c = test.counts
        bad = c.failed + c.crashed + c.errors
        if test.status == kunit_parser.TestStatus.FAILURE_TO_PARSE_TESTS:
            bad = max(bad, 1)
        passed += c.passed
        failed += bad
        skipped += c.skipped
        rows.append(f'{name}: {c.passed} passed, {bad} failed, {c.skipped} skipped')
    print()
    for r in rows:
        print('rnet: ' + r)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
