# The SigV4 fixture the unit tests check our signer against
# (tests/fixtures/s3/sigv4_botocore.json) is what botocore produces today:
# regenerate it with tests/s3/sigv4_vectors.py and compare.
. "$(dirname "$0")/lib.sh"

python3 -c 'import botocore' 2>/dev/null || skip "python3 has no botocore"
python3 "$TOP/tests/s3/sigv4_vectors.py" >"$T/vectors.json" ||
	fail "tests/s3/sigv4_vectors.py failed"
cmp -s "$T/vectors.json" "$TOP/tests/fixtures/s3/sigv4_botocore.json" ||
	fail "tests/fixtures/s3/sigv4_botocore.json is stale: run 'python3 tests/s3/sigv4_vectors.py > tests/fixtures/s3/sigv4_botocore.json'"
exit 0
