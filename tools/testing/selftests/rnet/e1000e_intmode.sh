#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# e1000e_rust's other interrupt modes, chosen as with the C driver by the
# IntMode module parameter: 1 for a single MSI vector, 0 for a legacy INTx
# line (requested as shared; tools/rnet/qemu.sh puts both NICs on one).
# Either way one handler reads and clears every cause; traffic must be
# intact and reach the handler, and on the shared line each handler must
# leave the other NIC's interrupts alone. The driver is reloaded with each
# mode in turn, then without the parameter (MSI-X) for the scripts that
# follow.

. "$(dirname "$0")/lib.sh"

TESTS="intmode_msi intmode_intx intmode_intx_not_ours intmode_default intmode_msix_requeue"

# handler_count: interrupts delivered on the e1000e_rust lines, all CPUs.
handler_count() {
	awk '$NF == "e1000e_rust" { for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) t += $i }
	     END { print t + 0 }' /proc/interrupts
}

# bind_mode MODE KIND CHIP LINES: reload the driver with IntMode=MODE; both
# NICs must come up with a KIND interrupt ("Msi", "Intx"), on LINES lines
# of an interrupt chip whose /proc/interrupts name matches CHIP.
bind_mode() {
	local mode=$1 kind=$2 chip=$3 want=$4 start n lines
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
	[ "$lines" = "$want" ] || fail "$lines $chip lines named e1000e_rust, want $want"
}

# traffic: ping both ways, UDP and TCP, with interrupts reaching the
# handler, and claimed by it. The core counts an interrupt in
# /proc/interrupts before any handler says whether it was its own, so the
# unhandled counts tell: a few are expected with MSI (QEMU's throttling
# can deliver a message for causes the handler has already read, and the
# handler, finding none, says so), but a handler that did not claim its
# own interrupts would leave nearly all of them unhandled. Fewer than one
# in ten, on the lines whose last unhandled interrupt is new. The kernel's
# count starts again after 100 ms without one, so it is read around each
# transfer (each a steady stream).
traffic() {
	local i0 i1 n=0 t u0
	ping_all $NS_A 5 $IP_B && ping6_ba || return
	i0=$(handler_count)
	u0=$(lines_unhandled)
	udp_transfer 2000 64 || return
	t=$(unclaimed "$u0")
	diag "unhandled during the UDP transfer (line: count, last at ms): $u0 -> ${t#* }"
	n=$((n + ${t%% *}))
	u0=$(lines_unhandled)
	tcp_checked "$(bulk 20000000)" || return
	t=$(unclaimed "$u0")
	diag "unhandled during the TCP transfer: $u0 -> ${t#* }"
	n=$((n + ${t%% *}))
	i1=$(handler_count)
	diag "interrupts during the transfers: $((i1 - i0)), $n of them unhandled"
	[ $((i1 - i0)) -gt 0 ] || fail "no interrupt reached the handler" || return
	[ $((n * 10)) -lt $((i1 - i0)) ] ||
		fail "$n of $((i1 - i0)) interrupts during the transfers were claimed by no handler"
}

# unclaimed BEFORE: "N NOW", where NOW is lines_unhandled now and N the
# unhandled count summed over the lines whose last unhandled interrupt
# changed since BEFORE (an earlier lines_unhandled).
unclaimed() {
	local now
	now=$(lines_unhandled)
	printf '%s\n%s\n' "$1" "$now" | awk 'NR == 1 { for (i = 1; i < NF; i += 3) t[$i] = $(i + 2); next }
		{ for (i = 1; i < NF; i += 3) if (t[$i] != $(i + 2)) n += $(i + 1) }
		END { printf "%d ", n + 0 }'
	echo "$now"
}

intmode_msi() {
	bind_mode 1 Msi PCI-MSI 2 && traffic && itr_follows_load
}

# rx_itr NS IF: ITR, word 21 of IF's register dump: without MSI-X the
# receive throttling (netdev.rs, RxThrottle) is written there.
rx_itr() { nsexec "$1" ethtool -d "$2" raw on | od -An -tx4 -v | tr -s ' ' '\n' | sed '/^$/d' | sed -n 21p; }
rx_itr_is() { [ "$(rx_itr "$1" "$2")" = "$3" ]; }

# With one vector the throttling follows the load through ITR as it does
# through the receive vector's EITR with MSI-X (rust_rx_throttle): 0xc3
# (about 20000 interrupts/s) after six pings, 0x3d0 (about 4000/s) within
# a flood of 64-byte datagrams to B, 0xc3 again after six pings. The
# debug guest's flood can be too thin for a cycle of six frames: there a
# flood that never throttles is said, not failed.
itr_follows_load() {
	local w i seen=0 srv cli
	ping_all $NS_A 6 $IP_B > /tmp/.rnet_itr.out || { cat /tmp/.rnet_itr.out; return 1; }
	w=$(rx_itr $NS_B "$IF_B")
	[ "$w" = 000000c3 ] || fail "B's ITR after six pings: '$w', want 000000c3" || return
	iperf3_server_once $NS_B || return
	srv=$IPERF3_SRV
	nsexec $NS_A iperf3 -c $IP_B -u -l 64 -b 0 -t 4 > /tmp/.rnet_itr.out 2>&1 &
	cli=$!
	for i in $(seq 12); do
		sleep 0.25
		rx_itr_is $NS_B "$IF_B" 000003d0 && { seen=1; break; }
	done
	wait $cli
	kill $srv 2> /dev/null
	wait $srv 2> /dev/null
	diag "flood: B's ITR 0x3d0 seen: $seen, after $((i * 250)) ms"
	if [ $seen != 1 ] && [ "$RNET_FLAVOUR" = debug ]; then
		diag "debug flavour: the flood never made a cycle of six frames"
	else
		[ $seen = 1 ] || fail "B's ITR never reached 000003d0 under the flood" || return
	fi
	ping_all $NS_A 6 $IP_B > /tmp/.rnet_itr.out || { cat /tmp/.rnet_itr.out; return 1; }
	deadline 5 rx_itr_is $NS_B "$IF_B" 000000c3 ||
		fail "B's ITR after the flood and pings: '$(rx_itr $NS_B "$IF_B")', want 000000c3"
}

# Both NICs' handlers on one line: every interrupt calls both.
intmode_intx() {
	bind_mode 0 Intx IO-APIC 1 || return
	grep -q "IO-APIC.* e1000e_rust, e1000e_rust$" /proc/interrupts ||
		fail "the two NICs do not share their INTx line" || return
	traffic
}

# 82574L registers and the link status change cause.
ICR=0xc0 ICS=0xc8 IMS=0xd0 IMC=0xd8 LSC=0x4

# unhandled IRQ: "COUNT TIME" for the interrupts on line IRQ that every
# handler said were not theirs (IRQ_NONE): the kernel's count (which
# restarts after 100 ms without one) and when the last one came, in ms.
unhandled() {
	awk '$1 == "unhandled" { n = $2 } $1 == "last_unhandled" { t = $2 }
	     END { print n + 0, t + 0 }' /proc/irq/$1/spurious
}

# lines_unhandled: "IRQ: COUNT TIME" (as unhandled) for every line with an
# e1000e_rust handler.
lines_unhandled() {
	local irq
	for irq in $(awk '/ e1000e_rust$/ { sub(/:$/, "", $1); print $1 }' /proc/interrupts); do
		echo "$irq: $(unhandled $irq)"
	done | tr '\n' ' '
}

# An interrupt on the shared line that is neither NIC's: NIC B's interface
# is down (its handler freed) and, through its BAR, its device raises the
# line for a cause B's driver never enabled, then lowers it. A's handler
# finds no cause of its own and must say so: the kernel counts each such
# interrupt as unhandled. The handler runs on CPU 0, regpoke on CPU 1,
# which lowers the line again (a level-triggered line nobody claims fires
# until it is lowered). A's traffic goes on afterwards.
intmode_intx_not_ours() {
	local pa pb irq u0 u1 res
	set -- $(nic_pci_all)
	pa=$1 pb=$2
	irq=$(cat /sys/bus/pci/devices/$pa/irq)
	[ "$irq" = "$(cat /sys/bus/pci/devices/$pb/irq)" ] ||
		fail "NICs on lines $irq and $(cat /sys/bus/pci/devices/$pb/irq)" || return
	in_b ip link set "$IF_B" down || return
	grep -q "^ *$irq:.*IO-APIC[^,]* e1000e_rust$" /proc/interrupts ||
		fail "line $irq: not A's handler alone: $(grep "^ *$irq:" /proc/interrupts)" || return
	echo 0 > /proc/irq/$irq/smp_affinity_list || return
	res=/sys/bus/pci/devices/$pb/resource0
	u0=$(unhandled $irq)
	# The cause first (masked: nothing raised), then unmasked (raised),
	# masked again and cleared.
	taskset -c 1 regpoke $res -w $ICS=$LSC $IMS=$LSC $IMC=$LSC $ICR=0xffffffff ||
		fail "regpoke failed" || return
	u1=$(unhandled $irq)
	diag "line $irq: unhandled (count, last at ms) before: $u0; after: $u1"
	[ "${u1#* }" != "${u0#* }" ] && [ "${u1% *}" -gt 0 ] ||
		fail "A's handler claimed an interrupt that was not its own" || return
	# Up again, with the IPv6 address the down took.
	in_b ip link set "$IF_B" up || return
	in_b ip -6 addr replace $IP6_B/64 dev "$IF_B" nodad || return
	wait_for 10 link_up $NS_B "$IF_B" || fail "B's link did not come back" || return
	# The debug flavour, where intmode_intx ran the same transfers on this
	# line, pings only.
	if [ "$(cat /rnet/flavour 2> /dev/null)" = debug ]; then
		ping_all $NS_A 5 $IP_B && ping6_ba
	else
		traffic
	fi
}

# 82574L: CTRL_EXT and its IAME bit (an ICR read clears every cause), the
# MSI-X queue causes and the "other" cause.
CTRL_EXT=0x18 IAME=0x8000000 RXQ0=0x100000 TXQ0=0x400000 OTHER=0x1000000

# vec_count PCI NAME: interrupts delivered so far on the device's vector
# whose handler is NAME (e1000e_rust-rx, e1000e_rust-tx, or e1000e_rust
# for the other causes).
vec_count() {
	local irq t=0
	for irq in $(ls /sys/bus/pci/devices/$1/msi_irqs); do
		t=$((t + $(awk -v l="$irq:" -v name="$2" '$1 == l && $NF == name {
				for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i }
			END { print s + 0 }' /proc/interrupts)))
	done
	echo $t
}

# A queue cause pending while its vector is masked must outlive the "other"
# vector's handler, which reads ICR. On hardware where that read clears
# every cause (CTRL_EXT.IAME set: QEMU then clears them all) the handler
# must raise the queue causes it saw again (ICS), or the frame behind one
# waits in the ring for the next. Behind A's driver: IAME set and the
# receive cause masked. B sends one frame, which A's ring holds, not yet
# counted. The "other" vector then fires for a cause that needs no poll;
# the transmit cause A left pending must fire once unmasked; once the
# receive cause is unmasked, the frame must arrive, through the receive
# vector (whose count must move: a poll for a transmit completion
# of A's own would bring the frame in too). Another frame of B's
# (neighbour discovery, MLD) would bring it in anyway: a round in which A
# counts more than one frame is run again, up to three times.
intmode_msix_requeue() {
	local pa round=0 n
	set -- $(nic_pci_all)
	pa=$1
	static_neigh on || return
	while :; do
		round=$((round + 1))
		n=$(requeue_round $pa) || { static_neigh off; fail "$n"; return; }
		[ "$n" = 1 ] && break
		diag "round $round: A counted $n frames, not only the held one"
		[ $round -lt 3 ] || { static_neigh off; fail "other frames in every round"; return; }
	done
	static_neigh off
	ping_all $NS_A 3 $IP_B
}

# requeue_round PCI: one round of intmode_msix_requeue on A (at PCI); prints
# how many frames A counted (at least the held one), or what failed.
requeue_round() {
	local res=/sys/bus/pci/devices/$1/resource0 r0 i0 i1 v0 t0 ext err=
	# A sends: its transmit cause is left pending, masked (the driver
	# unmasks it only while packets are in flight, and QEMU sends them
	# during the doorbell write).
	in_a ping -c 1 -W 1 $IP_B > /dev/null
	r0=$(stat $NS_A "$IF_A" rx_packets)
	# CTRL_EXT as the driver set it, put back whatever happens below.
	ext=$(regpoke $res $CTRL_EXT) || { echo "regpoke failed"; return 1; }
	if ! regpoke $res -w $CTRL_EXT=$((ext | IAME)) $IMC=$RXQ0; then
		regpoke $res -w $CTRL_EXT=$ext $IMS=$RXQ0
		echo "regpoke failed"
		return 1
	fi
	# The receive vector cannot fire from here until the cause is unmasked.
	v0=$(vec_count $1 e1000e_rust-rx)
	in_b ping -c 1 -W 1 $IP_A > /dev/null
	if [ "$(stat $NS_A "$IF_A" rx_packets)" != "$r0" ]; then
		err="A received with its receive cause masked"
	else
		i0=$(vec_count $1 e1000e_rust)
		regpoke $res -w $ICS=$OTHER || err="regpoke failed"
		sleep 0.5
		i1=$(vec_count $1 e1000e_rust)
		echo "# A's other-cause interrupts: $i0 before the ICS write, $i1 after" >&2
		if [ "$i1" -le "$i0" ]; then
			err="no interrupt for the other cause"
		elif [ "$(stat $NS_A "$IF_A" rx_packets)" != "$r0" ]; then
			err="the other cause's handler polled the ring"
		else
			# The transmit cause the handler read must be pending
			# again: unmasked, it fires the transmit vector (whose
			# poll may take the held frame in; the receive vector
			# must still fire below), then masked again.
			t0=$(vec_count $1 e1000e_rust-tx)
			regpoke $res -w $IMS=$TXQ0 || err="regpoke failed"
			sleep 0.3
			regpoke $res -w $IMC=$TXQ0 || err="regpoke failed"
			[ "$(vec_count $1 e1000e_rust-tx)" -gt "$t0" ] ||
				err="${err:-the transmit cause the other handler read was lost}"
		fi
	fi
	regpoke $res -w $IMS=$RXQ0 $CTRL_EXT=$ext ||
		err="regpoke failed to restore IMS and CTRL_EXT"
	[ -z "$err" ] || { echo "$err"; return 1; }
	wait_for 2 rx_moved $NS_A "$IF_A" $r0 ||
		{ echo "the frame held while the receive cause was masked never arrived"; return 1; }
	[ "$(vec_count $1 e1000e_rust-rx)" -gt "$v0" ] ||
		{ echo "the frame arrived without a receive interrupt (another poll took it)"; return 1; }
	echo $(($(stat $NS_A "$IF_A" rx_packets) - r0))
}

# rx_moved NS IF N: IF's rx_packets is no longer N.
rx_moved() { [ "$(stat $1 "$2" rx_packets)" != "$3" ]; }

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
