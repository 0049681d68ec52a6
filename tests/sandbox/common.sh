# Shared helpers for the sandbox scripts (sourced, not run).
#   SANDBOX     this directory;  TOP  the repository root
#   PGBIN       PostgreSQL 15 binaries
#   die MSG     print "sandbox: MSG" to stderr and exit 1
#   wait_for N CMD...   run CMD every 0.1 s until it succeeds, at most N
#                       seconds; returns 1 on timeout
SANDBOX=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2034 # used by moto.sh
TOP=$(cd "$SANDBOX/../.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

die() {
	echo "sandbox: $*" >&2
	exit 1
}

wait_for() {
	_limit=$1
	shift
	_i=0
	while [ "$_i" -lt $((_limit * 10)) ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
