# archive-test's credential checks against moto's S3 with IAM enforcement:
# an unknown access key, a wrong secret, a missing permission and a missing
# bucket are each diagnosed with the fix; the write probe with good
# credentials is removed afterwards.
. "$(dirname "$0")/lib.sh"
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "not a memory test"
export CNPGOPS_TEST_BACKOFF_MS=20
# the first requests are unauthenticated: create the user and the bucket
endpoint=$(INITIAL_NO_AUTH_ACTION_COUNT=10 sh "$TOP/tests/sandbox/moto.sh" start "$T/moto" --iam) ||
	fail "moto did not start"
at_exit "sh '$TOP/tests/sandbox/moto.sh' stop '$T/moto' >/dev/null 2>&1"
python3 - "$endpoint" >"$T/keys" <<'PY' || fail "IAM setup"
import sys, boto3
e = sys.argv[1]
kw = dict(endpoint_url=e, region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="archiver")
iam.put_user_policy(UserName="archiver", PolicyName="s3", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}')
k = iam.create_access_key(UserName="archiver")["AccessKey"]
boto3.client("s3", **dict(kw, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])).create_bucket(Bucket="backups")
iam.create_user(UserName="reader")
iam.put_user_policy(UserName="reader", PolicyName="get-only", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}')
r = iam.create_access_key(UserName="reader")["AccessKey"]
anon = boto3.client("s3", **dict(kw, aws_access_key_id="AKIANOBODY0000000000", aws_secret_access_key="x"))
# use up the unauthenticated requests, so that enforcement is on
for i in range(30):
    try:
        anon.list_buckets()
    except Exception:
        break
else:
    sys.exit("IAM enforcement never started")
print(k["AccessKeyId"], k["SecretAccessKey"], r["AccessKeyId"], r["SecretAccessKey"])
PY
read -r akid secret rakid rsecret <"$T/keys"
at() {
	AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		run archive-test --destination-path s3://backups/prod --server-name pg1 --endpoint-url "$endpoint" --write
}
at "$akid" "$secret"
expect_rc 0
expect_out "credentials: listed s3://backups/prod/pg1/"
expect_out "write: wrote, read back and deleted s3://backups/prod/pg1/cnpgops-probe-"
AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret python3 -c '
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
assert s3.list_objects_v2(Bucket="backups").get("KeyCount", 0) == 0, "the probe object was left behind"
' "$endpoint" || fail "the probe object was not removed"

at AKIANOSUCHKEY0000000 "$secret"
expect_rc 1
expect_out "fail credentials:"
expect_out "InvalidAccessKeyId"
expect_out "fix: the access key does not exist"

at "$akid" "not-the-secret"
expect_rc 1
expect_out "SignatureDoesNotMatch"
expect_out "fix: the secret key is wrong"
grep -qF "$secret" "$out" "$err" && fail "the secret was printed"
# a policy without s3:ListBucket
at "$rakid" "$rsecret"
expect_rc 1
expect_out "AccessDenied"
expect_out "fix: grant s3:ListBucket on the bucket"

# a bucket that does not exist
AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	run archive-test --destination-path s3://no-such-bucket/prod --server-name pg1 --endpoint-url "$endpoint"
expect_rc 1
expect_out "NoSuchBucket"
expect_out "fix: create the bucket, or fix the bucket in destinationPath"
exit 0
