#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rnet's own TCP suite, tcp_wire/*.pkt, run by rnet-drill in wire mode
# (Documentation/networking/rnet/rnet-drill.rst): the kernel under test
# talks through NIC A, driven by the driver under test, and rnet-drill
# plays the remote host with a packet socket on NIC B (the C e1000e) of
# the same QEMU hub, so every packet of every script crosses the driver
# under test, its checksum and segmentation offloads included. The suite
# runs over e1000e_rust, then over the C e1000e as the control; one KTAP
# point per script and driver, "tcp-wire: SCRIPT DRIVER". The control
# run exercises upstream's code alone: the debug flavour leaves it out.
#
# Both NICs sit in one network namespace, rnet-w, for the whole suite;
# B has no address and no IPv6, so that only rnet-drill answers for the
# remote host. rnet-drill adds the script's addresses to A at the start
# of a run and removes them at the end, after resetting the connection
# under test, so that nothing of one script reaches the next. A run that
# failed on timing errors alone runs again (three runs at most,
# drill_lib.sh). rnet-drill runs on CPU 0, with NIC A's interrupts.
#
# "// xfail: DRIVER: LINE: TEXT" in a script's first lines marks a
# failure known over DRIVER for a reason outside rnet (the lines below it
# say which): the run must fail on that line with that message, and the
# point fails when it passes.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/drill_lib.sh"

NS_W=rnet-w
dir=$(cd "$(dirname "$0")/tcp_wire" && pwd)
out=/tmp/.rnet_tcp_wire
rm -rf "$out"; mkdir -p "$out"
# Under KASAN each packet takes longer to cross both drivers.
tol=20000
drivers="e1000e_rust e1000e"
if [ "$(cat /rnet/flavour 2> /dev/null)" = debug ]; then
	tol=40000
	drivers=e1000e_rust
fi
# By hand: RNET_WIRE_DRIVERS and RNET_WIRE_SCRIPTS pick a part of the
# suite, RNET_WIRE_ARGS adds rnet-drill options (-v).
drivers=${RNET_WIRE_DRIVERS:-$drivers}

in_w() { nsexec $NS_W "$@"; }

# wire_setup DRIVER: NIC A on DRIVER, NIC B on the C e1000e, both in
# rnet-w and up (link up on both). Sets IF_A and IF_B.
wire_setup() {
	local pci_a pci_b
	wire_cleanup
	modprobe "$1" && modprobe e1000e || fail "cannot load $1 and e1000e" || return
	set -- "$1" $(nic_pci_all)
	pci_a=$2 pci_b=$3
	bind_nic "$pci_a" "$1" && bind_nic "$pci_b" e1000e || return
	wait_for 5 ifname_by_mac "" $MAC_A && wait_for 5 ifname_by_mac "" $MAC_B ||
		fail "no netdev for the NICs" || return
	ip netns add $NS_W || return
	ip link set "$(ifname_by_mac "" $MAC_A)" netns $NS_W || return
	ip link set "$(ifname_by_mac "" $MAC_B)" netns $NS_W || return
	IF_A=$(ifname_by_mac $NS_W $MAC_A)
	IF_B=$(ifname_by_mac $NS_W $MAC_B)
	[ "$(basename "$(in_w readlink "/sys/class/net/$IF_A/device/driver")")" = "$1" ] ||
		fail "NIC A ($IF_A) is not on $1" || return
	in_w ip link set lo up
	# No TCP metrics kept from one script's connection for the next one
	# to the same address (an RTT from the cache would move its RTO).
	in_w sysctl -q -w net.ipv4.tcp_no_metrics_save=1 || return
	in_w sh -c "echo 0 > /proc/sys/net/ipv6/conf/$IF_A/router_solicitations &&
		    echo 1 > /proc/sys/net/ipv6/conf/$IF_B/disable_ipv6" || return
	in_w ip link set "$IF_A" up && in_w ip link set "$IF_B" up || return
	wait_for 10 link_up $NS_W "$IF_A" && wait_for 10 link_up $NS_W "$IF_B" ||
		fail "link did not come up" || return
	# NIC A's interrupts on CPU 0, where rnet-drill runs: a packet the
	# runner saw arrive (wire.rs) has been through the stack before the
	# runner's next line, as the softirq that took it in runs first.
	pin_pair
	local irq n=0
	for irq in $(ls /sys/bus/pci/devices/$pci_a/msi_irqs 2> /dev/null); do
		n=$((n + 1))
		[ "$(cat /proc/irq/$irq/smp_affinity_list)" = 0 ] ||
			fail "NIC A's interrupt $irq is not on CPU 0" || return
	done
	[ $n -gt 0 ] || fail "NIC A has no MSI or MSI-X interrupts to pin" || return
}

# wire_cleanup: the NICs back in the init namespace, then rnet-w gone (a
# socket a script left behind may keep the namespace alive for a while;
# the NICs are out of it already).
wire_cleanup() {
	local m i
	if [ -e /run/netns/$NS_W ]; then
		i=$(ifname_by_mac $NS_W $MAC_B) && in_w ethtool -K "$i" gro on > /dev/null 2>&1
		for m in $MAC_A $MAC_B; do
			i=$(ifname_by_mac $NS_W $m) && in_w ip link set "$i" netns 1
		done
		ip netns del $NS_W
	fi
	return 0
}

scripts=${RNET_WIRE_SCRIPTS:-$(cd "$dir" && ls *.pkt)}
echo "KTAP version 1"
echo "1..$(( $(echo $scripts | wc -w) * $(echo $drivers | wc -w) ))"
n=0 failed=0
for drv in $drivers; do
	setup_ok=1
	if ! wire_setup $drv > "$out/setup" 2>&1; then
		sed 's/^/# /' "$out/setup"
		echo "# wire setup for $drv failed: its scripts fail"
		setup_ok=0
	fi
	for s in $scripts; do
		n=$((n + 1))
		t0=$(cut -d' ' -f1 /proc/uptime)
		want=$(sed -n "1,8s|^// xfail: $drv: ||p" "$dir/$s")
		if [ -z "$want" ]; then
			check='[ $rc = 0 ]'
		else
			check='[ $rc = 1 ] && failed_as "$s" "$want" "$out/run"'
		fi
		drill_try "$out/run" "$check" sh -c \
			'cd "$1" && exec nsexec "$2" taskset -c 0 rnet-drill --local_dev="$3" --peer_dev="$4" --tolerance_usecs="$5" $6 "$7"' \
			sh "$dir" $NS_W "$IF_A" "$IF_B" "$(script_tolerance "$dir/$s" $tol)" "${RNET_WIRE_ARGS:-}" "$s"
		ok=$?
		[ $setup_ok = 1 ] || ok=1
		took=$(awk -v a="$t0" '{ printf "%.1f s", $1 - a }' /proc/uptime)
		if [ $ok = 0 ]; then
			echo "# TEST: tcp-wire: $s $drv [ OK ] ($took)${want:+: failed as it must: $(head -n 1 "$out/run")}"
			echo "ok $n tcp-wire: $s $drv"
		else
			echo "# TEST: tcp-wire: $s $drv [FAIL] ($took), exit $rc${want:+, expected a failure with '$s:$want'}:"
			sed 's/^/# /' "$out/run"
			echo "not ok $n tcp-wire: $s $drv"
			failed=1
		fi
	done
done
wire_cleanup
rm -rf "$out"
exit $failed
