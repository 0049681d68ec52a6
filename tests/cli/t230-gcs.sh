# Google Cloud Storage, against tests/gcs/fake_gcs.py (the JSON API and
# Google's OAuth 2.0 token endpoint on loopback, checking the JWT's RS256
# signature against the service account's public key): a real barman-cloud
# catalog written into moto's S3 (tests/sandbox) is copied into it, names,
# bytes and times kept.
# - catalog reads the same backups, timelines, WAL ranges, last commits
#   (the WAL streamed from GCS and decoded) and window as from S3, with one
#   token for the whole run (t231 tests the credentials themselves);
# - through the cluster (googleCredentials.applicationCredentials in a
#   Secret) pitr plans the same recovery as from S3, archive-test --write
#   passes and leaves nothing behind, doctor reads the bucket's lifecycle
#   rules, and a clone into another namespace copies the key's Secret;
# - an identity without a role on the bucket is refused with the role to
#   grant, and with gkeEnvironment archive-test explains both halves of the
#   Workload Identity binding.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "the real catalog takes minutes; not a memory test"

real_catalog "$T/cat" --backups 2 --batches 4 --rows 2 --prefix backups --server app-db
# the archive holds still from here (PostgreSQL's checkpoints would add WAL)
sh "$TOP/tests/sandbox/pg.sh" stop "$cat/pg" >/dev/null 2>&1 || fail "stop PostgreSQL"
b2=$(j 'd["backups"][1]["id"]')

# the fake GCS, a bucket, three identities
G=$T/gcs
mkdir -p "$G"
cat >"$G/config.json" <<'JSON'
{"buckets": {"pg-backups": {"lifecycle": {"rule": [
  {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"}, "condition": {"age": 1}},
  {"action": {"type": "Delete"}, "condition": {"age": 7, "matchesPrefix": ["backups/"]}}]}}}}
JSON
url=$(sh "$TOP/tests/gcs/gcs.sh" start "$G" "$G/config.json") || fail "fake_gcs did not start: $(cat "$G/gcs.log")"
at_exit "sh '$TOP/tests/gcs/gcs.sh' stop '$G'"
for who in admin nobody; do
	sh "$TOP/tests/gcs/gcs.sh" keygen "$G/$who" "$who@proj.iam.gserviceaccount.com" "$url/token" >/dev/null ||
		fail "keygen $who"
done
sh "$TOP/tests/gcs/gcs.sh" register "$G" "$G/admin" \
	'{"pg-backups": ["roles/storage.objectAdmin", "roles/storage.legacyBucketReader"]}' >/dev/null ||
	fail "register admin"
sh "$TOP/tests/gcs/gcs.sh" register "$G" "$G/nobody" '{}' >/dev/null || fail "register nobody"
n=$(env AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null NO_PROXY=127.0.0.1 \
	python3 "$TOP/tests/gcs/copy_from_s3.py" "$endpoint" sandbox backups/ "$url" pg-backups) ||
	fail "copying the catalog to GCS"
[ "$n" -gt 10 ] || fail "only $n objects copied"
count() { curl -s "$url/_fake/count"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

export STORAGE_EMULATOR_HOST="$url" NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export CLOUDSDK_CONFIG=$T/no-gcloud
unset GOOGLE_APPLICATION_CREDENTIALS
gac() { GOOGLE_APPLICATION_CREDENTIALS=$1; export GOOGLE_APPLICATION_CREDENTIALS; }

# 1. the same catalog as from S3
AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	"$CNPGOPS_BIN" catalog --destination-path s3://sandbox/backups --server-name app-db \
	--endpoint-url "$endpoint" -o json >"$T/s3.json" 2>"$T/s3.err" || fail "catalog from S3: $(cat "$T/s3.err")"
gac "$G/admin/sa.json"
count >/dev/null
run catalog --destination-path gs://pg-backups/backups --server-name app-db -o json
expect_rc 0
c=$(count)
[ "$(field "$c" tokens)" = 1 ] || fail "one token for the whole run, not: $c"
python3 - "$T/s3.json" "$out" <<'PY' || fail "the GCS catalog differs from the S3 one"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert b["destinationPath"] == "gs://pg-backups/backups", b["destinationPath"]
for k in ("backups", "timelines", "window", "warnings"):
    assert a[k] == b[k], (k, a[k], b[k])
assert b["window"]["latestCommit"]["xid"] > 0, b["window"]
PY
run catalog --destination-path gs://pg-backups/backups --server-name app-db
expect_out "archive: gs://pg-backups/backups/app-db/"

# 2. through the cluster: the key in a Secret
apiserver_start
kc="--kubeconfig $S/kubeconfig"
k create secret generic gcs-key --from-file=key.json="$G/admin/sa.json" >/dev/null || fail "create secret"
cat >"$T/objects.yaml" <<YAML
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: app-db-store
spec:
  configuration:
    destinationPath: gs://pg-backups/backups
    googleCredentials:
      applicationCredentials:
        name: gcs-key
        key: key.json
YAML
k create -f "$T/objects.yaml" >/dev/null || fail "create store"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
# running (not bootstrapping into the used path)
k get clusters.postgresql.cnpg.io app-db -o json | python3 -c '
import json, sys
c = json.load(sys.stdin)
c["status"] = {"phase": "Cluster in healthy state", "readyInstances": 3, "instances": 3}
print(json.dumps(c))' >"$T/running.json"
ctl PUT /_test/objects "$(cat "$T/running.json")" >/dev/null
t_34=$(python3 - "$cat/scenario.json" <<'PY'
import json, sys, datetime as dt
d = json.load(open(sys.argv[1]))
p = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
a, b = p(d["batches"][2]["commit_time"]), p(d["batches"][3]["commit_time"])
print((a + (b - a) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
)
run pitr app-db $kc --to "$t_34" --name app-db-gcs --explain
expect_rc 0
expect_out "plan: restore backup $b2"
expect_out "last transaction kept: xid"
expect_out "recovery stops before: xid"
run pitr app-db $kc --to "$t_34" --name app-db-gcs -o json
expect_rc 0
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); e=m["spec"]["externalClusters"][0]["plugin"]["parameters"]; assert e=={"barmanObjectName":"app-db-store","serverName":"app-db"}, e' "$out" ||
	fail "the recovery manifest's externalCluster"
# a clone in another namespace: the key file's Secret is copied and the
# new ObjectStore names the copy
run clone app-db $kc --name app-db-dev --target-namespace dev --credentials copy -o json
expect_rc 0
expect_err "copying the keys of secret 'default/gcs-key' to 'dev/app-db-dev-gcs-key'"
python3 - "$out" <<'PY' || fail "the clone's objects: $(head -c 1500 "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
items = d["items"] if "items" in d else [d]
kinds = {(i["kind"], i["metadata"]["name"]): i for i in items}
sec = kinds[("Secret", "app-db-dev-gcs-key")]
assert sec["metadata"]["namespace"] == "dev" and "key.json" in sec["data"], sec["metadata"]
os_ = [i for i in items if i["kind"] == "ObjectStore"][0]
gc = os_["spec"]["configuration"]["googleCredentials"]["applicationCredentials"]
assert gc == {"name": "app-db-dev-gcs-key", "key": "key.json"}, gc
assert os_["spec"]["configuration"]["destinationPath"] == "gs://pg-backups/backups", os_
PY
run archive-test app-db $kc --write -o json
expect_rc 0
python3 - "$out" <<'PY' || fail "archive-test on GCS: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
st = {c["check"]: c for c in d["checks"]}
assert d["result"] == "pass", d
assert "storage.objects.list works" in st["credentials"]["message"], st["credentials"]
assert "service account 'admin@proj.iam.gserviceaccount.com'" in st["credentials"]["message"], st["credentials"]
assert st["write"]["status"] == "ok", st
PY
n_probe=$(curl -s "$url/_fake/requests" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if "cnpgops-probe" in r.get("path", "") + r.get("query", "")))')
[ "$n_probe" -ge 3 ] || fail "the write probe was not written, read and deleted ($n_probe requests)"
run catalog --destination-path gs://pg-backups/backups --server-name app-db --no-wal-decode -o json
grep -q cnpgops-probe "$out" && fail "the probe object was left behind"

# the bucket's lifecycle: a Delete rule after 7 days (doctor reads the
# bucket's metadata); the storage-class rule deletes nothing
run doctor app-db $kc -o json
python3 - "$out" <<'PY' || fail "doctor on the GCS lifecycle: $(cat "$out")"
import json, sys
f = [x for x in json.load(open(sys.argv[1]))["clusters"][0]["findings"] if x["check"] == "lifecycle"]
assert len(f) == 1 and f[0]["severity"] == "warning", f
assert "prefix 'backups/'" in f[0]["message"] and "after 7 days" in f[0]["message"], f
PY
k patch objectstores.barmancloud.cnpg.io app-db-store --type merge -p '{"spec":{"retentionPolicy":"30d"}}' >/dev/null ||
	fail "set the retention policy"
run doctor app-db $kc
expect_out "critical lifecycle: lifecycle rule 'rule 2' (prefix 'backups/') deletes objects under gs://pg-backups/backups/app-db/ after 7 days, within the retention policy (30d)"

# 3. no role on the bucket: refused with the role to grant
k create secret generic gcs-nobody --from-file=key.json="$G/nobody/sa.json" >/dev/null || fail "create secret"
k patch objectstores.barmancloud.cnpg.io app-db-store --type merge \
	-p '{"spec":{"configuration":{"googleCredentials":{"applicationCredentials":{"name":"gcs-nobody"}}}}}' >/dev/null ||
	fail "patch the store"
run archive-test app-db $kc
expect_rc 1
expect_out "access denied for service account 'nobody@proj.iam.gserviceaccount.com'"
expect_out "grant roles/storage.objectViewer (storage.objects.list) on gs://pg-backups"

# 4. gkeEnvironment: the local identity is used, and a 403 explains the
# Workload Identity binding
k patch objectstores.barmancloud.cnpg.io app-db-store --type json \
	-p '[{"op":"replace","path":"/spec/configuration/googleCredentials","value":{"gkeEnvironment":true}}]' >/dev/null ||
	fail "patch the store to gkeEnvironment"
gac "$G/nobody/sa.json"
run archive-test app-db $kc -o json
expect_rc 1
python3 - "$out" <<'PY' || fail "the Workload Identity explanation: $(cat "$out")"
import json, sys
st = {c["check"]: c for c in json.load(open(sys.argv[1]))["checks"]}
assert "GKE Workload Identity" in st["identity"]["message"], st["identity"]
assert "google-cloud-storage" in st["identity"]["fix"], st["identity"]
assert st["credentials"]["status"] == "fail", st["credentials"]
wi = st["workload-identity"]["message"]
assert "iam.gke.io/gcp-service-account" in wi and "default/app-db" in wi, wi
assert "roles/iam.workloadIdentityUser" in wi and "PROJECT.svc.id.goog[default/app-db]" in wi, wi
PY
gac "$G/admin/sa.json"
run archive-test app-db $kc
expect_rc 0
expect_out "the local identity"
exit 0
