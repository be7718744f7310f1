#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: the C e1000e driver on both hub NICs carries ping, a 100 MB TCP
# stream checked byte for byte, and UDP datagrams checked one by one.

. "$(dirname "$0")/lib.sh"

TESTS="c_bind_both c_ping c_ping6 c_tcp_100M c_udp"

c_bind_both() {
	setup_pair e1000e e1000e
}

c_ping() {
	in_a ping -c 5 -i 0.2 -W 2 $IP_B || fail "ping $IP_A -> $IP_B failed"
}

c_ping6() {
	in_b ping -6 -c 3 -i 0.2 -W 2 $IP6_A || fail "ping6 $IP6_B -> $IP6_A failed"
}

c_tcp_100M() {
	tcp_transfer 100000000
}

c_udp() {
	udp_transfer 20000 64
}

cleanup() {
	cleanup_pair
}

ktap_run
