#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# One command of dccp_interop.sh to the C DCCP peer guest, read from the
# TCP connection busybox nc hands over (interop_peer.sh: nc -ll -e):
#
#   run CMD...       run CMD (60 s at most), print its output, then "rc N"
#   bg NAME CMD...   start CMD in the background, its output to a file;
#                    print its first line (5 s at most)
#   out NAME         wait for NAME to end (30 s at most), print its output
#   quit             end the peer guest
#
# The peer guest is a test fixture inside QEMU: its link reaches only the
# interop guest.

read -r cmd args || exit 1
case $cmd in
run)
	# /bin/sh: busybox timeout would run its own sh, whose applets (ip)
	# come before the programs on PATH.
	timeout 60 /bin/sh -c "$args" < /dev/null 2>&1
	echo "rc $?"
	;;
bg)
	name=${args%% *}
	rest=${args#* }
	f=/tmp/bg.$name.out
	: > "$f"
	sh -c "$rest" < /dev/null > "$f" 2>&1 &
	echo $! > "/tmp/bg.$name.pid"
	i=0
	while [ ! -s "$f" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	head -n 1 "$f"
	;;
out)
	pid=$(cat "/tmp/bg.$args.pid" 2> /dev/null)
	i=0
	while [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$pid" ] && kill -0 "$pid" 2> /dev/null && echo "still running"
	cat "/tmp/bg.$args.out" 2> /dev/null
	;;
quit)
	: > /tmp/interop.quit
	echo bye
	;;
*)
	echo "unknown command: $cmd"
	;;
esac
