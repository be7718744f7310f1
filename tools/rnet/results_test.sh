#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# results_test.sh KSRC: the counting of make check's results
# (tools/rnet/results.py) on made-up consoles whose right count is known.
# A KUnit run after the boot one (a module loading) that fails, or is cut
# short, must fail the run; a passing run is counted, in any of the files
# given for one suite; a guest whose exit
# status is not 0 fails the run whatever its KTAP says; a test that
# expected-tests lists and that did not run, or skipped, fails it, and so
# does a skip without a reason and a results file without KTAP. Prints what went
# wrong, one line per case; exits 1 if any case did.

set -u

KSRC=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/top/tools/rnet" "$tmp/top/rust/kernel"
printf 'kunit: boot_case\nkunit: mod_case\nselftests: t1\n' > "$tmp/top/tools/rnet/expected-tests"

# suite_doc SUITE CASE RESULT [PLAN]: a console's KTAP document of one
# suite with one case, as the kernel prints it (time stamps included).
suite_doc() {
	local plan=${4:-1}
	cat <<EOF
[    1.000000] KTAP version 1
[    1.000001] 1..1
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: $1
[    1.000004]     # module: $1
[    1.000005]     1..$plan
[    1.000006]     $3 1 $2
EOF
	[ "$plan" = 1 ] || return 0
	echo "[    1.000007] $3 1 $1"
}

fails=0
# check NAME WANT_STATUS WANT_LAST_LINE ARGS...: runs results.py on ARGS.
check() {
	local name=$1 want=$2 last=$3 rc got
	shift 3
	got=$(RNET_FLAVOUR=default RNET_PARTIAL= python3 "$TOP/tools/rnet/results.py" \
		"$KSRC" "$tmp/top" "$@" 2>&1)
	rc=$?
	if [ $rc != "$want" ] || [ "$(echo "$got" | tail -n 1)" != "$last" ]; then
		echo "$name: exit status $rc, last line \"$(echo "$got" | tail -n 1)\";" \
			"want $want and \"$last\""
		fails=1
	fi
}

ok_sel="KTAP version 1
1..1
ok 1 t1"
echo "$ok_sel" > "$tmp/sel.ktap"

{ suite_doc boot boot_case ok; echo "[    2.0] e1000e_rust: loading"; suite_doc mod mod_case ok; } > "$tmp/c1"
check later_run_counted 0 "3 passed, 0 failed, 0 skipped" kunit:"$tmp/c1" selftests:"$tmp/sel.ktap"

{ suite_doc boot boot_case ok; suite_doc mod mod_case "not ok"; } > "$tmp/c2"
check later_run_failing 1 "2 passed, 1 failed, 0 skipped" kunit:"$tmp/c2" selftests:"$tmp/sel.ktap"

{ suite_doc boot boot_case ok; suite_doc mod mod_case ok 2; } > "$tmp/c3"
check later_run_cut_short 1 "3 passed, 3 failed, 0 skipped" kunit:"$tmp/c3" selftests:"$tmp/sel.ktap"

check guest_status_counts 1 "3 passed, 1 failed, 0 skipped" --guest selftests:main:1 \
	kunit:"$tmp/c1" selftests:"$tmp/sel.ktap"

suite_doc boot boot_case ok > "$tmp/c4"
check expected_missing 1 "2 passed, 1 failed, 0 skipped" kunit:"$tmp/c4" selftests:"$tmp/sel.ktap"

# Skips: an expected test may not skip; any skip needs a reason.
printf 'KTAP version 1\n1..1\nok 1 t1 # SKIP no device\n' > "$tmp/skip1.ktap"
check expected_skipped 1 "2 passed, 1 failed, 1 skipped" kunit:"$tmp/c1" selftests:"$tmp/skip1.ktap"
printf 'KTAP version 1\n1..2\nok 1 t1\nok 2 t2 # SKIP\n' > "$tmp/skip2.ktap"
check skip_without_reason 1 "3 passed, 1 failed, 1 skipped" kunit:"$tmp/c1" selftests:"$tmp/skip2.ktap"
printf 'KTAP version 1\n1..2\nok 1 t1\nok 2 t2 # SKIP not here\n' > "$tmp/skip3.ktap"
check skip_with_reason 0 "3 passed, 0 failed, 1 skipped" kunit:"$tmp/c1" selftests:"$tmp/skip3.ktap"

# A results file without KTAP, and a boot run that fails.
echo "the guest printed nothing" > "$tmp/none.ktap"
check no_ktap 1 "2 passed, 2 failed, 0 skipped" kunit:"$tmp/c1" selftests:"$tmp/none.ktap"
{ suite_doc boot boot_case "not ok"; suite_doc mod mod_case ok; } > "$tmp/c5"
check boot_run_failing 1 "2 passed, 1 failed, 0 skipped" kunit:"$tmp/c5" selftests:"$tmp/sel.ktap"

# Two guests' files for one suite: counted together, an expected test may
# come from either, and a failure in the second counts.
printf 'KTAP version 1\n1..1\nok 1 t2\n' > "$tmp/sel2.ktap"
check two_files_expected 0 "4 passed, 0 failed, 0 skipped" kunit:"$tmp/c1" \
	selftests:"$tmp/sel2.ktap" selftests:"$tmp/sel.ktap"
check two_files_missing 1 "4 passed, 1 failed, 0 skipped" kunit:"$tmp/c1" \
	selftests:"$tmp/sel2.ktap" selftests:"$tmp/sel2.ktap"
printf 'KTAP version 1\n1..1\nnot ok 1 t2\n' > "$tmp/sel3.ktap"
check two_files_failing 1 "3 passed, 1 failed, 0 skipped" kunit:"$tmp/c1" \
	selftests:"$tmp/sel.ktap" selftests:"$tmp/sel3.ktap"
check two_consoles 1 "4 passed, 1 failed, 0 skipped" kunit:"$tmp/c1" kunit:"$tmp/c2" \
	selftests:"$tmp/sel.ktap"
# A test marked [each] must be in every file: a console without its boot
# run fails though the other has it.
printf 'kunit[each]: boot_case\nkunit: mod_case\nselftests: t1\n' > "$tmp/top/tools/rnet/expected-tests"
{ echo "[    2.0] e1000e_rust: loading"; suite_doc mod mod_case ok; } > "$tmp/c6"
check each_missing_in_one 1 "4 passed, 1 failed, 0 skipped" kunit:"$tmp/c1" kunit:"$tmp/c6" \
	selftests:"$tmp/sel.ktap"
check each_in_both 0 "5 passed, 0 failed, 0 skipped" kunit:"$tmp/c1" kunit:"$tmp/c1" \
	selftests:"$tmp/sel.ktap"
printf 'kunit[each,each]: boot_case\nselftests: t1\n' > "$tmp/top/tools/rnet/expected-tests"
check each_twice_not_understood 1 "3 passed, 1 failed, 0 skipped" kunit:"$tmp/c1" \
	selftests:"$tmp/sel.ktap"

exit $fails
