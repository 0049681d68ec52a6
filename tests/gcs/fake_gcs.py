#!/usr/bin/env python3
"""A loopback stand-in for Google Cloud Storage's JSON API and Google's OAuth
2.0 token endpoint, for testing a GCS client without the network.

It implements, on one port (http, or https with --cert/--key):

  POST /token                                  OAuth 2.0 token endpoint:
       grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer  (service
       account JWT, RS256, checked against the account's public key) and
       grant_type=refresh_token  (authorized_user credentials, as gcloud's
       application_default_credentials.json holds them)
  GET  /storage/v1/b/BUCKET                    buckets.get
  GET  /storage/v1/b/BUCKET/iam/testPermissions buckets.testIamPermissions
  GET  /storage/v1/b/BUCKET/o                  objects.list (prefix, delimiter,
       pageToken, maxResults, startOffset, endOffset,
       includeTrailingDelimiter, fields)
  GET  /storage/v1/b/BUCKET/o/OBJECT           objects.get (metadata, or the
       bytes with alt=media; Range supported)
  GET  /download/storage/v1/b/BUCKET/o/OBJECT  the same (media download host path)
  POST /upload/storage/v1/b/BUCKET/o?uploadType=media&name=NAME   objects.insert
  DELETE /storage/v1/b/BUCKET/o/OBJECT         objects.delete
  /_fake/...                                   test controls (no auth), see README

with Google's status codes, error bodies and wording where they are known
(tests/gcs/README.md says which details are confirmed and which are not),
IAM roles mapped to storage permissions the way GCS maps them, OAuth scopes
enforced (read_only scopes cannot write), tokens that expire, and fault
injection.

Left out: resumable and multipart uploads, object versioning (one live
generation per name), ACLs, bucket creation/update through the API,
compose/copy/rewrite, HMAC keys, signed URLs, XML API, gzip transcoding,
matchGlob, requester pays, and persistence (all state is in memory).

Usage: fake_gcs.py PORTFILE [--config FILE] [--cert CERT --key KEY]
                            [--token-lifetime SECS] [--token-length N]
Listens on 127.0.0.1 on an ephemeral port, writes "PORT\\n" to PORTFILE once
it is listening, logs "METHOD PATH STATUS" per request on stdout, and runs
until SIGTERM/SIGINT.
"""
import argparse
import base64
import bisect
import collections
import datetime
import hashlib
import json
import os
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# --------------------------------------------------------------------------
# OAuth scopes
# --------------------------------------------------------------------------
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
READ_SCOPES = {
    SCOPE_PREFIX + "devstorage.read_only",
    SCOPE_PREFIX + "devstorage.read_write",
    SCOPE_PREFIX + "devstorage.full_control",
    SCOPE_PREFIX + "cloud-platform",
    SCOPE_PREFIX + "cloud-platform.read-only",
}
WRITE_SCOPES = {
    SCOPE_PREFIX + "devstorage.read_write",
    SCOPE_PREFIX + "devstorage.full_control",
    SCOPE_PREFIX + "cloud-platform",
}
# Scopes Google accepts that are not URLs (OpenID Connect).
BARE_SCOPES = {"openid", "email", "profile"}
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Audiences a service-account JWT may carry besides this server's own /token.
GOOGLE_TOKEN_URIS = {
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
}

# --------------------------------------------------------------------------
# IAM: predefined roles and the storage permissions they hold
# --------------------------------------------------------------------------
_OBJ_ALL = {
    "storage.objects.create", "storage.objects.delete", "storage.objects.get",
    "storage.objects.getIamPolicy", "storage.objects.list",
    "storage.objects.restore", "storage.objects.setIamPolicy",
    "storage.objects.setRetention", "storage.objects.update",
    "storage.objects.overrideUnlockedRetention",
}
_MULTIPART = {
    "storage.multipartUploads.create", "storage.multipartUploads.abort",
    "storage.multipartUploads.list", "storage.multipartUploads.listParts",
}
_FOLDERS = {
    "storage.folders.create", "storage.folders.delete", "storage.folders.get",
    "storage.folders.list", "storage.folders.rename",
}
_MANAGED = {
    "storage.managedFolders.create", "storage.managedFolders.delete",
    "storage.managedFolders.get", "storage.managedFolders.getIamPolicy",
    "storage.managedFolders.list", "storage.managedFolders.setIamPolicy",
}
_BUCKET_ALL = {
    "storage.buckets.create", "storage.buckets.delete", "storage.buckets.get",
    "storage.buckets.getIamPolicy", "storage.buckets.list",
    "storage.buckets.setIamPolicy", "storage.buckets.update",
    "storage.buckets.enableObjectRetention", "storage.buckets.restore",
    "storage.buckets.getObjectInsights", "storage.buckets.listEffectiveTags",
    "storage.buckets.createTagBinding", "storage.buckets.deleteTagBinding",
    "storage.buckets.listTagBindings",
}
ROLES = {
    "roles/storage.objectViewer": {
        "storage.objects.get", "storage.objects.list",
        "storage.folders.get", "storage.folders.list",
        "storage.managedFolders.get", "storage.managedFolders.list",
    },
    "roles/storage.objectCreator": {
        "storage.objects.create", "storage.folders.create",
        "storage.managedFolders.create", "storage.multipartUploads.create",
        "storage.multipartUploads.abort", "storage.multipartUploads.listParts",
    },
    "roles/storage.objectUser": {
        "storage.objects.create", "storage.objects.delete", "storage.objects.get",
        "storage.objects.list", "storage.objects.restore", "storage.objects.update",
        "storage.managedFolders.create", "storage.managedFolders.delete",
        "storage.managedFolders.get", "storage.managedFolders.list",
    } | _MULTIPART | _FOLDERS,
    "roles/storage.objectAdmin": _OBJ_ALL | _MULTIPART | _FOLDERS | _MANAGED,
    "roles/storage.admin": _OBJ_ALL | _MULTIPART | _FOLDERS | _MANAGED | _BUCKET_ALL,
    "roles/storage.bucketViewer": {"storage.buckets.get", "storage.buckets.list"},
    "roles/storage.legacyBucketReader": {"storage.buckets.get", "storage.objects.list"},
    "roles/storage.legacyBucketWriter": {
        "storage.buckets.get", "storage.objects.list", "storage.objects.create",
        "storage.objects.delete", "storage.objects.restore",
    } | _MULTIPART,
    "roles/storage.legacyBucketOwner": {
        "storage.buckets.get", "storage.buckets.update",
        "storage.buckets.getIamPolicy", "storage.buckets.setIamPolicy",
        "storage.objects.list", "storage.objects.create", "storage.objects.delete",
        "storage.objects.restore",
    } | _MULTIPART,
    "roles/storage.legacyObjectReader": {"storage.objects.get"},
    "roles/storage.legacyObjectOwner": {
        "storage.objects.get", "storage.objects.update",
        "storage.objects.getIamPolicy", "storage.objects.setIamPolicy",
    },
}
# Every permission the emulator knows; a bare permission name in a principal's
# role list stands in for a custom role holding just that permission.
KNOWN_PERMISSIONS = set().union(*ROLES.values())


def role_permissions(role):
    """Permissions of ROLE (a predefined role name or a bare permission)."""
    if role in ROLES:
        return ROLES[role]
    if role in KNOWN_PERMISSIONS:
        return {role}
    raise ValueError("unknown role %r (known: %s, or a bare storage permission)"
                     % (role, ", ".join(sorted(ROLES))))


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
_CRC_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _crc_tables():
    t0 = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _CRC_POLY if c & 1 else c >> 1
        t0.append(c)
    tables = [t0]
    for _ in range(7):
        prev = tables[-1]
        tables.append([t0[prev[i] & 0xFF] ^ (prev[i] >> 8) for i in range(256)])
    return tables


_CRC_T = _crc_tables()


def crc32c(data):
    """CRC-32C of DATA (slicing-by-8; about 0.3 s for 5 MiB)."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _CRC_T
    crc = 0xFFFFFFFF
    mv = memoryview(data)
    n = len(mv) - len(mv) % 8
    for lo, hi in struct.iter_unpack("<II", mv[:n]):
        lo ^= crc
        crc = (t7[lo & 0xFF] ^ t6[(lo >> 8) & 0xFF] ^ t5[(lo >> 16) & 0xFF]
               ^ t4[lo >> 24] ^ t3[hi & 0xFF] ^ t2[(hi >> 8) & 0xFF]
               ^ t1[(hi >> 16) & 0xFF] ^ t0[hi >> 24])
    for b in mv[n:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf, pos):
    shift = result = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def etag_for(generation, metageneration):
    # GCS etags are base64 of a tiny protobuf: field 1 = generation, 2 = metageneration.
    return base64.b64encode(b"\x08" + varint(generation) + b"\x10"
                            + varint(metageneration)).decode()


def rfc3339(us):
    """Microseconds since the epoch -> '2024-01-02T03:04:05.678Z'."""
    dt = datetime.datetime.fromtimestamp(us / 1e6, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def parse_rfc3339(s):
    dt = datetime.datetime.fromisoformat(s.replace("z", "Z"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp() * 1_000_000)


def b64url_decode(s):
    s = s.strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def quote_name(name):
    return urllib.parse.quote(name, safe="")


def now_us():
    return time.time_ns() // 1000


class FieldsError(ValueError):
    pass


def parse_fields(spec):
    """Parse a partial-response 'fields' expression into a selection tree:
    {name: subtree-or-None}.  Grammar: list := item (',' item)* ;
    item := name ('/' item | '(' list ')')? ."""
    pos = 0

    def name():
        nonlocal pos
        start = pos
        while pos < len(spec) and spec[pos] not in ",()/":
            pos += 1
        n = spec[start:pos].strip()
        if not n:
            raise FieldsError(spec)
        return n

    def merge(sel, key, sub):
        if key in sel and (sel[key] is None or sub is None):
            sel[key] = None
        elif key in sel:
            for k, v in sub.items():
                merge(sel[key], k, v)
        else:
            sel[key] = sub

    def item(sel):
        nonlocal pos
        n = name()
        sub = None
        if pos < len(spec) and spec[pos] == "/":
            pos += 1
            sub = {}
            item(sub)
        elif pos < len(spec) and spec[pos] == "(":
            pos += 1
            sub = lst()
            if pos >= len(spec) or spec[pos] != ")":
                raise FieldsError(spec)
            pos += 1
        merge(sel, n, sub)

    def lst():
        nonlocal pos
        sel = {}
        item(sel)
        while pos < len(spec) and spec[pos] == ",":
            pos += 1
            item(sel)
        return sel

    tree = lst()
    if pos != len(spec):
        raise FieldsError(spec)
    return tree


def apply_fields(value, sel):
    if sel is None:
        return value
    if isinstance(value, list):
        return [apply_fields(v, sel) for v in value]
    if isinstance(value, dict):
        if "*" in sel:
            return {k: apply_fields(v, sel["*"]) for k, v in value.items()}
        return {k: apply_fields(value[k], s) for k, s in sel.items() if k in value}
    return value


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
class ApiError(Exception):
    """A storage JSON API error: answered as Google's error JSON."""

    def __init__(self, code, message, reason, domain="global", location=None,
                 headers=None, text=False):
        super().__init__(message)
        self.code, self.message, self.reason, self.domain = code, message, reason, domain
        self.location = location  # (locationType, location) or None
        self.headers = headers or {}
        self.text = text  # media download 404s are plain text, not JSON

    def body(self):
        if self.text:
            return self.message.encode()
        err = {"message": self.message, "domain": self.domain, "reason": self.reason}
        if self.location:
            err["locationType"], err["location"] = self.location
        return json.dumps({"error": {"code": self.code, "message": self.message,
                                     "errors": [err]}}, indent=2).encode()


class OAuthError(Exception):
    """A token endpoint error: {"error": ..., "error_description": ...}."""

    def __init__(self, code, error, description):
        super().__init__(description)
        self.code, self.error, self.description = code, error, description


def denied(email, perm, what):
    return ApiError(403, "%s does not have %s access to the Google Cloud Storage %s."
                    " Permission '%s' denied on resource (or it may not exist)."
                    % (email, perm, what, perm), "forbidden")


def no_bucket():
    return ApiError(404, "The specified bucket does not exist.", "notFound")


def no_object(bucket, name, text=False):
    return ApiError(404, "No such object: %s/%s" % (bucket, name), "notFound", text=text)


def precondition_failed():
    return ApiError(412, "At least one of the pre-conditions you specified did not hold.",
                    "conditionNotMet", location=("header", "If-Match"))


def bad_param(message, param):
    return ApiError(400, message, "invalid", location=("parameter", param))


FAULT_BODIES = {
    429: ("rateLimitExceeded", "usageLimits",
          "The rate of requests exceeds the rate limit. Please reduce your request rate."),
    500: ("backendError", "global", "We encountered an internal error. Please try again."),
    502: ("backendError", "global", "We encountered an internal error. Please try again."),
    503: ("backendError", "global", "We encountered an internal error. Please try again."),
    504: ("backendError", "global", "We encountered an internal error. Please try again."),
}


def fault_error(status):
    reason, domain, message = FAULT_BODIES.get(
        status, ("backendError" if status >= 500 else "invalid", "global",
                 "Injected error %d." % status))
    return ApiError(status, message, reason, domain=domain)


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------
class Obj:
    __slots__ = ("bucket", "name", "data", "content_type", "generation",
                 "metageneration", "created", "updated", "md5", "crc")

    def __init__(self, bucket, name, data, content_type, generation, created):
        self.bucket, self.name, self.data = bucket, name, data
        self.content_type = content_type or "application/octet-stream"
        self.generation, self.metageneration = generation, 1
        self.created = self.updated = created
        self.md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        self.crc = base64.b64encode(struct.pack(">I", crc32c(data))).decode()


class Bucket:
    def __init__(self, name, conf, created):
        self.name, self.conf, self.created = name, dict(conf or {}), created
        self.objects = {}      # name -> Obj
        self._keys = None      # sorted UTF-8 names, rebuilt after changes

    def keys(self):
        if self._keys is None:
            self._keys = sorted(n.encode("utf-8") for n in self.objects)
        return self._keys

    def put(self, obj):
        self.objects[obj.name] = obj
        self._keys = None

    def remove(self, name):
        del self.objects[name]
        self._keys = None


class State:
    def __init__(self, token_lifetime, token_length):
        self.lock = threading.RLock()
        self.buckets = {}
        self.service_accounts = {}   # client_email -> {"key": public key, "kid": ...}
        self.users = []              # authorized_user entries
        self.revoked = set()         # revoked refresh tokens
        self.roles = {}              # email -> {bucket or "*": set(permissions)}
        self.tokens = {}             # access token -> record
        self.token_lifetime = token_lifetime
        self.token_length = token_length
        self.project_number = "123456789012"
        self.counts = collections.Counter()
        self.faults = []             # pending injected statuses, FIFO
        self.log = collections.deque(maxlen=200)
        self.last_generation = 0

    # -- configuration -----------------------------------------------------
    def load(self, conf):
        self.project_number = str(conf.get("project_number", self.project_number))
        for name, bconf in (conf.get("buckets") or {}).items():
            self.add_bucket(name, bconf or {})
        for sa in conf.get("service_accounts") or []:
            self.add_service_account(sa)
        for user in conf.get("authorized_users") or []:
            self.add_user(user)
        for st in conf.get("static_tokens") or []:
            self.add_static_token(st)

    def add_bucket(self, name, bconf):
        if not isinstance(bconf, dict):
            raise ValueError("bucket %r: its entry must be an object" % name)
        lc = bconf.get("lifecycle")
        if lc is not None and not (isinstance(lc, dict) and isinstance(lc.get("rule", []), list)):
            raise ValueError("bucket %r: lifecycle must be {\"rule\": [...]}" % name)
        with self.lock:
            if name in self.buckets:
                self.buckets[name].conf = dict(bconf)
            else:
                self.buckets[name] = Bucket(name, bconf, now_us())

    def set_roles(self, email, roles):
        if not isinstance(roles, dict):
            raise ValueError("roles of %s must be {\"BUCKET\": [ROLE, ...]}" % email)
        perms = {}
        for bucket, rl in roles.items():
            if isinstance(rl, str):
                rl = [rl]
            perms[bucket] = set()
            for r in rl:
                perms[bucket] |= role_permissions(r)
        with self.lock:
            self.roles[email] = perms

    def add_service_account(self, sa):
        email = sa.get("client_email")
        pem = sa.get("public_key_pem")
        if not email or not pem:
            raise ValueError("a service account needs client_email and public_key_pem")
        pem_b = pem.encode() if isinstance(pem, str) else pem
        if b"CERTIFICATE" in pem_b:
            key = x509.load_pem_x509_certificate(pem_b).public_key()
        else:
            key = serialization.load_pem_public_key(pem_b)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("service account %s: public_key_pem is not an RSA key" % email)
        self.set_roles(email, sa.get("roles") or {})
        with self.lock:
            self.service_accounts[email] = {"key": key, "kid": sa.get("private_key_id")}

    def add_user(self, user):
        for k in ("client_id", "client_secret", "refresh_token", "email"):
            if not user.get(k):
                raise ValueError("an authorized user needs %s" % k)
        self.set_roles(user["email"], user.get("roles") or {})
        entry = {k: user[k] for k in ("client_id", "client_secret", "refresh_token", "email")}
        entry["scopes"] = user.get("scopes") or [SCOPE_PREFIX + "cloud-platform"]
        with self.lock:
            self.users = [u for u in self.users if u["refresh_token"] != entry["refresh_token"]]
            self.users.append(entry)

    def add_static_token(self, st):
        if not st.get("token") or not st.get("email"):
            raise ValueError("a static token needs token and email")
        self.set_roles(st["email"], st.get("roles") or {})
        scope = st.get("scope") or SCOPE_PREFIX + "cloud-platform"
        with self.lock:
            self.tokens[st["token"]] = {"email": st["email"], "scopes": set(scope.split()),
                                        "expiry": None}

    # -- tokens ------------------------------------------------------------
    def issue(self, email, scopes, prefix):
        tok = prefix + secrets.token_urlsafe(self.token_length)[: max(16, self.token_length - len(prefix))]
        with self.lock:
            self.tokens[tok] = {"email": email, "scopes": set(scopes),
                                "expiry": time.time() + self.token_lifetime}
        return tok

    def lookup(self, tok):
        with self.lock:
            rec = self.tokens.get(tok)
            if rec is None or (rec["expiry"] is not None and rec["expiry"] <= time.time()):
                return None
            return rec

    def permissions(self, email, bucket):
        with self.lock:
            r = self.roles.get(email, {})
            return set(r.get(bucket, set())) | set(r.get("*", set()))

    def next_generation(self):
        with self.lock:
            self.last_generation = max(self.last_generation + 1, now_us())
            return self.last_generation


STATE = None
BASE_URL = None   # e.g. http://127.0.0.1:PORT, set at start
SCHEME = "http"


# --------------------------------------------------------------------------
# Resources
# --------------------------------------------------------------------------
def object_resource(o):
    q = quote_name(o.name)
    return {
        "kind": "storage#object",
        "id": "%s/%s/%d" % (o.bucket, o.name, o.generation),
        "selfLink": "%s/storage/v1/b/%s/o/%s" % (BASE_URL, o.bucket, q),
        "mediaLink": "%s/download/storage/v1/b/%s/o/%s?generation=%d&alt=media"
                     % (BASE_URL, o.bucket, q, o.generation),
        "name": o.name,
        "bucket": o.bucket,
        "generation": str(o.generation),
        "metageneration": str(o.metageneration),
        "contentType": o.content_type,
        "storageClass": "STANDARD",
        "size": str(len(o.data)),
        "md5Hash": o.md5,
        "crc32c": o.crc,
        "etag": etag_for(o.generation, o.metageneration),
        "timeCreated": rfc3339(o.created),
        "updated": rfc3339(o.updated),
        "timeStorageClassUpdated": rfc3339(o.created),
    }


def bucket_resource(b):
    created = rfc3339(b.created)
    res = {
        "kind": "storage#bucket",
        "selfLink": "%s/storage/v1/b/%s" % (BASE_URL, b.name),
        "id": b.name,
        "name": b.name,
        "projectNumber": STATE.project_number,
        "metageneration": "1",
        "location": "US",
        "storageClass": "STANDARD",
        "etag": "CAE=",
        "timeCreated": created,
        "updated": created,
        "iamConfiguration": {
            "bucketPolicyOnly": {"enabled": True, "lockedTime": created},
            "uniformBucketLevelAccess": {"enabled": True, "lockedTime": created},
            "publicAccessPrevention": "inherited",
        },
        "locationType": "multi-region",
        "rpo": "DEFAULT",
    }
    res.update(b.conf)  # lifecycle, location, storageClass, versioning, ...
    return res


# --------------------------------------------------------------------------
# Page tokens (opaque to clients; standard base64 as GCS's are, so a client
# that does not percent-encode '+', '/' and '=' breaks here as it would there)
# --------------------------------------------------------------------------
def encode_page_token(kind, key):
    raw = b"\x0a" + varint(len(key)) + key + (b"\x10\x01" if kind == "prefix" else b"")
    return base64.b64encode(raw).decode()


def decode_page_token(tok):
    try:
        raw = base64.b64decode(tok, validate=True)
        if not raw or raw[0] != 0x0A:
            raise ValueError
        n, pos = read_varint(raw, 1)
        key = raw[pos:pos + n]
        if len(key) != n:
            raise ValueError
        rest = raw[pos + n:]
        if rest not in (b"", b"\x10\x01"):
            raise ValueError
        key.decode("utf-8")
        return ("prefix" if rest else "item"), key
    except ValueError:
        raise bad_param("Invalid pageToken.", "pageToken") from None


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-gcs/1"
    sys_version = ""

    def log_message(self, *args):
        pass

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        # headers and body go out as separate writes: without TCP_NODELAY,
        # Nagle plus the client's delayed ACK adds ~40 ms to every response
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # -- plumbing ------------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def answer(self, status, body=b"", ctype="application/json; charset=UTF-8",
               headers=None):
        self.status = status
        self.send_response(status)
        if status != 204 and status != 304:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            for one in (v if isinstance(v, list) else [v]):
                self.send_header(k, one)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def answer_json(self, status, obj, pretty=True):
        self.answer(status, json.dumps(obj, indent=2 if pretty else None,
                                       ensure_ascii=False).encode())

    def answer_api_error(self, e):
        if e.text:
            self.answer(e.code, e.body(), ctype="text/html; charset=UTF-8", headers=e.headers)
        else:
            self.answer(e.code, e.body(), headers=e.headers)

    def dispatch(self):
        self.status = 0
        raw_path, _, self.raw_query = self.path.partition("?")
        self.raw_path = raw_path
        self.query = urllib.parse.parse_qs(self.raw_query, keep_blank_values=True)
        try:
            self.body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.answer(400, b'{"error": "bad request body"}')
            self.finish_log()
            return
        try:
            if raw_path.startswith("/_fake/"):
                self.admin(raw_path[len("/_fake/"):])
            elif raw_path == "/token":
                self.token_endpoint()
            elif raw_path.startswith(("/storage/v1/", "/download/storage/v1/",
                                      "/upload/storage/v1/")):
                self.storage()
            else:
                self.answer_api_error(ApiError(404, "Not Found", "notFound"))
        except ApiError as e:
            self.answer_api_error(e)
        except OAuthError as e:
            self.answer_json(e.code, {"error": e.error, "error_description": e.description})
        except Exception as e:  # a bug in the emulator: say so, keep serving
            sys.stderr.write("fake_gcs: internal error on %s %s: %r\n"
                             % (self.command, raw_path, e))
            import traceback
            traceback.print_exc()
            self.answer_api_error(ApiError(500, "fake_gcs internal error: %r" % e,
                                           "backendError"))
        self.finish_log()

    def finish_log(self):
        q = redact_query(self.raw_query)
        target = self.raw_path + ("?" + q if q else "")
        print("%s %s %d" % (self.command, target, self.status), flush=True)
        if not self.raw_path.startswith("/_fake/"):
            auth = self.headers.get("Authorization")
            with STATE.lock:
                STATE.log.append({
                    "method": self.command, "path": self.raw_path, "query": q,
                    "auth": auth.split(None, 1)[0] if auth and auth.strip() else None,
                    "status": self.status,
                })

    def qget(self, name, default=None):
        v = self.query.get(name)
        return v[-1] if v else default

    # -- /_fake/ test controls ----------------------------------------------
    def admin(self, what):
        def body_json():
            try:
                obj = json.loads(self.body or b"{}")
            except ValueError as e:
                raise AdminError("body is not JSON: %s" % e)
            if not isinstance(obj, dict):
                raise AdminError("body must be a JSON object")
            return obj

        try:
            if what == "health" and self.command == "GET":
                return self.answer_json(200, {"ok": True, "base_url": BASE_URL})
            if what == "count" and self.command == "GET":
                with STATE.lock:
                    c = STATE.counts
                    out = {k: c.get(k, 0) for k in
                           ("requests", "lists", "media", "tokens", "uploads", "deletes")}
                    STATE.counts = collections.Counter()
                return self.answer_json(200, out)
            if what == "requests" and self.command == "GET":
                with STATE.lock:
                    return self.answer_json(200, list(STATE.log))
            if self.command != "POST":
                raise AdminError("unknown test endpoint %s %s" % (self.command, what), 404)
            if what == "objects":
                return self.admin_put_object()
            if what == "buckets":
                name = self.qget("name")
                if not name:
                    raise AdminError("name= is required")
                STATE.add_bucket(name, body_json())
                return self.answer_json(200, {"bucket": name})
            if what == "fail":
                status = int(self.qget("status", "503"))
                count = int(self.qget("count", "1"))
                if not 400 <= status <= 599 or count < 0:
                    raise AdminError("status must be 4xx/5xx and count >= 0")
                with STATE.lock:
                    STATE.faults.extend([status] * count)
                return self.answer_json(200, {"pending": len(STATE.faults)})
            if what == "expire-tokens":
                email = self.qget("email")
                n = 0
                with STATE.lock:
                    for rec in STATE.tokens.values():
                        if rec["expiry"] is not None and (email is None or rec["email"] == email):
                            rec["expiry"] = time.time() - 1
                            n += 1
                return self.answer_json(200, {"expired": n})
            if what == "service-accounts":
                sa = body_json()
                STATE.add_service_account(sa)
                return self.answer_json(200, {"added": sa["client_email"]})
            if what == "authorized-users":
                u = body_json()
                STATE.add_user(u)
                return self.answer_json(200, {"added": u["email"]})
            if what == "static-tokens":
                st = body_json()
                STATE.add_static_token(st)
                return self.answer_json(200, {"added": st["email"]})
            if what == "roles":
                email = self.qget("email")
                if not email:
                    raise AdminError("email= is required")
                STATE.set_roles(email, body_json())
                return self.answer_json(200, {"email": email})
            if what == "revoke-refresh-token":
                rt = body_json().get("refresh_token")
                if not rt:
                    raise AdminError("body needs refresh_token")
                with STATE.lock:
                    STATE.revoked.add(rt)
                return self.answer_json(200, {"revoked": True})
            raise AdminError("unknown test endpoint POST %s" % what, 404)
        except AdminError as e:
            self.answer_json(e.code, {"error": str(e)})
        except ValueError as e:
            self.answer_json(400, {"error": str(e)})

    def admin_put_object(self):
        bucket, name = self.qget("bucket"), self.qget("name")
        if not bucket or not name:
            raise AdminError("bucket= and name= are required")
        updated = self.qget("updated")
        try:
            t = parse_rfc3339(updated) if updated else now_us()
        except ValueError:
            raise AdminError("updated= is not RFC 3339: %r" % updated)
        ctype = self.qget("contentType") or self.headers.get("Content-Type")
        if ctype and ctype.startswith("application/x-www-form-urlencoded"):
            ctype = None  # the default of curl and urllib for a POST body: not meant
        o = Obj(bucket, name, self.body, ctype, 0, t)
        with STATE.lock:
            b = STATE.buckets.get(bucket)
            if b is None:
                raise AdminError("no bucket %r (POST /_fake/buckets?name=... first)" % bucket, 404)
            o.generation = STATE.next_generation()
            b.put(o)
        self.answer_json(200, object_resource(o))

    # -- OAuth token endpoint -------------------------------------------------
    def token_endpoint(self):
        with STATE.lock:
            STATE.counts["tokens"] += 1
        if self.command != "POST":
            raise OAuthError(405, "invalid_request", "The token endpoint needs POST.")
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            try:
                form = {k: str(v) for k, v in json.loads(self.body or b"{}").items()}
            except (ValueError, AttributeError):
                raise OAuthError(400, "invalid_request", "Invalid JSON payload.")
        else:
            form = {k: v[-1] for k, v in urllib.parse.parse_qs(
                self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        grant = form.get("grant_type", "")
        if grant == JWT_GRANT:
            return self.jwt_grant(form)
        if grant == "refresh_token":
            return self.refresh_grant(form)
        raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type: %s" % grant)

    def jwt_grant(self, form):
        assertion = form.get("assertion")
        if not assertion:
            raise OAuthError(400, "invalid_request", "Missing required parameter: assertion")
        parts = assertion.split(".")
        try:
            if len(parts) != 3:
                raise ValueError
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
            if not isinstance(header, dict) or not isinstance(claims, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(400, "invalid_grant", "Invalid JWT: the assertion is not a JWS "
                             "of three base64url parts.")
        with STATE.lock:
            sa = STATE.service_accounts.get(claims.get("iss"))
        if sa is None:
            raise OAuthError(400, "invalid_grant", "Invalid grant: account not found")
        if header.get("alg") != "RS256":
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.")
        if sa["kid"] and header.get("kid") and header["kid"] != sa["kid"]:
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            sa["key"].verify(sig, (parts[0] + "." + parts[1]).encode("ascii"),
                             padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, UnicodeEncodeError):
            raise OAuthError(400, "invalid_grant", "Invalid JWT Signature.")
        host = self.headers.get("Host", "")
        port = BASE_URL.rsplit(":", 1)[1]
        own = {"%s://%s:%s/token" % (SCHEME, h, port) for h in ("127.0.0.1", "localhost")}
        if host:
            own.add("%s://%s/token" % (SCHEME, host))
        if claims.get("aud") not in own | GOOGLE_TOKEN_URIS:
            raise OAuthError(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
        if (not isinstance(iat, (int, float)) or not isinstance(exp, (int, float))
                or isinstance(iat, bool) or isinstance(exp, bool)
                or iat > now + 300 or exp <= now or exp < iat or exp - iat > 3600):
            raise OAuthError(400, "invalid_grant",
                             "Invalid JWT: Token must be a short-lived token (60 minutes)"
                             " and in a reasonable timeframe. Check your iat and exp values"
                             " in the JWT claim.")
        sub = claims.get("sub")
        if sub and sub != claims["iss"]:
            raise OAuthError(401, "unauthorized_client",
                             "Client is unauthorized to retrieve access tokens using this"
                             " method, or client not authorized for any of the scopes"
                             " requested.")
        scopes = check_scopes(claims.get("scope"))
        tok = STATE.issue(claims["iss"], scopes, "ya29.c.")
        self.answer_json(200, {"access_token": tok, "expires_in": STATE.token_lifetime - 1,
                               "token_type": "Bearer"})

    def refresh_grant(self, form):
        cid, secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth[:6].lower() == "basic " and not cid:
            try:
                cid, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
                cid, secret = urllib.parse.unquote(cid), urllib.parse.unquote(secret)
            except (ValueError, UnicodeDecodeError):
                raise OAuthError(401, "invalid_client", "Unauthorized")
        rt = form.get("refresh_token")
        if not cid:
            raise OAuthError(400, "invalid_request", "Missing required parameter: client_id")
        with STATE.lock:
            users = [u for u in STATE.users if u["client_id"] == cid]
            revoked = rt in STATE.revoked
        if not users:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        users = [u for u in users if u["client_secret"] == secret]
        if not users:
            raise OAuthError(401, "invalid_client", "Unauthorized")
        if not rt:
            raise OAuthError(400, "invalid_request", "Missing required parameter: refresh_token")
        user = next((u for u in users if u["refresh_token"] == rt), None)
        if user is None:
            raise OAuthError(400, "invalid_grant", "Bad Request")
        if revoked:
            raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
        scopes = user["scopes"]
        if form.get("scope"):
            scopes = sorted(check_scopes(form["scope"]))
        tok = STATE.issue(user["email"], scopes, "ya29.a0")
        self.answer_json(200, {"access_token": tok, "expires_in": STATE.token_lifetime - 1,
                               "scope": " ".join(scopes), "token_type": "Bearer"})

    # -- storage JSON API -----------------------------------------------------
    def storage(self):
        with STATE.lock:
            STATE.counts["requests"] += 1
            fault = STATE.faults.pop(0) if STATE.faults else None
        if fault is not None:
            raise fault_error(fault)
        self.pretty = self.qget("prettyPrint", "true").lower() != "false"
        segs = self.raw_path.split("/")[1:]
        # ['storage','v1','b',BUCKET, ...] / ['download','storage','v1','b',...] / ['upload',...]
        host = segs[0]
        if host in ("download", "upload"):
            segs = segs[1:]
        if len(segs) < 4 or segs[:3] != ["storage", "v1", "b"] or not segs[3]:
            raise ApiError(404, "Not Found", "notFound")
        bucket = urllib.parse.unquote(segs[3])
        rest = segs[4:]
        m = "GET" if self.command == "HEAD" else self.command  # HEAD: GET without a body
        if host == "upload":
            if rest == ["o"] and m == "POST":
                return self.upload(bucket)
        elif not rest and m == "GET" and host == "storage":
            return self.get_bucket(bucket)
        elif rest == ["iam", "testPermissions"] and m == "GET" and host == "storage":
            return self.test_permissions(bucket)
        elif rest == ["o"] and m == "GET" and host == "storage":
            return self.list_objects(bucket)
        elif len(rest) >= 2 and rest[0] == "o" and m in ("GET", "DELETE"):
            try:
                name = urllib.parse.unquote("/".join(rest[1:]), errors="strict")
            except UnicodeDecodeError:
                raise bad_param("The object name is not valid UTF-8.", "object") from None
            if not name:
                raise ApiError(404, "Not Found", "notFound")
            if m == "GET":
                return self.get_object(bucket, name, host == "download")
            if host == "storage":
                return self.delete_object(bucket, name)
        raise ApiError(404, "Not Found", "notFound")

    def auth(self, write, perm, bucket):
        """Check the bearer token, scope and bucket; return the caller's email."""
        h = self.headers.get("Authorization")
        if not h or not h.strip():
            what = "object" if perm in ("storage.objects.get", "storage.objects.create",
                                        "storage.objects.delete") else "bucket"
            raise ApiError(401, "Anonymous caller does not have %s access to the Google Cloud"
                           " Storage %s. Permission '%s' denied on resource (or it may not"
                           " exist)." % (perm, what, perm), "required",
                           location=("header", "Authorization"),
                           headers={"WWW-Authenticate":
                                    'Bearer realm="https://accounts.google.com/"'})
        scheme, _, tok = h.strip().partition(" ")
        rec = STATE.lookup(tok.strip()) if scheme.lower() == "bearer" else None
        if rec is None:
            raise ApiError(401, "Invalid Credentials", "authError",
                           location=("header", "Authorization"),
                           headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google'
                                    '.com/", error="invalid_token"'})
        if not rec["scopes"] & (WRITE_SCOPES if write else READ_SCOPES):
            raise ApiError(403, "Provided scope(s) are not authorized", "forbidden")
        with STATE.lock:
            b = STATE.buckets.get(bucket)
        if b is None:
            raise no_bucket()
        return rec["email"], b

    def need(self, email, bucket, perm, what):
        if perm not in STATE.permissions(email, bucket):
            raise denied(email, perm, what)

    def preconditions(self, obj, get=False):
        """ifGenerationMatch / ifGenerationNotMatch / ifMetagenerationMatch /
        ifMetagenerationNotMatch against OBJ (None when absent)."""
        gen = obj.generation if obj else 0
        meta = obj.metageneration if obj else None
        for param, have, negate in (("ifGenerationMatch", gen, False),
                                    ("ifGenerationNotMatch", gen, True),
                                    ("ifMetagenerationMatch", meta, False),
                                    ("ifMetagenerationNotMatch", meta, True)):
            v = self.qget(param)
            if v is None:
                continue
            try:
                want = int(v)
            except ValueError:
                raise bad_param("Invalid value for %s: %s" % (param, v), param)
            if negate and have == want:
                if get:
                    raise ApiError(304, "Not Modified", "notModified")
                raise precondition_failed()
            if not negate and have != want:
                raise precondition_failed()

    def send_resource(self, res, status=200):
        fields = self.qget("fields")
        if fields:
            try:
                res = apply_fields(res, parse_fields(fields))
            except FieldsError:
                raise ApiError(400, "Invalid field selection %s" % fields, "invalidParameter",
                               location=("parameter", "fields"))
        self.answer_json(status, res, pretty=self.pretty)

    def get_bucket(self, bucket):
        email, b = self.auth(False, "storage.buckets.get", bucket)
        self.need(email, bucket, "storage.buckets.get", "bucket")
        self.send_resource(bucket_resource(b))

    def test_permissions(self, bucket):
        email, _ = self.auth(False, "storage.buckets.get", bucket)
        asked = self.query.get("permissions", [])
        if not asked:
            raise ApiError(400, "Required parameter: permissions", "required",
                           location=("parameter", "permissions"))
        held = STATE.permissions(email, bucket)
        res = {"kind": "storage#testIamPermissionsResponse"}
        got = [p for p in dict.fromkeys(asked) if p in held]
        if got:
            res["permissions"] = got
        self.send_resource(res)

    def list_objects(self, bucket):
        with STATE.lock:
            STATE.counts["lists"] += 1
        email, b = self.auth(False, "storage.objects.list", bucket)
        self.need(email, bucket, "storage.objects.list", "bucket")
        if self.qget("matchGlob"):
            raise bad_param("matchGlob is not supported by this emulator.", "matchGlob")
        mr = self.qget("maxResults")
        try:
            max_results = int(mr) if mr not in (None, "") else 1000
            if max_results < 0:
                raise ValueError
        except ValueError:
            raise bad_param("Invalid unsigned integer value: '%s'." % mr, "maxResults")
        if max_results == 0 or max_results > 1000:
            max_results = 1000
        prefix = (self.qget("prefix") or "").encode("utf-8")
        delim = (self.qget("delimiter") or "").encode("utf-8")
        start = (self.qget("startOffset") or "").encode("utf-8")
        end = self.qget("endOffset")
        end = end.encode("utf-8") if end else None
        trailing = (self.qget("includeTrailingDelimiter") or "").lower() == "true"
        token = self.qget("pageToken")
        with STATE.lock:
            keys = b.keys()
            objs = dict(b.objects)
        i = bisect.bisect_left(keys, max(prefix, start))
        if token:
            kind, last = decode_page_token(token)
            if kind == "prefix":
                # UTF-8 never holds 0xFF: every name under LAST sorts below LAST+0xFF
                i = max(i, bisect.bisect_left(keys, last + b"\xff"))
            else:
                i = max(i, bisect.bisect_right(keys, last))
        items, prefixes, count, next_token, last_entry = [], [], 0, None, None
        n = len(keys)
        while i < n:
            k = keys[i]
            if end is not None and k >= end:
                break
            if not k.startswith(prefix):
                break  # sorted: past every name holding the prefix
            if count >= max_results:
                next_token = encode_page_token(*last_entry)
                break
            rest = k[len(prefix):]
            j = rest.find(delim) if delim else -1
            if j >= 0:
                p = prefix + rest[:j + len(delim)]
                prefixes.append(p.decode("utf-8"))
                if trailing and k == p:  # object "dir/" shares the slot of prefix "dir/"
                    items.append(object_resource(objs[k.decode("utf-8")]))
                last_entry = ("prefix", p)
                i = bisect.bisect_left(keys, p + b"\xff")
            else:
                items.append(object_resource(objs[k.decode("utf-8")]))
                last_entry = ("item", k)
                i += 1
            count += 1
        res = {"kind": "storage#objects"}
        if next_token:
            res["nextPageToken"] = next_token
        if prefixes:
            res["prefixes"] = prefixes
        if items:
            res["items"] = items
        self.send_resource(res)

    def get_object(self, bucket, name, download_host):
        media = self.qget("alt") == "media"
        if media:
            with STATE.lock:
                STATE.counts["media"] += 1
        email, b = self.auth(False, "storage.objects.get", bucket)
        self.need(email, bucket, "storage.objects.get", "object")
        with STATE.lock:
            o = b.objects.get(name)
        gen = self.qget("generation")
        if o is not None and gen is not None:
            try:
                if int(gen) != o.generation:
                    o = None
            except ValueError:
                raise bad_param("Invalid value for generation: %s" % gen, "generation")
        if o is None:
            raise no_object(bucket, name, text=media)
        self.preconditions(o, get=True)
        if not media:
            if download_host:
                raise bad_param("The download path needs alt=media.", "alt")
            return self.send_resource(object_resource(o))
        headers = {
            "x-goog-generation": str(o.generation),
            "x-goog-metageneration": str(o.metageneration),
            "x-goog-hash": ["crc32c=" + o.crc, "md5=" + o.md5],
            "x-goog-stored-content-length": str(len(o.data)),
            "x-goog-stored-content-encoding": "identity",
            "x-goog-storage-class": "STANDARD",
            "ETag": etag_for(o.generation, o.metageneration),
            "Last-Modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                           time.gmtime(o.updated / 1e6)),
            "Accept-Ranges": "bytes",
        }
        data, status = o.data, 200
        rng = self.headers.get("Range")
        if rng:
            span = parse_range(rng, len(data))
            if span == "unsatisfiable":
                headers["Content-Range"] = "bytes */%d" % len(data)
                return self.answer(416, b"Request range not satisfiable",
                                   ctype="text/html; charset=UTF-8", headers=headers)
            if span:
                a, z = span
                headers["Content-Range"] = "bytes %d-%d/%d" % (a, z, len(data))
                data, status = data[a:z + 1], 206
        self.answer(status, data, ctype=o.content_type, headers=headers)

    def upload(self, bucket):
        with STATE.lock:
            STATE.counts["uploads"] += 1
        email, b = self.auth(True, "storage.objects.create", bucket)
        utype = self.qget("uploadType")
        name = self.qget("name")
        if utype is None or not name:
            raise ApiError(400, "Upload requests must include an uploadType URL parameter"
                           " and a URL-encoded object name.", "required")
        if utype != "media":
            raise bad_param("uploadType=%s is not supported by this emulator (only media)."
                            % utype, "uploadType")
        if len(name.encode("utf-8")) > 1024 or "\r" in name or "\n" in name:
            raise bad_param("The specified object name is not valid.", "name")
        self.need(email, bucket, "storage.objects.create", "object")
        # hashes are computed outside the lock; the generation is set inside it
        o = Obj(bucket, name, self.body, self.headers.get("Content-Type"), 0, now_us())
        with STATE.lock:
            old = b.objects.get(name)
            if old is not None:
                # replacing an object also needs delete permission, as in GCS
                self.need(email, bucket, "storage.objects.delete", "object")
            self.preconditions(old)
            o.generation = STATE.next_generation()
            b.put(o)
        self.send_resource(object_resource(o))

    def delete_object(self, bucket, name):
        with STATE.lock:
            STATE.counts["deletes"] += 1
        email, b = self.auth(True, "storage.objects.delete", bucket)
        self.need(email, bucket, "storage.objects.delete", "object")
        with STATE.lock:
            o = b.objects.get(name)
            gen = self.qget("generation")
            if o is not None and gen is not None and gen != str(o.generation):
                o = None
            if o is None:
                raise no_object(bucket, name)
            self.preconditions(o)
            b.remove(name)
        self.answer(204)


class AdminError(Exception):
    def __init__(self, message, code=400):
        super().__init__(message)
        self.code = code


def check_scopes(scope):
    """Validate a space-separated scope string the way Google's token endpoint
    does; return the set of scopes."""
    scopes = set((scope or "").split())
    if not scopes:
        raise OAuthError(400, "invalid_scope", "Empty or missing scope not allowed.")
    for s in scopes:
        if not (s in BARE_SCOPES or (s.startswith(SCOPE_PREFIX) and len(s) > len(SCOPE_PREFIX))):
            raise OAuthError(400, "invalid_scope",
                             "Invalid OAuth scope or ID token audience provided.")
    return scopes


def parse_range(h, size):
    """'bytes=a-b' | 'bytes=a-' | 'bytes=-n' -> (a, z) inclusive, None to
    ignore the header, or 'unsatisfiable'."""
    h = h.strip()
    if not h.lower().startswith("bytes=") or "," in h:
        return None
    a, _, z = h[6:].strip().partition("-")
    try:
        if a == "":
            n = int(z)
            if n <= 0:
                return "unsatisfiable"
            return (max(0, size - n), size - 1) if size else "unsatisfiable"
        a = int(a)
        z = int(z) if z else size - 1
    except ValueError:
        return None
    if a >= size or z < a:
        return "unsatisfiable"
    return a, min(z, size - 1)


def redact_query(q):
    """The query string with any credential-bearing parameter blanked."""
    if not q:
        return q
    out = []
    for part in q.split("&"):
        k = part.split("=", 1)[0]
        if k in ("access_token", "refresh_token", "client_secret", "assertion", "key"):
            part = k + "=REDACTED"
        out.append(part)
    return "&".join(out)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            return  # a client went away or failed the TLS handshake
        super().handle_error(request, client_address)


def main():
    global STATE, BASE_URL, SCHEME
    ap = argparse.ArgumentParser(description="Loopback stand-in for GCS JSON API + OAuth.")
    ap.add_argument("portfile")
    ap.add_argument("--config", help="JSON file: buckets and principals")
    ap.add_argument("--cert", help="serve https with this certificate (PEM)")
    ap.add_argument("--key", help="private key of --cert (PEM)")
    ap.add_argument("--token-lifetime", type=int, default=3600,
                    help="seconds an access token lives (expires_in is one less)")
    ap.add_argument("--token-length", type=int, default=1024,
                    help="length of issued access tokens (real ones reach ~1-2 KB)")
    args = ap.parse_args()
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")

    STATE = State(args.token_lifetime, args.token_length)
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as f:
                STATE.load(json.load(f))
        except (OSError, ValueError) as e:
            sys.exit("fake_gcs: bad --config %s: %s" % (args.config, e))

    srv = Server(("127.0.0.1", 0), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        # handshake in the handler thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
        SCHEME = "https"
    port = srv.server_address[1]
    BASE_URL = "%s://127.0.0.1:%d" % (SCHEME, port)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = args.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.portfile)
    print("fake_gcs listening on %s" % BASE_URL, flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
