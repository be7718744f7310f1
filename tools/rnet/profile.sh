#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where a driver's time goes under a 64-byte UDP flood. Boots
# the guest with the host's perf (and its shared libraries) in /extra, runs
# tools/rnet/guest/profile.sh for each driver in PROFILE_DRIVERS (default:
# the C e1000e, then e1000e_rust) and demangles the Rust symbols.
# PROFILE_SECS (default 4) is the sampling time, PROFILE_TOP (25) how many
# symbols to print per CPU, PROFILE_PROTO=tcp profiles an iperf3 TCP stream
# instead of the UDP flood. A developer's tool, not a test: its figures are
# as noisy as make bench's.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

perf_bin=$(command -v perf) || die "no perf on the host: apt-get install linux-perf"
demangle=$(command -v llvm-cxxfilt || command -v cat)
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT
mkdir -p "$extra/perf/lib"
cp -L "$perf_bin" "$extra/perf/perf"
ldd "$perf_bin" | awk '/=> \// { print $3 }' | while read -r lib; do
	cp -L "$lib" "$extra/perf/lib/"
done
log "profile: ${PROFILE_DRIVERS:-e1000e e1000e_rust} (console: $LOGDIR/profile.console.log)"
"$TOP/tools/rnet/qemu.sh" --name profile --extra "$extra" --timeout 600 -- \
	"PROFILE_PROTO=${PROFILE_PROTO:-udp} PROFILE_SECS=${PROFILE_SECS:-4} PROFILE_TOP=${PROFILE_TOP:-25} sh /rnet/profile.sh ${PROFILE_DRIVERS:-e1000e e1000e_rust}" |
	grep -E '^(profile:|  )' | "$demangle"
