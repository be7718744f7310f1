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
# selftests), RNET_CACHE.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

t0=$(date +%s)
"$TOP/tools/rnet/setup.sh"
RNET_LINT=1 "$TOP/tools/rnet/kernel.sh"
"$TOP/tools/rnet/mkinitramfs.sh"

res="$RNET_CACHE/results-$FLAVOUR"
rm -rf "$res"; mkdir -p "$res" "$LOGDIR"
rm -f "$LOGDIR"/check-"$FLAVOUR"*.console.log

# 1. Static gates, as host-side KTAP.
log "static checks"
"$TOP/tools/rnet/static.sh" > "$res/static.ktap" || true

# Host unit tests of the pure-logic kernel files (descriptor encoding, ring
# arithmetic), as KTAP.
log "host unit tests (cargo test)"
CARGO_TARGET_DIR="$RNET_CACHE/hosttest-target" cargo test --offline \
	--manifest-path "$TOP/tools/rnet/hosttest/Cargo.toml" -- --test-threads=1 2>&1 |
	awk 'BEGIN { print "KTAP version 1" }
	     /^test .* \.\.\. / { n++; name = $2
		if ($NF == "ok") r[n] = "ok " n " " name; else r[n] = "not ok " n " " name }
	     END { if (n == 0) { print "1..1"; print "not ok 1 hosttest_build"; exit }
		   print "1.." n; for (i = 1; i <= n; i++) print r[i] }' > "$res/hosttest.ktap"

# 2. The guest: KUnit runs at boot, then the selftests. 5 GiB of memory,
# most of it above 4 GiB, where the page allocator serves first: the
# drivers' rings and buffers get 64-bit bus addresses (rust_regs_dma64).
log "booting the guest for the selftests (console: $LOGDIR/check-$FLAVOUR.console.log)"
timeout=1200
[ "$RNET_DEBUG" = 1 ] && timeout=3600
"$TOP/tools/rnet/qemu.sh" --name "check-$FLAVOUR" --timeout $timeout --mem 5G -- \
	sh /rnet/selftests/run_tests.sh ${TESTS:-} \
	| tee "$res/selftests.ktap" | sed -n 's/^ *# TEST: /rnet: /p'
grc=${PIPESTATUS[0]}
cp "$LOGDIR/check-$FLAVOUR.console.log" "$res/kunit.log" 2>/dev/null || :

# 3. The fault suite: a guest that provokes every class of report the
# console scan below must catch, each of which must turn it red.
log "fault suite (console: $LOGDIR/faults-$FLAVOUR.console.log)"
"$TOP/tools/rnet/faults.sh" "$res" > "$res/faults.ktap" || true
sed -n 's/^# \([a-z_]*\): /rnet: fault \1: /p' "$res/faults.ktap"

# 4. Every console log of this run: no oops, BUG, WARNING, KASAN, lockdep,
# kmemleak, DMA-API report. One KTAP test per log. The logs of the guests
# above are named here, so that a missing one fails rather than drops out;
# any other log of this run's guests is scanned too.
consoles=("$LOGDIR/check-$FLAVOUR.console.log")
for f in "$LOGDIR"/check-"$FLAVOUR"*.console.log; do
	[ -e "$f" ] || continue
	for c in "${consoles[@]}"; do [ "$c" = "$f" ] && continue 2; done
	consoles+=("$f")
done
"$TOP/tools/rnet/scanlogs.sh" "${consoles[@]}" > "$res/consoles.ktap" || true

log "results (guest exit status $grc, $(( $(date +%s) - t0 )) s in all)"
set +e
# Only a TESTS naming scripts runs part of the selftests.
partial=
[ -n "$(echo ${TESTS:-})" ] && partial=selftests
RNET_FLAVOUR=$FLAVOUR RNET_PARTIAL=$partial python3 "$TOP/tools/rnet/results.py" "$KSRC" "$TOP" \
	--guest "selftests:check-$FLAVOUR:$grc" \
	"static:$res/static.ktap" \
	"hosttest:$res/hosttest.ktap" \
	"kunit:$res/kunit.log" \
	"selftests:$res/selftests.ktap" \
	"faults:$res/faults.ktap" \
	"consoles:$res/consoles.ktap" > "$res/summary.txt"
rc=$?
grep -E '^\[[0-9:]+\] .*(FAILED|CRASHED|\[SKIPPED\])' "$res/summary.txt" | head -40
sed -n '/^rnet: /p' "$res/summary.txt"
tail -n 1 "$res/summary.txt"
exit $rc
