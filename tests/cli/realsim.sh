# Helpers for CLI tests on the real simulation (tests/apiserver/sim_real.py):
# moto on loopback, the test API server whose Clusters are real PostgreSQL
# servers archiving with barman-cloud.  Source it after lib.sh and
# tests/apiserver/lib.sh.
#   realsim_start          moto (sets $ENDPOINT, bucket "sandbox") and the API
#                          server with sim_real.py; a Secret "s3-creds"
#   realsim_cluster NAME DEST
#                          an ObjectStore NAME-store (DEST, $ENDPOINT) and a
#                          one-instance Cluster NAME archiving into it under
#                          serverName NAME; waits until it is healthy
#   pgdir NAME             the data directory of the current Cluster NAME
#   sql DIR SQL            psql -At on that PostgreSQL
#   batch DIR K            three rows of batch K, one transaction, then a WAL
#                          switch archived
#   commit_time DIR K      batch K's commit time (RFC 3339, microseconds)
#   switch_wal DIR         switch WAL and wait until the segment is archived
#   between A B            the midpoint of two RFC 3339 times
#   after A SECS           A plus SECS seconds
#   backup_end CLUSTER ID  backup ID's end time from `catalog -o json`
#   recover_and_count SRC NEW TARGET [pitr flags...]
#                          pitr SRC --to TARGET --name NEW --apply --wait, then
#                          check NEW holds exactly SRC's rows committed up
#                          to TARGET

realsim_start() {
	chmod 755 "$T"
	mkdir -p "$T/moto"
	ENDPOINT=$(sh "$TOP/tests/sandbox/moto.sh" start "$T/moto") || fail "moto did not start"
	at_exit "sh '$TOP/tests/sandbox/moto.sh' stop '$T/moto' >/dev/null 2>&1"
	AWS_ACCESS_KEY_ID=AKIAREALSIMTEST00001 AWS_SECRET_ACCESS_KEY=realsim-secret-not-real \
		python3 "$TOP/tests/sandbox/scenario.py" mkbucket "$ENDPOINT" sandbox >/dev/null ||
		fail "cannot make the bucket"
	apiserver_start --sim "$TOP/tests/apiserver/sim_real.py" --sim-step 0.1
	chmod 755 "$S"
	cat >"$T/secret.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: s3-creds
stringData:
  ACCESS_KEY_ID: AKIAREALSIMTEST00001
  ACCESS_SECRET_KEY: realsim-secret-not-real
YAML
	k create -f "$T/secret.yaml" >/dev/null || fail "create the Secret"
}

realsim_cluster() {
	cat >"$T/$1.yaml" <<YAML
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: $1-store
spec:
  configuration:
    destinationPath: $2
    endpointURL: $ENDPOINT
    s3Credentials:
      accessKeyId: {name: s3-creds, key: ACCESS_KEY_ID}
      secretAccessKey: {name: s3-creds, key: ACCESS_SECRET_KEY}
    wal:
      compression: gzip
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: $1
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      database: app
      owner: app
  plugins:
    - name: barman-cloud.cloudnative-pg.io
      isWALArchiver: true
      parameters:
        barmanObjectName: $1-store
        serverName: $1
YAML
	k create -f "$T/$1.yaml" >/dev/null || fail "create $1"
	wait_healthy "$1" 120
}

cluster_phase() {
	k get clusters.postgresql.cnpg.io "$1" -o jsonpath='{.status.phase}' 2>/dev/null
}

healthy() {
	[ "$(cluster_phase "$1")" = "Cluster in healthy state" ]
}

wait_healthy() {
	_i=0
	while ! healthy "$1"; do
		_i=$((_i + 1))
		_why=$(k get clusters.postgresql.cnpg.io "$1" -o jsonpath='{.status.phaseReason}' 2>/dev/null)
		if [ -n "$_why" ] || [ $_i -gt $(($2 * 10)) ]; then
			k get clusters.postgresql.cnpg.io "$1" -o yaml
			fail "cluster $1 is not healthy after $2 s"
		fi
		sleep 0.1
	done
}

pgdir() {
	_uid=$(cat "$S/pg/default-$1.uid") || fail "no PostgreSQL for cluster $1"
	echo "$S/pg/default-$1-$(printf '%.8s' "$_uid")"
}

sql() {
	sh "$TOP/tests/sandbox/pg.sh" psql "$1" -c "$2" || fail "SQL on $1 failed: $2"
}

_archived() {
	_last=$(sql "$1" "select coalesce(last_archived_wal, '') from pg_stat_archiver")
	[ -n "$_last" ] && ! expr "$_last" \< "$2" >/dev/null
}

switch_wal() {
	_seg=$(sql "$1" "select pg_walfile_name(pg_switch_wal())")
	wait_for 60 _archived "$1" "$_seg"
}

batch() {
	sql "$1" "insert into rows (batch) select $2 from generate_series(1, 3)" >/dev/null
	switch_wal "$1"
}

commit_time() {
	sql "$1" "select to_char(max(pg_xact_commit_timestamp(xmin)) at time zone 'UTC',
		'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from rows where batch = $2"
}

between() {
	python3 - "$1" "$2" <<'PY'
import datetime as dt, sys
p = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
a, b = p(sys.argv[1]), p(sys.argv[2])
assert a < b, (a, b)
print((a + (b - a) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
}

after() {
	python3 - "$1" "$2" <<'PY'
import datetime as dt, sys
a = dt.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
print((a + dt.timedelta(seconds=float(sys.argv[2]))).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
}

backup_end() {
	run catalog "$1" --kubeconfig "$S/kubeconfig" -o json
	expect_rc 0
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print([b["endTime"] for b in c["backups"] if b["id"]==sys.argv[2]][0])' \
		"$out" "$2" || fail "no backup $2 in the catalog of $1"
}

recover_and_count() {
	_src=$1
	_new=$2
	_t=$3
	shift 3
	run pitr "$_src" --kubeconfig "$S/kubeconfig" --to "$_t" --name "$_new" --apply --wait \
		--timeout 10m "$@"
	if [ "$rc" -ne 0 ]; then
		k get clusters.postgresql.cnpg.io "$_new" -o yaml 2>&1 | tail -n 20
		fail "pitr $_src --to $_t --name $_new failed ($rc)"
	fi
	_want=$(sql "$(pgdir "$_src")" "select count(*) from rows
		where pg_xact_commit_timestamp(xmin) <= '$_t'")
	_got=$(sql "$(pgdir "$_new")" "select count(*) from rows")
	[ "$_got" = "$_want" ] ||
		fail "$_new recovered to $_t holds $_got rows, want $_want (committed up to the target in $_src)"
	echo "recovered $_new to $_t: $_got rows, as committed in $_src"
}
