# backup now --wait when the backup fails (exit 1 with the Backup's error)
# and when it never finishes (exit 4; the backup goes on in the cluster).
# The simulation is slowed down so that the test drives the Backup's status.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start --sim "$TOP/tests/apiserver/sim_basic.py" --sim-step 3600
kc="--kubeconfig $S/kubeconfig"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"

# Failure: set the phases by hand once the command has created the Backup.
"$CNPGOPS_BIN" backup now app-db $kc --name will-fail --wait --timeout 60s >"$T/fo" 2>"$T/fe" &
bg=$!
wait_for 20 k get backups.postgresql.cnpg.io will-fail
k patch backups.postgresql.cnpg.io will-fail --subresource=status --type=merge \
	-p '{"status":{"phase":"running","startedAt":"2026-11-25T01:00:00Z"}}' >/dev/null
k patch backups.postgresql.cnpg.io will-fail --subresource=status --type=merge \
	-p '{"status":{"phase":"failed","error":"can not upload: AccessDenied on s3://backups/app-db"}}' >/dev/null
wait "$bg"
rc=$?
out=$T/fo
err=$T/fe
expect_rc 1
expect_err "backup 'default/will-fail' failed: can not upload: AccessDenied on s3://backups/app-db"
expect_err "running"

# Timeout: the backup never finishes.
run backup now app-db $kc --name slow --wait --timeout 2s
expect_rc 4
expect_err "backup 'default/slow' did not finish within the timeout"
expect_err "it continues in the cluster"
expect_err "hint: follow it with 'kubectl cnpgops backup list app-db -n default'"
exit 0
