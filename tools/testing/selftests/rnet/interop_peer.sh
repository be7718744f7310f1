#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The peer guest of dccp_interop.sh: the C DCCP (dccp_ipv4, dccp_ipv6)
# behind the C e1000e on the NIC joined to the interop guest (MAC
# 52:54:00:00:01:02, 10.0.9.2/24, fd00:9::2/64), taking commands from it
# on TCP port 7000
# (interop_ctl.sh) until it says quit (25 minutes at most).

SELFTEST_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SELFTEST_DIR/lib.sh"

modprobe e1000e || { echo "modprobe e1000e failed"; exit 1; }
wait_for 10 ifname_by_mac "" 52:54:00:00:01:02 ||
	{ echo "no peer-link NIC"; exit 1; }
ifc=$(ifname_by_mac "" 52:54:00:00:01:02)
ip addr add 10.0.9.2/24 dev "$ifc" && ip link set "$ifc" up || exit 1
ip -6 addr add fd00:9::2/64 dev "$ifc" nodad || exit 1
modprobe dccp_ipv4 || { echo "modprobe dccp_ipv4 failed"; exit 1; }
modprobe dccp_ipv6 || { echo "modprobe dccp_ipv6 failed"; exit 1; }
nc -ll -p 7000 -e "$SELFTEST_DIR/interop_ctl.sh" &
ncpid=$!
echo "peer up: $ifc, $(cat /proc/sys/net/dccp/default/seq_window 2> /dev/null) seq_window"
i=0
while [ ! -e /tmp/interop.quit ] && [ $i -lt 1500 ]; do
	sleep 1
	i=$((i + 1))
done
kill $ncpid
[ -e /tmp/interop.quit ] || { echo "no quit from the interop guest"; exit 1; }
# The C DCCP's TIMEWAIT sockets (60 s, no setting shortens them) hold it
# loaded for a while yet: the end of a debug guest (/init: leaks, DMA-API
# errors, every module unloaded) accepts it with the count it has now.
awk '$1 ~ /^dccp(_ipv[46])?$/ { printf "%s(%s)\n", $1, $3 }' \
	/proc/modules > $RNET_PINNED_FILE
echo "peer done: $(cat $RNET_PINNED_FILE | tr '\n' ' ')"
