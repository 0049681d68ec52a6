# pitr refuses early: a missing or doubled target, bad times, LSNs and
# xids, --wait without --apply (exit 2); a missing ObjectStore or Secret
# names itself; nothing is ever created without the catalog check.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
kc="--kubeconfig $S/kubeconfig"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"

run pitr app-db $kc
expect_rc 2
expect_err "'pitr' needs a target"
run pitr app-db $kc --latest --to now-5m
expect_rc 2
expect_err "give one recovery target, not 2"
run pitr app-db $kc --to "2026-02-30 10:00:00"
expect_rc 2
expect_err "invalid time '2026-02-30 10:00:00'"
run pitr app-db $kc --to-lsn 5000060
expect_rc 2
expect_err "invalid LSN '5000060'"
run pitr app-db $kc --to-xid -4
expect_rc 2
run pitr app-db $kc --latest --exclusive
expect_rc 2
expect_err "--exclusive needs"
run pitr app-db $kc --latest --wait
expect_rc 2
expect_err "add --apply"

# The plugin's ObjectStore is missing: named, with what exists.
run pitr app-db $kc --latest
expect_rc 1
expect_err "objectstore 'default/app-db-store' named by cluster 'default/app-db' not found"

# With the ObjectStore but no Secret: the Secret and the field are named.
k create -f "$TOP/tests/fixtures/objects/app-db-store.yaml" >/dev/null || fail "create store"
k delete secret app-db-s3 >/dev/null || fail "delete secret"
run pitr app-db $kc --to "2026-11-24 09:41:00" --apply
expect_rc 1
expect_err "secret 'default/app-db-s3' referenced by objectstore 'default/app-db-store' spec.configuration.s3Credentials.accessKeyId not found"
expect_err "note: '2026-11-24 09:41:00' has no time zone; taken as UTC"

k get clusters.postgresql.cnpg.io -o name | grep -q pitr && fail "a recovery cluster was created"
exit 0
