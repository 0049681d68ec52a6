# Authentication paths of the Kubernetes client against the test API
# server: client certificate, bearer token, an exec credential plugin
# through a two-file KUBECONFIG, and the failures an SRE meets: a wrong CA,
# a rejected token, an RBAC denial, a failing exec plugin.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
api=$S
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null ||
	fail "create cluster"
server=$API
token=$(cat "$api/token")

# Client certificate (the generated kubeconfig's current context).
run backup list app-db --kubeconfig "$api/kubeconfig"
expect_rc 0
expect_err "no backups found for cluster 'default/app-db'"

# Bearer token, selected with --context.
run backup list app-db --kubeconfig "$api/kubeconfig" --context token
expect_rc 0

# An exec plugin, through KUBECONFIG with two files: the first names the
# cluster and context, the second holds the user.
cat >"$T/plugin.sh" <<PLUGIN
#!/bin/sh
echo "\$KUBERNETES_EXEC_INFO" >"$T/exec-info"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$token"
PLUGIN
chmod +x "$T/plugin.sh"
cat >"$T/one.yaml" <<ONE
apiVersion: v1
kind: Config
current-context: via-exec
clusters:
- name: test
  cluster:
    server: $server
    certificate-authority: $api/ca.crt
contexts:
- name: via-exec
  context:
    cluster: test
    user: exec-user
ONE
cat >"$T/two.yaml" <<TWO
apiVersion: v1
kind: Config
current-context: something-else
users:
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $T/plugin.sh
      interactiveMode: Never
      provideClusterInfo: true
TWO
KUBECONFIG="$T/one.yaml:$T/two.yaml" run backup list app-db
expect_rc 0
grep -q '"kind":"ExecCredential"' "$T/exec-info" || fail "KUBERNETES_EXEC_INFO was not set"
grep -qF "$server" "$T/exec-info" || fail "provideClusterInfo: the cluster is missing from KUBERNETES_EXEC_INFO"

# A failing exec plugin: its stderr and the installHint are shown.
cat >"$T/bad-plugin.sh" <<'PLUGIN'
#!/bin/sh
echo "token expired: run 'corp-login'" >&2
exit 3
PLUGIN
chmod +x "$T/bad-plugin.sh"
sed "s|$T/plugin.sh|$T/bad-plugin.sh|" "$T/two.yaml" >"$T/two-bad.yaml"
printf '      installHint: install corp-login from the portal\n' >>"$T/two-bad.yaml"
KUBECONFIG="$T/one.yaml:$T/two-bad.yaml" run backup list app-db
expect_rc 1
expect_err "token expired: run 'corp-login'"
expect_err "install corp-login from the portal"

# A wrong CA: a clear TLS verification error naming the server.
sed "s|$api/ca.crt|$api/other-ca.crt|" "$T/one.yaml" >"$T/wrong-ca.yaml"
KUBECONFIG="$T/wrong-ca.yaml:$T/two.yaml" run backup list app-db
expect_rc 1
expect_err "$server"
grep -qi "certificate\|tls" "$err" || fail "the TLS failure is not named"

# A rejected token: 401.
run backup list app-db --kubeconfig "$api/kubeconfig" --context token --token not-the-token
expect_rc 1
expect_err "401"

# RBAC: listing backups denied to the token user: 403 naming the verb,
# the resource and the namespace.
cat >"$T/rules.json" <<'RULES'
[{"user": "token-user", "verb": "list", "resource": "backups"}]
RULES
ctl POST /_test/rules "$(cat "$T/rules.json")" >/dev/null
run backup list app-db --kubeconfig "$api/kubeconfig" --context token
expect_rc 1
expect_err "forbidden"
expect_err "list"
expect_err "backups"
expect_err "default"
exit 0
