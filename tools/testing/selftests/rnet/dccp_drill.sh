#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The DCCP conformance suite: dccp_drill/*.pkt, scripts in rnet-drill's
# DCCP lines (Documentation/networking/rnet/rnet-drill.rst), run against
# one DCCP stack: dccp_rust here, the C DCCP of the same tree from
# dccp_drill_c.sh. dccp_rust's run comes before dccp.sh and the C one
# after it: the C DCCP cannot be unloaded once loaded (its control
# sockets pin it). One KTAP point per script and stack, "dccp-drill:
# SCRIPT rust|c". In a script's first lines, "// stacks: rust" (or c)
# runs it on that stack alone (the lines below say why); "// must fail:
# LINE: TEXT" makes it one of the runner's own tests, which must fail on
# that line with that message (a wrong ack, Reset code, option list, Ack
# Vector state, payload, type, a packet no line checks); "// xfail:
# STACK: LINE: TEXT" marks a failure known on STACK, which must happen
# as written (the point fails when the script passes: the line must
# go). Each script runs in
# a network namespace of its own (tun0, IPv4), a run that failed on
# timing errors alone runs again (three runs at most, drill_lib.sh).
#
# After each script on dccp_rust, its use count must be back where it
# was within 2 s (rnet-drill resets what a script left open, so a socket
# left behind is dccp_rust's), and last, dccp_rust must unload within
# 10 s ("dccp-drill: rust unloads").

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/drill_lib.sh"

stack=${RNET_DCCP_STACK:-rust}
dir=$(cd "$(dirname "$0")/dccp_drill" && pwd)
out=/tmp/.rnet_dccp_drill
rm -rf "$out"; mkdir -p "$out"

# runs STACK SCRIPT: whether SCRIPT runs on STACK (an unknown stack
# name fails the whole file).
runs() {
	local only
	only=$(sed -n '1,6s|^// stacks: ||p' "$dir/$2")
	case $only in
	""|rust|c) ;;
	*) echo "# $2: unknown stack '$only'"; exit 1 ;;
	esac
	[ -z "$only" ] || [ "$only" = "$1" ]
}

# must_fail STACK SCRIPT: "LINE: TEXT" the script must fail with on
# STACK, if any (a must-fail line, or an xfail line for STACK).
must_fail() {
	sed -n -e '1,6s|^// must fail: ||p' -e "1,6s|^// xfail: $1: ||p" "$dir/$2"
}

# use_count: dccp_rust's use count.
use_count() { awk '$1 == "dccp_rust" { print $3 }' /proc/modules; }

scripts=""
for f in "$dir"/*.pkt; do
	runs $stack "$(basename "$f")" && scripts="$scripts $(basename "$f")"
done
extra=0
[ $stack = rust ] && extra=1
echo "KTAP version 1"
echo "1..$(( $(echo $scripts | wc -w) + extra ))"

n=0 failed=0
if [ $stack = rust ]; then
	loaded dccp_rust || modprobe dccp_rust || { echo "# modprobe dccp_rust failed"; exit 1; }
	# A client that closed first waits in TIMEWAIT, holding the module:
	# 100 ms of it in each script's namespace.
	init="echo 100 > /proc/sys/net/dccp_rust/timewait_ms"
else
	for m in dccp_ipv4 dccp_ipv6; do
		loaded $m || modprobe $m || { echo "# modprobe $m failed"; exit 1; }
	done
	# Pinned from now on (lib.sh, end_unload), as dccp.sh's taken-slot
	# case says; dccp_ipv6 for the IPv6 scripts.
	awk '$1 == "dccp_ipv4" || $1 == "dccp_ipv6" || $1 == "dccp" { printf "%s(%s)\n", $1, $3 }' \
		/proc/modules > $RNET_PINNED_FILE
	init=true
fi

[ $stack = rust ] && base=$(use_count)
# The tolerance: 14 ms, as the kernel's packetdrill runner gives a slow
# machine; 30 ms in the debug flavour, where a blocked writer's thread
# took 15 to 34 ms past the Ack that woke it (blocked_writer.pkt line 30,
# late in the first run of every debug run of 2026-12-05, in all three
# of one). A script's own tighter tolerance stays; the default flavour
# runs every script at 14 ms.
DRILL_TOL=14000
[ "$RNET_FLAVOUR" = debug ] && DRILL_TOL=30000
for s in $scripts; do
	n=$((n + 1))
	t0=$(cut -d' ' -f1 /proc/uptime)
	want=$(must_fail $stack "$s")
	if [ -z "$want" ]; then
		check='[ $rc = 0 ]'
	else
		check='[ $rc = 1 ] && failed_as "$s" "$want" "$out/run"'
	fi
	drill_try "$out/run" "$check" sh -c \
		'cd "$1" && exec unshare -n rnet-drill --init_scripts="$2" --tolerance_usecs="$3" "$4"' \
		sh "$dir" "$init" "$(script_tolerance "$dir/$s" $DRILL_TOL)" "$s"
	ok=$?
	took=$(awk -v a="$t0" '{ printf "%.1f s", $1 - a }' /proc/uptime)
	if [ $stack = rust ] && ! wait_for 2 sh -c "[ \$(awk '\$1 == \"dccp_rust\" { print \$3 }' /proc/modules) = $base ]"; then
		echo "# $s left dccp_rust's use count at $(use_count), not $base"
		ok=1
	fi
	if [ $ok = 0 ]; then
		echo "# TEST: dccp-drill: $s $stack [ OK ] ($took)${want:+: failed as it must: $(head -n 1 "$out/run")}"
		echo "ok $n dccp-drill: $s $stack"
	else
		echo "# TEST: dccp-drill: $s $stack [FAIL] ($took), exit $rc${want:+, expected a failure with '$s:$want'}:"
		sed 's/^/# /' "$out/run"
		echo "not ok $n dccp-drill: $s $stack"
		failed=1
	fi
done

if [ $stack = rust ]; then
	n=$((n + 1))
	if wait_for 10 rmmod dccp_rust; then
		echo "ok $n dccp-drill: rust unloads"
	else
		echo "# dccp_rust still in use: $(awk '$1 == "dccp_rust" { print $3 }' /proc/modules)"
		echo "not ok $n dccp-drill: rust unloads"
		failed=1
	fi
fi
rm -rf "$out"
exit $failed
