#!/usr/bin/env python3
"""Self-test of the fake GCS server (fake_gcs.py) and its helper (gcs.sh).

It drives the server over HTTP exactly as a client would: it starts it with
gcs.sh, makes a service account key with gcs.sh keygen, signs RS256 JWTs
with that key, exchanges them (and a refresh token) at /token, and then
lists, reads, uploads and deletes with the bearer tokens, checking status
codes, headers and bodies against what Google's services send.  It also runs
a second server over TLS (certificates from gcs.sh certs) started directly,
and checks that SIGTERM stops it with exit status 0.

Usage: python3 tests/gcs/selftest.py [-v]
Exit status 0 when every check passed, 1 otherwise.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
GCS_SH = os.path.join(HERE, "gcs.sh")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
RO = "https://www.googleapis.com/auth/devstorage.read_only"
RW = "https://www.googleapis.com/auth/devstorage.read_write"
FULL = "https://www.googleapis.com/auth/devstorage.full_control"
CLOUD = "https://www.googleapis.com/auth/cloud-platform"
VERBOSE = "-v" in sys.argv[1:]

FAILURES = []
CHECKS = 0


def check(cond, what, detail=""):
    global CHECKS
    CHECKS += 1
    if cond:
        if VERBOSE:
            print("  ok   %s" % what)
        return True
    FAILURES.append(what)
    print("  FAIL %s%s" % (what, (": " + str(detail)[:600]) if detail else ""))
    return False


def section(name):
    print("== %s" % name)


# --------------------------------------------------------------------------
# an independent CRC-32C (bitwise table, not the server's slicing-by-8)
# --------------------------------------------------------------------------
def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_T = _table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _T[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c_b64(data):
    return base64.b64encode(struct.pack(">I", crc32c(data))).decode()


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


# --------------------------------------------------------------------------
# HTTP client: one keep-alive connection, as a real client keeps
# --------------------------------------------------------------------------
class Resp:
    def __init__(self, r, body):
        self.status = r.status
        self.msg = r.msg
        self.body = body

    def header(self, name):
        return self.msg.get(name)

    def headers_all(self, name):
        return self.msg.get_all(name) or []

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Client:
    def __init__(self, base, ca=None):
        u = urllib.parse.urlsplit(base)
        self.base, self.host, self.port, self.tls = base, u.hostname, u.port, u.scheme == "https"
        self.ctx = ssl.create_default_context(cafile=ca) if self.tls else None
        self.conn = None
        self.connections = 0

    def _connect(self):
        if self.tls:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=60,
                                                    context=self.ctx)
        else:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.connections += 1

    def request(self, method, path, query=None, headers=None, body=None, token=None):
        if query:
            path += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                if r.will_close:
                    self.conn.close()
                    self.conn = None
                return Resp(r, data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def get(self, path, query=None, token=None, headers=None):
        return self.request("GET", path, query, headers, None, token)

    def post_form(self, path, form, headers=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, None, h, urllib.parse.urlencode(form))

    def post_json(self, path, obj, query=None):
        return self.request("POST", path, query, {"Content-Type": "application/json"},
                            json.dumps(obj))


def enc(name):
    return urllib.parse.quote(name, safe="")


# --------------------------------------------------------------------------
# JWT, as a client builds it from sa.json
# --------------------------------------------------------------------------
def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def make_jwt(sa, claims=None, key_pem=None, header=None, tamper=False):
    now = int(time.time())
    c = {"iss": sa["client_email"], "scope": RW, "aud": sa["token_uri"],
         "iat": now, "exp": now + 3600}
    c.update(claims or {})
    c = {k: v for k, v in c.items() if v is not None}
    h = {"alg": "RS256", "typ": "JWT", "kid": sa["private_key_id"]}
    h.update(header or {})
    signing_input = b64url(json.dumps(h).encode()) + "." + b64url(json.dumps(c).encode())
    key = serialization.load_pem_private_key((key_pem or sa["private_key"]).encode(), None)
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    if tamper:  # change the claims after signing
        c["scope"] = FULL
        signing_input = signing_input.split(".")[0] + "." + b64url(json.dumps(c).encode())
    return signing_input + "." + b64url(sig)


def exchange(cli, jwt):
    return cli.post_form("/token", {"grant_type": JWT_GRANT, "assertion": jwt})


def token_for(cli, sa, scope=RW):
    r = exchange(cli, make_jwt(sa, {"scope": scope}))
    if r.status != 200:
        raise SystemExit("selftest: cannot get a token for %s: %d %s"
                         % (sa["client_email"], r.status, r.body[:300]))
    return r.json()["access_token"]


# --------------------------------------------------------------------------
# expectations on error bodies
# --------------------------------------------------------------------------
def expect_api_error(r, status, message, reason, what, location=None, domain="global"):
    j = r.json()
    ok = (r.status == status and isinstance(j, dict) and "error" in j
          and j["error"].get("code") == status and j["error"].get("message") == message
          and isinstance(j["error"].get("errors"), list) and len(j["error"]["errors"]) == 1)
    if ok:
        e = j["error"]["errors"][0]
        ok = (e.get("message") == message and e.get("reason") == reason
              and e.get("domain") == domain)
        if location:
            ok = ok and e.get("locationType") == location[0] and e.get("location") == location[1]
    ok = ok and (r.header("Content-Type") or "").startswith("application/json")
    return check(ok, what, "%d %s" % (r.status, r.body[:500]))


def expect_oauth_error(r, status, error, description, what):
    j = r.json()
    return check(r.status == status and j == {"error": error, "error_description": description},
                 what, "%d %s" % (r.status, r.body[:300]))


def denied_msg(email, perm, what):
    return ("%s does not have %s access to the Google Cloud Storage %s. Permission '%s'"
            " denied on resource (or it may not exist)." % (email, perm, what, perm))


SHORT_LIVED = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a"
               " reasonable timeframe. Check your iat and exp values in the JWT claim.")
RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


# --------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------
def sh(*args):
    r = subprocess.run(["sh", GCS_SH] + list(args), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise SystemExit("selftest: gcs.sh %s failed (%d): %s" % (args[0], r.returncode, r.stderr))
    return r.stdout.strip()


def test_keyfile(sa, email, token_uri):
    section("gcs.sh keygen: the service account key file")
    keys = ["type", "project_id", "private_key_id", "private_key", "client_email", "client_id",
            "auth_uri", "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url",
            "universe_domain"]
    check(list(sa) == keys, "sa.json has the console's keys in the console's order", list(sa))
    check(sa["type"] == "service_account" and sa["client_email"] == email
          and sa["token_uri"] == token_uri and sa["project_id"] == "selftest",
          "sa.json type, client_email, token_uri, project_id")
    check(re.fullmatch(r"[0-9a-f]{40}", sa["private_key_id"]) is not None, "private_key_id is 40 hex")
    check(re.fullmatch(r"\d{21}", sa["client_id"]) is not None, "client_id is 21 digits")
    check(sa["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
          and sa["private_key"].endswith("-----END PRIVATE KEY-----\n"), "private_key is PKCS#8 PEM")
    key = serialization.load_pem_private_key(sa["private_key"].encode(), None)
    check(isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048, "RSA 2048")
    check(sa["client_x509_cert_url"].endswith(enc(email)), "client_x509_cert_url names the account")
    check(sa["universe_domain"] == "googleapis.com", "universe_domain")


def test_jwt_grant(cli, sa, other_key, base):
    section("POST /token, JWT bearer grant")
    r = exchange(cli, make_jwt(sa))
    j = r.json() or {}
    check(r.status == 200 and set(j) == {"access_token", "expires_in", "token_type"}
          and j.get("expires_in") == 3599 and j.get("token_type") == "Bearer",
          "good JWT -> 200 {access_token, expires_in: 3599, token_type: Bearer}", r.body[:300])
    check(len(j.get("access_token", "")) >= 1000 and j["access_token"].startswith("ya29."),
          "access token is long, ya29.-prefixed, like Google's")
    r = exchange(cli, make_jwt(sa, {"aud": "https://oauth2.googleapis.com/token"}))
    check(r.status == 200, "aud https://oauth2.googleapis.com/token accepted", r.body[:200])
    r = exchange(cli, make_jwt(sa, header={"kid": None}))
    check(r.status == 200, "JWT without kid accepted")
    r = exchange(cli, make_jwt(sa, key_pem=other_key))
    expect_oauth_error(r, 400, "invalid_grant", "Invalid JWT Signature.",
                       "JWT signed with another key -> 400 Invalid JWT Signature.")
    r = exchange(cli, make_jwt(sa, tamper=True))
    expect_oauth_error(r, 400, "invalid_grant", "Invalid JWT Signature.",
                       "JWT claims changed after signing -> 400 Invalid JWT Signature.")
    r = exchange(cli, make_jwt(sa, header={"kid": "0" * 40}))
    expect_oauth_error(r, 400, "invalid_grant", "Invalid JWT Signature.",
                       "JWT with another key id -> 400 Invalid JWT Signature.")
    now = int(time.time())
    r = exchange(cli, make_jwt(sa, {"iat": now - 7200, "exp": now - 3600}))
    expect_oauth_error(r, 400, "invalid_grant", SHORT_LIVED, "expired JWT -> 400 short-lived token")
    r = exchange(cli, make_jwt(sa, {"iat": now, "exp": now + 7200}))
    expect_oauth_error(r, 400, "invalid_grant", SHORT_LIVED, "JWT living 2 h -> 400 short-lived token")
    r = exchange(cli, make_jwt(sa, {"iat": now + 900, "exp": now + 1800}))
    expect_oauth_error(r, 400, "invalid_grant", SHORT_LIVED, "JWT issued 15 min ahead -> 400")
    r = exchange(cli, make_jwt(sa, {"iat": now + 120, "exp": now + 1800}))
    check(r.status == 200, "JWT issued 2 min ahead (clock skew) accepted", r.body[:200])
    r = exchange(cli, make_jwt(sa, {"aud": base + "/oauth2/token"}))
    expect_oauth_error(r, 400, "invalid_grant", "Invalid JWT: Failed audience check.",
                       "wrong aud -> 400 Failed audience check")
    r = exchange(cli, make_jwt(sa, {"aud": base.replace("http:", "https:") + "/token"}))
    expect_oauth_error(r, 400, "invalid_grant", "Invalid JWT: Failed audience check.",
                       "aud with the wrong scheme -> 400 Failed audience check")
    r = exchange(cli, make_jwt(sa, {"iss": "nobody@selftest.iam.gserviceaccount.com"}))
    expect_oauth_error(r, 400, "invalid_grant", "Invalid grant: account not found",
                       "unknown iss -> 400 account not found")
    r = exchange(cli, make_jwt(sa, {"scope": None}))
    expect_oauth_error(r, 400, "invalid_scope", "Empty or missing scope not allowed.",
                       "no scope -> 400 invalid_scope")
    r = exchange(cli, make_jwt(sa, {"scope": "storage"}))
    expect_oauth_error(r, 400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.",
                       "bogus scope -> 400 invalid_scope")
    r = exchange(cli, make_jwt(sa, {"sub": "someone@example.com"}))
    check(r.status == 401 and (r.json() or {}).get("error") == "unauthorized_client",
          "sub (domain-wide delegation) -> 401 unauthorized_client", r.body[:200])
    r = exchange(cli, "not-a-jwt")
    check(r.status == 400 and (r.json() or {}).get("error") == "invalid_grant",
          "malformed assertion -> 400 invalid_grant", r.body[:200])
    r = cli.post_form("/token", {"grant_type": JWT_GRANT})
    expect_oauth_error(r, 400, "invalid_request", "Missing required parameter: assertion",
                       "no assertion -> 400 invalid_request")
    r = cli.post_form("/token", {"grant_type": "password"})
    expect_oauth_error(r, 400, "unsupported_grant_type", "Invalid grant_type: password",
                       "other grant_type -> 400 unsupported_grant_type")
    r = cli.post_form("/token", {})
    expect_oauth_error(r, 400, "unsupported_grant_type", "Invalid grant_type: ",
                       "no grant_type -> 400 unsupported_grant_type")


def test_refresh_grant(cli, user):
    section("POST /token, refresh-token grant (authorized_user)")
    form = {"grant_type": "refresh_token", "client_id": user["client_id"],
            "client_secret": user["client_secret"], "refresh_token": user["refresh_token"]}
    r = cli.post_form("/token", form)
    j = r.json() or {}
    check(r.status == 200 and j.get("token_type") == "Bearer" and j.get("expires_in") == 3599
          and j.get("access_token", "").startswith("ya29.") and j.get("scope") == CLOUD,
          "good refresh token -> 200 with scope", r.body[:300])
    tok = j.get("access_token")
    basic = base64.b64encode(("%s:%s" % (user["client_id"], user["client_secret"])).encode()).decode()
    r = cli.post_form("/token", {"grant_type": "refresh_token",
                                 "refresh_token": user["refresh_token"]},
                      headers={"Authorization": "Basic " + basic})
    check(r.status == 200, "client credentials in HTTP Basic accepted", r.body[:200])
    r = cli.post_form("/token", dict(form, client_secret="wrong"))
    expect_oauth_error(r, 401, "invalid_client", "Unauthorized", "wrong client_secret -> 401 invalid_client")
    r = cli.post_form("/token", dict(form, client_id="123-unknown.apps.googleusercontent.com"))
    expect_oauth_error(r, 401, "invalid_client", "The OAuth client was not found.",
                       "unknown client_id -> 401 invalid_client")
    r = cli.post_form("/token", dict(form, refresh_token="1//wrong"))
    expect_oauth_error(r, 400, "invalid_grant", "Bad Request", "wrong refresh_token -> 400 invalid_grant")
    r = cli.post_form("/token", {k: v for k, v in form.items() if k != "refresh_token"})
    expect_oauth_error(r, 400, "invalid_request", "Missing required parameter: refresh_token",
                       "no refresh_token -> 400 invalid_request")
    return tok


def test_auth_errors(cli, sa, tok):
    section("storage: 401 and scopes")
    r = cli.get("/storage/v1/b/bkt/o")
    expect_api_error(r, 401, denied_msg("Anonymous caller", "storage.objects.list", "bucket"),
                     "required", "no Authorization -> 401 anonymous caller", ("header", "Authorization"))
    check((r.header("WWW-Authenticate") or "").startswith("Bearer realm="),
          "401 carries WWW-Authenticate: Bearer")
    r = cli.get("/storage/v1/b/bkt/o/x", {"alt": "media"})
    expect_api_error(r, 401, denied_msg("Anonymous caller", "storage.objects.get", "object"),
                     "required", "no Authorization on a media GET -> 401 (object wording)",
                     ("header", "Authorization"))
    for bad, what in (("ya29.unknown", "unknown token"), (tok[:-3] + "zzz", "mangled token")):
        r = cli.get("/storage/v1/b/bkt/o", token=bad)
        expect_api_error(r, 401, "Invalid Credentials", "authError", "%s -> 401 Invalid Credentials" % what,
                         ("header", "Authorization"))
        check('error="invalid_token"' in (r.header("WWW-Authenticate") or ""),
              "%s: WWW-Authenticate has error=invalid_token" % what)
    r = cli.get("/storage/v1/b/bkt/o", headers={"Authorization": "Basic " + tok})
    expect_api_error(r, 401, "Invalid Credentials", "authError", "Basic scheme -> 401",
                     ("header", "Authorization"))
    r = cli.get("/storage/v1/b/bkt/o", token=tok)
    check(r.status == 200, "the live token lists", r.body[:200])
    r = cli.request("POST", "/_fake/expire-tokens")
    check(r.status == 200 and r.json()["expired"] >= 1, "POST /_fake/expire-tokens")
    r = cli.get("/storage/v1/b/bkt/o", token=tok)
    expect_api_error(r, 401, "Invalid Credentials", "authError", "expired token -> 401 Invalid Credentials",
                     ("header", "Authorization"))
    tok2 = token_for(cli, sa)
    check(tok2 != tok, "a new exchange gives a new token")
    r = cli.get("/storage/v1/b/bkt/o", token=tok2)
    check(r.status == 200, "refresh after 401: the new token lists", r.body[:200])

    ro = token_for(cli, sa, RO)
    r = cli.get("/storage/v1/b/bkt/o", token=ro)
    check(r.status == 200, "read_only scope lists")
    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", {"uploadType": "media", "name": "ro"},
                    {"Content-Type": "text/plain"}, b"x", token=ro)
    expect_api_error(r, 403, "Provided scope(s) are not authorized", "forbidden",
                     "read_only scope upload -> 403 scope not authorized")
    r = cli.request("DELETE", "/storage/v1/b/bkt/o/whatever", token=ro)
    expect_api_error(r, 403, "Provided scope(s) are not authorized", "forbidden",
                     "read_only scope delete -> 403 scope not authorized")
    for scope in (FULL, CLOUD):
        t = token_for(cli, sa, scope)
        r = cli.request("POST", "/upload/storage/v1/b/bkt/o", {"uploadType": "media", "name": "scoped"},
                        {"Content-Type": "text/plain"}, b"x", token=t)
        check(r.status == 200, "%s scope uploads" % scope.rsplit("/", 1)[1], r.body[:200])
    t = token_for(cli, sa, "https://www.googleapis.com/auth/pubsub")
    r = cli.get("/storage/v1/b/bkt/o", token=t)
    expect_api_error(r, 403, "Provided scope(s) are not authorized", "forbidden",
                     "a non-storage scope -> 403 on reads")
    return tok2


def test_objects(cli, tok, email):
    section("storage: upload, get, media, delete, 404, 412")
    body = b"hello, world\n"
    q = {"uploadType": "media", "name": "dir/hello.txt", "ifGenerationMatch": "0"}
    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", q, {"Content-Type": "text/plain"}, body, token=tok)
    o = r.json() or {}
    check(r.status == 200, "upload (ifGenerationMatch=0, absent) -> 200", r.body[:300])
    fields = ["kind", "id", "selfLink", "mediaLink", "name", "bucket", "generation", "metageneration",
              "contentType", "storageClass", "size", "md5Hash", "crc32c", "etag", "timeCreated", "updated"]
    check(all(f in o for f in fields), "object resource has every field", [f for f in fields if f not in o])
    check(o.get("kind") == "storage#object" and o.get("name") == "dir/hello.txt" and o.get("bucket") == "bkt",
          "kind, name, bucket")
    check(o.get("size") == str(len(body)), "size is a string", repr(o.get("size")))
    check(isinstance(o.get("generation"), str) and o["generation"].isdigit() and o.get("metageneration") == "1",
          "generation/metageneration are strings")
    check(o.get("md5Hash") == md5_b64(body) and o.get("crc32c") == crc32c_b64(body),
          "md5Hash and crc32c are base64 of the digests")
    check(o.get("contentType") == "text/plain", "contentType from the upload's Content-Type")
    check(o.get("id") == "bkt/dir/hello.txt/" + o.get("generation", ""), "id is bucket/name/generation")
    check("/storage/v1/b/bkt/o/dir%2Fhello.txt" in o.get("selfLink", "")
          and "/download/storage/v1/b/bkt/o/dir%2Fhello.txt?generation=" + o.get("generation", "") + "&alt=media"
          in o.get("mediaLink", ""), "selfLink and mediaLink, '/' as %2F")
    check(bool(RFC3339_MS.match(o.get("timeCreated", ""))) and bool(RFC3339_MS.match(o.get("updated", ""))),
          "timeCreated/updated are RFC 3339 with milliseconds and Z", (o.get("timeCreated"), o.get("updated")))
    check(base64.b64decode(o.get("etag", ""))[:1] == b"\x08", "etag is GCS-shaped")
    gen1 = int(o.get("generation", "0"))

    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", q, {"Content-Type": "text/plain"}, body, token=tok)
    expect_api_error(r, 412, "At least one of the pre-conditions you specified did not hold.",
                     "conditionNotMet", "upload ifGenerationMatch=0 over an object -> 412",
                     ("header", "If-Match"))
    q2 = dict(q)
    del q2["ifGenerationMatch"]
    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", q2, {"Content-Type": "text/plain"}, b"v2", token=tok)
    check(r.status == 200 and int(r.json()["generation"]) > gen1, "overwrite -> a newer generation")
    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", {"uploadType": "media"}, {}, b"x", token=tok)
    expect_api_error(r, 400, "Upload requests must include an uploadType URL parameter and a"
                     " URL-encoded object name.", "required", "upload without name -> 400")

    r = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), token=tok)
    check(r.status == 200 and r.json()["name"] == "dir/hello.txt" and r.json()["size"] == "2",
          "GET metadata", r.body[:200])
    r = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"fields": "name,size"}, token=tok)
    check(r.json() == {"name": "dir/hello.txt", "size": "2"}, "GET metadata with fields=name,size", r.body)
    r = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"alt": "media"}, token=tok)
    check(r.status == 200 and r.body == b"v2" and r.header("Content-Type") == "text/plain",
          "GET alt=media -> the bytes with the object's Content-Type")

    r = cli.get("/storage/v1/b/bkt/o/" + enc("no/such"), token=tok)
    expect_api_error(r, 404, "No such object: bkt/no/such", "notFound", "GET absent object -> 404")
    r = cli.get("/storage/v1/b/bkt/o/" + enc("no/such"), {"alt": "media"}, token=tok)
    check(r.status == 404 and r.body == b"No such object: bkt/no/such"
          and r.header("Content-Type").startswith("text/html"),
          "alt=media on an absent object -> 404 plain text, as GCS", (r.status, r.body[:200]))
    r = cli.get("/storage/v1/b/nosuchbucket/o", token=tok)
    expect_api_error(r, 404, "The specified bucket does not exist.", "notFound", "list absent bucket -> 404")
    r = cli.get("/storage/v1/b/nosuchbucket", token=tok)
    expect_api_error(r, 404, "The specified bucket does not exist.", "notFound", "get absent bucket -> 404")
    r = cli.request("POST", "/upload/storage/v1/b/nosuchbucket/o", {"uploadType": "media", "name": "x"},
                    {}, b"x", token=tok)
    expect_api_error(r, 404, "The specified bucket does not exist.", "notFound", "upload to absent bucket -> 404")

    cur = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), token=tok).json()["generation"]
    r = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"alt": "media", "ifGenerationNotMatch": cur},
                token=tok)
    check(r.status == 304 and r.body == b"", "alt=media with ifGenerationNotMatch=current -> 304")
    r = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"ifGenerationMatch": "1"}, token=tok)
    check(r.status == 412, "GET with a failing ifGenerationMatch -> 412")
    r = cli.request("HEAD", "/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"alt": "media"}, token=tok)
    check(r.status == 200 and r.body == b"" and r.header("Content-Length") == "2", "HEAD alt=media")
    r = cli.request("DELETE", "/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"ifGenerationMatch": "1"},
                    token=tok)
    expect_api_error(r, 412, "At least one of the pre-conditions you specified did not hold.",
                     "conditionNotMet", "DELETE with a failing ifGenerationMatch -> 412",
                     ("header", "If-Match"))
    r = cli.request("DELETE", "/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), {"ifGenerationMatch": cur},
                    token=tok)
    check(r.status == 204 and r.body == b"", "DELETE (ifGenerationMatch=current) -> 204 empty")
    r = cli.request("DELETE", "/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), token=tok)
    expect_api_error(r, 404, "No such object: bkt/dir/hello.txt", "notFound", "DELETE again -> 404")
    r = cli.get("/storage/v1/b/bkt/o/" + enc("dir/hello.txt"), token=tok)
    check(r.status == 404, "GET after DELETE -> 404")

    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", {"uploadType": "media", "name": "chunked"},
                    {"Content-Type": "text/plain"}, iter([b"abc", b"defg"]), token=tok)
    check(r.status == 200 and r.json()["size"] == "7" and r.json()["md5Hash"] == md5_b64(b"abcdefg"),
          "chunked upload body", r.body[:200])

    section("storage: 5 MiB media download")
    big = os.urandom(5 << 20)
    r = cli.request("POST", "/upload/storage/v1/b/bkt/o", {"uploadType": "media", "name": "base/big.tar"},
                    {"Content-Type": "application/x-tar"}, big, token=tok)
    check(r.status == 200 and r.json()["size"] == str(len(big)), "upload 5 MiB", r.body[:200])
    meta = r.json()
    want_crc, want_md5 = crc32c_b64(big), md5_b64(big)
    check(meta["crc32c"] == want_crc and meta["md5Hash"] == want_md5, "5 MiB hashes in the resource")
    for path in ("/storage/v1/b/bkt/o/", "/download/storage/v1/b/bkt/o/"):
        r = cli.get(path + enc("base/big.tar"), {"alt": "media"}, token=tok)
        check(r.status == 200 and r.body == big, "%s... alt=media -> the 5 MiB" % path)
        check(r.header("Content-Length") == str(len(big)), "Content-Length")
        check(r.header("Content-Type") == "application/x-tar", "Content-Type")
        check(r.header("x-goog-generation") == meta["generation"], "x-goog-generation")
        hashes_ = r.headers_all("x-goog-hash")
        check(sorted(hashes_) == sorted(["crc32c=" + want_crc, "md5=" + want_md5]),
              "x-goog-hash: crc32c= and md5=", hashes_)
    r = cli.get("/storage/v1/b/bkt/o/" + enc("base/big.tar"), {"alt": "media"}, token=tok,
                headers={"Range": "bytes=100-199"})
    check(r.status == 206 and r.body == big[100:200]
          and r.header("Content-Range") == "bytes 100-199/%d" % len(big), "Range -> 206")
    r = cli.get("/download/storage/v1/b/bkt/o/" + enc("base/big.tar"),
                {"alt": "media", "generation": meta["generation"]}, token=tok,
                headers={"Range": "bytes=-10"})
    check(r.status == 206 and r.body == big[-10:], "mediaLink's generation= and a suffix Range")
    r = cli.get("/storage/v1/b/bkt/o/" + enc("base/big.tar"), {"alt": "media", "generation": "1"},
                token=tok)
    check(r.status == 404, "alt=media of another generation -> 404")

    section("storage: /_fake/objects sets updated and timeCreated")
    r = cli.request("POST", "/_fake/objects", {"bucket": "bkt", "name": "old/file",
                                               "updated": "2021-03-04T05:06:07.891Z"}, {}, b"old")
    check(r.status == 200, "POST /_fake/objects", r.body[:200])
    r = cli.get("/storage/v1/b/bkt/o/" + enc("old/file"), token=tok)
    j = r.json() or {}
    check(j.get("updated") == "2021-03-04T05:06:07.891Z" and j.get("timeCreated") == "2021-03-04T05:06:07.891Z",
          "updated/timeCreated as given", (j.get("updated"), j.get("timeCreated")))
    r = cli.request("POST", "/_fake/objects", {"bucket": "bkt", "name": "old/file2",
                                               "updated": "2021-03-04T05:06:07+02:00"}, {}, b"old")
    check(r.json()["updated"] == "2021-03-04T03:06:07.000Z", "updated with an offset is normalised to Z")


def list_all(cli, tok, bucket, query, pages=None):
    """Follow nextPageToken; return (items names, prefixes, page sizes)."""
    names, prefixes, sizes, token = [], [], [], None
    while True:
        q = dict(query)
        if token:
            q["pageToken"] = token
        r = cli.get("/storage/v1/b/%s/o" % bucket, q, token=tok)
        if r.status != 200:
            check(False, "list page", "%d %s" % (r.status, r.body[:300]))
            return names, prefixes, sizes
        j = r.json()
        page_items = [i["name"] for i in j.get("items", [])]
        page_prefixes = j.get("prefixes", [])
        if pages is not None:
            pages.append(j)
        names += page_items
        prefixes += page_prefixes
        sizes.append(len(page_items) + len(page_prefixes))
        token = j.get("nextPageToken")
        if not token:
            return names, prefixes, sizes
        if len(sizes) > 5000:
            check(False, "paging terminates")
            return names, prefixes, sizes


def test_listing(cli, tok):
    section("storage: list paging across 2500 objects")
    names = ["data/%05d" % i for i in range(2000)]
    names += ["data/dir%02d/x%03d" % (d, i) for d in range(25) for i in range(20)]
    t0 = time.time()
    for n in names:
        r = cli.request("POST", "/_fake/objects", {"bucket": "big", "name": n}, {}, n.encode())
        if r.status != 200:
            check(False, "seed %s" % n, r.body[:200])
            return
    if VERBOSE:
        print("  (seeded 2500 objects in %.1f s)" % (time.time() - t0))
    want = sorted(names, key=lambda s: s.encode())
    r = cli.get("/storage/v1/b/big/o", token=tok)
    j = r.json()
    check(len(j.get("items", [])) == 1000 and "nextPageToken" in j and "prefixes" not in j,
          "default page: 1000 items, nextPageToken, no prefixes key")
    check(j["kind"] == "storage#objects", "kind storage#objects")
    got, prefixes, sizes = list_all(cli, tok, "big", {})
    check(sizes == [1000, 1000, 500], "no delimiter: pages of 1000, 1000, 500", sizes)
    check(got == want, "every name once, sorted bytewise, none lost")
    got, prefixes, sizes = list_all(cli, tok, "big", {"maxResults": "5000"})
    check(sizes == [1000, 1000, 500], "maxResults above 1000 is capped at 1000", sizes)

    pages = []
    got, prefixes, sizes = list_all(cli, tok, "big", {"prefix": "data/", "delimiter": "/", "maxResults": "7"},
                                    pages)
    want_items = ["data/%05d" % i for i in range(2000)]
    want_prefixes = ["data/dir%02d/" % d for d in range(25)]
    check(got == want_items, "delimiter: the 2000 direct items, in order, once each",
          (len(got), len(set(got))))
    check(prefixes == want_prefixes, "delimiter: the 25 prefixes, in order, once each", prefixes[:5])
    check(all(s == 7 for s in sizes[:-1]) and sizes[-1] == (2025 % 7 or 7) and len(sizes) == -(-2025 // 7),
          "maxResults=7 counts items and prefixes together", sizes[-3:])
    mixed = [p for p in pages if p.get("items") and p.get("prefixes")]
    check(len(mixed) == 1, "one page holds both the last items and the first prefixes")
    got, prefixes, sizes = list_all(cli, tok, "big", {"prefix": "data/", "delimiter": "/"})
    check(sizes == [1000, 1000, 25] and len(prefixes) == 25, "delimiter, default pages: 1000, 1000, 25", sizes)
    got, prefixes, sizes = list_all(cli, tok, "big", {"delimiter": "/"})
    check(got == [] and prefixes == ["data/"], "delimiter at the top: one prefix data/", (got[:3], prefixes))
    got, prefixes, sizes = list_all(cli, tok, "big", {"prefix": "data/dir03/"})
    check(got == ["data/dir03/x%03d" % i for i in range(20)], "prefix data/dir03/ -> 20 items")
    got, prefixes, sizes = list_all(cli, tok, "big", {"prefix": "data/dir", "delimiter": "/",
                                                     "maxResults": "1"})
    check(prefixes == want_prefixes and got == [] and sizes == [1] * 25,
          "prefix pages of one prefix each, none repeated", sizes[:5])

    section("storage: startOffset / endOffset")
    got, _, _ = list_all(cli, tok, "big", {"startOffset": "data/00100", "endOffset": "data/00200"})
    check(got == ["data/%05d" % i for i in range(100, 200)], "startOffset inclusive, endOffset exclusive",
          (got[:2], got[-2:]))
    got, _, _ = list_all(cli, tok, "big", {"startOffset": "data/01990", "maxResults": "3"})
    check(got == ["data/%05d" % i for i in range(1990, 2000)] + [n for n in want if n.startswith("data/dir")],
          "startOffset alone, paged by 3")
    got, _, _ = list_all(cli, tok, "big", {"endOffset": "data/00005"})
    check(got == ["data/%05d" % i for i in range(5)], "endOffset alone")
    got, prefixes, _ = list_all(cli, tok, "big", {"prefix": "data/", "delimiter": "/",
                                                 "startOffset": "data/dir20", "maxResults": "2"})
    check(got == [] and prefixes == ["data/dir%02d/" % d for d in range(20, 25)],
          "startOffset with a delimiter", prefixes)

    section("storage: fields, includeTrailingDelimiter, ordering, bad parameters")
    r = cli.get("/storage/v1/b/big/o", {"fields": "items(name,size,updated),prefixes,nextPageToken",
                                        "maxResults": "2", "prefix": "data/0"}, token=tok)
    j = r.json()
    check(set(j) == {"items", "nextPageToken"} and all(set(i) == {"name", "size", "updated"} for i in j["items"]),
          "fields=items(name,size,updated),prefixes,nextPageToken", r.body[:300])
    r = cli.get("/storage/v1/b/big/o", {"fields": "nextPageToken,prefixes,items(name,size,updated,generation)",
                                        "delimiter": "/", "prefix": "data/dir0"}, token=tok)
    j = r.json()
    check(set(j) == {"prefixes"} and len(j["prefixes"]) == 10, "fields=...: only prefixes here", r.body[:300])
    r = cli.get("/storage/v1/b/big/o", {"fields": "items(name", "maxResults": "1"}, token=tok)
    check(r.status == 400, "unparsable fields -> 400")

    for n in ("t/dir/", "t/dir/x", "t/a", "t/dir2/y"):
        cli.request("POST", "/_fake/objects", {"bucket": "order", "name": n}, {}, b"")
    r = cli.get("/storage/v1/b/order/o", {"prefix": "t/", "delimiter": "/"}, token=tok)
    j = r.json()
    check([i["name"] for i in j.get("items", [])] == ["t/a"] and j.get("prefixes") == ["t/dir/", "t/dir2/"],
          "directory placeholder t/dir/ is under its prefix", r.body[:300])
    r = cli.get("/storage/v1/b/order/o", {"prefix": "t/", "delimiter": "/",
                                          "includeTrailingDelimiter": "true"}, token=tok)
    j = r.json()
    check([i["name"] for i in j.get("items", [])] == ["t/a", "t/dir/"] and j.get("prefixes") == ["t/dir/", "t/dir2/"],
          "includeTrailingDelimiter=true adds t/dir/ to items", r.body[:300])
    odd = ["Z", "a", "a b", "a+b", "a/b", "a~", "\u00e9", "\u00e4/x", "\u4e2d", "~"]
    for n in odd:
        cli.request("POST", "/_fake/objects", {"bucket": "order", "name": "u/" + n}, {}, b"")
    got, _, _ = list_all(cli, tok, "order", {"prefix": "u/", "maxResults": "3"})
    check(got == ["u/" + n for n in sorted(odd, key=lambda s: s.encode())],
          "names sorted by UTF-8 bytes, across pages", got)
    r = cli.get("/storage/v1/b/order/o/u%2Fa+b", token=tok)
    check(r.status == 200 and r.json()["name"] == "u/a+b", "'+' in an object path is not a space")

    r = cli.get("/storage/v1/b/big/o", {"maxResults": "abc"}, token=tok)
    check(r.status == 400 and r.json()["error"]["errors"][0]["location"] == "maxResults",
          "maxResults=abc -> 400", r.body[:200])
    r = cli.get("/storage/v1/b/big/o", {"pageToken": "garbage!"}, token=tok)
    check(r.status == 400, "bad pageToken -> 400", r.body[:200])
    r = cli.get("/storage/v1/b/big/o", {"prefix": "nothing/"}, token=tok)
    check(r.status == 200 and r.json() == {"kind": "storage#objects"},
          "empty listing -> only kind", r.body[:200])


def test_permissions(cli, static):
    section("storage: 403 for each missing permission")
    def up(tok, name, body=b"x"):
        return cli.request("POST", "/upload/storage/v1/b/bkt/o", {"uploadType": "media", "name": name},
                           {"Content-Type": "text/plain"}, body, token=tok)

    cli.request("POST", "/_fake/objects", {"bucket": "bkt", "name": "perm/obj"}, {}, b"data")
    v, e = static["viewer"]
    check(cli.get("/storage/v1/b/bkt/o", token=v).status == 200, "objectViewer lists")
    check(cli.get("/storage/v1/b/bkt/o/" + enc("perm/obj"), {"alt": "media"}, token=v).status == 200,
          "objectViewer reads")
    expect_api_error(up(v, "perm/new"), 403, denied_msg(e, "storage.objects.create", "object"), "forbidden",
                     "objectViewer upload -> 403 storage.objects.create")
    expect_api_error(cli.request("DELETE", "/storage/v1/b/bkt/o/" + enc("perm/obj"), token=v), 403,
                     denied_msg(e, "storage.objects.delete", "object"), "forbidden",
                     "objectViewer delete -> 403 storage.objects.delete")
    expect_api_error(cli.get("/storage/v1/b/bkt", token=v), 403,
                     denied_msg(e, "storage.buckets.get", "bucket"), "forbidden",
                     "objectViewer bucket get -> 403 storage.buckets.get")
    expect_api_error(cli.get("/storage/v1/b/other/o", token=v), 403,
                     denied_msg(e, "storage.objects.list", "bucket"), "forbidden",
                     "objectViewer on another bucket -> 403 storage.objects.list")

    t, e = static["lister"]
    check(cli.get("/storage/v1/b/bkt", token=t).status == 200, "legacyBucketReader gets the bucket")
    check(cli.get("/storage/v1/b/bkt/o", token=t).status == 200, "legacyBucketReader lists")
    expect_api_error(cli.get("/storage/v1/b/bkt/o/" + enc("perm/obj"), token=t), 403,
                     denied_msg(e, "storage.objects.get", "object"), "forbidden",
                     "legacyBucketReader metadata GET -> 403 storage.objects.get")
    expect_api_error(cli.get("/storage/v1/b/bkt/o/" + enc("perm/absent"), {"alt": "media"}, token=t), 403,
                     denied_msg(e, "storage.objects.get", "object"), "forbidden",
                     "legacyBucketReader media GET of an absent object -> 403, not 404")

    t, e = static["creator"]
    check(up(t, "perm/created").status == 200, "objectCreator uploads a new object")
    expect_api_error(up(t, "perm/created"), 403, denied_msg(e, "storage.objects.delete", "object"),
                     "forbidden", "objectCreator overwrite -> 403 storage.objects.delete (as GCS)")
    expect_api_error(cli.get("/storage/v1/b/bkt/o", token=t), 403,
                     denied_msg(e, "storage.objects.list", "bucket"), "forbidden",
                     "objectCreator list -> 403 storage.objects.list")

    t, e = static["objadmin"]
    check(up(t, "perm/created").status == 200, "objectAdmin overwrites")
    check(cli.request("DELETE", "/storage/v1/b/bkt/o/" + enc("perm/created"), token=t).status == 204,
          "objectAdmin deletes")
    expect_api_error(cli.get("/storage/v1/b/bkt", token=t), 403,
                     denied_msg(e, "storage.buckets.get", "bucket"), "forbidden",
                     "objectAdmin bucket get -> 403 storage.buckets.get")

    t, e = static["nobody"]
    expect_api_error(cli.get("/storage/v1/b/bkt/o", token=t), 403,
                     denied_msg(e, "storage.objects.list", "bucket"), "forbidden",
                     "no role -> 403 storage.objects.list")
    r = cli.request("POST", "/_fake/roles", {"email": e}, {"Content-Type": "application/json"},
                    json.dumps({"bkt": ["storage.objects.list"]}))
    check(r.status == 200, "POST /_fake/roles")
    check(cli.get("/storage/v1/b/bkt/o", token=t).status == 200, "a granted permission applies at once")

    t, e = static["admin"]
    r = cli.get("/storage/v1/b/bkt", token=t)
    j = r.json() or {}
    check(r.status == 200 and j.get("kind") == "storage#bucket" and j.get("name") == "bkt"
          and j.get("location") == "US" and j.get("storageClass") == "STANDARD"
          and j.get("lifecycle") == LIFECYCLE, "storage.admin gets the bucket with its lifecycle", r.body[:400])
    r = cli.get("/storage/v1/b/bkt", {"fields": "lifecycle"}, token=t)
    check(r.json() == {"lifecycle": LIFECYCLE}, "bucket get with fields=lifecycle")
    r = cli.get("/storage/v1/b/other", token=t)
    check(r.status == 200 and "lifecycle" not in r.json(), "a bucket without lifecycle has none")

    section("storage: testIamPermissions")
    asked = ["storage.objects.list", "storage.objects.get", "storage.objects.create",
             "storage.objects.delete", "storage.buckets.get"]
    want = {
        "viewer": ["storage.objects.list", "storage.objects.get"],
        "lister": ["storage.objects.list", "storage.buckets.get"],
        "creator": ["storage.objects.create"],
        "objadmin": ["storage.objects.list", "storage.objects.get", "storage.objects.create",
                     "storage.objects.delete"],
        "admin": asked,
    }
    for who, held in want.items():
        t, _ = static[who]
        r = cli.get("/storage/v1/b/bkt/iam/testPermissions", [("permissions", p) for p in asked], token=t)
        j = r.json() or {}
        check(r.status == 200 and j == {"kind": "storage#testIamPermissionsResponse", "permissions": held},
              "testPermissions for %s" % who, r.body[:300])
    t, _ = static["viewer"]
    r = cli.get("/storage/v1/b/other/iam/testPermissions", [("permissions", p) for p in asked], token=t)
    check(r.status == 200 and r.json() == {"kind": "storage#testIamPermissionsResponse"},
          "testPermissions holding none -> no permissions key", r.body[:200])
    r = cli.get("/storage/v1/b/nosuch/iam/testPermissions", [("permissions", "storage.objects.list")], token=t)
    check(r.status == 404, "testPermissions on an absent bucket -> 404")


def test_faults_and_counts(cli, tok, sa):
    section("/_fake/fail, /_fake/count, /_fake/requests")
    r = cli.request("POST", "/_fake/fail", {"status": "503", "count": "2"})
    check(r.status == 200, "POST /_fake/fail?status=503&count=2")
    for i in (1, 2):
        r = cli.get("/storage/v1/b/bkt/o", token=tok)
        expect_api_error(r, 503, "We encountered an internal error. Please try again.", "backendError",
                         "injected 503 #%d" % i)
    check(cli.get("/storage/v1/b/bkt/o", token=tok).status == 200, "after the injected errors: 200")
    cli.request("POST", "/_fake/fail", {"status": "429", "count": "1"})
    r = cli.get("/storage/v1/b/bkt/o/x", {"alt": "media"}, token=tok)
    check(r.status == 429 and r.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
          and r.json()["error"]["errors"][0]["domain"] == "usageLimits", "injected 429 rateLimitExceeded")
    cli.request("POST", "/_fake/fail", {"status": "500", "count": "1"})
    check(exchange(cli, make_jwt(sa)).status == 200, "faults do not touch the token endpoint")
    check(cli.get("/storage/v1/b/bkt/o", token=tok).status == 500, "the pending 500 hits the next storage call")

    cli.get("/_fake/count")  # reset
    cli.get("/storage/v1/b/bkt/o", token=tok)
    cli.get("/storage/v1/b/bkt/o", {"prefix": "x"}, token=tok)
    cli.get("/storage/v1/b/bkt/o/" + enc("perm/obj"), {"alt": "media"}, token=tok)
    cli.get("/storage/v1/b/bkt/o/" + enc("perm/obj"), token=tok)
    exchange(cli, make_jwt(sa))
    r = cli.get("/_fake/count")
    j = r.json()
    check({k: j.get(k) for k in ("requests", "lists", "media", "tokens")}
          == {"requests": 4, "lists": 2, "media": 1, "tokens": 1}, "count since the last call", j)
    r = cli.get("/_fake/count")
    check(all(v == 0 for v in r.json().values()), "count resets after each call", r.json())

    r = cli.get("/_fake/requests")
    log = r.json()
    check(isinstance(log, list) and 0 < len(log) <= 200, "GET /_fake/requests is a list of at most 200")
    last_storage = [e for e in log if e["path"].startswith("/storage/")][-1]
    check(set(last_storage) >= {"method", "path", "query", "auth"} and last_storage["auth"] == "Bearer",
          "a request entry: method, path, query, auth scheme", last_storage)
    check(tok not in r.body.decode() and "assertion" not in r.body.decode(), "no token in /_fake/requests")
    check(not any(e["path"].startswith("/_fake/") for e in log), "test endpoints are not recorded")


LIFECYCLE = {"rule": [{"action": {"type": "Delete"}, "condition": {"age": 30, "matchesPrefix": ["base/"]}}]}


def test_tls(tmp, key_dir):
    section("TLS: --cert/--key, started directly; SIGTERM exits 0")
    certs = os.path.join(tmp, "certs")
    sh("certs", certs)
    portfile = os.path.join(tmp, "tls.port")
    log = open(os.path.join(tmp, "tls.log"), "w")
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_gcs.py"), portfile,
                          "--cert", os.path.join(certs, "server.crt"),
                          "--key", os.path.join(certs, "server.key"),
                          "--token-lifetime", "120"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while not (os.path.exists(portfile) and open(portfile).read().endswith("\n")):
            if time.time() > deadline or p.poll() is not None:
                check(False, "TLS server wrote its port file")
                return
            time.sleep(0.02)
        port = int(open(portfile).read())
        base = "https://127.0.0.1:%d" % port
        cli = Client(base, ca=os.path.join(certs, "ca.crt"))
        sa = json.load(open(os.path.join(key_dir, "sa.json")))
        entry = json.load(open(os.path.join(key_dir, "sa-entry.json")))
        entry["roles"] = {"tlsb": ["roles/storage.objectViewer"]}
        check(cli.post_json("/_fake/buckets", {}, {"name": "tlsb"}).status == 200, "POST /_fake/buckets")
        check(cli.post_json("/_fake/service-accounts", entry).status == 200, "register over https")
        r = exchange(cli, make_jwt(sa, {"aud": base + "/token"}))
        check(r.status == 200 and r.json()["expires_in"] == 119, "JWT grant over https (--token-lifetime 120)",
              r.body[:200])
        r2 = exchange(cli, make_jwt(sa, {"aud": "http://127.0.0.1:%d/token" % port}))
        check(r2.status == 400, "over https an http:// aud fails the audience check")
        tok = r.json()["access_token"]
        r = cli.get("/storage/v1/b/tlsb/o", token=tok)
        check(r.status == 200 and r.json()["kind"] == "storage#objects", "list over https")
        cli.request("POST", "/_fake/objects", {"bucket": "tlsb", "name": "a/b"}, {}, b"z")
        r = cli.get("/storage/v1/b/tlsb/o", token=tok)
        check(r.json()["items"][0]["mediaLink"].startswith(base + "/download/storage/v1/b/tlsb/o/a%2Fb"),
              "links point at the https server")
        check(cli.connections == 1, "keep-alive: one TLS connection for every request", cli.connections)
        plain = Client("http://127.0.0.1:%d" % port)
        try:
            r = plain.get("/_fake/health")
            ok = r.status >= 400
        except (http.client.HTTPException, OSError):
            ok = True
        check(ok, "plain http to the TLS port does not work")
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
        log.close()
        check(rc == 0, "SIGTERM -> exit status 0", rc)
        text = open(os.path.join(tmp, "tls.log")).read()
        check("Traceback" not in text, "no traceback in the TLS server's log", text[-800:])
        check(re.search(r"^GET /storage/v1/b/tlsb/o 200$", text, re.M) is not None,
              "log lines read METHOD PATH STATUS")


def main():
    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="fake-gcs-selftest.")
    state = os.path.join(tmp, "state")
    try:
        users = [{"client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
                  "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0selftest-refresh",
                  "email": "dev@example.com", "roles": {"bkt": ["roles/storage.objectViewer"]}},
                 {"client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
                  "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0selftest-revoked",
                  "email": "gone@example.com", "roles": {}}]
        static = {
            "viewer": ["roles/storage.objectViewer"],
            "lister": ["roles/storage.legacyBucketReader"],
            "creator": ["roles/storage.objectCreator"],
            "objadmin": ["roles/storage.objectAdmin"],
            "admin": ["roles/storage.admin"],
            "nobody": [],
        }
        static_entries = [{"token": "static-%s-token" % k, "email": "%s@selftest.iam.gserviceaccount.com" % k,
                           # admin is granted on every bucket ("*"), the others on bkt only
                           "roles": {"*" if k == "admin" else "bkt": v} if v else {}}
                          for k, v in static.items()]
        conf = {"buckets": {"bkt": {"lifecycle": LIFECYCLE}, "other": {}, "big": {}, "order": {}},
                "authorized_users": users, "static_tokens": static_entries}
        conf_file = os.path.join(tmp, "config.json")
        with open(conf_file, "w") as f:
            json.dump(conf, f)

        section("gcs.sh start / keygen / register")
        base = sh("start", state, conf_file)
        check(re.fullmatch(r"http://127\.0\.0\.1:\d+", base) is not None, "start prints the base URL", base)
        pid = int(open(os.path.join(state, "gcs.pid")).read())
        check(int(open(os.path.join(state, "gcs.port")).read()) == int(base.rsplit(":", 1)[1]),
              "gcs.port holds the port")
        email = "backup@selftest.iam.gserviceaccount.com"
        key_dir = os.path.join(tmp, "key")
        sh("keygen", key_dir, email, base + "/token")
        sh("register", state, key_dir, json.dumps({"bkt": ["roles/storage.objectAdmin",
                                                           "roles/storage.legacyBucketReader"],
                                                   "big": ["roles/storage.objectViewer"],
                                                   "order": ["roles/storage.objectViewer"]}))
        other_dir = os.path.join(tmp, "other")
        sh("keygen", other_dir, "other@selftest.iam.gserviceaccount.com", base + "/token")
        sa = json.load(open(os.path.join(key_dir, "sa.json")))
        other_key = json.load(open(os.path.join(other_dir, "sa.json")))["private_key"]
        test_keyfile(sa, email, base + "/token")

        cli = Client(base)
        test_jwt_grant(cli, sa, other_key, base)
        utok = test_refresh_grant(cli, users[0])
        r = cli.get("/storage/v1/b/bkt/o", token=utok)
        check(r.status == 200, "the authorized user's token lists", r.body[:200])
        r = cli.post_json("/_fake/revoke-refresh-token", {"refresh_token": users[1]["refresh_token"]})
        r = cli.post_form("/token", {"grant_type": "refresh_token", "client_id": users[1]["client_id"],
                                     "client_secret": users[1]["client_secret"],
                                     "refresh_token": users[1]["refresh_token"]})
        expect_oauth_error(r, 400, "invalid_grant", "Token has been expired or revoked.",
                           "revoked refresh token -> 400 expired or revoked")
        r = cli.post_json("/_fake/authorized-users", {"client_id": "new.apps.googleusercontent.com",
                                                      "client_secret": "s", "refresh_token": "1//new",
                                                      "email": "new@example.com"})
        check(r.status == 200, "POST /_fake/authorized-users")
        r = cli.post_form("/token", {"grant_type": "refresh_token", "client_id": "new.apps.googleusercontent.com",
                                     "client_secret": "s", "refresh_token": "1//new"})
        check(r.status == 200, "a user added at run time gets a token")
        r = cli.post_json("/_fake/static-tokens", {"token": "static-late", "email": "late@example.com",
                                                   "scope": RO, "roles": {"bkt": ["roles/storage.objectViewer"]}})
        check(r.status == 200 and cli.get("/storage/v1/b/bkt/o", token="static-late").status == 200,
              "POST /_fake/static-tokens")
        r = cli.post_json("/_fake/roles", {"bkt": ["roles/no.such"]}, {"email": "late@example.com"})
        check(r.status == 400, "an unknown role -> 400 at /_fake/roles")

        tok = token_for(cli, sa)
        tok = test_auth_errors(cli, sa, tok)
        test_objects(cli, tok, email)
        test_listing(cli, tok)
        test_permissions(cli, {k: ("static-%s-token" % k, "%s@selftest.iam.gserviceaccount.com" % k)
                               for k in static})
        test_faults_and_counts(cli, tok, sa)
        check(cli.connections <= 3, "keep-alive: the client reused its connection", cli.connections)

        section("gcs.sh stop")
        sh("stop", state)
        try:
            os.kill(pid, 0)
            gone = False
        except ProcessLookupError:
            gone = True
        except PermissionError:
            gone = False
        check(gone, "stop: the recorded PID is gone")
        check(not os.path.exists(os.path.join(state, "gcs.pid")), "stop removes gcs.pid")
        log = open(os.path.join(state, "gcs.log")).read()
        check("Traceback" not in log, "no traceback in the server log", log[-1500:])
        check(re.search(r"^POST /token 200$", log, re.M) and re.search(r"^DELETE /storage/v1/b/bkt/o/\S+ 204$", log, re.M),
              "server log has METHOD PATH STATUS lines")
        check(tok not in log, "no token in the server log")

        test_tls(tmp, key_dir)
    finally:
        if os.path.exists(os.path.join(state, "gcs.pid")):
            subprocess.run(["sh", GCS_SH, "stop", state], timeout=30)
        if FAILURES and os.environ.get("KEEP"):
            print("state kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed (%.1f s)" % (CHECKS, len(FAILURES), time.time() - t_start))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
