#!/bin/sh
# Restore a barman-cloud base backup into a new data directory, replay WAL
# from the catalog up to a recovery target, promote, and report.
#
#   restore.sh DIR [options]
#     source (either --from, or all of --endpoint/--dest/--server):
#       --from CATDIR        a make-catalog.sh DIR (reads CATDIR/catalog.env)
#       --endpoint URL  --dest s3://B/P  --server NAME
#       --backup ID          backup id (required)
#     target (at most one; default: end of the archive, "latest"):
#       --target-time T      recovery_target_time (e.g. 2026-11-25T02:58:45.149726Z)
#       --target-lsn L       recovery_target_lsn
#       --target-xid X       recovery_target_xid
#       --target-name N      recovery_target_name
#       --target-immediate   recovery_target='immediate' (end of the backup)
#       --exclusive          recovery_target_inclusive=off
#       --target-timeline TL recovery_target_timeline (latest, current, N)
#     after promotion:
#       --archive            archive_mode=on into the SAME dest and server
#                            (a new timeline and its history file appear in
#                            the catalog); default archive_mode=off
#       --archive-dest s3://B/P  --archive-server NAME
#                            with --archive: archive there instead (a new
#                            serverName, as a recovered CNPG cluster does)
#       --compression C      for --archive: gzip (default), bzip2, snappy, none
#       --keep               leave the restored server running (stop it with
#                            pg.sh stop DIR)
#       --timeout S          seconds to wait for the end of recovery (120)
#
# DIR gets the pg.sh layout (data/, sock/, postgres.log, pg.env).  The AWS
# credentials come from CATDIR/catalog.env or the environment.  On success
# prints lines "key=value": timeline, lsn (pg_current_wal_lsn), rows
# (count(*) from table "rows" when it exists, else -1).
set -eu
. "$(dirname "$0")/common.sh"

[ $# -ge 1 ] || die "usage: restore.sh DIR [options]"
DIR=$1
shift
endpoint=""
dest=""
server=""
backup=""
tkey=""
tval=""
inclusive=on
timeline=""
archive=0
adest=""
aserver=""
compression=gzip
keep=0
timeout=120
settarget() {
	[ -z "$tkey" ] || die "restore.sh: only one recovery target may be given"
	tkey=$1
	tval=$2
}
while [ $# -gt 0 ]; do
	case $1 in
	--from)
		# shellcheck disable=SC1090,SC1091
		. "$2/catalog.env"
		endpoint=$ENDPOINT
		dest=$DEST
		server=$SERVER
		export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
		shift 2
		;;
	--endpoint) endpoint=$2; shift 2 ;;
	--dest) dest=$2; shift 2 ;;
	--server) server=$2; shift 2 ;;
	--backup) backup=$2; shift 2 ;;
	--target-time)
		# PostgreSQL rejects RFC 3339's "T" ... "Z" form here ("Z" is
		# taken as a time zone abbreviation): write "YYYY-MM-DD HH:MM:SS+00"
		settarget recovery_target_time "$(printf '%s' "$2" | sed 's/^\([0-9-]*\)T/\1 /; s/Z$/+00/')"
		shift 2
		;;
	--target-lsn) settarget recovery_target_lsn "$2"; shift 2 ;;
	--target-xid) settarget recovery_target_xid "$2"; shift 2 ;;
	--target-name) settarget recovery_target_name "$2"; shift 2 ;;
	--target-immediate) settarget recovery_target immediate; shift ;;
	--exclusive) inclusive=off; shift ;;
	--target-timeline) timeline=$2; shift 2 ;;
	--archive) archive=1; shift ;;
	--archive-dest) adest=$2; shift 2 ;;
	--archive-server) aserver=$2; shift 2 ;;
	--compression) compression=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	*) die "restore.sh: unknown option '$1'" ;;
	esac
done
[ -n "$endpoint" ] && [ -n "$dest" ] && [ -n "$server" ] ||
	die "restore.sh: give --from CATDIR or --endpoint, --dest and --server"
[ -n "$backup" ] || die "restore.sh: --backup ID is required"
case $compression in
gzip) zflag=-z ;;
bzip2) zflag=-j ;;
snappy) zflag=--snappy ;;
none) zflag="" ;;
*) die "unknown compression '$compression'" ;;
esac

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
sh "$SANDBOX/pg.sh" init "$DIR" --no-initdb
pgrun() { sh "$SANDBOX/pg.sh" run "$DIR" "$@"; }
sql() { sh "$SANDBOX/pg.sh" psql "$DIR" -c "$1"; }

started=0
finish() {
	rc=$?
	if [ "$started" = 1 ] && { [ "$rc" -ne 0 ] || [ "$keep" = 0 ]; }; then
		sh "$SANDBOX/pg.sh" stop "$DIR" 2>/dev/null || true
	fi
	[ "$rc" -eq 0 ] || echo "restore: failed; logs in $DIR" >&2
	exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

pgrun /usr/bin/barman-cloud-restore --endpoint-url "$endpoint" \
	"$dest" "$server" "$backup" "$DIR/data" >"$DIR/restore.log" 2>&1 ||
	die "barman-cloud-restore of '$backup' failed (log: $DIR/restore.log)"
chmod 700 "$DIR/data"
rm -f "$DIR/data/postmaster.pid"

if [ "$archive" = 1 ]; then
	amode=on
	acmd="/usr/bin/barman-cloud-wal-archive --endpoint-url $endpoint $zflag ${adest:-$dest} ${aserver:-$server} %p"
else
	amode=off
	acmd=""
fi
{
	echo ""
	echo "# restore (tests/sandbox/restore.sh)"
	echo "unix_socket_directories = '$DIR/sock'"
	echo "archive_mode = $amode"
	echo "archive_command = '$acmd'"
	echo "restore_command = '/usr/bin/barman-cloud-wal-restore --endpoint-url $endpoint $dest $server %f %p'"
	echo "recovery_target_action = promote"
	if [ -n "$tkey" ]; then
		echo "$tkey = '$tval'"
		[ "$tkey" = recovery_target ] || echo "recovery_target_inclusive = $inclusive"
	fi
	[ -z "$timeline" ] || echo "recovery_target_timeline = '$timeline'"
} >>"$DIR/data/postgresql.conf"
pgrun touch "$DIR/data/recovery.signal"

t0=$(date +%s)
pid_alive() {
	[ -f "$DIR/data/postmaster.pid" ] && kill -0 "$(head -n 1 "$DIR/data/postmaster.pid")" 2>/dev/null
}
started=1
# pg_ctl -w returns once the server accepts connections (hot standby) or
# fails when recovery aborts (e.g. the target is beyond the archive)
pgrun pg_ctl -D "$DIR/data" -l "$DIR/postgres.log" -w -t "$timeout" start >/dev/null 2>&1 || {
	tail -n 5 "$DIR/postgres.log" >&2
	die "restored server did not start (log: $DIR/postgres.log)"
}
promoted() {
	pid_alive || return 0
	[ "$(sql "select pg_is_in_recovery()" 2>/dev/null)" = f ]
}
wait_for "$timeout" promoted || die "still in recovery after $timeout s (log: $DIR/postgres.log)"
pid_alive || {
	tail -n 5 "$DIR/postgres.log" >&2
	die "restored server exited during recovery (log: $DIR/postgres.log)"
}

if [ "$archive" = 1 ]; then
	# push the new timeline's first segment (and its history file) out
	archived() {
		last=$(sql "select coalesce(last_archived_wal, '') from pg_stat_archiver")
		[ -n "$last" ] && ! expr "$last" \< "$1" >/dev/null
	}
	seg=$(sql "select pg_walfile_name(pg_switch_wal())")
	wait_for 60 archived "$seg" || die "segment $seg not archived within 60 s"
fi

tli=$(sql "select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")
echo "timeline=$((0x$tli))"
echo "lsn=$(sql "select pg_current_wal_lsn()")"
if [ "$(sql "select to_regclass('rows') is not null")" = t ]; then
	echo "rows=$(sql "select count(*) from rows")"
else
	echo "rows=-1"
fi
echo "seconds=$(($(date +%s) - t0))"
