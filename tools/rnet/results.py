#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count test results for `make check`.

    results.py KSRC TOP NAME:FILE [NAME:FILE ...]

Each FILE holds KTAP (a console log with KUnit output, the guest selftests'
KTAP, or the host's static checks); it is parsed with the kernel's own
kunit_parser (tools/testing/kunit in KSRC), which prints the usual condensed
report. Leaf tests are counted; a FILE without KTAP counts as one failure.

Besides the totals, each suite's line says how many of its tests are
rnet's own: the kernel crate's doc-tests of files rnet adds under
rust/kernel (not upstream's), the driver's KUnit suite, every selftest but
those of the C e1000e (a reference peer), and the host tests.

TOP/tools/rnet/expected-tests lists, one "suite: test" per line (or
"suite[flavour]: test" for one flavour, $RNET_FLAVOUR), the tests that must
have run: a missing one is a failure, and so is a skip of one of
them. Any skip must state a reason ("# SKIP reason"). Suites named in
$RNET_PARTIAL (make check TESTS=...) are not checked for missing tests.

Prints a line per FILE and, last, "N passed, N failed, N skipped"; exits 1
if anything failed.
"""

import os
import re
import sys

SKIP_RE = re.compile(r'^\s*(?:\[[ 0-9.]*\]\s*)?(?:ok|not ok) [0-9]+ (?:- )?(\S+) # SKIP(.*)$')


def leaves(test, path=()):
    """Yields (path, leaf test) for every leaf below `test`."""
    if not test.subtests:
        yield path, test
        return
    for sub in test.subtests:
        yield from leaves(sub, path + (test.name,))


def own_doctest_names(top):
    """Name stems of the doc-tests of rnet's own files in rust/kernel."""
    stems = set()
    base = os.path.join(top, 'rust', 'kernel')
    for root, _, files in os.walk(base):
        for f in files:
            if f.endswith('.rs'):
                rel = os.path.relpath(os.path.join(root, f), base)
                stems.add('rust_doctest_kernel_' +
                          rel.replace('/', '_').replace('.', '_') + '_')
    return stems


def is_own(suite, path, name, stems):
    """Whether a leaf test is rnet's own (see the module doc)."""
    if suite == 'kunit':
        if name.startswith('rust_doctest_kernel_'):
            return any(name.startswith(s) and name[len(s):].isdigit()
                       for s in stems)
        return 'e1000e_rust' in path
    if suite == 'selftests':
        return not any('e1000e_c.sh' in p for p in path)
    return True


def main() -> int:
    ksrc, top = sys.argv[1], sys.argv[2]
    sys.path.insert(0, ksrc + '/tools/testing/kunit')
    import kunit_parser  # pylint: disable=import-outside-toplevel
    status = kunit_parser.TestStatus

    flavour = os.environ.get('RNET_FLAVOUR', 'default')
    expected = {}
    try:
        with open(os.path.join(top, 'tools/rnet/expected-tests')) as f:
            for line in f:
                line = line.split('#', 1)[0].strip()
                if line:
                    suite, name = (x.strip() for x in line.split(':', 1))
                    # "suite[flavour]": expected in that flavour only.
                    if '[' in suite:
                        suite, only = suite.rstrip(']').split('[', 1)
                        if only != flavour:
                            continue
                    expected.setdefault(suite, set()).add(name)
    except OSError as e:
        print(f'rnet: cannot read the expected tests: {e}')
        expected = None
    stems = own_doctest_names(top)
    # Suites run in part on purpose (make check TESTS=...): no missing tests.
    partial = set(os.environ.get('RNET_PARTIAL', '').split())

    passed = failed = skipped = 0
    rows = []
    problems = []
    for arg in sys.argv[3:]:
        name, path = arg.split(':', 1)
        try:
            with open(path, errors='replace') as f:
                lines = f.readlines()
        except OSError as e:
            rows.append(f'{name}: cannot read {path}: {e}')
            failed += 1
            continue
        try:
            test = kunit_parser.parse_run_tests(lines)
        except ValueError as e:
            rows.append(f'{name}: cannot parse {path}: {e}')
            failed += 1
            continue
        c = test.counts
        bad = c.failed + c.crashed + c.errors
        if test.status == status.FAILURE_TO_PARSE_TESTS:
            bad = max(bad, 1)

        own = [0, 0, 0]
        seen = set()
        for lpath, leaf in leaves(test):
            seen.add(leaf.name)
            if is_own(name, lpath, leaf.name, stems):
                if leaf.status == status.SUCCESS:
                    own[0] += 1
                elif leaf.status == status.SKIPPED:
                    own[2] += 1
                else:
                    own[1] += 1

        # Skips: every one needs a reason; an expected test may not skip.
        for line in lines:
            m = SKIP_RE.match(line)
            if not m:
                continue
            test_name, reason = m.group(1), m.group(2).strip()
            if not reason:
                problems.append(f'{name}: {test_name} skipped without a reason')
                bad += 1
            elif expected is not None and test_name in expected.get(name, ()):
                problems.append(f'{name}: {test_name} skipped ({reason}), '
                                'but it must run')
                bad += 1
            else:
                problems.append(f'{name}: {test_name} skipped: {reason}')

        missing = []
        if expected is None:
            bad += 1
        elif name in partial:
            pass
        else:
            missing = sorted(expected.get(name, set()) - seen)
            for m in missing:
                problems.append(f'{name}: {m} did not run')
            bad += len(missing)

        passed += c.passed
        failed += bad
        skipped += c.skipped
        rows.append(f'{name}: {c.passed} passed, {bad} failed, {c.skipped} skipped'
                    f' (rnet\'s own: {own[0]} passed, {own[1] + len(missing)} failed,'
                    f' {own[2]} skipped)')
    print()
    for p in problems:
        print('rnet: ' + p)
    for r in rows:
        print('rnet: ' + r)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
