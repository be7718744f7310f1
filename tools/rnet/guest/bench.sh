#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, guest side: for REPS rounds, alternating drivers, measure TCP
# throughput (iperf3), 64-byte UDP packets/s received, and ping RTT between
# the two netns. Prints one "bench:" line per driver and round.

SELFTEST_DIR=/rnet/selftests
. /rnet/selftests/lib.sh

REPS=${1:-3}
TCP_SECS=${2:-5}
UDP_SECS=${3:-4}
# "dccp": the DCCP rounds only (make bench BENCH_ONLY=dccp); "drivers":
# the driver rounds only (make bench BENCH_ONLY=drivers).
ONLY=${4:-}

# udp_flood: unlimited rate, 64-byte payloads, from A to B's iperf3 server
# (running): prints the datagrams per second B received and A sent.
udp_flood() {
	in_a taskset -c 0 iperf3 -c $IP_B -u -l 64 -b 0 -t "$UDP_SECS" 2>/dev/null |
		awk '/sender|receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {
			split($i, a, "/"); n[$NF] = int((a[2] - a[1]) / '"$UDP_SECS"'); } }
		END { print n["receiver"] + 0, n["sender"] + 0 }'
}

measure() {	# driver round
	local drv=$1 round=$2 other
	setup_pair "$drv" "$drv" > /dev/null || { echo "bench: setup failed for $drv"; return 1; }
	pin_pair
	in_b taskset -c 1 iperf3 -s -D -I /tmp/iperf3.pid > /dev/null 2>&1
	sleep 0.5
	tcp=$(in_a taskset -c 0 iperf3 -c $IP_B -t "$TCP_SECS" -f m 2>/dev/null |
		awk '/receiver/ { print $(NF-2) }')
	# What the receiver got per second, and what the sender offered: past
	# the receiver's capacity, more offered load means more receive work
	# for datagrams B's socket drops, so a faster sender lowers this pair's
	# figure; the cross pair below compares receivers behind one sender.
	set -- $(udp_flood)
	udp=$1 udp_sent=$2
	rtt=$(in_a taskset -c 0 ping -c 20 -i 0.05 -q $IP_B 2>/dev/null |
		sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p')
	kill "$(cat /tmp/iperf3.pid 2>/dev/null)" 2>/dev/null
	# The cross pair: the other driver sends, this one receives. With the
	# same-driver pair of the other driver's round, each sender's flood is
	# then received by both drivers.
	case $drv in e1000e) other=e1000e_rust ;; *) other=e1000e ;; esac
	cleanup_pair
	setup_pair "$other" "$drv" > /dev/null || { echo "bench: setup failed for $other/$drv"; return 1; }
	pin_pair
	in_b taskset -c 1 iperf3 -s -D -I /tmp/iperf3.pid > /dev/null 2>&1
	sleep 0.5
	set -- $(udp_flood)
	kill "$(cat /tmp/iperf3.pid 2>/dev/null)" 2>/dev/null
	echo "bench: driver=$drv round=$round tcp_mbps=${tcp:-0} udp_pps=${udp:-0} udp_sent_pps=${udp_sent:-0} rtt_ms=${rtt:-0} udp_xrx_pps=${1:-0} udp_xsent_pps=${2:-0}"
	cleanup_pair
}

# The netfilter hook cost: the same pair (e1000e_rust) with no hooks, with
# rust_netfilter's ten hooks (five points, two families, counting per
# protocol) in every netns, and with an nftables ruleset of a counter rule
# at each of the five points (inet family: IPv4 and IPv6) in both netns.
NFT_RULES='table inet rnet_bench {
	chain c_pre { type filter hook prerouting priority 0; counter; }
	chain c_in { type filter hook input priority 0; counter; }
	chain c_fwd { type filter hook forward priority 0; counter; }
	chain c_out { type filter hook output priority 0; counter; }
	chain c_post { type filter hook postrouting priority 0; counter; }
}'

nf_measure() {	# mode round
	local mode=$1 round=$2 tcp udp ok=1
	case $mode in
	rust) modprobe rust_netfilter || ok=0 ;;
	# nf_tables needs libcrc32c, whose init asks the crypto API for crc32c:
	# the guest has no /sbin/modprobe for the crypto API's request_module.
	nft) modprobe crc32c_generic && modprobe nf_tables || ok=0
	     echo "$NFT_RULES" | in_a nft -f - 2>&1 && echo "$NFT_RULES" | in_b nft -f - 2>&1 || ok=0 ;;
	esac
	[ $ok = 1 ] || { echo "bench: nf setup failed for $mode"; return 1; }
	in_b taskset -c 1 iperf3 -s -D -I /tmp/iperf3.pid > /dev/null 2>&1
	sleep 0.5
	tcp=$(in_a taskset -c 0 iperf3 -c $IP_B -t "$TCP_SECS" -f m 2>/dev/null |
		awk '/receiver/ { print $(NF-2) }')
	udp=$(in_a taskset -c 0 iperf3 -c $IP_B -u -l 64 -b 0 -t "$UDP_SECS" 2>/dev/null |
		awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {
			split($i, a, "/"); print int((a[2] - a[1]) / '"$UDP_SECS"'); } }')
	kill "$(cat /tmp/iperf3.pid 2>/dev/null)" 2>/dev/null
	sleep 0.2
	case $mode in
	rust) grep -q "tcp [1-9]" /proc/net/rust_netfilter 2>/dev/null ||
		in_b grep -q "tcp [1-9]" /proc/net/rust_netfilter ||
		echo "bench: rust_netfilter counted nothing"
	      rmmod rust_netfilter ;;
	nft) in_b nft list table inet rnet_bench | grep -q "packets [1-9]" ||
		echo "bench: nftables counted nothing"
	     in_a nft delete table inet rnet_bench; in_b nft delete table inet rnet_bench ;;
	esac
	echo "bench: nf=$mode round=$round tcp_mbps=${tcp:-0} udp_pps=${udp:-0}"
}

# DCCP rounds, first: dccp_rust here, the C DCCP in the peer guest that
# tools/rnet/bench.sh boots beside this one (joined by the third NIC,
# 52:54:00:00:01:01 here; the peer answers on 10.0.9.2 port 7000,
# tools/testing/selftests/rnet/interop_peer.sh), alternating which goes
# first. Without a peer (make bench DCCP=0) there are none.
modprobe e1000e_rust || exit 1
if [ "$ONLY" != drivers ] && wait_for 10 ifname_by_mac "" 52:54:00:00:01:01; then
	ifc=$(ifname_by_mac "" 52:54:00:00:01:01)
	ip addr add 10.0.9.1/24 dev "$ifc" && ip link set "$ifc" up
	peer() { echo "$*" | nc -w 10 10.0.9.2 7000; }
	if wait_for 240 sh -c "echo run true | nc -w 2 10.0.9.2 7000 | grep -qx 'rc 0'"; then
		r=1
		while [ $r -le "$REPS" ]; do
			if [ $((r % 2)) = 1 ]; then
				sh /rnet/bench_dccp.sh rust $r
				peer run sh /rnet/bench_dccp.sh c $r | grep '^bench:'
			else
				peer run sh /rnet/bench_dccp.sh c $r | grep '^bench:'
				sh /rnet/bench_dccp.sh rust $r
			fi
			r=$((r + 1))
		done
		peer quit > /dev/null
	else
		echo "bench: the DCCP peer guest does not answer"
	fi
fi

[ "$ONLY" = dccp ] && exit 0
modprobe e1000e && modprobe e1000e_rust || exit 1
r=1
while [ $r -le "$REPS" ]; do
	# Alternate which driver goes first, so drift over time hits both.
	if [ $((r % 2)) = 1 ]; then
		measure e1000e $r; measure e1000e_rust $r
	else
		measure e1000e_rust $r; measure e1000e $r
	fi
	r=$((r + 1))
done
[ "$ONLY" = drivers ] && exit 0

# Hook cost rounds: the three modes in a rotating order.
setup_pair e1000e_rust e1000e_rust > /dev/null || { echo "bench: setup failed for nf"; exit 1; }
pin_pair
r=1
while [ $r -le "$REPS" ]; do
	case $((r % 3)) in
	1) order="none rust nft" ;;
	2) order="rust nft none" ;;
	0) order="nft none rust" ;;
	esac
	for m in $order; do nf_measure $m $r; done
	r=$((r + 1))
done
cleanup_pair
