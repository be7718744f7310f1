#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan guest console logs for kernel error reports; print one KTAP test per
# log (the first offending lines as diagnostics). Exit 1 if any log has one,
# or if a log named on the command line is missing or empty: the caller names
# every log it expects, so a guest whose log is missing fails here.
#
#   scanlogs.sh LOG...

# What the kernel prints when it reports: tools/rnet/scan-patterns, one
# alternative per line.
patterns=$(grep -v '^#' "$(dirname "$0")/scan-patterns") ||
	{ echo "scanlogs.sh: no patterns in $(dirname "$0")/scan-patterns" >&2; exit 1; }
# RCU stalls print "rcu: INFO: rcu_sched self-detected stall on CPU" or
# "... detected stalls on CPUs/tasks:". DMA-API errors print
# "DMA-API: DRIVER DEVICE: MESSAGE" (kernel/dma/debug.c, err_printk) and a
# WARNING; its boot lines ("DMA-API: preallocated ...") do not match.
# Reports without a stack: a transmit queue the watchdog found stuck
# (netdev_crit), a device whose references unregister waits for
# (pr_emerg), rnet's own leaks of what it could not free safely, and
# console messages lost (a report may be among them).
pattern="($(printf '%s' "$patterns" | sed '/^$/d' | paste -sd'|'))"
# A pattern file that cannot work fails the run: carriage returns or a
# line of blanks in it, or an expression that matches an empty line (a
# blank alternative: every line would fail) or that grep rejects (status
# 2: every log would pass).
unusable() {
	printf '%s\n' "$patterns" | grep -qE $'\r|^[[:space:]]+$' && return 0
	echo | grep -qE "$pattern"
	[ $? != 1 ]
}
if unusable; then
	echo "scanlogs.sh: unusable patterns in $(dirname "$0")/scan-patterns" >&2
	exit 2
fi

echo "KTAP version 1"
echo "1..$#"
n=0 bad=0
for f in "$@"; do
	n=$((n + 1))
	name=$(basename "$f" .console.log)
	if [ ! -e "$f" ]; then
		echo "# $f: no such log (the guest did not run, or its log has another name)"
		echo "not ok $n console_clean_$name"
		bad=1
	elif [ ! -s "$f" ]; then
		echo "not ok $n console_clean_$name # empty log"
		bad=1
	elif hits=$(grep -aE "$pattern" "$f"); [ $? -gt 1 ]; then
		echo "not ok $n console_clean_$name # grep failed"
		bad=1
	elif hits=$(printf '%s\n' "$hits" | head -n 5) && [ -n "$hits" ]; then
		printf '%s\n' "$hits" | sed 's/^/# /'
		echo "not ok $n console_clean_$name"
		bad=1
	else
		echo "ok $n console_clean_$name"
	fi
done
exit $bad
