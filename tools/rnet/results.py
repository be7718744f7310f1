#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count test results for `make check`.

    results.py KSRC TOP [--guest SUITE:GUEST:STATUS ...] NAME:FILE [NAME:FILE ...]

Each FILE holds KTAP (a console log with KUnit output, the guest selftests'
KTAP, or the host's static checks); it is parsed with the kernel's own
kunit_parser (tools/testing/kunit in KSRC), which prints the usual condensed
report. Leaf tests are counted; a FILE without KTAP counts as one failure.

A console log holds one KTAP document per KUnit run: the boot run, and one
more each time a module with a KUnit suite loads. Every document is parsed
and counted; a document cut short (its plan not met, a result line missing)
counts its missing tests as failures. The suites of every document after the
first are renamed SUITE.runN, N counting that suite's runs, so that each run
has its own name in the report. A module's document that only says "kunit:
disabled" is no run and is left out.

--guest SUITE:GUEST:STATUS adds one test, "guest_exit", to SUITE: it
passes when the guest GUEST exited with status 0 (the guest's /init reports
the status of its command), and fails otherwise, so that the last line
agrees with the guests' exit statuses.

Besides the totals, each suite's line says how many of its tests are
rnet's own: the kernel crate's doc-tests of files rnet adds under
rust/kernel (not upstream's), the driver's and dccp_rust's KUnit suites,
every selftest but those of the C e1000e (a reference peer), the host
tests and the guests' exit statuses.

TOP/tools/rnet/expected-tests lists, one "suite: test" per line (or
"suite[flavour]: test" for one flavour, $RNET_FLAVOUR; "suite[each]: test",
or "suite[flavour,each]", for a test that must have run in every file
given for the suite, such as the end of each guest), the tests that must
have run: a missing one is a failure, and so is a skip of one of
them. Any skip must state a reason ("# SKIP reason"). Suites named in
$RNET_PARTIAL (make check TESTS=...) are not checked for missing tests.

Several FILEs may share a NAME (the two guests that run the selftests
side by side, each with its console's KUnit runs): they are counted as one
suite, and a test expected in it must have run in one of them.

Prints a line per suite and, last, "N passed, N failed, N skipped"; exits 1
if anything failed.
"""

import os
import re
import sys

# A test's name may hold spaces ("packetdrill: SCRIPT ipv4").
SKIP_RE = re.compile(r'^\s*(?:\[[ 0-9.]*\]\s*)?(?:ok|not ok) [0-9]+ (?:- )?(.+?) # SKIP(.*)$')
# printk's time stamp, as a console log carries it (CONFIG_PRINTK_TIME).
STAMP_RE = re.compile(r'^\[\s*[0-9]+\.[0-9]+\] ?')
# The first line of a top-level KTAP document (a nested one is indented).
DOC_START_RE = re.compile(r'^K?TAP version [0-9]+$')
# A suite of a document: its header and its result line (top level).
SUITE_HEADER_RE = re.compile(r'^    # Subtest: (\S+)$')
SUITE_RESULT_RE = re.compile(r'^(ok|not ok) ([0-9]+) (- )?(\S+)( # .*)?$')

GUEST_STATUS = {
    '124': 'timed out',
    '125': 'died without an exit status (panic or crash)',
}


def leaves(test, path=()):
    """Yields (path, leaf test) for every leaf below `test`."""
    if not test.subtests:
        yield path, test
        return
    for sub in test.subtests:
        yield from leaves(sub, path + (test.name,))


def documents(lines):
    """Splits a file into its top-level KTAP documents.

    Returns a list of (line number, lines): each document runs from its
    version line to the next document's, the first one also holds what
    comes before it. Time stamps are removed, so that nested documents keep
    their indentation.
    """
    docs = []
    head = []
    for num, raw in enumerate(lines, 1):
        line = STAMP_RE.sub('', raw.rstrip('\r\n'))
        if DOC_START_RE.match(line.rstrip()):
            docs.append((num, head + [line]))
            head = []
        elif docs:
            docs[-1][1].append(line)
        else:
            head.append(line)
    return docs


def disabled_run(doc):
    """Whether a document only says that KUnit is off (kunit.enable=0)."""
    for line in doc[1:]:
        if SUITE_HEADER_RE.match(line.rstrip()):
            return False
        if line.strip() == 'kunit: disabled':
            return True
    return False


def rename_runs(doc, runs):
    """Renames each suite of a later document SUITE.runN (see the doc)."""
    names = {}
    for line in doc:
        m = SUITE_HEADER_RE.match(line.rstrip())
        if m and m.group(1) not in names:
            runs[m.group(1)] = runs.get(m.group(1), 0) + 1
            names[m.group(1)] = f'{m.group(1)}.run{runs[m.group(1)]}'
    out = []
    for line in doc:
        bare = line.rstrip()
        m = SUITE_HEADER_RE.match(bare)
        if m:
            line = f'    # Subtest: {names[m.group(1)]}'
        else:
            m = SUITE_RESULT_RE.match(bare)
            if m and m.group(4) in names:
                line = (f'{m.group(1)} {m.group(2)} {m.group(3) or ""}'
                        f'{names[m.group(4)]}{m.group(5) or ""}')
        out.append(line)
    return out


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
        return any(p.startswith(('e1000e_rust', 'dccp_rust')) for p in path)
    if suite == 'selftests':
        return not any('e1000e_c.sh' in p for p in path)
    return True


def main() -> int:
    ksrc, top = sys.argv[1], sys.argv[2]
    sys.path.insert(0, ksrc + '/tools/testing/kunit')
    import kunit_parser  # pylint: disable=import-outside-toplevel
    status = kunit_parser.TestStatus

    args = sys.argv[3:]
    guests = {}
    files = []
    while args:
        arg = args.pop(0)
        if arg == '--guest' and args:
            suite, guest, code = args.pop(0).rsplit(':', 2)
            guests.setdefault(suite, []).append((guest, code))
        else:
            files.append(arg)

    flavour = os.environ.get('RNET_FLAVOUR', 'default')
    expected = {}
    # Of those, the tests that every file of the suite must hold.
    each = {}
    # A line naming no known suite or flavour would expect nothing: it
    # fails the run instead of dropping its test.
    suites = {'static', 'hosttest', 'kunit', 'selftests', 'interop', 'faults',
              'consoles'}
    bad_lines = []
    try:
        with open(os.path.join(top, 'tools/rnet/expected-tests')) as f:
            for line in f:
                line = line.split('#', 1)[0].strip()
                if line:
                    suite, _, name = (x.strip() for x in line.partition(':'))
                    marks = []
                    # "suite[flavour]": expected in that flavour only;
                    # "each": in every file of the suite.
                    if suite.endswith(']') and '[' in suite:
                        suite, rest = suite[:-1].split('[', 1)
                        marks = rest.split(',')
                    flavours = [m for m in marks if m != 'each']
                    if suite not in suites or not name or len(flavours) > 1 \
                            or any(m not in ('default', 'debug', 'each') for m in marks) \
                            or len(set(marks)) != len(marks):
                        bad_lines.append(line)
                        continue
                    if flavours and flavours[0] != flavour:
                        continue
                    expected.setdefault(suite, set()).add(name)
                    if 'each' in marks:
                        each.setdefault(suite, set()).add(name)
    except OSError as e:
        print(f'rnet: cannot read the expected tests: {e}')
        expected = None
    stems = own_doctest_names(top)
    # Suites run in part on purpose (make check TESTS=...): no missing tests.
    partial = set(os.environ.get('RNET_PARTIAL', '').split())

    passed = failed = skipped = 0
    rows = []
    problems = [f'expected-tests: line not understood: {line}' for line in bad_lines]
    failed += len(bad_lines)
    # The files of each suite, in the order the suites were first named.
    by_suite = {}
    for arg in files:
        name, path = arg.split(':', 1)
        by_suite.setdefault(name, []).append(path)
    for name, paths in by_suite.items():
        sp = sb = ss = 0
        own = [0, 0, 0]
        seen = set()

        # The guests' exit statuses: one test each.
        for guest, code in guests.pop(name, []):
            seen.add('guest_exit')
            if code == '0':
                sp += 1
                own[0] += 1
            else:
                why = GUEST_STATUS.get(code, 'failed')
                problems.append(f'{name}: guest_exit: the guest {guest} {why} '
                                f'(exit status {code})')
                sb += 1
                own[1] += 1

        for path in paths:
            lines = None
            try:
                with open(path, errors='replace') as f:
                    lines = f.readlines()
            except OSError as e:
                problems.append(f'{name}: cannot read {path}: {e}')
                sb += 1

            docs = documents(lines) if lines is not None else []
            if lines is not None and not docs:
                # Let the parser say that there is no KTAP at all.
                docs = [(1, [line.rstrip('\r\n') for line in lines])]
            runs = {}
            file_seen = set()
            # Which file, when the suite has more than one.
            where = f' of {os.path.basename(path)}' if len(paths) > 1 else ''
            for num, (start, doc) in enumerate(docs, 1):
                if num > 1:
                    if disabled_run(doc):
                        problems.append(f'{name}: KTAP document {num} (line {start})'
                                        f'{where}: KUnit disabled, not counted')
                        continue
                    doc = rename_runs(doc, runs)
                else:
                    for line in doc:
                        m = SUITE_HEADER_RE.match(line.rstrip())
                        if m:
                            runs[m.group(1)] = runs.get(m.group(1), 0) + 1
                try:
                    test = kunit_parser.parse_run_tests(doc)
                except ValueError as e:
                    problems.append(f'{name}: cannot parse KTAP document {num} '
                                    f'(line {start}) of {path}: {e}')
                    sb += 1
                    continue
                c = test.counts
                bad = c.failed + c.crashed + c.errors
                if test.status == status.FAILURE_TO_PARSE_TESTS:
                    bad = max(bad, 1)
                if bad and len(docs) > 1:
                    which = [f'{".".join(p[1:] + (leaf.name or "<missing>",))}'
                             for p, leaf in leaves(test) if not leaf.ok_status()]
                    more = f' ({", ".join(which[:5])}{", ..." if len(which) > 5 else ""})'
                    problems.append(f'{name}: KTAP document {num} (line {start}){where}: '
                                    f'{bad} failed, crashed or missing'
                                    f'{more if which else ""}')
                sp += c.passed
                sb += bad
                ss += c.skipped

                for lpath, leaf in leaves(test):
                    seen.add(leaf.name)
                    file_seen.add(leaf.name)
                    if is_own(name, lpath, leaf.name, stems):
                        if leaf.status == status.SUCCESS:
                            own[0] += 1
                        elif leaf.status == status.SKIPPED:
                            own[2] += 1
                        else:
                            own[1] += 1

            # With more than one file, the tests each of them must hold
            # (with one, the check below covers them).
            if len(paths) > 1 and expected is not None and name not in partial:
                for m in sorted(each.get(name, set()) - file_seen):
                    problems.append(f'{name}: {m} did not run in {os.path.basename(path)}')
                    sb += 1

            # Skips: every one needs a reason; an expected test may not skip.
            for line in lines or []:
                m = SKIP_RE.match(line)
                if not m:
                    continue
                test_name, reason = m.group(1), m.group(2).strip()
                if not reason:
                    problems.append(f'{name}: {test_name} skipped without a reason')
                    sb += 1
                elif expected is not None and test_name in expected.get(name, ()):
                    problems.append(f'{name}: {test_name} skipped ({reason}), '
                                    'but it must run')
                    sb += 1
                else:
                    problems.append(f'{name}: {test_name} skipped: {reason}')

        missing = []
        if expected is None:
            sb += 1
        elif name in partial:
            pass
        else:
            missing = sorted(expected.get(name, set()) - seen)
            for m in missing:
                problems.append(f'{name}: {m} did not run')
            sb += len(missing)

        passed += sp
        failed += sb
        skipped += ss
        rows.append(f'{name}: {sp} passed, {sb} failed, {ss} skipped'
                    f' (rnet\'s own: {own[0]} passed, {own[1] + len(missing)} failed,'
                    f' {own[2]} skipped)')
    # A suite whose results file was not given ran none of its tests.
    given = {arg.split(':', 1)[0] for arg in files}
    for name in sorted(set(expected or {}) - given - partial):
        for m in sorted(expected[name]):
            problems.append(f'{name}: {m} did not run (no results)')
            failed += 1
    # A guest status given for a suite without a file still counts.
    for name, entries in guests.items():
        for guest, code in entries:
            if code == '0':
                passed += 1
            else:
                failed += 1
                problems.append(f'{name}: guest_exit: the guest {guest} '
                                f'{GUEST_STATUS.get(code, "failed")} (exit status {code})')
    print()
    for p in problems:
        print('rnet: ' + p)
    for r in rows:
        print('rnet: ' + r)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
