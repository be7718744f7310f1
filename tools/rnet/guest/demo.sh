#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` without CMD: show what rnet has in this kernel, working.

SELFTEST_DIR=/rnet/selftests
. /rnet/selftests/lib.sh

echo "== rnet guest: kernel $(uname -r) ($(cat /rnet/flavour) flavour)"
zcat /proc/config.gz | grep -E '^CONFIG_(RUST|E1000E|E1000E_RUST|IP_DCCP|IP_DCCP_RUST|KUNIT)=' |
	sed 's/^/   /'
echo "== KUnit at boot: $(dmesg | grep -cE '^\[ *[0-9.]+\]     ok [0-9]+ ') passed," \
	"$(dmesg | grep -cE '^\[ *[0-9.]+\]     not ok [0-9]+ ') failed"

echo "== rnet modules"
for m in rnet_minimal e1000e_rust dccp_rust; do
	if modprobe "$m" 2>/dev/null; then
		echo "   $m: loaded"
	else
		echo "   $m: not built in this tree yet"
	fi
done
rmmod rnet_minimal 2>/dev/null

drv=e1000e
[ -d /sys/bus/pci/drivers/e1000e_rust ] && drv=e1000e_rust
echo "== two 82574L NICs on one QEMU hub, driver $drv, one per netns"
if setup_pair $drv $drv; then
	in_a ip -br addr show dev "$IF_A" | sed "s/^/   $NS_A: /"
	in_b ip -br addr show dev "$IF_B" | sed "s/^/   $NS_B: /"
	echo "== ping $IP_A -> $IP_B"
	in_a ping -c 3 -i 0.2 $IP_B | tail -n 2 | sed 's/^/   /'
	echo "== 10 MB over TCP, checked byte for byte"
	tcp_transfer 10000000 | sed 's/^/   /'
	if modprobe dccp_rust 2>/dev/null; then
		echo "== DCCP (dccp_rust) across the NICs: echo, then 500 messages with CCID 2"
		: > /tmp/demo_dccp.out
		in_b dccpt echo-server 5001 > /tmp/demo_dccp.out &
		wait_for 3 grep -q . /tmp/demo_dccp.out
		in_a dccpt echo-client $IP_B 5001 20 1440 | sed 's/^/   client: /'
		wait
		tail -n 1 /tmp/demo_dccp.out | sed 's/^/   server: /'
		: > /tmp/demo_dccp.out
		in_b dccpt bulk-server 5002 > /tmp/demo_dccp.out &
		wait_for 3 grep -q . /tmp/demo_dccp.out
		in_a dccpt bulk-client $IP_B 5002 500 1400 | sed 's/^/   sender: /'
		wait
		tail -n 1 /tmp/demo_dccp.out | sed 's/^/   receiver: /'
		echo "== dccp_rust drop counters ($NS_B): $(in_b awk '/^drop_/ && $2 { printf "%s ", $0 }' \
			/proc/net/dccp_rust_stats)"
	fi
	echo "== driver counters ($NS_B)"
	in_b ip -s -br link show dev "$IF_B" 2>/dev/null | sed 's/^/   /' ||
		in_b ip -s link show dev "$IF_B" | sed 's/^/   /'
	cleanup_pair
	echo "== rnet demo done"
else
	echo "== could not set up the NIC pair"
	exit 1
fi
