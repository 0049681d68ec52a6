# drill, on the real simulation: a drill that passes (a real recovery of
# the real backup, timed, the drill cluster deleted after), an interrupted
# drill cleaned up by the next one, a drill that must fail because the base
# backup's data is gone from the store (the recovery itself fails), and one
# that must fail because a WAL segment is gone (refused before anything is
# created); --print-cronjob with a five-field schedule.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "real recoveries take minutes; not a memory test"
. "$TOP/tests/cli/realsim.sh"

realsim_start
kc="--kubeconfig $S/kubeconfig"
realsim_cluster app-db s3://sandbox/prod
src=$(pgdir app-db)
sql "$src" "create table rows (id serial primary key, batch int not null)"
batch "$src" 1
# doctor reads the catalog: no base backup yet is critical
run doctor app-db $kc
expect_rc 2
expect_out "catalog: no completed base backup in s3://sandbox/prod/app-db/"
run backup now app-db $kc --wait --timeout 5m
expect_rc 0
batch "$src" 2
run doctor app-db $kc -o json
python3 - "$out" <<'PY' || fail "doctor with a good catalog"
import json, sys
f = json.load(open(sys.argv[1]))["clusters"][0]["findings"]
cat = [x for x in f if x["check"] == "catalog"]
assert cat and cat[0]["severity"] == "ok" and "1 completed backup(s); recoverable from" in cat[0]["message"], f
assert not [x for x in f if x["check"] in ("wal-gap", "wal-age", "lifecycle")], f
PY
# an S3 lifecycle rule that expires the archive: a warning without a
# retention policy, critical within it
lifecycle() {
	AWS_ACCESS_KEY_ID=AKIAREALSIMTEST00001 AWS_SECRET_ACCESS_KEY=realsim-secret-not-real \
		python3 - "$ENDPOINT" "$1" <<'PY'
import boto3, sys
c = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
if sys.argv[2] == "none":
    c.delete_bucket_lifecycle(Bucket="sandbox")
else:
    c.put_bucket_lifecycle_configuration(Bucket="sandbox", LifecycleConfiguration={"Rules": [
        {"ID": "cheap-storage", "Filter": {"Prefix": "prod/"}, "Status": "Enabled",
         "Expiration": {"Days": int(sys.argv[2])}}]})
PY
}
lifecycle 7 || fail "put the lifecycle rule"
run doctor app-db $kc
expect_out "warning  lifecycle: lifecycle rule 'cheap-storage' (prefix 'prod/') deletes objects under s3://sandbox/prod/app-db/ after 7 days"
k patch objectstores.barmancloud.cnpg.io app-db-store --type merge -p '{"spec":{"retentionPolicy":"30d"}}' >/dev/null ||
	fail "set the retention policy"
run doctor app-db $kc
expect_rc 2
expect_out "critical lifecycle: lifecycle rule 'cheap-storage' (prefix 'prod/') deletes objects under s3://sandbox/prod/app-db/ after 7 days, within the retention policy (30d)"
lifecycle 60 || fail "put a longer lifecycle rule"
run doctor app-db $kc -o json
grep -q '"lifecycle"' "$out" && fail "a rule longer than the retention policy was flagged"
lifecycle none || fail "delete the lifecycle rules"

# a new cluster pointed at app-db's path cannot bootstrap; archive-test says why
cat >"$T/reuse.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: app-db-reuse
spec:
  instances: 1
  storage: {size: 1Gi}
  plugins:
    - name: barman-cloud.cloudnative-pg.io
      isWALArchiver: true
      parameters: {barmanObjectName: app-db-store, serverName: app-db}
YAML
k create -f "$T/reuse.yaml" >/dev/null || fail "create app-db-reuse"
run archive-test app-db-reuse $kc
expect_rc 1
expect_out "fail bootstrap: the cluster is bootstrapping but the archive path for serverName 'app-db'"
expect_out "fix: give the cluster a serverName whose path is empty"
k delete clusters.postgresql.cnpg.io app-db-reuse >/dev/null || fail "delete app-db-reuse"
drills() { k get clusters.postgresql.cnpg.io -l cnpgops.io/drill-of=app-db -o name | wc -l; }
s3() {
	AWS_ACCESS_KEY_ID=AKIAREALSIMTEST00001 AWS_SECRET_ACCESS_KEY=realsim-secret-not-real \
		python3 - "$ENDPOINT" "$@" <<'PY'
import boto3, sys
c = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
keys = [o["Key"] for p in c.get_paginator("list_objects_v2").paginate(
    Bucket="sandbox", Prefix="prod/app-db/") for o in p.get("Contents", [])]
if sys.argv[2] == "drop-base-data":
    gone = [k for k in keys if "/base/" in k and not k.endswith("/backup.info")]
else:  # drop-wal SEGMENT: that segment (the backup's own end WAL: a gap
    # that no timing can move)
    gone = [k for k in keys if "/wals/" in k and "/" + sys.argv[3] in k
            and ".backup" not in k and ".history" not in k]
assert gone, keys
for k in gone:
    c.delete_object(Bucket="sandbox", Key=k)
print("\n".join(gone))
PY
}

# --print-cronjob: a CronJob's schedule has five fields
run drill app-db $kc --print-cronjob --schedule '0 0 4 * * 0'
expect_rc 2
expect_err "five fields"
run drill app-db $kc --print-cronjob --schedule '0 4 * * 0'
expect_rc 0
python3 - "$out" <<'PY' || fail "the CronJob manifests"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = [d["kind"] for d in docs]
assert kinds == ["ServiceAccount", "Role", "RoleBinding", "CronJob"], kinds
cj = docs[3]["spec"]
assert cj["schedule"] == "0 4 * * 0" and cj["concurrencyPolicy"] == "Forbid", cj
args = cj["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
assert args[:2] == ["drill", "app-db"] and "json" in args, args
verbs = {r["resources"][0]: r["verbs"] for r in docs[1]["rules"]}
assert set(verbs["clusters"]) == {"get", "list", "create", "delete"}, verbs
PY

# a drill that passes: recovered, healthy, timed, checked with SQL, deleted
run drill app-db $kc -o json --timeout 5m --check-sql 'select id from rows' --expect-rows 6 \
	--check-sql 'select count(*) from rows where batch = 2'
expect_rc 0
python3 - "$out" <<'PY' || fail "the drill record"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "passed" and r["reason"] is None, r
c = r["checks"]
assert [x["passed"] for x in c] == [True, True], c
assert c[0]["rows"] == 6 and c[0]["expectedRows"] == 6, c
assert c[1]["output"] == "3" and c[1]["expectedRows"] is None, c
assert r["backupId"] and r["target"] == "latest", r
assert r["secondsToHealthy"] > 0 and r["secondsToFirstReady"] <= r["secondsToHealthy"], r
assert r["drillCluster"] == "app-db-drill" and r["kept"] is False, r
PY
[ "$(drills)" = 0 ] || fail "the drill cluster was not deleted"

[ "$(k get jobs.batch -o name | wc -l)" = 0 ] || fail "a check job was left behind"

# an interrupted drill is cleaned up by the next one (which fails a check)
export CNPGOPS_TEST_CRASH_AFTER=create
run drill app-db $kc --timeout 5m
unset CNPGOPS_TEST_CRASH_AFTER
expect_rc 137
[ "$(drills)" = 1 ] || fail "the interrupted drill left no cluster to clean up"
run drill app-db $kc --timeout 5m --check-sql 'select id from rows' --expect-rows 7
expect_rc 1
expect_err "removed the drill cluster 'default/app-db-drill' an interrupted drill left behind"
expect_out "drill of default/app-db: FAILED"
expect_out "check 1 returned 6 rows, not 7"
[ "$(drills)" = 0 ] || fail "a drill cluster is left"

# the base backup's data is gone: the catalog still lists it, the recovery fails
s3 drop-base-data >"$T/dropped" || fail "drop the base backup data"
run drill app-db $kc --timeout 5m
expect_rc 1
expect_out "FAILED"
expect_out "the recovery failed"
[ "$(drills)" = 0 ] || fail "the failed drill's cluster was not deleted"

# a WAL segment is gone: refused before anything is created
end_wal=$(k get backups.postgresql.cnpg.io -o jsonpath='{.items[0].status.endWal}')
[ -n "$end_wal" ] || fail "no endWal on the backup"
s3 drop-wal "$end_wal" >"$T/dropped" || fail "drop the backup's end WAL segment"
run drill app-db $kc -o json --timeout 5m
expect_rc 1
python3 - "$out" <<'PY' || fail "the refused drill's record"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "failed" and "no cluster was created" in r["reason"], r
PY
[ "$(drills)" = 0 ] || fail "a refused drill created a cluster"
# and doctor names the gap
run doctor app-db $kc
expect_rc 2
expect_out "wal-gap: a recovery to the end of the archive is impossible"
expect_out "$end_wal"
exit 0
