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
	ping_ab
}

c_ping6() {
	ping6_ba
}

c_tcp_100M() {
	tcp_checked "$(bulk 100000000)"
}

c_udp() {
	udp_transfer 20000 64
}

cleanup() {
	cleanup_pair
}

ktap_run
