# backup list against the test API server: the cluster's Backups (by label,
# or by spec.cluster.name without one) newest first, as a table and as
# JSON; a missing cluster names the clusters that exist.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
kc="--kubeconfig $S/kubeconfig"

k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
k create -f "$TOP/tests/fixtures/objects/app-db-backups.yaml" >/dev/null || fail "create backups"
set_status() {
	k patch "$1" "$2" --subresource=status --type=merge -p "{\"status\":$3}" >/dev/null ||
		fail "cannot set the status of $1/$2"
}
set_status backup app-db-20261124030000 '{"phase":"completed","method":"plugin","startedAt":"2026-11-24T03:00:01Z","stoppedAt":"2026-11-24T03:04:31Z","backupId":"20261124T030001"}'
set_status backup app-db-20261125030000 '{"phase":"failed","method":"plugin","startedAt":"2026-11-25T03:00:02Z","stoppedAt":"2026-11-25T03:00:09Z","error":"upload failed: AccessDenied"}'
set_status backup before-migration '{"phase":"completed","method":"barmanObjectStore","startedAt":"2026-11-24T15:10:00Z","stoppedAt":"2026-11-24T15:12:00Z","backupId":"20261124T151000"}'

run backup list app-db $kc
expect_rc 0
expect_out "NAME"
expect_out "BACKUP-ID"
names=$(awk 'NR > 1 { print $1 }' "$out" | tr '\n' ' ')
[ "$names" = "app-db-20261125030000 before-migration app-db-20261124030000 " ] ||
	fail "wrong backups or order: $names"
grep -q "^app-db-20261124030000 .*completed .*plugin .*2026-11-24T03:00:01Z .*4m30s .*20261124T030001" "$out" ||
	fail "row of app-db-20261124030000"
expect_out "upload failed: AccessDenied"

run -o json backup list app-db $kc
expect_rc 0
python3 - "$out" <<'PY' || fail "json output"
import json, sys
d = json.load(open(sys.argv[1]))
names = [i["metadata"]["name"] for i in d["items"]]
assert names == ["app-db-20261125030000", "before-migration", "app-db-20261124030000"], names
assert d["items"][0]["status"]["error"] == "upload failed: AccessDenied"
PY

run backup list nope $kc
expect_rc 1
expect_no_out
expect_err "error: cluster 'default/nope' not found"
expect_err "hint: clusters in namespace 'default': app-db"

run backup list app-db $kc -n elsewhere
expect_rc 1
expect_err "cluster 'elsewhere/app-db' not found"
exit 0
