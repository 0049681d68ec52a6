# The catalog and pitr against a REAL barman-cloud catalog (PostgreSQL 15
# archiving with barman-cloud into moto's S3 on loopback): the catalog
# agrees with barman-cloud-backup-list; pitr picks the backup barman's rule
# picks, refuses targets outside the window (exit 3) and a used archive
# path for --archive; and a recovery to the planned target, done by
# PostgreSQL from the same store, holds exactly the rows committed up to it.
# Then the WAL itself, from the same store: the window ends at the
# database's last commit; every segment recompressed in each of barman's
# formats gives the same answers; a flipped byte stops decoding with a
# warning and refuses a target past it; a segment cut short counts for
# nothing, as PostgreSQL refuses it.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
need_kubectl
need_real_parts
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "the real catalog takes minutes; not a memory test"

real_catalog "$T/cat" --backups 2 --batches 4 --rows 3 --prefix backups --server app-db
b1=$(j 'd["backups"][0]["id"]')
b2=$(j 'd["backups"][1]["id"]')
b1_end=$(j 'd["backups"][0]["end_time_rfc3339"]')
b1_begin=$(j 'd["backups"][0]["begin_time_rfc3339"]')

apiserver_start
cat >"$T/objects.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: app-db-s3
stringData:
  ACCESS_KEY_ID: $akid
  ACCESS_SECRET_KEY: $secret
---
apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: app-db-store
spec:
  configuration:
    destinationPath: s3://sandbox/backups
    endpointURL: $endpoint
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

# The catalog, as JSON, against barman's own listing of the same store.
run catalog app-db $kc -o json
expect_rc 0
env -i PATH=/usr/bin:/bin HOME="$T" AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" \
	AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	NO_PROXY=127.0.0.1 barman-cloud-backup-list --endpoint-url "$endpoint" --format json \
	s3://sandbox/backups app-db >"$T/barman.json" 2>"$T/barman.err" ||
	{ cat "$T/barman.err"; fail "barman-cloud-backup-list failed"; }
python3 - "$out" "$T/barman.json" "$b1_end" <<'PY' || fail "the catalog disagrees with barman"
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
b = {x["backup_id"]: x for x in theirs["backups_list"]}
o = {x["id"]: x for x in ours["backups"]}
assert set(b) == set(o), (sorted(b), sorted(o))
for i in b:
    assert o[i]["status"] == b[i]["status"], (i, o[i]["status"], b[i]["status"])
    assert o[i]["beginWal"] == b[i]["begin_wal"] and o[i]["endWal"] == b[i]["end_wal"], i
    assert o[i]["timeline"] == b[i]["timeline"], i
assert ours["serverName"] == "app-db" and ours["destinationPath"] == "s3://sandbox/backups"
assert ours["window"]["earliest"] == sys.argv[3], (ours["window"], sys.argv[3])
assert ours["timelines"][0]["gaps"] == [], ours["timelines"]
PY
run catalog app-db $kc
expect_rc 0
expect_out "$b1"
expect_out "$b2"
expect_out "Recoverability window (timeline 1)"

# Targets: between batches 3 and 4 (after backup 2), and between the end
# of backup 1 and batch 2 (before backup 2 ended).
t_late=$(python3 - "$cat/scenario.json" <<'PY'
import json, sys, datetime as dt
d = json.load(open(sys.argv[1]))
p = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
a, b = p(d["batches"][2]["commit_time"]), p(d["batches"][3]["commit_time"])
print((a + (b - a) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
)
t_early=$(python3 - "$cat/scenario.json" <<'PY'
import json, sys, datetime as dt
d = json.load(open(sys.argv[1]))
p = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
a, b = p(d["backups"][0]["end_time_rfc3339"]), p(d["batches"][1]["commit_time"])
print((a + (b - a) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
PY
)
run pitr app-db $kc --to "$t_late" --name app-db-late -o json
expect_rc 0
expect_err "plan: restore backup $b2"
python3 - "$out" "$b2" <<'PY' || fail "the late manifest"
import json, sys
m = json.load(open(sys.argv[1]))
r = m["spec"]["bootstrap"]["recovery"]
assert r["recoveryTarget"]["backupID"] == sys.argv[2], r
assert r["recoveryTarget"]["targetTime"].endswith("+00:00"), r
assert m["spec"]["externalClusters"][0]["plugin"]["parameters"] == {"barmanObjectName": "app-db-store", "serverName": "app-db"}
assert "plugins" not in m["spec"], "the recovery cluster must not archive by default"
PY
run pitr app-db $kc --to "$t_early" --name app-db-early
expect_rc 0
expect_out "backupID: $b1"
cp "$out" "$T/early.yaml"
python3 "$TOP/../shared/tools/crdcheck.py" --crds "$TOP/../shared/crds" "$T/early.yaml" >"$T/crd.out" 2>&1 ||
	{ cat "$T/crd.out"; fail "the pitr manifest does not validate against the CRDs"; }

# Outside the window: refused before anything, with the window.
run pitr app-db $kc --to "$b1_begin" --apply
expect_rc 3
expect_err "$b1_end"
run pitr app-db $kc --to "2099-01-01T00:00:00Z" --apply
expect_rc 3
k get clusters.postgresql.cnpg.io -o name | grep -q pitr && fail "a cluster was created for a refused target"

# --latest pins the newest backup; --archive refuses the source's own path.
run pitr app-db $kc --latest
expect_rc 0
expect_out "backupID: $b2"
run pitr app-db $kc --latest --archive --name app-db
expect_rc 3
expect_err "is not empty"
run pitr app-db $kc --latest --archive --name app-db-new -o json
expect_rc 0
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); p=m["spec"]["plugins"][0]; assert p["isWALArchiver"] and p["parameters"]["serverName"]=="app-db-new", p' "$out" ||
	fail "--archive does not archive under the new name"

# The proof: PostgreSQL recovers the planned backup to the planned target
# from the same store, and holds exactly the rows committed up to it.
want=$(python3 - "$cat/rows.json" "$t_early" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print(sum(1 for r in rows if r["commit_time"] <= sys.argv[2]))
PY
)
sh "$TOP/tests/sandbox/restore.sh" "$T/restored" --from "$cat" --backup "$b1" --target-time "$t_early" \
	>"$T/restore.out" 2>&1 || { tail -n 30 "$T/restore.out"; fail "recovery to the planned target failed"; }
at_exit "sh '$TOP/tests/sandbox/pg.sh' stop '$T/restored' >/dev/null 2>&1"
got=$(sed -n 's/^rows=//p' "$T/restore.out")
[ "$got" = "$want" ] || fail "recovered $got rows, want $want (committed up to $t_early)"

# The WAL itself, read from the same store (walscan).  The window ends at
# the last commit in the archive: the database's own commit time of that
# xid.  Without decoding it is the archive time, an upper bound.
run catalog app-db $kc -o json
expect_rc 0
cp "$out" "$T/decoded.json"
lc() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["window"].get("latestCommit"); print(c and c[sys.argv[2]])' "$@"; }
lc_xid=$(lc "$T/decoded.json" xid)
lc_lsn=$(lc "$T/decoded.json" lsn)
[ -n "$lc_xid" ] && [ "$lc_xid" != None ] || fail "no latestCommit: $(cat "$T/decoded.json")"
db_time=$(sh "$TOP/tests/sandbox/pg.sh" psql "$cat/pg" -c "select to_char(pg_xact_commit_timestamp('$lc_xid'::xid) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
[ "$(lc "$T/decoded.json" time)" = "$db_time" ] || fail "last commit xid $lc_xid: catalog $(lc "$T/decoded.json" time), database $db_time"
python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["window"]; assert w["latestIsUpperBound"] is False and w["latest"] == w["latestCommit"]["time"] <= w["latestArchived"], w' "$T/decoded.json" ||
	fail "the window does not end at the last commit"
# From here on the archive holds still: PostgreSQL is stopped (its
# checkpoints would archive more WAL), and what follows compares with
# this catalog.
sh "$TOP/tests/sandbox/pg.sh" stop "$cat/pg" >/dev/null 2>&1 || fail "stop PostgreSQL"
run catalog app-db $kc -o json
expect_rc 0
cp "$out" "$T/decoded.json"
lc_xid=$(lc "$T/decoded.json" xid)
lc_lsn=$(lc "$T/decoded.json" lsn)
run catalog app-db $kc --no-wal-decode -o json
expect_rc 0
python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["window"]; assert w["latestIsUpperBound"] is True and "latestCommit" not in w, w' "$out" ||
	fail "--no-wal-decode still decoded"

# Every WAL segment recompressed, segment by segment in turn, in every
# format barman writes (and none): the same answers, streamed and
# decompressed from the store.
t_34=$t_late
run pitr app-db $kc --to "$t_34" --explain
expect_rc 0
# what it read depends on the archive times, which the copies change
grep -v "^  WAL: read" "$out" >"$T/explain.gz"
grep -q "recovery stops before: xid" "$T/explain.gz" || fail "--explain: $(cat "$T/explain.gz")"
s3obj() { # s3obj recompress FIRST_SEGMENT | corrupt KEYPART OFFSET | truncate KEYPART OFFSET
	env AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-east-1 \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null NO_PROXY=127.0.0.1 \
		python3 - "$endpoint" "$TOP/tests/sandbox/zfile.sh" "$@" <<'PY'
import boto3, bz2, gzip, lzma, subprocess, sys
endpoint, zfile, op = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint)
pre = "backups/app-db/wals/"
keys = sorted(o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="sandbox", Prefix=pre)
              for o in p.get("Contents", []))
def plain(key, body):
    ext = key.rsplit("/", 1)[1][24:]
    if ext == ".gz":
        return gzip.decompress(body)
    if ext == ".bz2":
        return bz2.decompress(body)
    if ext == ".xz":
        return lzma.decompress(body)
    if ext in (".zst", ".lz4", ".snappy"):
        tool = {".zst": ["zstd", "-d", "-q", "-c"], ".lz4": ["lz4", "-d", "-q", "-c"]}.get(ext)
        assert tool, "snappy is only written here"
        return subprocess.run(tool, input=body, capture_output=True, check=True).stdout
    assert ext == "", key
    return body
def pack(fmt, data):
    if fmt == "":
        return data
    return subprocess.run(["sh", zfile, fmt], input=data, capture_output=True, check=True).stdout
def put(old, name, fmt, data):
    new = old.rsplit("/", 1)[0] + "/" + name + ("." + fmt if fmt else "")
    s3.put_object(Bucket="sandbox", Key=new, Body=pack(fmt, data))
    if new != old:
        s3.delete_object(Bucket="sandbox", Key=old)
segs = [k for k in keys if len(k.rsplit("/", 1)[1]) >= 24 and
        all(c in "0123456789ABCDEF" for c in k.rsplit("/", 1)[1][:24]) and
        k.rsplit("/", 1)[1][24:] in ("", ".gz", ".bz2", ".xz", ".zst", ".lz4", ".snappy")]
if op == "recompress":
    fmts = ["bz2", "xz", "zst", "lz4", "snappy", "", "gz"]
    n = 0
    for k in segs:
        name = k.rsplit("/", 1)[1][:24]
        if name < sys.argv[4]:
            continue
        body = s3.get_object(Bucket="sandbox", Key=k)["Body"].read()
        put(k, name, fmts[n % len(fmts)], plain(k, body))
        n += 1
    print(n)
else:
    part, off = sys.argv[4], int(sys.argv[5])
    k = [k for k in segs if part in k][0]
    name = k.rsplit("/", 1)[1][:24]
    ext = k.rsplit("/", 1)[1][25:]
    data = bytearray(plain(k, s3.get_object(Bucket="sandbox", Key=k)["Body"].read()))
    if op == "corrupt":
        data[off] ^= 0x55
    else:
        data = data[:off]
    put(k, name, "gz" if ext == "snappy" else ext, bytes(data))
    print(k)
PY
}
n=$(s3obj recompress 000000000000000000000000) || fail "recompressing the WAL"
[ "$n" -ge 7 ] || fail "only $n segments recompressed: not every format is covered"
run catalog app-db $kc -o json
expect_rc 0
python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); assert a["window"]["latestCommit"] == b["window"]["latestCommit"] and not [w for w in b["warnings"] if "WAL of" in w], (a["window"], b["window"], b["warnings"])' "$T/decoded.json" "$out" ||
	fail "the recompressed WAL gives another last commit"
run pitr app-db $kc --to "$t_34" --explain
expect_rc 0
grep -v "^  WAL: read" "$out" >"$T/explain.z"
diff "$T/explain.gz" "$T/explain.z" >/dev/null ||
	fail "--explain differs on the recompressed WAL: $(diff "$T/explain.gz" "$T/explain.z")"

# A flipped byte in the last commit's record: decoding stops there, as
# replay would.  The window ends at an earlier commit, with a warning, and
# a time past the corrupted record is refused: PostgreSQL could not reach it.
seg_of() { python3 -c 'import sys; h,l=sys.argv[1].split("/"); x=(int(h,16)<<32)|int(l,16); n=x>>24; print("%08X%08X" % (n >> 8, n & 255), x & 0xFFFFFF)' "$1"; }
set -- $(seg_of "$lc_lsn")
lc_part=$1
lc_off=$2
s3obj corrupt "$lc_part" $((lc_off + 30)) >/dev/null || fail "corrupting the segment"
run catalog app-db $kc -o json
expect_rc 0
python3 - "$T/decoded.json" "$out" <<'PY' || fail "the catalog after corruption"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
old, new = a["window"]["latestCommit"], b["window"].get("latestCommit")
lsn = lambda s: (int(s.split("/")[0], 16) << 32) | int(s.split("/")[1], 16)
assert new is None or lsn(new["lsn"]) < lsn(old["lsn"]), (old, new)
assert [w for w in b["warnings"] if "WAL of timeline 1" in w and "checksum" in w], b["warnings"]
PY
lc_time=$(lc "$T/decoded.json" time)
t_before_lc=$(python3 -c 'import sys, datetime as dt; t=dt.datetime.fromisoformat(sys.argv[1].replace("Z","+00:00")); print((t - dt.timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$lc_time")
run pitr app-db $kc --to "$t_before_lc" --name app-db-corrupt --apply
expect_rc 3
expect_err "the archived WAL cannot reach"
expect_err "$lc_part"
k get clusters.postgresql.cnpg.io app-db-corrupt >/dev/null 2>&1 && fail "a Cluster was created past a corrupted record"

# A segment cut short: PostgreSQL refuses a restored file of the wrong size,
# so nothing in it counts.
s3obj truncate "$lc_part" $((lc_off - 1)) >/dev/null || fail "truncating the segment"
run pitr app-db $kc --to "$t_before_lc" --name app-db-short
expect_rc 3
expect_err "not a whole segment"
exit 0
