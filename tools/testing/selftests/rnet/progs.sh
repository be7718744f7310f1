#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# progs.sh FLAVOUR: the scripts a run of every selftest takes in FLAVOUR,
# one per line, from this directory's Makefile: TEST_PROGS, less
# TEST_PROGS_DEFAULT_ONLY in the debug flavour. Both run_tests.sh (in
# the guest) and tools/rnet/check.sh (on the host) take their list here.

mk="$(dirname "$0")/Makefile"
list() { sed -n "s/^$1 *[+:]*= *//p" "$mk" | tr ' ' '\n' | grep -v '^$'; }
if [ "$1" = debug ]; then
	list TEST_PROGS | grep -vxF "$(list TEST_PROGS_DEFAULT_ONLY)"
else
	list TEST_PROGS
fi
