#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile-fail cases for the kernel crate's types (the kernel's doc-tests
# cannot run `compile_fail`): every tools/rnet/compile_fail/NAME.rs holds a
# misuse of an abstraction (a lifetime brand, a context a type carries)
# that must be refused; this script puts it in a module of its own (the
# prelude, `module!` and an empty module type come first). Above the
# offending line, two comments:
#
#   // ERROR: MESSAGE      what rustc must report, at the line below
#   // OK: CODE            a correct line for its place
#
# Each case is built, as an out-of-tree module against the last kernel
# build, twice: as it is, where every error rustc reports in the file must
# be located at the line after the comments, one of them with MESSAGE; and
# with that line replaced by CODE, where it must build. The second build
# shows the first failed for the marked line alone (not an unrelated
# mistake, a missing import, a renamed API). Prints one line per case, "ok
# NAME" or "not ok NAME: why"; exits non-zero if any case is not ok or none
# was found.
#
# Usage: compile_fail.sh KSRC KBUILD

set -u

KSRC=$1 KBUILD=$2
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cases=$(ls "$HERE"/compile_fail/*.rs 2>/dev/null)
[ -n "$cases" ] || { echo "not ok compile_fail: no cases in $HERE/compile_fail"; exit 1; }

mkdir -p "$work/fail" "$work/ok"
bad=0

# module NAME: what comes before a case's own lines ($head lines).
module() {
	cat <<-EOT
	#![allow(dead_code, unused_variables, unused_imports)]
	use kernel::prelude::*;
	module! { type: Case, name: "cf_$1", author: "rnet developers", description: "rnet compile-fail case", license: "GPL", }
	struct Case;
	impl kernel::Module for Case { fn init(_m: &'static ThisModule) -> Result<Self> { Ok(Case) } }
	EOT
}
head=$(module x | wc -l)
for f in $cases; do
	name=$(basename "$f" .rs)
	# The marked line's number, MESSAGE and CODE, from the first ERROR
	# comment directly followed by an OK comment.
	if ! awk -v out="$work/$name.mark" '
		/^[ \t]*\/\/ ERROR: / && !found { msg = $0; sub(/^[ \t]*\/\/ ERROR: */, "", msg)
			if (length(msg) >= 8) { e = NR; next } }
		e && NR == e + 1 && /^[ \t]*\/\/ OK: / { code = $0; sub(/^[ \t]*\/\/ OK: /, "", code); next }
		e && NR == e + 2 && code != "" && !found { found = 1
			print NR > out; print msg > out; print code > out }
		{ e = e && NR <= e + 1 ? e : 0 }
		END { exit !found }' "$f"; then
		echo "not ok $name: no ERROR comment with a message (8 characters or more)," \
			"followed by an OK comment and a line"
		bad=1
		continue
	fi
	{ module $name; cat "$f"; } > "$work/fail/$name.rs"
	line=$(sed -n 1p "$work/$name.mark")
	code=$(sed -n 3p "$work/$name.mark")
	# The OK variant: the marked line's indentation, then CODE.
	{ module $name; awk -v l="$line" -v code="$code" \
		'NR == l { match($0, /^[ \t]*/); $0 = substr($0, 1, RLENGTH) code } { print }' "$f"; } \
		> "$work/ok/$name.rs"
	echo "obj-m += $name.o" >> "$work/fail/Kbuild"
	echo "obj-m += $name.o" >> "$work/ok/Kbuild"
done
[ -f "$work/fail/Kbuild" ] || exit 1

# One build per variant, -k so that every case is compiled, -j1 so that
# each rustc's report stays in one piece.
make -k -j1 -s -C "$KSRC" O="$KBUILD" LLVM=1 M="$work/fail" modules > "$work/fail.out" 2>&1
make -k -j1 -s -C "$KSRC" O="$KBUILD" LLVM=1 M="$work/ok" modules > "$work/ok.out" 2>&1

for f in $cases; do
	name=$(basename "$f" .rs)
	[ -f "$work/$name.mark" ] || continue
	# The marked line in the module built.
	line=$(($(sed -n 1p "$work/$name.mark") + head))
	msg=$(sed -n 2p "$work/$name.mark")
	# Every error of this file's: "LINE<TAB>MESSAGE", located by the
	# first "-->" after the error line.
	errs=$(awk -v file="$work/fail/$name.rs" '
		/^error/ && !/^error: aborting/ { m = $0; want = 1; next }
		want && /^ *--> / { want = 0; loc = $2
			if (index(loc, file ":") == 1) { split(substr(loc, length(file) + 2), p, ":"); print p[1] "\t" m } }
		' "$work/fail.out")
	n=$(printf '%s' "$errs" | grep -c .)
	if [ -f "$work/fail/$name.o" ]; then
		why="it built"
	elif [ "$n" = 0 ]; then
		why="no error located in the case's file"
	elif printf '%s\n' "$errs" | grep -qv "^$line	"; then
		why="an error is not at line $line"
	elif ! printf '%s\n' "$errs" | cut -f 2- | grep -qF -- "$msg"; then
		why="no error at line $line says \"$msg\""
	elif [ ! -f "$work/ok/$name.o" ]; then
		why="the OK variant does not build"
	else
		echo "ok $name: line $((line - head)): $(printf '%s\n' "$errs" | cut -f 2- | grep -F -- "$msg" | head -n 1)"
		continue
	fi
	echo "not ok $name: $why"
	printf '%s\n' "$errs" | sed 's/^/#   /'
	bad=1
done
if [ $bad = 1 ]; then
	echo "# the builds' reports:"
	sed 's/^/#   /' "$work/fail.out" "$work/ok.out" | head -n 120
fi
exit $bad
