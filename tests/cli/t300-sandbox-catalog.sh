# The test sandbox (tests/sandbox): make a real barman-cloud catalog in moto
# with 2 base backups and 3 row batches, check it with barman's own
# barman-cloud-backup-list, check rows.json, then restore the first backup
# to a time between batch 2 and batch 3 and count the rows.
. "$(dirname "$0")/lib.sh"

[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "postgresql-15 is not installed"
[ -x /usr/bin/barman-cloud-backup ] || skip "barman-cli-cloud is not installed"

SB=$TOP/tests/sandbox
chmod 755 "$T" # the PostgreSQL OS user must reach the directories below
at_exit "sh '$SB/make-catalog.sh' stop '$T/cat' >/dev/null 2>&1"
at_exit "sh '$SB/pg.sh' stop '$T/restored' >/dev/null 2>&1"

sh "$SB/make-catalog.sh" "$T/cat" --backups 2 --batches 3 --rows 3 \
	--archive-timeout 60s --keep \
	>"$out" 2>"$err" || fail "make-catalog.sh failed"
scen=$T/cat/scenario.json
[ -s "$scen" ] && [ -s "$T/cat/rows.json" ] || fail "no scenario.json or rows.json"

# barman's own listing of the store sees both backups, DONE
# shellcheck disable=SC1091
. "$T/cat/catalog.env"
env -i PATH=/usr/bin:/bin HOME="$T" AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null NO_PROXY=127.0.0.1 \
	AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
	AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	AWS_DEFAULT_REGION="$AWS_DEFAULT_REGION" \
	/usr/bin/python3 /usr/bin/barman-cloud-backup-list --format json \
	--endpoint-url "$ENDPOINT" "$DEST" "$SERVER" >"$out" 2>"$err" ||
	fail "barman-cloud-backup-list failed"
python3 - "$scen" "$out" <<'PY' >"$err" 2>&1 || fail "backup list does not match scenario.json"
import json, sys
scen = json.load(open(sys.argv[1]))
listed = {b["backup_id"]: b["status"] for b in json.load(open(sys.argv[2]))["backups_list"]}
want = [b["id"] for b in scen["backups"]]
assert len(want) == 2, "scenario.json has %d backups, want 2" % len(want)
for b in scen["backups"]:
    assert b["status"] == "DONE", b
    assert b["begin_time"] < b["end_time"], b
    assert listed.get(b["id"]) == "DONE", "backup %s is %r in barman's list" % (b["id"], listed.get(b["id"]))
assert sorted(listed) == sorted(want), (listed, want)
assert [b["after_batch"] for b in scen["backups"]] == [1, 2], scen["backups"]
PY

# rows.json: ids 1..9, 3 rows a batch, one commit time a batch, increasing,
# RFC 3339 UTC with microseconds, and the live table agrees
count=$(sh "$SB/pg.sh" psql "$T/cat/pg" -c "select count(*) from rows") ||
	fail "cannot query the source cluster"
python3 - "$T/cat/rows.json" "$scen" "$count" <<'PY' >"$err" 2>&1 || fail "rows.json is inconsistent"
import json, re, sys
rows = json.load(open(sys.argv[1]))
scen = json.load(open(sys.argv[2]))
assert [r["id"] for r in rows] == list(range(1, 10)), rows
assert len(rows) == int(sys.argv[3]), "table has %s rows, rows.json %d" % (sys.argv[3], len(rows))
fmt = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
times = {}
for r in rows:
    assert fmt.match(r["commit_time"]), r
    times.setdefault(r["batch"], set()).add(r["commit_time"])
assert sorted(times) == [1, 2, 3], times
assert all(len(t) == 1 for t in times.values()), times
order = [min(times[b]) for b in sorted(times)]
assert order == sorted(order) and len(set(order)) == 3, order
assert [b["commit_time"] for b in scen["batches"]] == order, scen["batches"]
# the backup after batch 1 began after batch 1 committed and before batch 2
b1 = scen["backups"][0]
assert order[0] < b1["begin_time_rfc3339"] < order[1], (order, b1)
PY

# restore backup 1 to the middle of batch 2 and batch 3: exactly the rows
# committed up to then, on a new timeline
set -- $(python3 - "$T/cat/rows.json" "$scen" <<'PY'
import datetime, json, sys
rows = json.load(open(sys.argv[1]))
scen = json.load(open(sys.argv[2]))
p = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
t2, t3 = (p(b["commit_time"]) for b in scen["batches"][1:3])
mid = (t2 + (t3 - t2) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
want = sum(1 for r in rows if p(r["commit_time"]) <= p(mid))
print(scen["backups"][0]["id"], mid, want)
PY
)
[ $# -eq 3 ] || fail "cannot compute the recovery target"
backup=$1 target=$2 want=$3
[ "$want" -eq 6 ] || fail "expected 6 rows before $target, rows.json says $want"
sh "$SB/restore.sh" "$T/restored" --from "$T/cat" --backup "$backup" \
	--target-time "$target" >"$out" 2>"$err" || fail "restore.sh failed"
expect_out "rows=$want"
expect_out "timeline=2"
exit 0
