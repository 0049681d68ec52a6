# The S3 client's retries and error messages against a canned server
# (tests/s3/fake_s3.py): SlowDown is retried, InternalError is retried then
# reported, a wrong region is retried once in the right one, a refused
# signature with a skewed Date names the clock, a body past the cap fails.
. "$(dirname "$0")/lib.sh"

S3TOOL=${S3TOOL:-$(dirname "$CNPGOPS_BIN")/s3tool}
[ -x "$S3TOOL" ] || skip "no $S3TOOL: run 'make build/san/s3tool'"

export AWS_ACCESS_KEY_ID=AKIATEST AWS_SECRET_ACCESS_KEY=secret
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 CNPGOPS_TEST_BACKOFF_MS=1
unset AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION

python3 "$TOP/tests/s3/fake_s3.py" "$T/port" >"$T/requests" 2>"$T/fake.err" &
pid=$!
at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
python3 - "$T/port" "$pid" <<'PY' || fail "fake_s3 did not start: $(cat "$T/fake.err")"
import os, sys, time
deadline = time.time() + 10
while time.time() < deadline:
    if os.path.exists(sys.argv[1]):
        sys.exit(0)
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        sys.exit(1)
    time.sleep(0.02)
sys.exit(1)
PY
E=http://127.0.0.1:$(cat "$T/port")

s3tool() {
	"$S3TOOL" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
}

s3tool -e "$E" slow list p/
expect_rc 0
expect_out "pages 1"
[ "$(grep -c ' /slow' "$T/requests")" -eq 3 ] || fail "slow: $(grep -c ' /slow' "$T/requests") requests, want 3"

s3tool -e "$E" internal list p/
expect_rc 1
expect_err "error: listing 's3://internal/p/': We encountered an internal error (InternalError, HTTP 500)"
expect_err "hint: quote request id REQ123"
expect_err "code: InternalError"
[ "$(grep -c ' /internal' "$T/requests")" -eq 5 ] || fail "internal: $(grep -c ' /internal' "$T/requests") requests, want 5"

s3tool -e "$E" euw list p/
expect_rc 0
expect_err "region: eu-west-1"
[ "$(grep -c " /euw" "$T/requests")" -eq 2 ] || fail "eu: $(grep -c " /euw" "$T/requests") requests, want 2"

s3tool -e "$E" skew list p/
expect_rc 1
expect_err "the request signature was refused (SignatureDoesNotMatch): the local clock is"
expect_err "s ahead of the server's"

# the same answers through archive-test: the clock skew is measured and
# named; a bucket in another region is found and named
run archive-test --destination-path s3://skew/p --server-name pg1 --endpoint-url "$E"
expect_rc 1
expect_out "SignatureDoesNotMatch"
expect_out "the local clock is"
run archive-test --destination-path s3://euw/p --server-name pg1 --endpoint-url "$E"
expect_rc 0
expect_out "eu-west-1"

# a server that stalls mid-body: the request timeout gives up (each retry too)
s3tool -T 1000 -e "$E" stall list p/
expect_rc 1
grep -qi "timed out\|timeout" "$err" || fail "stall: the timeout is not named: $(cat "$err")"

s3tool -e "$E" big get blob
expect_rc 1
expect_err "error: 's3://big/blob' is larger than 1048576 bytes"

# TLS: a CA given in memory (-c: CURLOPT_CAINFO_BLOB) is trusted; without
# it the error names TLS and the endpointCA; a certificate for another name
# says so.
command -v openssl >/dev/null || skip "no openssl"
mkcert() { # NAME SAN
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
		-addext "subjectAltName=$3" -keyout "$T/$1.key" \
		-out "$T/$1.pem" >/dev/null 2>&1 || fail "openssl req failed"
}
start_tls() { # NAME
	rm -f "$T/$1.port"
	python3 "$TOP/tests/s3/fake_s3.py" "$T/$1.port" "$T/$1.pem" "$T/$1.key" \
		>/dev/null 2>"$T/$1.err" &
	tpid=$!
	at_exit "kill $tpid 2>/dev/null; wait $tpid 2>/dev/null"
	python3 -c 'import os, sys, time
d = time.time() + 10
while time.time() < d and not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
sys.exit(0 if os.path.exists(sys.argv[1]) else 1)' "$T/$1.port" ||
		fail "TLS fake_s3 did not start: $(cat "$T/$1.err")"
}
mkcert good 127.0.0.1 IP:127.0.0.1
start_tls good
ETLS=https://127.0.0.1:$(cat "$T/good.port")
s3tool -e "$ETLS" -c "$T/good.pem" slow list p/
expect_rc 0
expect_out "pages 1"
s3tool -e "$ETLS" slow list p/
expect_rc 1
expect_err "error: listing 's3://slow/p/': TLS with '$ETLS' failed"
expect_err "hint: give the endpoint's CA bundle"

mkcert other other.example DNS:other.example
start_tls other
EOTHER=https://127.0.0.1:$(cat "$T/other.port")
s3tool -e "$EOTHER" -c "$T/other.pem" slow list p/
expect_rc 1
expect_err "TLS with '$EOTHER' failed"
expect_err "hint: the certificate does not name the endpoint's host"
exit 0
