#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the base initramfs (uncompressed cpio) of the rnet test guest from the
# host's packages: busybox-static for the small tools, dash as /bin/sh (busybox
# sh would run its own applets, whose `ip` lacks netns), real iproute2,
# ethtool and iperf3 with their shared libraries, the modules of the built
# kernel with depmod, and the project's guest scripts and tests.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

rel=$(krelease)
[ -n "$rel" ] && [ -d "$KMOD/lib/modules/$rel" ] || die "no built kernel: run 'make kernel'"

root="$RNET_CACHE/initramfs-$FLAVOUR"
out="$RNET_CACHE/initramfs-$FLAVOUR.cpio"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,lib,lib64,usr/bin,usr/sbin,var/run}

install_bin() {	# path-on-host [name-in-guest-bin]
	local src=$1 dst="$root/bin/${2:-$(basename "$1")}"
	[ -x "$src" ] || die "missing host program $src: run 'make setup'"
	rm -f "$dst"
	cp -L "$src" "$dst"
	ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -Ln "$lib" "$root$lib"
	done
}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list | grep -vx busybox); do
	ln -sf busybox "$root/bin/$applet"
done
install_bin /bin/dash
ln -sf dash "$root/bin/sh"
install_bin "$(command -v ip)" ip
install_bin "$(command -v ethtool)" ethtool
install_bin "$(command -v iperf3)" iperf3
# nft: make bench compares the Rust netfilter hooks with nftables counters.
install_bin "$(command -v nft || echo /usr/sbin/nft)" nft
install_bin "$(command -v tc || echo /sbin/tc)" tc
install_bin "$(command -v ss || echo /bin/ss)" ss
# The kernel runs /sbin/modprobe (CONFIG_MODPROBE_PATH) to autoload a
# module by alias (socket() of a protocol no module serves yet): kmod's,
# which reads the aliases depmod writes.
install_bin "$(command -v kmod || echo /bin/kmod)" kmod
ln -sf ../bin/kmod "$root/sbin/modprobe"

# Modules, with depmod so that modprobe works in the guest.
mkdir -p "$root/lib/modules"
cp -a "$KMOD/lib/modules/$rel" "$root/lib/modules/"
rm -f "$root/lib/modules/$rel/build" "$root/lib/modules/$rel/source"
depmod -b "$root" "$rel"

# The project's guest side: init, helpers and the selftests.
mkdir -p "$root/rnet"
cp "$TOP"/tools/rnet/guest/* "$root/rnet/"
cp "$TOP/tools/rnet/scan-patterns" "$root/rnet/scan-patterns"
mv "$root/rnet/init" "$root/init"
chmod +x "$root/init"
cp -r "$TOP/tools/testing/selftests/rnet" "$root/rnet/selftests"
# Guest tools written in C, built static with the host compiler.
for c in "$TOP"/tools/testing/selftests/rnet/*.c; do
	[ -f "$c" ] || continue
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/$(basename "$c" .c)" "$c" ||
		die "cannot build guest tool $c"
done
# rnet-drill, the project's packetdrill-language runner (std only, no
# crates: builds offline), static, also installed as `packetdrill` for the
# kernel's own packetdrill selftests. Those run from their place in the
# kernel tree's layout (ksft_runner.sh sources ../../kselftest), with
# bash, which their runner and defaults.sh need, and rnet's shell
# stand-in for set_sysctls.py (the guest has no Python). Not position
# independent: at one fixed address in every process, the code QEMU's TCG
# translated for one run serves the next (a PIE at a new address each run
# is translated anew, and its first packets come 10 to 50 ms late).
CARGO_TARGET_DIR="$RNET_CACHE/drill-static-target" RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
	cargo build --quiet --offline --release \
	--manifest-path "$TOP/tools/rnet/drill/Cargo.toml" || die "cannot build rnet-drill"
cp "$RNET_CACHE/drill-static-target/release/rnet-drill" "$root/bin/rnet-drill"
ln -sf rnet-drill "$root/bin/packetdrill"
install_bin "$(command -v bash)" bash
ksft="$root/rnet/ksft"
mkdir -p "$ksft/kselftest" "$ksft/net"
cp "$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh" "$ksft/kselftest/"
cp -r "$KSRC/tools/testing/selftests/net/packetdrill" "$ksft/net/"
cp "$TOP/tools/rnet/drill/guest/set_sysctls.py" "$ksft/net/packetdrill/set_sysctls.py"
echo "$FLAVOUR" > "$root/rnet/flavour"
cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
PW
echo "root:x:0:" > "$root/etc/group"
echo "127.0.0.1 localhost" > "$root/etc/hosts"

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
log "initramfs: $out ($(du -h "$out" | cut -f1), kernel $rel)"
