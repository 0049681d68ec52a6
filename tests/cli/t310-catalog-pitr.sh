# The catalog and pitr against a REAL barman-cloud catalog (PostgreSQL 15
# archiving with barman-cloud into moto's S3 on loopback): the catalog
# agrees with barman-cloud-backup-list; pitr picks the backup barman's rule
# picks, refuses targets outside the window (exit 3) and a used archive
# path for --archive; and a recovery to the planned target, done by
# PostgreSQL from the same store, holds exactly the rows committed up to it.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "postgresql-15 is not installed"
command -v barman-cloud-backup >/dev/null 2>&1 || skip "barman-cli-cloud is not installed"
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "the real catalog takes minutes; not a memory test"

cat=$T/cat
chmod 755 "$T"
sh "$TOP/tests/sandbox/make-catalog.sh" "$cat" --backups 2 --batches 4 --rows 3 \
	--prefix backups --server app-db --keep >"$T/make.log" 2>&1 ||
	{ tail -n 30 "$T/make.log"; fail "make-catalog failed"; }
at_exit "sh '$TOP/tests/sandbox/make-catalog.sh' stop '$cat' >/dev/null 2>&1"
j() { python3 -c "import json,sys; d=json.load(open('$cat/scenario.json')); print($1)"; }
endpoint=$(j 'd["endpoint"]')
akid=$(j 'd["access_key_id"]')
secret=$(j 'd["secret_access_key"]')
b1=$(j 'd["backups"][0]["id"]')
b2=$(j 'd["backups"][1]["id"]')
b1_end=$(j 'd["backups"][0]["end_time_rfc3339"]')
b1_begin=$(j 'd["backups"][0]["begin_time_rfc3339"]')

apiserver_start
cat >"$T/objects.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: app-db-s3
stringData:
  ACCESS_KEY_ID: $akid
  ACCESS_SECRET_KEY: $secret
---
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: app-db-store
spec:
  configuration:
    destinationPath: s3://sandbox/backups
    endpointURL: $endpoint
    s3Credentials:
      accessKeyId:
        name: app-db-s3
        key: ACCESS_KEY_ID
      secretAccessKey:
        name: app-db-s3
        key: ACCESS_SECRET_KEY
YAML
k create -f "$T/objects.yaml" >/dev/null || fail "create store"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
kc="--kubeconfig $S/kubeconfig"

# The catalog, as JSON, against barman's own listing of the same store.
run catalog app-db $kc -o json
expect_rc 0
env -i PATH=/usr/bin:/bin HOME="$T" AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" \
	AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	NO_PROXY=127.0.0.1 barman-cloud-backup-list --endpoint-url "$endpoint" --format json \
	s3://sandbox/backups app-db >"$T/barman.json" 2>"$T/barman.err" ||
	{ cat "$T/barman.err"; fail "barman-cloud-backup-list failed"; }
python3 - "$out" "$T/barman.json" "$b1_end" <<'PY' || fail "the catalog disagrees with barman"
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
b = {x["backup_id"]: x for x in theirs["backups_list"]}
o = {x["id"]: x for x in ours["backups"]}
assert set(b) == set(o), (sorted(b), sorted(o))
for i in b:
    assert o[i]["status"] == b[i]["status"], (i, o[i]["status"], b[i]["status"])
    assert o[i]["beginWal"] == b[i]["begin_wal"] and o[i]["endWal"] == b[i]["end_wal"], i
    assert o[i]["timeline"] == b[i]["timeline"], i
assert ours["serverName"] == "app-db" and ours["destinationPath"] == "s3://sandbox/backups"
assert ours["window"]["earliest"] == sys.argv[3], (ours["window"], sys.argv[3])
assert ours["timelines"][0]["gaps"] == [], ours["timelines"]
PY
run catalog app-db $kc
expect_rc 0
expect_out "$b1"
expect_out "$b2"
expect_out "Recoverability window (timeline 1)"

# Targets: between batches 3 and 4 (after backup 2), and between the end
# of backup 1 and batch 2 (before backup 2 ended).
t_late=$(python3 - "$cat/scenario.json" <<'PY'
import json, sys, datetime as dt
d = json.load(open(sys.argv[1]))
p = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
a, b = p(d["batches"][2]["commit_time"]), p(d["batches"][3]["commit_time"])
print((a + (b - a) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
)
t_early=$(python3 - "$cat/scenario.json" <<'PY'
import json, sys, datetime as dt
d = json.load(open(sys.argv[1]))
p = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
a, b = p(d["backups"][0]["end_time_rfc3339"]), p(d["batches"][1]["commit_time"])
print((a + (b - a) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
)
run pitr app-db $kc --to "$t_late" --name app-db-late -o json
expect_rc 0
expect_err "plan: restore backup $b2"
python3 - "$out" "$b2" <<'PY' || fail "the late manifest"
import json, sys
m = json.load(open(sys.argv[1]))
r = m["spec"]["bootstrap"]["recovery"]
assert r["recoveryTarget"]["backupID"] == sys.argv[2], r
assert r["recoveryTarget"]["targetTime"].endswith("+00:00"), r
assert m["spec"]["externalClusters"][0]["plugin"]["parameters"] == {"barmanObjectName": "app-db-store", "serverName": "app-db"}
assert "plugins" not in m["spec"], "the recovery cluster must not archive by default"
PY
run pitr app-db $kc --to "$t_early" --name app-db-early
expect_rc 0
expect_out "backupID: $b1"
cp "$out" "$T/early.yaml"
python3 "$TOP/../shared/tools/crdcheck.py" --crds "$TOP/../shared/crds" "$T/early.yaml" >"$T/crd.out" 2>&1 ||
	{ cat "$T/crd.out"; fail "the pitr manifest does not validate against the CRDs"; }

# Outside the window: refused before anything, with the window.
run pitr app-db $kc --to "$b1_begin" --apply
expect_rc 3
expect_err "$b1_end"
run pitr app-db $kc --to "2099-01-01T00:00:00Z" --apply
expect_rc 3
k get clusters.postgresql.cnpg.io -o name | grep -q pitr && fail "a cluster was created for a refused target"

# --latest pins the newest backup; --archive refuses the source's own path.
run pitr app-db $kc --latest
expect_rc 0
expect_out "backupID: $b2"
run pitr app-db $kc --latest --archive --name app-db
expect_rc 3
expect_err "is not empty"
run pitr app-db $kc --latest --archive --name app-db-new -o json
expect_rc 0
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); p=m["spec"]["plugins"][0]; assert p["isWALArchiver"] and p["parameters"]["serverName"]=="app-db-new", p' "$out" ||
	fail "--archive does not archive under the new name"

# The proof: PostgreSQL recovers the planned backup to the planned target
# from the same store, and holds exactly the rows committed up to it.
want=$(python3 - "$cat/rows.json" "$t_early" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print(sum(1 for r in rows if r["commit_time"] <= sys.argv[2]))
PY
)
sh "$TOP/tests/sandbox/restore.sh" "$T/restored" --from "$cat" --backup "$b1" --target-time "$t_early" \
	>"$T/restore.out" 2>&1 || { tail -n 30 "$T/restore.out"; fail "recovery to the planned target failed"; }
at_exit "sh '$TOP/tests/sandbox/pg.sh' stop '$T/restored' >/dev/null 2>&1"
got=$(sed -n 's/^rows=//p' "$T/restore.out")
[ "$got" = "$want" ] || fail "recovered $got rows, want $want (committed up to $t_early)"
exit 0
