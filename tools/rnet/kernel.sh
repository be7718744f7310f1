#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare and build the rnet kernel, incrementally:
#   1. unpack the pinned kernel source into the cache (once),
#   2. apply the patch series in patches/ (only what changed since last time),
#   3. overlay the project's kernel-tree files (only files whose content changed,
#      and remove files that were deleted from the checkout),
#   4. generate .config from tinyconfig + fragments (replaced only if it differs),
#   5. build bzImage and modules into an object tree outside the checkout.
#
# Environment: RNET_CACHE (cache folder), DEBUG=1 (debug flavour), JOBS.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

TARBALL=/usr/src/linux-source-6.12.tar.xz
# Folders of the checkout that land in the kernel tree.
OVERLAY_DIRS="rust drivers net samples Documentation"

[ -f "$TARBALL" ] || die "$TARBALL missing: run 'make setup'"

# 1. Source tree.
if [ ! -f "$KSRC/.rnet-unpacked" ]; then
	log "unpacking $TARBALL into $KSRC"
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -C "$KSRC.tmp" --strip-components=1 -xf "$TARBALL"
	mkdir -p "$KSRC.tmp/.rnet/applied"
	touch "$KSRC.tmp/.rnet-unpacked"
	mv "$KSRC.tmp" "$KSRC"
fi
state="$KSRC/.rnet"
mkdir -p "$state/applied"

# 2. Patch series: find the first patch that differs from what is applied,
# reverse everything applied from there on, then apply the rest.
mapfile -t want < <(grep -v '^\s*#' "$TOP/patches/series" | sed '/^\s*$/d')
mapfile -t have < <(cat "$state/applied/series" 2>/dev/null)
first=0
while [ $first -lt ${#want[@]} ] && [ $first -lt ${#have[@]} ] &&
      [ "${want[$first]}" = "${have[$first]}" ] &&
      cmp -s "$TOP/patches/${want[$first]}" "$state/applied/${have[$first]}"; do
	first=$((first + 1))
done
for ((i = ${#have[@]} - 1; i >= first; i--)); do
	log "reverting patch ${have[$i]}"
	patch -d "$KSRC" -p1 -R -s --no-backup-if-mismatch \
		< "$state/applied/${have[$i]}" || die "cannot revert ${have[$i]}"
	rm -f "$state/applied/${have[$i]}"
done
printf '%s\n' "${have[@]:0:$first}" | sed '/^$/d' > "$state/applied/series"
for ((i = first; i < ${#want[@]}; i++)); do
	p=${want[$i]}
	log "applying patch $p"
	patch -d "$KSRC" -p1 -s -N --no-backup-if-mismatch \
		< "$TOP/patches/$p" || die "patch $p does not apply to $(kver)"
	cp "$TOP/patches/$p" "$state/applied/$p"
	echo "$p" >> "$state/applied/series"
done

# 3. Overlay. Content is compared (-c), and copied files get a fresh mtime
# (no -t) so kbuild always sees them as newer than their objects.
newlist=$(mktemp)
(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS 2>/dev/null ||
	find $OVERLAY_DIRS -type f) | sort -u > "$newlist"
if [ -f "$state/manifest" ]; then
	comm -23 "$state/manifest" "$newlist" | while read -r f; do
		[ -e "$TOP/$f" ] && continue
		log "removing $f (deleted from the checkout)"
		rm -f "$KSRC/$f"
	done
fi
(cd "$TOP" && while read -r f; do [ -f "$f" ] && echo "$f"; done < "$newlist") > "$newlist.files"
rsync -rlc --files-from="$newlist.files" "$TOP/" "$KSRC/"
mv "$newlist" "$state/manifest"
rm -f "$newlist.files"

# 4. Config.
mkdir -p "$KBUILD"
frags="$TOP/tools/rnet/configs/rnet.config"
for f in "$TOP"/tools/testing/selftests/rnet/config \
	 "$TOP"/tools/testing/selftests/rnet/*/config; do
	[ -f "$f" ] && frags="$frags $f"
done
[ "$RNET_DEBUG" = 1 ] && frags="$frags $TOP/tools/rnet/configs/debug.config"
# The config is regenerated only when a fragment or the tree changed; the
# patches count as the tree (they add Kconfig symbols), whole, not only
# their names: a tree built from another checkout's series must not keep
# a config made for this one's.
# shellcheck disable=SC2086
fraghash=$(cat $frags "$state/applied/series" "$TOP"/patches/*.patch | md5sum | cut -d' ' -f1)
if [ "$(cat "$KBUILD/.rnet-config-hash" 2>/dev/null)" != "$fraghash" ] ||
   [ ! -f "$KBUILD/.config" ]; then
	cfgtmp="$RNET_CACHE/config-tmp"
	rm -rf "$cfgtmp"; mkdir -p "$cfgtmp"
	kmake O="$cfgtmp" tinyconfig >/dev/null
	# shellcheck disable=SC2086
	(cd "$KSRC" && KCONFIG_CONFIG="$cfgtmp/.config" \
		scripts/kconfig/merge_config.sh -m -O "$cfgtmp" "$cfgtmp/.config" $frags \
		> "$cfgtmp/merge.log")
	kmake O="$cfgtmp" olddefconfig >/dev/null
	# Every symbol a fragment asks for must have survived olddefconfig.
	# shellcheck disable=SC2086
	bad=$(cat $frags | sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=\(.*\)$/\1=\2/p' | while read -r l; do
		grep -qx "$l" "$cfgtmp/.config" || echo "$l"
	done)
	[ -z "$bad" ] || die "config fragments ask for symbols the kernel did not take: $(echo $bad)"
	if ! cmp -s "$cfgtmp/.config" "$KBUILD/.config"; then
		log "new .config for $KBUILD"
		cp "$cfgtmp/.config" "$KBUILD/.config"
	fi
	rm -rf "$cfgtmp"
	echo "$fraghash" > "$KBUILD/.rnet-config-hash"
fi

# 5. Build. With RNET_LINT=1 the project's Rust and C files are touched
# first, so that this build's log holds every warning of theirs (static.sh).
if [ "${RNET_LINT:-0}" = 1 ]; then
	grep -E '\.(rs|c|h)$' "$state/manifest" | grep -v '^Documentation/' |
		sed "s|^|$KSRC/|" | xargs -r touch
fi
log "building $(kver) in $KBUILD (LLVM=1 CLIPPY=1, -j$JOBS); log: $KBUILD/build.log"
start=$(date +%s)
if ! kmake O="$KBUILD" CLIPPY=1 -j"$JOBS" bzImage modules > "$KBUILD/build.log" 2>&1; then
	grep -E 'error|Error' "$KBUILD/build.log" | head -40 >&2
	die "kernel build failed; full log: $KBUILD/build.log"
fi
rm -rf "$KMOD"
kmake O="$KBUILD" INSTALL_MOD_PATH="$KMOD" modules_install >/dev/null
log "built in $(( $(date +%s) - start )) s: $KBUILD/arch/x86/boot/bzImage"
