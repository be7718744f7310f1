#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the rnet selftests in the guest and print one KTAP document: one
# subtest per script, its own KTAP indented below it. Arguments select
# scripts by name; by default every script in TEST_PROGS runs. The last
# subtest, guest_end, ends the guest's testing (lib.sh, end_tests): every
# driver unloaded and, in the debug flavour, no DMA-API error and no
# kmemleak report.

dir=$(cd "$(dirname "$0")" && pwd)
# The debug flavour leaves out the Makefile's TEST_PROGS_DEFAULT_ONLY
# unless they are asked for by name (progs.sh).
progs=${*:-$(sh "$dir/progs.sh" "$(cat /rnet/flavour 2> /dev/null)")}
if [ -z "$(echo $progs)" ]; then
	echo "run_tests.sh: no scripts to run (progs.sh printed none)" >&2
	exit 1
fi

# result N NAME RC: the KTAP line of one subtest from its kselftest code.
result() {
	case $3 in
	0) echo "ok $1 selftests: rnet: $2" ;;
	4) echo "ok $1 selftests: rnet: $2 # SKIP every test of it skipped" ;;
	*) echo "not ok $1 selftests: rnet: $2 # exit=$3"; failed=1 ;;
	esac
}

echo "KTAP version 1"
echo "1..$(($(echo $progs | wc -w) + 1))"
n=0 failed=0
for p in $progs; do
	n=$((n + 1))
	sh "$dir/$p" > /tmp/.rnet_prog.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/.rnet_prog.out
	result $n "$p" $rc
done

n=$((n + 1))
(
	SELFTEST_DIR=$dir
	. "$dir/lib.sh"
	TESTS=$(end_tests)
	ktap_run
) > /tmp/.rnet_prog.out 2>&1
rc=$?
sed 's/^/    /' /tmp/.rnet_prog.out
result $n guest_end $rc
# /init need not repeat the end checks.
mkdir -p /run/rnet && : > /run/rnet/end-done
exit $failed
