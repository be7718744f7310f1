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
# runs it on that stack alone (the lines below say why), and "// xfail:
# STACK: REASON" marks a failure known on STACK: the point passes when
# the script fails there, with rnet-drill's message printed, and fails
# when it passes (the xfail line must go). Each script runs in
# a network namespace of its own (tun0, IPv4), a run that failed on
# timing errors alone runs again (three runs at most, drill_lib.sh).
#
# Last, dccp_rust must unload within 10 s ("dccp-drill: rust unloads"):
# rnet-drill resets what a script left open, so a socket left behind is
# dccp_rust's.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/drill_lib.sh"

stack=${RNET_DCCP_STACK:-rust}
dir=$(cd "$(dirname "$0")/dccp_drill" && pwd)
out=/tmp/.rnet_dccp_drill
rm -rf "$out"; mkdir -p "$out"

# runs STACK SCRIPT: whether SCRIPT runs on STACK.
runs() {
	local only
	only=$(sed -n '1,6s|^// stacks: ||p' "$dir/$2")
	[ -z "$only" ] || [ "$only" = "$1" ]
}

# xfail STACK SCRIPT: the reason SCRIPT is known to fail on STACK, if it
# is.
xfail() { sed -n "1,6s|^// xfail: $1: ||p" "$dir/$2"; }

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
	loaded dccp_ipv4 || modprobe dccp_ipv4 || { echo "# modprobe dccp_ipv4 failed"; exit 1; }
	# Pinned from now on (lib.sh, end_unload), as dccp.sh's taken-slot
	# case says.
	awk '$1 == "dccp_ipv4" || $1 == "dccp" { printf "%s(%s)\n", $1, $3 }' \
		/proc/modules > $RNET_PINNED_FILE
	init=true
fi

for s in $scripts; do
	n=$((n + 1))
	t0=$(cut -d' ' -f1 /proc/uptime)
	drill_try "$out/run" '[ $rc = 0 ]' sh -c \
		'cd "$1" && exec unshare -n rnet-drill --init_scripts="$2" --tolerance_usecs=14000 "$3"' \
		sh "$dir" "$init" "$s"
	ok=$?
	took=$(awk -v a="$t0" '{ printf "%.1f s", $1 - a }' /proc/uptime)
	why=$(xfail $stack "$s")
	if [ -n "$why" ]; then
		if [ $ok = 0 ]; then
			echo "# TEST: dccp-drill: $s $stack [FAIL] ($took): passed, but marked as a known failure ($why)"
			ok=1
		elif [ $rc = 1 ] && grep -q "^$s:[0-9]*: " "$out/run"; then
			echo "# TEST: dccp-drill: $s $stack [ OK ] ($took): fails as known ($why):"
			sed 's/^/#   /' "$out/run"
			echo "ok $n dccp-drill: $s $stack"
			continue
		fi
	fi
	if [ $ok = 0 ]; then
		echo "# TEST: dccp-drill: $s $stack [ OK ] ($took)"
		echo "ok $n dccp-drill: $s $stack"
	else
		echo "# TEST: dccp-drill: $s $stack [FAIL] ($took), exit $rc:"
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
