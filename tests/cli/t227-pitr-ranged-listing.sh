# pitr lists only the WAL between the chosen backup and the target: every
# backup, the top of wals/ (folders and history files), then the folders
# from the backup's begin WAL on, a LOG at a time, until one holds a
# segment archived after the target.  On a store of 60000 segments (235
# folders; tests/bench/bench_s3.py, segment i archived at minute i) that is
# a few folder listings instead of the ~60 pages of the flat listing; a
# refusal is still made on the whole catalog, with the same message.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl

export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
unset AWS_SESSION_TOKEN AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

# segment 30600 (between backups 15 and 16, each 2000 segments apart) is
# missing
N=60000
python3 "$TOP/tests/bench/bench_s3.py" bench pg/app-db/ $N 30 30600 \
	>"$T/port" 2>"$T/srv.err" &
pid=$!
at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
python3 - "$T/port" "$pid" <<'PY' || fail "bench_s3 did not start: $(cat "$T/srv.err")"
import os, sys, time
deadline = time.time() + 20
while time.time() < deadline:
    if open(sys.argv[1]).read().endswith("\n"):
        sys.exit(0)
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        sys.exit(1)
    time.sleep(0.02)
sys.exit(1)
PY
E=http://127.0.0.1:$(cat "$T/port")

lists() { curl -s "$E/_bench/lists"; }

apiserver_start
cat >"$T/objects.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: app-db-s3
stringData:
  ACCESS_KEY_ID: AKIATEST
  ACCESS_SECRET_KEY: secret
---
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: app-db-store
spec:
  configuration:
    destinationPath: s3://bench/pg
    endpointURL: $E
    s3Credentials:
      accessKeyId:
        name: app-db-s3
        key: ACCESS_KEY_ID
      secretAccessKey:
        name: app-db-s3
        key: ACCESS_SECRET_KEY
YAML
k create -f "$T/objects.yaml" >/dev/null || fail "create store"
k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
kc="--kubeconfig $S/kubeconfig"
at() { python3 -c 'import datetime as d, sys; print((d.datetime(2026,1,1,tzinfo=d.timezone.utc) + d.timedelta(minutes=float(sys.argv[1]))).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1"; }

# Backup 14 begins at segment 28000 (folder 6D); the target is at segment
# 28500 (folder 6F): folders 6D, 6E and 6F are listed.
b14=$(python3 -c 'import datetime as d; print((d.datetime(2026,1,1) + d.timedelta(minutes=28000)).strftime("%Y%m%dT%H%M%S"))')
lists >/dev/null
run pitr app-db $kc --to "$(at 28500)"
expect_rc 0
expect_err "plan: restore backup $b14"
expect_err "its end was not read"
expect_out "backupID: $b14"
# listings: base/, the top of wals/ and 3 folders (the flat listing alone
# would be 60 pages), and the folders the WAL reader lists for itself (3)
n=$(lists)
[ "$n" -eq 8 ] || fail "$n listings for a plan that needs 8"

# The whole catalog has the gap the next plan is refused for
AWS_ACCESS_KEY_ID=AKIATEST AWS_SECRET_ACCESS_KEY=secret \
	"$CNPGOPS_BIN" catalog --destination-path s3://bench/pg --server-name app-db \
	--endpoint-url "$E" --no-wal-decode -o json >"$T/cat.json" 2>"$T/cat.err" ||
	fail "catalog: $(cat "$T/cat.err")"
python3 - "$T/cat.json" <<'PY' || fail "the catalog's view of the gap"
import json, sys
c = json.load(open(sys.argv[1]))
gaps = [g for t in c["timelines"] for g in t["gaps"]]
assert {"first": "000000010000007700000088",
        "last": "000000010000007700000088"} in gaps, gaps
PY

# Past the missing segment 30600 (folder 77): refused, on the whole
# catalog, with the first missing segment (backup 15 begins at 30000).
lists >/dev/null
run pitr app-db $kc --to "$(at 30700)" --apply
expect_rc 3
expect_err "000000010000007700000088"
n=$(lists)
[ "$n" -ge 60 ] || fail "$n listings: the refusal was not made on the whole catalog"
k get clusters.postgresql.cnpg.io -o name | grep -q pitr && fail "a cluster was created for a refused target"

# Beyond every segment: the last folder is reached, nothing is left out,
# and the target is refused with the window's end
run pitr app-db $kc --to "$(at 70000)"
expect_rc 3
exit 0
