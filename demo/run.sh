#!/bin/sh
# make demo: a walk-through on a local sandbox, from nothing but the
# repository.  It starts the project's test API server (with its operator
# simulation) on 127.0.0.1, runs the plugin the way an SRE would, through
# kubectl, and stops everything it started (by PID) on the way out.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
S=$WORK/api
cleanup() {
	[ -f "$S/pid" ] && sh "$TOP/tests/apiserver/stop.sh" "$S" >/dev/null 2>&1 || true
	[ -d "$WORK/restored" ] && sh "$TOP/tests/sandbox/pg.sh" stop "$WORK/restored" >/dev/null 2>&1 || true
	[ -f "$WORK/cat/catalog.env" ] && sh "$TOP/tests/sandbox/make-catalog.sh" stop "$WORK/cat" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

mkdir -p "$WORK/bin"
ln -s "$TOP/kubectl-cnpgops" "$WORK/bin/kubectl-cnpgops"
PATH=$WORK/bin:$PATH
export KUBECONFIG=$S/kubeconfig

chmod 755 "$WORK"
step "a real archive: PostgreSQL 15 archiving WAL with barman-cloud into S3 (moto) on loopback, rows written in batches, two base backups (about a minute)"
sh "$TOP/tests/sandbox/make-catalog.sh" "$WORK/cat" --backups 2 --batches 4 --rows 3 \
	--prefix backups --server app-db --keep >"$WORK/make.log" 2>&1 ||
	{ tail -n 20 "$WORK/make.log"; exit 1; }
j() { python3 -c "import json,sys; d=json.load(open('$WORK/cat/scenario.json')); print($1)"; }
ENDPOINT=$(j 'd["endpoint"]')
python3 -c "
import json
d = json.load(open('$WORK/cat/rows.json'))
for b in sorted({r['batch'] for r in d}):
    rs = [r for r in d if r['batch'] == b]
    print('  batch %d: rows %d-%d committed at %s' % (b, rs[0]['id'], rs[-1]['id'], rs[-1]['commit_time']))
"

step "start the sandbox: a test Kubernetes API server with the CNPG CRDs and a simulated operator"
sh "$TOP/tests/apiserver/start.sh" "$S" --sim "$TOP/tests/apiserver/sim_basic.py" --sim-step 0.5 >/dev/null
echo "API server on https://127.0.0.1:$(cat "$S/port") (KUBECONFIG=$KUBECONFIG)"

step "a CNPG cluster archiving WAL with the barman-cloud plugin into that store"
cat >"$WORK/store.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: app-db-s3
stringData:
  ACCESS_KEY_ID: $(j 'd["access_key_id"]')
  ACCESS_SECRET_KEY: $(j 'd["secret_access_key"]')
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
      accessKeyId:
        name: app-db-s3
        key: ACCESS_KEY_ID
      secretAccessKey:
        name: app-db-s3
        key: ACCESS_SECRET_KEY
YAML
show kubectl apply -f "$WORK/store.yaml"
show kubectl apply -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml"
i=0
until kubectl get clusters.postgresql.cnpg.io app-db -o jsonpath='{.status.phase}' | grep -q healthy; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "the cluster did not become healthy" >&2; exit 1; }
	sleep 0.2
done

step "a daily backup at 03:00 UTC (a five-field cron line is refused with the line you meant)"
show kubectl cnpgops backup schedule app-db --schedule '0 3 * * *' || true
show kubectl cnpgops backup schedule app-db --schedule '0 0 3 * * *'

step "a backup before maintenance, followed to the end"
show kubectl cnpgops backup now app-db --name before-maintenance --wait

step "the cluster's backups, newest first"
show kubectl cnpgops backup list app-db

step "the archive credentials, endpoint and path, tested the way barman uses them"
show kubectl cnpgops archive-test app-db --write

step "what can be restored, read from the object store itself"
show kubectl cnpgops catalog app-db

step "health of backup and recovery across namespaces"
show kubectl cnpgops doctor -A || true

TARGET=$(python3 -c "
import json, datetime as dt
d = json.load(open('$WORK/cat/scenario.json'))
p = lambda s: dt.datetime.fromisoformat(s.replace('Z', '+00:00'))
a, b = p(d['batches'][2]['commit_time']), p(d['batches'][3]['commit_time'])
print((a + (b - a) / 2).strftime('%Y-%m-%d %H:%M:%S.%f+00'))
")
step "a bad migration ran after batch 3: recover to $TARGET, between batches 3 and 4"
show kubectl cnpgops pitr app-db --to "$TARGET" --name app-db-restored --instances 1 \
	--apply --wait --timeout 2m
show kubectl cnpgops pitr app-db --to "2099-01-01 00:00:00+00" || true

step "the recovery itself, as the operator's recovery job runs it: the planned backup, WAL from the store, the planned target"
BACKUP=$(kubectl get clusters.postgresql.cnpg.io app-db-restored \
	-o jsonpath='{.spec.bootstrap.recovery.recoveryTarget.backupID}')
sh "$TOP/tests/sandbox/restore.sh" "$WORK/restored" --from "$WORK/cat" --backup "$BACKUP" \
	--target-time "$TARGET" >"$WORK/restore.out" 2>&1 || { tail -n 20 "$WORK/restore.out"; exit 1; }
echo "rows in the source:       $(sh "$TOP/tests/sandbox/pg.sh" psql "$WORK/cat/pg" -c 'select count(*) from rows')"
echo "rows in the recovered db: $(sed -n 's/^rows=//p' "$WORK/restore.out") (batches 1-3: committed before the target)"

step "done: everything started by the demo is stopped"
