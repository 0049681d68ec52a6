# recreate, on the real simulation (real PostgreSQL, real barman-cloud
# backups into moto, real recovery): refusals that leave the cluster alone
# (GitOps owner, no terminal and no --yes, an unverifiable backup, a backup
# that fails); a dry run that changes nothing; then the real procedure,
# killed after every step and failed by an injected API error in every step
# that calls the API, each time resumed from its journal, until the
# recovered cluster holds the same rows as before, archives under a new
# serverName, and its ScheduledBackups are as they were.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "real backups and recoveries take minutes; not a memory test"
. "$TOP/tests/cli/realsim.sh"

realsim_start
kc="--kubeconfig $S/kubeconfig"
realsim_cluster app-db s3://sandbox/prod
cat >"$T/sched.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: app-db-daily
spec:
  schedule: "0 0 3 * * *"
  cluster: {name: app-db}
  method: plugin
  pluginConfiguration: {name: barman-cloud.cloudnative-pg.io}
---
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: app-db-paused
spec:
  schedule: "0 0 4 * * *"
  suspend: true
  cluster: {name: app-db}
  method: plugin
  pluginConfiguration: {name: barman-cloud.cloudnative-pg.io}
YAML
k create -f "$T/sched.yaml" >/dev/null || fail "create the ScheduledBackups"
src=$(pgdir app-db)
sql "$src" "create table rows (id serial primary key, batch int not null)"
batch "$src" 1
batch "$src" 2
uid0=$(k get clusters.postgresql.cnpg.io app-db -o jsonpath='{.metadata.uid}')
backups() { k get backups.postgresql.cnpg.io -o name | wc -l; }
same_cluster() {
	[ "$(k get clusters.postgresql.cnpg.io app-db -o jsonpath='{.metadata.uid}')" = "$uid0" ] ||
		fail "the cluster was replaced: $1"
	healthy app-db || fail "the cluster is not healthy: $1"
}

# --- refusals ---------------------------------------------------------------
# a GitOps-owned cluster
k label clusters.postgresql.cnpg.io app-db kustomize.toolkit.fluxcd.io/name=apps >/dev/null
run recreate app-db $kc --bootstrap recovery --yes --state-dir "$T/s-gitops"
expect_rc 3
expect_err "managed by Flux (kustomize.toolkit.fluxcd.io/name)"
expect_err "--dry-run=client -o yaml"
k label clusters.postgresql.cnpg.io app-db kustomize.toolkit.fluxcd.io/name- >/dev/null
same_cluster "after the GitOps refusal"
run recreate app-db $kc --bootstrap recovery --dry-run=client --state-dir "$T/s-dry"
expect_rc 3
expect_err "dry run: no backup is taken, and none stands in for it"

# an unverifiable --backup-id
run recreate app-db $kc --bootstrap recovery --backup-id 20990101T000000 --yes --state-dir "$T/s-badid"
[ "$rc" -ne 0 ] || fail "recreate went on with a backup that is not in the catalog"
expect_err "step 4/10 (backup)"
expect_err "20990101T000000"
expect_err "nothing was deleted"
same_cluster "after an unverifiable backup"

# a backup that fails (PostgreSQL is down while barman-cloud-backup runs)
sh "$TOP/tests/sandbox/pg.sh" stop "$src" >/dev/null || fail "stop postgres"
run recreate app-db $kc --bootstrap recovery --yes --timeout 3m --state-dir "$T/s-failed"
[ "$rc" -ne 0 ] || fail "recreate went on after a failed backup"
expect_err "step 4/10 (backup)"
expect_err "failed"
sh "$TOP/tests/sandbox/pg.sh" start "$src" >/dev/null || fail "start postgres"
same_cluster "after a failed backup"

# no terminal and no --yes: stops at the confirmation, with the way on
run recreate app-db $kc --bootstrap recovery --state-dir "$T/s-noyes"
expect_rc 3
expect_err "not confirmed: stdin is not a terminal"
expect_err "recreate --resume $T/s-noyes --yes"
expect_err "+      serverName: app-db-r1"
same_cluster "after a refused confirmation"

# the dry run (the backup of s-noyes stands in) prints the manifest to commit, and changes nothing
n0=$(backups)
run recreate app-db $kc --bootstrap recovery --dry-run=client -o yaml --state-dir "$T/s-dry"
expect_rc 0
expect_out "serverName: app-db-r1"
expect_out "source: app-db-origin"
expect_err "--- cluster (now)"
[ ! -e "$T/s-dry" ] || fail "the dry run wrote a state directory"
[ "$(backups)" = "$n0" ] || fail "the dry run took a backup"
python3 - "$out" <<'PY' || fail "the dry-run manifest"
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
r = m["spec"]["bootstrap"]["recovery"]
assert r["source"] == "app-db-origin" and r["recoveryTarget"]["backupID"], r
ext = {e["name"]: e for e in m["spec"]["externalClusters"]}
assert ext["app-db-origin"]["plugin"]["parameters"] == {"barmanObjectName": "app-db-store", "serverName": "app-db"}, ext
assert m["spec"]["plugins"][0]["parameters"]["serverName"] == "app-db-r1"
assert "uid" not in m["metadata"] and "status" not in m
PY
cp "$out" "$T/dry.yaml"
python3 "$TOP/../shared/tools/crdcheck.py" --crds "$TOP/../shared/crds" "$T/dry.yaml" >"$T/crd.out" 2>&1 ||
	{ cat "$T/crd.out"; fail "the recreate manifest does not validate against the CRDs"; }

# --- the procedure, killed after each step and failed inside each one -------
want=$(sql "$src" "select count(*) from rows")
[ "$want" = 6 ] || fail "the source holds $want rows, want 6"
fault() {
	ctl POST /_test/faults "{\"verb\":\"$1\",\"resource\":\"$2\",\"namespace\":\"default\",\"count\":1,\"status\":403,\"message\":\"injected by t330\"}" >/dev/null
}
state=$T/state
first=1
for step in save gitops preflight backup build confirm suspend delete create restore; do
	case $step in
	save | preflight) fault get clusters ;;
	backup) fault create backups ;;
	build | create) fault create clusters ;;
	suspend | restore) fault patch scheduledbackups ;;
	delete) fault delete clusters ;;
	*) ctl DELETE /_test/faults >/dev/null ;;
	esac
	if [ "$step" != gitops ] && [ "$step" != confirm ]; then
		if [ $first = 1 ]; then
			run recreate app-db $kc --bootstrap recovery --yes --timeout 5m --state-dir "$state"
		else
			run recreate $kc --resume "$state" --yes --timeout 5m
		fi
		first=0
		[ "$rc" -ne 0 ] || fail "an API error in step $step did not stop recreate"
		expect_err "($step)"
		expect_err "injected by t330"
		case $step in
		create) expect_err "is deleted and its backup" ;;
		restore) expect_err "is created; finish" ;;
		*) expect_err "recreate --resume $state"; same_cluster "after an API error in $step" ;;
		esac
	fi
	ctl DELETE /_test/faults >/dev/null
	export CNPGOPS_TEST_CRASH_AFTER=$step
	if [ $first = 1 ]; then
		run recreate app-db $kc --bootstrap recovery --yes --timeout 5m --state-dir "$state"
	else
		run recreate $kc --resume "$state" --yes --timeout 5m
	fi
	unset CNPGOPS_TEST_CRASH_AFTER
	first=0
	expect_rc 137
	grep -q "\"step\":\"$step\",\"event\":\"done\"" "$state/journal.jsonl" ||
		fail "the journal has no done record for $step"
	case $step in
	save | gitops | preflight | backup | build | confirm | suspend) same_cluster "after a crash after $step" ;;
	esac
done
run recreate $kc --resume "$state" --yes --wait --timeout 5m -o json
expect_rc 0
python3 - "$out" <<'PY' || fail "the report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["cluster"] == "app-db" and r["serverName"] == "app-db-r1", r
assert r["previousServerName"] == "app-db" and r["backupId"], r
PY
backup_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backupId"])' "$out")

# the same rows, a new cluster archiving under app-db-r1
uid1=$(k get clusters.postgresql.cnpg.io app-db -o jsonpath='{.metadata.uid}')
[ "$uid1" != "$uid0" ] || fail "the cluster was not recreated"
got=$(sql "$(pgdir app-db)" "select count(*) from rows")
[ "$got" = "$want" ] || fail "the recreated cluster holds $got rows, want $want"
[ "$(k get clusters.postgresql.cnpg.io app-db -o jsonpath='{.metadata.annotations.cnpgops\.io/backup-id}')" = "$backup_id" ] ||
	fail "the new cluster does not name its backup"
[ "$(k get scheduledbackups.postgresql.cnpg.io app-db-daily -o jsonpath='{.spec.suspend}')" = false ] ||
	fail "app-db-daily was not resumed"
[ "$(k get scheduledbackups.postgresql.cnpg.io app-db-paused -o jsonpath='{.spec.suspend}')" = true ] ||
	fail "app-db-paused should stay suspended"
for f in cluster.yaml scheduledbackups.yaml objectstore.yaml new-cluster.yaml plan.json; do
	[ -s "$state/$f" ] || fail "the state directory lacks $f"
done
grep -q "uid:" "$state/cluster.yaml" && fail "the saved manifest keeps the uid"
grep -rqF "realsim-secret-not-real" "$state" && fail "a credential was written into the state directory"
[ "$(stat -c %a "$state")" = 700 ] || fail "the state directory is not private"
grep -q "app-db-paused" "$state/scheduledbackups.yaml" || fail "scheduledbackups.yaml"
run catalog app-db $kc -o json
expect_rc 0
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["serverName"]=="app-db-r1", c["serverName"]' "$out" ||
	fail "the new cluster's catalog is not under app-db-r1"

# the saved manifest is re-appliable as it is
k create --dry-run=server -f "$state/cluster.yaml" >/dev/null 2>"$T/apply.err" &&
	fail "a dry-run create of the saved manifest should say AlreadyExists"
grep -q "already exists" "$T/apply.err" || { cat "$T/apply.err"; fail "the saved manifest does not validate"; }

# once more, as a new empty database: counts on to app-db-r2
sql "$(pgdir app-db)" "select pg_switch_wal()" >/dev/null
run recreate app-db $kc --bootstrap initdb --yes --wait --timeout 5m --state-dir "$T/s-initdb"
expect_rc 0
expect_out "serverName:    app-db-r2 (was app-db-r1)"
[ "$(sql "$(pgdir app-db)" "select to_regclass('rows') is null")" = t ] ||
	fail "--bootstrap initdb kept the old data"
exit 0
