#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dccp_rust against the C DCCP of the same tree, in two guests joined by a
# QEMU socket netdev on 127.0.0.1 (tools/rnet/check.sh starts them): this
# one, with dccp_rust over e1000e_rust on the peer-link NIC (10.0.9.1,
# fd00:9::1), and the peer, with the C dccp_ipv4 and dccp_ipv6 over the C
# e1000e (10.0.9.2, fd00:9::2, interop_peer.sh), which runs what this
# script asks over TCP (interop_ctl.sh). Rust as client and as server:
# feature negotiation in the handshake (the C DCCP resets a connection
# whose Changes go unconfirmed), echo with content checked, bulk both ways
# with CCID 2 (Ack Ratio 2 asked of the C receiver as the window grows;
# the C sender's Ack Ratio honoured and its Sequence Window Changes
# confirmed), both close orders; echo, both close orders and bulk both
# ways over IPv6; the SOL_DCCP options' answers.

. "$(dirname "$0")/lib.sh"

TESTS="interop_setup interop_rust_client_echo interop_rust_server_echo
	interop_rust_to_c_bulk interop_c_to_rust_bulk interop_rust_client_close
	interop_rust_server_close interop_ipv6_echo interop_ipv6_close interop_ipv6_bulk
	interop_sockopts interop_no_drops interop_peer_end"

SELF=10.0.9.1
PEER=10.0.9.2
SELF6=fd00:9::1
PEER6=fd00:9::2
STATS=/proc/net/dccp_rust_stats
MAC_SELF=52:54:00:00:01:01
BULK_N=$(bulk 1000)

# peer CMD...: one command to the peer (interop_ctl.sh), its output.
peer() { echo "$*" | nc -w 10 $PEER 7000; }

# After the last test: the peer is told to end, if no test did (a failed
# one), so that it does not wait for its timeout.
cleanup() {
	peer quit > /dev/null 2>&1
	rmmod dccp_rust 2> /dev/null
	return 0
}

# drop_counts: the non-zero drop counters of dccp_rust in this namespace.
drop_counts() { awk '/^drop_/ && $2 != 0 { printf "%s ", $0 }' $STATS; }

# The peer-link NIC on e1000e_rust, addressed; dccp_rust loaded; the peer
# answering (it boots beside this guest: up to 4 minutes in the debug
# flavour).
interop_setup() {
	local ifc
	modprobe e1000e_rust || fail "modprobe e1000e_rust failed" || return
	wait_for 10 ifname_by_mac "" $MAC_SELF || fail "no peer-link NIC" || return
	ifc=$(ifname_by_mac "" $MAC_SELF)
	ip addr add $SELF/24 dev "$ifc" && ip link set "$ifc" up || return
	ip -6 addr add $SELF6/64 dev "$ifc" nodad || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	# Short TIMEWAIT: every socket is gone when the guest ends.
	echo 500 > /proc/sys/net/dccp_rust/timewait_ms || return
	wait_for 240 sh -c "echo run true | nc -w 2 $PEER 7000 | grep -qx 'rc 0'" ||
		fail "the peer guest does not answer on $PEER:7000" || return
	diag "peer: $(peer run 'uname -r; lsmod | grep -c "^dccp"' | tr '\n' ' ')"
	[ "$(peer run 'lsmod | grep -c "^dccp_ipv[46] "')" = "2
rc 0" ] || fail "the peer has not both dccp_ipv4 and dccp_ipv6" || return
	# The C DCCP's warnings are rate-limited by one budget for all of
	# networking (10 in 5 s): a run of the Ack Vector one that
	# interop_peer_end leaves out would silence any other. No limit.
	[ "$(peer run 'echo 0 > /proc/sys/net/core/message_cost')" = "rc 0" ] ||
		fail "the peer's net.core.message_cost cannot be set"
}

# rust_client_echo FAM PEER_ADDR PORT MAX MPS: the Rust client (AF_INET6
# if FAM is 6) of a C echo server at PEER_ADDR:PORT: the handshake (the C
# client's and server's Changes confirmed, else it resets), 50 messages
# of up to MAX bytes echoed whole, eight in flight, a short read, one byte
# more than the client's MPS refused.
rust_client_echo() {
	local fam=$1 addr=$2 port=$3 max=$4 mps=$5 out got
	out=$(peer bg es$port DCCPT_FAMILY=$fam dccpt echo-server $port)
	[ "$out" = ok ] || fail "C echo server: $out" || return
	out=$(echo $(env DCCPT_FAMILY=$fam dccpt echo-client $addr $port 50 $max))
	got=$(peer out es$port | tail -n 1)
	diag "rust client: $out"
	diag "C server: $got"
	[ "$out" = "$(echo_line $mps 50)" ] ||
		fail "echo client: $out" || return
	[ "$got" = "$(echo_want 50 $max)" ] || fail "C echo server: $got"
}

# rust_server_echo FAM SELF_ADDR PORT MAX MPS: the same the other way (MPS
# is the C client's).
rust_server_echo() {
	local fam=$1 addr=$2 port=$3 max=$4 mps=$5 out
	: > /tmp/interop_es.out
	DCCPT_FAMILY=$fam dccpt echo-server $port > /tmp/interop_es.out &
	wait_for 3 grep -q . /tmp/interop_es.out || fail "no echo server" || return
	out=$(echo $(peer run DCCPT_FAMILY=$fam dccpt echo-client $addr $port 50 $max))
	diag "C client: $out"
	[ "$out" = "$(echo_line $mps 50) rc 0" ] ||
		fail "C echo client: $out" || return
	wait
	out=$(tail -n 1 /tmp/interop_es.out)
	diag "rust server: $out"
	[ "$out" = "$(echo_want 50 $max)" ] || fail "rust echo server: $out"
}

# Rust client, C server, messages of up to 1424 bytes: the C server's
# MPS, 16 bytes below its client's (1440), as it keeps room for the Ack
# Vectors it sends (net/dccp/output.c, dccp_sync_mss), so that it cannot
# echo a message of its client's MPS.
interop_rust_client_echo() { rust_client_echo "" $PEER 6001 1424 1440; }

# C client, Rust server.
interop_rust_server_echo() { rust_server_echo "" $SELF 6002 1440 1440; }

# sender_ok OUT N: what dccpt bulk-client printed after sending N messages
# to the C receiver on a clean link: each acknowledged, but for a last odd
# one (the C receiver acknowledges every Ack Ratio packets only, and left
# alone, the last waits for the sender's timeout: then a timeout is
# counted, and no halving, which a loss read from an Ack Vector would
# bring); the Ack Ratio dccp_rust asked for as its window grew (2)
# confirmed, the C sender's the default.
sender_ok() {
	local acked lost
	acked=$(field acked "$1") lost=$(field lost "$1")
	[ -n "$acked" ] && [ -n "$lost" ] && [ "$lost" -le 1 ] &&
		[ $((acked + lost)) = $2 ] && [ "$(field halvings "$1")" = 0 ] &&
		{ [ "$lost" = 0 ] || [ "$(field timeouts "$1")" -ge 1 ]; } ||
		fail "not all acknowledged: $(echo $1)" || return
	[ "$(field ack_ratio "$1")" = 2/2 ] ||
		fail "Ack Ratio (ours/the peer's) not 2/2: $(echo $1)"
}

# Rust sends BULK_N messages of 1400 bytes to the C receiver: all received
# intact, every one acknowledged (sender_ok).
interop_rust_to_c_bulk() {
	local out got
	out=$(peer bg bs dccpt bulk-server 6003)
	[ "$out" = ok ] || fail "C bulk server: $out" || return
	out=$(dccpt bulk-client $PEER 6003 $BULK_N 1400)
	diag "rust sender: $(echo $out)"
	got=$(peer out bs | tail -n 1)
	diag "C receiver: $got"
	[ "$got" = "received $BULK_N messages $((BULK_N * 1400)) bytes bad 0 reordered 0" ] ||
		fail "C receiver: $got" || return
	sender_ok "$out" $BULK_N
}

# The C sender's BULK_N messages to dccp_rust: all received intact, and
# the Sequence Window the C CCID 2 widens during the connection (its
# Change L) taken: dccp_rust's own follows it up (seq_window OURS/PEER's).
# The peer's value at the end is not checked: the C CCID 2 narrows its
# window again when the sender goes idle (seen: 400/100 in the debug
# flavour).
interop_c_to_rust_bulk() {
	local out got
	: > /tmp/interop_bs.out
	dccpt bulk-server 6004 > /tmp/interop_bs.out &
	wait_for 3 grep -q . /tmp/interop_bs.out || fail "no bulk server" || return
	out=$(peer run dccpt bulk-client $SELF 6004 $BULK_N 1400)
	diag "C sender: $(echo $out)"
	wait
	got=$(cat /tmp/interop_bs.out)
	diag "rust receiver: $(echo $got)"
	echo "$got" | grep -qx "received $BULK_N messages $((BULK_N * 1400)) bytes bad 0 reordered 0" ||
		fail "rust receiver: $(echo $got)" || return
	w=$(field seq_window "$got")
	[ -n "$w" ] && [ "${w%/*}" -gt 100 ] ||
		fail "dccp_rust did not follow the C sender's Sequence Window: $(echo $got)"
}

# client_close_orders FAM PEER_ADDR PORT1 PORT2: a Rust client and a C
# server, each closing first.
client_close_orders() {
	local fam=$1 addr=$2 out
	out=$(peer bg sw$3 DCCPT_FAMILY=$fam dccpt server $3 1 5 wait)
	[ "$out" = ok ] || fail "C server: $out" || return
	out=$(echo $(env DCCPT_FAMILY=$fam dccpt client $addr $3 close))
	case $out in "ok port "*) ;; *) fail "rust client: $out"; return ;; esac
	out=$(echo $(peer out sw$3))
	diag "client closes: C server $out"
	[ "$out" = "ok accepted hup" ] || fail "C server: $out" || return
	out=$(peer bg sc$4 DCCPT_FAMILY=$fam dccpt server $4 1 5 close)
	[ "$out" = ok ] || fail "C server: $out" || return
	out=$(echo $(env DCCPT_FAMILY=$fam dccpt client $addr $4 wait))
	diag "server closes: rust client $out"
	case $out in "ok port "*" hup "*" 0") ;; *) fail "rust client: $out"; return ;; esac
	out=$(echo $(peer out sc$4))
	[ "$out" = "ok accepted" ] || fail "C server: $out"
}

# server_close_orders FAM SELF_ADDR PORT1 PORT2: a C client and a Rust
# server, each closing first.
server_close_orders() {
	local fam=$1 addr=$2 out
	: > /tmp/interop_sw.out
	DCCPT_FAMILY=$fam dccpt server $3 1 5 wait > /tmp/interop_sw.out &
	wait_for 3 grep -q . /tmp/interop_sw.out || fail "no server" || return
	out=$(echo $(peer run DCCPT_FAMILY=$fam dccpt client $addr $3 close))
	case $out in "ok port "*" rc 0") ;; *) fail "C client: $out"; return ;; esac
	wait
	out=$(echo $(cat /tmp/interop_sw.out))
	diag "client closes: rust server $out"
	[ "$out" = "ok accepted hup" ] || fail "rust server: $out" || return
	: > /tmp/interop_sc.out
	DCCPT_FAMILY=$fam dccpt server $4 1 5 close > /tmp/interop_sc.out &
	wait_for 3 grep -q . /tmp/interop_sc.out || fail "no server" || return
	out=$(echo $(peer run DCCPT_FAMILY=$fam dccpt client $addr $4 wait))
	diag "server closes: C client $out"
	case $out in "ok port "*" hup "*" 0 rc 0") ;; *) fail "C client: $out"; return ;; esac
	wait
	out=$(echo $(cat /tmp/interop_sc.out))
	[ "$out" = "ok accepted" ] || fail "rust server: $out"
}

interop_rust_client_close() { client_close_orders "" $PEER 6005 6006; }

interop_rust_server_close() { server_close_orders "" $SELF 6007 6008; }

# IPv6 (dccp_rust's AF_INET6 sockets, the C dccp_ipv6): echo with the
# Rust client and the C server, then the other way; messages of up to
# 1400 bytes (the C server's IPv6 MPS is 20 bytes below its IPv4 one);
# both MPS 20 bytes below IPv4's.
interop_ipv6_echo() {
	rust_client_echo 6 $PEER6 6009 1400 1420 &&
		rust_server_echo 6 $SELF6 6010 1400 1420
}

# Both close orders over IPv6, Rust as client and as server.
interop_ipv6_close() {
	client_close_orders 6 $PEER6 6013 6014 &&
		server_close_orders 6 $SELF6 6015 6016
}

# IPv6 bulk both ways (a fifth of BULK_N): every message received intact,
# every one the Rust sender sent acknowledged (sender_ok).
interop_ipv6_bulk() {
	local out got n=$((BULK_N / 5))
	out=$(peer bg bs6 DCCPT_FAMILY=6 dccpt bulk-server 6011)
	[ "$out" = ok ] || fail "C bulk server: $out" || return
	out=$(env DCCPT_FAMILY=6 dccpt bulk-client $PEER6 6011 $n 1400)
	diag "rust sender: $(echo $out)"
	got=$(peer out bs6 | tail -n 1)
	diag "C receiver: $got"
	[ "$got" = "received $n messages $((n * 1400)) bytes bad 0 reordered 0" ] ||
		fail "C receiver: $got" || return
	sender_ok "$out" $n || return
	: > /tmp/interop_bs6.out
	DCCPT_FAMILY=6 dccpt bulk-server 6012 > /tmp/interop_bs6.out &
	wait_for 3 grep -q . /tmp/interop_bs6.out || fail "no bulk server" || return
	out=$(peer run DCCPT_FAMILY=6 dccpt bulk-client $SELF6 6012 $n 1400)
	diag "C sender: $(echo $out)"
	wait
	got=$(tail -n 1 /tmp/interop_bs6.out)
	diag "rust receiver: $got"
	[ "$got" = "received $n messages $((n * 1400)) bytes bad 0 reordered 0" ] ||
		fail "rust receiver: $got"
}

# The SOL_DCCP options on a new socket answer as the C DCCP's: dccpt
# sockopts (Service Code lists and their errors, GET_CUR_MPS, short
# buffers, unknown options; dccp.sh's dccp_service) prints the same lines
# here and in the peer.
interop_sockopts() {
	local ours theirs
	ours=$(dccpt sockopts 2>&1; echo "rc $?")
	theirs=$(peer run dccpt sockopts)
	diag "dccp_rust: $(echo $ours)"
	[ "$ours" = "$theirs" ] || fail "the C DCCP's: $(echo $theirs)"
}

# Nothing the C DCCP sent was refused: no feature, sequence or
# acknowledgement drops.
interop_no_drops() {
	local out
	[ -r $STATS ] || fail "no $STATS" || return
	out=$(drop_counts)
	diag "drops: ${out:-none}"
	[ -z "$out" ] || fail "dccp_rust dropped packets of the C DCCP: $out"
}

# No dccp_rust socket is left (TIMEWAIT ones end); none of the C DCCP's
# is in a state but TIMEWAIT (ss -d in the peer: no connection stuck
# closing); the C DCCP logged nothing (its warnings start with the name
# of a function of its own, its critical messages name net/dccp/) but
# the one its client prints when it sends data of more than its MPS less
# 128 bytes in PARTOPEN ("Payload too large ... for featneg", its own
# choice: it then drops its pending feature options), and the one it
# prints when its Ack Vector does not fit beside a DataAck's payload ("No
# space left for Ack Vector (N) on skb ... reduce payload size?"): it
# keeps 16 bytes for the vector and counts its other options twice, so
# near the MPS a vector of 15 cells does not fit; it then sends the
# DataAck without it and the vector in a Sync, which dccp_rust answers
# (seen once in six default runs, in c_to_rust_bulk, whose data is
# checked byte for byte). The peer is told to end.
interop_peer_end() {
	local out socks msgs
	wait_for 5 sh -c "[ \$(awk '\$1 == \"dccp_rust\" { print \$3 }' /proc/modules) = 0 ]" ||
		fail "dccp_rust sockets left: use count $(awk '$1 == "dccp_rust" { print $3 }' /proc/modules)" || return
	socks=$(echo $(peer run 'ss -d -a -n -H | grep -v "^TIME-WAIT"'))
	diag "peer's DCCP sockets but TIMEWAIT: $socks"
	# One line: the peer reads a command per line.
	msgs=$(peer run 'dmesg | grep -E "(dccp|ccid)[a-z0-9_]*: |net/dccp/" | grep -v -e "Payload too large ([0-9]*) for featneg" -e "dccp_insert_option_ackvec: No space left for Ack Vector ([0-9]*) on skb"')
	diag "peer's DCCP messages: $(echo $msgs)"
	diag "peer's Ack Vector fallbacks: $(echo $(peer run 'dmesg | grep -c "No space left for Ack Vector"'))"
	out=$(peer quit)
	[ "$socks" = "rc 1" ] || fail "C DCCP sockets left: $socks" || return
	[ "$(echo $msgs)" = "rc 1" ] || fail "the C DCCP complained: $msgs" || return
	[ "$out" = bye ] || fail "the peer did not take quit: $out"
}

ktap_run
