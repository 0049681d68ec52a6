# backup now against the test API server and its operator simulation: the
# method comes from the cluster, --dry-run prints or validates, --wait
# follows the Backup by watch to completed (also across a dropped watch
# stream), reports a failed backup (exit 1), and times out (exit 4) saying
# that the backup goes on.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
apiserver_start --sim "$TOP/tests/apiserver/sim_basic.py" --sim-step 0.2
export CNPGOPS_TEST_BACKOFF_MS=20
kc="--kubeconfig $S/kubeconfig"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
wait_for 20 sh -c "kubectl --kubeconfig '$S/kubeconfig' get clusters.postgresql.cnpg.io app-db -o jsonpath='{.status.phase}' | grep -q healthy"

# --dry-run=client: the manifest, nothing created.
run backup now app-db $kc --name dry-one --dry-run
expect_rc 0
expect_out "kind: Backup"
expect_out "method: plugin"
expect_out "name: barman-cloud.cloudnative-pg.io"
k get backups.postgresql.cnpg.io dry-one >/dev/null 2>&1 && fail "--dry-run=client created the backup"

# --dry-run=server: validated by the server, nothing stored.
run backup now app-db $kc --name dry-two --dry-run=server -o json
expect_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["metadata"]["uid"]' "$out" ||
	fail "server dry-run did not return the server's object"
k get backups.postgresql.cnpg.io dry-two >/dev/null 2>&1 && fail "--dry-run=server stored the backup"

# An explicit method the cluster is not configured for: refused, exit 3.
run backup now app-db $kc --method volumeSnapshot
expect_rc 3
expect_err "is not configured for backup method 'volumeSnapshot'"
expect_err "hint: use --method plugin"

# barmanObjectStore rules are explained before the server sees them.
run backup now app-db $kc --method plugin --offline --immediate-checkpoint
expect_rc 2
expect_err "take effect only with online backups"

# Plain create: the default name and the kubectl-cnpg style line.
run backup now app-db $kc
expect_rc 0
grep -qE '^backup/app-db-[0-9]{14} created$' "$out" || fail "unexpected output: $(cat "$out")"
name=$(sed 's|^backup/||; s| created$||' "$out")
k get backups.postgresql.cnpg.io "$name" -o jsonpath='{.metadata.labels.cnpg\.io/cluster}' | grep -qx app-db ||
	fail "the backup has no cnpg.io/cluster label"

# --wait: phases on stderr, the summary on stdout.
run backup now app-db $kc --name nightly --wait --timeout 60s
expect_rc 0
expect_out "backup/nightly completed"
expect_out "backupId:"
expect_err "backup/nightly running"
expect_err "backup/nightly completed"

# --wait across a watch stream dropped after the first event.
ctl POST /_test/faults '{"verb":"watch","resource":"backups","count":1,"dropAfter":1}' >/dev/null
run backup now app-db $kc --name dropped --wait --timeout 60s
expect_rc 0
expect_out "backup/dropped completed"
[ "$(ctl GET '/_test/requests?verb=watch&resource=backups' | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')" -ge 2 ] ||
	fail "the client did not reconnect the watch"

# On a terminal: one line redrawn in place with a spinner and the time.
if command -v script >/dev/null 2>&1 && [ "${CNPGOPS_VALGRIND:-}" != 1 ]; then
	script -qec "'$CNPGOPS_BIN' backup now app-db $kc --name on-a-tty --wait --timeout 60s" "$T/tty.out" >/dev/null 2>&1 ||
		fail "backup now --wait on a terminal failed"
	grep -q "$(printf '\r\033\\[K')[|/\\-] backup/on-a-tty completed ([0-9]*s)" "$T/tty.out" ||
		fail "no in-place progress line on a terminal"
	grep -q '^\[ *[0-9.]*s\] backup/on-a-tty' "$T/tty.out" && fail "plain progress lines on a terminal"
fi

# Archiving failing: refused (exit 3) quoting the condition; --force warns.
k patch clusters.postgresql.cnpg.io app-db --subresource=status --type=merge \
	-p '{"status":{"conditions":[{"type":"ContinuousArchiving","status":"False","reason":"ContinuousArchivingFailing","message":"unexpected failure invoking barman-cloud-wal-archive: exit status 4","lastTransitionTime":"2026-11-25T00:00:00Z"}]}}' >/dev/null ||
	fail "cannot set the condition"
run backup now app-db $kc --name refused
expect_rc 3
expect_err "ContinuousArchiving is False (unexpected failure invoking barman-cloud-wal-archive: exit status 4)"
expect_err "archive-test app-db"
run backup now app-db $kc --name forced --force
expect_rc 0
expect_err "warning: WAL archiving of cluster 'default/app-db' is failing"
exit 0
