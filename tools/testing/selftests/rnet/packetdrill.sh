#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own packetdrill selftests (tools/testing/selftests/net/
# packetdrill, copied to /rnet/ksft by mkinitramfs.sh) run by their own
# ksft_runner.sh, with rnet-drill installed as `packetdrill`: every script
# in IPv4 and IPv6, one KTAP test point each, "packetdrill: SCRIPT ipv4".
# KSFT_MACHINE_SLOW=yes gives the runner's slow-machine tolerance (14 ms).
# Each run is in a network namespace of its own (unshare -n in
# ksft_runner.sh), with its own tun0.
#
# This guest runs under TCG, where a thread's wakeup now and then takes
# longer than the tolerance: a family whose run failed with timing errors
# alone ("SCRIPT:LINE: timing error: ..." from rnet-drill, nothing else)
# runs again, three runs at most; it passes when one run passed. Every
# failed run is printed. Any other failure (another error, a crash, no
# message) is final. rnet-drill itself reports a failure that followed a
# pause of its own (a packet read more than half the tolerance after the
# kernel sent it, while the runner was busy) as a timing error, with the
# failure after it: in such a run the kernel's timers (a tail loss probe
# 10 ms after a send) answered a late script.
#
# Then rnet-drill's own scripts, which must pass or fail as they say.
# All of them exercise upstream's C TCP stack only, so the debug flavour
# leaves this file out (run_tests.sh).

. "$(dirname "$0")/drill_lib.sh"

dir=/rnet/ksft/net/packetdrill
out=/tmp/.rnet_pd
export KSFT_MACHINE_SLOW=yes

rm -rf "$out"; mkdir -p "$out"
scripts=$(cd "$dir" && ls *.pkt)
echo "KTAP version 1"
echo "1..$(( $(echo $scripts | wc -w) * 2 + $(ls "$(dirname "$0")"/drill/*.pkt | wc -l) ))"
n=0 failed=0
# verdict FAMILY RUN-OUTPUT SECT: the family's part of one ksft_runner.sh
# run (what rnet-drill printed before ksft_runner.sh's "ok N FAMILY" or
# "not ok N FAMILY" line) in SECT, and "pass", "timing" (every error
# rnet-drill reported was a timing error) or "fail".
verdict() {
	awk -v f="$1" -v out="$3" '
		$0 ~ /^(not )?ok [0-9]+ ipv[46]$/ {
			if ($NF == f) { v = ($1 == "ok") ? "pass" : "fail"; exit }
			n = 0; next }
		/^TAP version|^1\.\.[0-9]+$/ { next }
		{ l[n++] = $0 }
		END { if (v == "") v = "fail"
		      printf "" > out; for (i = 0; i < n; i++) print l[i] > out
		      print v }' "$2"
}

# one SCRIPT: runs SCRIPT (both families) up to three times, as above;
# writes what to print to $out/SCRIPT.log and the families' results
# ("ipv4 ok" or "ipv4 fail", the same for ipv6) to $out/SCRIPT.res.
one() {
	local s=$1 t0 try again f v p4=0 p6=0 h4=0 h6=0 took fam ok
	local run="$out/$s.run" sect="$out/$s.sect"
	t0=$(cut -d' ' -f1 /proc/uptime)
	: > "$out/$s.log"
	# Per family: passed in some run (p4, p6), failed for good in some
	# run (h4, h6): a hard failure counts even after a pass.
	for try in 1 2 3; do
		# A run that hangs ends after 2 minutes, failed (no "ok" line).
		(cd "$dir" && timeout 120 ./ksft_runner.sh "$s") > "$run" 2>&1
		again=0
		for f in 4 6; do
			v=$(verdict ipv$f "$run" "$sect")
			if [ "$v" = fail ] && timing_only "$s" "$sect"; then
				v=timing
			fi
			[ "$v" = pass ] || sed "s/^/# ipv$f run $try ($v): /" "$sect" >> "$out/$s.log"
			case $v in
			pass) eval "p$f=1" ;;
			fail) eval "h$f=1" ;;
			timing) eval "[ \$p$f = 1 ]" || again=1 ;;
			esac
		done
		[ $h4 = 0 ] && [ $h6 = 0 ] && [ $again = 1 ] || break
	done
	took=$(awk -v a="$t0" '{ printf "%.1f s", $1 - a }' /proc/uptime)
	: > "$out/$s.res"
	for fam in ipv4 ipv6; do
		eval "ok=\$p${fam#ipv}\$h${fam#ipv}"
		if [ "$ok" = 10 ]; then
			echo "$fam ok $took" >> "$out/$s.res"
		else
			echo "$fam fail $took" >> "$out/$s.res"
		fi
	done
}

# The scripts run in $lanes lanes side by side, each lane one script at a
# time (each run in namespaces of its own): most of a script's time is
# its own waits, which do not add up across lanes. With three lanes the
# whole file took about 40 s of guest time here instead of about 115 s;
# in that run 4 of the 48 families needed a second run (timing errors),
# none a third.
lanes=3
i=0
for s in $scripts; do
	echo "$s" >> "$out/lane$((i % lanes))"
	i=$((i + 1))
done
for l in $(seq 0 $((lanes - 1))); do
	[ -f "$out/lane$l" ] || continue
	(for s in $(cat "$out/lane$l"); do one "$s"; done) &
done
wait
for s in $scripts; do
	cat "$out/$s.log" 2> /dev/null
	for fam in ipv4 ipv6; do
		n=$((n + 1))
		res=$(awk -v f=$fam '$1 == f { print $2 }' "$out/$s.res" 2> /dev/null)
		took=$(awk -v f=$fam '$1 == f { print $3, $4 }' "$out/$s.res" 2> /dev/null)
		if [ "$res" = ok ]; then
			echo "# TEST: packetdrill: $s $fam [ OK ] ($took for both)"
			echo "ok $n packetdrill: $s $fam"
		else
			echo "# TEST: packetdrill: $s $fam [FAIL] (${took:-no result} for both)"
			echo "not ok $n packetdrill: $s $fam"
			failed=1
		fi
	done
done

# rnet-drill's own scripts (drill/ beside this file): two that must pass
# (TCP, UDP), and variations that must fail, each on the line and with
# the message its second line names ("// must fail: LINE: TEXT"): a wrong
# flag, ack number, option list, errno, read length, an early, a late and
# a missing packet, a wrong tcp_info value, tcp_info read from the
# accepted socket, not the listener, a wrong zerocopy completion, epoll
# mask and UDP length. A must-fail script that fails anywhere else, or
# for another reason, is a failure.
for f in "$(dirname "$0")"/drill/*.pkt; do
	n=$((n + 1))
	s=$(basename "$f")
	# "// must fail: LINE: TEXT": rnet-drill's message must be
	# "SCRIPT:LINE: TEXT...", the failing line and what it says.
	want=$(sed -n '2s|^// must fail: ||p' "$f")
	if [ -z "$want" ]; then
		expect="a pass"
	else
		expect="a failure with '$s:$want'"
	fi
	# As above, a run that went otherwise on timing errors alone runs
	# again (three runs at most); every such run is printed.
	if [ -z "$want" ]; then
		check='[ $rc = 0 ]'
	else
		check='[ $rc = 1 ] && failed_as "$s" "$want" "$out/drill.out"'
	fi
	drill_try "$out/drill.out" "$check" \
		sh -c 'cd "$1" && exec unshare -n rnet-drill --tolerance_usecs=14000 "$2"' \
		sh "$(dirname "$f")" "$s"
	ok=$?
	if [ $ok = 0 ]; then
		echo "# rnet-drill $s: exit $rc: $(head -n 1 "$out/drill.out")"
		echo "ok $n drill: $s"
	else
		echo "# rnet-drill $s: exit $rc, expected $expect:"
		sed 's/^/# /' "$out/drill.out"
		echo "not ok $n drill: $s"
		failed=1
	fi
done
rm -rf "$out"
exit $failed
