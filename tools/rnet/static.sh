#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static gates of `make check`, printed as KTAP:
#   rustfmt    - the project's Rust files are formatted as the tree's
#                rustfmtcheck wants (same rustfmt, same .rustfmt.toml);
#   clippy     - the last build (made with CLIPPY=1, project files recompiled
#                by RNET_LINT=1) has no warning in a project file;
#   checkpatch - checkpatch.pl --strict passes on the project's C files and
#                on every patch of the series.

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

cd "$TOP" || exit 1
rs=$(git ls-files '*.rs' 2>/dev/null | grep -E '^(rust|drivers|net|samples)/')
cfiles=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -E '^(rust|drivers|net|samples|tools/testing)/')
n=0 bad=0

result() {	# name ok|fail [diagnostics file]
	n=$((n + 1))
	if [ "$2" = ok ]; then
		echo "ok $n $1"
	else
		[ -s "${3:-/dev/null}" ] && head -n 40 "$3" | sed 's/^/# /'
		echo "not ok $n $1"
		bad=1
	fi
}

echo "KTAP version 1"
echo "1..3"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# rustfmt
if [ -z "$rs" ]; then
	result rustfmt ok
elif rustfmt --check --edition 2021 --config-path "$KSRC/.rustfmt.toml" $rs > "$out" 2>&1; then
	result rustfmt ok
else
	result rustfmt fail "$out"
fi

# clippy / compiler warnings in project files, from the last build log.
: > "$out"
if [ -f "$KBUILD/build.log" ]; then
	for f in $rs $cfiles; do
		grep -n -B4 -A2 -E "(--> |^)($KSRC/)?$f:[0-9]+" "$KBUILD/build.log" >> "$out"
	done
	if [ -s "$out" ]; then result clippy fail "$out"; else result clippy ok; fi
else
	echo "no build log" > "$out"
	result clippy fail "$out"
fi

# checkpatch
: > "$out"
for f in $cfiles; do
	"$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types -f "$f" \
		>> "$out" 2>&1 || true
done
for p in patches/*.patch; do
	[ -f "$p" ] || continue
	# On standard input: inside a git checkout checkpatch would read a
	# named .patch file as a source file.
	"$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types - \
		< "$p" 2>&1 | sed "s|^|$p: |" >> "$out" || true
done
grep -E '(ERROR|WARNING|CHECK):' "$out" > "$out.bad"
if [ -s "$out.bad" ]; then result checkpatch fail "$out.bad"; else result checkpatch ok; fi
rm -f "$out.bad"
exit $bad
