#!/bin/sh
# Stop the test API server started with start.sh: kill the PID recorded in
# STATEDIR/pid and wait (up to 10 s) for it to exit.
#   tests/apiserver/stop.sh STATEDIR
set -u
if [ $# -ne 1 ]; then
	echo "usage: stop.sh STATEDIR" >&2
	exit 2
fi
[ -f "$1/pid" ] || exit 0
pid=$(cat "$1/pid")
case "$pid" in '' | *[!0-9]*) echo "stop.sh: bad pid file $1/pid" >&2; exit 1 ;; esac
kill "$pid" 2>/dev/null || { rm -f "$1/pid" "$1/ready"; exit 0; }
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		kill -9 "$pid" 2>/dev/null
		break
	fi
	sleep 0.1
done
rm -f "$1/pid" "$1/ready"
# PostgreSQL instances of the real simulation (sim_real.py), should the server
# have died without stopping them: each by its postmaster.pid, via pg_ctl
for d in "$1"/pg/*/; do
	[ -f "$d/data/postmaster.pid" ] || continue
	sh "$(dirname "$0")/../sandbox/pg.sh" stop "$d" >/dev/null 2>&1 || true
done
exit 0
