# backup schedule: six-field schedules only (a five-field one is refused
# with the six-field line), the next runs shown, --overwrite shows the
# changes, and schedule list flags five-field schedules made elsewhere.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
kc="--kubeconfig $S/kubeconfig"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"

run backup schedule app-db $kc --schedule '0 3 * * *'
expect_rc 2
expect_no_out
expect_err "five"
expect_err "'0 0 3 * * *'"

run backup schedule app-db $kc --schedule '0 61 * * * *'
expect_rc 2
expect_err "minutes value 61 is out of range 0-59"

run backup schedule app-db $kc
expect_rc 2
expect_err "needs --schedule"

run backup schedule app-db $kc --schedule '0 0 3 * * *' --dry-run
expect_rc 0
expect_out "kind: ScheduledBackup"
expect_out "schedule: 0 0 3 * * *"
expect_err "runs next at"
grep -q "T03:00:00Z" "$err" || fail "the next runs are not at 03:00 UTC"

run backup schedule app-db $kc --schedule '0 0 3 * * *' --owner self
expect_rc 0
expect_out "scheduledbackup/app-db-scheduled created"
k get scheduledbackups.postgresql.cnpg.io app-db-scheduled -o jsonpath='{.spec.schedule}' | grep -qx '0 0 3 \* \* \*' ||
	fail "the schedule was not stored"

run backup schedule app-db $kc --schedule '0 0 3 * * *' --owner self
expect_rc 0
expect_out "scheduledbackup/app-db-scheduled unchanged"

run backup schedule app-db $kc --schedule '0 30 2 * * *' --owner self
expect_rc 1
expect_err "spec.schedule: \"0 0 3 * * *\" -> \"0 30 2 * * *\""
expect_err "hint: add --overwrite"

run backup schedule app-db $kc --schedule '0 30 2 * * *' --owner self --overwrite
expect_rc 0
expect_out "scheduledbackup/app-db-scheduled configured"
k get scheduledbackups.postgresql.cnpg.io app-db-scheduled -o jsonpath='{.spec.schedule}' | grep -qx '0 30 2 \* \* \*' ||
	fail "--overwrite did not change the schedule"

# A five-field schedule written by someone else is flagged by the list.
cat >"$T/five.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: hourly-by-mistake
spec:
  schedule: "0 1 * * *"
  cluster:
    name: app-db
YAML
k create -f "$T/five.yaml" >/dev/null || fail "create the five-field schedule"
run backup schedule list app-db $kc
expect_rc 0
expect_out "app-db-scheduled"
expect_out "0 1 * * * (!)"
expect_err "do not have six fields"
exit 0
