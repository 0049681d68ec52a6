# Azure Blob Storage, against Azurite (Microsoft's emulator, strict Shared
# Key and SAS checks; tests/azure): a real barman-cloud catalog written into
# moto's S3 (tests/sandbox) is copied into a container.
# - catalog reads the same backups, timelines, WAL ranges, last commits
#   (the WAL streamed from Azure and decoded) and window as from S3 (the
#   archive times are the copy's);
# - through the cluster (azureCredentials.connectionString in a Secret)
#   pitr plans the same recovery as from S3, archive-test --write passes
#   and leaves nothing behind, doctor says where Azure keeps lifecycle
#   rules;
# - a SAS token without list permission is refused with the sp= to use.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "the real catalog takes minutes; not a memory test"
. "$TOP/tests/azure/lib.sh"

real_catalog "$T/cat" --backups 2 --batches 4 --rows 2 --prefix backups --server app-db
# the archive holds still from here (PostgreSQL's checkpoints would add WAL)
sh "$TOP/tests/sandbox/pg.sh" stop "$cat/pg" >/dev/null 2>&1 || fail "stop PostgreSQL"
b2=$(j 'd["backups"][1]["id"]')

start_azurite
env AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null NO_PROXY=127.0.0.1 \
	python3 "$TOP/tests/azure/azblob.py" --endpoint "$url" --account pgacct --key "$KEY" \
	copy-from-s3 --s3-endpoint "$endpoint" --bucket sandbox --prefix backups/ \
	--container pg-backups --create-container >"$T/copy.log" 2>&1 ||
	fail "copying the catalog to Azure: $(tail -n 5 "$T/copy.log")"
CS="DefaultEndpointsProtocol=http;AccountName=pgacct;AccountKey=$KEY;BlobEndpoint=$url/pgacct;"
DEST=$url/pgacct/pg-backups/backups
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
unset AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_ACCOUNT AZURE_STORAGE_KEY AZURE_STORAGE_SAS_TOKEN

# 1. the same catalog as from S3
AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	"$CNPGOPS_BIN" catalog --destination-path s3://sandbox/backups --server-name app-db \
	--endpoint-url "$endpoint" -o json >"$T/s3.json" 2>"$T/s3.err" || fail "catalog from S3: $(cat "$T/s3.err")"
AZURE_STORAGE_CONNECTION_STRING=$CS run catalog --destination-path "$DEST" --server-name app-db -o json
expect_rc 0
python3 - "$T/s3.json" "$out" "$DEST" <<'PY' || fail "the Azure catalog differs from the S3 one"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert b["destinationPath"] == sys.argv[3], b["destinationPath"]
for k in ("backups", "timelines", "warnings"):
    assert a[k] == b[k], (k, a[k], b[k])
# the archive times are the copy's; the last commit is the WAL's own
wa, wb = dict(a["window"]), dict(b["window"])
for w in (wa, wb):
    del w["latestArchived"]
assert wa == wb, (wa, wb)
assert wb["latestCommit"]["xid"] > 0 and wb["latestIsUpperBound"] is False, wb
PY

# 2. through the cluster: the connection string in a Secret
apiserver_start
kc="--kubeconfig $S/kubeconfig"
k create secret generic azure-cs --from-literal=cs="$CS" >/dev/null || fail "create secret"
cat >"$T/objects.yaml" <<YAML
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: app-db-store
spec:
  configuration:
    destinationPath: $DEST
    azureCredentials:
      connectionString:
        name: azure-cs
        key: cs
YAML
k create -f "$T/objects.yaml" >/dev/null || fail "create store"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
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
run pitr app-db $kc --to "$t_34" --name app-db-az --explain
expect_rc 0
expect_out "plan: restore backup $b2"
expect_out "last transaction kept: xid"
expect_out "recovery stops before: xid"
run archive-test app-db $kc --write -o json
expect_rc 0
python3 - "$out" <<'PY' || fail "archive-test on Azure: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
st = {c["check"]: c for c in d["checks"]}
assert d["result"] == "pass", d
assert "List Blobs works" in st["credentials"]["message"], st["credentials"]
assert "the connection string of the azureCredentials Secret (account 'pgacct')" in st["credentials"]["message"], st["credentials"]
assert st["write"]["status"] == "ok", st
PY
az list pg-backups --prefix backups/app-db/ >"$T/after.txt" || fail "list the container"
grep -q cnpgops-probe "$T/after.txt" && fail "the probe blob was left behind"
run doctor app-db $kc -o json
python3 - "$out" <<'PY' || fail "doctor on Azure: $(cat "$out")"
import json, sys
f = {x["check"]: x for x in json.load(open(sys.argv[1]))["clusters"][0]["findings"]}
assert "az storage account management-policy show" in f["lifecycle"]["message"], f
assert f["catalog"]["severity"] == "ok", f["catalog"]
PY

# 3. a SAS token that may read but not list
sas=$(az sas container pg-backups --permissions r) || fail "make a SAS token"
k create secret generic azure-sas --from-literal=account=pgacct --from-literal=sas="$sas" >/dev/null ||
	fail "create the SAS secret"
k patch objectstores.barmancloud.cnpg.io app-db-store --type json -p '[{"op":"replace","path":"/spec/configuration/azureCredentials","value":{"storageAccount":{"name":"azure-sas","key":"account"},"storageSasToken":{"name":"azure-sas","key":"sas"}}}]' >/dev/null ||
	fail "patch the store to the SAS"
run archive-test app-db $kc
expect_rc 1
expect_out "a SAS token for account 'pgacct' (the azureCredentials Secret) may not do this (AuthorizationPermissionMismatch)"
expect_out "the SAS token allows sp=r: make one with read and list (sp=rl"
grep -q "sig=" "$out" && fail "the SAS signature was printed"
exit 0
