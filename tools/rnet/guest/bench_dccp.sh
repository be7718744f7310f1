#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, one DCCP round: bench_dccp.sh STACK ROUND, STACK "rust"
# (dccp_rust) or "c" (the C dccp_ipv4, which cannot be unloaded: its rounds
# run in the peer guest). Both ends in the netns pair over the two hub
# NICs on e1000e_rust: bulk goodput of 1400-byte messages (the receiver's
# time from first to last), the same with 5% of A's frames lost,
# connections a second (connect, one 64-byte echo, close; 4 clients),
# transactions a second (64-byte echoes, 8 clients on their own
# connections). One "bench: dccp=STACK ..." line.

SELFTEST_DIR=/rnet/selftests
. /rnet/selftests/lib.sh

stack=$1 round=$2 n=${3:-3000} secs=3

setup_pair e1000e_rust e1000e_rust > /tmp/bench_setup.out 2>&1 ||
	{ echo "bench: dccp setup failed: $(tr '\n' ' ' < /tmp/bench_setup.out)"; exit 1; }
pin_pair
case $stack in
rust) modprobe dccp_rust || exit 1
      # Short TIMEWAIT: the clients' closes leave one each.
      for ns in $NS_A $NS_B; do
	      ip netns exec $ns sh -c 'echo 200 > /proc/sys/net/dccp_rust/timewait_ms'
      done ;;
c) modprobe dccp_ipv4 || exit 1 ;;
*) echo "bench: stack rust or c"; exit 2 ;;
esac

# serve KIND PORT: a server of KIND in B on CPU 1, up.
serve() {
	: > /tmp/bench_dccp.out
	in_b taskset -c 1 dccpt "$1" "$2" $3 > /tmp/bench_dccp.out &
	wait_for 3 grep -q . /tmp/bench_dccp.out
}

serve bulk-server 5001
in_a taskset -c 0 dccpt bulk-client $IP_B 5001 "$n" 1400 > /dev/null
wait
out=$(cat /tmp/bench_dccp.out)
ms=$(field elapsed_ms "$out")
got=$(field received "$out")
bulk=$(awk -v b="${got:-0}" -v ms="${ms:-0}" 'BEGIN { printf "%.1f", (ms > 0 ? b * 1400 * 8 / ms / 1000 : 0) }')

# The same transfer with 5% of A's frames lost (netem on A's NIC): the C
# CCID 2 shows no window, so how the two senders back off under loss is
# compared by what gets through.
in_a tc qdisc add dev "$IF_A" root netem loss 5% ||
	{ echo "bench: dccp netem failed"; exit 1; }
serve bulk-server 5004
# The sender's CCID 2 state (dccp_rust only): its window halvings show
# that it backed off.
halvings=$(field halvings "$(in_a taskset -c 0 dccpt bulk-client $IP_B 5004 "$n" 1400)")
wait
in_a tc qdisc del dev "$IF_A" root
out=$(cat /tmp/bench_dccp.out)
ms=$(field elapsed_ms "$out")
lgot=$(field received "$out")
lossy=$(awk -v b="${lgot:-0}" -v ms="${ms:-0}" 'BEGIN { printf "%.1f", (ms > 0 ? b * 1400 * 8 / ms / 1000 : 0) }')

serve rr-server 5002 $((secs + 1))
crr=$(field per_s "$(in_a taskset -c 0 dccpt crr-client $IP_B 5002 4 $secs)")
wait
serve rr-server 5003 $((secs + 1))
rr=$(field per_s "$(in_a taskset -c 0 dccpt rr-client $IP_B 5003 8 $secs)")
wait

echo "bench: dccp=$stack round=$round bulk_mbps=${bulk:-0} lossy_mbps=${lossy:-0} crr_per_s=${crr:-0} rr_per_s=${rr:-0} bulk_msgs=${got:-0} lossy_msgs=${lgot:-0} lossy_halvings=${halvings:-0}"
cleanup_pair
