# The S3 client against moto's server (tests/s3/s3tool drives src/s3.c):
# paged listings of > 2500 keys agree with boto3's paginator, delimited and
# parallel listings, get/head/put/delete, parallel GETs; then, with IAM
# enforced, a wrong secret, an unknown key id and a user without
# s3:ListBucket each give our message.
. "$(dirname "$0")/lib.sh"

S3TOOL=${S3TOOL:-$(dirname "$CNPGOPS_BIN")/s3tool}
[ -x "$S3TOOL" ] || skip "no $S3TOOL: run 'make build/san/s3tool'"
python3 -c 'import moto, boto3' 2>/dev/null || skip "python3 lacks moto/boto3"
MOTO="$TOP/../shared/tools/moto-sigv4fix.py"
[ -f "$MOTO" ] || skip "no $MOTO"

export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 CNPGOPS_TEST_BACKOFF_MS=1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_moto NAME PORT [ENV...]: moto on 127.0.0.1:PORT, stopped on exit.
start_moto() {
	name=$1 port=$2
	shift 2
	env "$@" python3 "$MOTO" "$port" >"$T/$name.log" 2>&1 &
	pid=$!
	at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	# Wait for the port with a TCP connect (no HTTP request: moto counts
	# those against INITIAL_NO_AUTH_ACTION_COUNT).
	python3 - "$port" "$pid" <<'PY' || fail "moto did not start: $(cat "$T/$name.log")"
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.time() + 20
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

s3tool() {
	"$S3TOOL" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
}

# 1. No IAM: listings.
P1=$(free_port)
start_moto open "$P1"
E1=http://127.0.0.1:$P1
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	python3 "$TOP/tests/s3/moto_setup.py" "$E1" fill bkt 2600 >"$T/boto3.keys" ||
	fail "moto_setup fill failed"
[ "$(wc -l <"$T/boto3.keys")" -eq 2603 ] || fail "boto3 listed $(wc -l <"$T/boto3.keys") keys"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

s3tool -e "$E1" bkt list pg/
expect_rc 0
expect_out "pages 3"
grep '^object ' "$out" | cut -d' ' -f2- | sed 's/ [0-9]* [0-9]* "[^"]*"$//' >"$T/ours.keys"
cmp -s "$T/ours.keys" "$T/boto3.keys" || fail "our listing differs from boto3's: $(diff "$T/ours.keys" "$T/boto3.keys" | head)"
grep -qxF 'object pg/c1/odd & key é+=%.txt 25' "$(sed 's/ [0-9]* "[^"]*"$//' "$out" >"$T/o2"; echo "$T/o2")" ||
	fail "special key not listed with its size"

s3tool -e "$E1" -m 700 bkt list pg/c1/wals/
expect_rc 0
expect_out "pages 4"
[ "$(grep -c '^object ' "$out")" -eq 2600 ] || fail "paged listing: $(grep -c '^object ' "$out") keys"

s3tool -e "$E1" bkt list pg/c1/ /
expect_rc 0
expect_out "prefix pg/c1/wals/"
expect_out "prefix pg/c1/base/"
expect_out "prefix pg/c1/x y/"
expect_out "object pg/c1/odd & key é+=%.txt"
expect_out "pages 1"

s3tool -e "$E1" bkt list-parallel pg/ pg/c1/wals/0000000000000002/ pg/c1/wals/0000000000000005/ pg/c1/wals/0000000000000008/
expect_rc 0
grep '^object ' "$out" | cut -d' ' -f2- | sed 's/ [0-9]* [0-9]* "[^"]*"$//' | LC_ALL=C sort >"$T/par.keys"
LC_ALL=C sort "$T/boto3.keys" >"$T/boto3.sorted"
cmp -s "$T/par.keys" "$T/boto3.sorted" || fail "parallel listing differs: $(diff "$T/par.keys" "$T/boto3.sorted" | head)"

s3tool -e "$E1" bkt put "probe/a b+c" "hello"
expect_rc 0
s3tool -e "$E1" bkt get "probe/a b+c"
expect_rc 0
expect_out "hello"
s3tool -e "$E1" bkt head "probe/a b+c"
expect_rc 0
expect_out "size 5 etag"
s3tool -e "$E1" bkt get-many 3 "probe/a b+c" missing "pg/c1/x y/z"
expect_rc 0
expect_out "got probe/a b+c 5 hello"
expect_out "got pg/c1/x y/z 11 pg/c1/x y/z"
expect_out "failed missing reading 's3://bkt/missing': the object does not exist (NoSuchKey)"
s3tool -e "$E1" bkt delete "probe/a b+c"
expect_rc 0
s3tool -e "$E1" bkt head "probe/a b+c"
expect_rc 1
expect_err "error: checking 's3://bkt/probe/a b+c': the object does not exist (NoSuchKey)"
s3tool -e "$E1" nosuchbkt list ""
expect_rc 1
expect_err "bucket 'nosuchbkt' does not exist at '$E1' (NoSuchBucket)"
expect_err "code: NoSuchBucket"

# Connection refused: ERR_IO naming the endpoint (after quick retries).
P0=$(free_port)
s3tool -e "http://127.0.0.1:$P0" bkt list ""
expect_rc 1
expect_err "cannot connect to 'http://127.0.0.1:$P0'"

# 2. IAM enforced after the 7 set-up requests.
P2=$(free_port)
start_moto iam "$P2" INITIAL_NO_AUTH_ACTION_COUNT=7
E2=http://127.0.0.1:$P2
python3 "$TOP/tests/s3/moto_setup.py" "$E2" iam secure >"$T/users" ||
	fail "moto_setup iam failed"
read -r _ RK RS <<EOF2
$(grep '^reader ' "$T/users")
EOF2
read -r _ NK NS <<EOF2
$(grep '^nolist ' "$T/users")
EOF2

AWS_ACCESS_KEY_ID=$RK AWS_SECRET_ACCESS_KEY=$RS s3tool -e "$E2" secure put "x/a b" "v"
expect_rc 0
AWS_ACCESS_KEY_ID=$RK AWS_SECRET_ACCESS_KEY=$RS s3tool -e "$E2" secure list "x/"
expect_rc 0
expect_out "object x/a b 1"

AWS_ACCESS_KEY_ID=$RK AWS_SECRET_ACCESS_KEY=wrong-secret s3tool -e "$E2" secure list "x/"
expect_rc 1
expect_err "the request signature was refused (SignatureDoesNotMatch): the secret access key for '$RK' is wrong"
expect_err "code: SignatureDoesNotMatch"

AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 AWS_SECRET_ACCESS_KEY=x s3tool -e "$E2" secure list "x/"
expect_rc 1
expect_err "the object store does not know access key 'AKIAUNKNOWNKEY000000' (InvalidAccessKeyId)"

AWS_ACCESS_KEY_ID=$NK AWS_SECRET_ACCESS_KEY=$NS s3tool -e "$E2" secure list "x/"
expect_rc 1
expect_err "listing 's3://secure/x/': access denied for access key '$NK' (AccessDenied)"
expect_err "hint: grant s3:ListBucket on arn:aws:s3:::secure"
AWS_ACCESS_KEY_ID=$NK AWS_SECRET_ACCESS_KEY=$NS s3tool -e "$E2" secure get "x/a b"
expect_rc 0
expect_out "v"
exit 0
