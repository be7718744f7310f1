#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dccp_rust, first step (net/dccp_rust/): its registration through
# kernel::net::inet, standing alone from the C DCCP; socket() autoloading
# it; bind and listen (a port taken twice refused, unload refused while a
# socket is open); connect to a port nobody listens on, refused by the
# peer's Reset across the two e1000e_rust NICs; drops counted by reason;
# the IP protocol slot taken by the C dccp_ipv4 failing the load with
# EBUSY and leaving nothing registered (last: the C DCCP cannot be
# unloaded again).

. "$(dirname "$0")/lib.sh"

TESTS="dccp_standalone dccp_autoload dccp_bind_listen dccp_refused dccp_drops dccp_taken_slot"

STATS=/proc/net/dccp_rust_stats
PORT=5001

cleanup() {
	cleanup_pair
	rmmod dccp_rust 2> /dev/null
	return 0
}

# dccp_stat NS REASON: the drop counter of REASON in NS ("" for init_net).
dccp_stat() {
	if [ -n "$1" ]; then
		ip netns exec "$1" awk -v f="drop_$2" '$1 == f { print $2 }' $STATS
	else
		awk -v f="drop_$2" '$1 == f { print $2 }' $STATS
	fi
}

# dccp_stat_sum NS: the sum of every drop counter of NS.
dccp_stat_sum() {
	ip netns exec "$1" awk '/^drop_/ { s += $2 } END { print s + 0 }' $STATS
}

# loaded MODULE: MODULE is in /proc/modules.
loaded() { grep -q "^$1 " /proc/modules; }

# proto_row NAME: NAME's line of /proc/net/protocols.
proto_row() { awk -v n="$1" '$1 == n' /proc/net/protocols; }

dccp_standalone() {
	local deps
	cleanup
	deps=$(modinfo -F depends dccp_rust) || fail "modinfo dccp_rust failed" || return
	diag "dccp_rust depends on: '${deps}'"
	case ",$deps," in
	*,dccp*) fail "dccp_rust depends on a C DCCP module: $deps"; return ;;
	esac
	modinfo -F alias dccp_rust | grep -qx 'net-pf-2-proto-33-type-6' ||
		fail "no net-pf-2-proto-33-type-6 alias" || return
	return 0
}

dccp_autoload() {
	local out
	cleanup
	loaded dccp_rust && { fail "dccp_rust loaded before the test"; return; }
	out=$(dccpt socket)
	[ "$out" = ok ] || fail "socket(AF_INET, SOCK_DCCP) gave: $out" || return
	loaded dccp_rust || fail "socket() did not autoload dccp_rust" || return
	for m in dccp dccp_ipv4 dccp_diag; do
		loaded $m && { fail "the C module $m was loaded"; return; }
	done
	[ -n "$(proto_row DCCP_RUST)" ] || fail "no DCCP_RUST in /proc/net/protocols" || return
	[ -r $STATS ] || fail "no $STATS" || return
	return 0
}

dccp_bind_listen() {
	local out pid u0 n0 i
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	dccpt listen $PORT 4 > /tmp/dccp_listen.out &
	pid=$!
	wait_for 3 grep -qx ok /tmp/dccp_listen.out ||
		fail "listen: $(cat /tmp/dccp_listen.out)" || return
	out=$(dccpt bind $PORT)
	diag "second bind of port $PORT: $out"
	case $out in
	"errno 98 "*) ;;
	*) fail "a second bind of a listening port gave: $out"; return ;;
	esac
	# A valid Request (checksummed by dccpt, not by the module's codec)
	# reaches the listener: found, counted as unexpected (this step has
	# no handshake yet), not as a packet for no socket.
	u0=$(dccp_stat "" unexpected) n0=$(dccp_stat "" no_socket)
	out=$(dccpt raw 127.0.0.1 127.0.0.1 $PORT valid)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 2 sh -c "[ \$(awk '\$1 == \"drop_unexpected\" { print \$2 }' $STATS) -gt $u0 ]" ||
		fail "the listener did not get the Request" || return
	[ "$(dccp_stat "" unexpected)" = $((u0 + 1)) ] && [ "$(dccp_stat "" no_socket)" = "$n0" ] ||
		fail "Request to the listener: unexpected $u0 -> $(dccp_stat "" unexpected)," \
			"no_socket $n0 -> $(dccp_stat "" no_socket)" || return
	if rmmod dccp_rust 2> /dev/null; then
		fail "dccp_rust unloaded with a socket open"
		return
	fi
	loaded dccp_rust || fail "dccp_rust is gone with a socket open" || return
	wait $pid
	# The port is free again once the listener closed.
	out=$(dccpt bind $PORT)
	[ "$out" = ok ] || fail "bind after the listener closed gave: $out" || return
	# A listener is freed after an RCU grace period (SOCK_RCU_FREE), and
	# holds the module until then.
	wait_for 5 rmmod dccp_rust 2> /dev/null ||
		fail "rmmod dccp_rust failed with no socket open" || return
	[ -z "$(proto_row DCCP_RUST)" ] || fail "DCCP_RUST still in /proc/net/protocols" || return
	# Loads and unloads in a row: each one registers and releases all.
	for i in 1 2 3 4 5 6; do
		modprobe dccp_rust && [ "$(dccpt socket)" = ok ] && rmmod dccp_rust ||
			fail "load, socket, unload cycle $i failed" || return
	done
	return 0
}

dccp_refused() {
	local out before after a0
	setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	before=$(dccp_stat $NS_B no_socket) a0=$(dccp_stat_sum $NS_A)
	out=$(in_a dccpt connect $IP_B $PORT)
	after=$(dccp_stat $NS_B no_socket)
	diag "connect to $IP_B:$PORT (closed): $out; $NS_B no_socket $before -> $after"
	case $out in
	"errno 111 "*) ;;
	*) fail "connect to a closed port gave: $out (want ECONNREFUSED)"; return ;;
	esac
	[ "$after" = $((before + 1)) ] ||
		fail "$NS_B counted $((after - before)) packets for no socket, want 1" || return
	# The Reset ended the connect: it was taken by the socket, so a late
	# or second one would show in A's counters.
	sleep 0.5
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] ||
		fail "$NS_A dropped packets after its refused connect" || return
	# Loopback in one namespace: the same path without the NICs.
	out=$(in_a dccpt connect 127.0.0.1 $PORT)
	case $out in
	"errno 111 "*) ;;
	*) fail "connect to 127.0.0.1:$PORT gave: $out"; return ;;
	esac
	return 0
}

dccp_drops() {
	local out s0 s1 c0 c1 t0 t1 n0 a0
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	a0=$(dccp_stat_sum $NS_A)
	s0=$(dccp_stat_sum $NS_B) c0=$(dccp_stat $NS_B bad_checksum)
	t0=$(dccp_stat $NS_B too_short) n0=$(dccp_stat $NS_B no_socket)
	out=$(in_a dccpt raw $IP_A $IP_B $PORT badcsum)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	out=$(in_a dccpt raw $IP_A $IP_B $PORT short)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 3 sh -c "[ \$(ip netns exec $NS_B awk '/^drop_/ { s += \$2 } END { print s + 0 }' $STATS) -ge $((s0 + 2)) ]"
	s1=$(dccp_stat_sum $NS_B) c1=$(dccp_stat $NS_B bad_checksum)
	t1=$(dccp_stat $NS_B too_short)
	diag "$NS_B drops: bad_checksum $c0 -> $c1, too_short $t0 -> $t1, all $s0 -> $s1"
	[ "$c1" = $((c0 + 1)) ] || fail "the bad checksum was not counted once" || return
	[ "$t1" = $((t0 + 1)) ] || fail "the 8-byte packet was not counted as too short" || return
	[ "$s1" = $((s0 + 2)) ] || fail "other counters moved: $s0 -> $s1" || return
	[ "$(dccp_stat $NS_B no_socket)" = "$n0" ] ||
		fail "a malformed packet was answered as if valid" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] || fail "$NS_A counted drops it never saw" || return
	# A valid Request (checksummed by dccpt) to the closed port: counted
	# once as no_socket at B, whose Reset reaches A's raw sender's port,
	# where no DCCP socket is either: counted there as no_socket, not as
	# malformed, and not answered.
	out=$(in_a dccpt raw $IP_A $IP_B $PORT valid)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 3 sh -c "[ \$(ip netns exec $NS_A awk '/^drop_/ { s += \$2 } END { print s + 0 }' $STATS) -gt $a0 ]"
	sleep 0.3
	diag "valid Request: $NS_B no_socket $n0 -> $(dccp_stat $NS_B no_socket)," \
		"$NS_A no_socket $(dccp_stat $NS_A no_socket)"
	[ "$(dccp_stat $NS_B no_socket)" = $((n0 + 1)) ] ||
		fail "$NS_B did not count the valid Request once as no_socket" || return
	[ "$(dccp_stat_sum $NS_A)" = $((a0 + 1)) ] && [ "$(dccp_stat $NS_A no_socket)" -ge 1 ] ||
		fail "$NS_A did not count B's Reset once as no_socket" || return
	[ "$(dccp_stat_sum $NS_B)" = $((s1 + 1)) ] ||
		fail "$NS_B answered the Reset or counted more" || return
	return 0
}

dccp_taken_slot() {
	local out i
	cleanup
	loaded dccp_rust && { fail "dccp_rust is still loaded"; return; }
	modprobe dccp_ipv4 || fail "cannot load the C dccp_ipv4" || return
	# What the C DCCP holds from now on (its control sockets pin it): the
	# end of the run accepts exactly this (lib.sh, end_unload).
	awk '$1 == "dccp_ipv4" || $1 == "dccp" { printf "%s(%s)\n", $1, $3 }' \
		/proc/modules > $RNET_PINNED_FILE
	dmesg -c > /dev/null
	if out=$(modprobe dccp_rust 2>&1); then
		fail "dccp_rust loaded beside the C dccp_ipv4"
		return
	fi
	diag "modprobe dccp_rust: $out"
	echo "$out" | grep -q "Device or resource busy" ||
		fail "the load did not fail with EBUSY: $out" || return
	dmesg | grep -q "DCCP_RUST: IP protocol 33 is taken" ||
		fail "no message naming the protocol slot" || return
	loaded dccp_rust && { fail "dccp_rust stayed loaded"; return; }
	# Each failed load undoes everything: again and again the same error.
	for i in 1 2 3 4 5; do
		out=$(modprobe dccp_rust 2>&1) && { fail "load $i succeeded"; return; }
		echo "$out" | grep -q "Device or resource busy" ||
			fail "load $i: $out" || return
	done
	[ -z "$(proto_row DCCP_RUST)" ] || fail "DCCP_RUST left in /proc/net/protocols" || return
	[ ! -e $STATS ] || fail "$STATS left behind" || return
	# The C protocol still serves socket(). It stays loaded for the rest
	# of the boot (its control sockets pin it, see lib.sh): this test is
	# the last to use DCCP.
	out=$(dccpt socket)
	[ "$out" = ok ] || fail "socket() with the C DCCP gave: $out" || return
	return 0
}

ktap_run
