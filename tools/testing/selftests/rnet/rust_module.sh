#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The smallest rnet Rust module loads and unloads, three times over, and says
# so in the kernel log with the value it computed at load.

. "$(dirname "$0")/lib.sh"

TESTS="minimal_load_unload"

minimal_load_unload() {
	local i
	for i in 1 2 3; do
		dmesg -c > /dev/null
		modprobe rnet_minimal || fail "modprobe rnet_minimal failed" || return
		[ -d /sys/module/rnet_minimal ] || fail "module not in /sys/module" || return
		dmesg | grep -q 'rnet_minimal: loaded, sum 136' ||
			fail "no load message" || return
		rmmod rnet_minimal || fail "rmmod failed" || return
		[ ! -d /sys/module/rnet_minimal ] || fail "module still loaded" || return
		dmesg | grep -q 'rnet_minimal: unloaded, sum 136' ||
			fail "no unload message" || return
	done
	diag "3 load/unload cycles"
}

ktap_run
