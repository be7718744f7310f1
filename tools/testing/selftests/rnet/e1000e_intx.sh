#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# e1000e_rust without MSI or MSI-X: make check boots a second guest with
# pci=nomsi for this script (it is not in TEST_PROGS). The driver falls
# back to one legacy INTx line per NIC, requested as shared, whose single
# handler reads and clears every cause; traffic must be intact and reach
# the handler.

. "$(dirname "$0")/lib.sh"

TESTS="intx_bind intx_ping intx_traffic"

intx_lines() { grep -c ' e1000e_rust$' /proc/interrupts; }

# intx_count: interrupts delivered on the e1000e_rust lines, all CPUs.
intx_count() {
	awk '$NF == "e1000e_rust" { for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) t += $i }
	     END { print t + 0 }' /proc/interrupts
}

intx_bind() {
	rmmod e1000e_rust 2> /dev/null
	local start n
	start=$(dmesg | wc -l)
	setup_pair e1000e_rust e1000e_rust || return
	n=$(dmesg | tail -n +$((start + 1)) | grep -c "e1000e_rust: .* Intx interrupt")
	[ "$n" = 2 ] || fail "$n NICs bound with an INTx interrupt, want 2" || return
	grep -q 'e1000e_rust' /proc/interrupts || fail "no e1000e_rust line in /proc/interrupts" || return
	grep 'e1000e_rust' /proc/interrupts | sed 's/^/# /'
	[ "$(intx_lines)" -ge 1 ] || fail "no interrupt line"
}

intx_ping() {
	ping_all $NS_A 5 $IP_B && ping6_ba
}

intx_traffic() {
	local i0 i1
	i0=$(intx_count)
	udp_transfer 2000 64 || return
	tcp_checked 20000000 || return
	i1=$(intx_count)
	diag "INTx interrupts during the transfers: $((i1 - i0))"
	[ $((i1 - i0)) -gt 0 ] || fail "no interrupt reached the handler"
}

cleanup() {
	cleanup_pair
}

ktap_run
