#!/bin/sh
# make demo: a walk-through on a local sandbox, from nothing but the
# repository.  It starts moto's S3 server and the project's test API server
# with its real operator simulation (tests/apiserver/sim_real.py: every
# Cluster is a real PostgreSQL 15 archiving with barman-cloud, every Backup
# a real barman-cloud backup, every recovery a real one), all on 127.0.0.1,
# runs the plugin the way an SRE would, through kubectl, and stops
# everything it started (by PID) on the way out.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
S=$WORK/api
cleanup() {
	[ -f "$S/pid" ] && sh "$TOP/tests/apiserver/stop.sh" "$S" >/dev/null 2>&1 || true
	[ -f "$WORK/moto/moto.pid" ] && sh "$TOP/tests/sandbox/moto.sh" stop "$WORK/moto" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
pgdir() { echo "$S/pg/default-$1-$(cut -c1-8 "$S/pg/default-$1.uid")"; }
sql() { sh "$TOP/tests/sandbox/pg.sh" psql "$(pgdir "$1")" -c "$2"; }
healthy() {
	i=0
	until [ "$(kubectl get clusters.postgresql.cnpg.io "$1" -o jsonpath='{.status.phase}')" = "Cluster in healthy state" ]; do
		i=$((i + 1)); [ $i -lt 600 ] || { echo "cluster $1 did not become healthy" >&2; exit 1; }
		sleep 0.2
	done
}
archived() {
	last=$(sql "$1" "select coalesce(last_archived_wal, '') from pg_stat_archiver")
	[ -n "$last" ] && ! expr "$last" \< "$2" >/dev/null
}
batch() {
	sql app-db "insert into rows (batch) select $1 from generate_series(1, 3)" >/dev/null
	seg=$(sql app-db "select pg_walfile_name(pg_switch_wal())")
	i=0
	until archived app-db "$seg"; do
		i=$((i + 1)); [ $i -lt 600 ] || { echo "WAL $seg was not archived" >&2; exit 1; }
		sleep 0.1
	done
	echo "  batch $1: 3 rows committed at $(sql app-db "select max(pg_xact_commit_timestamp(xmin)) from rows where batch = $1")"
}

mkdir -p "$WORK/bin" "$WORK/moto"
ln -s "$TOP/kubectl-cnpgops" "$WORK/bin/kubectl-cnpgops"
PATH=$WORK/bin:$PATH
export KUBECONFIG=$S/kubeconfig
chmod 755 "$WORK"

step "the sandbox: S3 (moto) and a test Kubernetes API server with the CNPG CRDs whose simulated operator runs real PostgreSQL and barman-cloud"
ENDPOINT=$(sh "$TOP/tests/sandbox/moto.sh" start "$WORK/moto")
AWS_ACCESS_KEY_ID=AKIADEMO000000000001 AWS_SECRET_ACCESS_KEY=demo-secret-not-real \
	python3 "$TOP/tests/sandbox/scenario.py" mkbucket "$ENDPOINT" sandbox >/dev/null
sh "$TOP/tests/apiserver/start.sh" "$S" --sim "$TOP/tests/apiserver/sim_real.py" --sim-step 0.2 >/dev/null
chmod 755 "$S"
echo "S3 on $ENDPOINT; API server on https://127.0.0.1:$(cat "$S/port") (KUBECONFIG=$KUBECONFIG)"

step "a CNPG cluster archiving WAL with the barman-cloud plugin into s3://sandbox/backups"
cat >"$WORK/app-db.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: app-db-s3
stringData:
  ACCESS_KEY_ID: AKIADEMO000000000001
  ACCESS_SECRET_KEY: demo-secret-not-real
---
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: app-db-store
spec:
  configuration:
    destinationPath: s3://sandbox/backups
    endpointURL: $ENDPOINT
    s3Credentials:
      accessKeyId: {name: app-db-s3, key: ACCESS_KEY_ID}
      secretAccessKey: {name: app-db-s3, key: ACCESS_SECRET_KEY}
    wal:
      compression: gzip
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: app-db
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    initdb: {database: app, owner: app}
  plugins:
    - name: barman-cloud.cloudnative-pg.io
      isWALArchiver: true
      parameters: {barmanObjectName: app-db-store, serverName: app-db}
YAML
show kubectl apply -f "$WORK/app-db.yaml"
healthy app-db
sql app-db "create table rows (id serial primary key, batch int not null)"
batch 1

step "a daily backup at 03:00 UTC (a five-field cron line is refused with the line you meant)"
show kubectl cnpgops backup schedule app-db --schedule '0 3 * * *' || true
show kubectl cnpgops backup schedule app-db --schedule '0 0 3 * * *'

step "a backup before maintenance, followed to the end (barman-cloud-backup, for real)"
show kubectl cnpgops backup now app-db --name before-maintenance --wait
batch 2
batch 3
echo "  ... and a bad migration:"
batch 4

step "the cluster's backups, newest first"
show kubectl cnpgops backup list app-db

step "the archive credentials, endpoint and path, tested the way barman uses them"
show kubectl cnpgops archive-test app-db --write

step "what can be restored, read from the object store itself"
show kubectl cnpgops catalog app-db

step "health of backup and recovery across namespaces"
show kubectl cnpgops doctor -A || true

commit_of() { sql app-db "select max(pg_xact_commit_timestamp(xmin)) from rows where batch = $1"; }
TARGET=$(python3 - "$(commit_of 3)" "$(commit_of 4)" <<'PY'
import datetime as dt, sys
p = lambda s: dt.datetime.fromisoformat(s + ":00" if s[-3] in "+-" else s)
a, b = p(sys.argv[1]), p(sys.argv[2])
print((a + (b - a) / 2).astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00"))
PY
)
step "recover to $TARGET, between batch 3 and the bad migration; the operator restores the planned backup and replays WAL to the target"
show kubectl cnpgops pitr app-db --to "2099-01-01 00:00:00+00" || true
show kubectl cnpgops pitr app-db --to "$TARGET" --name app-db-restored --apply --wait --timeout 5m
echo "rows in app-db:          $(sql app-db 'select count(*) from rows')"
echo "rows in app-db-restored: $(sql app-db-restored 'select count(*) from rows') (batches 1-3, committed before the target)"

step "prove the backups restore: a throwaway recovery, timed, checked with SQL, deleted"
show kubectl cnpgops drill app-db --check-sql 'select count(*) from rows' --timeout 5m

step "recreate app-db in place from its own archive: verified backup, saved manifest, journal, then delete and create"
show kubectl cnpgops recreate app-db --bootstrap recovery --state-dir "$WORK/recreate" --yes --wait --timeout 5m
echo "rows in the recreated app-db: $(sql app-db 'select count(*) from rows')"
echo "saved in $WORK/recreate: $(ls "$WORK/recreate" | tr '\n' ' ')"

step "done: everything started by the demo is stopped"
