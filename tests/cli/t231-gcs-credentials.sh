# GCS credentials, against tests/gcs/fake_gcs.py (Google's OAuth 2.0 token
# endpoint checks the JWT's RS256 signature against the service account's
# public key) with a small synthetic catalog: a service account key file
# (GOOGLE_APPLICATION_CREDENTIALS) gets one token for the whole run; a 401
# gets a fresh token once; 503s are retried; a key that is not the
# account's is refused with the fix, without printing it; gcloud's
# application-default credentials (authorized_user) work; a revoked login
# is refused; archive-test --write leaves nothing behind; no credentials at
# all name every place looked in.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"

G=$T/gcs
mkdir -p "$G"
echo '{"buckets": {"pg-backups": {}}}' >"$G/config.json"
url=$(sh "$TOP/tests/gcs/gcs.sh" start "$G" "$G/config.json") || fail "fake_gcs did not start"
at_exit "sh '$TOP/tests/gcs/gcs.sh' stop '$G'"
for who in admin other; do
	sh "$TOP/tests/gcs/gcs.sh" keygen "$G/$who" "$who@proj.iam.gserviceaccount.com" "$url/token" >/dev/null ||
		fail "keygen $who"
done
sh "$TOP/tests/gcs/gcs.sh" register "$G" "$G/admin" \
	'{"pg-backups": ["roles/storage.objectAdmin", "roles/storage.legacyBucketReader"]}' >/dev/null ||
	fail "register admin"
put() { # put NAME UPDATED [FILE]
	curl -sf -X POST -H 'Content-Type: application/octet-stream' --data-binary "@${3:-/dev/null}" \
		"$url/_fake/objects?bucket=pg-backups&name=$1&updated=$2" >/dev/null || fail "put $1"
}
cat >"$T/backup.info" <<'INFO'
backup_label=None
begin_offset=40
begin_time=2026-01-01 00:00:00.000000+00:00
begin_wal=000000010000000000000002
begin_xlog=0/2000028
end_offset=312
end_time=2026-01-01 00:00:30.000000+00:00
end_wal=000000010000000000000002
end_xlog=0/2000138
error=None
status=DONE
timeline=1
version=150004
xlog_segment_size=16777216
INFO
put pg/app-db/base/20260101T000000/backup.info 2026-01-01T00:00:31Z "$T/backup.info"
for i in 2 3 4 5; do
	put "pg/app-db/wals/0000000100000000/00000001000000000000000$i.gz" "2026-01-01T00:0$i:00Z"
done
count() { curl -s "$url/_fake/count"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
export STORAGE_EMULATOR_HOST="$url" NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export CLOUDSDK_CONFIG=$T/no-gcloud HOME=$T
# the binary's PATH: no gcloud but the test's own (valgrind when used)
mkdir -p "$T/bin"
v=$(command -v valgrind 2>/dev/null) &&
	printf '#!/bin/sh\nexec %s "$@"\n' "$v" >"$T/bin/valgrind" && chmod +x "$T/bin/valgrind"
BINPATH=$T/bin
unset GOOGLE_APPLICATION_CREDENTIALS
cat_gs() { PATH=$BINPATH run catalog --destination-path gs://pg-backups/pg --server-name app-db --no-wal-decode "$@"; }

# a key file: one token for the whole run
export GOOGLE_APPLICATION_CREDENTIALS="$G/admin/sa.json"
count >/dev/null
cat_gs -o json
expect_rc 0
c=$(count)
[ "$(field "$c" tokens)" = 1 ] || fail "one token for the whole run, not: $c"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [b["id"] for b in d["backups"]]==["20260101T000000"] and d["timelines"][0]["walRanges"]==[{"first":"000000010000000000000002","last":"000000010000000000000005"}], d' "$out" ||
	fail "the catalog: $(cat "$out")"

# a 401 gets a fresh token, once; a second 401 is an error
curl -s -X POST "$url/_fake/fail?status=401&count=1" >/dev/null
count >/dev/null
cat_gs
expect_rc 0
[ "$(field "$(count)" tokens)" = 2 ] || fail "a 401 did not get a second token"
curl -s -X POST "$url/_fake/fail?status=401&count=2" >/dev/null
cat_gs
expect_rc 1
expect_err "was refused"
# 503s are retried
curl -s -X POST "$url/_fake/fail?status=503&count=2" >/dev/null
CNPGOPS_TEST_BACKOFF_MS=1 cat_gs
expect_rc 0

# a key that is not the account's: refused with the fix, not printed
python3 - "$G/admin/sa.json" "$G/other/sa.json" "$T/forged.json" <<'PY'
import json, sys
a, o = (json.load(open(f)) for f in sys.argv[1:3])
a["private_key"] = o["private_key"]
json.dump(a, open(sys.argv[3], "w"))
PY
GOOGLE_APPLICATION_CREDENTIALS=$T/forged.json cat_gs
expect_rc 1
expect_err "service account 'admin@proj.iam.gserviceaccount.com'"
expect_err "invalid_grant"
expect_err "gcloud iam service-accounts keys create"
grep -q "PRIVATE KEY\|BEGIN" "$err" && fail "a private key was printed"
# a file that is not a key file
echo '{"type": "external_account"}' >"$T/ext.json"
GOOGLE_APPLICATION_CREDENTIALS=$T/ext.json cat_gs
expect_rc 1
expect_err "a service_account or authorized_user one is needed"

# gcloud's application-default credentials (authorized_user)
unset GOOGLE_APPLICATION_CREDENTIALS
mkdir -p "$T/gcloud"
curl -s -X POST -H 'Content-Type: application/json' --data \
	'{"client_id": "cid.apps.googleusercontent.com", "client_secret": "csecret", "refresh_token": "rtoken", "email": "dev@example.com", "roles": {"pg-backups": ["roles/storage.objectViewer"]}}' \
	"$url/_fake/authorized-users" >/dev/null || fail "register the user"
cat >"$T/gcloud/application_default_credentials.json" <<JSON
{"client_id": "cid.apps.googleusercontent.com", "client_secret": "csecret",
 "refresh_token": "rtoken", "type": "authorized_user", "token_uri": "$url/token"}
JSON
CLOUDSDK_CONFIG=$T/gcloud cat_gs
expect_rc 0
expect_out "20260101T000000"
# objectViewer cannot write: archive-test --write says so with the role
CLOUDSDK_CONFIG=$T/gcloud run archive-test --destination-path gs://pg-backups/pg --server-name app-db --write
expect_rc 1
expect_out "user credentials"
expect_out "roles/storage.objectAdmin"
# a revoked login
curl -s -X POST -H 'Content-Type: application/json' --data '{"refresh_token": "rtoken"}' \
	"$url/_fake/revoke-refresh-token" >/dev/null
CLOUDSDK_CONFIG=$T/gcloud cat_gs
expect_rc 1
expect_err "invalid_grant"
expect_err "gcloud auth application-default login"

# the write probe with the key: written, read back, deleted
export GOOGLE_APPLICATION_CREDENTIALS="$G/admin/sa.json"
run archive-test --destination-path gs://pg-backups/pg --server-name app-db --write
expect_rc 0
expect_out "wrote, read back and deleted gs://pg-backups/pg/app-db/cnpgops-probe-"
cat_gs -o json
grep -q cnpgops-probe "$out" && fail "the probe was left behind"

# no credentials anywhere, and no gcloud on PATH
unset GOOGLE_APPLICATION_CREDENTIALS
cat_gs
expect_rc 1
expect_err "GOOGLE_APPLICATION_CREDENTIALS is not set, there is no application-default credentials file, and gcloud is not on PATH"
# then gcloud's own token, as a last resort
curl -s -X POST -H 'Content-Type: application/json' \
	--data '{"token": "gcloud-token-1", "email": "dev@example.com", "roles": {"pg-backups": ["roles/storage.objectViewer"]}}' \
	"$url/_fake/static-tokens" >/dev/null || fail "register the static token"
printf '#!/bin/sh\n[ "$*" = "auth print-access-token" ] || exit 2\necho gcloud-token-1\n' >"$T/bin/gcloud"
chmod +x "$T/bin/gcloud"
cat_gs
expect_rc 0
expect_out "20260101T000000"
PATH=$BINPATH run archive-test --destination-path gs://pg-backups/pg --server-name app-db
expect_rc 0
expect_out "the account of 'gcloud auth print-access-token'"
exit 0
