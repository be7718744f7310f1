#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write one patch of the series from edited copies of kernel files.
#
#   mkpatch.sh OUT.patch "Subject line" MSGFILE EDITED-TREE FILE...
#
# EDITED-TREE holds the edited versions of FILE... (paths relative to the
# kernel root); the originals come from the pinned tarball with the patches
# of the series that come before OUT applied (all of them when OUT is not
# in the series yet), so that a patch can edit a file an earlier one
# edits. The patch gets the mail headers checkpatch.pl expects.

set -eu
out=$1 subject=$2 msg=$3 tree=$4
shift 4
TARBALL=/usr/src/linux-source-6.12.tar.xz
orig=$(mktemp -d)
trap 'rm -rf "$orig"' EXIT
prefix=$(tar tf "$TARBALL" | head -1 | cut -d/ -f1)
top=$(cd "$(dirname "$0")/../.." && pwd)
mapfile -t earlier < <(grep -v '^\s*#' "$top/patches/series" | sed '/^\s*$/d' |
	awk -v me="$(basename "$out")" '$0 == me { exit } { print }')
files=("$@")
for p in "${earlier[@]}"; do
	mapfile -t -O ${#files[@]} files < <(sed -n 's|^+++ b/||p' "$top/patches/$p")
done
for f in "${files[@]}"; do
	tar -C "$orig" -xf "$TARBALL" "$prefix/$f" 2>/dev/null || true
done
for p in "${earlier[@]}"; do
	patch -d "$orig/$prefix" -p1 -s --no-backup-if-mismatch < "$top/patches/$p" ||
		{ echo "mkpatch: $p does not apply to the originals" >&2; exit 1; }
done
name=$(git config user.name) email=$(git config user.email)
{
	echo "From: $name <$email>"
	echo "Subject: [PATCH] $subject"
	echo
	cat "$msg"
	echo
	echo "Signed-off-by: $name <$email>"
	echo "---"
	for f in "$@"; do
		a="$orig/$prefix/$f"
		[ -f "$a" ] || a=/dev/null
		(cd / && diff -u --label "a/$f" --label "b/$f" "$a" "$tree/$f") || true
	done
} > "$out"
