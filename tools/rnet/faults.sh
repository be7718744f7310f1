#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault suite of make check: proves that each class of kernel report
# the console scan promises to catch does turn it red. One guest provokes
# them in turn (tools/rnet/guest/faults.sh); its console is cut at the
# "rnet-fault: begin NAME" markers and tools/rnet/scanlogs.sh, the same
# scan make check applies to the test guest, runs on each piece. Printed as
# KTAP, one test per class: a fault passes when the scan failed its piece,
# the piece holds the class's own report, and the scan fails on the lines of
# that report alone too (a piece also holds other lines, a call trace for
# one, that fail the scan by themselves); "clean" passes when the scan
# passed it. Which classes run depends on the flavour's kernel (KASAN,
# kmemleak, lockdep, sleeping in atomic context and DMA-API only in
# DEBUG=1).
#
#   faults.sh RESULTS-DIR

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

res=$1
console="$LOGDIR/faults-$FLAVOUR.console.log"
timeout=300
[ "$RNET_DEBUG" = 1 ] && timeout=1200
# The guest ends in a panic, by design: no exit status to check.
# No KUnit run at boot: the test guest ran it.
"$TOP/tools/rnet/qemu.sh" --name "faults-$FLAVOUR" --timeout $timeout --append kunit.enable=0 -- \
	'sh /rnet/faults.sh' > "$res/faults.out" 2>&1

# class:signature (an extended regular expression without spaces), in the
# guest's order.
classes="clean: dma_drop:DMA-mapped.buffer.was.dropped
	 dma_drop_tx:DMA-mapped.transmit.buffer.was.dropped tx_timeout:NETDEV.WATCHDOG
	 warning:WARNING: ubsan:UBSAN: rcu_stall:detected.stall
	 hung_task:blocked.for.more.than soft_lockup:soft.lockup bug:Oops"
if [ "$RNET_DEBUG" = 1 ]; then
	classes="clean: lockdep:possible.circular.locking
		 atomic_sleep:sleeping.function.called.from.invalid.context
		 dma_api:DMA-API:.*pending.DMA.allocations
		 dma_unmap:DMA-API:.*frees.DMA.memory.with.different.size
		 dma_drop:DMA-mapped.buffer.was.dropped
		 dma_drop_tx:DMA-mapped.transmit.buffer.was.dropped tx_timeout:NETDEV.WATCHDOG
		 warning:WARNING: ubsan:UBSAN:
		 kasan:KASAN: kmemleak:suspected.memory.leak rcu_stall:detected.stall
		 hung_task:blocked.for.more.than soft_lockup:soft.lockup bug:Oops"
fi

mkdir -p "$res/faults"
set -f	# the signatures are patterns, not file names
echo "KTAP version 1"
echo "1..$(echo $classes | wc -w)"
n=0 bad=0
for c in $classes; do
	n=$((n + 1))
	name=${c%%:*} sig=${c#*:}
	piece="$res/faults/$name.console.log"
	awk -v want="rnet-fault: begin $name" '
		/rnet-fault: begin / { on = (index($0, want) > 0 && substr($0, index($0, want) + length(want)) ~ /^[ \r]*$/) ; next }
		on' "$console" > "$piece" 2>/dev/null
	if ! grep -q "rnet-fault: begin $name\b" "$console" 2>/dev/null; then
		echo "# $name: never provoked (no marker in $console)"
		echo "not ok $n fault_$name"; bad=1; continue
	fi
	# An empty piece would make scanlogs fail for the wrong reason.
	[ -s "$piece" ] || echo "(empty)" > "$piece"
	"$TOP/tools/rnet/scanlogs.sh" "$piece" > "$piece.ktap"
	scan=$?
	if [ "$name" = clean ]; then
		if [ $scan = 0 ]; then
			echo "ok $n fault_clean"
		else
			sed -n 's/^# /# clean piece: /p' "$piece.ktap"
			echo "not ok $n fault_clean"; bad=1
		fi
		continue
	fi
	# The report's own lines, as a log of their own.
	grep -aE "$sig" "$piece" > "$res/faults/$name-report.console.log"
	if grep -qE "rnet-fault: (cannot load|failed)" "$piece"; then
		echo "# $name: $(grep -m1 -E "rnet-fault: (cannot load|failed)" "$piece" | sed 's/^\[[ 0-9.]*\] //')"
		echo "not ok $n fault_$name"; bad=1
	elif [ $scan = 0 ]; then
		echo "# $name: the console scan did not catch it"
		echo "not ok $n fault_$name"; bad=1
	elif ! grep -qE "$sig" "$piece"; then
		echo "# $name: the scan failed, but not on a $sig report:"
		sed 's/^/#   /' "$piece.ktap" | head -5
		echo "not ok $n fault_$name"; bad=1
	elif "$TOP/tools/rnet/scanlogs.sh" "$res/faults/$name-report.console.log" > /dev/null; then
		echo "# $name: the scan failed on other lines; its patterns miss the report itself:"
		sed 's/^/#   /' "$res/faults/$name-report.console.log" | head -3
		echo "not ok $n fault_$name"; bad=1
	else
		echo "# $name: $(grep -m1 -E "$sig" "$piece" | sed 's/^\[[ 0-9.]*\] //' | cut -c1-100)"
		echo "ok $n fault_$name"
	fi
done
exit $bad
