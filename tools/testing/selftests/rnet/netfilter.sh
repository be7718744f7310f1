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
	nsexec "$1" awk -v f="$2" -v p="$3" -v proto="$4" -v what="$5" '
		$1 == f && $2 == p {
			for (i = 3; i < NF; i += 3)
				if ($i == proto) print (what == "packets" ? $(i + 1) : $(i + 2))
		}' $NF_PROC
}

# nf_bound PORT: a UDP socket of B is bound to PORT.
nf_bound() {
	nsexec $NF_B cat /proc/net/udp /proc/net/udp6 |
		grep -qi ":$(printf %04X "$1") "
}

# nf_reaches NS WHAT N: the counter printed by "WHAT NS" reaches N (10 s).
nf_ge() { [ "$($2 "$1")" -ge "$3" ]; }
nf_reaches() { wait_for 10 nf_ge "$@"; }

nf_dropped() { nsexec "$1" awk '$1 == "dropped" { print $2 }' $NF_PROC; }
nf_stolen() { nsexec "$1" awk '$1 == "stolen" { print $2 }' $NF_PROC; }

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
	nsexec $NF_R sysctl -qw net.ipv4.ip_forward=1 || return
	nsexec $NF_R sysctl -qw net.ipv6.conf.all.forwarding=1 || return
	# Let router solicitations and MLD reports of the new links pass
	# before any snapshot (they are ICMPv6, not UDP, but settle anyway).
	sleep 1
}

# nf_counts FAMILY ADDR PORT: NF_N datagrams from A to B, counted at each
# point of each namespace exactly (UDP line; B answers nothing).
nf_counts() {
	local a0 r0 b0 a1 r1 b1 rc
	a0=$(nf_snapshot $NF_A $1) r0=$(nf_snapshot $NF_R $1) b0=$(nf_snapshot $NF_B $1)
	nsexec $NF_B xfer udp-recv $3 $NF_N $NF_SIZE 10 > /tmp/.rnet_nf.out 2>&1 &
	local pid=$!
	wait_for 10 nf_bound $3 || { kill $pid; fail "B's receiver did not bind port $3"; return; }
	nsexec $NF_A env XFER_DSTOPTS=${XFER_DSTOPTS:-} xfer udp-send $2 $3 $NF_N $NF_SIZE ||
		{ kill $pid; fail "udp-send failed"; return; }
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

# With a 16-byte destination options header: the hook must walk it to
# find UDP, and the bytes count it (40 + 16 + 8 + payload).
nf_counts_ipv6() {
	local b0 b1
	b0=$(nf_get $NF_B ipv6 localin udp bytes)
	XFER_DSTOPTS=16 nf_counts ipv6 fd77:2::1 5011 || return
	b1=$(nf_get $NF_B ipv6 localin udp bytes)
	[ $((b1 - b0)) = $((NF_N * (64 + NF_SIZE))) ] ||
		fail "B: $((b1 - b0)) IPv6 UDP bytes at localin, want $((NF_N * (64 + NF_SIZE)))"
}

# nf_set NS ENTRY VALUE: write one of the rule's sysctls in NS.
nf_set() {
	echo "$3" | nsexec "$1" tee $NF_SYS/$2 > /dev/null ||
		fail "$1: writing $3 to $2 failed"
}

nf_drop_rule() {
	local d0 b0 p0 s0 out
	# B drops UDP to 5012 at PRE_ROUTING: counted there, never delivered.
	nf_set $NF_B drop_proto 17 && nf_set $NF_B drop_port 5012 || return
	d0=$(nf_dropped $NF_B) b0=$(nf_get $NF_B ipv4 localin udp packets)
	p0=$(nf_get $NF_B ipv4 prerouting udp packets)
	nsexec $NF_A xfer udp-send 10.77.2.1 5012 $NF_N $NF_SIZE || fail "udp-send failed" || return
	nf_reaches $NF_B nf_dropped $((d0 + NF_N))
	diag "B dropped $(( $(nf_dropped $NF_B) - d0 )) of $NF_N"
	[ $(( $(nf_dropped $NF_B) - d0 )) = $NF_N ] || fail "B did not drop exactly $NF_N" || return
	[ $(( $(nf_get $NF_B ipv4 prerouting udp packets) - p0 )) = $NF_N ] ||
		fail "the dropped packets were not counted at PRE_ROUTING" || return
	[ "$(nf_get $NF_B ipv4 localin udp packets)" = "$b0" ] || fail "dropped packets reached LOCAL_IN" || return
	# The same rule in R drops forwarded packets at R's PRE_ROUTING: B
	# sees none of them.
	nf_set $NF_B drop_proto 0 && nf_set $NF_R drop_proto 17 && nf_set $NF_R drop_port 5012 || return
	d0=$(nf_dropped $NF_R) p0=$(nf_get $NF_B ipv4 prerouting udp packets)
	XFER_DSTOPTS=16 nsexec $NF_A xfer udp-send fd77:2::1 5012 $NF_N $NF_SIZE ||
		fail "udp-send failed" || return
	nsexec $NF_A xfer udp-send 10.77.2.1 5012 $NF_N $NF_SIZE || fail "udp-send failed" || return
	nf_reaches $NF_R nf_dropped $((d0 + 2 * NF_N))
	diag "R dropped $(( $(nf_dropped $NF_R) - d0 )) of $((2 * NF_N)) forwarded (IPv6 with options, IPv4)"
	[ $(( $(nf_dropped $NF_R) - d0 )) = $((2 * NF_N)) ] || fail "R did not drop exactly $((2 * NF_N))" || return
	[ "$(nf_get $NF_B ipv4 prerouting udp packets)" = "$p0" ] || fail "B saw packets R dropped" || return
	nf_set $NF_R drop_proto 0 && nf_set $NF_B drop_proto 17 || return
	# Stolen instead: the hook owns and frees them; none is delivered or
	# counted as dropped (kmemleak and KASAN watch the ownership).
	nf_set $NF_B rule_steal 1 || return
	d0=$(nf_dropped $NF_B) s0=$(nf_stolen $NF_B)
	nsexec $NF_A xfer udp-send 10.77.2.1 5012 $NF_N $NF_SIZE || fail "udp-send failed" || return
	nf_reaches $NF_B nf_stolen $((s0 + NF_N))
	diag "B stole $(( $(nf_stolen $NF_B) - s0 )) of $NF_N"
	[ $(( $(nf_stolen $NF_B) - s0 )) = $NF_N ] || fail "B did not steal exactly $NF_N" || return
	[ "$(nf_dropped $NF_B)" = "$d0" ] || fail "stolen packets counted as dropped" || return
	[ "$(nf_get $NF_B ipv4 localin udp packets)" = "$b0" ] || fail "stolen packets reached LOCAL_IN" || return
	nf_set $NF_B rule_steal 0 || return
	# Other ports pass, and the other namespaces' rules and counts are
	# their own (R's earlier rule is off; what it dropped stays).
	d0=$(nf_dropped $NF_R)
	nf_counts ipv4 10.77.2.1 5013 || return
	[ "$(nf_dropped $NF_A)" = 0 ] && [ "$(nf_dropped $NF_R)" = "$d0" ] ||
		fail "a rule of B dropped packets in A or R" || return
	[ "$(nsexec $NF_A cat $NF_SYS/drop_proto)" = 0 ] || fail "B's rule shows in A" || return
	# A local sender whose packet the rule drops at LOCAL_OUT gets EPERM.
	nf_set $NF_A drop_proto 17 || return
	out=$(nsexec $NF_A xfer udp-send 10.77.2.1 5014 1 $NF_SIZE 2>&1) &&
		{ fail "the send succeeded with its packet dropped"; return; }
	diag "A's send under its own rule: $out"
	case $out in *"Operation not permitted"*) ;; *) fail "want EPERM" || return ;; esac
	[ "$(nf_dropped $NF_A)" = 1 ] || fail "A dropped $(nf_dropped $NF_A), want 1" || return
	nf_set $NF_A drop_proto 0 && nf_set $NF_B drop_proto 0 || return
	# Out of range: refused, nothing changed.
	if echo 256 | nsexec $NF_B tee $NF_SYS/drop_proto > /dev/null 2>&1; then
		fail "drop_proto 256 accepted"; return
	fi
	[ "$(nsexec $NF_B cat $NF_SYS/drop_proto)" = 0 ] || fail "drop_proto changed"
}

nf_sysctl_perms() {
	local out
	out=$(nsexec $NF_B xfer write-nobody $NF_SYS/drop_proto 6)
	diag "uid 65534: $out"
	[ "$out" = "open EACCES" ] || fail "want EACCES at open for uid 65534" || return
	out=$(nsexec $NF_B xfer write-nocap $NF_SYS/drop_proto 6)
	diag "root without CAP_NET_ADMIN: $out"
	[ "$out" = "write EPERM" ] || fail "want EPERM from the handler" || return
	[ "$(nsexec $NF_B cat $NF_SYS/drop_proto)" = 0 ] || fail "the rule changed" || return
	out=$(nsexec $NF_B xfer write-nocap /proc/sys/net/rnet_netns_none 6)
	[ "$out" = "open ENOENT" ] || fail "the tool's control case: $out" || return
	# The check is against the namespace's own user namespace: an
	# unprivileged user's new user and network namespaces are its to set
	# (it has no capability in the initial namespace).
	out=$(xfer run-nobody unshare -Urn sh -c \
		"echo 6 > $NF_SYS/drop_proto && cat $NF_SYS/drop_proto" 2>&1)
	diag "uid 65534 in its own user and network namespace: $out"
	[ "$out" = 6 ] || fail "root of a child user namespace could not set its own rule"
}

# The module goes while A sends to B through R (the sender must see its
# datagrams counted before, and survive the unload); then a namespace is
# made and deleted, and R deleted with traffic flowing, with the module
# loaded again. A clean unload releases nothing as leaked.
nf_unload_busy() {
	local pid c0 c1
	dmesg -c > /dev/null
	nsexec $NF_A xfer udp-send 10.77.2.1 5020 100000000 $NF_SIZE > /dev/null 2>&1 &
	pid=$!
	c0=$(nf_get $NF_A ipv4 localout udp packets)
	sleep 0.5
	c1=$(nf_get $NF_A ipv4 localout udp packets)
	kill -0 $pid 2> /dev/null && [ "$c1" -gt "$c0" ] ||
		{ kill $pid 2> /dev/null; fail "no traffic before the unload ($c0 -> $c1)"; return; }
	wait_for 30 rmmod rust_netfilter || { kill $pid; fail "rmmod failed under traffic"; return; }
	kill -0 $pid 2> /dev/null || fail "the sender died with the unload" || return
	[ ! -e $NF_PROC ] || { kill $pid; fail "counters left after unload"; return; }
	diag "unloaded while A sent to B through R ($((c1 - c0)) datagrams in 0.5 s before)"
	if dmesg | grep -q "releasing a registration"; then
		kill $pid; fail "a registration of a clean unload was released as leaked"; return
	fi
	modprobe rust_netfilter || { kill $pid; fail "reloading rust_netfilter failed"; return; }
	ip netns add rnnfC || { kill $pid; fail "ip netns add rnnfC failed"; return; }
	nsexec rnnfC cat $NF_PROC > /dev/null || { kill $pid; fail "a new namespace has no counters"; return; }
	ip netns del rnnfC || { kill $pid; fail "ip netns del rnnfC failed"; return; }
	ip netns del $NF_R || { kill $pid; fail "ip netns del $NF_R failed"; return; }
	kill $pid 2> /dev/null
	wait $pid 2> /dev/null
	cleanup
	return 0
}

ktap_run
