# Seed files and the operator simulation (tests/apiserver/sim_basic.py) seen
# through kubectl: a Cluster becomes healthy with PVCs and Pods, a Backup
# goes pending -> running -> completed (seen by a watch), an immediate
# ScheduledBackup makes an owned Backup, deleting the
# Cluster deletes its PVCs and Pods.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
F=$TOP/tests/fixtures/apiserver
apiserver_start --sim "$TOP/tests/apiserver/sim_basic.py" --sim-step 0.1 --seed "$F/seed.yaml"

# seeds: admitted like a create (stringData -> data), status kept, namespace made
k -n team-b get secret s3-creds -o jsonpath='{.data.ACCESS_KEY_ID}' >"$out" 2>"$err"
expect_out "bWluaW8="
k -n team-b get cluster old -o jsonpath='{.status.phase}' >"$out" 2>"$err"
expect_out "Cluster in healthy state"
k -n team-b get objectstore store1 -o name >"$out" 2>"$err" || fail "seeded ObjectStore missing"

k apply -f "$F/cluster-valid.yaml" >"$out" 2>"$err" || fail "kubectl apply failed"
expect_out "cluster.postgresql.cnpg.io/pg1 created"
healthy() {
	[ "$(k get cluster pg1 -o jsonpath='{.status.phase}/{.status.readyInstances}')" = \
		"Cluster in healthy state/3" ]
}
wait_for 10 healthy
k get cluster pg1 -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}' \
	>"$out" 2>"$err"
expect_out "Ready=True"
expect_out "ContinuousArchiving=True"
k get pvc -l cnpg.io/cluster=pg1 -o name >"$out" 2>"$err" || fail "kubectl get pvc failed"
[ "$(wc -l <"$out")" -eq 3 ] || fail "want 3 PVCs"
k get pods -l cnpg.io/instanceRole=primary -o name >"$out" 2>"$err" || fail "kubectl get pods failed"
[ "$(cat "$out")" = "pod/pg1-1" ] || fail "want pod pg1-1 as the only primary"

# a Backup's phases, seen by a watch started before it is created
k get backups -w -o jsonpath='{.status.phase}{"\n"}' --request-timeout=20s \
	>"$T/watch" 2>"$T/watch.err" &
wpid=$!
at_exit "kill $wpid 2>/dev/null"
watching() { ctl GET "/_test/requests?verb=watch&resource=backups" | grep -q '"count": [1-9]'; }
wait_for 10 watching
k create -f "$F/backup.yaml" >"$out" 2>"$err" || fail "kubectl create backup failed"
completed() { grep -qx completed "$T/watch"; }
wait_for 10 completed
tr '\n' ' ' <"$T/watch" | grep -q "pending running completed" ||
	fail "the watch did not see pending, running, completed in order: $(cat "$T/watch")"
k get backup b1 -o jsonpath='{.status.backupId}' >"$out" 2>"$err"
grep -Eq '^[0-9]{8}T[0-9]{6}$' "$out" || fail "no backupId on the completed Backup"

# an immediate ScheduledBackup makes a Backup owned by it, which completes
k create -f "$F/scheduledbackup.yaml" >"$out" 2>"$err" || fail "kubectl create scheduledbackup failed"
child_done() {
	[ "$(k get backups -l cnpg.io/scheduled-backup=nightly -o jsonpath='{.items[0].status.phase}')" = completed ]
}
wait_for 10 child_done
k get scheduledbackup nightly -o jsonpath='{.status.lastScheduleTime}' >"$out" 2>"$err"
grep -Eq '^[0-9-]+T[0-9:]+Z$' "$out" || fail "no lastScheduleTime"
k delete scheduledbackup nightly >"$out" 2>"$err" || fail "kubectl delete scheduledbackup failed"
k get backups -l cnpg.io/scheduled-backup=nightly -o name >"$out" 2>"$err"
expect_no_out

# kubectl apply again: a change goes through as a merge patch
sed 's/instances: 3/instances: 2/' "$F/cluster-valid.yaml" | k apply -f - >"$out" 2>"$err" ||
	fail "kubectl apply of a change failed"
expect_out "cluster.postgresql.cnpg.io/pg1 configured"
two() { [ "$(k get cluster pg1 -o jsonpath='{.status.instances}')" = 2 ]; }
wait_for 10 two

k delete cluster pg1 >"$out" 2>"$err" || fail "kubectl delete failed"
k get pvc,pods -o name >"$out" 2>"$err" || fail "kubectl get pvc,pods failed"
expect_no_out
exit 0
