# archive-test's checks that need no object-store client: the
# configuration (found, missing ObjectStore, missing Secret key, none at
# all: exit 3), the layout (double nesting), and the endpoint: a refused
# connection, a TLS server signed by an unknown CA, and one whose CA is
# given.  The test API server plays the TLS endpoint.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
kc="--kubeconfig $S/kubeconfig"

# No archive configured at all: exit 3.
cat >"$T/bare.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: bare
spec:
  instances: 1
  storage:
    size: 1Gi
YAML
k create -f "$T/bare.yaml" >/dev/null || fail "create bare"
run archive-test bare $kc
expect_rc 3
expect_err "has no backup archive"

# The plugin's ObjectStore is missing: a failed configuration check.
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
run archive-test app-db $kc
expect_rc 1
expect_out "configuration: objectstore 'default/app-db-store' named by cluster 'default/app-db' not found"

# A Secret without the key the ObjectStore names.
k create -f "$TOP/tests/fixtures/objects/app-db-store.yaml" >/dev/null || fail "create store"
k patch secret app-db-s3 --type=json -p '[{"op":"remove","path":"/data/ACCESS_SECRET_KEY"}]' >/dev/null ||
	fail "remove the key"
run archive-test app-db $kc
expect_rc 1
expect_out "secret 'default/app-db-s3' has no key 'ACCESS_SECRET_KEY'"
expect_out "the secret has the keys: ACCESS_KEY_ID"

# Found, but the endpoint refuses connections.
k delete secret app-db-s3 >/dev/null
k create -f "$TOP/tests/fixtures/objects/app-db-store.yaml" 2>/dev/null >/dev/null || true
run archive-test app-db $kc
expect_rc 1
expect_out "configuration: barman-cloud plugin, ObjectStore 'default/app-db-store', serverName 'app-db'; the archive is s3://backups/prod/app-db/"
expect_out "cannot connect to http://127.0.0.1:9"

# Double nesting, from flags.
run archive-test --destination-path s3://backups/prod/app-db --server-name app-db --endpoint-url http://127.0.0.1:9
expect_rc 1
expect_out "already ends with the serverName"

# A TLS endpoint signed by a CA we were not given: named as unknown CA.
run archive-test --destination-path s3://backups/prod --server-name app-db --endpoint-url "$API" -o json
expect_rc 1
python3 - "$out" <<'PY' || fail "unknown CA not diagnosed"
import json, sys
d = json.load(open(sys.argv[1]))
tls = [c for c in d["checks"] if c["check"] == "tls"][0]
assert tls["status"] == "fail" and "unknown CA" in tls["message"], tls
assert "endpointCA" in tls["fix"], tls
PY

# The same with its CA: the endpoint check passes (credentials are next).
run archive-test --destination-path s3://backups/prod --server-name app-db --endpoint-url "$API" --endpoint-ca "$S/ca.crt"
expect_out "endpoint: $API reachable at 127.0.0.1, TLS verified"
exit 0
