#!/bin/sh
# Start the test API server in the background and wait until it is ready.
#   tests/apiserver/start.sh STATEDIR [server.py args...]
# Prints the server's PID on stdout; its log goes to STATEDIR/server.log.
# Fails (exit 1) if STATEDIR/ready does not appear within 20 seconds.
set -u
if [ $# -lt 1 ]; then
	echo "usage: start.sh STATEDIR [server args...]" >&2
	exit 2
fi
dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir" || exit 1
rm -f "$dir/ready"
${PYTHON:-python3} "$here/server.py" --dir "$dir" "$@" >"$dir/server.log" 2>&1 </dev/null &
pid=$!
i=0
while [ ! -f "$dir/ready" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "start.sh: the test API server exited before it was ready; its log:" >&2
		sed 's/^/    /' "$dir/server.log" >&2
		exit 1
	fi
	i=$((i + 1))
	if [ $i -gt 200 ]; then
		echo "start.sh: the test API server (pid $pid) was not ready after 20 s; its log:" >&2
		sed 's/^/    /' "$dir/server.log" >&2
		kill "$pid" 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
echo "$pid"
