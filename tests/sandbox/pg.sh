#!/bin/sh
# A throw-away PostgreSQL 15 cluster for tests, run as an unprivileged OS
# user (PostgreSQL refuses root), reachable only on a unix socket in DIR.
#
#   pg.sh user                  print the OS user the clusters run as
#                               (creates "cnpgops-test" when run as root)
#   pg.sh init DIR [options]    initdb into DIR/data and write the config
#       --wal-segsize MB        WAL segment size (initdb), default 16
#       --archive-timeout T     archive_timeout, default 5s
#       --endpoint URL          S3 endpoint; with --dest and --server turns
#       --dest s3://B/P         archiving on: archive_command runs
#       --server NAME           barman-cloud-wal-archive into s3://B/P NAME
#       --compression C         gzip (default), bzip2, snappy or none
#       --no-archive            archive_mode=off even with an endpoint
#       --no-initdb             only make DIR, sock/ and pg.env (restore.sh
#                               fills DIR/data itself)
#   pg.sh start DIR             start it (waits until it accepts queries)
#   pg.sh stop DIR              stop it (fast), waits for exit
#   pg.sh psql DIR ARGS...      psql -X -q -At -v ON_ERROR_STOP=1 as the
#                               superuser "postgres" on DIR's socket
#   pg.sh run DIR CMD...        run CMD as the OS user with DIR's environment
#
# DIR holds: data/ (PGDATA), sock/ (socket), postgres.log, pg.env (the
# environment of the server and of "run": PATH, HOME, AWS_* credentials,
# one KEY=VALUE a line, no spaces in values).  The AWS values come from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION when set,
# else test-only dummies.  DIR's parent directories must be traversable by
# the OS user; init makes DIR itself owned by it.
set -eu
. "$(dirname "$0")/common.sh"

TEST_USER=cnpgops-test

os_user() {
	if [ "$(id -u)" -ne 0 ]; then
		id -un
		return 0
	fi
	if ! id -u "$TEST_USER" >/dev/null 2>&1; then
		# another test may create it at the same moment: re-check on failure
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$TEST_USER" 2>/dev/null ||
			id -u "$TEST_USER" >/dev/null 2>&1 ||
			die "cannot create OS user '$TEST_USER'"
	fi
	echo "$TEST_USER"
}

as_user() {
	_dir=$1
	shift
	# shellcheck disable=SC2046
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$(os_user)" -- env -i $(cat "$_dir/pg.env") "$@"
	else
		env -i $(cat "$_dir/pg.env") "$@"
	fi
}

init() {
	dir=$1
	shift
	segsize=16
	timeout=5s
	endpoint=""
	dest=""
	server=""
	compression=gzip
	archive=1
	initdb=1
	while [ $# -gt 0 ]; do
		case $1 in
		--wal-segsize) segsize=$2; shift 2 ;;
		--archive-timeout) timeout=$2; shift 2 ;;
		--endpoint) endpoint=$2; shift 2 ;;
		--dest) dest=$2; shift 2 ;;
		--server) server=$2; shift 2 ;;
		--compression) compression=$2; shift 2 ;;
		--no-archive) archive=0; shift ;;
		--no-initdb) initdb=0; shift ;;
		*) die "pg.sh init: unknown option '$1'" ;;
		esac
	done
	case $compression in
	gzip) zflag=-z ;;
	bzip2) zflag=-j ;;
	snappy) zflag=--snappy ;;
	none) zflag="" ;;
	*) die "pg.sh init: unknown compression '$compression'" ;;
	esac
	[ ! -e "$dir/data" ] || die "'$dir/data' exists already"
	user=$(os_user)
	mkdir -p "$dir/sock"
	chown -R "$user" "$dir"
	chmod 755 "$dir"
	cat >"$dir/pg.env" <<EOV
PATH=$PGBIN:/usr/bin:/bin
HOME=$dir
LANG=C.UTF-8
TZ=UTC
PGHOST=$dir/sock
PGUSER=postgres
PGDATABASE=postgres
AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-AKIASANDBOXTESTKEY01}
AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-sandbox-test-secret-not-real}
AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
AWS_CONFIG_FILE=/dev/null
AWS_SHARED_CREDENTIALS_FILE=/dev/null
NO_PROXY=127.0.0.1,localhost
no_proxy=127.0.0.1,localhost
EOV
	as_user "$dir" test -w "$dir" ||
		die "OS user '$user' cannot reach '$dir': make its parent directories traversable (chmod a+x)"
	[ "$initdb" = 1 ] || return 0
	as_user "$dir" initdb -D "$dir/data" -U postgres -A trust -E UTF8 \
		--locale=C --wal-segsize="$segsize" >"$dir/initdb.log" 2>&1 ||
		die "initdb failed (log: $dir/initdb.log)"
	if [ -n "$endpoint" ] && [ "$archive" = 1 ]; then
		[ -n "$dest" ] && [ -n "$server" ] ||
			die "pg.sh init: --endpoint needs --dest and --server"
		amode=on
		acmd="/usr/bin/barman-cloud-wal-archive --endpoint-url $endpoint $zflag $dest $server %p"
	else
		amode=off
		acmd=""
	fi
	cat >>"$dir/data/postgresql.conf" <<EOC

# sandbox (tests/sandbox/pg.sh)
listen_addresses = ''
unix_socket_directories = '$dir/sock'
wal_level = replica
archive_mode = $amode
archive_command = '$acmd'
archive_timeout = '$timeout'
track_commit_timestamp = on
max_wal_senders = 4
timezone = 'UTC'
log_timezone = 'UTC'
fsync = off
EOC
	chown "$user" "$dir/data/postgresql.conf"
}

ready() {
	as_user "$1" psql -X -q -At -c 'select 1' >/dev/null 2>&1
}

start() {
	dir=$1
	as_user "$dir" pg_ctl -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		start >/dev/null || die "postgres did not start (log: $dir/postgres.log)"
	wait_for 30 ready "$dir" || die "postgres does not answer (log: $dir/postgres.log)"
}

stop() {
	dir=$1
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_user "$dir" pg_ctl -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
		die "postgres did not stop (pid $(head -n 1 "$dir/data/postmaster.pid"))"
}

[ $# -ge 1 ] || die "usage: pg.sh user|init|start|stop|psql|run DIR ..."
cmd=$1
shift
case $cmd in
user) os_user ;;
init) init "$@" ;;
start) start "$1" ;;
stop) stop "$1" ;;
psql)
	dir=$1
	shift
	as_user "$dir" psql -X -q -At -v ON_ERROR_STOP=1 "$@"
	;;
run)
	dir=$1
	shift
	as_user "$dir" "$@"
	;;
*) die "usage: pg.sh user|init|start|stop|psql|run DIR ..." ;;
esac
