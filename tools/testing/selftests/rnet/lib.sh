# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the rnet selftests, sourced by each test script. A script
# defines one function per test, lists them in TESTS and ends with
# `ktap_run`. Output is KTAP (plus net-selftest style "TEST: ... [ OK ]"
# diagnostics); the exit code follows kselftest: 0 pass, 1 fail, 4 skip.
#
# The guest has two 82574L NICs on one internal QEMU hub, with the MAC
# addresses below. setup_pair puts one in each of two netns, so that traffic
# between the netns crosses both drivers and the emulated wire.

ksft_pass=0
ksft_fail=1
ksft_skip=4

MAC_A=52:54:00:00:00:01
MAC_B=52:54:00:00:00:02
NS_A=rnet-a
NS_B=rnet-b
IP_A=198.51.100.1
IP_B=198.51.100.2
IP6_A=2001:db8::1
IP6_B=2001:db8::2

if [ -z "${SELFTEST_DIR:-}" ]; then
	SELFTEST_DIR=$(cd "$(dirname "$0")" && pwd)
	[ -f "$SELFTEST_DIR/lib.sh" ] || SELFTEST_DIR=/rnet/selftests
fi
PATH=$SELFTEST_DIR:$PATH

KMEMLEAK=/sys/kernel/debug/kmemleak
DMA_API=/sys/kernel/debug/dma-api

# bulk BYTES: how much a bulk transfer moves: BYTES, or a fifth in the
# debug flavour, whose guests run 3-5 times slower. The same code paths
# run either way; only the volume differs.
bulk() {
	if [ "$(cat /rnet/flavour 2>/dev/null)" = debug ]; then
		echo $(($1 / 5))
	else
		echo "$1"
	fi
}

# field NAME LINE: the word after NAME in LINE.
field() {
	echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# echo_want N MAX: what dccpt echo-server prints after dccpt echo-client N MAX.
echo_want() {
	awk -v n=$1 -v m=$2 'BEGIN { for (i = 0; i < n - 1; i++) s += 1 + (i * 131) % m
		printf "echoed %d messages %d bytes\n", n + 10, s + m + 828 + 104 }'
}

# echo_line MPS N: what dccpt echo-client N MPS prints.
echo_line() {
	echo "mps $1 echo $2 ok burst ok short read 10 truncated, then 4 next big: errno 90 (Message too long)"
}

# Print a diagnostic line (KTAP comment).
diag() { echo "# $*"; }

# loaded MODULE: whether MODULE is loaded.
loaded() { grep -q "^$1 " /proc/modules; }

# Fail the current test with a message; returns 1 so `|| return` chains work.
fail() { diag "$*"; return 1; }

skip() { _skip_reason=$*; return $ksft_skip; }

# The guest's flavour, read once.
RNET_FLAVOUR=$(cat /rnet/flavour 2> /dev/null)

# uptime_cs: the time since boot in hundredths of a second.
uptime_cs() {
	local up rest
	read -r up rest < /proc/uptime
	echo $(( ${up%.*} * 100 + 1${up#*.} - 100 ))
}

# poll_until CS CMD...: poll CMD every 0.1 s until it succeeds; give up
# after CS hundredths of a second.
poll_until() {
	local end=$(( $(uptime_cs) + $1 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(uptime_cs)" -lt $end ] || return 1
		sleep 0.1
	done
}

# wait_for SECONDS CMD...: wait for something to get ready (a link, a
# server, an unload): poll CMD until it succeeds, giving up after SECONDS
# of time, 1.5 times that in the default flavour and 3 times in the debug
# one. (A limit counted in polls stretched with the cost of CMD: 2.5 times
# SECONDS in the debug flavour for a CMD that entered a namespace through
# ip netns exec. These factors keep at least that.)
wait_for() {
	local f=150 s=$1
	shift
	[ "$RNET_FLAVOUR" = debug ] && f=300
	poll_until $(( s * f )) "$@"
}

# deadline SECONDS CMD...: CMD must succeed within SECONDS (1.5 times that
# in the slower debug flavour): for a bound that is the point of a check,
# such as the end of TIMEWAIT.
deadline() {
	local f=100 s=$1
	shift
	[ "$RNET_FLAVOUR" = debug ] && f=150
	poll_until $(( s * f )) "$@"
}

# PCI addresses of the 82574L functions, in slot order.
nic_pci_all() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ] &&
			basename "$d"
	done
}

# Name of the driver bound to PCI device $1, or nothing.
nic_driver() {
	local l=/sys/bus/pci/devices/$1/driver
	[ -e "$l" ] && basename "$(readlink "$l")"
}

# bind_nic PCI DRIVER: move one NIC to DRIVER (loaded already), whichever
# driver had it before. driver_override keeps the other driver off it.
bind_nic() {
	local dev=/sys/bus/pci/devices/$1 cur
	cur=$(nic_driver "$1")
	[ "$cur" = "$2" ] && return 0
	echo "$2" > "$dev/driver_override"
	[ -n "$cur" ] && echo "$1" > "$dev/driver/unbind"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(nic_driver "$1")" = "$2" ] || fail "$1 did not bind to $2"
}

# Interface name of the NIC with MAC $2 in netns $1 ("" = this one).
ifname_by_mac() {
	local ns=$1 mac=$2
	if [ -n "$ns" ]; then
		nsexec "$ns" sh -c ". $SELFTEST_DIR/lib.sh; ifname_by_mac '' $mac"
		return
	fi
	local i
	for i in /sys/class/net/*; do
		[ "$(cat "$i/address")" = "$mac" ] && { basename "$i"; return 0; }
	done
	return 1
}

# Run a command in a netns. nsexec (nsexec.c) does what "ip netns exec"
# does, without iproute2's start-up: about 120 ms of a vCPU per call in
# the debug flavour.
in_a() { nsexec "$NS_A" "$@"; }

# iperf3_server_once NS: an iperf3 server for one test in NS, in the
# background, listening (port 5201, 0x1451) when this returns; its pid
# (nsexec's own, which execs iperf3) in IPERF3_SRV. If it does not
# listen within 5 s it is killed, and this fails.
iperf3_server_once() {
	nsexec "$1" iperf3 -s -1 > /dev/null 2>&1 &
	IPERF3_SRV=$!
	wait_for 5 sh -c "nsexec $1 cat /proc/net/tcp /proc/net/tcp6 | grep -q ':1451 [0-9A-F:]* 0A'" ||
		{ kill $IPERF3_SRV 2> /dev/null; fail "iperf3's server in $1 did not listen"; }
}
in_b() { nsexec "$NS_B" "$@"; }

link_up() { [ "$(nsexec "$1" cat "/sys/class/net/$2/operstate")" = up ]; }

# setup_pair DRIVER_A DRIVER_B: bind the two hub NICs to the given drivers
# (loading them), put NIC A in netns rnet-a and NIC B in rnet-b, address
# them and wait for the link. Sets IF_A and IF_B.
setup_pair() {
	local drv_a=$1 drv_b=$2 pci_a pci_b
	cleanup_pair
	modprobe "$drv_a" && modprobe "$drv_b" || fail "cannot load $drv_a/$drv_b" || return
	set -- $(nic_pci_all)
	pci_a=$1 pci_b=$2
	bind_nic "$pci_a" "$drv_a" && bind_nic "$pci_b" "$drv_b" || return
	wait_for 5 ifname_by_mac "" $MAC_A && wait_for 5 ifname_by_mac "" $MAC_B ||
		fail "no netdev for the NICs" || return
	ip netns add $NS_A && ip netns add $NS_B || return
	ip link set "$(ifname_by_mac "" $MAC_A)" netns $NS_A || return
	ip link set "$(ifname_by_mac "" $MAC_B)" netns $NS_B || return
	IF_A=$(ifname_by_mac $NS_A $MAC_A)
	IF_B=$(ifname_by_mac $NS_B $MAC_B)
	in_a ip link set lo up; in_b ip link set lo up
	# No router will answer: no router solicitations (Linux repeats them
	# for ever, with backoff), which would join traffic a test counts.
	in_a sh -c "echo 0 > /proc/sys/net/ipv6/conf/$IF_A/router_solicitations"
	in_b sh -c "echo 0 > /proc/sys/net/ipv6/conf/$IF_B/router_solicitations"
	in_a ip addr add $IP_A/24 dev "$IF_A" || return
	in_b ip addr add $IP_B/24 dev "$IF_B" || return
	in_a ip -6 addr add $IP6_A/64 dev "$IF_A" nodad || return
	in_b ip -6 addr add $IP6_B/64 dev "$IF_B" nodad || return
	in_a ip link set "$IF_A" up && in_b ip link set "$IF_B" up || return
	wait_for 10 link_up $NS_A "$IF_A" && wait_for 10 link_up $NS_B "$IF_B" ||
		fail "link did not come up ($drv_a/$drv_b)"
}

# pin_pair: each "host" on its own vCPU, the same way for any driver: NIC
# A's interrupts on CPU 0, NIC B's on CPU 1 (callers run the sender and the
# receiver there too). Left to chance, interrupt and process placement moved
# a driver's UDP figure in make bench by 2x between rounds.
pin_pair() {
	local cpu=0 pci irq
	for pci in $(nic_pci_all); do
		for irq in $(ls /sys/bus/pci/devices/$pci/msi_irqs 2> /dev/null); do
			echo $cpu > /proc/irq/$irq/smp_affinity_list 2> /dev/null
		done
		cpu=1
	done
}

# Remove the netns (their NICs fall back into the init netns).
cleanup_pair() {
	ip netns del $NS_A 2>/dev/null
	ip netns del $NS_B 2>/dev/null
	# Deleting a netns returns its devices asynchronously.
	wait_for 5 sh -c "! ls /run/netns/$NS_A /run/netns/$NS_B" 2>/dev/null
	return 0
}

# Run every test named in $TESTS as one KTAP test each, then exit with the
# kselftest code of the whole script.
#
# RNET_CASES="a b" (by hand, in a guest from `make run`) runs only the
# tests of TESTS named there.
ktap_run() {
	local n=0 t t0 took rc failed=0 passed=0 skipped=0
	if [ -n "${RNET_CASES:-}" ]; then
		for t in $RNET_CASES; do
			case " $(echo $TESTS) " in
			*" $t "*) ;;
			*) echo "Bail out! RNET_CASES names $t, not a test of this script"; exit $ksft_fail ;;
			esac
		done
		TESTS=$(for t in $TESTS; do
			case " $RNET_CASES " in *" $t "*) echo $t ;; esac
		done)
	fi
	echo "KTAP version 1"
	echo "1..$(echo $TESTS | wc -w)"
	for t in $TESTS; do
		n=$((n + 1))
		_skip_reason=""
		t0=$(cut -d' ' -f1 /proc/uptime)
		# Not a subshell: a test may set state (IF_A, ...) for later ones.
		$t > /tmp/.rnet_test.out 2>&1
		rc=$?
		sed 's/^/# /' /tmp/.rnet_test.out
		# How long the test took, so that a slow one shows in the summary.
		took=$(awk -v a="$t0" '{ printf "%.1f s", $1 - a }' /proc/uptime)
		case $rc in
		0) echo "# TEST: $t [ OK ] ($took)"; echo "ok $n $t"; passed=$((passed + 1)) ;;
		$ksft_skip) echo "# TEST: $t [SKIP] ($took)"
		   echo "ok $n $t # SKIP $_skip_reason"
		   skipped=$((skipped + 1)) ;;
		*) echo "# TEST: $t [FAIL] ($took)"; echo "not ok $n $t"; failed=$((failed + 1)) ;;
		esac
	done
	type cleanup >/dev/null 2>&1 && cleanup >/dev/null 2>&1
	diag "totals: pass:$passed fail:$failed skip:$skipped"
	[ $failed -gt 0 ] && exit $ksft_fail
	[ $passed -eq 0 ] && [ $skipped -gt 0 ] && exit $ksft_skip
	exit $ksft_pass
}

# ping_all NS COUNT ADDR [OPTION...]: COUNT echo requests from netns NS to
# ADDR, every one answered. Busybox ping exits 0 as soon as one reply came
# back, so its summary line is what counts.
ping_all() {
	local ns=$1 count=$2 addr=$3 out
	shift 3
	out=$(nsexec "$ns" ping "$@" -c "$count" -i 0.2 -W 2 "$addr" 2>&1)
	echo "$out"
	echo "$out" | grep -qx "$count packets transmitted, $count packets received, 0% packet loss" ||
		fail "ping $addr from $ns: not all of $count requests answered"
}

# ping_ab / ping6_ba: IPv4 pings from A to B, IPv6 pings from B to A.
ping_ab() {
	ping_all $NS_A 5 $IP_B
}

ping6_ba() {
	ping_all $NS_B 3 $IP6_A -6
}

# tcp_transfer BYTES [ADDR]: stream BYTES from netns A to B (at ADDR, by
# default $IP_B), checked byte for byte.
tcp_transfer() {
	in_b xfer tcp-recv 5001 "$1" > /tmp/.rnet_recv.out 2>&1 &
	local pid=$!
	in_a xfer tcp-send "${2:-$IP_B}" 5001 "$1" || { kill $pid; fail "tcp-send failed"; return; }
	wait $pid
	local rc=$?
	cat /tmp/.rnet_recv.out
	[ $rc = 0 ] || fail "tcp-recv failed"
}

# udp_transfer COUNT SIZE [ADDR]: COUNT datagrams of SIZE bytes from A to B
# (at ADDR, by default $IP_B), each checked; all must arrive. With UDP_NO_ARP set, the caller has made the
# neighbour entry already and nothing but the datagrams is sent.
udp_transfer() {
	in_b xfer udp-recv 5002 "$1" "$2" 3 > /tmp/.rnet_recv.out 2>&1 &
	local pid=$!
	# Resolve B's address first: datagrams sent while ARP or ND is pending wait
	# in a small neighbour queue and the overflow is dropped before it
	# reaches any driver.
	local addr=${3:-$IP_B} fam=
	case $addr in *:*) fam=-6 ;; esac
	if [ -z "${UDP_NO_ARP:-}" ]; then
		in_a ping $fam -c 1 -W 2 $addr > /dev/null 2>&1
	fi
	sleep 0.5
	in_a xfer udp-send "$addr" 5002 "$1" "$2" || { kill $pid; fail "udp-send failed"; return; }
	wait $pid
	local rc=$?
	cat /tmp/.rnet_recv.out
	[ $rc = 0 ] || fail "udp-recv failed"
}

# snmp NS PROTO FIELD: counter FIELD of PROTO (Tcp, Udp, TcpExt, ...) in
# netns NS's /proc/net/snmp or /proc/net/netstat.
snmp() {
	nsexec "$1" awk -v p="$2:" -v f="$3" '
		$1 == p && !h[FILENAME] { for (i = 2; i <= NF; i++) if ($i == f) c = i; h[FILENAME] = 1; next }
		$1 == p && c { print $c; exit }' /proc/net/snmp /proc/net/netstat
}

# static_neigh on|off: permanent neighbour entries for the peer's IPv4,
# IPv6 and link-local addresses on both sides (on), or none (off), so that
# no ARP or neighbour discovery frame joins traffic a test counts.
static_neigh() {
	local ll_a=fe80::5054:ff:fe00:1 ll_b=fe80::5054:ff:fe00:2 a
	if [ "$1" = on ]; then
		for a in $IP_B $IP6_B $ll_b; do
			in_a ip neigh replace $a lladdr $MAC_B dev "$IF_A" nud permanent || return
		done
		for a in $IP_A $IP6_A $ll_a; do
			in_b ip neigh replace $a lladdr $MAC_A dev "$IF_B" nud permanent || return
		done
	else
		for a in $IP_B $IP6_B $ll_b; do in_a ip neigh del $a dev "$IF_A"; done
		for a in $IP_A $IP6_A $ll_a; do in_b ip neigh del $a dev "$IF_B"; done
	fi 2> /dev/null
	return 0
}

# stat NS IF COUNTER: a counter of interface IF in netns NS (from /sys,
# i.e. ndo_get_stats64).
stat() { nsexec "$1" cat "/sys/class/net/$2/statistics/$3"; }

# counters NS IF: "rx_packets rx_bytes tx_packets tx_bytes rx_dropped
# rx_missed_errors tx_dropped rx_errors" of one interface, read by one
# process in NS. Fewer than eight numbers if one could not be read.
counters() {
	local c files=""
	for c in rx_packets rx_bytes tx_packets tx_bytes rx_dropped rx_missed_errors tx_dropped \
		 rx_errors; do
		files="$files /sys/class/net/$2/statistics/$c"
	done
	echo $(nsexec "$1" cat $files)
}

# drops_unchanged BEFORE AFTER NAME: rx_dropped, rx_missed_errors and
# tx_dropped (fields 5-7 of counters), what a driver drops, did not move.
# rx_errors is not among them: it counts what the device found wrong, and
# the C driver reads it from QEMU's statistics registers, which count the
# frames the model itself drops now and then.
drops_unchanged() {
	local b a
	b=$(echo $1 | cut -d' ' -f5-7); a=$(echo $2 | cut -d' ' -f5-7)
	[ "$b" = "$a" ] || fail "$3 dropped frames: rx_dropped rx_missed tx_dropped $b -> $a"
}

# fault_reject INJECTOR FUNCTION: the fault injector INJECTOR (a
# /sys/kernel/debug directory: failslab, fail_page_alloc) never fails an
# allocation with FUNCTION on its call stack: from the function's address
# to the next symbol's in /proc/kallsyms.
fault_reject() {
	local r
	r=$(awk -v f="$2" '$3 == f { s = $1; next }
		s != "" && $1 != s { print "0x" s, "0x" $1; exit }' /proc/kallsyms)
	case $r in
	"" | 0x0000000000000000*) fail "no address for $2 in /proc/kallsyms: '$r'"; return ;;
	esac
	echo "${r% *}" > "$1/reject-start" && echo "${r#* }" > "$1/reject-end"
}

# csum_errors NS: the IPv4, IPv6 and TCP receive error counters of netns
# NS that a corrupted frame moves (bad checksums, bad headers), summed.
# QEMU's own losses drop whole frames and move none of them, so they are
# checked exactly, TSO or not: a segment the device sent with a wrong
# checksum (a bad offload context) shows here even when TCP's
# retransmission repairs the stream.
csum_errors() {
	local t=0 f v
	for f in "Tcp InCsumErrors" "Tcp InErrs" "Ip InHdrErrors" "IpExt InCsumErrors" \
		 "Udp InCsumErrors"; do
		v=$(snmp "$1" $f)
		t=$((t + ${v:-0}))
	done
	for f in Ip6InHdrErrors Udp6InCsumErrors; do
		v=$(snmp6 "$1" $f)
		t=$((t + ${v:-0}))
	done
	echo $t
}

# tcp_checked BYTES [ADDR]: tcp_transfer, and no driver dropped a frame
# on the way (rx_dropped, rx_missed and tx_dropped of both ends stay put),
# and no frame arrived corrupted at either end (csum_errors).
# Under QEMU 7.2 the model itself loses frames: when B's ring has no free
# buffer for a moment (a receiver overrun: the device's interrupt, which
# e1000e_rust counts in rx_over_errors) and, with segmentation offload on,
# in the IP fragments it cuts TCP segments into (B reassembles them), with
# or without a count in its statistics registers. So with TSO on, how many
# segments B queued out of order (what a lost frame leaves behind) and A
# retransmitted is printed; with TSO off, every such loss must come with a
# loss the device reported on B (an overrun or a receive error). A
# retransmission B reports as a duplicate (a D-SACK: a tail loss probe
# sent while the ACK was on its way, under TCG now and then) lost
# nothing, and does not count.
tcp_checked() {
	local a0 b0 o0 r0 q0 v0 a1 b1 o1 r1 q1 v1
	a0=$(counters $NS_A "$IF_A"); b0=$(counters $NS_B "$IF_B")
	o0=$(snmp $NS_B TcpExt TCPOFOQueue); r0=$(snmp $NS_A Tcp RetransSegs)
	local d0 d1
	d0=$(snmp $NS_A TcpExt TCPDSACKRecv)
	q0=$(snmp $NS_B Ip ReasmReqds); v0=$(stat $NS_B "$IF_B" rx_over_errors)
	local ea0 eb0 ea1 eb1
	ea0=$(csum_errors $NS_A); eb0=$(csum_errors $NS_B)
	tcp_transfer "$1" $2 || return
	ea1=$(csum_errors $NS_A); eb1=$(csum_errors $NS_B)
	[ "$ea0" = "$ea1" ] && [ "$eb0" = "$eb1" ] ||
		fail "corrupted frames: checksum/header errors A $ea0 -> $ea1, B $eb0 -> $eb1" || return
	a1=$(counters $NS_A "$IF_A"); b1=$(counters $NS_B "$IF_B")
	o1=$(snmp $NS_B TcpExt TCPOFOQueue); r1=$(snmp $NS_A Tcp RetransSegs)
	q1=$(snmp $NS_B Ip ReasmReqds); v1=$(stat $NS_B "$IF_B" rx_over_errors)
	diag "A retransmitted $((r1 - r0)) segments; B queued $((o1 - o0)) out of order," \
		"reassembled $((q1 - q0)) IP fragments, counted" \
		"$(( $(echo $b1 | cut -d' ' -f8) - $(echo $b0 | cut -d' ' -f8) )) receive errors" \
		"and $((v1 - v0)) overruns"
	drops_unchanged "$a0" "$a1" A && drops_unchanged "$b0" "$b1" B || return
	local lost=$((r1 - r0 + o1 - o0))
	local seen=$(( $(echo $b1 | cut -d' ' -f8) - $(echo $b0 | cut -d' ' -f8) + v1 - v0 ))
	if in_a ethtool -k "$IF_A" | grep -qx "tcp-segmentation-offload: off" &&
	   [ $lost -gt 0 ] && [ $seen = 0 ]; then
		# The D-SACKs for spurious retransmissions, once they are in.
		sleep 0.5
		d1=$(snmp $NS_A TcpExt TCPDSACKRecv)
		diag "A received $((d1 - d0)) D-SACKs (retransmissions that were duplicates)"
		[ $((lost - (d1 - d0))) -le 0 ] ||
			fail "segments lost with no loss reported by B's device"
	fi
}

# snmp6 NS FIELD: counter FIELD of netns NS's /proc/net/snmp6.
snmp6() {
	nsexec "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6
}

# tcpext NS FIELD: counter FIELD of the TcpExt line of netns NS's
# /proc/net/netstat (the INET socket layer's, not only TCP's).
tcpext() {
	nsexec "$1" awk -v f="$2" '$1 == "TcpExt:" {
		if (!n) { for (i = 2; i <= NF; i++) c[$i] = i; n = 1 } else print $c[f] }' /proc/net/netstat
}

# The end of a guest. run_tests.sh runs these tests after the scripts, as
# the last part of its KTAP ("guest_end"); /init runs them at the end of any
# other debug guest. First every driver goes, so that what it leaked is no
# longer referenced from anywhere; then, in the debug flavour, the DMA-API
# debugging must have found no error and kmemleak no leak. Their reports go
# to the console log too, where tools/rnet/scanlogs.sh finds them.

# end_tests: the names of the end tests for this guest's kernel. The debug
# flavour (make ... DEBUG=1; tools/rnet/mkinitramfs.sh writes the flavour
# into the initramfs) must have DMA-API debugging and kmemleak: there their
# absence fails; another kernel that has them is checked too.
end_tests() {
	local t=end_unload flavour
	flavour=${RNET_FLAVOUR:-$(cat /rnet/flavour 2>/dev/null)}
	if [ "$flavour" = debug ] || [ -d $DMA_API ]; then
		t="$t end_dma_api"
	fi
	if [ "$flavour" = debug ] || [ -e $KMEMLEAK ]; then
		t="$t end_kmemleak"
	fi
	echo $t
}

# The C DCCP (dccp.sh's taken-slot case loads it, last) cannot be
# unloaded: its per-namespace control sockets are SOCK_DCCP sockets of its
# own, which hold references on dccp_ipv4 (the socket's ops and proto
# owner), two per namespace. dccp.sh writes the counts dccp_ipv4 and dccp
# had right after it was loaded to this file; end_unload accepts those
# modules with those counts or less (namespaces that went since), no more.
RNET_PINNED_FILE=/tmp/rnet-pinned-modules

# Modules that can be unloaded (not "[permanent]"), with their use counts.
modules_left() {
	awk '$4 !~ /permanent/ { printf "%s(%s) ", $1, $3 }' /proc/modules
}

# end_unload: unload every module (e1000e_rust, e1000e, samples, ...), users
# before what they use, so that no NIC has a driver left.
end_unload() {
	local i=0 m pci gone="" left
	cleanup_pair
	while [ -n "$(modules_left)" ] && [ $i -lt 10 ]; do
		i=$((i + 1))
		for m in $(awk '$3 == 0 && $4 !~ /permanent/ { print $1 }' /proc/modules); do
			rmmod "$m" && gone="$gone $m"
		done
	done
	diag "unloaded:${gone:- nothing}"
	# What is left, but for the pinned C DCCP at or below its counts.
	left=$(modules_left | tr ' ' '\n' | awk -v f=$RNET_PINNED_FILE '
		BEGIN { FS = "[()]"
			while ((getline l < f) > 0) { split(l, a, "[()]"); max[a[1]] = a[2] } }
		NF && !($1 in max && $2 + 0 <= max[$1] + 0)')
	left=$(echo $left)
	[ -z "$left" ] || fail "modules still loaded: $left" || return
	for pci in $(nic_pci_all); do
		[ -z "$(nic_driver "$pci")" ] ||
			fail "$pci is still bound to $(nic_driver "$pci")" || return
	done
}

# end_dma_api: DMA-API debugging (CONFIG_DMA_API_DEBUG) stayed on, reported
# every error (/init sets all_errors at boot) and counted none.
end_dma_api() {
	local n
	[ -d $DMA_API ] || fail "no $DMA_API: DMA-API debugging missing from the kernel" || return
	[ "$(cat $DMA_API/disabled)" = N ] ||
		fail "DMA-API debugging turned itself off (see the console log)" || return
	[ "$(cat $DMA_API/all_errors)" = 1 ] ||
		fail "$DMA_API/all_errors is not 1: errors after the first were not reported" || return
	n=$(cat $DMA_API/error_count)
	diag "DMA-API: $n errors; $(cat $DMA_API/num_free_entries) of" \
		"$(cat $DMA_API/nr_total_entries) entries free"
	[ "$n" = 0 ] || fail "DMA-API found $n errors (their reports are in the console log)"
}

# end_kmemleak: kmemleak is on and finds no leak. It reports an object only
# when it was at least 5 s old (MSECS_MIN_AGE) when the scan began, and a
# leak shows reliably only on the second scan after it. The report goes to
# the console, where "unreferenced object" fails the console scan as well.
end_kmemleak() {
	local report
	[ -e $KMEMLEAK ] || fail "no $KMEMLEAK: kmemleak missing from the kernel" || return
	if dmesg | grep -q "memory leak detector disabled"; then
		fail "kmemleak turned itself off: $(dmesg | grep -m1 "kmemleak")"
		return
	fi
	sleep 6
	echo scan > $KMEMLEAK || fail "writing scan to $KMEMLEAK failed (kmemleak off?)" || return
	echo scan > $KMEMLEAK || fail "writing scan to $KMEMLEAK failed (kmemleak off?)" || return
	report=$(cat $KMEMLEAK) || fail "cannot read $KMEMLEAK" || return
	[ -n "$report" ] || return 0
	printf '%s\n' "$report" > /dev/ttyS0
	printf '%s\n' "$report" | head -n 40
	fail "kmemleak: $(printf '%s\n' "$report" | grep -c '^unreferenced object') unreferenced objects"
}
