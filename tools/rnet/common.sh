# SPDX-License-Identifier: GPL-2.0
# Shared settings of the rnet host scripts; sourced, not run.

RNET_CACHE=${RNET_CACHE:-$HOME/.cache/rnet}
RNET_DEBUG=${DEBUG:-0}
[ "$RNET_DEBUG" = 1 ] || RNET_DEBUG=0
JOBS=${JOBS:-$(( $(nproc) + 1 ))}

KSRC="$RNET_CACHE/linux"
if [ "$RNET_DEBUG" = 1 ]; then
	FLAVOUR=debug
else
	FLAVOUR=default
fi
KBUILD="$RNET_CACHE/build-$FLAVOUR"
KMOD="$RNET_CACHE/modules-$FLAVOUR"
LOGDIR="$RNET_CACHE/logs"

log() { echo "rnet: $*"; }
die() { echo "rnet: error: $*" >&2; exit 1; }

kmake() { make -s -C "$KSRC" LLVM=1 "$@"; }

kver() { make -s -C "$KSRC" kernelversion 2>/dev/null || echo "6.12 (unknown)"; }

# The kernel release of the built tree (what uname -r prints in the guest).
krelease() { cat "$KBUILD/include/config/kernel.release" 2>/dev/null; }
