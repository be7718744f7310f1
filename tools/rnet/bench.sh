#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the guest once and measure the C e1000e and e1000e_rust
# side by side (tools/rnet/guest/bench.sh), then print medians and the
# Rust/C ratios. Figures under TCG are noisy: compare the ratios, not the
# absolute numbers. BENCH_REPS (default 5) sets the rounds.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

reps=${BENCH_REPS:-5}
out="$RNET_CACHE/bench-$FLAVOUR.txt"
log "benchmark: $reps rounds per driver, alternating (console: $LOGDIR/bench.console.log)"
# The DCCP rounds of the C DCCP run in a peer guest (the C DCCP cannot be
# unloaded to make room for dccp_rust), as many vCPUs as the bench guest,
# joined to it by a socket netdev; DCCP=0 leaves them out.
peer=()
if [ "${DCCP:-1}" != 0 ] && [ "${BENCH_ONLY:-}" != drivers ]; then
	port=$((20000 + $$ % 20000))
	peer=(--peer "listen:$port")
	(
		for i in 1 2 3 4 5 6 7 8 9 10; do
			sleep 2
			t0=$(date +%s)
			"$TOP/tools/rnet/qemu.sh" --name bench-peer --timeout 1800 --append kunit.enable=0 \
				--peer "connect:$port" -- sh /rnet/selftests/interop_peer.sh \
				> "$RNET_CACHE/bench-peer.txt" 2>&1 && exit 0
			[ $(($(date +%s) - t0)) -gt 5 ] && exit 1
		done
	) &
fi
"$TOP/tools/rnet/qemu.sh" --name bench --timeout 1800 "${peer[@]}" -- \
	"sh /rnet/bench.sh $reps 5 4 ${BENCH_ONLY:-}" |
	tee "$out" | grep '^bench:'
[ ${#peer[@]} = 0 ] || wait
python3 - "$out" <<'PY'
import os, re, statistics, sys

# rows[driver][key][round]: a figure of 0 (a run that measured nothing)
# is left out and makes the bench fail; a ratio is taken only for a round
# both drivers have.
rows = {}
failed = []
for line in open(sys.argv[1]):
    if re.match(r'bench: .*(failed|does not answer|counted nothing)', line):
        failed.append(line.strip())
    m = re.match(r'bench: driver=(\S+) round=(\d+) (.*)', line)
    if not m:
        continue
    d = rows.setdefault(m.group(1), {})
    for k, v in re.findall(r'(\w+)=([\d.]+)', m.group(3)):
        if float(v) > 0:
            d.setdefault(k, {})[int(m.group(2))] = float(v)
        else:
            failed.append(f'bench: {m.group(1)} round {m.group(2)}: {k} measured nothing')

c, r = rows.get('e1000e'), rows.get('e1000e_rust')
if os.environ.get('BENCH_ONLY') == 'dccp':
    c = r = None
elif not c or not r:
    sys.exit('bench: missing results for a driver')
print()
# Rounds alternate C, Rust, C, Rust...: round k of each driver ran side by
# side, so their ratio is the fair comparison; the median of those ratios
# and their range come first, the ratio of the medians after.
if c is not None:
    print(f"{'median':<19}{'C e1000e':>14}{'e1000e_rust':>14}"
          f"{'Rust/C per round: median [min-max]':>38}{'of medians':>12}   goal")
# Each row: the C figure's key, the Rust figure's key. "UDP 64B pps" is
# each driver at both ends; a faster sender loads the receiver more, which
# lowers it. The two "rx" rows hold the sender fixed and change only the
# receiver: from a C sender, C->C against C->Rust; from a Rust sender,
# Rust->C against Rust->Rust (udp_xrx_pps: the round's cross pair).
for ck, rk, name, goal in () if c is None else (
        ('tcp_mbps', 'tcp_mbps', 'TCP Mbit/s', '>= 1.10'),
        ('udp_pps', 'udp_pps', 'UDP 64B pps', '>= 1.10'),
        ('rtt_ms', 'rtt_ms', 'ping RTT ms', '<= 1.00'),
        ('udp_sent_pps', 'udp_sent_pps', 'UDP offered', '(info)'),
        ('udp_pps', 'udp_xrx_pps', 'UDP rx, C sends', '>= 1.00'),
        ('udp_xrx_pps', 'udp_pps', 'UDP rx, Rust sends', '>= 1.00')):
    if ck not in c or rk not in r:
        continue
    mc, mr = statistics.median(c[ck].values()), statistics.median(r[rk].values())
    ratio = mr / mc if mc else float('nan')
    per = [r[rk][k] / c[ck][k] for k in sorted(set(c[ck]) & set(r[rk]))]
    if per:
        spread = (f"{statistics.median(per):.2f} [{min(per):.2f}-{max(per):.2f}]"
                  f" of {len(per)}")
    else:
        spread = 'n/a'
    print(f"{name:<19}{mc:>14.2f}{mr:>14.2f}{spread:>38}{ratio:>12.2f}   {goal}")

# DCCP: dccp_rust against the C DCCP, both over e1000e_rust, rounds
# alternating between the two guests.
dc = {}
for line in open(sys.argv[1]):
    m = re.match(r'bench: dccp=(\S+) round=(\d+) (.*)', line)
    if m:
        d = dc.setdefault(m.group(1), {})
        for k, v in re.findall(r'(\w+)=([\d.]+)', m.group(3)):
            d.setdefault(k, {})[int(m.group(2))] = float(v)
if dc:
    if 'rust' not in dc or 'c' not in dc:
        sys.exit('bench: missing DCCP results for a stack')
    print()
    print(f"{'DCCP':<14}{'C DCCP':>12}{'dccp_rust':>12}"
          f"{'Rust/C per round: median [min-max]':>38}{'of medians':>12}   goal")
    for key, name in (('bulk_mbps', 'bulk Mbit/s'), ('lossy_mbps', '5% loss Mb/s'),
                      ('crr_per_s', 'connects/s'), ('rr_per_s', 'transacts/s')):
        c, r = dc['c'].get(key, {}), dc['rust'].get(key, {})
        if not c or not r:
            continue
        mc, mr = statistics.median(c.values()), statistics.median(r.values())
        rounds = sorted(set(c) & set(r))
        per = [r[k] / c[k] for k in rounds if c[k]]
        spread = (f"{statistics.median(per):.2f} [{min(per):.2f}-{max(per):.2f}] of {len(per)}"
                  if per else 'n/a')
        print(f"{name:<14}{mc:>12.1f}{mr:>12.1f}{spread:>38}"
              f"{(mr / mc if mc else float('nan')):>12.2f}   >= 1.00")

# Netfilter hook cost: e1000e_rust pair with no hooks, rust_netfilter's
# hooks, or nftables counters at the same points; rounds rotate the order.
nf = {}
for line in open(sys.argv[1]):
    m = re.match(r'bench: nf=(\S+) round=(\d+) (.*)', line)
    if m:
        d = nf.setdefault(m.group(1), {})
        for k, v in re.findall(r'(\w+)=([\d.]+)', m.group(3)):
            d.setdefault(k, {})[int(m.group(2))] = float(v)
if nf:
    if not all(k in nf for k in ('none', 'rust', 'nft')):
        sys.exit('bench: missing netfilter results')
    print()
    print(f"{'netfilter':<12}{'no hooks':>12}{'Rust hooks':>12}{'nftables':>12}"
          f"{'Rust/nft per round: median [min-max]':>40}{'Rust/none':>11}   goal")
    for key, name in (('tcp_mbps', 'TCP Mbit/s'), ('udp_pps', 'UDP 64B pps')):
        cols = [nf[m].get(key, {}) for m in ('none', 'rust', 'nft')]
        meds = [statistics.median(c.values()) if c else float('nan') for c in cols]
        rounds = sorted(set(cols[1]) & set(cols[2]))
        per = [cols[1][k] / cols[2][k] for k in rounds if cols[2][k]]
        spread = (f"{statistics.median(per):.2f} [{min(per):.2f}-{max(per):.2f}] of {len(per)}"
                  if per else 'n/a')
        vs_none = meds[1] / meds[0] if meds[0] else float('nan')
        print(f"{name:<12}{meds[0]:>12.1f}{meds[1]:>12.1f}{meds[2]:>12.1f}{spread:>40}"
              f"{vs_none:>11.2f}   >= 1.00")
# A round that could not be set up is missing from its rows: say so, and
# fail, rather than print ratios of fewer rounds as if nothing happened.
if failed:
    print()
    for f in failed:
        print(f)
    sys.exit(f'bench: {len(failed)} measurement(s) failed; the figures above leave them out')
PY
