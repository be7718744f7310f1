#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernel::net::pernet, kernel::timer and kernel::delayed_work through the
# rnet_netns sample (samples/rust/rnet_netns.rs): one state per network
# namespace with its /proc/net file and sysctls, a timer and a delayed work
# item per namespace, namespaces made and dismantled while the module is
# loaded, and a registration the module leaks released when it goes.

. "$(dirname "$0")/lib.sh"

TESTS="pernet_proc_sysctl pernet_timer_work pernet_netns_exit pernet_leak pernet_failed_init"

PN_A=rnpernA
PN_B=rnpernB
PROC=/proc/net/rnet_netns
SYS=/proc/sys/net/rnet_netns

# pn_field NS FIELD: FIELD of NS's /proc/net/rnet_netns ("" for init_net).
pn_field() {
	if [ -n "$1" ]; then
		nsexec "$1" awk -v f="$2" '$1 == f { print $2 }' $PROC
	else
		awk -v f="$2" '$1 == f { print $2 }' $PROC
	fi
}

# pn_gt NS FIELD N: FIELD of NS is greater than N.
pn_gt() { [ "$(pn_field "$1" "$2")" -gt "$3" ]; }

# pn_write NS ENTRY VALUE: write a sysctl entry of NS (quietly).
pn_write() {
	nsexec "$1" sh -c "echo $3 > $SYS/$2" 2> /dev/null
}

cleanup() {
	ip netns del $PN_A 2> /dev/null
	ip netns del $PN_B 2> /dev/null
	rmmod rnet_netns 2> /dev/null
}

pernet_proc_sysctl() {
	local ca cb c0 v
	cleanup
	dmesg -c > /dev/null
	modprobe rnet_netns || fail "modprobe rnet_netns failed" || return
	[ -r $PROC ] || fail "no $PROC in the initial namespace" || return
	ip netns add $PN_A && ip netns add $PN_B || fail "ip netns add failed" || return
	c0=$(pn_field "" cookie) ca=$(pn_field $PN_A cookie) cb=$(pn_field $PN_B cookie)
	diag "cookies: init $c0, $PN_A $ca, $PN_B $cb"
	[ -n "$c0" ] && [ -n "$ca" ] && [ -n "$cb" ] || fail "a namespace has no state" || return
	[ "$c0" != "$ca" ] && [ "$ca" != "$cb" ] && [ "$c0" != "$cb" ] ||
		fail "two namespaces show the same state" || return

	pn_write $PN_A value 5 || fail "writing value 5 in $PN_A failed" || return
	[ "$(nsexec $PN_A cat $SYS/value)" = 5 ] || fail "sysctl does not read back 5" || return
	[ "$(pn_field $PN_A value)" = 5 ] || fail "$PN_A's state did not take 5" || return
	[ "$(pn_field $PN_B value)" = 0 ] || fail "$PN_B's state changed with $PN_A's" || return
	[ "$(pn_field "" value)" = 0 ] || fail "init_net's state changed with $PN_A's" || return

	# Out of range or not a number: refused, value kept.
	for v in 1001 -1 abc; do
		if pn_write $PN_A value $v; then fail "writing $v was accepted"; return; fi
		[ "$(pn_field $PN_A value)" = 5 ] || fail "writing $v changed the value" || return
	done
	pn_write $PN_A value 1000 || fail "the maximum 1000 was refused" || return
	[ "$(pn_field $PN_A value)" = 1000 ] || fail "value is not 1000" || return
	diag "per-namespace values: $PN_A 1000, $PN_B 0, init 0; 1001, -1, abc refused"
}

pernet_timer_work() {
	local t1 t2 t3 w
	pn_write $PN_B interval_ms 20 || fail "writing interval_ms failed" || return
	sleep 1
	t1=$(pn_field $PN_B ticks)
	diag "$PN_B: $t1 timer runs in 1 s at 20 ms"
	[ "$t1" -ge 5 ] || fail "the timer ran $t1 times in 1 s" || return
	[ "$(pn_field $PN_A ticks)" = 0 ] || fail "$PN_A's timer ran" || return
	pn_write $PN_B interval_ms 0 || fail "writing interval_ms 0 failed" || return
	sleep 0.2
	t2=$(pn_field $PN_B ticks)
	sleep 0.5
	t3=$(pn_field $PN_B ticks)
	[ "$t2" = "$t3" ] || fail "the timer still runs after interval_ms 0 ($t2 -> $t3)" || return
	# Two writes 50 ms apart at most run the work once or twice; each
	# write schedules it, so it ran at least once per burst.
	w=$(pn_field $PN_B works)
	[ "$w" -ge 1 ] || fail "the delayed work never ran" || return
	pn_write $PN_B value 1 && pn_write $PN_B value 2 || fail "writing value failed" || return
	wait_for 10 pn_gt $PN_B works "$w" ||
		fail "the work did not run after the writes" || return
	# cancel: a timer armed for 1 s and stopped at once never runs.
	t3=$(pn_field $PN_B ticks)
	nsexec $PN_B sh -c "echo 1000 > $SYS/interval_ms; echo 0 > $SYS/interval_ms" ||
		fail "writing interval_ms failed" || return
	sleep 1.5
	[ "$(pn_field $PN_B ticks)" = "$t3" ] || fail "a cancelled timer ran" || return
	diag "timer stopped at $t3 runs; work ran $(pn_field $PN_B works) times"
}

# A namespace dismantled while its timer ticks every 5 ms and its work is
# pending: nothing runs afterwards, and the module unloads.
pernet_netns_exit() {
	pn_write $PN_A interval_ms 5 || fail "writing interval_ms 5 failed" || return
	# A timer that re-arms itself holds its module: init_net's (which only
	# the module's exit would stop) is stopped through its sysctl first.
	echo 20 > $SYS/interval_ms || fail "writing init_net's interval_ms failed" || return
	sleep 0.2
	if rmmod rnet_netns 2> /dev/null; then
		fail "rnet_netns unloaded with timers pending"; return
	fi
	echo 0 > $SYS/interval_ms || return
	ip netns del $PN_A || fail "ip netns del failed" || return
	ip netns del $PN_B || fail "ip netns del failed" || return
	# Dismantling is asynchronous; a timer run in progress holds the module.
	wait_for 30 rmmod rnet_netns || fail "rnet_netns did not unload: $(modules_left)" || return
	[ ! -d /sys/module/rnet_netns ] || fail "rnet_netns still loaded" || return
	dmesg | grep -q "rnet_netns: unloading" || fail "no unload message" || return
	# Its registration was dropped, not released by the module scope.
	if dmesg | grep -q "releasing a registration"; then
		fail "a registration of a clean unload was released as leaked"; return
	fi
}

# A registration leaked with mem::forget is released when its module goes,
# and says so; its /proc/net file is gone with it.
pernet_leak() {
	dmesg -c > /dev/null
	modprobe rnet_netns leak=1 || fail "modprobe rnet_netns leak=1 failed" || return
	[ "$(cat /proc/net/rnet_netns_leaked)" = leaked ] ||
		fail "no /proc/net/rnet_netns_leaked" || return
	ip netns add $PN_A || return
	nsexec $PN_A cat /proc/net/rnet_netns_leaked > /dev/null ||
		fail "a new namespace has no leaked state" || return
	ip netns del $PN_A
	wait_for 10 rmmod rnet_netns || fail "rnet_netns did not unload" || return
	dmesg | grep -q "rnet: rnet_netns: releasing a registration its module leaked" ||
		fail "no message for the leaked registration" || return
	[ ! -e /proc/net/rnet_netns_leaked ] || fail "the leaked registration's file is left" || return
	diag "$(dmesg | grep -m1 'releasing a registration')"
	# A second load that leaks again works, and is cleaned up again.
	dmesg -c > /dev/null
	modprobe rnet_netns leak=1 && wait_for 30 rmmod rnet_netns || fail "reloading after the leak failed" || return
	dmesg | grep -q "releasing a registration" || fail "the second leak was not released"
}

# An init that fails with a timer pending (its object leaked): modprobe
# fails, the timer still runs (the loader waits for it before freeing the
# module), nothing is left loaded, and a normal load works after.
pernet_failed_init() {
	dmesg -c > /dev/null
	if modprobe rnet_netns fail_ms=300 2> /dev/null; then
		fail "init with fail_ms succeeded"; return
	fi
	dmesg | grep -q "rnet_netns: failing init with a timer pending" ||
		fail "init did not arm its timer" || return
	dmesg | grep -q "rnet_netns: the timer of the failed init ran" ||
		fail "modprobe returned before the timer ran" || return
	[ ! -d /sys/module/rnet_netns ] || fail "rnet_netns left loaded" || return
	modprobe rnet_netns && rmmod rnet_netns || fail "loading after the failed init failed"
}

ktap_run
