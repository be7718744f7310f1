#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The fault suite's guest side (tools/rnet/faults.sh runs it): provoke, one
# after the other, every class of kernel report that make check's console
# scan must turn into a failure, each after a marker line
#
#   rnet-fault: begin NAME
#
# so that the host can cut the console log into one piece per class. The
# first piece, "clean", provokes nothing. Every report waits until the
# kernel has printed it (or a timeout) before the next marker. The last
# one, BUG, oopses and so panics the guest (oops=panic): nothing runs after
# it. Triggers: LKDTM (warning, UBSAN, KASAN, hung task, soft lockup, BUG),
# the kmemleak sample module, and the rnet_fault_* sample modules: lockdep
# (a lock order inversion), atomic_sleep (a sleeping call under a spinlock),
# dma (a receive mapping kept past its binding; coherent memory freed
# with the wrong size; a mapping dropped while bound) and stall (a CPU held for some seconds
# with preemption off, which stalls RCU); e1000e_rust with its transmitter
# turned off under it (tx_timeout).

lkdtm=/sys/kernel/debug/provoke-crash/DIRECT

mark() { echo "rnet-fault: begin $1" > /dev/kmsg; echo "fault: $1"; }

# wait_report SECONDS TEXT: until the kernel log holds TEXT after the last
# marker.
wait_report() {
	local i=0
	while [ $i -lt $(($1 * 10)) ]; do
		dmesg | sed -n '/rnet-fault: begin/h; /rnet-fault: begin/!H; ${x;p}' |
			grep -q "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "fault: no \"$2\" within $1 s"
	return 1
}

has() { zcat /proc/config.gz | grep -qx "CONFIG_$1=y"; }

# failed WHY: the class's step found something wrong besides its report;
# the host fails the class (as for a module that cannot be loaded).
failed() {
	echo "fault: $*"
	echo "rnet-fault: failed: $*" > /dev/kmsg
}

# load MODULE [PARAM...]: load a fault module, saying so when it cannot be.
# The console log says so too, in the class's piece: the host fails the
# class then, whatever the piece holds (a module may provoke its report
# and still find something wrong, such as rnet_fault_dma).
load() {
	modprobe "$@" && return 0
	echo "fault: cannot load $1"
	echo "rnet-fault: cannot load $1" > /dev/kmsg
	return 1
}

modprobe lkdtm || { echo "fault: cannot load lkdtm"; exit 1; }
[ -w $lkdtm ] || { echo "fault: no $lkdtm"; exit 1; }

mark clean
sleep 1

# Lockdep first: the taint of any later report (a WARNING, KASAN) turns
# lock debugging off ("Disabling lock debugging due to kernel taint").
if has PROVE_LOCKING; then
	mark lockdep
	load rnet_fault_lockdep && wait_report 30 "possible circular locking"
fi

if has DEBUG_ATOMIC_SLEEP; then
	mark atomic_sleep
	load rnet_fault_atomic_sleep &&
		wait_report 10 "sleeping function called from invalid context"
fi

# The guest's /init has set dma-api/all_errors in the debug flavour.
if has DMA_API_DEBUG; then
	mark dma_api
	load rnet_fault_dma && wait_report 20 "DMA-API: .* pending DMA allocations"
	# What safe code cannot do: coherent memory freed with the wrong size.
	mark dma_unmap
	rmmod rnet_fault_dma || failed "cannot unload rnet_fault_dma"
	load rnet_fault_dma wrong_size=1 &&
		wait_report 10 "DMA-API: .* frees DMA memory with different size"
	rmmod rnet_fault_dma || failed "cannot unload rnet_fault_dma"
fi

# A mapping a driver dropped without undoing it: leaked, and said by the
# abstractions themselves (every flavour; in the debug one DMA-API
# debugging reports the leak at the unbind too).
mark dma_drop
load rnet_fault_dma drop_mapped=1 &&
	wait_report 10 "DMA-mapped buffer was dropped without unmapping"
rmmod rnet_fault_dma || failed "cannot unload rnet_fault_dma"
# The same for a transmit mapping, said in words of its own.
mark dma_drop_tx
load rnet_fault_dma drop_mapped=2 &&
	wait_report 10 "DMA-mapped transmit buffer was dropped without unmapping"

# A transmit queue the device no longer takes packets from: e1000e_rust's
# transmitter turned off under it (TCTL.EN cleared through the BAR),
# datagrams queued until the driver stops the queue, and after 5 s the
# stack's watchdog reports the queue and calls the driver's tx_timeout.
mark tx_timeout
if load e1000e_rust; then
	nic=$(ls -d /sys/bus/pci/drivers/e1000e_rust/0000:* 2>/dev/null | head -n 1)
	ifc=$(ls "$nic/net" 2>/dev/null)
	if [ -z "$ifc" ]; then
		echo "fault: no e1000e_rust interface"
	else
		ip link set "$ifc" up
		ip addr add 192.0.2.1/24 dev "$ifc"
		ip neigh replace 192.0.2.2 lladdr 02:00:00:00:00:99 dev "$ifc" nud permanent
		i=0
		while [ "$(cat "/sys/class/net/$ifc/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		regpoke "$nic/resource0" 0x400 0 0x2
		# Room in the sender's buffer for all 400: the driver must stop
		# the queue before the sender blocks (it blocks anyway, later:
		# its datagrams are freed only once sent).
		echo 4194304 > /proc/sys/net/core/wmem_default
		xfer udp-send 192.0.2.2 9 400 200 &
		wait_report 30 "NETDEV WATCHDOG"
		# The driver's tx_timeout ran (its own line, not the core's).
		wait_report 5 "e1000e_rust: $ifc: transmit queue 0 timed out" ||
			failed "e1000e_rust's tx_timeout did not run"
		regpoke "$nic/resource0" 0x400 0x2 0
		wait
		# The transmitter back on, the queue is woken and drains.
		i=0
		while [ "$(tc -s qdisc show dev "$ifc" | awk '$1 == "backlog" { print $3; exit }')" != 0p ] &&
			[ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		[ $i -lt 50 ] || failed "the queue did not drain once the transmitter was back"
		ip link set "$ifc" down
	fi
fi

mark warning
echo WARNING > $lkdtm
wait_report 10 "WARNING:"

mark ubsan
echo ARRAY_BOUNDS > $lkdtm
wait_report 10 "UBSAN:"

if has KASAN; then
	mark kasan
	echo READ_AFTER_FREE > $lkdtm
	wait_report 30 "KASAN:"
fi

if has DEBUG_KMEMLEAK; then
	mark kmemleak
	load kmemleak-test
	# kmemleak reports objects only once they are a few seconds old, and
	# only from the second scan that finds them unreferenced and unchanged
	# (no scan runs on its own: DEBUG_KMEMLEAK_AUTO_SCAN is off). The
	# module stays loaded until then, so that its leaks' stacks name it:
	# the DMA classes above leaked buffers too, which must not stand in.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	wait_report 60 "suspected memory leak" &&
		{ grep -qF "[kmemleak_test]" /sys/kernel/debug/kmemleak ||
			failed "kmemleak reported no object of kmemleak-test"; }
	rmmod kmemleak-test
fi

# RCU reports a CPU that passes no quiescent state for
# rcupdate.rcu_cpu_stall_timeout seconds (21 by default; the lowest, 3, from
# the next grace period on). With PROVE_RCU (debug) 5 s more. The module
# holds the CPU 12 s, less than the soft-lockup threshold (20 s; 120 s in
# the debug flavour, see tools/rnet/qemu.sh), so RCU's is the report.
mark rcu_stall
stall=/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
[ -w $stall ] || echo "fault: no $stall"
old=$(cat $stall)
echo 3 > $stall
load rnet_fault_stall &
wait_report 40 "detected stall"
wait
echo "$old" > $stall

mark hung_task
echo 2 > /proc/sys/kernel/hung_task_timeout_secs
echo HUNG_TASK > $lkdtm &
wait_report 60 "blocked for more than"

mark soft_lockup
echo 1 > /proc/sys/kernel/watchdog_thresh
# Takes one CPU for good.
echo SOFTLOCKUP > $lkdtm &
wait_report 60 "soft lockup"

mark bug
echo BUG > $lkdtm
# Not reached: the oops panics the guest.
echo "fault: BUG did not stop the guest"
exit 1
