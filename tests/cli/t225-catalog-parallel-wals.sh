# catalog lists a large wals/ in parallel start-after ranges split at folder
# boundaries: the WAL runs and gaps equal those computed from the store's
# keys (missing segments placed at and around the range boundaries), and
# the requests stay within 5% of the minimum (tests/bench/bench_s3.py).
# The store's WAL objects are not WAL: --no-wal-decode, so that only the
# listing is counted.
. "$(dirname "$0")/lib.sh"

export AWS_ACCESS_KEY_ID=AKIATEST AWS_SECRET_ACCESS_KEY=secret
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_REGION

# 60000 segments: 235 folders, 3 ranges ending after folders 77 and 155
# (segments 19967/19968 and 39935/39936 on either side of the bounds).
N=60000
MISSING=0,255,256,19967,19968,39935,39936,50000,59999
python3 "$TOP/tests/bench/bench_s3.py" bench pg/pg/ $N 30 $MISSING \
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
curl -s "$E/_bench/count" >/dev/null || fail "no request counter at $E"

run catalog --destination-path s3://bench/pg --server-name pg --no-wal-decode \
	--endpoint-url "$E" -o json
expect_rc 0
curl -s "$E/_bench/count" >"$T/count" || fail "no request counter at $E"

python3 - "$TOP/tests/bench" "$out" "$T/count" $N $MISSING <<'PY' || fail "catalog differs from the store's keys"
import json, math, sys
sys.path.insert(0, sys.argv[1])
import bench_s3
n = int(sys.argv[4])
missing = {int(i) for i in sys.argv[5].split(",")}
keys, _ = bench_s3.build("pg/pg/", n, 30, missing)
segs = {}
for k in keys:
    name = k.rsplit("/", 1)[1]
    if len(name) == 24:
        tli = int(name[:8], 16)
        segs.setdefault(tli, []).append(int(name[8:16], 16) * 256 +
                                        int(name[16:], 16))
want = {}
for tli, idx in segs.items():
    runs, start = [], idx[0]
    for a, b in zip(idx, idx[1:] + [None]):
        if b != a + 1:
            runs.append((bench_s3.wal_name(tli, start),
                         bench_s3.wal_name(tli, a)))
            start = b
    want[tli] = runs
cat = json.load(open(sys.argv[2]))
got = {t["id"]: [(r["first"], r["last"]) for r in t["walRanges"]]
       for t in cat["timelines"]}
if got != want:
    print("want", want, "\ngot ", got)
    sys.exit(1)
if len(cat["backups"]) != 30:
    print("backups", len(cat["backups"]))
    sys.exit(1)
req = int(open(sys.argv[3]).read().split()[0])
# base/ listing + 30 backup.info + wals/ delimited + history GET, and the
# flat listing within 5% of ceil(objects/1000).
flat_min = math.ceil(sum(1 for k in keys if "/wals/" in k) / 1000)
other = 1 + 30 + 1 + 1
if req - other > flat_min * 1.05:
    print("requests", req, "flat", req - other, "minimum", flat_min)
    sys.exit(1)
print("requests", req, "flat", req - other, "minimum", flat_min)
PY
