# SPDX-License-Identifier: GPL-2.0
#
# What packetdrill.sh and dccp_drill.sh share: rnet-drill's verdict on a
# run, and the retry of runs that failed on timing alone.

# timing_only SCRIPT FILE: every message of rnet-drill's in FILE
# ("SCRIPT:LINE: ...") is a timing error, and there is one.
timing_only() {
	grep -q "^$1:[0-9]*: timing error: " "$2" &&
		! grep -v "^$1:[0-9]*: timing error: " "$2" | grep -q "^$1:[0-9]*: "
}

# drill_try OUT CHECK CMD...: runs CMD (output to OUT) until CHECK (a
# shell command, given the exit status in $rc) holds, three runs at most;
# a run that fails CHECK on timing errors alone (timing_only, for the
# script named by $s) runs again, and is printed as "# run N (timing)".
# Returns CHECK's status of the last run; $rc is the last exit status.
drill_try() {
	local _f=$1 _check=$2 _try _ok
	shift 2
	for _try in 1 2 3; do
		"$@" > "$_f" 2>&1
		rc=$?
		eval "$_check"
		_ok=$?
		[ $_ok = 0 ] && return 0
		timing_only "$s" "$_f" || return $_ok
		[ $_try = 3 ] || sed "s/^/# run $_try (timing): /" "$_f"
	done
	return $_ok
}

# failed_as SCRIPT WANT FILE: rnet-drill's output in FILE has the failure
# WANT ("LINE: TEXT") of SCRIPT, as it is or after a pause of the
# runner's ("SCRIPT:LINE: timing error: rnet-drill fell behind ...;
# then: TEXT", or "...: timing error: the kernel sent this packet ...
# while rnet-drill owed it ...; then: TEXT"): the script failed where and
# how it must either way.
failed_as() {
	grep -qF "$1:$2" "$3" ||
		grep -E "^$1:${2%%: *}: timing error: (rnet-drill fell behind|the kernel sent this packet at [0-9.]+ sec, while rnet-drill owed)" "$3" |
			grep -qF "; then: ${2#*: }"
}

# script_tolerance SCRIPT DEFAULT: the tolerance SCRIPT names in its own
# "--tolerance_usecs=N" line when it is tighter than DEFAULT, else
# DEFAULT (a script may sharpen its timing checks, never loosen them).
# The harnesses pass it on the command line, which rnet-drill prefers to
# the script's line.
script_tolerance() {
	local t
	t=$(sed -n 's/^--tolerance_usecs=\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1)
	if [ -n "$t" ] && [ "$t" -lt "$2" ]; then
		echo "$t"
	else
		echo "$2"
	fi
}
