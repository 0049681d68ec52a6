# The PITR proof end to end through the API, with real parts: the test API
# server's real simulation (tests/apiserver/sim_real.py) runs a real
# PostgreSQL for each Cluster, archiving with barman-cloud into moto; `backup
# now` takes real base backups; `pitr --apply --wait` creates Clusters whose
# bootstrap.recovery the simulation carries out with barman-cloud-restore and
# WAL replay.  For each target (between two backups; just after a backup's
# end; on timeline 2 of a recovered cluster that archives under its own
# serverName, after its promotion) the recovered database holds exactly the
# rows committed up to the target.  Targets outside the window are refused
# before anything is created.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "real recoveries take minutes; not a memory test"
. "$TOP/tests/cli/realsim.sh"

realsim_start
kc="--kubeconfig $S/kubeconfig"

# prod: a real PostgreSQL archiving into s3://sandbox/prod/app-db
realsim_cluster app-db s3://sandbox/prod
src=$(pgdir app-db)
sql "$src" "create table rows (id serial primary key, batch int not null)"
batch "$src" 1
run backup now app-db $kc --wait --timeout 5m
expect_rc 0
b1=$(k get backups.postgresql.cnpg.io -o jsonpath='{.items[0].status.backupId}')
b1_end=$(backup_end app-db "$b1")
batch "$src" 2
batch "$src" 3
run backup now app-db $kc --wait --timeout 5m
expect_rc 0
b2=$(k get backups.postgresql.cnpg.io -o json |
	python3 -c 'import json,sys; print(sorted(i["status"]["backupId"] for i in json.load(sys.stdin)["items"])[-1])')
[ "$b2" != "$b1" ] || fail "the second backup has the first one's id"
b2_end=$(backup_end app-db "$b2")
batch "$src" 4
batch "$src" 5
switch_wal "$src"

run catalog app-db $kc -o json
expect_rc 0
python3 - "$out" "$b1" <<'PY' || fail "the catalog of the real archive"
import json, sys
c = json.load(open(sys.argv[1]))
assert [b["status"] for b in c["backups"]] == ["DONE", "DONE"], c["backups"]
assert c["backups"][0]["id"] == sys.argv[2]
assert c["timelines"][0]["gaps"] == [], c["timelines"]
PY

# 1. between backup 1's end and batch 2: backup 1 and WAL
t1=$(between "$b1_end" "$(commit_time "$src" 2)")
recover_and_count app-db r-between "$t1"
# the same command again is safe: refused, the recovered cluster untouched
uid=$(k get clusters.postgresql.cnpg.io r-between -o jsonpath='{.metadata.uid}')
run pitr app-db $kc --to "$t1" --name r-between --apply --wait
[ "$rc" -ne 0 ] || fail "a second pitr --apply into r-between went through"
expect_err "already exists"
[ "$(k get clusters.postgresql.cnpg.io r-between -o jsonpath='{.metadata.uid}')" = "$uid" ] ||
	fail "the second pitr replaced r-between"
# 2. just after backup 2's end (batch 3 is before it): backup 2, little WAL
t2=$(after "$b2_end" 0.2)
recover_and_count app-db r-after-b2 "$t2"
# 3. between batches 4 and 5, into a cluster that archives under its own
#    serverName (r-tl2): it promotes onto timeline 2
t3=$(between "$(commit_time "$src" 4)" "$(commit_time "$src" 5)")
recover_and_count app-db r-tl2 "$t3" --archive
tl2=$(pgdir r-tl2)
[ "$(sql "$tl2" "select timeline_id from pg_control_checkpoint()")" = 2 ] ||
	fail "r-tl2 is not on timeline 2"
# rows 6 and 7 on timeline 2, a backup of r-tl2, then a target between them
batch "$tl2" 6
run backup now r-tl2 $kc --wait --timeout 5m
expect_rc 0
batch "$tl2" 7
batch "$tl2" 8
switch_wal "$tl2"
run catalog r-tl2 $kc -o json
expect_rc 0
python3 - "$out" <<'PY' || fail "the catalog of timeline 2"
import json, sys
c = json.load(open(sys.argv[1]))
assert [t["id"] for t in c["timelines"]][-1] == 2, c["timelines"]
# read from wals/00000002.history.gz (barman compresses history files too)
assert c["timelines"][-1]["parent"] == 1, c["timelines"]
assert c["timelines"][-1]["switchLsn"], c["timelines"]
assert c["backups"][-1]["timeline"] == 2, c["backups"]
PY
t4=$(between "$(commit_time "$tl2" 7)" "$(commit_time "$tl2" 8)")
recover_and_count r-tl2 r-tl2-pitr "$t4"

# Refusals: before the first backup's end, and in the future; nothing created
run pitr app-db $kc --to "$(commit_time "$src" 1)" --name r-refused --apply
expect_rc 3
expect_err "$b1_end"
run pitr app-db $kc --to 2099-01-01T00:00:00Z --name r-refused --apply
expect_rc 3
k get clusters.postgresql.cnpg.io r-refused >/dev/null 2>&1 &&
	fail "a Cluster was created for a refused target"
exit 0
