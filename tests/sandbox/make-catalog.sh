#!/bin/sh
# Make a REAL barman-cloud catalog: moto S3 + PostgreSQL 15 archiving with
# barman-cloud-wal-archive, rows inserted in batches (commit times
# recorded), base backups with barman-cloud-backup between batches.
#
#   make-catalog.sh DIR [options]
#       --backups N          base backups (default 2)
#       --batches N          row batches, one transaction each (default 4)
#       --rows N             rows per batch (default 3)
#       --compression C      gzip (default), bzip2, snappy, none (WAL and base)
#       --wal-segsize MB     WAL segment size (default 16)
#       --archive-timeout T  archive_timeout (default 5s)
#       --bucket B           default "sandbox"
#       --prefix P           default "cluster-example" (may be empty)
#       --server NAME        default "cluster-example"
#       --keep               leave moto and PostgreSQL running (stop them
#                            later with: make-catalog.sh stop DIR)
#   make-catalog.sh stop DIR stop what a --keep run left running
#
# Backup k (1..N) is taken after batch floor(k * batches / (N + 1)) (0 =
# before the first batch).  After each batch and each backup the WAL is
# switched and the script waits until that segment is archived.
# Writes DIR/rows.json, DIR/scenario.json (see README.md); logs in DIR.
set -eu
. "$(dirname "$0")/common.sh"

if [ "${1:-}" = stop ]; then
	[ $# -eq 2 ] || die "usage: make-catalog.sh stop DIR"
	[ -f "$2/moto.port" ] || [ -d "$2/pg" ] || die "no sandbox in '$2' (no moto.port, no pg/)"
	sh "$SANDBOX/pg.sh" stop "$2/pg"
	sh "$SANDBOX/moto.sh" stop "$2"
	exit 0
fi
[ $# -ge 1 ] || die "usage: make-catalog.sh DIR [options]"
DIR=$1
shift
backups=2
batches=4
rows=3
compression=gzip
segsize=16
atimeout=5s
bucket=sandbox
prefix=cluster-example
server=cluster-example
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--backups) backups=$2; shift 2 ;;
	--batches) batches=$2; shift 2 ;;
	--rows) rows=$2; shift 2 ;;
	--compression) compression=$2; shift 2 ;;
	--wal-segsize) segsize=$2; shift 2 ;;
	--archive-timeout) atimeout=$2; shift 2 ;;
	--bucket) bucket=$2; shift 2 ;;
	--prefix) prefix=$2; shift 2 ;;
	--server) server=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) die "make-catalog.sh: unknown option '$1'" ;;
	esac
done
case $compression in
gzip) zflag=-z ;;
bzip2) zflag=-j ;;
snappy) zflag=--snappy ;;
none) zflag="" ;;
*) die "unknown compression '$compression'" ;;
esac

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
chmod 755 "$DIR"
PG=$DIR/pg
if [ -n "$prefix" ]; then dest=s3://$bucket/$prefix; else dest=s3://$bucket; fi

# on failure (or without --keep) stop what we started, by PID
finish() {
	rc=$?
	if [ "$rc" -ne 0 ] || [ "$keep" = 0 ]; then
		sh "$SANDBOX/pg.sh" stop "$PG" 2>/dev/null || true
		sh "$SANDBOX/moto.sh" stop "$DIR" 2>/dev/null || true
	fi
	[ "$rc" -eq 0 ] || echo "make-catalog: failed; logs in $DIR" >&2
	exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

: "${AWS_ACCESS_KEY_ID:=AKIASANDBOXTESTKEY01}"
: "${AWS_SECRET_ACCESS_KEY:=sandbox-test-secret-not-real}"
: "${AWS_DEFAULT_REGION:=us-east-1}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

t0=$(date +%s)
log() { echo "make-catalog: [$(($(date +%s) - t0))s] $*" >&2; }

endpoint=$(sh "$SANDBOX/moto.sh" start "$DIR")
log "moto at $endpoint"
python3 "$SANDBOX/scenario.py" mkbucket "$endpoint" "$bucket"
sh "$SANDBOX/pg.sh" init "$PG" --wal-segsize "$segsize" --archive-timeout "$atimeout" \
	--endpoint "$endpoint" --dest "$dest" --server "$server" --compression "$compression"
sh "$SANDBOX/pg.sh" start "$PG"
log "postgres up in $PG"

sql() { sh "$SANDBOX/pg.sh" psql "$PG" -c "$1"; }

archived() {
	# true once the archiver has archived segment $1 (or a later one)
	last=$(sql "select coalesce(last_archived_wal, '') from pg_stat_archiver")
	[ -n "$last" ] && ! expr "$last" \< "$1" >/dev/null
}

# switch to a new WAL segment and wait (at most 60 s) until the one just
# finished is archived
switch_and_wait() {
	seg=$(sql "select pg_walfile_name(pg_switch_wal())")
	if ! wait_for 60 archived "$seg"; then
		sql "select * from pg_stat_archiver" >&2 || true
		die "segment $seg not archived within 60 s (log: $PG/postgres.log)"
	fi
	LAST_ARCHIVED_WAL=$(sql "select last_archived_wal from pg_stat_archiver")
}

backup() {
	# shellcheck disable=SC2086
	sh "$SANDBOX/pg.sh" run "$PG" /usr/bin/barman-cloud-backup \
		--endpoint-url "$endpoint" $zflag -h "$PG/sock" -U postgres \
		--immediate-checkpoint "$dest" "$server" >>"$DIR/backup.log" 2>&1 ||
		die "barman-cloud-backup failed (log: $DIR/backup.log)"
	printf '%s\n' "$1" >>"$DIR/backups.tsv"
	switch_and_wait
}

sql "create table rows (id serial primary key, batch int not null,
	inserted_at timestamptz not null default now())"
: >"$DIR/rows.tsv"
: >"$DIR/backups.tsv"
: >"$DIR/backup.log"
LAST_ARCHIVED_WAL=""

k=1
b=0
while [ "$b" -le "$batches" ]; do
	if [ "$b" -gt 0 ]; then
		sql "insert into rows (batch) select $b from generate_series(1, $rows)"
		sql "select id, batch, to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC',
			'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from rows where batch = $b order by id" |
			tr '|' '\t' >>"$DIR/rows.tsv"
		switch_and_wait
		log "batch $b committed and archived"
	fi
	while [ "$k" -le "$backups" ] && [ $((k * batches / (backups + 1))) -eq "$b" ]; do
		backup "$b"
		log "backup $k done (after batch $b)"
		k=$((k + 1))
	done
	b=$((b + 1))
done

cat >"$DIR/catalog.env" <<EOF2
ENDPOINT=$endpoint
BUCKET=$bucket
PREFIX=$prefix
DEST=$dest
SERVER=$server
COMPRESSION=$compression
WAL_SEGSIZE=$segsize
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_DEFAULT_REGION=$AWS_DEFAULT_REGION
LAST_ARCHIVED_WAL=$LAST_ARCHIVED_WAL
RUNNING=$keep
EOF2
python3 "$SANDBOX/scenario.py" write "$DIR"
log "done: $DIR/scenario.json"
