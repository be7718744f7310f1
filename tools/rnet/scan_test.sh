#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scan_test.sh: the console scan (tools/rnet/scanlogs.sh) against
# tools/rnet/scan-samples, read as make check reads it (its "ok" and "not
# ok" lines, one per log, in one call over many logs). Each "report:"
# line, last in a log of the clean lines, fails its log and no other; a
# log of the clean lines alone passes; every pattern of
# tools/rnet/scan-patterns matches a sample no other pattern matches (so
# that a deleted pattern, or one that no longer matches the kernel's
# form, leaves a report unflagged; a new pattern needs a sample); a
# missing or empty log fails; a pattern file that cannot work stops the
# scan (exit 2). Prints "ok NAME" or "not ok NAME: why" for each named
# report sample (tools/rnet/static.sh makes each a test, scan_NAME), and
# what else went wrong, one line per case; exits 1 if anything did.

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

reports=$(sed -nE 's/^report [a-z0-9_]+: //p' "$samples")
names=$(sed -nE 's/^report ([a-z0-9_]+): .*/\1/p' "$samples")
cleans=$(sed -n 's/^clean: //p' "$samples")
[ -n "$reports" ] && [ -n "$cleans" ] || bad "no report or clean samples in $samples"
# Every line is a comment, a named report or a clean line; names are unique.
junk=$(grep -vE '^(#|report [a-z0-9_]+: .|clean: .)' "$samples")
[ -z "$junk" ] || bad "not a sample line: $junk"
dup=$(printf '%s\n' "$names" | sort | uniq -d)
[ -z "$dup" ] || bad "report names used twice: $dup"

# The logs, clean ones between the report ones: r1, c1, r2, c2, ...; and
# what each must get. The clean lines, 200 times over, come first, as a
# report comes deep into a console log.
# Lines end in CR LF, as on the guests' serial consoles, and one carries a
# NUL and a byte that is not UTF-8, as serial noise may: a pattern anchored
# at the line's end, or a grep that takes the log for binary, fails here.
for i in $(seq 200); do printf '%s\n' "$cleans"; done | sed 's/$/\r/' > "$tmp/clean"
printf '[    1.000000] serial noise: \000\377\r\n' >> "$tmp/clean"
i=0 logs=() want=()
while IFS= read -r l; do
	i=$((i + 1))
	{ cat "$tmp/clean"; printf '%s\r\n' "$l"; } > "$tmp/r$i.console.log"
	cp "$tmp/clean" "$tmp/c$i.console.log"
	logs+=("$tmp/r$i.console.log" "$tmp/c$i.console.log")
	want+=("not ok" "ok")
done <<< "$reports"
logs+=("$tmp/none.console.log")
want+=("not ok")
: > "$tmp/empty.console.log"
logs+=("$tmp/empty.console.log")
want+=("not ok")

bash "$here/scanlogs.sh" "${logs[@]}" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 1 ] || bad "scanlogs.sh exited $rc, want 1: $(head -n 2 "$tmp/err")"
grep -q '^1\.\.'"${#logs[@]}"'$' "$tmp/out" || bad "no plan 1..${#logs[@]}"
verdict() {	# log index: the scan's verdict on it, as wanted or not
	local n=$(($1 + 1)) name got
	name=$(basename "${logs[$1]}" .console.log)
	got=$(sed -nE "s/^((not )?ok) $n console_clean_$name( .*)?\$/\\1/p" "$tmp/out")
	[ "$got" = "${want[$1]}" ] && return 0
	echo "$name: '${got:-no result}', want '${want[$1]}'"
	return 1
}
# A named report: its log fails, and the clean log after it passes.
k=0
while IFS= read -r name; do
	why=$({ verdict $((2 * k)); verdict $((2 * k + 1)); } | paste -sd';')
	if [ -z "$why" ]; then
		echo "ok $name"
	else
		echo "not ok $name: $why; report: $(tail -n 1 "${logs[$((2 * k))]}")"
		fails=$((fails + 1))
	fi
	k=$((k + 1))
done <<< "$names"
for k in $(seq $((2 * i)) $((${#logs[@]} - 1))); do
	verdict $k || fails=$((fails + 1))
done

# Every pattern has a sample it alone matches.
patterns=$(grep -v '^#' "$here/scan-patterns" | sed '/^$/d')
while IFS= read -r p; do
	own=0
	while IFS= read -r l; do
		printf '%s\n' "$l" | grep -qE -- "$p" || continue
		others=$(printf '%s\n' "$patterns" | grep -vxF -- "$p" | paste -sd'|')
		printf '%s\n' "$l" | grep -qE -- "($others)" || { own=1; break; }
	done <<< "$reports"
	[ $own = 1 ] || bad "no report sample is matched by pattern '$p' alone"
done <<< "$patterns"

# Pattern files that cannot work: a carriage return, a line of blanks, a
# blank alternative, an expression grep rejects.
mkdir "$tmp/p"
cp "$here/scanlogs.sh" "$tmp/p/"
for broken in 'Oops\r' ' ' 'Oops|' 'Oops(' ; do
	{ printf '%s\n' "$patterns"; printf "$broken\n"; } > "$tmp/p/scan-patterns"
	bash "$tmp/p/scanlogs.sh" "$tmp/c1.console.log" > "$tmp/out" 2>&1
	rc=$?
	[ $rc = 2 ] || bad "a pattern file with '$broken' added: exit $rc, want 2"
done

echo "scan_test: $(printf '%s\n' "$reports" | wc -l) report and $(printf '%s\n' "$cleans" | wc -l) clean samples, $fails failed"
[ $fails = 0 ]
