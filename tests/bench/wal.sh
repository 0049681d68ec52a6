#!/bin/sh
# WAL decoding throughput: src/waldec.c (tests/wal/waltool, optimised
# build) against pg_waldump (PostgreSQL 15) on the same uncompressed
# segments of real WAL, each pinned to one core, best of 3 runs.
#
#   tests/bench/wal.sh [MB]   about MB MiB of WAL (default 512)
#
# Prints a Markdown table: MB/s of segment bytes decoded, and the number of
# records each read (they must agree).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MB=${1:-512}
PG=$TOP/tests/sandbox/pg.sh
WALDUMP=/usr/lib/postgresql/15/bin/pg_waldump
WALTOOL=$TOP/build/rel/waltool
[ -x "$WALTOOL" ] || { echo "run 'make build/rel/waltool' first" >&2; exit 2; }
d=$(mktemp -d)
chmod 755 "$d"
trap 'sh "$PG" stop "$d/c" >/dev/null 2>&1; rm -rf "$d"' EXIT
sh "$PG" init "$d/c" --no-archive >/dev/null
sh "$PG" run "$d/c" mkdir "$d/c/archive"
sh "$PG" run "$d/c" sh -c "cat >>'$d/c/data/postgresql.conf'" <<EOC
archive_mode = on
archive_command = 'cp %p $d/c/archive/%f'
max_wal_size = '4GB'
EOC
sh "$PG" start "$d/c" >/dev/null
q() { sh "$PG" psql "$d/c" -c "$1"; }
q "create table t (id bigserial primary key, a int, b text)"
# a mix: small transactions, updates, and bulk inserts
rows=$((MB * 2500))
q "insert into t (a, b) select g, md5(g::text) from generate_series(1, $rows) g"
q "update t set a = a + 1 where id % 3 = 0"
i=0
while [ $i -lt 2000 ]; do
	echo "insert into t (a, b) values ($i, 'x'); update t set a = a - 1 where id = $((i + 1));"
	i=$((i + 1))
done | sh "$PG" psql "$d/c" >/dev/null
q "select pg_switch_wal()" >/dev/null
cur=$(q "select pg_walfile_name(pg_current_wal_lsn())")
sleep_until_archived() {
	python3 - "$d/c/archive" "$cur" <<'PY'
import os, sys, time
arch, cur = sys.argv[1], sys.argv[2]
n = int(cur[8:16], 16) * 256 + int(cur[16:], 16) - 1
want = "%s%08X%08X" % (cur[:8], n // 256, n % 256)
deadline = time.time() + 300
while time.time() < deadline and not os.path.exists(os.path.join(arch, want)):
    time.sleep(0.2)
PY
}
sleep_until_archived
sh "$PG" stop "$d/c" >/dev/null
segs=$(ls "$d/c/archive" | grep -E '^[0-9A-F]{24}$' | sort)
first=$(echo "$segs" | head -n 1)
last=$(echo "$segs" | tail -n 1)
n=$(echo "$segs" | wc -l)
bytes=$((n * 16777216))
# warm the page cache
cat "$d/c/archive/"* >/dev/null
best() { # best wall seconds of 3 runs of "$@"
	python3 - "$@" <<'PY'
import subprocess, sys, time
best = None
for _ in range(3):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    t = time.perf_counter() - t
    best = t if best is None or t < best else best
print("%.3f" % best)
PY
}
files=$(echo "$segs" | sed "s|^|$d/c/archive/|")
# shellcheck disable=SC2086
t_ours=$(best taskset -c 0 "$WALTOOL" $files)
t_quiet=$(best taskset -c 0 "$WALDUMP" -q -p "$d/c/archive" "$first" "$last")
t_full=$(best taskset -c 0 "$WALDUMP" -p "$d/c/archive" "$first" "$last")
# shellcheck disable=SC2086
r_ours=$("$WALTOOL" $files | sed -n 's/^end: .* records=\([0-9]*\).*/\1/p')
r_dump=$("$WALDUMP" -z -p "$d/c/archive" "$first" "$last" 2>/dev/null |
	awk '/^Total/ {print $2}')
mbs() { python3 -c "print('%.0f' % ($bytes / 1048576 / $1))"; }
echo "WAL: $n segments of 16 MiB ($((bytes / 1048576)) MiB), one core each (taskset -c 0), best of 3"
echo
echo "| decoder | records | wall (s) | MB/s |"
echo "|---|---:|---:|---:|"
echo "| waldec (tests/wal/waltool, -O2) | $r_ours | $t_ours | $(mbs "$t_ours") |"
echo "| pg_waldump -q (decode, no output) | $r_dump | $t_quiet | $(mbs "$t_quiet") |"
echo "| pg_waldump (every record printed) | $r_dump | $t_full | $(mbs "$t_full") |"
