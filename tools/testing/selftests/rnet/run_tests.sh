#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the rnet selftests in the guest and print one KTAP document: one
# subtest per script, its own KTAP indented below it. Arguments select
# scripts by name; by default every script in TEST_PROGS runs.

dir=$(cd "$(dirname "$0")" && pwd)
progs=${*:-$(sed -n 's/^TEST_PROGS *[+:]*= *//p' "$dir/Makefile")}

echo "KTAP version 1"
echo "1..$(echo $progs | wc -w)"
n=0 failed=0
for p in $progs; do
	n=$((n + 1))
	sh "$dir/$p" > /tmp/.rnet_prog.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/.rnet_prog.out
	case $rc in
	0) echo "ok $n selftests: rnet: $p" ;;
	4) echo "ok $n selftests: rnet: $p # SKIP every test of it skipped" ;;
	*) echo "not ok $n selftests: rnet: $p # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
