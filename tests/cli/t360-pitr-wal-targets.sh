# Recovery targets checked in the archived WAL itself, with real parts
# (tests/apiserver/sim_real.py: real PostgreSQL, barman-cloud, moto):
# - catalog's window ends at the last commit in the WAL, the database's own
#   commit timestamp of that xid, and --restore-points lists the restore
#   points ending at the LSNs PostgreSQL returned;
# - pitr --explain names the last transaction kept and the one recovery
#   stops before, whose times are the database's commit timestamps;
# - a time after the last commit is refused (PostgreSQL would fail at the
#   end of WAL), as are an aborted xid and an unknown restore point;
# - --to-xid and --to-name restore the backup that ended before the target
#   (not the newest one, which ended after it) and recover exactly the rows
#   committed up to it.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "real recoveries take minutes; not a memory test"
. "$TOP/tests/cli/realsim.sh"

realsim_start
kc="--kubeconfig $S/kubeconfig"
realsim_cluster app-db s3://sandbox/prod
src=$(pgdir app-db)
sql "$src" "create table rows (id serial primary key, batch int not null)"
batch "$src" 1
run backup now app-db $kc --wait --timeout 5m
expect_rc 0
b1=$(k get backups.postgresql.cnpg.io -o jsonpath='{.items[0].status.backupId}')
batch "$src" 2
rp_lsn=$(sql "$src" "select pg_create_restore_point('before-batch-3')")
batch "$src" 3
x3=$(sql "$src" "select distinct xmin from rows where batch = 3")
aborted=$(sql "$src" "begin; insert into rows (batch) values (99); select txid_current(); rollback" | tail -n 1)
batch "$src" 4
# the second backup ends after batch 3 and the restore point
run backup now app-db $kc --wait --timeout 5m
expect_rc 0
batch "$src" 5
switch_wal "$src"

# catalog: the window ends at the last commit; the restore points
run catalog app-db $kc --restore-points -o json
expect_rc 0
cp "$out" "$T/catalog.json"
lc_xid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["window"]["latestCommit"]["xid"])' "$T/catalog.json") ||
	fail "no latestCommit in the window: $(cat "$T/catalog.json")"
db_time=$(sql "$src" "select to_char(pg_xact_commit_timestamp('$lc_xid'::xid) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
python3 - "$T/catalog.json" "$db_time" "$rp_lsn" <<'PY' || fail "the catalog's WAL answers"
import json, sys
c = json.load(open(sys.argv[1]))
w = c["window"]
assert w["latestIsUpperBound"] is False, w
assert w["latest"] == w["latestCommit"]["time"] == sys.argv[2], (w, sys.argv[2])
assert w["latestArchived"] >= w["latest"], w
assert c["timelines"][-1]["lastCommit"] == w["latestCommit"], c["timelines"]
rp = [r for r in c["restorePoints"] if r["name"] == "before-batch-3"]
assert len(rp) == 1, c["restorePoints"]
hi, lo = sys.argv[3].split("/")
# pg_create_restore_point returns the end of its record
assert rp[0]["endLsn"] == "%X/%X" % (int(hi, 16), int(lo, 16)), (rp, sys.argv[3])
PY

# --explain between batches 2 and 3 (after backup 1)
t12=$(between "$(commit_time "$src" 2)" "$(commit_time "$src" 3)")
run pitr app-db $kc --to "$t12" --explain
expect_rc 0
expect_out "plan: restore backup $b1"
kept=$(sed -n 's/.*last transaction kept: xid \([0-9]*\) committed at \([^ ]*\) .*/\1 \2/p' "$out")
stop=$(sed -n 's/.*recovery stops before: xid \([0-9]*\) committed at \([^ ]*\) .*/\1 \2/p' "$out")
[ -n "$kept" ] && [ -n "$stop" ] || fail "--explain: $(cat "$out")"
for e in "$kept" "$stop"; do
	x=${e% *}
	t=${e#* }
	dbt=$(sql "$src" "select to_char(pg_xact_commit_timestamp('$x'::xid) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
	[ "$dbt" = "$t" ] || fail "xid $x: --explain says $t, the database $dbt"
done
python3 - "${kept#* }" "$t12" "${stop#* }" <<'PY' || fail "kept <= target < stop"
import sys
a, t, b = sys.argv[1:]
assert a <= t < b, (a, t, b)
PY
k get clusters.postgresql.cnpg.io -o name | grep -q pitr && fail "--explain created a Cluster"

# after the last commit: refused before anything is created
t_late=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["window"]["latestCommit"]["time"])' "$T/catalog.json" |
	sed 's/Z$/1Z/')
run pitr app-db $kc --to "$t_late" --name r-late --apply
expect_rc 3
expect_err "no transaction commits after"
expect_err "recovery ended before configured recovery target was reached"
k get clusters.postgresql.cnpg.io r-late >/dev/null 2>&1 && fail "a Cluster was created for r-late"

# an aborted transaction, and a restore point that does not exist
run pitr app-db $kc --to-xid "$aborted" --name r-aborted
expect_rc 3
expect_err "transaction $aborted aborted"
run pitr app-db $kc --to-name no-such-point --name r-none
expect_rc 3
expect_err "restore point 'no-such-point' is not in the archived WAL"
expect_err "'before-batch-3'"

# --to-xid: batch 3's transaction; the first backup (the second ended later)
want=$(sql "$src" "select count(*) from rows where batch <= 3")
run pitr app-db $kc --to-xid "$x3" --name r-xid --apply --wait --timeout 10m
expect_rc 0
expect_err "plan: restore backup $b1"
got=$(sql "$(pgdir r-xid)" "select count(*) from rows")
[ "$got" = "$want" ] || fail "r-xid holds $got rows, want $want"

# --to-name: the restore point between batches 2 and 3
want=$(sql "$src" "select count(*) from rows where batch <= 2")
run pitr app-db $kc --to-name before-batch-3 --name r-name --apply --wait --timeout 10m
expect_rc 0
expect_err "plan: restore backup $b1"
got=$(sql "$(pgdir r-name)" "select count(*) from rows")
[ "$got" = "$want" ] || fail "r-name holds $got rows, want $want"
exit 0
