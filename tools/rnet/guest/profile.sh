#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make profile, guest side: for each driver given, both NICs on it, a
# 64-byte UDP flood (or, with PROFILE_PROTO=tcp, an iperf3 TCP stream) from
# netns A to B (pinned as in make bench: CPU 0 sends, CPU 1 receives),
# sampled by perf on both CPUs. TCG has no PMU, so
# the event is cpu-clock; a sample lands at the start of a translated
# block, so the time of a register access shows on the instruction after
# it. Prints what each side sent and received, then the hottest symbols
# per CPU with their cost in microseconds per datagram sent (UDP) or per
# megabyte received (TCP).

SELFTEST_DIR=/rnet/selftests
. /rnet/selftests/lib.sh

SECS=${PROFILE_SECS:-4}
PROTO=${PROFILE_PROTO:-udp}
PERF_DIR=/extra/perf
perf() { LD_LIBRARY_PATH=$PERF_DIR/lib "$PERF_DIR/perf" "$@"; }
[ -x "$PERF_DIR/perf" ] || { echo "profile: no perf in $PERF_DIR"; exit 1; }
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid

for drv in "$@"; do
	modprobe "$drv" || exit 1
	setup_pair "$drv" "$drv" > /dev/null || { echo "profile: setup failed for $drv"; exit 1; }
	pin_pair
	in_b taskset -c 1 iperf3 -s -D -I /tmp/iperf3.pid > /dev/null 2>&1
	sleep 0.5
	# The traffic outlasts the sampling by two seconds at each end.
	if [ "$PROTO" = tcp ]; then
		in_a taskset -c 0 iperf3 -c $IP_B -f M -t $((SECS + 4)) 2>/dev/null > /tmp/flow.out &
	else
		in_a taskset -c 0 iperf3 -c $IP_B -u -l 64 -b 0 -t $((SECS + 4)) 2>/dev/null > /tmp/flow.out &
	fi
	sleep 2
	perf record -q -e cpu-clock -F 2000 -a -o /tmp/perf.data -- sleep "$SECS" > /dev/null 2>&1
	wait
	kill "$(cat /tmp/iperf3.pid)" 2>/dev/null
	if [ "$PROTO" = tcp ]; then
		# The receiver's transfer, in MBytes (-f M).
		n=$(awk '/receiver/ { print int($5) }' /tmp/flow.out)
		unit="us per MB received"
		echo "profile: driver=$drv proto=tcp received=${n:-0} MB in $((SECS + 4)) s"
	else
		n=$(awk '/sender/ { split($(NF-2), a, "/"); print a[2] }' /tmp/flow.out)
		lost=$(awk '/receiver/ { split($(NF-2), a, "/"); print a[1] }' /tmp/flow.out)
		unit="us per datagram sent"
		echo "profile: driver=$drv datagrams sent=${n:-0} lost=${lost:-0} in $((SECS + 4)) s"
	fi
	for cpu in 0 1; do
		echo "profile: driver=$drv cpu=$cpu ($unit)"
		perf report -i /tmp/perf.data --cpu $cpu --no-children --sort sym \
			> /tmp/report.txt 2>/dev/null
		awk -v n="${n:-0}" -v s="$((SECS + 4))" '
			/^ *[0-9.]+%/ && n > 0 { sub(/%/, "", $1); name = $NF
				printf "  %6.2f  %s\n", $1 / 100 * s / n * 1e6, name }' /tmp/report.txt |
			head -${PROFILE_TOP:-25}
		# The driver module's own code (what it inlined included; kernel
		# functions it calls not), and the CPU's idle time.
		perf report -i /tmp/perf.data --cpu $cpu --no-children --sort dso 2>/dev/null |
			awk -v n="${n:-0}" -v s="$((SECS + 4))" -v mod="[$drv]" '
			/^ *[0-9.]+%/ && $NF == mod { sub(/%/, "", $1); d = $1 }
			END { if (n > 0) printf "  %6.2f  in the module %s (%.1f %%)\n", d / 100 * s / n * 1e6, mod, d }'
		awk -v n="${n:-0}" -v s="$((SECS + 4))" '
			/^ *[0-9.]+%/ && $NF ~ /safe_halt$/ { sub(/%/, "", $1); h += $1 }
			END { if (n > 0) printf "  %6.2f  idle (%.1f %%)\n", h / 100 * s / n * 1e6, h }' /tmp/report.txt
	done
	cleanup_pair
done
