#!/bin/sh
# Start or stop a moto S3 server for tests, listening on 127.0.0.1 only.
#
#   moto.sh start DIR [--iam]   start it; writes DIR/moto.pid, DIR/moto.port,
#                               DIR/moto.log and prints the endpoint URL
#   moto.sh stop DIR            stop it by its PID and wait for it to exit
#
# --iam starts ../shared/tools/moto-sigv4fix.py instead of moto's server,
# with IAM enforcement after INITIAL_NO_AUTH_ACTION_COUNT requests (from
# the environment, default 0: every request is checked).
# The port is found by binding port 0; if another process takes it before
# moto does, the start is retried with a new port (up to 5 times).
set -eu
. "$(dirname "$0")/common.sh"

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

answers() {
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" 2>/dev/null
}

alive() {
	kill -0 "$1" 2>/dev/null
}

up() {
	answers "$1" || ! alive "$2"
}

start() {
	dir=$1
	iam=$2
	mkdir -p "$dir"
	if [ -f "$dir/moto.pid" ] && alive "$(cat "$dir/moto.pid")"; then
		die "moto already runs in '$dir' (pid $(cat "$dir/moto.pid"))"
	fi
	tries=0
	while [ $tries -lt 5 ]; do
		tries=$((tries + 1))
		port=$(free_port)
		if [ "$iam" = 1 ]; then
			INITIAL_NO_AUTH_ACTION_COUNT=${INITIAL_NO_AUTH_ACTION_COUNT:-0} \
				python3 "$TOP/../shared/tools/moto-sigv4fix.py" "$port" \
				>"$dir/moto.log" 2>&1 &
		else
			python3 -m moto.server -H 127.0.0.1 -p "$port" \
				>"$dir/moto.log" 2>&1 &
		fi
		pid=$!
		if ! wait_for 30 up "$port" "$pid"; then
			kill "$pid" 2>/dev/null || true
			die "moto did not answer on 127.0.0.1:$port within 30 s (log: $dir/moto.log)"
		fi
		if alive "$pid" && answers "$port"; then
			echo "$pid" >"$dir/moto.pid"
			echo "$port" >"$dir/moto.port"
			echo "http://127.0.0.1:$port"
			return 0
		fi
		# it exited: most likely the port was taken meanwhile; retry
		wait "$pid" 2>/dev/null || true
	done
	die "moto failed to start 5 times (log: $dir/moto.log)"
}

stop() {
	dir=$1
	[ -f "$dir/moto.pid" ] || return 0
	pid=$(cat "$dir/moto.pid")
	if alive "$pid"; then
		kill "$pid" 2>/dev/null || true
		if ! wait_for 15 sh -c "! kill -0 $pid 2>/dev/null"; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$dir/moto.pid"
}

[ $# -ge 2 ] || die "usage: moto.sh start|stop DIR [--iam]"
case $1 in
start)
	iam=0
	[ "${3:-}" = --iam ] && iam=1
	start "$2" "$iam"
	;;
stop) stop "$2" ;;
*) die "usage: moto.sh start|stop DIR [--iam]" ;;
esac
