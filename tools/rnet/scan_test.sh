#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scan_test.sh: the console scan (tools/rnet/scanlogs.sh) against
# tools/rnet/scan-samples. Each "report:" line alone in a log fails the
# scan, and each pattern of tools/rnet/scan-patterns matches one of them
# (a pattern deleted, or one that no longer matches the kernel's form,
# leaves its sample unflagged; a new pattern needs a sample); the
# "clean:" lines pass it; a missing or empty log fails it; a pattern file
# that cannot work stops it (exit 2). Prints what went wrong, one line
# per case; exits 1 if any case did.

set -u

here=$(cd "$(dirname "$0")" && pwd)
samples=$here/scan-samples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() {
	echo "$*"
	fails=$((fails + 1))
}

reports=$(sed -n 's/^report: //p' "$samples")
cleans=$(sed -n 's/^clean: //p' "$samples")
[ -n "$reports" ] && [ -n "$cleans" ] || bad "no report or clean samples in $samples"

# scan LOG-TEXT: scanlogs.sh's exit status on a log holding LOG-TEXT.
scan() {
	printf '%s\n' "$1" > "$tmp/x.console.log"
	bash "$here/scanlogs.sh" "$tmp/x.console.log" > "$tmp/out" 2>&1
}

while IFS= read -r l; do
	scan "$l"
	rc=$?
	[ $rc = 1 ] || bad "not flagged (exit $rc): $l"
done <<< "$reports"

scan "$cleans"
rc=$?
[ $rc = 0 ] || bad "clean lines flagged (exit $rc): $(grep '^# ' "$tmp/out" | head -n 3)"

# Every pattern has a sample it matches.
while IFS= read -r p; do
	printf '%s\n' "$reports" | grep -qE -- "$p" || bad "no report sample matches pattern '$p'"
done < <(grep -v '^#' "$here/scan-patterns" | sed '/^$/d')

# A log that is missing or empty fails the scan.
bash "$here/scanlogs.sh" "$tmp/none.console.log" > "$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] || bad "a missing log: exit $rc"
: > "$tmp/e.console.log"
bash "$here/scanlogs.sh" "$tmp/e.console.log" > "$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] || bad "an empty log: exit $rc"

# Pattern files that cannot work: a carriage return, a line of blanks, a
# blank alternative, an expression grep rejects.
mkdir "$tmp/p"
cp "$here/scanlogs.sh" "$tmp/p/"
printf '%s\n' "$cleans" > "$tmp/c.console.log"
for broken in 'Oops\r' ' ' 'Oops|' 'Oops(' ; do
	{ grep -v '^#' "$here/scan-patterns"; printf "$broken\n"; } > "$tmp/p/scan-patterns"
	bash "$tmp/p/scanlogs.sh" "$tmp/c.console.log" > "$tmp/out" 2>&1
	rc=$?
	[ $rc = 2 ] || bad "a pattern file with '$broken' added: exit $rc, want 2"
done

echo "scan_test: $(printf '%s\n' "$reports" | wc -l) report and $(printf '%s\n' "$cleans" | wc -l) clean samples, $fails failed"
[ $fails = 0 ]
