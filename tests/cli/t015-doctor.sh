# doctor against clusters in each unhealthy state: failing archiving, a
# missing ObjectStore, no completed backup, a failed newest backup, a stale
# backup, suspended and five-field schedules, a crash-looping pod; and the
# exit status (0 healthy, 1 warnings, 2 critical) and JSON.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start
kc="--kubeconfig $S/kubeconfig"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# a port nothing listens on (bound, then released)
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
old=$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)

cluster() { # name archiving-status
	cat <<YAML
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: $1
  namespace: $3
spec:
  instances: 1
  storage:
    size: 1Gi
  plugins:
  - name: barman-cloud.cloudnative-pg.io
    isWALArchiver: true
    parameters:
      barmanObjectName: $4
status:
  phase: Cluster in healthy state
  ${5:+lastArchivedWALTime: '$5'}
  ${6:+lastFailedWALTime: '$6'}
  conditions:
  - type: ContinuousArchiving
    status: "$2"
    reason: x
    message: "archive command failed: exit status 4"
    lastTransitionTime: "$now"
---
YAML
}
backup() { # name cluster ns phase stoppedAt [error]
	cat <<YAML
apiVersion: postgresql.cnpg.io/v1
kind: Backup
metadata:
  name: $1
  namespace: $3
spec:
  cluster:
    name: $2
status:
  phase: $4
  stoppedAt: "$5"
  error: "${6:-}"
---
YAML
}
schedule() { # name cluster ns schedule suspend
	cat <<YAML
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: $1
  namespace: $3
spec:
  schedule: "$4"
  suspend: $5
  cluster:
    name: $2
---
YAML
}
store() { # name ns
	cat <<YAML
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: $1
  namespace: $2
spec:
  configuration:
    destinationPath: s3://backups/
    endpointURL: http://127.0.0.1:$closed
---
YAML
}
{
	# healthy: archiving, store, a fresh backup, an active daily schedule
	cluster good True prod good-store; store good-store prod
	backup good-1 good prod completed "$now"; schedule good-daily good prod "0 0 3 * * *" false
	# critical: archiving failing
	cluster broken False prod broken-store "$old" "$now"; store broken-store prod
	backup broken-1 broken prod completed "$now"; schedule broken-daily broken prod "0 0 3 * * *" false
	# critical: the ObjectStore does not exist; warning: stale and failed
	cluster nostore True staging missing-store
	backup nostore-1 nostore staging completed "$old"
	backup nostore-2 nostore staging failed "$now" "AccessDenied"
	schedule nostore-daily nostore staging "0 0 3 * * *" false
	schedule nostore-hourly nostore staging "0 1 * * *" true
	# critical: the condition still says True, but the last attempt failed
	cluster lagging True staging lagging-store "$old" "$now"; store lagging-store staging
	backup lagging-1 lagging staging completed "$now"; schedule lagging-daily lagging staging "0 0 3 * * *" false
} >"$T/seed.yaml"
cat >>"$T/seed.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: broken-1
  namespace: prod
  labels:
    cnpg.io/cluster: broken
spec:
  containers:
  - name: postgres
    image: postgres
status:
  containerStatuses:
  - name: postgres
    ready: false
    restartCount: 12
    image: postgres
    imageID: ""
    state:
      waiting:
        reason: CrashLoopBackOff
        message: back-off 5m0s restarting failed container
YAML
k create namespace prod >/dev/null && k create namespace staging >/dev/null || fail "namespaces"
ctl PUT /_test/objects "$(python3 -c 'import json,sys,yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))' "$T/seed.yaml")" >/dev/null

run doctor good -n prod $kc --no-catalog
expect_rc 0
expect_out "prod/good: healthy"

# the catalog is read too: an archive that cannot be reached is a warning
# naming archive-test
run doctor good -n prod $kc
expect_rc 1
expect_out "prod/good: warning"
expect_out "catalog: cannot read the archive s3://backups/good/"
expect_out "fix: kubectl cnpgops archive-test good -n prod"

run doctor broken -n prod $kc --no-catalog
expect_rc 2
expect_out "prod/broken: critical"
expect_out "archiving: WAL archiving is failing (ContinuousArchiving=False: archive command failed: exit status 4)"
expect_out "the last WAL archived at $old, the last failure at $now"
expect_out "fix: kubectl cnpgops archive-test broken -n prod"
expect_out "pod 'broken-1' is in CrashLoopBackOff"

run doctor -A $kc -o json --no-catalog
expect_rc 2
python3 - "$out" <<'PY' || fail "doctor -A json"
import json, sys
d = json.load(open(sys.argv[1]))
by = {(c["namespace"], c["name"]): c for c in d["clusters"]}
assert by[("prod", "good")]["status"] == "healthy", by[("prod", "good")]
assert by[("prod", "broken")]["status"] == "critical"
ns = by[("staging", "nostore")]
msgs = [f["check"] + ": " + f["message"] for f in ns["findings"]]
assert ns["status"] == "critical", msgs
assert any("barmanObjectName 'missing-store' names no ObjectStore" in m for m in msgs), msgs
assert any("the schedule runs every 1d" in m for m in msgs), msgs
assert any("failed: AccessDenied" in m for m in msgs), msgs
assert any("is suspended" in m for m in msgs), msgs
lag = by[("staging", "lagging")]
assert lag["status"] == "critical", lag
assert any("the last WAL archive attempt failed" in f["message"] for f in lag["findings"]), lag
assert d["summary"] == {"clusters": 4, "critical": 3, "warning": 0, "healthy": 1}, d["summary"]
PY

run doctor nope -n prod $kc
expect_rc 1
expect_err "cluster 'prod/nope' not found"
exit 0
