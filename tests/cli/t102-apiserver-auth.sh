# The test API server's authentication and authorization against the real
# kubectl: client certificate and bearer token contexts, a bad token
# (Unauthorized), deny rules from a file and from the control API (the RBAC
# Forbidden message, kubectl auth can-i), expiring tokens, kubeconfig-files,
# RSA keys, and a kubeconfig that trusts the wrong CA (x509 error).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
F=$TOP/tests/fixtures/apiserver
apiserver_start --rules "$F/deny-token-user.yaml" --key-type rsa
grep -q "BEGIN RSA PRIVATE KEY" "$S/client.key" || fail "--key-type rsa made no RSA key"

k --context token get clusters >"$out" 2>"$err" || fail "the token context cannot list clusters"
expect_err "No resources found in default namespace."

k --context token --token "not-$(cat "$S/token")" get clusters >"$out" 2>"$err" &&
	fail "a bad token was accepted"
expect_err "error: You must be logged in to the server (Unauthorized)"

# the rules file denies token-user listing backups in default
k --context token get backups >"$out" 2>"$err" && fail "the deny rule did not apply"
expect_err 'Error from server (Forbidden): backups.postgresql.cnpg.io is forbidden: User "token-user" cannot list resource "backups" in API group "postgresql.cnpg.io" in the namespace "default"'
k get backups >"$out" 2>"$err" || fail "the admin is denied too"
# SelfSubjectAccessReview answers from the same rules
k --context token auth can-i list backups >"$out" 2>"$err" && fail "can-i says yes to a denied list"
expect_out "no"
k --context token auth can-i list backups -n other >"$out" 2>"$err" ||
	fail "can-i says no in a namespace the rule does not cover"
expect_out "yes"

# rules replaced at run time; the cluster-scope wording for -A
ctl POST /_test/rules '[{"user":"token-user","verb":"get","resource":"secrets"},
	{"user":"*","verb":"list","resource":"clusters"}]' >/dev/null
k --context token get backups >"$out" 2>"$err" || fail "the replaced rule still applies"
k --context token get secret s1 >"$out" 2>"$err" && fail "get secret was not denied"
expect_err 'secrets "s1" is forbidden: User "token-user" cannot get resource "secrets" in API group "" in the namespace "default"'
k get clusters -A >"$out" 2>"$err" && fail "the wildcard user rule did not apply"
expect_err 'User "admin" cannot list resource "clusters" in API group "postgresql.cnpg.io" at the cluster scope'
ctl POST /_test/rules '[]' >/dev/null

# extra tokens, one already expired
ctl POST /_test/tokens '{"token":"t-live","user":"alice","expiresIn":600}' >/dev/null
ctl POST /_test/tokens '{"token":"t-dead","user":"bob","expiresIn":0}' >/dev/null
k --context token --token t-live get clusters >"$out" 2>"$err" || fail "a live token was refused"
ctl GET "/_test/requests?user=alice&verb=list" | grep -q '"count": 1' ||
	fail "the request log does not show alice's list"
k --context token --token t-dead get clusters >"$out" 2>"$err" && fail "an expired token worked"
expect_err "Unauthorized"

# the control API is for the admin only
curl -s --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/token")" \
	"$API/_test/requests" >"$out" 2>"$err"
expect_out '"code": 403'
curl -s --cacert "$S/ca.crt" "$API/api" >"$out" 2>"$err"
expect_out '{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}'

# the kubeconfig variant with file paths
kubectl --kubeconfig "$S/kubeconfig-files" --cache-dir "$T/kcache3" get clusters \
	>"$out" 2>"$err" || fail "kubeconfig-files does not work"

# a client certificate from another CA fails the handshake
curl -s --cacert "$S/ca.crt" --cert "$S/other-client.crt" --key "$S/other-client.key" \
	"$API/api" >"$out" 2>"$err" && fail "a client certificate from another CA was accepted"

# a kubeconfig that trusts another CA
sed "s#certificate-authority-data: .*#certificate-authority: $S/other-ca.crt#" \
	"$S/kubeconfig" >"$T/kubeconfig-other"
kubectl --kubeconfig "$T/kubeconfig-other" --cache-dir "$T/kcache2" get clusters \
	>"$out" 2>"$err" && fail "the wrong CA was trusted"
expect_err "x509: certificate signed by unknown authority"
exit 0
