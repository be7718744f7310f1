#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static gates of `make check`, printed as KTAP:
#   rustfmt    - the project's Rust files are formatted as the tree's
#                rustfmtcheck wants (same rustfmt, same .rustfmt.toml);
#   clippy     - the last build (made with CLIPPY=1, project files recompiled
#                by RNET_LINT=1) has no warning in a project file;
#   checkpatch - checkpatch.pl --strict passes on the project's C files and
#                on every patch of the series;
#   no_quiet_alloc - no kernel code of the project asks for __GFP_NOWARN,
#                __GFP_NORETRY or GFP_NOWAIT (rust_open_fail_each relies on it);
#   results_parser - results.py counts made-up consoles right
#                (tools/rnet/results_test.sh): later KUnit runs, guest exit
#                statuses, missing tests;
#   scan_patterns - the console scan flags each report of
#                tools/rnet/scan-samples (lines in the kernel's forms), each
#                of its patterns matches one, boot lines pass
#                (tools/rnet/scan_test.sh); scan_NAME each named sample's;
#   compile_fail - misuses of the kernel crate's lifetime brands and context
#                types are refused by the compiler (tools/rnet/compile_fail.sh,
#                against the last build).

set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tools/rnet/common.sh"

cd "$TOP" || exit 1

# The project's files of the given patterns, from git when this is a
# checkout, else from the folders themselves (a tarball, an export): a gate
# must never pass for want of a file list.
project_files() {	# find-name-patterns...
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files "$@"
	else
		local args=() p
		for p in "$@"; do args+=(-o -name "$p"); done
		find rust drivers net samples tools/testing tools/rnet -type f \( "${args[@]:1}" \) 2>/dev/null |
			sort
	fi
}
rs=$(project_files '*.rs' | grep -E '^(rust|drivers|net|samples)/')
# The host-side Rust (rnet-drill, the host tests) is formatted the same way.
host_rs=$(project_files '*.rs' | grep -E '^tools/rnet/')
cfiles=$(project_files '*.c' '*.h' | grep -E '^(rust|drivers|net|samples|tools/testing)/')
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

# One result per compile-fail case too (expected-tests names each).
cf_cases=$(cd "$TOP/tools/rnet/compile_fail" 2>/dev/null && ls *.rs 2>/dev/null | sed 's/\.rs$//')

echo "KTAP version 1"
scan_cases=$(sed -nE 's/^report ([a-z0-9_]+): .*/\1/p' "$TOP/tools/rnet/scan-samples")
echo "1..$((9 + $(echo $cf_cases $scan_cases | wc -w)))"
out=$(mktemp)
canary=$(mktemp -d)
trap 'rm -rf "$out" "$canary"' EXIT

# rustfmt. The gate first proves it can fail: a badly formatted file must
# be reported.
printf 'fn  main( ){}\n' > "$canary/bad.rs"
if [ -z "$rs" ]; then
	echo "no Rust files found" > "$out"
	result rustfmt fail "$out"
elif ! command -v rustfmt >/dev/null ||
     rustfmt --check --edition 2021 "$canary/bad.rs" >/dev/null 2>&1; then
	echo "rustfmt is missing or cannot detect a formatting error" > "$out"
	result rustfmt fail "$out"
elif rustfmt --check --edition 2021 --config-path "$KSRC/.rustfmt.toml" $rs $host_rs > "$out" 2>&1; then
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

# checkpatch. It must exist, run, and flag a known fault (trailing
# whitespace) before its silence on the project counts.
: > "$out"
cp=$KSRC/scripts/checkpatch.pl
printf '// SPDX-License-Identifier: GPL-2.0\nint x; \n' > "$canary/bad.c"
if [ ! -f "$cp" ] || ! perl "$cp" --strict --no-tree --terse -f "$canary/bad.c" 2>&1 |
	grep -q 'ERROR:'; then
	echo "checkpatch.pl is missing or cannot detect an error: $cp" > "$out"
	result checkpatch fail "$out"
else
	for f in $cfiles; do
		perl "$cp" --strict --no-tree --terse --show-types -f "$f" >> "$out" 2>&1 || true
	done
	for p in patches/*.patch; do
		[ -f "$p" ] || continue
		# On standard input: inside a git checkout checkpatch would read a
		# named .patch file as a source file.
		perl "$cp" --strict --no-tree --terse --show-types - \
			< "$p" 2>&1 | sed "s|^|$p: |" >> "$out" || true
	done
	grep -E '(ERROR|WARNING|CHECK):' "$out" > "$out.bad"
	if [ -z "$cfiles" ]; then
		echo "no C files found" > "$out.bad"
	fi
	if [ -s "$out.bad" ]; then result checkpatch fail "$out.bad"; else result checkpatch ok; fi
	rm -f "$out.bad"
fi

# The driver has no unsafe code of its own: outside comments, no `unsafe`
# keyword in its sources (the crate root's `module!` expansion and the KUnit
# suite macro are the kernel crate's).
drs=$(echo "$rs" | grep '^drivers/')
if [ -z "$drs" ]; then
	echo "no driver sources found" > "$out"
	result driver_no_unsafe fail "$out"
elif sed -E 's://.*$::' $drs | grep -nw unsafe > "$out"; then
	result driver_no_unsafe fail "$out"
else
	result driver_no_unsafe ok
fi

# Every C helper of rnet's is called: a rust_helper_X in rust/helpers/rnet_*.c
# that no bindings::X in rust/ uses is an edit that was lost (a safety step
# written in C and never called) or dead code.
: > "$out"
helpers=$(ls rust/helpers/rnet_*.c 2>/dev/null)
if [ -z "$helpers" ]; then
	echo "no rnet helpers found" > "$out"
else
	for h in $(sed -n 's/^[a-z].*[ *]rust_helper_\([a-z0-9_]*\)(.*/\1/p' $helpers | sort -u); do
		grep -rqw "bindings::$h" rust/ || echo "rust_helper_$h: no bindings::$h in rust/" >> "$out"
	done
fi
if [ -s "$out" ]; then result helpers_used fail "$out"; else result helpers_used ok; fi

# No rnet code asks for an allocation whose failure is quiet or expected
# (__GFP_NOWARN, __GFP_NORETRY, GFP_NOWAIT and GFP_TRANSHUGE*, which
# include NOWARN; vmalloc and the page allocations of dev_alloc_page and
# page_pool, quiet inside): fault injection logs no failure of those, and
# rust_open_fail_each accepts an open that survived an unlogged failure of
# a page allocation (in the debug flavour of any) as the kernel's own
# fallback (page fragment and slab refills; in the debug flavour also
# kmemleak's metadata). Comments aside (not strings); the lines the
# patches of the series add included. A text scan misses a flag built by a
# macro or written as a number; the default flavour's run, which tells the
# injector of each survival, fails on an unlogged slab one.
quiet=$( (echo "$rs"; echo "$cfiles") | grep -vE '^tools/' | sort -u)
quiet_re='NOWARN|NORETRY|GFP_NOWAIT|GFP_TRANSHUGE|\b(__)?(vmalloc|vzalloc|VVec|VBox|Vmalloc)\b'
quiet_re="$quiet_re|\\b(__)?dev_alloc_pages?\\b|\\bpage_pool_(dev_)?alloc"
if [ -z "$quiet" ] || [ ! -s patches/series ]; then
	echo "no kernel sources or patch series found" > "$out"
	result no_quiet_alloc fail "$out"
elif { for f in $quiet; do
		# One pass from the left: a string (raw ones too) or character
		# literal stays, a comment goes (its line breaks kept).
		perl -0777 -pe 's{((?<![A-Za-z0-9_])b?r(#*)".*?"\g{-1}|"(?:\\.|[^"\\])*"|'"'"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|[0-7]{1,3}|.)|[^'"'"'\\\n])'"'"')|//[^\n]*|/\*.*?\*/}{ defined $1 ? $1 : "\n" x ($& =~ tr/\n//) }gse' "$f" |
			grep -nE "$quiet_re" | sed "s|^|$f:|"
	done
	# What the patches add to the tree.
	for f in $(grep -v '^#' patches/series); do
		grep -nHE "^\+.*($quiet_re)" "patches/$f"
	done; } > "$out"; [ -s "$out" ]; then
	result no_quiet_alloc fail "$out"
else
	result no_quiet_alloc ok
fi

# The counting of the results themselves, on consoles whose count is known.
if bash "$TOP/tools/rnet/results_test.sh" "$KSRC" > "$out" 2>&1; then
	result results_parser ok
else
	result results_parser fail "$out"
fi

# The console scan's patterns against lines in the kernel's own forms:
# each report flagged, each pattern needed by one, boot lines clean.
if bash "$TOP/tools/rnet/scan_test.sh" > "$out" 2>&1; then
	result scan_patterns ok
else
	result scan_patterns fail "$out"
fi
# Each named report sample, flagged on its own (scan_NAME); a class taken
# out with its pattern and sample is missing from expected-tests' run.
for c in $scan_cases; do
	if grep -qx "ok $c" "$out"; then
		result scan_$c ok
	else
		grep "^not ok $c: " "$out" > "$out.case" || echo "no verdict for $c" > "$out.case"
		result scan_$c fail "$out.case"
	fi
done

# Compile-fail cases: each must fail at its marked line, with its message,
# and build with the marked line corrected; compile_fail is the script's
# own verdict, compile_fail_NAME each case's.
if "$TOP/tools/rnet/compile_fail.sh" "$KSRC" "$KBUILD" > "$out" 2>&1; then
	result compile_fail ok
else
	result compile_fail fail "$out"
fi
for c in $cf_cases; do
	if grep -q "^ok $c: " "$out"; then
		grep "^ok $c: " "$out" | sed 's/^ok /# /'
		result compile_fail_$c ok
	else
		grep "^not ok $c: " "$out" > "$out.case" || echo "no verdict for $c" > "$out.case"
		result compile_fail_$c fail "$out.case"
	fi
done
rm -f "$out.case"
exit $bad
