#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build, run the static gates, boot the guest with the
# selftests, then count every result. The last line printed is
# "N passed, N failed, N skipped"; the exit status is non-zero when any test
# failed, a guest exited with a non-zero status, or a console log holds an
# oops, BUG, WARNING, KASAN, lockdep, kmemleak or DMA-API report (each of
# these counts as a failed test).
#
# Environment: DEBUG=1 (debug flavour), TESTS="a.sh b.sh" (a subset of the
# selftests; dccp_interop.sh names the interop guest pair), RNET_CACHE.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

t0=$(date +%s)
# kill_tree PID: PID and every process below it.
kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill "$1" 2>/dev/null || :; }
# A guest still running in the background when this script ends, however
# it ends, is stopped: it must not outlive the run and write into the next.
dpid=
trap '[ -z "$dpid" ] || kill_tree $dpid' EXIT
"$TOP/tools/rnet/setup.sh"
RNET_LINT=1 "$TOP/tools/rnet/kernel.sh"
"$TOP/tools/rnet/mkinitramfs.sh"

res="$RNET_CACHE/results-$FLAVOUR"
rm -rf "$res"; mkdir -p "$res" "$LOGDIR"
rm -f "$LOGDIR"/check-"$FLAVOUR"*.console.log

# 1. Static gates, as host-side KTAP.
log "static checks"
"$TOP/tools/rnet/static.sh" > "$res/static.ktap" || true

# Host unit tests, as KTAP: the pure-logic kernel files (descriptor
# encoding, ring arithmetic, DCCP codecs) and rnet-drill (its tests named
# drill::...). A crate that does not build, or whose tests fail to run or
# hang (15 minutes), is a failure of its own.
log "host unit tests (cargo test)"
for crate in hosttest drill; do
	RNET_PACKETDRILL_DIR="$KSRC/tools/testing/selftests/net/packetdrill" \
	CARGO_TARGET_DIR="$RNET_CACHE/$crate-target" timeout 900 cargo test --offline \
		--manifest-path "$TOP/tools/rnet/$crate/Cargo.toml" -- --test-threads=1 2>&1 |
		sed "s/^test /test $crate /"
	echo "cargo_test $crate ${PIPESTATUS[0]}"
done |
	awk 'BEGIN { print "KTAP version 1" }
	     /^test [a-z]+ .* \.\.\. / { n++; name = $3; if ($2 == "drill") name = "drill::" name
		if ($NF == "ok") r[n] = "ok " n " " name; else r[n] = "not ok " n " " name }
	     /^cargo_test / && $3 != 0 { n++; r[n] = "not ok " n " cargo_test_" $2 }
	     END { if (n == 0) { print "1..1"; print "not ok 1 hosttest_build"; exit }
		   print "1.." n; for (i = 1; i <= n; i++) print r[i] }' > "$res/hosttest.ktap"

# The selftests run in two guests side by side. Most of e1000e_rust's
# tests keep one vCPU busy at a time, and TCG runs a vCPU on one host
# core: the driver guest (the scripts of DRIVER_PROGS) leaves the other
# core to the protocol guest (every other script), which the interop pair
# and the fault suite follow. DEBUG=1 leaves out the selftests Makefile's
# TEST_PROGS_DEFAULT_ONLY unless TESTS names them.
#
# TESTS: the scripts to run, and whether the interop pair runs.
sdir="$TOP/tools/testing/selftests/rnet"
DRIVER_PROGS="e1000e_c.sh e1000e_rust.sh e1000e_intmode.sh tcp_wire.sh"
progs=$(sh "$sdir/progs.sh" $FLAVOUR)
interop=1
if [ -n "$(echo ${TESTS:-})" ]; then
	interop=0 progs=
	for t in $TESTS; do
		if [ "$t" = dccp_interop.sh ]; then interop=1; else progs="$progs $t"; fi
	done
fi
driver_tests="" proto_tests=""
for p in $progs; do
	case " $DRIVER_PROGS " in
	*" $p "*) driver_tests="$driver_tests $p" ;;
	*) proto_tests="$proto_tests $p" ;;
	esac
done
run_driver=0 run_proto=0
[ -n "$driver_tests" ] && run_driver=1
[ -n "$proto_tests" ] && run_proto=1

# selftests_guest NAME SCRIPTS...: one guest that runs KUnit at boot, then
# SCRIPTS, its KTAP in $res/NAME.ktap, its exit status in $res/NAME.rc.
# 5 GiB of memory, most of it above 4 GiB, where the page allocator
# serves first: the drivers' rings and buffers get 64-bit bus addresses
# (rust_regs_dma64).
selftests_guest() {
	local name=$1 rc=0
	shift
	"$TOP/tools/rnet/qemu.sh" --name "$name" --timeout $timeout --mem 5G -- \
		sh /rnet/selftests/run_tests.sh "$@" > "$res/$name.ktap" || rc=$?
	echo $rc > "$res/$name.rc"
}

# 2. The two selftests guests, KUnit at boot in each.
timeout=1200
[ "$RNET_DEBUG" = 1 ] && timeout=3600
dguest=check-$FLAVOUR pguest=check-$FLAVOUR-proto
if [ $run_driver = 1 ]; then
	log "driver guest:$driver_tests (console: $LOGDIR/$dguest.console.log)"
	selftests_guest $dguest $driver_tests &
	dpid=$!
fi
if [ $run_proto = 1 ]; then
	log "protocol guest:$proto_tests (console: $LOGDIR/$pguest.console.log)"
	selftests_guest $pguest $proto_tests
	sed -n 's/^ *# TEST: /rnet: /p' "$res/$pguest.ktap"
fi

# 2b. The interop pair (dccp_interop.sh): dccp_rust in one guest, the C
# DCCP in a one-vCPU peer joined to it by a socket netdev on 127.0.0.1.
# The listening side boots first; the peer's connect is retried until it
# is up. Neither runs the boot KUnit suites (the selftests guests do).
irc=0 prc=0
if [ $interop = 1 ]; then
	log "interop pair: dccp_rust and the C DCCP (consoles: $LOGDIR/check-$FLAVOUR-interop, -peer)"
	itimeout=900
	[ "$RNET_DEBUG" = 1 ] && itimeout=2400
	port=$((20000 + $$ % 20000))
	"$TOP/tools/rnet/qemu.sh" --name "check-$FLAVOUR-interop" --timeout $itimeout --mem 2G \
		--append kunit.enable=0 --peer "listen:$port" -- \
		sh /rnet/selftests/run_tests.sh dccp_interop.sh > "$res/interop.ktap" &
	ipid=$!
	(
		for i in 1 2 3 4 5 6 7 8 9 10; do
			sleep 2
			t0=$(date +%s)
			rc=0
			"$TOP/tools/rnet/qemu.sh" --name "check-$FLAVOUR-peer" --timeout $itimeout \
				--smp 1 --append kunit.enable=0 --peer "connect:$port" -- \
				sh /rnet/selftests/interop_peer.sh > "$res/peer.out" 2>&1 || rc=$?
			# A peer that could not connect ends at once: again.
			[ $(($(date +%s) - t0)) -gt 5 ] && exit $rc
		done
		exit $rc
	) &
	ppid=$!
	wait $ipid || irc=$?
	# The peer ends when told to; not told (a failed test), it is stopped:
	# its QEMU, its qemu.sh and the loop above, none of another run's.
	for i in $(seq 60); do kill -0 $ppid 2>/dev/null || break; sleep 1; done
	kill -0 $ppid 2>/dev/null && kill_tree $ppid
	wait $ppid || prc=$?
	sed -n 's/^ *# TEST: /rnet: /p' "$res/interop.ktap"
	sed 's/^/rnet: peer: /' "$res/peer.out" 2>/dev/null || :
fi

# 3. The fault suite: a guest that provokes every class of report the
# console scan below must catch, each of which must turn it red.
log "fault suite (console: $LOGDIR/faults-$FLAVOUR.console.log)"
"$TOP/tools/rnet/faults.sh" "$res" > "$res/faults.ktap" || true
sed -n 's/^# \([a-z_]*\): /rnet: fault \1: /p' "$res/faults.ktap"

# The driver guest, which ran all along.
grc=0 g2rc=0
if [ $run_driver = 1 ]; then
	log "waiting for the driver guest"
	wait $dpid || :
	dpid=
	sed -n 's/^ *# TEST: /rnet: /p' "$res/$dguest.ktap"
	grc=$(cat "$res/$dguest.rc" 2>/dev/null || echo 125)
	cp "$LOGDIR/$dguest.console.log" "$res/kunit.log" 2>/dev/null || :
fi
if [ $run_proto = 1 ]; then
	g2rc=$(cat "$res/$pguest.rc" 2>/dev/null || echo 125)
	cp "$LOGDIR/$pguest.console.log" "$res/kunit-proto.log" 2>/dev/null || :
fi

# 4. Every console log of this run: no oops, BUG, WARNING, KASAN, lockdep,
# kmemleak, DMA-API report. One KTAP test per log. The logs of the guests
# above are named here, so that a missing one fails rather than drops out;
# any other log of this run's guests is scanned too.
consoles=()
[ $run_driver = 1 ] && consoles+=("$LOGDIR/$dguest.console.log")
[ $run_proto = 1 ] && consoles+=("$LOGDIR/$pguest.console.log")
[ $interop = 1 ] && consoles+=("$LOGDIR/check-$FLAVOUR-interop.console.log"
			       "$LOGDIR/check-$FLAVOUR-peer.console.log")
for f in "$LOGDIR"/check-"$FLAVOUR"*.console.log; do
	[ -e "$f" ] || continue
	for c in "${consoles[@]}"; do [ "$c" = "$f" ] && continue 2; done
	consoles+=("$f")
done
"$TOP/tools/rnet/scanlogs.sh" "${consoles[@]}" > "$res/consoles.ktap" || true

log "results (guest exit statuses $grc $g2rc, $(( $(date +%s) - t0 )) s in all)"
set +e
# Only a TESTS naming scripts runs part of the selftests.
partial=
[ -n "$(echo ${TESTS:-})" ] && partial=selftests
[ $interop = 1 ] || partial="$partial interop consoles"
# dccp_rust's KUnit suite runs only in the protocol guest (e1000e_rust's
# and the boot suites in both).
[ $run_proto = 1 ] || partial="$partial kunit"
[ $run_driver = 1 ] && [ $run_proto = 1 ] || partial="$partial consoles"
suites=("static:$res/static.ktap" "hosttest:$res/hosttest.ktap")
[ $run_driver = 1 ] && suites+=(--guest "selftests:$dguest:$grc"
				"kunit:$res/kunit.log" "selftests:$res/$dguest.ktap")
[ $run_proto = 1 ] && suites+=(--guest "selftests:$pguest:$g2rc"
			       "kunit:$res/kunit-proto.log" "selftests:$res/$pguest.ktap")
[ $interop = 1 ] && suites+=(--guest "interop:check-$FLAVOUR-interop:$irc"
			     --guest "interop:check-$FLAVOUR-peer:$prc"
			     "interop:$res/interop.ktap")
suites+=("faults:$res/faults.ktap" "consoles:$res/consoles.ktap")
RNET_FLAVOUR=$FLAVOUR RNET_PARTIAL=$partial python3 "$TOP/tools/rnet/results.py" "$KSRC" "$TOP" \
	"${suites[@]}" > "$res/summary.txt"
rc=$?
grep -E '^\[[0-9:]+\] .*(FAILED|CRASHED|\[SKIPPED\])' "$res/summary.txt" | head -40
# Why each failed script test failed: the last lines it printed before
# its "not ok" (where fail() writes the reason), so that a log that keeps
# only the end of this output still says what went wrong.
for k in "$res/$dguest.ktap" "$res/$pguest.ktap" "$res/interop.ktap"; do
	[ -e "$k" ] || continue
	awk '{ sub(/^[ \t]+/, "") }
	     /^(not )?ok [0-9]+ / {
		name = $0; sub(/^(not )?ok [0-9]+ /, "", name); sub(/ #.*/, "", name)
		if ($1 == "not" && name !~ /^(selftests|interop): /)
			for (i = 0; i < nb; i++) print "rnet: why " name ": " b[i]
		nb = 0; next }
	     /^# TEST: / || /^# totals: / { next }
	     /^# / { l = substr($0, 3, 200)
		     if (nb == 6) { for (i = 1; i < 6; i++) b[i - 1] = b[i]; nb = 5 }
		     b[nb++] = l }' "$k"
done | head -30
sed -n '/^rnet: /p' "$res/summary.txt"
tail -n 1 "$res/summary.txt"
exit $rc
