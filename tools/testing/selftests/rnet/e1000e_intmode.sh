#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# e1000e_rust's other interrupt modes, chosen as with the C driver by the
# IntMode module parameter: 1 for a single MSI vector, 0 for a legacy INTx
# line per NIC (requested as shared). Either way one handler reads and
# clears every cause; traffic must be intact and reach the handler. The
# driver is reloaded with each mode in turn, then without the parameter
# (MSI-X) for the scripts that follow.

. "$(dirname "$0")/lib.sh"

TESTS="intmode_msi intmode_intx intmode_default"

# handler_count: interrupts delivered on the e1000e_rust lines, all CPUs.
handler_count() {
	awk '$NF == "e1000e_rust" { for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) t += $i }
	     END { print t + 0 }' /proc/interrupts
}

# bind_mode MODE KIND CHIP: reload the driver with IntMode=MODE; both NICs
# must come up with a KIND interrupt ("Msi", "Intx"), one line each, on
# an interrupt chip whose /proc/interrupts name matches CHIP.
bind_mode() {
	local mode=$1 kind=$2 chip=$3 start n lines
	cleanup_pair
	rmmod e1000e_rust 2> /dev/null
	start=$(dmesg | wc -l)
	modprobe e1000e_rust IntMode="$mode" || fail "modprobe IntMode=$mode failed" || return
	[ "$(cat /sys/module/e1000e_rust/parameters/IntMode)" = "$mode" ] ||
		fail "IntMode reads $(cat /sys/module/e1000e_rust/parameters/IntMode)" || return
	setup_pair e1000e_rust e1000e_rust || return
	n=$(dmesg | tail -n +$((start + 1)) | grep -c "e1000e_rust: .* $kind interrupt")
	[ "$n" = 2 ] || fail "$n NICs bound with an $kind interrupt, want 2" || return
	grep ' e1000e_rust$' /proc/interrupts | sed 's/^/# /'
	lines=$(grep ' e1000e_rust$' /proc/interrupts | grep -c "$chip")
	[ "$lines" = 2 ] || fail "$lines $chip lines named e1000e_rust, want 2"
}

# traffic: ping both ways, UDP and TCP, with interrupts reaching the handler.
traffic() {
	local i0 i1
	ping_all $NS_A 5 $IP_B && ping6_ba || return
	i0=$(handler_count)
	udp_transfer 2000 64 || return
	tcp_checked "$(bulk 20000000)" || return
	i1=$(handler_count)
	diag "interrupts during the transfers: $((i1 - i0))"
	[ $((i1 - i0)) -gt 0 ] || fail "no interrupt reached the handler"
}

intmode_msi() {
	bind_mode 1 Msi PCI-MSI && traffic
}

intmode_intx() {
	bind_mode 0 Intx IO-APIC && traffic
}

# Back to the default for the scripts that follow: MSI-X, three vectors.
intmode_default() {
	local n
	cleanup_pair
	rmmod e1000e_rust 2> /dev/null
	modprobe e1000e_rust || return
	setup_pair e1000e_rust e1000e_rust || return
	n=$(grep -c 'e1000e_rust' /proc/interrupts)
	[ "$n" = 6 ] || fail "$n e1000e_rust lines, want 6 (3 MSI-X vectors per NIC)" || return
	ping_all $NS_A 3 $IP_B
}

cleanup() {
	cleanup_pair
}

ktap_run
