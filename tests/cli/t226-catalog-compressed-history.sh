# Timeline history files compressed as barman-cloud-wal-archive writes them
# (it compresses .history files with the WAL): one timeline per format,
# gz, bz2, xz, zst, lz4 and snappy, made by the real tools
# (tests/sandbox/zfile.sh) in moto's S3.  catalog reads each file's parent
# and switch point, as the uncompressed text says; a corrupted one is an
# error naming the object.
. "$(dirname "$0")/lib.sh"
python3 -c 'import moto, boto3' 2>/dev/null || skip "python3 lacks moto/boto3"
/usr/bin/python3 -c 'import snappy' 2>/dev/null || skip "no python3-snappy"
for t in gzip bzip2 xz zstd lz4; do
	command -v $t >/dev/null 2>&1 || skip "no $t"
done

export AWS_ACCESS_KEY_ID=AKIATEST AWS_SECRET_ACCESS_KEY=secret
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_REGION AWS_PROFILE

E=$(sh "$TOP/tests/sandbox/moto.sh" start "$T/moto") || fail "moto did not start"
at_exit "sh '$TOP/tests/sandbox/moto.sh' stop '$T/moto' >/dev/null 2>&1"

# Timeline N (2..7) branches off N-1 at 0/(0x10+N)800000; its history
# file lists every ancestor, as PostgreSQL writes it.
mkdir -p "$T/wals"
tli=1
: >"$T/hist"
for f in gz bz2 xz zst lz4 snappy; do
	tli=$((tli + 1))
	printf '%d\t0/%X\tno recovery target specified\n\n' $((tli - 1)) \
		$(((0x10 + tli) * 0x1000000 + 0x800000)) >>"$T/hist"
	sh "$TOP/tests/sandbox/zfile.sh" "$f" <"$T/hist" \
		>"$T/wals/$(printf '%08X.history.%s' $tli "$f")" || fail "zfile $f"
done
upload() {
	python3 - "$E" "$T/wals" "$TOP/tests/fixtures/catalog/done.info" <<'PY' || fail "upload"
import boto3, os, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
try:
    s3.create_bucket(Bucket="pgarch")
except s3.exceptions.ClientError:
    pass
p = "arch/srv/"
s3.put_object(Bucket="pgarch", Key=p + "base/20261124T232720/backup.info",
              Body=open(sys.argv[3], "rb").read())
for name in os.listdir(sys.argv[2]):
    s3.put_object(Bucket="pgarch", Key=p + "wals/" + name,
                  Body=open(os.path.join(sys.argv[2], name), "rb").read())
# timeline 1 from the backup's segment (0F) to its switch; each later
# timeline N from its switch segment 0x10+N to the next timeline's
segs = [(1, s) for s in range(0xF, 0x13)]
segs += [(t, s) for t in range(2, 8) for s in (0x10 + t, 0x11 + t)]
for t, s in segs:
    name = "%08X%08X%08X.gz" % (t, 0, s)
    s3.put_object(Bucket="pgarch", Key=p + "wals/" + name[:16] + "/" + name, Body=b"x")
PY
}
upload

run catalog --destination-path s3://pgarch/arch --server-name srv --endpoint-url "$E" -o json
expect_rc 0
python3 - "$out" <<'PY' || fail "the timelines of the compressed history files"
import json, sys
c = json.load(open(sys.argv[1]))
t = {x["id"]: x for x in c["timelines"]}
assert sorted(t) == list(range(1, 8)), sorted(t)
for n in range(2, 8):
    want = "0/%X" % ((0x10 + n) * 0x1000000 + 0x800000)
    assert t[n]["parent"] == n - 1, (n, t[n])
    assert t[n]["switchLsn"] == want, (n, t[n]["switchLsn"], want)
assert not [w for w in c["warnings"] if "history" in json.dumps(w)], c["warnings"]
PY

# A corrupted compressed history file is an error that names it.
f=$T/wals/00000004.history.xz
python3 - "$f" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x20
open(sys.argv[1], "wb").write(bytes(b))
PY
upload
run catalog --destination-path s3://pgarch/arch --server-name srv --endpoint-url "$E"
[ "$rc" -ne 0 ] || fail "a corrupted history file was read"
expect_err "00000004.history.xz"
expect_err "corrupt xz data"
exit 0
