#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dccp_rust (net/dccp_rust/): its registration through kernel::net::inet,
# standing alone from the C DCCP; socket() autoloading it; bind and listen
# (a port taken twice refused, unload refused while a socket is open);
# connect to a port nobody listens on, refused by the peer's Reset; the
# handshake and both close orders across the two e1000e_rust NICs (IPv4,
# and IPv6 in dccp_ipv6), with
# TIMEWAIT at the end that sent Close; 100 connections at once; a full
# backlog answered with Too Busy; the Request retransmitted with backoff;
# drops counted by reason; the IP protocol slot taken by the C dccp_ipv4
# failing the load with EBUSY and leaving nothing registered (last: the C
# DCCP cannot be unloaded again).

. "$(dirname "$0")/lib.sh"

TESTS="dccp_standalone dccp_autoload dccp_bind_listen dccp_refused dccp_drops
	dccp_client_close dccp_server_close dccp_simultaneous_close dccp_echo dccp_ipv6 dccp_service dccp_diag
	dccp_conns dccp_backlog dccp_nf_validate dccp_nf_policy dccp_icmp
	dccp_sync dccp_ccid2 dccp_ccid_opts dccp_cscov dccp_fuzz dccp_filtered dccp_server_timewait
	dccp_retransmits dccp_failed_init
	dccp_taken_slot"

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
		nsexec "$1" awk -v f="drop_$2" '$1 == f { print $2 }' $STATS
	else
		awk -v f="drop_$2" '$1 == f { print $2 }' $STATS
	fi
}

# dccp_stat_sum NS: the sum of every drop counter of NS.
dccp_stat_sum() {
	nsexec "$1" awk '/^drop_/ { s += $2 } END { print s + 0 }' $STATS
}

# use_count: dccp_rust's use count (its sockets, timewait ones included).
use_count() { awk '$1 == "dccp_rust" { print $3 }' /proc/modules; }

# timewait_ms NS MS: NS's TIMEWAIT length.
timewait_ms() {
	nsexec "$1" sh -c "echo $2 > /proc/sys/net/dccp_rust/timewait_ms"
}

# start_server OUT ARGS...: dccpt server ARGS in B, output to OUT, up;
# its pid in SERVER (ip execs dccpt: the pid is dccpt's).
start_server() {
	local out=$1
	shift
	: > "$out"
	nsexec "$NS_B" dccpt server "$@" > "$out" &
	SERVER=$!
	wait_for 3 grep -q . "$out" && [ "$(head -n 1 "$out")" = ok ] ||
		fail "server: $(cat "$out")"
}

# TIMEWAIT for the tests that check it: long enough for the debug
# flavour's slower guest to look at it before it ends.
if [ "$(cat /rnet/flavour 2> /dev/null)" = debug ]; then TW_MS=8000; else TW_MS=3000; fi

# count_is N: dccp_rust's use count is N.
count_is() { [ "$(use_count)" = "$1" ]; }

# check_timewait NS PORT: after a close, the one dccp_rust socket left is
# the client's TIMEWAIT (TW_MS in NS_A): it holds the client's port PORT
# in NS, the server's port is free, it lasts more than 1 s, then it ends.
check_timewait() {
	local out
	wait_for 2 sh -c "[ \$(awk '\$1 == \"dccp_rust\" { print \$3 }' /proc/modules) -le 1 ]"
	count_is 1 || fail "use count $(use_count) after the close, want 1 (TIMEWAIT)" || return
	out=$(nsexec "$1" dccpt bind "$2")
	case $out in
	"errno 98 "*) ;;
	*) fail "bind of the client's port $2 in TIMEWAIT gave: $out"; return ;;
	esac
	out=$(in_b dccpt bind $PORT)
	[ "$out" = ok ] || fail "bind of the server's port gave: $out (TIMEWAIT at the server?)" || return
	sleep 1
	count_is 1 || fail "TIMEWAIT ended within 1 s of its $TW_MS ms: use count $(use_count)" || return
	deadline $((TW_MS / 1000 + 3)) count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)" || return
	out=$(nsexec "$1" dccpt bind "$2")
	[ "$out" = ok ] || fail "the client's port stayed taken after TIMEWAIT: $out"
}

# sniff_start NS IFACE SECS OUT [SPORT [TYPE N]]: dccpt sniff of port
# SPORT (PORT by default) in NS ("" for the init namespace) for SECS s or
# until N packets of TYPE, output to OUT, up; its pid in SNIFF.
sniff_start() {
	: > "$4"
	${1:+nsexec "$1"} dccpt sniff "$2" "${5:-$PORT}" "$3" $6 $7 > "$4" &
	SNIFF=$!
	wait_for 3 grep -q . "$4" && [ "$(head -n 1 "$4")" = ok ] ||
		fail "sniff: $(cat "$4")"
}

# sniff_types OUT: the packet types a sniff saw, a run of one type shown
# once, a Reset with its code ("7:1").
sniff_types() {
	awk 'NR > 1 { t = $1 == 7 ? "7:" $4 : $1; if (NR == 2 || t != last) printf "%s ", t; last = t }' "$1" |
		sed 's/ $//'
}

# check_types OUT WANT WHO: the sniff OUT saw WANT (see sniff_types).
check_types() {
	local got
	got=$(sniff_types "$1")
	diag "$3 sent: $got"
	[ "$got" = "$2" ] || fail "$3 sent '$got', want '$2'"
}

# check_backoff OUT TYPE N: the sniff OUT saw exactly N packets of TYPE,
# with consecutive sequence numbers, the first gap 0.7 to 1.6 s and each
# next one 1.5 to 3 times the one before.
check_backoff() {
	local out
	diag "type seq ms: $(tail -n +2 "$1" | tr '\n' ';')"
	out=$(awk -v type="$2" -v n="$3" 'NR == 1 || $1 != type { next }
		k++ && ($2 - seq + 281474976710656) % 281474976710656 != 1 { bad = "sequence numbers" }
		k > 1 { gap = $3 - last
			if (k == 2 && (gap < 700 || gap > 1600)) bad = "first gap " gap " ms"
			if (k > 2 && (gap * 2 < prev * 3 || gap > prev * 3)) bad = "gap " gap " ms after " prev
			prev = gap }
		{ seq = $2; last = $3 }
		END { if (k != n) bad = k + 0 " packets"; print bad }' "$1")
	[ -z "$out" ] || fail "want $3 packets of type $2 backing off: $out"
}

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
	local out pid n0 i
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	: > /tmp/dccp_listen.out
	dccpt listen $PORT 60 > /tmp/dccp_listen.out &
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
	# from a raw socket reaches the listener, which answers with one
	# Response: to port 40000 with no DCCP socket, counted once as
	# no_socket, whose Reset (No Connection) ends the request: nothing
	# sent again, nothing else counted.
	n0=$(awk '/^drop_/ { s += $2 } END { print s + 0 }' $STATS)
	sniff_start "" lo 2 /tmp/dccp_lo2.out 40000 || return
	out=$(rnet-drill dccp-raw 127.0.0.1 127.0.0.1 $PORT valid)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait $SNIFF
	check_types /tmp/dccp_lo2.out "0 1 7:3" "127.0.0.1:40000 and the listener" || return
	[ "$(awk '/^drop_/ { s += $2 } END { print s + 0 }' $STATS)" = $((n0 + 1)) ] &&
		[ "$(dccp_stat "" no_socket)" -ge 1 ] ||
		fail "drops $n0 -> $(awk '/^drop_/ { s += $2 } END { print s + 0 }' $STATS), want one no_socket" || return
	if rmmod dccp_rust 2> /dev/null; then
		fail "dccp_rust unloaded with a socket open"
		return
	fi
	loaded dccp_rust || fail "dccp_rust is gone with a socket open" || return
	kill $pid
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
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT badcsum)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT short)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '/^drop_/ { s += \$2 } END { print s + 0 }' $STATS) -ge $((s0 + 2)) ]"
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
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT valid)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_A awk '/^drop_/ { s += \$2 } END { print s + 0 }' $STATS) -gt $a0 ]"
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

# client_port OUT: the local port "dccpt client" printed to OUT.
client_port() { awk '$1 == "port" { print $2 }' "$1"; }

# close_exchange SERVER_MODE CLIENT_MODE WANT_SERVER WANT_CLIENT WANT_B:
# a connection across the NICs closed as the modes say (dccpt server and
# client); each side's output as wanted (shell patterns; the client's
# without its port line and its time), the packets B sent as WANT_B (A
# always sends Request, Ack, Close), TIMEWAIT at the client only, nothing
# dropped. A mode "closeat" closes at CLOSE_IN ms after the sniffers
# are up (the same instant at both ends).
close_exchange() {
	local out cport a0 b0 sniff_a sniff_b m1=$1 m2=$2 t
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A $TW_MS
	timewait_ms $NS_B 60000
	a0=$(dccp_stat_sum $NS_A) b0=$(dccp_stat_sum $NS_B)
	sniff_start $NS_A "$IF_A" 60 /tmp/dccp_sa.out || return
	sniff_a=$SNIFF
	sniff_start $NS_B "$IF_B" 60 /tmp/dccp_sb.out || return
	sniff_b=$SNIFF
	t=$(( $(dccpt now) + ${CLOSE_IN:-0} ))
	[ "$m1" = closeat ] && m1=closeat$t
	[ "$m2" = closeat ] && m2=closeat$t
	start_server /tmp/dccp_srv.out $PORT 1 4 "$m1" || return
	in_a dccpt client $IP_B $PORT "$m2" > /tmp/dccp_cl.out
	wait $SERVER
	cport=$(client_port /tmp/dccp_cl.out)
	diag "client: $(echo $(cat /tmp/dccp_cl.out)); server: $(echo $(cat /tmp/dccp_srv.out))"
	out=$(echo $(awk '$1 != "port"' /tmp/dccp_cl.out | cut -d" " -f1,3))
	[ -n "$cport" ] || fail "client saw: $out" || return
	case $out in
	$4) ;;
	*) fail "client saw: $out"; return ;;
	esac
	out=$(echo $(cat /tmp/dccp_srv.out))
	case $out in
	$3) ;;
	*) fail "server saw: $out"; return ;;
	esac
	check_timewait $NS_A "$cport" || return
	kill $sniff_a $sniff_b
	wait
	check_types /tmp/dccp_sa.out "0 3 6" "the client" || return
	check_types /tmp/dccp_sb.out "$5" "the server" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] && [ "$(dccp_stat_sum $NS_B)" = "$b0" ] ||
		fail "packets dropped: $NS_A $a0 -> $(dccp_stat_sum $NS_A)," \
			"$NS_B $b0 -> $(dccp_stat_sum $NS_B)"
}

# The client closes: Close from it, Response and Reset (Closed) from the
# server, whose reader sees the end.
dccp_client_close() {
	close_exchange wait close "ok accepted hup" ok "1 7:1"
}

# The server closes first: CloseReq, the client's Close, the server's
# Reset (Closed); the client's reader sees the end with no error.
dccp_server_close() {
	close_exchange close wait "ok accepted" "ok hup 0" "1 5 7:1"
}

# Simultaneous close (RFC 4340 8.3): both ends call close() at the same
# instant while netem holds each NIC's packets 200 ms, so the client's
# Close and the server's CloseReq cross on the wire. The server, which
# sent CloseReq, answers the Close with a Reset (Closed) and is done; the
# client, closing, ignores the CloseReq and takes the Reset into
# TIMEWAIT; both close() calls were within 200 ms of each other (else
# the packets need not have crossed); nothing dropped.
dccp_simultaneous_close() {
	local ta tb rc
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	in_a tc qdisc add dev "$IF_A" root netem delay 200ms || fail "netem" || return
	in_b tc qdisc add dev "$IF_B" root netem delay 200ms ||
		{ in_a tc qdisc del dev "$IF_A" root; fail "netem"; return; }
	# The handshake takes three one-way trips of 200 ms: both close 2 s
	# after the server starts, the debug flavour's slower start included.
	CLOSE_IN=2000 close_exchange closeat closeat "ok accepted closing *" "ok closing" "1 5 7:1"
	rc=$?
	in_a tc qdisc del dev "$IF_A" root
	in_b tc qdisc del dev "$IF_B" root
	ta=$(awk '$1 == "closing" { print $2 }' /tmp/dccp_cl.out)
	tb=$(awk '$1 == "closing" { print $2 }' /tmp/dccp_srv.out)
	diag "close() at $ta (client) and $tb (server)"
	[ $rc = 0 ] || return 1
	[ -n "$ta" ] && [ -n "$tb" ] && [ $((ta - tb)) -lt 200 ] && [ $((tb - ta)) -lt 200 ] ||
		fail "the closes were not simultaneous: $ta and $tb"
}

# Data across the NICs: 200 messages of 1 to 1440 bytes (1440: the MPS
# on a 1500-byte path, as the C DCCP's) each sent back by the server
# whole and unchanged, one message per call both ways; eight in flight
# at once, each back whole and in order; a read into a short buffer gets
# the message's head with MSG_TRUNC and the next read the next message;
# a 1441-byte one refused with EMSGSIZE; the server reads the end of the
# connection when the client closes; nothing dropped.
dccp_echo() {
	local out a0 b0
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A $TW_MS
	a0=$(dccp_stat_sum $NS_A) b0=$(dccp_stat_sum $NS_B)
	: > /tmp/dccp_echo.out
	nsexec "$NS_B" dccpt echo-server $PORT > /tmp/dccp_echo.out &
	SERVER=$!
	wait_for 3 grep -q . /tmp/dccp_echo.out && [ "$(head -n 1 /tmp/dccp_echo.out)" = ok ] ||
		fail "echo server: $(cat /tmp/dccp_echo.out)" || return
	out=$(echo $(in_a dccpt echo-client $IP_B $PORT 200 1440))
	diag "client: $out"
	[ "$out" = "$(echo_line 1440 200)" ] || fail "echo client: $out" || return
	wait $SERVER
	# The 200, the burst of eight (100 to 107 bytes), 100 and 4 bytes.
	out=$(tail -n 1 /tmp/dccp_echo.out)
	diag "server: $out"
	[ "$out" = "$(echo_want 200 1440)" ] || fail "echo server: $out" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] && [ "$(dccp_stat_sum $NS_B)" = "$b0" ] ||
		fail "packets dropped: $NS_A $a0 -> $(dccp_stat_sum $NS_A)," \
			"$NS_B $b0 -> $(dccp_stat_sum $NS_B)"
}

# IPv6 (the same sockets with AF_INET6, DCCPT_FAMILY=6): socket()
# autoloads dccp_rust through its IPv6 alias, which registers DCCP_RUSTv6;
# a closed port refuses (the IPv6 control socket's Reset, counted as
# no_socket in B); an ICMPv6 error from a router (B, with no route to
# 2001:db8:1::5) ends a connect at once (A counts the ICMPv6 message);
# the echo of dccp_echo across the NICs with the MPS IPv6 leaves (1420:
# 20 bytes less than IPv4's), then a bulk transfer checked byte for byte,
# no drops on either side; ss -d lists the IPv6 connection; the TIMEWAIT
# of the closing client ends. Dual stack: an IPv6 listener serves an
# IPv4 client (an IPv4-mapped child: ss -d shows its mapped addresses),
# an IPv6 socket reaches an IPv4 listener at its mapped address over
# IPv4 (MPS 1440); with IPV6_V6ONLY a mapped peer is refused at once
# (ENETUNREACH, though a default route would take the packet) and a
# listener serves IPv6 but not IPv4 (ECONNREFUSED). The debug flavour
# echoes 50 messages and sends 200.
dccp_ipv6() {
	local out a0 b0 t0 t1 i0 i1 l0 l1 pid cport fam n=1000 e=200
	[ "$(cat /rnet/flavour 2> /dev/null)" = debug ] && n=200 e=50
	cleanup
	out=$(DCCPT_FAMILY=6 dccpt socket)
	[ "$out" = ok ] || fail "socket(AF_INET6, SOCK_DCCP) gave: $out" || return
	loaded dccp_rust || fail "socket(AF_INET6) did not autoload dccp_rust" || return
	[ -n "$(proto_row DCCP_RUSTv6)" ] || fail "no DCCP_RUSTv6 in /proc/net/protocols" || return
	setup_pair e1000e_rust e1000e_rust || return
	timewait_ms $NS_A 200
	a0=$(dccp_stat_sum $NS_A) b0=$(dccp_stat $NS_B no_socket)
	out=$(in_a env DCCPT_FAMILY=6 dccpt connect $IP6_B $PORT)
	diag "connect to [$IP6_B]:$PORT (closed): $out"
	case $out in "errno 111 "*) ;; *) fail "closed port gave: $out (want ECONNREFUSED)"; return ;; esac
	[ "$(dccp_stat $NS_B no_socket)" = $((b0 + 1)) ] ||
		fail "$NS_B no_socket $b0 -> $(dccp_stat $NS_B no_socket), want one more" || return
	in_a ip -6 route add 2001:db8:1::/64 via $IP6_B || fail "route in $NS_A" || return
	in_b sysctl -qw net.ipv6.conf.all.forwarding=1 || return
	# Every Request answered: an error the socket lost would show as a
	# second one, for the Request retransmitted after 1 s.
	in_b sysctl -qw net.ipv6.icmp.ratelimit=0 || return
	in_b ip -6 route add unreachable 2001:db8:1::5/128 || fail "route in $NS_B" || return
	i0=$(snmp6 $NS_A Icmp6InDestUnreachs) l0=$(tcpext $NS_A LockDroppedIcmps)
	t0=$(uptime_ms)
	out=$(in_a env DCCPT_FAMILY=6 dccpt connect 2001:db8:1::5 $PORT)
	t1=$(uptime_ms)
	in_a ip -6 route del 2001:db8:1::/64
	in_b ip -6 route del unreachable 2001:db8:1::5/128
	in_b sysctl -qw net.ipv6.conf.all.forwarding=0
	in_b sysctl -qw net.ipv6.icmp.ratelimit=1000
	diag "connect through $NS_B to an unreachable IPv6 host: $out in $((t1 - t0)) ms"
	case $out in "errno 101 "*) ;; *) fail "want ENETUNREACH (ICMPv6 No Route), got: $out"; return ;; esac
	# One error, for the first Request: it ended the connect. Unless it
	# came while the socket was held (LockDroppedIcmps, as TCP and the C
	# DCCP count it): then a retransmitted Request's did (at 1 s and 3 s;
	# a debug guest once dropped the first two). Exactly one taken.
	i1=$(snmp6 $NS_A Icmp6InDestUnreachs) l1=$(tcpext $NS_A LockDroppedIcmps)
	diag "ICMPv6 errors $((i1 - i0)), of them dropped for a held socket $((l1 - l0))"
	[ $((l1 - l0)) -le 2 ] && [ "$i1" = $((i0 + 1 + l1 - l0)) ] ||
		fail "$NS_A got $((i1 - i0)) ICMPv6 errors, $((l1 - l0)) of them for a held socket: want one taken" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] || fail "$NS_A dropped packets: $a0 -> $(dccp_stat_sum $NS_A)" || return
	a0=$(dccp_stat_sum $NS_A) b0=$(dccp_stat_sum $NS_B)
	: > /tmp/dccp_echo6.out
	DCCPT_FAMILY=6 nsexec "$NS_B" dccpt echo-server $PORT > /tmp/dccp_echo6.out &
	SERVER=$!
	wait_for 3 grep -q . /tmp/dccp_echo6.out && [ "$(head -n 1 /tmp/dccp_echo6.out)" = ok ] ||
		fail "echo server: $(cat /tmp/dccp_echo6.out)" || return
	timewait_ms $NS_A 3000
	out=$(echo $(in_a env DCCPT_FAMILY=6 dccpt echo-client $IP6_B $PORT $e 1420))
	diag "client: $out"
	[ "$out" = "$(echo_line 1420 $e)" ] || fail "echo client: $out" || return
	# The client closed first: its TIMEWAIT socket has the connection's
	# IPv6 addresses (as ss -d shows them), and holds its port.
	out=$(in_a ss -dnH state time-wait)
	diag "TIMEWAIT in $NS_A: $(echo $out)"
	cport=$(echo "$out" | sed -n "s/^ *0  *0  *\[$IP6_A\]:\([0-9]*\)  *\[$IP6_B\]:$PORT *\$/\1/p" | head -n 1)
	[ -n "$cport" ] || fail "the IPv6 TIMEWAIT socket shows as: $(echo $out)" || return
	out=$(in_a env DCCPT_FAMILY=6 dccpt bind $cport)
	timewait_ms $NS_A 200
	case $out in
	"errno 98 "*) ;;
	*) fail "bind of the client's port $cport in TIMEWAIT gave: $out"; return ;;
	esac
	wait $SERVER
	out=$(tail -n 1 /tmp/dccp_echo6.out)
	diag "server: $out"
	[ "$out" = "$(echo_want $e 1420)" ] || fail "echo server: $out" || return
	: > /tmp/dccp_bulk6.out
	DCCPT_FAMILY=6 nsexec "$NS_B" dccpt bulk-server $PORT > /tmp/dccp_bulk6.out &
	SERVER=$!
	wait_for 3 grep -q . /tmp/dccp_bulk6.out || fail "bulk server: $(cat /tmp/dccp_bulk6.out)" || return
	out=$(echo $(in_a env DCCPT_FAMILY=6 dccpt bulk-client $IP6_B $PORT $n 1400))
	wait $SERVER
	diag "bulk client: $out"
	[ "$(field acked "$out")" = $n ] || fail "not all acknowledged: $out" || return
	out=$(tail -n 1 /tmp/dccp_bulk6.out)
	diag "bulk server: $out"
	[ "$out" = "received $n messages $((n * 1400)) bytes bad 0 reordered 0" ] ||
		fail "bulk server: $out" || return
	# A connection held open for ss -d: IPv6, then IPv4 to the IPv6
	# listener (a mapped child).
	for fam in 6 4; do
		: > /tmp/dccp_srv6.out
		DCCPT_FAMILY=6 nsexec "$NS_B" dccpt server $PORT 1 4 wait > /tmp/dccp_srv6.out &
		wait_for 3 grep -q . /tmp/dccp_srv6.out && [ "$(head -n 1 /tmp/dccp_srv6.out)" = ok ] ||
			fail "server: $(cat /tmp/dccp_srv6.out)" || return
		: > /tmp/dccp_cl6.out
		# Held up to 20 s, ended (killed: its socket closes) once seen.
		if [ $fam = 6 ]; then
			nsexec "$NS_A" env DCCPT_FAMILY=6 dccpt client $IP6_B $PORT linger20 > /tmp/dccp_cl6.out &
		else
			nsexec "$NS_A" dccpt client $IP_B $PORT linger20 > /tmp/dccp_cl6.out &
		fi
		pid=$!
		wait_for 3 grep -q port /tmp/dccp_cl6.out ||
			{ kill $pid; fail "client: $(cat /tmp/dccp_cl6.out)"; return; }
		cport=$(client_port /tmp/dccp_cl6.out)
		out=$(in_b ss -Hdan)
		kill $pid
		diag "ss -d in $NS_B: $(echo $out)"
		if [ $fam = 6 ]; then
			echo "$out" | grep -q "^ESTAB .*\[$IP6_B\]:$PORT  *\[$IP6_A\]:$cport" ||
				fail "no IPv6 connection in ss -d" || return
		else
			echo "$out" | grep -q "^ESTAB .*\[::ffff:$IP_B\]:$PORT  *\[::ffff:$IP_A\]:$cport" ||
				fail "no IPv4-mapped connection in ss -d" || return
		fi
		wait
		out=$(echo $(cat /tmp/dccp_srv6.out))
		[ "$out" = "ok accepted hup" ] || fail "server: $out" || return
	done
	# Dual stack, both ways.
	: > /tmp/dccp_echo6.out
	DCCPT_FAMILY=6 nsexec "$NS_B" dccpt echo-server $PORT > /tmp/dccp_echo6.out &
	SERVER=$!
	wait_for 3 grep -q . /tmp/dccp_echo6.out || fail "echo server: $(cat /tmp/dccp_echo6.out)" || return
	out=$(echo $(in_a dccpt echo-client $IP_B $PORT 20 1440))
	wait $SERVER
	diag "IPv4 client, IPv6 server: $out; $(tail -n 1 /tmp/dccp_echo6.out)"
	[ "$out" = "$(echo_line 1440 20)" ] || fail "IPv4 client of an IPv6 server: $out" || return
	[ "$(tail -n 1 /tmp/dccp_echo6.out)" = "$(echo_want 20 1440)" ] ||
		fail "IPv6 server of an IPv4 client: $(tail -n 1 /tmp/dccp_echo6.out)" || return
	: > /tmp/dccp_echo6.out
	nsexec "$NS_B" dccpt echo-server $PORT > /tmp/dccp_echo6.out &
	SERVER=$!
	wait_for 3 grep -q . /tmp/dccp_echo6.out || fail "echo server: $(cat /tmp/dccp_echo6.out)" || return
	out=$(echo $(in_a env DCCPT_FAMILY=6 dccpt echo-client ::ffff:$IP_B $PORT 20 1440))
	wait $SERVER
	diag "IPv6 client at ::ffff:$IP_B, IPv4 server: $out; $(tail -n 1 /tmp/dccp_echo6.out)"
	# 1440: the mapped socket's MPS is IPv4's.
	[ "$out" = "$(echo_line 1440 20)" ] || fail "IPv6 client of an IPv4 server: $out" || return
	[ "$(tail -n 1 /tmp/dccp_echo6.out)" = "$(echo_want 20 1440)" ] ||
		fail "IPv4 server of an IPv6 client: $(tail -n 1 /tmp/dccp_echo6.out)" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] && [ "$(dccp_stat_sum $NS_B)" = "$b0" ] ||
		fail "packets dropped: $NS_A $a0 -> $(dccp_stat_sum $NS_A)," \
			"$NS_B $b0 -> $(dccp_stat_sum $NS_B)" || return
	# IPV6_V6ONLY: a mapped peer refused before any packet leaves (with a
	# default route through B, which does not forward, a Request would
	# go unanswered until the connect's timeout: EINPROGRESS).
	in_a ip -6 route add default via $IP6_B || fail "default route in $NS_A" || return
	out=$(in_a env DCCPT_FAMILY=6 DCCPT_V6ONLY=1 dccpt connect ::ffff:$IP_B $PORT)
	in_a ip -6 route del default via $IP6_B
	case $out in "errno 101 "*) ;; *) fail "IPv6-only socket to a mapped peer: $out (want ENETUNREACH)"; return ;; esac
	: > /tmp/dccp_srv6.out
	DCCPT_FAMILY=6 DCCPT_V6ONLY=1 nsexec "$NS_B" dccpt listen $PORT 2 > /tmp/dccp_srv6.out &
	pid=$!
	wait_for 3 grep -q . /tmp/dccp_srv6.out && [ "$(head -n 1 /tmp/dccp_srv6.out)" = ok ] ||
		fail "IPv6-only listener: $(cat /tmp/dccp_srv6.out)" || return
	out=$(in_a env DCCPT_FAMILY=6 dccpt connect $IP6_B $PORT)
	[ "$out" = ok ] || fail "IPv6 to an IPv6-only listener: $out" || return
	out=$(in_a dccpt connect $IP_B $PORT)
	wait $pid
	case $out in "errno 111 "*) ;; *) fail "IPv4 to an IPv6-only listener: $out (want ECONNREFUSED)"; return ;; esac
	wait_for 5 count_is 0 || fail "sockets left: use count $(use_count)"
}

# Service Codes (RFC 4340 8.1.2): a listener serving 42, 7 and 1000
# accepts clients asking for 1000 and 7, and a Request dccpt built for 7;
# one asking for 43 and one with no code are refused at once by a Reset
# (Bad Service Code: EBADRQC), counted as bad_service; the option's
# answers as the C DCCP's (dccp_interop.sh compares them): a short value,
# the invalid code first (EINVAL) or second (EFAULT), an unknown option,
# 6 bytes (one code, the rest ignored), 33 codes, a short read, a list
# read back, GET_CUR_MPS set (ENOPROTOOPT), a read of fewer than 4 bytes
# (EINVAL), an unknown option read.
dccp_service() {
	local out s0 n0 rc code
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A $TW_MS
	out=$(echo $(dccpt sockopts))
	diag "options: $out"
	[ "$out" = "short: errno 22 (Invalid argument) invalid: errno 22 (Invalid argument) unknown: errno 92 (Protocol not available) 6 bytes: ok invalid second: errno 14 (Bad address) 33 codes: errno 22 (Invalid argument) list: ok read back: 12 bytes, same into 2 bytes: errno 22 (Invalid argument) set mps: errno 92 (Protocol not available) ccids into 2 bytes: errno 22 (Invalid argument) get unknown: errno 92 (Protocol not available)" ] ||
		fail "SOL_DCCP options: $out" || return
	s0=$(dccp_stat $NS_B bad_service) n0=$(dccp_stat $NS_A no_socket)
	export DCCPT_SERVICE=42,7,1000
	start_server /tmp/dccp_srv.out $PORT 2 4 wait
	rc=$?
	unset DCCPT_SERVICE
	[ $rc = 0 ] || return 1
	for code in 43 0; do
		out=$(in_a env DCCPT_SERVICE=$code dccpt connect $IP_B $PORT)
		diag "service $code: $out"
		case $out in
		"errno 56 "*) ;;
		*) fail "connect for $code, not served, gave: $out (want EBADRQC)"; return ;;
		esac
	done
	# A Request built by dccpt for code 7 (the bytes on the wire as the
	# socket API passes them): answered with a Response, which A's stack
	# answers for its raw sender's port.
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT valid 7)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_A awk '\$1 == \"drop_no_socket\" { print \$2 }' $STATS) -gt $n0 ]" ||
		fail "the Request for code 7 was not answered" || return
	[ "$(dccp_stat $NS_B bad_service)" = $((s0 + 2)) ] ||
		fail "bad_service $s0 -> $(dccp_stat $NS_B bad_service), want +2" || return
	for code in 1000 7; do
		out=$(in_a env DCCPT_SERVICE=$code dccpt client $IP_B $PORT close | head -n 1)
		[ "$out" = ok ] || fail "connect for $code, served, gave: $out" || return
	done
	wait $SERVER
	out=$(echo $(cat /tmp/dccp_srv.out))
	[ "$out" = "ok accepted accepted hup hup" ] || fail "server: $out"
}

# ss -d (inet_diag) lists dccp_rust's sockets through its own handler:
# the listener (with its backlog) and the connection at the server, the
# client's TIMEWAIT after it closed, nothing else; no C DCCP module is
# loaded for it. On the way, forged Data outside the sequence window is
# dropped and counted (bad_seq), never read.
dccp_diag() {
	local out cport m b0 a0 client c1
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A $TW_MS
	start_server /tmp/dccp_srv.out $PORT 1 4 wait || return
	: > /tmp/dccp_cl.out
	# Held up to 20 s, closed (killed: its socket closes) once seen.
	nsexec "$NS_A" dccpt client $IP_B $PORT linger20 > /tmp/dccp_cl.out &
	client=$!
	wait_for 3 grep -q port /tmp/dccp_cl.out ||
		{ kill $client; fail "client: $(cat /tmp/dccp_cl.out)"; return; }
	cport=$(client_port /tmp/dccp_cl.out)
	out=$(in_b ss -Hdan)
	diag "ss -d in $NS_B: $(echo $out)"
	[ "$(echo "$out" | grep -c .)" = 2 ] || { kill $client; fail "want 2 sockets in $NS_B"; return; }
	echo "$out" | grep -q "^LISTEN  *0  *4  .*:$PORT " ||
		{ kill $client; fail "no listener (backlog 4) in ss -d"; return; }
	echo "$out" | grep -q "^ESTAB .*$IP_B:$PORT  *$IP_A:$cport" ||
		{ kill $client; fail "no connection in ss -d"; return; }
	# Data from the client's address and port with a sequence number
	# outside the window (RFC 4340 7.5.1) is dropped, not read.
	b0=$(dccp_stat $NS_B bad_seq) a0=$(dccp_stat $NS_A bad_ack)
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT data "$cport")
	[ "$out" = ok ] || { kill $client; fail "raw send failed: $out"; return; }
	wait_for 2 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_bad_seq\" { print \$2 }' $STATS) -gt $b0 ]" ||
		{ kill $client; fail "Data outside the window not counted as bad_seq"; return; }
	# B's Sync acknowledging the forged number reaches the client, which
	# never sent it: dropped there (bad_ack), not answered.
	wait_for 2 sh -c "[ \$(nsexec $NS_A awk '\$1 == \"drop_bad_ack\" { print \$2 }' $STATS) -gt $a0 ]" ||
		{ kill $client; fail "no Sync for the forged Data reached the client"; return; }
	kill $client
	wait
	out=$(echo $(cat /tmp/dccp_srv.out))
	[ "$out" = "ok accepted hup" ] || fail "server: $out (the forged Data was read?)" || return
	wait_for 3 sh -c "nsexec $NS_A ss -Hdan | grep -q '^TIME-WAIT .*:$cport '"
	# What ss -d lists is TIMEWAIT in A, the client's among them (the
	# tests before may have left theirs, ending meanwhile), and no more
	# sockets than dccp_rust had just before.
	c1=$(use_count)
	out=$(in_a ss -Hdan)
	diag "ss -d in $NS_A after the close: $(echo $out) (use count $c1)"
	[ "$(echo "$out" | grep -c "^TIME-WAIT .*$IP_A:$cport  *$IP_B:$PORT")" = 1 ] ||
		fail "want one TIMEWAIT socket for the client in ss -d" || return
	[ -z "$(echo "$out" | grep -v "^TIME-WAIT .*$IP_A:[0-9]*  *$IP_B:$PORT")" ] &&
		[ "$(echo "$out" | grep -c .)" -le "$c1" ] ||
		fail "want exactly the TIMEWAIT sockets in ss -d" || return
	for m in dccp dccp_diag dccp_ipv4; do
		loaded $m && { fail "ss -d loaded the C module $m"; return; }
	done
	deadline $((TW_MS / 1000 + 3)) count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)"
}

# 100 non-blocking connects at once, each completed (poll, SO_ERROR,
# getpeername), accepted, and closed by the client: 100 TIMEWAIT sockets,
# then none; nothing dropped on either side.
dccp_conns() {
	local out a0 b0
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A $TW_MS
	a0=$(dccp_stat_sum $NS_A) b0=$(dccp_stat_sum $NS_B)
	start_server /tmp/dccp_srv.out $PORT 100 128 wait || return
	out=$(in_a dccpt conns $IP_B $PORT 100)
	wait $SERVER
	diag "client: $out; server: $(grep -c accepted /tmp/dccp_srv.out) accepted," \
		"$(grep -c '^hup' /tmp/dccp_srv.out) closed by the peer"
	[ "$out" = "connected 100" ] || fail "client: $out" || return
	[ "$(grep -c accepted /tmp/dccp_srv.out)" = 100 ] &&
		[ "$(grep -c '^hup' /tmp/dccp_srv.out)" = 100 ] ||
		fail "server: $(tail -n 1 /tmp/dccp_srv.out)" || return
	wait_for 2 count_is 100 ||
		fail "$(use_count) sockets left after the close, want 100 in TIMEWAIT" || return
	deadline $((TW_MS / 1000 + 4)) count_is 0 ||
		fail "TIMEWAIT did not end: use count $(use_count)" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] && [ "$(dccp_stat_sum $NS_B)" = "$b0" ] ||
		fail "packets dropped: $NS_A $a0 -> $(dccp_stat_sum $NS_A)," \
			"$NS_B $b0 -> $(dccp_stat_sum $NS_B)"
}

# A listener with backlog 1 that accepts nothing: two connections wait in
# its queue, the next ones get a Reset (Too Busy: EUSERS), counted as
# listen_full and nothing else; when the listener closes (after 4 s), the
# two queued ones are reset (Aborted: ECONNRESET), not before.
dccp_backlog() {
	local out f0 a0 b0 i closing
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	f0=$(dccp_stat $NS_B listen_full)
	a0=$(dccp_stat_sum $NS_A) b0=$(dccp_stat_sum $NS_B)
	start_server /tmp/dccp_srv.out $PORT 4 1 hold || return
	for i in 1 2; do
		in_a dccpt client $IP_B $PORT wait > /tmp/dccp_cl$i.out &
		wait_for 3 grep -q port /tmp/dccp_cl$i.out ||
			fail "client $i: $(cat /tmp/dccp_cl$i.out)" || return
	done
	for i in 3 4; do
		out=$(in_a dccpt client $IP_B $PORT close)
		diag "client $i: $out"
		case $out in
		"errno 87 "*) ;;
		*) fail "client $i of a full backlog: $out (want EUSERS)"; return ;;
		esac
	done
	wait
	closing=$(awk '$1 == "closing" { print $2 }' /tmp/dccp_srv.out)
	[ -n "$closing" ] || fail "server: $(cat /tmp/dccp_srv.out)" || return
	for i in 1 2; do
		out=$(awk -v c="$closing" '$1 == "hup" { print ($2 >= c ? "late" : "early " c - $2), $3 }' \
			/tmp/dccp_cl$i.out)
		diag "queued client $i: $(echo $(cat /tmp/dccp_cl$i.out))"
		[ "$out" = "late 104" ] || fail "queued client $i: $out (want a reset at the listener's close)" || return
	done
	[ "$(dccp_stat $NS_B listen_full)" = $((f0 + 2)) ] &&
		[ "$(dccp_stat_sum $NS_B)" = $((b0 + 2)) ] && [ "$(dccp_stat_sum $NS_A)" = "$a0" ] ||
		fail "listen_full $f0 -> $(dccp_stat $NS_B listen_full), drops $NS_B $b0 ->" \
			"$(dccp_stat_sum $NS_B), $NS_A $a0 -> $(dccp_stat_sum $NS_A)"
}

# Three retransmissions at once, each to a neighbour entry that points
# nowhere (side by side: each waits out the same 1, 2 and 4 s timers):
# B's Response to a Request from A (port PORT + 1, INET's request
# timer), A's Close of a connection to B (PORT) and A's Request to an
# address that never answers (PORT + 2, while connect() still waits).
# Each goes again after about 1 s and 2 s more, with the next sequence
# number (check_backoff). Once A's entry is right again, the next Close
# is answered and the connection ends at both ends. Then the module is
# held by the close's TIMEWAIT and the Request still retransmitting:
# rmmod is refused, and succeeds once both are gone.
dccp_retransmits() {
	local out client hold_srv close_srv conn sniff_r sniff_c sniff_q
	local nowhere=02:00:00:00:00:99
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A $TW_MS
	start_server /tmp/dccp_srv.out $PORT 1 4 wait || return
	close_srv=$SERVER
	: > /tmp/dccp_cl.out
	# Held up to 20 s, closed (killed: its socket closes) when its Close
	# is to go nowhere.
	nsexec "$NS_A" dccpt client $IP_B $PORT linger20 > /tmp/dccp_cl.out &
	client=$!
	wait_for 3 grep -q port /tmp/dccp_cl.out ||
		{ kill $client; fail "client: $(cat /tmp/dccp_cl.out)"; return; }
	wait_for 3 grep -q accepted /tmp/dccp_srv.out ||
		{ kill $client; fail "server: $(cat /tmp/dccp_srv.out)"; return; }
	start_server /tmp/dccp_srv2.out $((PORT + 1)) 30 4 hold || { kill $client; return; }
	hold_srv=$SERVER
	in_b ip neigh replace $IP_A lladdr $nowhere dev "$IF_B" nud permanent ||
		{ kill $client $hold_srv; fail "cannot add the neighbour in B"; return; }
	sniff_start $NS_B "$IF_B" 20 /tmp/dccp_sniff_r.out $((PORT + 1)) 1 3 ||
		{ kill $client $hold_srv; return; }
	sniff_r=$SNIFF
	# A raw socket's Request, routed through A's entry for B (still right).
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $((PORT + 1)) valid)
	[ "$out" = ok ] || { kill $client $hold_srv; fail "raw send failed: $out"; return; }
	in_a ip neigh replace $IP_B lladdr $nowhere dev "$IF_A" nud permanent &&
		in_a ip neigh replace 198.51.100.99 lladdr $nowhere dev "$IF_A" nud permanent ||
		{ kill $client $hold_srv; fail "cannot add the neighbours in A"; return; }
	sniff_start $NS_A "$IF_A" 20 /tmp/dccp_sniff_c.out $PORT 6 3 &&
		sniff_c=$SNIFF &&
		sniff_start $NS_A "$IF_A" 20 /tmp/dccp_sniff_q.out $((PORT + 2)) 0 4 ||
		{ kill $client $hold_srv; return; }
	sniff_q=$SNIFF
	kill $client
	: > /tmp/dccp_conn.out
	nsexec "$NS_A" dccpt connect 198.51.100.99 $((PORT + 2)) 20 > /tmp/dccp_conn.out &
	conn=$!
	wait $sniff_r
	kill $hold_srv
	in_b ip neigh del $IP_A dev "$IF_B"
	wait $sniff_c
	in_a ip neigh del $IP_B dev "$IF_A"
	wait $close_srv
	out=$(echo $(cat /tmp/dccp_srv.out))
	diag "server: $out"
	wait $sniff_q
	check_backoff /tmp/dccp_sniff_r.out 1 3 &&
		check_backoff /tmp/dccp_sniff_c.out 6 3 &&
		check_backoff /tmp/dccp_sniff_q.out 0 4 || { kill $conn; return; }
	[ "$out" = "ok accepted hup" ] ||
		{ kill $conn; fail "the server did not see the close: $out"; return; }
	[ ! -s /tmp/dccp_conn.out ] ||
		{ kill $conn; fail "the connect ended: $(cat /tmp/dccp_conn.out)"; return; }
	# Left: the close's TIMEWAIT in A (one module reference) and the
	# connecting socket (two: its sock and its proto_ops).
	out=$(in_a ss -Hdan)
	diag "ss -d in $NS_A: $(echo $out)"
	echo "$out" | grep -q "^TIME-WAIT .*$IP_A:$(client_port /tmp/dccp_cl.out)  *$IP_B:$PORT" &&
		echo "$out" | grep -q "^SYN-SENT .*  *198.51.100.99:$((PORT + 2))" && count_is 3 ||
		{ kill $conn; fail "want the TIMEWAIT and the connect (use count $(use_count), 3)"; return; }
	if rmmod dccp_rust 2> /dev/null; then
		fail "dccp_rust unloaded while a connect was retransmitting"
		return
	fi
	kill $conn
	wait
	# The TIMEWAIT alone still holds the module.
	wait_for 2 count_is 1 || fail "use count $(use_count) once the connect closed, want 1" || return
	if rmmod dccp_rust 2> /dev/null; then
		fail "dccp_rust unloaded under a TIMEWAIT socket"
		return
	fi
	wait_for $((TW_MS / 1000 + 3)) rmmod dccp_rust 2> /dev/null ||
		fail "rmmod dccp_rust failed after the sockets closed: use count $(use_count)"
}

# uptime_ms: milliseconds since boot (10 ms steps).
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# nf_stat NS NAME: the netfilter hooks' counter NAME in NS.
nf_stat() {
	nsexec "$1" awk -v f="nf_$2" '$1 == f { print $2 }' $STATS
}

# nf_sum NS: the sum of NS's netfilter hook counters.
nf_sum() {
	nsexec "$1" awk '/^nf_/ { s += $2 } END { print s + 0 }' $STATS
}

# nf_sysctl NS NAME [VALUE]: reads (or writes) net.dccp_rust.NAME in NS.
nf_sysctl() {
	if [ $# = 3 ]; then
		echo "$3" | nsexec "$1" tee /proc/sys/net/dccp_rust/"$2" > /dev/null
	else
		nsexec "$1" cat /proc/sys/net/dccp_rust/"$2"
	fi
}

# nf_off: B's DCCP hooks off, as a test that failed half-way may have
# left them (so that its failure does not become the next test's).
nf_off() {
	[ -n "$NS_B" ] && nsexec "$NS_B" test -e /proc/sys/net/dccp_rust/nf_policy || return 0
	nf_sysctl $NS_B nf_validate 0
	nf_sysctl $NS_B nf_policy 0
}

# nf_expect NS NAME N: NS's counter NAME is N.
nf_expect() {
	local got
	got=$(nf_stat "$1" "$2")
	[ "$got" = "$3" ] || fail "$1 nf_$2 is $got, want $3"
}

# The PRE_ROUTING hook (net.dccp_rust.nf_validate, on in B only): each
# malformed header kind dropped and counted under its own reason before
# the socket layer sees it, IPv4 and IPv6; valid packets pass (the socket
# layer answers them: no_socket), checked
# past the first 1020 bytes too; fragments pass unchecked and counted, a
# fragmented packet with a bad checksum is dropped by the socket layer
# after reassembly; with the hook off, the socket layer counts again; A,
# whose hook is off, counts nothing.
dccp_nf_validate() {
	local kind reason d0 n0 b0 u0 out
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	[ "$(nf_sysctl $NS_B nf_validate)" = 0 ] || fail "nf_validate is not off by default" || return
	[ "$(nf_sum $NS_B)" = 0 ] && [ "$(nf_sum $NS_A)" = 0 ] ||
		fail "hook counters moved while the hooks were off" || return
	nf_sysctl $NS_B nf_validate 1 || fail "cannot set nf_validate" || return
	d0=$(dccp_stat_sum $NS_B)
	for kind in badcsum:bad_checksum short:too_short doff:bad_data_offset \
		type:bad_type xshort:short_seq_not_allowed cscov:bad_coverage \
		badopt:bad_option_length badmand:bad_mandatory; do
		reason=${kind#*:} kind=${kind%%:*}
		out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT $kind)
		[ "$out" = ok ] || fail "raw $kind: $out" || return
		wait_for 3 sh -c "[ \"\$(nsexec $NS_B awk '\$1 == \"nf_$reason\" { print \$2 }' $STATS)\" = 1 ]" ||
			fail "$kind not counted once as nf_$reason: $(nf_stat $NS_B $reason)" || return
	done
	# IPv6: what passes reaches dccp_rust's IPv6 socket layer (no socket
	# there: no_socket).
	u0=$(dccp_stat $NS_B no_socket)
	out=$(in_a rnet-drill dccp-raw $IP6_A $IP6_B $PORT badcsum)
	[ "$out" = ok ] || fail "raw IPv6 badcsum: $out" || return
	wait_for 3 sh -c "[ \"\$(nsexec $NS_B awk '\$1 == \"nf_bad_checksum\" { print \$2 }' $STATS)\" = 2 ]" ||
		fail "the IPv6 bad checksum was not counted" || return
	out=$(in_a rnet-drill dccp-raw $IP6_A $IP6_B $PORT valid)
	[ "$out" = ok ] || fail "raw IPv6 valid: $out" || return
	wait_for 3 sh -c "[ \"\$(nsexec $NS_B awk '\$1 == \"nf_valid\" { print \$2 }' $STATS)\" = 1 ]" ||
		fail "the valid IPv6 packet was not counted valid" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_no_socket\" { print \$2 }' $STATS) = $((u0 + 1)) ]" ||
		fail "IPv6 saw $(($(dccp_stat $NS_B no_socket) - u0)) DCCP packets, want the valid one only" || return
	# IPv6 in three fragments: counted and passed, reassembled by IPv6.
	out=$(in_a rnet-drill dccp-raw $IP6_A $IP6_B $PORT big 3000)
	[ "$out" = ok ] || fail "raw IPv6 big: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_no_socket\" { print \$2 }' $STATS) = $((u0 + 2)) ]" ||
		fail "the fragmented IPv6 packet did not pass" || return
	nf_expect $NS_B fragment 3 || return
	[ "$(dccp_stat_sum $NS_B)" = "$((d0 + 2))" ] ||
		fail "the socket layer saw a packet the hook dropped ($d0 -> $(dccp_stat_sum $NS_B))" || return
	# Valid IPv4 packets pass: the socket layer answers them (no_socket),
	# a 1400-byte one (checksummed past the first 1020 bytes) too; one of
	# 1400 bytes with a bad checksum is dropped by the hook.
	n0=$(dccp_stat $NS_B no_socket)
	for out in "valid" "big 1400"; do
		out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT $out)
		[ "$out" = ok ] || fail "raw valid: $out" || return
	done
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_no_socket\" { print \$2 }' $STATS) = $((n0 + 2)) ]" ||
		fail "valid packets did not reach the socket layer: no_socket $n0 -> $(dccp_stat $NS_B no_socket)" || return
	nf_expect $NS_B valid 3 || return
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT bigbad 1400)
	wait_for 3 sh -c "[ \"\$(nsexec $NS_B awk '\$1 == \"nf_bad_checksum\" { print \$2 }' $STATS)\" = 3 ]" ||
		fail "a 1400-byte bad checksum was not dropped by the hook" || return
	# 3000 bytes of DCCP in three fragments on a 1500-byte path: each
	# counted, none checked; reassembled, the socket layer takes the
	# good one (no_socket) and drops the bad one (bad_checksum).
	b0=$(dccp_stat $NS_B bad_checksum)
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT big 3000)
	[ "$out" = ok ] || fail "raw big: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_no_socket\" { print \$2 }' $STATS) -gt $((n0 + 2)) ]" ||
		fail "the fragmented packet did not reach the socket layer" || return
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT bigbad 3000)
	[ "$out" = ok ] || fail "raw bigbad: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_bad_checksum\" { print \$2 }' $STATS) -gt $b0 ]" ||
		fail "the fragmented bad checksum was not dropped after reassembly" || return
	diag "$NS_B hook counters: $(nsexec $NS_B awk '/^nf_/ && $2 { printf "%s ", $0 }' $STATS)"
	nf_expect $NS_B fragment 9 || return
	nf_expect $NS_B bad_checksum 3 || return
	nf_expect $NS_B valid 3 || return
	[ "$(nf_sum $NS_B)" = 22 ] || fail "$NS_B counted $(nf_sum $NS_B), want 22" || return
	# Off again: the socket layer counts the bad checksums itself, the
	# IPv4 and the IPv6 one.
	nf_sysctl $NS_B nf_validate 0 || return
	b0=$(dccp_stat $NS_B bad_checksum)
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT badcsum)
	out=$(in_a rnet-drill dccp-raw $IP6_A $IP6_B $PORT badcsum)
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_bad_checksum\" { print \$2 }' $STATS) = $((b0 + 2)) ]" ||
		fail "with the hook off, the socket layer counted $(($(dccp_stat $NS_B bad_checksum) - b0)) bad checksums, want 2" || return
	nf_expect $NS_B bad_checksum 3 || return
	[ "$(nf_sum $NS_A)" = 0 ] || fail "$NS_A, whose hooks are off, counted $(nf_sum $NS_A)"
}

# The LOCAL_IN policy (net.dccp_rust.nf_policy and nf_services, in B
# only): a Request for a Service Code the list lacks is refused with a
# Reset (EBADRQC for the first Request, none retransmitted), though the
# listener serves it, and dropped
# (the listener never answers it); one in the list, not its first entry,
# is admitted; a malformed Request is left to the socket layer, never
# answered by the policy; the list's sysctl semantics; unprivileged
# writers refused; A's policy untouched.
dccp_nf_policy() {
	local out t0 t1 s0 a0 b0 c0
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	nf_off
	timewait_ms $NS_A $TW_MS
	[ "$(nf_sysctl $NS_B nf_policy)" = 0 ] && [ -z "$(nf_sysctl $NS_B nf_services)" ] ||
		fail "the policy is not off and empty by default" || return
	nf_sysctl $NS_B nf_services "42 1000 7" || fail "cannot set nf_services" || return
	out=$(nf_sysctl $NS_B nf_services | tr '\t' ' ')
	[ "$out" = "42 1000 7" ] || fail "nf_services reads '$out'" || return
	[ -z "$(nf_sysctl $NS_A nf_services)" ] || fail "$NS_A's list changed with $NS_B's" || return
	for out in -1 2147483648 abc "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"; do
		if nf_sysctl $NS_B nf_services "$out" 2> /dev/null; then
			fail "nf_services accepted '$out'"; return
		fi
	done
	[ "$(nf_sysctl $NS_B nf_services | tr '\t' ' ')" = "42 1000 7" ] ||
		fail "a refused write changed nf_services" || return
	out="1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"
	nf_sysctl $NS_B nf_services "$out" || fail "16 values refused" || return
	[ "$(nf_sysctl $NS_B nf_services | tr '\t' ' ')" = "$out" ] || fail "16 values not kept" || return
	nf_sysctl $NS_B nf_services "1000 42" || return
	out=$(nsexec $NS_B xfer write-nobody /proc/sys/net/dccp_rust/nf_services 7)
	[ "$out" = "open EACCES" ] || fail "uid 65534: $out, want open EACCES" || return
	out=$(nsexec $NS_B xfer write-nocap /proc/sys/net/dccp_rust/nf_services 7)
	[ "$out" = "write EPERM" ] || fail "root without CAP_NET_ADMIN: $out, want write EPERM" || return
	out=$(nsexec $NS_B xfer write-nocap /proc/sys/net/dccp_rust/nf_policy 1)
	[ "$out" = "write EPERM" ] || fail "nf_policy without CAP_NET_ADMIN: $out" || return
	[ "$(nf_sysctl $NS_B nf_services | tr '\t' ' ')" = "1000 42" ] && [ "$(nf_sysctl $NS_B nf_policy)" = 0 ] ||
		fail "an unprivileged write changed the policy" || return
	nf_sysctl $NS_B nf_policy 1 || return
	s0=$(dccp_stat $NS_B bad_service) a0=$(dccp_stat $NS_A no_socket)
	export DCCPT_SERVICE=42,7
	start_server /tmp/dccp_srv.out $PORT 1 4 wait
	t0=$?
	unset DCCPT_SERVICE
	[ $t0 = 0 ] || return 1
	t0=$(uptime_ms)
	out=$(in_a env DCCPT_SERVICE=7 dccpt connect $IP_B $PORT)
	t1=$(uptime_ms)
	diag "service 7, served but not in the policy: $out in $((t1 - t0)) ms"
	case $out in
	"errno 56 "*) ;;
	*) fail "connect for 7 gave: $out (want EBADRQC)"; return ;;
	esac
	# The first Request was refused and answered: no retransmission.
	nf_expect $NS_B refused 1 || return
	# A malformed Request is not the policy's: the socket layer drops it.
	b0=$(dccp_stat $NS_B bad_checksum)
	out=$(in_a rnet-drill dccp-raw $IP_A $IP_B $PORT badcsum 7)
	wait_for 3 sh -c "[ \$(nsexec $NS_B awk '\$1 == \"drop_bad_checksum\" { print \$2 }' $STATS) -gt $b0 ]" ||
		fail "the malformed Request did not reach the socket layer" || return
	out=$(in_a env DCCPT_SERVICE=42 dccpt client $IP_B $PORT close | head -n 1)
	[ "$out" = ok ] || fail "connect for 42, in the policy, gave: $out" || return
	wait $SERVER
	out=$(echo $(cat /tmp/dccp_srv.out))
	[ "$out" = "ok accepted hup" ] || fail "server: $out" || return
	nf_expect $NS_B refused 1 || return
	nf_expect $NS_B admitted 1 || return
	# The refused Request never reached the listener: it counted no bad
	# Service Code and sent no Response (which A would have answered for
	# its closed port, counting no_socket).
	[ "$(dccp_stat $NS_B bad_service)" = "$s0" ] ||
		fail "the listener saw the refused Request" || return
	[ "$(dccp_stat $NS_A no_socket)" = "$a0" ] ||
		fail "the refused Request was answered by the listener too" || return
	# An empty list refuses every Service Code (nobody listens now: the
	# policy's Reset is the only answer, no No Connection one).
	c0=$(dccp_stat $NS_B no_socket)
	nf_sysctl $NS_B nf_services "" || fail "cannot empty nf_services" || return
	[ -z "$(nf_sysctl $NS_B nf_services)" ] || fail "nf_services not empty" || return
	out=$(in_a env DCCPT_SERVICE=42 dccpt connect $IP_B $PORT)
	case $out in "errno 56 "*) ;; *) fail "empty policy, connect gave: $out"; return ;; esac
	nf_expect $NS_B refused 2 || return
	[ "$(dccp_stat $NS_B no_socket)" = "$c0" ] || fail "a refused Request reached the socket layer" || return
	[ "$(nf_sysctl $NS_A nf_policy)" = 0 ] && [ -z "$(nf_sysctl $NS_A nf_services)" ] &&
		[ "$(nf_sum $NS_A)" = 0 ] || fail "$NS_A's policy or counters changed" || return
	nf_sysctl $NS_B nf_policy 0
	deadline $((TW_MS / 1000 + 3)) count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)"
}

# ICMP errors: a Request a router answers with Host Unreachable (A
# reaches 203.0.113.0/24 through B, which forwards and has no route to .5)
# ends the connect at once with EHOSTUNREACH; a Host Unreachable quoting a
# sequence number the socket never sent (for a connect to .6, which B
# silently drops) is counted as bad_icmp and ignored: the connect goes on
# until its own timeout.
dccp_icmp() {
	local out t0 t1 cport i0 pid
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	nf_off
	in_a ip route add 203.0.113.0/24 via $IP_B || fail "route in $NS_A" || return
	in_b sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward" || return
	in_b ip route add unreachable 203.0.113.5/32 || fail "route in $NS_B" || return
	in_b ip route add blackhole 203.0.113.6/32 || fail "route in $NS_B" || return
	t0=$(uptime_ms)
	out=$(in_a dccpt connect 203.0.113.5 $PORT)
	t1=$(uptime_ms)
	diag "connect through $NS_B to an unreachable host: $out in $((t1 - t0)) ms"
	case $out in
	"errno 113 "*) ;;
	*) fail "want EHOSTUNREACH, got: $out"; return ;;
	esac
	# Well before the Request's retransmissions would give up (63 s).
	[ $((t1 - t0)) -lt 5000 ] || fail "the error did not end the connect at once" || return
	i0=$(dccp_stat $NS_A bad_icmp)
	: > /tmp/dccp_icmp.out
	nsexec "$NS_A" dccpt connect 203.0.113.6 $PORT 3 > /tmp/dccp_icmp.out &
	pid=$!
	wait_for 2 sh -c "nsexec $NS_A ss -Hdan | grep -q ' 203.0.113.6:$PORT'" ||
		fail "no connecting socket in ss -d" || return
	cport=$(in_a ss -Hdan | awk -v p="203.0.113.6:$PORT" '$5 == p { n = split($4, a, ":"); print a[n] }')
	out=$(in_b dccpt icmp $IP_A "$cport" 203.0.113.6 $PORT 0 $IP_A)
	[ "$out" = ok ] || fail "forging the ICMP error failed: $out" || return
	wait_for 2 sh -c "[ \$(nsexec $NS_A awk '\$1 == \"drop_bad_icmp\" { print \$2 }' $STATS) -gt $i0 ]" ||
		fail "the forged ICMP error was not counted as bad_icmp" || return
	wait $pid
	out=$(cat /tmp/dccp_icmp.out)
	diag "connect with a forged ICMP error on the way (port $cport): $out"
	case $out in
	"errno 115 "*) ;;
	*) fail "the forged ICMP error ended the connect: $out"; return ;;
	esac
	in_a ip route del 203.0.113.0/24
	in_b ip route del 203.0.113.5/32
	in_b ip route del 203.0.113.6/32
	in_b sh -c "echo 0 > /proc/sys/net/ipv4/ip_forward"
}

# Sync (RFC 4340 7.5.4): 80 messages of the client lost on the wire
# (netem; its CCID 2 window opened wide enough by 81 echoes first) put its
# next one past the server's window: dropped, counted as
# bad_seq once, and answered with a Sync, which the client answers with a
# SyncAck that moves the server's window; the message after is echoed.
dccp_sync() {
	local out f=/tmp/dccp_sync.fifo b0 a0 pid srv
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	nf_off
	timewait_ms $NS_A $TW_MS
	: > /tmp/dccp_echo.out
	nsexec "$NS_B" dccpt echo-server $PORT > /tmp/dccp_echo.out &
	srv=$!
	wait_for 3 grep -q . /tmp/dccp_echo.out || fail "echo server: $(cat /tmp/dccp_echo.out)" || return
	rm -f $f
	mkfifo $f || return
	: > /tmp/dccp_sync.out
	nsexec "$NS_A" dccpt sync-client $IP_B $PORT 80 < $f > /tmp/dccp_sync.out &
	pid=$!
	exec 3> $f
	if ! wait_for 3 grep -q ready /tmp/dccp_sync.out; then
		exec 3>&-
		fail "client: $(cat /tmp/dccp_sync.out)"
		return
	fi
	b0=$(dccp_stat $NS_B bad_seq) a0=$(dccp_stat_sum $NS_A)
	in_a tc qdisc add dev "$IF_A" root netem loss 100% || { exec 3>&-; fail "netem"; return; }
	echo go >&3
	wait_for 3 grep -q sent /tmp/dccp_sync.out
	in_a tc qdisc del dev "$IF_A" root
	echo go >&3
	exec 3>&-
	wait $pid
	wait $srv
	out=$(echo $(cat /tmp/dccp_sync.out))
	diag "client: $out; server: $(cat /tmp/dccp_echo.out | tail -n 1)"
	[ "$out" = "ready sent echo again" ] || fail "client: $out" || return
	[ "$(dccp_stat $NS_B bad_seq)" = $((b0 + 1)) ] ||
		fail "bad_seq $b0 -> $(dccp_stat $NS_B bad_seq), want one" || return
	[ "$(dccp_stat_sum $NS_A)" = "$a0" ] || fail "the client dropped the Sync" || return
	[ "$(tail -n 1 /tmp/dccp_echo.out)" = "echoed 82 messages 410 bytes" ] ||
		fail "server: $(cat /tmp/dccp_echo.out)" || return
	deadline $((TW_MS / 1000 + 3)) count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)"
}


# bulk N: N messages of 1000 bytes from A to a bulk server in B; the
# client's line in BULK_C, the server's in BULK_S.
bulk() {
	: > /tmp/dccp_bulk.out
	nsexec "$NS_B" dccpt bulk-server $PORT > /tmp/dccp_bulk.out &
	local srv=$!
	wait_for 3 grep -q . /tmp/dccp_bulk.out || fail "bulk server: $(cat /tmp/dccp_bulk.out)" || return
	BULK_C=$(in_a dccpt bulk-client $IP_B $PORT "$1" 1000)
	wait $srv
	BULK_S=$(tail -n 1 /tmp/dccp_bulk.out)
}

# CCID 2 (RFC 4341). First the window holds: with every packet of the
# client lost (netem), the initial window's three messages leave, five more
# wait in the send queue, the next non-blocking send fails with EAGAIN and
# poll() does not report the socket writable; close() sends what is
# queued. Then a bulk transfer on a clean link, and with 5% of the
# client's packets lost. Every message that arrives is whole and intact.
# On the clean link every message is acknowledged (Ack Vectors) or lost,
# what is acknowledged arrived, and the window grows; the sender's Ack
# Ratio follows it to 2 (confirmed) and the receiver honours it: it
# sends 40% to 60% as many packets as it gets (every one with Ack Ratio
# 1, as before it was honoured); under loss more
# losses are detected from the Ack Vectors, the window is halved more
# often (counted) and ends smaller than on the clean link. Last, with
# reordering, messages arrive out of order and intact.
dccp_ccid2() {
	local n=2000 cw0 cw1 got r0 drops f=/tmp/dccp_win.fifo pid srv out ack0 lost0 hv0 t0 acks
	[ "$(cat /rnet/flavour 2> /dev/null)" = debug ] && n=400
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	nf_off
	# Nothing here looks at TIMEWAIT: a short one.
	timewait_ms $NS_A 200

	: > /tmp/dccp_bulk.out
	nsexec "$NS_B" dccpt bulk-server $PORT > /tmp/dccp_bulk.out &
	srv=$!
	wait_for 3 grep -q . /tmp/dccp_bulk.out || fail "bulk server: $(cat /tmp/dccp_bulk.out)" || return
	rm -f $f
	mkfifo $f || return
	: > /tmp/dccp_win.out
	in_a dccpt window-client $IP_B $PORT < $f > /tmp/dccp_win.out &
	pid=$!
	exec 3> $f
	if ! wait_for 3 grep -q ready /tmp/dccp_win.out; then
		exec 3>&-
		fail "client: $(cat /tmp/dccp_win.out)"
		return
	fi
	in_a tc qdisc add dev "$IF_A" root netem loss 100% || { exec 3>&-; fail "netem"; return; }
	echo go >&3
	wait_for 3 grep -q writable /tmp/dccp_win.out
	in_a tc qdisc del dev "$IF_A" root
	echo go >&3
	exec 3>&-
	wait $pid
	wait $srv
	out=$(echo $(cat /tmp/dccp_win.out))
	diag "window: $out; server: $(tail -n 1 /tmp/dccp_bulk.out)"
	[ "$out" = "ready eagain after 8 cwnd 3 pipe 3 not writable" ] || fail "client: $out" || return
	# The five queued ones, sent by close() (the client is in PARTOPEN: no
	# timeout of CCID 2 before its Ack's retransmissions end).
	tail -n 1 /tmp/dccp_bulk.out | grep -qx "received 5 messages 5000 bytes bad 0 reordered 0" ||
		fail "server: $(cat /tmp/dccp_bulk.out)" || return

	r0=$(dccp_stat $NS_B rcvbuf_full)
	t0=$(stat $NS_B "$IF_B" tx_packets)
	bulk $n || return
	acks=$(( $(stat $NS_B "$IF_B" tx_packets) - t0 ))
	diag "clean: $BULK_C; server: $BULK_S; $acks packets from the server"
	drops=$(( $(dccp_stat $NS_B rcvbuf_full) - r0 ))
	got=$(field received "$BULK_S")
	[ "$(field bad "$BULK_S")" = 0 ] || fail "server: $BULK_S" || return
	[ "$(field ccid "$BULK_C")" = 2 ] && [ "$(field pipe "$BULK_C")" = 0 ] ||
		fail "client: $BULK_C" || return
	# Every packet sent is acknowledged or lost (on a clean link, only a
	# receiver too slow for its backlog loses any), and every one
	# acknowledged was received (kept, or dropped for a full buffer).
	ack0=$(field acked "$BULK_C") lost0=$(field lost "$BULK_C") hv0=$(field halvings "$BULK_C")
	[ $((ack0 + lost0)) = $n ] || fail "$ack0 acknowledged and $lost0 lost of $n" || return
	[ $((got + drops)) -ge "$ack0" ] && [ $((got + drops)) -le $n ] ||
		fail "$got received and $drops dropped, $ack0 acknowledged" || return
	cw0=$(field cwnd "$BULK_C")
	[ "$cw0" -ge 50 ] && [ "$(field timeouts "$BULK_C")" -le 2 ] ||
		fail "the window did not grow, or timed out: $BULK_C" || return
	# Ack Ratio: the client's own, then the server's (which sent no data).
	[ "$(field ack_ratio "$BULK_C")" = 2/1 ] ||
		fail "Ack Ratio (client's/server's) not 2/1: $BULK_C" || return
	[ $acks -ge $((n * 4 / 10)) ] && [ $acks -le $((n * 6 / 10)) ] ||
		fail "the server sent $acks packets for $n data packets" || return

	in_a tc qdisc add dev "$IF_A" root netem loss 5% || fail "netem" || return
	bulk $n
	in_a tc qdisc del dev "$IF_A" root
	diag "5% loss: $BULK_C; server: $BULK_S"
	got=$(field received "$BULK_S")
	[ "$(field bad "$BULK_S")" = 0 ] || fail "server: $BULK_S" || return
	[ -n "$got" ] && [ "$got" -lt $n ] && [ "$got" -gt $((n * 8 / 10)) ] ||
		fail "$got of $n received at 5% loss" || return
	cw1=$(field cwnd "$BULK_C")
	[ "$(field halvings "$BULK_C")" -gt "$hv0" ] && [ "$(field lost "$BULK_C")" -gt "$lost0" ] ||
		fail "no more loss seen than on the clean link: $BULK_C" || return
	[ $(($(field acked "$BULK_C") + $(field lost "$BULK_C"))) = $n ] ||
		fail "acknowledged and lost do not add up: $BULK_C" || return

	# Reordering (a fifth of the client's packets 2 ms late): messages
	# arrive out of order, each whole and intact, or are dropped as too
	# old for the window (bad_seq) and then lost to the sender.
	in_a tc qdisc add dev "$IF_A" root netem delay 2ms reorder 80% || fail "netem" || return
	bulk $n
	in_a tc qdisc del dev "$IF_A" root
	diag "reordering: $BULK_C; server: $BULK_S"
	got=$(field received "$BULK_S")
	[ "$(field bad "$BULK_S")" = 0 ] && [ "$(field reordered "$BULK_S")" -gt 0 ] ||
		fail "server: $BULK_S" || return
	[ "$got" -gt $((n / 2)) ] || fail "$got of $n received with reordering" || return
	[ $(($(field acked "$BULK_C") + $(field lost "$BULK_C"))) = $n ] ||
		fail "acknowledged and lost do not add up: $BULK_C" || return
	[ "$cw1" -lt "$cw0" ] || fail "window $cw1 under loss, $cw0 without" || return
	wait_for 3 count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)"
}

# Partial checksum coverage (RFC 4340 9.2): SEND_CSCOV and RECV_CSCOV
# take 0 to 15 (16 and -1 refused). A client asking to send with coverage
# 4 offers the server's minimum 4 down to 0: a server that accepts only
# full coverage (RECV_CSCOV 0, the default) agrees on 0 and the client's
# data go fully covered; one that accepts only 5 and above has no value in
# common and resets the connection (Option Error: EILSEQ); one accepting 2
# and above takes 2, and the client's Data and DataAck packets go with
# CsCov 4 (those of 12 bytes or more: a shorter one is covered whole),
# echoed intact, the server's own fully covered; nothing is dropped for
# its coverage.
dccp_cscov() {
	local out n s1 s2 recv
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	# No look at TIMEWAIT here: short, and over before the next test.
	timewait_ms $NS_A 200
	out=$(echo $(DCCPT_SEND_CSCOV=16 dccpt socket; DCCPT_RECV_CSCOV=-1 dccpt socket;
		DCCPT_SEND_CSCOV=15 DCCPT_RECV_CSCOV=3 dccpt socket))
	diag "options: $out"
	[ "$out" = "errno 22 (Invalid argument) errno 22 (Invalid argument) ok" ] ||
		fail "coverage options: $out" || return
	for recv in 5 0 2; do
		: > /tmp/dccp_cscov.out
		DCCPT_RECV_CSCOV=$recv nsexec "$NS_B" dccpt echo-server $PORT > /tmp/dccp_cscov.out &
		SERVER=$!
		wait_for 3 grep -q . /tmp/dccp_cscov.out || fail "no echo server" || return
		sniff_start $NS_A "$IF_A" 20 /tmp/dccp_sniff.out $PORT || return
		s1=$SNIFF
		sniff_start $NS_B "$IF_B" 20 /tmp/dccp_sniff_b.out $PORT || return
		s2=$SNIFF
		out=$(echo $(DCCPT_SEND_CSCOV=4 in_a dccpt echo-client $IP_B $PORT 20 1000))
		diag "server accepting $recv and up: client $out"
		[ $recv = 5 ] && kill $SERVER 2> /dev/null
		wait $SERVER 2> /dev/null
		sleep 0.3
		kill $s1 $s2 2> /dev/null
		wait $s1 $s2 2> /dev/null
		if [ $recv = 5 ]; then
			[ "$out" = "errno 84 (Invalid or incomplete multibyte or wide character)" ] ||
				fail "client with coverage 4, server with minimum 5: $out" || return
			continue
		fi
		case $out in
		"mps 1440 echo 20 ok burst ok short read 10 truncated, then 4 next big: "*) ;;
		*) fail "echo with coverage 4, server minimum $recv: $out"; return ;;
		esac
		out=$(awk '$1 == 2 || $1 == 4 { print $4 }' /tmp/dccp_sniff.out | sort | uniq -c |
			tr -s ' \n' '  ')
		diag "client data packets by coverage: $out"
		n=$(awk '($1 == 2 || $1 == 4) && $4 == "c4"' /tmp/dccp_sniff.out | wc -l)
		if [ $recv = 0 ]; then
			[ "$n" = 0 ] && awk '$1 == 2 || $1 == 4' /tmp/dccp_sniff.out | grep -q c0 ||
				fail "client data not fully covered: $out" || return
		else
			[ "$n" -ge 20 ] && ! awk '($1 == 2 || $1 == 4) && $4 != "c4" && $4 != "c0"' \
				/tmp/dccp_sniff.out | grep -q . ||
				fail "client data not sent with coverage 4: $out" || return
		fi
		out=$(awk '$1 == 2 || $1 == 4 { print $4 }' /tmp/dccp_sniff_b.out | sort -u | tr '\n' ' ')
		diag "server data packets by coverage: $out"
		[ "$out" = "c0 " ] || fail "server data not sent with full coverage: $out" || return
	done
	[ "$(dccp_stat $NS_B low_coverage)" = 0 ] ||
		fail "server dropped data for its coverage: $(dccp_stat $NS_B low_coverage)" || return
	wait_for 5 count_is 0 || fail "dccp_rust sockets left: use count $(use_count)"
}

# Mutated packets (rnet-drill dccp-fuzz, built with rnet-drill's DCCP
# encoder: random types, both sequence number lengths, random numbers,
# options of every kind with malformed lengths, feature negotiation with
# unknown features and values, wrong Data Offsets and coverages, every
# second one with a valid checksum over its coverage): 5000 at a listener
# from random ports and 5000 at a connected socket's four-tuple (1000 each
# in the debug flavour). The accounting is exact: every packet the
# handler was given (rx_packets, at least all that were sent) ended once,
# taken in (rx_handled) or dropped under one reason; bad_checksum counts
# exactly the packets with a wrong checksum whose header lets a receiver
# get that far (the injector's "badsum", by RFC 4340's header rules), so
# that every valid checksum was found valid; no ICMP was involved; at
# least 90% were dropped, under at least 8 reasons; the connection under fire
# still closes normally, a new echo exchange works after, no socket is
# left, and the console scan finds no report.
dccp_fuzz() {
	local n=5000 out cport reasons sum rx handled csum bad client
	[ "$(cat /rnet/flavour 2> /dev/null)" = debug ] && n=1000
	held_connection /tmp/dccp_fuzz.out /tmp/dccp_fuzzc.out linger3 || return
	client=$CLIENT cport=$CPORT
	nsexec $NS_B cat $STATS > /tmp/dccp_fuzz0.stats
	out=$(echo $(in_a rnet-drill dccp-fuzz $IP_A $IP_B $PORT 0 $n 7; in_a rnet-drill dccp-fuzz $IP_A $IP_B $PORT $cport $n 11))
	diag "fuzz: $out"
	case $out in
	"sent $n valid $((n / 2)) badsum "*" sent $n valid $((n / 2)) badsum "*) ;;
	*) fail "fuzz: $out"; return ;;
	esac
	bad=$(echo $out | awk '{ print $6 + $12 }')
	# Settled: all that was sent has reached the handler, and every packet
	# given to it has ended (the backlog of a socket its owner held
	# included).
	sleep 0.5
	rx=$(awk '$1 == "rx_packets" { print $2 }' /tmp/dccp_fuzz0.stats)
	wait_for 5 fuzz_settled $((rx + n * 2)) ||
		fail "the counters never balanced: $(tr '\n' ' ' < /tmp/dccp_fuzz1.stats)" || return
	nsexec $NS_B cat $STATS > /tmp/dccp_fuzz1.stats
	out=$(awk 'NR == FNR { a[$1] = $2; next } /^drop_/ && $2 > a[$1] { printf "%s:%d ", substr($1, 6), $2 - a[$1] }' \
		/tmp/dccp_fuzz0.stats /tmp/dccp_fuzz1.stats)
	rx=$(fuzz_delta rx_packets) handled=$(fuzz_delta rx_handled)
	csum=$(fuzz_delta drop_bad_checksum)
	diag "received $rx, taken in $handled, dropped: $out"
	reasons=$(echo $out | wc -w)
	sum=$(echo $out | tr ' ' '\n' | awk -F: '{ s += $2 } END { print s + 0 }')
	[ "$(fuzz_delta drop_bad_icmp)" = 0 ] || fail "ICMP errors counted: $(fuzz_delta drop_bad_icmp)" || return
	[ "$rx" -ge $((n * 2)) ] || fail "the handler was given $rx packets of $((n * 2)) sent" || return
	[ "$rx" = $((sum + handled)) ] ||
		fail "$rx received, but $sum dropped and $handled taken in" || return
	[ "$csum" = "$bad" ] || fail "$csum bad checksums counted, $bad sent" || return
	[ "$reasons" -ge 8 ] || fail "only $reasons drop reasons hit" || return
	[ $((sum * 10)) -ge $((n * 2 * 9)) ] || fail "only $sum of $((n * 2)) dropped" || return
	wait $client
	wait $SERVER
	out=$(echo $(cat /tmp/dccp_fuzz.out))
	diag "the connection under fire: server $out"
	[ "$out" = "ok accepted hup" ] || fail "server: $out" || return
	: > /tmp/dccp_fuzz.out
	nsexec "$NS_B" dccpt echo-server $((PORT + 1)) > /tmp/dccp_fuzz.out &
	SERVER=$!
	wait_for 3 grep -q . /tmp/dccp_fuzz.out || fail "no echo server" || return
	out=$(echo $(in_a dccpt echo-client $IP_B $((PORT + 1)) 20 1440))
	wait $SERVER
	diag "after: $out"
	case $out in
	"mps 1440 echo 20 ok burst ok"*) ;;
	*) fail "echo after the fuzzing: $out"; return ;;
	esac
	# The request sockets the valid Requests made end with their timer
	# (the listener is gone), TIMEWAIT after 200 ms: nothing is left.
	wait_for 5 count_is 0 || fail "dccp_rust sockets left: use count $(use_count)"
}

# held_connection SERVER_OUT CLIENT_OUT MODE: a connection across the
# NICs from A to a server of B that waits for its end (output in
# SERVER_OUT), the client held open as MODE says (dccpt client, output in
# CLIENT_OUT): its process in CLIENT, its port in CPORT; TIMEWAIT of A
# 200 ms.
held_connection() {
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A 200
	start_server "$1" $PORT 1 5 wait || return
	: > "$2"
	in_a dccpt client $IP_B $PORT "$3" > "$2" &
	CLIENT=$!
	wait_for 3 grep -q '^port' "$2" || fail "client: $(cat "$2")" || return
	CPORT=$(client_port "$2")
}

# A packet the socket's filter refuses (SO_ATTACH_FILTER, drop all) is
# counted once as filtered, after it was counted received; the counters
# of A balance after it; the connection closes normally.
dccp_filtered() {
	local cport f0 out client
	held_connection /tmp/dccp_srv.out /tmp/dccp_cl.out filter || return
	client=$CLIENT cport=$CPORT
	f0=$(dccp_stat $NS_A filtered)
	out=$(in_b rnet-drill dccp-raw $IP_B $IP_A $cport data $PORT)
	[ "$out" = ok ] || fail "raw send failed: $out" || return
	wait_for 3 sh -c "[ \$(nsexec $NS_A awk '\$1 == \"drop_filtered\" { print \$2 }' $STATS) -gt $f0 ]" ||
		fail "the filtered packet was not counted: filtered $f0 -> $(dccp_stat $NS_A filtered)" || return
	fuzz_settled 0 $NS_A ||
		fail "$NS_A's counters do not balance: $(tr '\n' ' ' < /tmp/dccp_fuzz1.stats)" || return
	[ "$(dccp_stat $NS_A filtered)" = $((f0 + 1)) ] || fail "filtered $f0 -> $(dccp_stat $NS_A filtered)" || return
	wait $client
	wait $SERVER
	out=$(echo $(cat /tmp/dccp_srv.out))
	[ "$out" = "ok accepted hup" ] || fail "server: $out"
}

# fuzz_delta NAME: how far counter NAME of B moved between the fuzz's
# two snapshots.
fuzz_delta() {
	awk -v f="$1" 'NR == FNR { if ($1 == f) a = $2; next } $1 == f { print $2 - a }' \
		/tmp/dccp_fuzz0.stats /tmp/dccp_fuzz1.stats
}

# fuzz_settled MIN [NS]: the rx_packets of NS (B by default) is at least
# MIN and equals its rx_handled plus its drops but bad_icmp (the snapshot
# in /tmp/dccp_fuzz1.stats).
fuzz_settled() {
	nsexec ${2:-$NS_B} cat $STATS > /tmp/dccp_fuzz1.stats
	awk -v min="$1" '$1 == "rx_packets" { r = $2 } $1 == "rx_handled" { h = $2 }
		/^drop_/ && $1 != "drop_bad_icmp" { d += $2 }
		END { exit !(r >= min && r == h + d) }' /tmp/dccp_fuzz1.stats
}

# The CCID options, as the C DCCP (without CCID 3) answers them: CCID 2
# the only one available and accepted; 3 known but not built
# (EOPNOTSUPP), 4 unknown (EINVAL); a list of at most 251; no current CCID
# before the connection (ENOPROTOOPT), CCID 2 both ways once connected,
# when the list can no longer change (EISCONN); SERVER_TIMEWAIT refused on
# a socket that is not a server's (EOPNOTSUPP); PACKET_SIZE accepted and
# ignored.
dccp_ccid_opts() {
	local out want srv
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A 200
	: > /tmp/dccp_bulk.out
	nsexec "$NS_B" dccpt bulk-server $PORT > /tmp/dccp_bulk.out &
	srv=$!
	wait_for 3 grep -q . /tmp/dccp_bulk.out || fail "bulk server: $(cat /tmp/dccp_bulk.out)" || return
	out=$(in_a dccpt ccidopts $IP_B $PORT | tr '\n' ';')
	wait $srv
	diag "$out"
	want="available: 1: 2;ccid 2: ok;ccid 3: errno 95;ccid 4: errno 22;tx ccid 2 3: errno 95;"
	want="${want}251 values: ok;252 values: errno 22;tx ccid read: errno 92;"
	want="${want}server timewait: errno 95;packet size: ok;"
	want="${want}connected: tx ccid 2 rx ccid 2;ccid connected: errno 106;"
	[ "$out" = "$want" ] || fail "got $out" || return
	wait_for 3 count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)"
}

# DCCP_SOCKOPT_SERVER_TIMEWAIT: a server that sets it closes with Close,
# not CloseReq; its client's reader sees the end, the client's close()
# answers with a Reset (Closed), and TIMEWAIT is the server's: its port
# stays taken until TIMEWAIT ends, the client's is free at once.
dccp_server_timewait() {
	local out cport sniff_b
	[ -n "$IF_A" ] || setup_pair e1000e_rust e1000e_rust || return
	modprobe dccp_rust || fail "modprobe dccp_rust failed" || return
	timewait_ms $NS_A 60000
	timewait_ms $NS_B $TW_MS
	sniff_start $NS_B "$IF_B" 60 /tmp/dccp_sb.out || return
	sniff_b=$SNIFF
	start_server /tmp/dccp_srv.out $PORT 1 4 twclose || return
	in_a dccpt client $IP_B $PORT wait > /tmp/dccp_cl.out
	wait $SERVER
	cport=$(client_port /tmp/dccp_cl.out)
	diag "client: $(echo $(cat /tmp/dccp_cl.out)); server: $(echo $(cat /tmp/dccp_srv.out))"
	out=$(echo $(awk '$1 != "port"' /tmp/dccp_cl.out | cut -d" " -f1,3))
	[ "$out" = "ok hup 0" ] && [ -n "$cport" ] || fail "client saw: $out" || return
	out=$(echo $(cat /tmp/dccp_srv.out))
	[ "$out" = "ok accepted timewait: ok" ] || fail "server saw: $out" || return
	wait_for 2 sh -c "[ \$(awk '\$1 == \"dccp_rust\" { print \$3 }' /proc/modules) -le 1 ]"
	count_is 1 || fail "use count $(use_count) after the close, want 1 (TIMEWAIT)" || return
	out=$(in_b dccpt bind $PORT)
	case "$out" in
	"errno 98 "*) ;;
	*) fail "bind of the server's port in TIMEWAIT gave: $out"; return ;;
	esac
	out=$(in_a dccpt bind "$cport")
	[ "$out" = ok ] || fail "bind of the client's port gave: $out (TIMEWAIT at the client?)" || return
	kill $sniff_b
	wait
	check_types /tmp/dccp_sb.out "1 6" "the server" || return
	deadline $((TW_MS / 1000 + 3)) count_is 0 || fail "TIMEWAIT did not end: use count $(use_count)"
}

# A load whose init fails after the protocol registered (fail_init_ms):
# while it loads, socket() does not reach dccp_rust (its protosws wait
# until the module is live: a socket made then would outlive the module
# the failed load frees), the load fails with ECANCELED, nothing stays
# registered, and the next load works.
dccp_failed_init() {
	local load out out4 out6 mp still
	cleanup
	loaded dccp_rust && { fail "dccp_rust is still loaded"; return; }
	mp=$(cat /proc/sys/kernel/modprobe)
	# No autoload meanwhile: socket() must not load a second copy.
	echo /nonexistent > /proc/sys/kernel/modprobe
	dmesg -c > /dev/null
	: > /tmp/dccp_load.out
	modprobe dccp_rust fail_init_ms=2000 > /tmp/dccp_load.out 2>&1 &
	load=$!
	if ! wait_for 3 sh -c "dmesg | grep -q 'dccp_rust: failing init in 2000 ms'"; then
		wait $load
		echo "$mp" > /proc/sys/kernel/modprobe
		fail "the load did not reach its failing init: $(cat /tmp/dccp_load.out)"
		return
	fi
	out=$(proto_row DCCP_RUST)
	out6=$(DCCPT_FAMILY=6 dccpt socket)
	out4=$(dccpt socket)
	# Still loading when socket() was called (else it proves nothing).
	grep -q "^dccp_rust .* Loading " /proc/modules && still=1 || still=0
	wait $load
	echo "$mp" > /proc/sys/kernel/modprobe
	[ -n "$out" ] || fail "DCCP_RUST not in /proc/net/protocols while loading" || return
	[ $still = 1 ] || fail "the load ended before socket() was tried" || return
	diag "socket() while dccp_rust loads: IPv4 $out4, IPv6 $out6"
	for out in "$out4" "$out6"; do
		case $out in
		"errno 94 "*|"errno 93 "*) ;;
		*) fail "socket() reached the loading module: $out"; return ;;
		esac
	done
	diag "modprobe: $(cat /tmp/dccp_load.out)"
	grep -qi "cancel" /tmp/dccp_load.out || fail "the load did not fail with ECANCELED" || return
	loaded dccp_rust && { fail "dccp_rust stayed loaded"; return; }
	[ -z "$(proto_row DCCP_RUST)" ] || fail "DCCP_RUST left in /proc/net/protocols" || return
	[ ! -e $STATS ] || fail "$STATS left behind" || return
	modprobe dccp_rust && [ "$(dccpt socket)" = ok ] && rmmod dccp_rust ||
		fail "load, socket, unload after the failed load failed"
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
