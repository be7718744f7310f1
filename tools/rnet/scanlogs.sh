#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan guest console logs for kernel error reports; print one KTAP test per
# log (the first offending lines as diagnostics). Exit 1 if any log has one.

pattern='(Oops|BUG:|WARNING:|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected memory leak|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked|general protection fault|Kernel panic|RCU stall|rcu_sched self-detected|Call Trace:)'

echo "KTAP version 1"
echo "1..$#"
n=0 bad=0
for f in "$@"; do
	n=$((n + 1))
	name=$(basename "$f" .console.log)
	if [ ! -s "$f" ]; then
		echo "not ok $n console_clean_$name # empty log"
		bad=1
	elif hits=$(grep -aE "$pattern" "$f" | head -n 5) && [ -n "$hits" ]; then
		printf '%s\n' "$hits" | sed 's/^/# /'
		echo "not ok $n console_clean_$name"
		bad=1
	else
		echo "ok $n console_clean_$name"
	fi
done
exit $bad
