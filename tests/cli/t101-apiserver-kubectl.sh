# The test API server (tests/apiserver) against the real kubectl: discovery,
# get/create/delete of CNPG kinds, schema validation (422 naming the field,
# strict unknown fields), server dry-run, and `kubectl get -w` seeing a
# MODIFIED event.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
F=$TOP/tests/fixtures/apiserver

k get clusters.postgresql.cnpg.io >"$out" 2>"$err" || fail "kubectl get clusters failed"
expect_err "No resources found in default namespace."

k create -f "$F/cluster-valid.yaml" >"$out" 2>"$err" || fail "kubectl create failed"
expect_out "cluster.postgresql.cnpg.io/pg1 created"
k get clusters >"$out" 2>"$err" || fail "kubectl get clusters failed"
expect_out "INSTANCES"
expect_out "pg1"
k get cluster pg1 -o jsonpath='{.spec.instances} {.metadata.uid} {.spec.logLevel}' \
	>"$out" 2>"$err" || fail "kubectl get cluster pg1 failed"
grep -Eq '^3 [0-9a-f-]{36} info$' "$out" || fail "stored Cluster lacks spec, uid or defaults"

# 422 with the field named, as the real server words it
k create -f "$F/cluster-invalid.yaml" >"$out" 2>"$err" && fail "an invalid Cluster was accepted"
expect_err 'The Cluster "pg2" is invalid: spec.instances: Invalid value: 0'
expect_err "greater than or equal to 1"
# kubectl asks for strict field validation: unknown fields are a 400
k create -f "$F/cluster-unknown-field.yaml" >"$out" 2>"$err" && fail "an unknown field was accepted"
expect_err 'strict decoding error: unknown field "spec.instancesTypo"'

# server-side dry run validates but stores nothing
k create -f "$F/backup.yaml" --dry-run=server >"$out" 2>"$err" || fail "dry-run create failed"
expect_out "backup.postgresql.cnpg.io/b1 created (server dry run)"
k get backup b1 >"$out" 2>"$err" && fail "a dry-run Backup was stored"
expect_err 'backups.postgresql.cnpg.io "b1" not found'

# get -w: wait until the watch is established, change the object, see MODIFIED
k get clusters -w --output-watch-events --request-timeout=20s >"$T/watch" 2>"$T/watch.err" &
wpid=$!
at_exit "kill $wpid 2>/dev/null"
watch_started() {
	ctl GET "/_test/requests?verb=watch&resource=clusters" | grep -q '"count": [1-9]'
}
wait_for 10 watch_started
k label cluster pg1 tier=gold >"$out" 2>"$err" || fail "kubectl label failed"
saw_modified() { grep -q '^MODIFIED *pg1' "$T/watch"; }
wait_for 10 saw_modified
grep -q '^ADDED *pg1' "$T/watch" || fail "the watch missed the initial ADDED row"
kill $wpid 2>/dev/null

k get clusters -l tier=gold -o name >"$out" 2>"$err" || fail "label selector list failed"
expect_out "cluster.postgresql.cnpg.io/pg1"
k get clusters -l 'tier notin (gold)' -o name >"$out" 2>"$err" || fail "notin list failed"
expect_no_out

k delete cluster pg1 >"$out" 2>"$err" || fail "kubectl delete failed"
expect_out 'cluster.postgresql.cnpg.io "pg1" deleted'
k get clusters -o name >"$out" 2>"$err" || fail "kubectl get after delete failed"
expect_no_out

# typed clients post protobuf; namespaces gate namespaced writes
k create namespace team-a >"$out" 2>"$err" || fail "kubectl create namespace failed"
k -n team-a create secret generic s3-creds --from-literal=ACCESS_KEY_ID=abc \
	>"$out" 2>"$err" || fail "kubectl create secret failed"
k -n team-a get secret s3-creds -o jsonpath='{.type} {.data.ACCESS_KEY_ID}' >"$out" 2>"$err"
expect_out "Opaque YWJj"
k -n nowhere create -f "$F/cluster-valid.yaml" >"$out" 2>"$err" && fail "created into a missing namespace"
expect_err 'namespaces "nowhere" not found'
exit 0
