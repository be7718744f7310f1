#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rnet's stand-in for the packetdrill selftests' set_sysctls.py (the guest
# has no Python), with the same behaviour: each argument is
# <proc-file>=<value>; the file's current value is saved as a command in
# /tmp/sysctl_restore_${PACKETDRILL_PID}.sh, then the value is written.
# A script restores them with `/tmp/sysctl_restore_${PPID}.sh`.

[ -n "${PACKETDRILL_PID:-}" ] || { echo "set_sysctls.py: PACKETDRILL_PID is not set" >&2; exit 1; }
f=/tmp/sysctl_restore_${PACKETDRILL_PID}.sh
echo '#!/bin/sh' > "$f" || exit 1
for a in "$@"; do
	file=${a%%=*}
	val=${a#*=}
	cur=$(cat "$file") || exit 1
	echo "echo \"$cur\" > $file" >> "$f"
	echo "$val" > "$file" || exit 1
done
chmod u+x "$f"
