# Secrets stay secret: every command, at the highest verbosity, against
# the test API server with recognisable credentials (bearer token, client
# key, object-store keys in a Secret), must not print any of them on
# stdout or stderr, nor write them to any file in its working directory.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start --sim "$TOP/tests/apiserver/sim_basic.py" --sim-step 0.1
kc="--kubeconfig $S/kubeconfig"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
k create -f "$TOP/tests/fixtures/objects/app-db-store.yaml" >/dev/null || fail "create store"
token=$(cat "$S/token")
# a distinctive line of the client key (not the PEM armour)
keyline=$(sed -n 2p "$S/client.key")
secrets="$token
$keyline
AKIAEXAMPLECNPGOPS01
cnpgops-test-secret-key-do-not-print"

mkdir -p "$T/cwd"
cd "$T/cwd" || fail "cd"
check() { # what
	printf '%s\n' "$secrets" | while IFS= read -r s; do
		[ -n "$s" ] || continue
		if grep -rqF -- "$s" "$out" "$err" "$T/cwd"; then
			echo "secret found after: $1" >"$T/leak"
		fi
	done
	[ ! -f "$T/leak" ] || fail "$(cat "$T/leak")"
}
for ctx in admin token; do
	run backup list app-db $kc --context $ctx -vv
	check "backup list ($ctx)"
	run backup schedule list app-db $kc --context $ctx -vv
	check "backup schedule list ($ctx)"
	run backup now app-db $kc --context $ctx -vv --name "b-$ctx" --wait --timeout 30s
	check "backup now ($ctx)"
	run backup schedule app-db $kc --context $ctx -vv --schedule '0 0 3 * * *' --name "s-$ctx"
	check "backup schedule ($ctx)"
	run doctor -A $kc --context $ctx -vv -o json
	check "doctor ($ctx)"
	run pitr app-db $kc --context $ctx -vv --latest
	check "pitr ($ctx)"
	run pitr app-db $kc --context $ctx -vv --latest --token "$token"
	check "pitr --token ($ctx)"
	run __complete $kc --context $ctx backup now ""
	check "completion ($ctx)"
done
# a failing exec plugin whose stderr is shown must not reveal our token
run backup list app-db $kc --token "$token" --request-timeout 1ms -vv
check "timeout error"
exit 0
