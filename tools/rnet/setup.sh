#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what rnet needs on a Debian 12 host, idempotently: apt packages
# (including the pinned kernel source), rust-src and a pinned bindgen-cli.
# Prints what it does; does nothing when everything is already there.

set -eu

# Pinned versions. A different linux-source-6.12 is accepted with a warning.
KSRC_PKG=linux-source-6.12
KSRC_VERSION=${RNET_KSRC_VERSION:-6.12.117-1~deb12u1}
BINDGEN_VERSION=0.73.2

PKGS="flex bison bc libelf-dev libssl-dev cpio busybox-static dash
 qemu-system-x86 iproute2 ethtool iperf3 clang lld llvm libclang-dev
 rsync xz-utils python3 make gcc kmod linux-perf nftables"

log() { echo "rnet-setup: $*"; }
die() { echo "rnet-setup: error: $*" >&2; exit 1; }

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "need root to install:$missing"
	command -v apt-get >/dev/null || die "no apt-get: install by hand:$missing"
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		die "apt-get install failed for:$missing"
fi

# The kernel source: the pinned version if the archive still has it,
# otherwise whatever version it has, with a loud warning.
have=$(dpkg-query -W -f='${Status} ${Version}' "$KSRC_PKG" 2>/dev/null |
	sed -n 's/^install ok installed //p')
if [ "$have" != "$KSRC_VERSION" ]; then
	export DEBIAN_FRONTEND=noninteractive
	if apt-get install -y -qq --no-install-recommends \
		"$KSRC_PKG=$KSRC_VERSION" >/dev/null 2>&1; then
		log "installed $KSRC_PKG=$KSRC_VERSION"
	else
		[ -n "$have" ] || { apt-get update -qq; apt-get install -y -qq \
			--no-install-recommends "$KSRC_PKG" >/dev/null ||
			die "cannot install $KSRC_PKG"; }
		have=$(dpkg-query -W -f='${Version}' "$KSRC_PKG")
		echo "rnet-setup: WARNING: $KSRC_VERSION is not available;" \
			"using $KSRC_PKG $have" >&2
	fi
fi
[ -f /usr/src/linux-source-6.12.tar.xz ] || die "/usr/src/linux-source-6.12.tar.xz is missing"

command -v rustup >/dev/null || die "rustup not found: install a Rust toolchain with rustup first"
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	log "rustup component add rust-src"
	rustup component add rust-src >/dev/null 2>&1 || die "rustup could not add rust-src"
fi

if ! command -v bindgen >/dev/null ||
   [ "$(bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
	log "cargo install --locked bindgen-cli@$BINDGEN_VERSION (about 80 s)"
	cargo install --quiet --locked "bindgen-cli@$BINDGEN_VERSION" ||
		die "cargo install bindgen-cli failed"
fi
