# clone refuses early: no --name, --to with --latest, an existing target
# (pointing at recreate), no credentials for another namespace; nothing is
# created without the catalog check.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
kc="--kubeconfig $S/kubeconfig"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
k create -f "$TOP/tests/fixtures/objects/app-db-store.yaml" >/dev/null || fail "create store"
k create namespace dev >/dev/null || fail "namespace"

run clone app-db $kc
expect_rc 2
expect_err "needs --name"
run clone app-db $kc --name x --to now-1h --latest
expect_rc 2
run clone app-db $kc --name x --keep everything
expect_rc 2
expect_err "--keep takes affinity, tolerations and monitoring"

run clone app-db $kc --name app-db
expect_rc 3
expect_err "cluster 'default/app-db' already exists"
expect_err "recreate app-db"

run clone app-db $kc --name app-db-dev --target-namespace dev
expect_rc 3
expect_err "cannot read the source's archive without credentials there"
expect_err "--credentials copy"

# With credentials, the catalog is read next; the store is unreachable
# here (the fixture's endpoint refuses), so nothing is created.
run clone app-db $kc --name app-db-dev --target-namespace dev --credentials copy --apply
expect_rc 1
expect_err "reading the catalog in s3://backups/prod/app-db/"
expect_err "copying the keys of secret 'default/app-db-s3' to 'dev/app-db-dev-app-db-s3'"
k get secrets -n dev -o name | grep -q app-db-s3 && fail "a Secret was created before the catalog check"
k get clusters.postgresql.cnpg.io -n dev -o name | grep -q . && fail "a cluster was created"
exit 0
