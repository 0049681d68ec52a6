# The Kubernetes client as a user meets it: -v shows requests but never a
# credential, --request-timeout gives up on a stalled server, 429 and 5xx
# answers are retried, an expired token is a clear 401.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
export CNPGOPS_TEST_BACKOFF_MS=20
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
token=$(cat "$S/token")

# -vv: requests on stderr, never the token.
run backup list app-db --kubeconfig "$S/kubeconfig" --context token -vv
expect_rc 0
expect_err "GET $API/apis/postgresql.cnpg.io/v1/namespaces/default/clusters/app-db"
grep -qF "$token" "$err" && fail "the token appears in the -v output"
grep -qiF "authorization" "$err" && fail "an Authorization header appears in the -v output"
# kubectl's -v=8 spelling works as well
run backup list app-db --kubeconfig "$S/kubeconfig" -v=8
expect_rc 0
expect_err "GET $API/"

# 503 then 429 (Retry-After) on the cluster GET: retried, then it works.
ctl POST /_test/faults '[{"verb":"get","resource":"clusters","count":1,"status":503},{"verb":"get","resource":"clusters","count":1,"status":429,"retryAfter":1}]' >/dev/null
ctl DELETE /_test/requests >/dev/null
run backup list app-db --kubeconfig "$S/kubeconfig"
expect_rc 0
n=$(ctl GET '/_test/requests?verb=get&resource=clusters' | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$n" -eq 3 ] || fail "expected 3 GETs of the cluster (two retried), saw $n"

# Persistent 500: the error names the status after the retries.
ctl POST /_test/faults '{"verb":"get","resource":"clusters","count":10,"status":500,"message":"etcdserver: request timed out"}' >/dev/null
run backup list app-db --kubeconfig "$S/kubeconfig"
expect_rc 1
expect_err "etcdserver: request timed out"
ctl DELETE /_test/faults >/dev/null

# A stalled server: --request-timeout gives up.
ctl POST /_test/faults '{"verb":"get","resource":"clusters","count":1,"delay":10}' >/dev/null
run backup list app-db --kubeconfig "$S/kubeconfig" --request-timeout 1s
expect_rc 4
grep -qi "timed out\|timeout" "$err" || fail "the timeout is not named"
expect_err "hint: raise --request-timeout"
ctl DELETE /_test/faults >/dev/null

# A server that stalls in the middle of the body: the same.
ctl POST /_test/faults '{"verb":"get","resource":"clusters","count":1,"stallAfter":40,"stallFor":20}' >/dev/null
run backup list app-db --kubeconfig "$S/kubeconfig" --request-timeout 1s
expect_rc 4
grep -qi "timed out\|timeout" "$err" || fail "the timeout mid-body is not named"
ctl DELETE /_test/faults >/dev/null

# An expired token: 401, named as such.
ctl POST /_test/tokens '{"token":"expired-token-value","user":"token-user","expiresIn":0}' >/dev/null
run backup list app-db --kubeconfig "$S/kubeconfig" --context token --token expired-token-value
expect_rc 1
expect_err "401"
grep -qF "expired-token-value" "$err" && fail "the token appears in the error"

# A name with a NUL byte in an API answer: refused cleanly, not cut short
# (a C string would make "app-db\0x" read as "app-db").
ctl PUT /_test/objects '{"apiVersion":"postgresql.cnpg.io/v1","kind":"Backup","metadata":{"name":"app-db\u0000x","namespace":"default","labels":{"cnpg.io/cluster":"app-db"}},"spec":{"cluster":{"name":"app-db"}}}' >/dev/null
run backup list app-db --kubeconfig "$S/kubeconfig"
expect_rc 1
grep -qi "NUL\|\\u0000\|not JSON\|invalid" "$err" || fail "the NUL byte is not named: $(cat "$err")"
exit 0
