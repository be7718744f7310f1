#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the rnet kernel in QEMU (TCG only: KVM does not work on these hosts)
# and run one command, or an interactive shell, in it.
#
#   qemu.sh [--shell] [--extra DIR] [--timeout S] [--name NAME] [--mem SIZE]
#           [--smp N] [--append KERNEL-ARGS] [--peer listen:PORT|connect:PORT]
#           [--] [CMD...]
#
# Two e1000e NICs (82574L, 8086:10d3) sit on an internal QEMU hub: frames
# between them never leave the QEMU process. The kernel console goes to
# $RNET_CACHE/logs/NAME.console.log, the command's output to stdout; the
# guest's exit status becomes this script's, 124 on timeout, 125 when the
# guest died without reporting one (panic, crash).
#
# --peer listen:PORT | --peer connect:PORT adds a third NIC joined to another
# VM through a QEMU socket netdev on 127.0.0.1 (for two-kernel tests); the
# listening side must be started first. --smp sets the vCPUs (2).

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

mode=cmd extra="" timeout=${RNET_TIMEOUT:-600} name=run peer="" mem=1G append="" smp=2
while [ $# -gt 0 ]; do
	case $1 in
	--shell) mode=shell; shift ;;
	--extra) extra=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--peer) peer=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
cmd=${*:-}

kernel="$KBUILD/arch/x86/boot/bzImage"
base="$RNET_CACHE/initramfs-$FLAVOUR.cpio"
[ -f "$kernel" ] || die "no kernel image: run 'make kernel'"
[ -f "$base" ] || die "no initramfs: run 'make initramfs'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run 'make setup'"

mkdir -p "$LOGDIR"
work=$(mktemp -d "$RNET_CACHE/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The per-run part of the initramfs: mode, command and the EXTRA folder.
mkdir -p "$work/root/rnet"
echo "$mode" > "$work/root/rnet/mode"
printf '%s\n' "$cmd" > "$work/root/rnet/cmd"
if [ -n "$extra" ]; then
	[ -d "$extra" ] || die "EXTRA=$extra is not a folder"
	cp -r "$extra" "$work/root/extra"
fi
(cd "$work/root" && find . | cpio -o -H newc --owner=0:0 --quiet) > "$work/run.cpio"
cat "$base" "$work/run.cpio" > "$work/initrd"

console="$LOGDIR/$name.console.log"
: > "$console"

# NIC A in slot 2 and NIC B in slot 6 share one INTx line (the PIIX3 swizzle
# maps both slots' INTA to PIRQB): e1000e_intmode.sh's legacy mode runs both
# handlers on it. The peer-link NIC, slot 7, comes after both in PCI order.
netargs=(
	-netdev hubport,id=hp0,hubid=0 -device e1000e,netdev=hp0,mac=52:54:00:00:00:01,addr=0x2
	-netdev hubport,id=hp1,hubid=0 -device e1000e,netdev=hp1,mac=52:54:00:00:00:02,addr=0x6
)
case $peer in
"") ;;
listen:*) netargs+=(-netdev "socket,id=pn,listen=127.0.0.1:${peer#listen:}"
		    -device e1000e,netdev=pn,mac=52:54:00:00:01:01,addr=0x7) ;;
connect:*) netargs+=(-netdev "socket,id=pn,connect=127.0.0.1:${peer#connect:}"
		     -device e1000e,netdev=pn,mac=52:54:00:00:01:02,addr=0x7) ;;
*) die "--peer listen:PORT or connect:PORT" ;;
esac

# No 5-level paging: on 6.12 an interrupt during early boot's
# identify_cpu(), which clears and re-reads the CPU's feature bits, can find
# pgtable_l5_enabled() false for a moment, and KASAN then reports a "wild"
# access to the (5-level) direct map in handle_edge_irq. Seen once in the
# debug flavour's boot; with 4-level paging the window does not exist.
# acpi=noirq: PCI interrupt routing from the BIOS's table, not from ACPI.
# Evaluating ACPI's routing (AML) on every enable of a PCI device took the
# debug kernel about 18 s per NIC bind, under KASAN and kmemleak (37 s
# for modprobe e1000e_rust with both NICs, 1.3 s with acpi=noirq): most of
# the debug flavour's test time, and long enough without rescheduling for
# the soft-lockup detector's default threshold (20 s). The debug guests
# keep the largest threshold (120 s) as a margin; the fault suite lowers it
# for its own trigger.
[ "$RNET_DEBUG" = 1 ] && append="watchdog_thresh=60${append:+ $append}"
# log_buf_len: room for what a test keeps off the console and reads back
# (rust_open_fail_each's stacks, about 160 of them).
qemu=(qemu-system-x86_64 -accel tcg -machine pc -cpu max,la57=off -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$work/initrd"
	-append "console=ttyS0 panic=-1 oops=panic rdinit=/init acpi=noirq log_buf_len=8M${append:+ $append}"
	-serial "file:$console"
	"${netargs[@]}")

rc=0
if [ "$mode" = shell ]; then
	"${qemu[@]}" -serial mon:stdio || rc=$?
else
	timeout -k 10 "$timeout" "${qemu[@]}" -serial stdio < /dev/null \
		2> >(grep -v "is not connected to host network" >&2) || rc=$?
	if [ $rc = 124 ]; then
		echo "rnet: guest '$name' timed out after ${timeout}s; console: $console" >&2
		exit 124
	fi
fi
status=$(sed -n 's/^RNET-EXIT: \([0-9]*\).*/\1/p' "$console" | tail -n 1)
if [ -z "$status" ]; then
	echo "rnet: guest '$name' ended without an exit status (qemu $rc); console: $console" >&2
	tail -n 30 "$console" >&2
	exit 125
fi
exit "$status"
