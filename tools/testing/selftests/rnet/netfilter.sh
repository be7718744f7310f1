#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernel::net::netfilter through the rust_netfilter sample
# (samples/rust/rust_netfilter.rs): three namespaces A - R - B joined by
# veth pairs, R forwarding, the sample loaded before they exist. UDP from
# A to B is counted exactly at each hook of each namespace, for IPv4 and
# IPv6; the drop rule drops and counts exactly (EPERM for a local sender);
# rules and counters of one namespace never touch another; the rule's
# sysctls refuse an unprivileged writer (EACCES for uid 65534, EPERM for
# root without CAP_NET_ADMIN); the module unloads with traffic flowing.

. "$(dirname "$0")/lib.sh"

TESTS="nf_counts_ipv4 nf_counts_ipv6 nf_drop_rule nf_sysctl_perms nf_unload_busy"

NF_A=rnnfA
NF_R=rnnfR
NF_B=rnnfB
NF_PROC=/proc/net/rust_netfilter
NF_SYS=/proc/sys/net/rust_netfilter
# Datagrams and their payload size.
NF_N=25
NF_SIZE=100

cleanup() {
	local ns
	for ns in $NF_A $NF_R $NF_B rnnfC; do ip netns del $ns 2> /dev/null; done
	rmmod rust_netfilter 2> /dev/null
}

# nf_get NS FAMILY POINT PROTO packets|bytes: one counter of NS.
nf_get() {
	ip netns exec "$1" awk -v f="$2" -v p="$3" -v proto="$4" -v what="$5" '
		$1 == f && $2 == p {
			for (i = 3; i < NF; i += 3)
				if ($i == proto) print (what == "packets" ? $(i + 1) : $(i + 2))
		}' $NF_PROC
}

nf_dropped() { ip netns exec "$1" awk '$1 == "dropped" { print $2 }' $NF_PROC; }
nf_stolen() { ip netns exec "$1" awk '$1 == "stolen" { print $2 }' $NF_PROC; }

# nf_snapshot NS FAMILY: the UDP packet counts of NS at the five points.
nf_snapshot() {
	local p out=""
	for p in prerouting localin forward localout postrouting; do
		out="$out $(nf_get "$1" "$2" $p udp packets)"
	done
	echo $out
}

# nf_add NS...: sum of two snapshots, element by element: "a b c d e".
nf_delta() {
	echo "$1 $2" | awk '{ for (i = 1; i <= 5; i++) printf "%d ", $(i + 5) - $i }' | sed 's/ $//'
}

# The topology, with static neighbours (no ARP or ND to count) and IPv6
# addresses without duplicate address detection.
nf_setup() {
	local mac_a=02:00:00:00:0a:01 mac_ra=02:00:00:00:0a:02
	local mac_rb=02:00:00:00:0b:02 mac_b=02:00:00:00:0b:01
	cleanup
	modprobe rust_netfilter || fail "modprobe rust_netfilter failed" || return
	ip netns add $NF_A && ip netns add $NF_R && ip netns add $NF_B || return
	ip -n $NF_A link add va type veth peer name vra netns $NF_R || return
	ip -n $NF_B link add vb type veth peer name vrb netns $NF_R || return
	ip -n $NF_A link set va address $mac_a up
	ip -n $NF_R link set vra address $mac_ra up
	ip -n $NF_R link set vrb address $mac_rb up
	ip -n $NF_B link set vb address $mac_b up
	ip -n $NF_A link set lo up; ip -n $NF_R link set lo up; ip -n $NF_B link set lo up
	ip -n $NF_A addr add 10.77.1.1/24 dev va
	ip -n $NF_R addr add 10.77.1.2/24 dev vra
	ip -n $NF_R addr add 10.77.2.2/24 dev vrb
	ip -n $NF_B addr add 10.77.2.1/24 dev vb
	ip -n $NF_A -6 addr add fd77:1::1/64 dev va nodad
	ip -n $NF_R -6 addr add fd77:1::2/64 dev vra nodad
	ip -n $NF_R -6 addr add fd77:2::2/64 dev vrb nodad
	ip -n $NF_B -6 addr add fd77:2::1/64 dev vb nodad
	ip -n $NF_A route add default via 10.77.1.2
	ip -n $NF_B route add default via 10.77.2.2
	ip -n $NF_A -6 route add default via fd77:1::2
	ip -n $NF_B -6 route add default via fd77:2::2
	ip -n $NF_A neigh add 10.77.1.2 lladdr $mac_ra dev va nud permanent
	ip -n $NF_R neigh add 10.77.1.1 lladdr $mac_a dev vra nud permanent
	ip -n $NF_R neigh add 10.77.2.1 lladdr $mac_b dev vrb nud permanent
	ip -n $NF_B neigh add 10.77.2.2 lladdr $mac_rb dev vb nud permanent
	ip -n $NF_A -6 neigh add fd77:1::2 lladdr $mac_ra dev va nud permanent
	ip -n $NF_R -6 neigh add fd77:1::1 lladdr $mac_a dev vra nud permanent
	ip -n $NF_R -6 neigh add fd77:2::1 lladdr $mac_b dev vrb nud permanent
	ip -n $NF_B -6 neigh add fd77:2::2 lladdr $mac_rb dev vb nud permanent
	ip netns exec $NF_R sysctl -qw net.ipv4.ip_forward=1 || return
	ip netns exec $NF_R sysctl -qw net.ipv6.conf.all.forwarding=1 || return
	# Let router solicitations and MLD reports of the new links pass
	# before any snapshot (they are ICMPv6, not UDP, but settle anyway).
	sleep 1
}

# nf_counts FAMILY ADDR PORT: NF_N datagrams from A to B, counted at each
# point of each namespace exactly (UDP line; B answers nothing).
nf_counts() {
	local a0 r0 b0 a1 r1 b1 rc
	a0=$(nf_snapshot $NF_A $1) r0=$(nf_snapshot $NF_R $1) b0=$(nf_snapshot $NF_B $1)
	ip netns exec $NF_B xfer udp-recv $3 $NF_N $NF_SIZE 5 > /tmp/.rnet_nf.out 2>&1 &
	local pid=$!
	sleep 0.5
	ip netns exec $NF_A xfer udp-send $2 $3 $NF_N $NF_SIZE || { kill $pid; fail "udp-send failed"; return; }
	wait $pid
	rc=$?
	cat /tmp/.rnet_nf.out
	[ $rc = 0 ] || fail "B did not receive all $NF_N datagrams" || return
	a1=$(nf_snapshot $NF_A $1) r1=$(nf_snapshot $NF_R $1) b1=$(nf_snapshot $NF_B $1)
	# prerouting localin forward localout postrouting
	diag "$1 UDP counts (pre in fwd out post): A $(nf_delta "$a0" "$a1"), R $(nf_delta "$r0" "$r1"), B $(nf_delta "$b0" "$b1")"
	[ "$(nf_delta "$a0" "$a1")" = "0 0 0 $NF_N $NF_N" ] || fail "A: wrong counts" || return
	[ "$(nf_delta "$r0" "$r1")" = "$NF_N 0 $NF_N 0 $NF_N" ] || fail "R: wrong counts" || return
	[ "$(nf_delta "$b0" "$b1")" = "$NF_N $NF_N 0 0 0" ] || fail "B: wrong counts" || return
}

nf_counts_ipv4() {
	local b0 b1
	nf_setup || return
	b0=$(nf_get $NF_B ipv4 localin udp bytes)
	nf_counts ipv4 10.77.2.1 5010 || return
	b1=$(nf_get $NF_B ipv4 localin udp bytes)
	# IPv4 header 20, UDP header 8.
	[ $((b1 - b0)) = $((NF_N * (28 + NF_SIZE))) ] ||
		fail "B: $((b1 - b0)) UDP bytes at localin, want $((NF_N * (28 + NF_SIZE)))"
}

nf_counts_ipv6() {
	nf_counts ipv6 fd77:2::1 5011
}

nf_drop_rule() {
	local d0 b0 s0 out
	# B drops UDP to 5012 at PRE_ROUTING: counted there, never delivered.
	echo 17 | ip netns exec $NF_B tee $NF_SYS/drop_proto > /dev/null || return
	echo 5012 | ip netns exec $NF_B tee $NF_SYS/drop_port > /dev/null || return
	d0=$(nf_dropped $NF_B) b0=$(nf_get $NF_B ipv4 localin udp packets)
	ip netns exec $NF_A xfer udp-send 10.77.2.1 5012 $NF_N $NF_SIZE || fail "udp-send failed" || return
	sleep 0.5
	diag "B dropped $(( $(nf_dropped $NF_B) - d0 )) of $NF_N"
	[ $(( $(nf_dropped $NF_B) - d0 )) = $NF_N ] || fail "B did not drop exactly $NF_N" || return
	[ "$(nf_get $NF_B ipv4 localin udp packets)" = "$b0" ] || fail "dropped packets reached LOCAL_IN" || return
	# Stolen instead: the hook owns and frees them; none is delivered or
	# counted as dropped (kmemleak and KASAN watch the ownership).
	echo 1 | ip netns exec $NF_B tee $NF_SYS/rule_steal > /dev/null || return
	d0=$(nf_dropped $NF_B) s0=$(nf_stolen $NF_B)
	ip netns exec $NF_A xfer udp-send 10.77.2.1 5012 $NF_N $NF_SIZE || fail "udp-send failed" || return
	sleep 0.5
	diag "B stole $(( $(nf_stolen $NF_B) - s0 )) of $NF_N"
	[ $(( $(nf_stolen $NF_B) - s0 )) = $NF_N ] || fail "B did not steal exactly $NF_N" || return
	[ "$(nf_dropped $NF_B)" = "$d0" ] || fail "stolen packets counted as dropped" || return
	[ "$(nf_get $NF_B ipv4 localin udp packets)" = "$b0" ] || fail "stolen packets reached LOCAL_IN" || return
	echo 0 | ip netns exec $NF_B tee $NF_SYS/rule_steal > /dev/null || return
	# Other ports pass, and the other namespaces have no rule.
	nf_counts ipv4 10.77.2.1 5013 || return
	[ "$(nf_dropped $NF_A)" = 0 ] && [ "$(nf_dropped $NF_R)" = 0 ] ||
		fail "a rule of B dropped packets in A or R" || return
	[ "$(ip netns exec $NF_A cat $NF_SYS/drop_proto)" = 0 ] || fail "B's rule shows in A" || return
	# A local sender whose packet the rule drops at LOCAL_OUT gets EPERM.
	echo 17 | ip netns exec $NF_A tee $NF_SYS/drop_proto > /dev/null || return
	out=$(ip netns exec $NF_A xfer udp-send 10.77.2.1 5014 1 $NF_SIZE 2>&1) &&
		{ fail "the send succeeded with its packet dropped"; return; }
	diag "A's send under its own rule: $out"
	case $out in *"Operation not permitted"*) ;; *) fail "want EPERM" || return ;; esac
	[ "$(nf_dropped $NF_A)" = 1 ] || fail "A dropped $(nf_dropped $NF_A), want 1" || return
	echo 0 | ip netns exec $NF_A tee $NF_SYS/drop_proto > /dev/null
	echo 0 | ip netns exec $NF_B tee $NF_SYS/drop_proto > /dev/null
	# Out of range: refused, nothing changed.
	if echo 256 | ip netns exec $NF_B tee $NF_SYS/drop_proto > /dev/null 2>&1; then
		fail "drop_proto 256 accepted"; return
	fi
	[ "$(ip netns exec $NF_B cat $NF_SYS/drop_proto)" = 0 ] || fail "drop_proto changed"
}

nf_sysctl_perms() {
	local out
	out=$(ip netns exec $NF_B xfer write-nobody $NF_SYS/drop_proto 6)
	diag "uid 65534: $out"
	[ "$out" = "open EACCES" ] || fail "want EACCES at open for uid 65534" || return
	out=$(ip netns exec $NF_B xfer write-nocap $NF_SYS/drop_proto 6)
	diag "root without CAP_NET_ADMIN: $out"
	[ "$out" = "write EPERM" ] || fail "want EPERM from the handler" || return
	[ "$(ip netns exec $NF_B cat $NF_SYS/drop_proto)" = 0 ] || fail "the rule changed" || return
	out=$(ip netns exec $NF_B xfer write-nocap /proc/sys/net/rnet_netns_none 6)
	[ "$out" = "open ENOENT" ] || fail "the tool's control case: $out"
}

# Traffic keeps flowing through all three namespaces while the module
# goes; a namespace is deleted and made with it loaded as well.
nf_unload_busy() {
	local pid
	ip netns del $NF_R || fail "ip netns del $NF_R failed" || return
	ip netns add rnnfC || fail "ip netns add rnnfC failed" || return
	ip netns exec rnnfC cat $NF_PROC > /dev/null || fail "a new namespace has no counters" || return
	ip netns del rnnfC || fail "ip netns del rnnfC failed" || return
	# A to itself: LOCAL_OUT, POST_ROUTING, PRE_ROUTING and LOCAL_IN each
	# time (nothing listens: refused datagrams, which the sender ignores).
	ip netns exec $NF_A xfer udp-send 10.77.1.1 5020 100000000 $NF_SIZE > /dev/null 2>&1 &
	pid=$!
	sleep 1
	wait_for 10 rmmod rust_netfilter || { kill $pid; fail "rmmod failed under traffic"; return; }
	kill $pid 2> /dev/null
	wait $pid 2> /dev/null
	diag "unloaded with A sending to itself"
	[ ! -e $NF_PROC ] || fail "counters left after unload" || return
	cleanup
	return 0
}

ktap_run
