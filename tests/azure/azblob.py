#!/usr/bin/env python3
"""azblob: a small Azure Blob Storage REST client for the tests.

Standard library only (http.client, hmac, hashlib, base64, xml.etree), except
copy-from-s3, which uses boto3.  Written from Microsoft's REST documentation
("Authorize with Shared Key", "Create an account SAS", "Create a service
SAS", "List Blobs"), independently of the project's C client, so that tests
can prepare and inspect data with it.  See tests/azure/README.md.

As a module:

    import azblob
    c = azblob.BlobClient("http://127.0.0.1:10000", "devstoreaccount1",
                          key=azblob.DEV_KEY)
    c = azblob.BlobClient.from_connection_string(os.environ[...])
    c.create_container("backups")
    c.put_blob("backups", "a/b.txt", b"data")
    c.get_blob("backups", "a/b.txt")
    for page in c.list_blobs("backups", prefix="a/", delimiter="/"):
        page.blobs, page.prefixes, page.next_marker
    tok = azblob.container_sas("devstoreaccount1", azblob.DEV_KEY, "backups",
                               "rl", expiry="+3600")
    azblob.BlobClient(endpoint, "devstoreaccount1", sas=tok)

As a command: python3 azblob.py --help
"""
import argparse
import base64
import binascii
import datetime
import email.utils
import hashlib
import hmac
import http.client
import ipaddress
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

DEFAULT_VERSION = "2021-08-06"      # x-ms-version sent by default
SAS_VERSION = "2021-08-06"          # sv of the SAS tokens made here
DEV_ACCOUNT = "devstoreaccount1"    # Azurite's well-known account
DEV_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq"
           "/K1SZFPTOtr/KBHBeksoGMGw==")

# the standard headers of the Shared Key string-to-sign (2009-09-19 and later)
SIGNED_HEADERS = ("Content-Encoding", "Content-Language", "Content-Length",
                  "Content-MD5", "Content-Type", "Date", "If-Modified-Since",
                  "If-Match", "If-None-Match", "If-Unmodified-Since", "Range")


class AzureError(Exception):
    """An HTTP error answer, with the storage error code when there is one."""

    def __init__(self, status, reason, code, message, headers, body):
        self.status = status
        self.reason = reason
        self.code = code
        self.message = message
        self.headers = headers
        self.body = body
        super().__init__("HTTP %d %s: %s" % (status, code or reason,
                                             message or ""))


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers      # list of (name, value) as received
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default


# ---------------------------------------------------------------- helpers

def b64key(key):
    """The HMAC key: the base64-decoded account key (strictly checked)."""
    if isinstance(key, bytes):
        return key
    try:
        return base64.b64decode(key, validate=True)
    except binascii.Error as e:
        raise ValueError("account key is not base64: %s" % e) from None


def hmac_b64(key, text):
    return base64.b64encode(hmac.new(b64key(key), text.encode("utf-8"),
                                     hashlib.sha256).digest()).decode()


def http_date(t=None):
    """RFC 1123 date, as x-ms-date wants it."""
    return email.utils.formatdate(t if t is not None else time.time(),
                                  usegmt=True)


def iso_time(value):
    """SAS time: 'YYYY-MM-DDTHH:MM:SSZ'.  value: a datetime, an ISO string
    (kept as is), or '+N' / '-N' seconds from now."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, (int, float)) or re.fullmatch(r"[+-]\d+", str(value)):
        t = datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=int(value))
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def quote_path(s):
    return urllib.parse.quote(s, safe="/~")


def quote_value(s):
    return urllib.parse.quote(str(s), safe="~")


def parse_connection_string(cs):
    """'K1=V1;K2=V2;...' -> dict (values may contain '=')."""
    out = {}
    for part in cs.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError("connection string part without '=': %r" % part)
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _get(d, name):
    for k, v in d.items():
        if k.lower() == name.lower():
            return v
    return None


def split_endpoint(url, account):
    """(scheme, host, port, base_path) of a blob endpoint.  An endpoint
    without a path on an IP address or 'localhost' is the emulator's
    path-style form: the account is the first path segment."""
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("http", "https"):
        raise ValueError("endpoint must be http:// or https://: %r" % url)
    host = u.hostname or ""
    port = u.port or (443 if u.scheme == "https" else 80)
    path = u.path.rstrip("/")
    if not path:
        try:
            ipaddress.ip_address(host)
            ip = True
        except ValueError:
            ip = host == "localhost"
        if ip:
            path = "/" + account
    return u.scheme, host, port, path


# ------------------------------------------------------------- Shared Key

def canonicalized_headers(headers):
    """x-ms-* headers: lowercase names, sorted, 'name:value\\n' each."""
    items = {}
    for k, v in headers.items():
        lk = k.lower().strip()
        if lk.startswith("x-ms-"):
            items[lk] = re.sub(r"\s*\r?\n\s*", " ", str(v)).strip()
    return "".join("%s:%s\n" % (k, items[k]) for k in sorted(items))


def canonicalized_resource(account, path, query):
    """'/ACCOUNT' + the request's (encoded) path, then '\\nname:value' for
    each query parameter: names lowercased and sorted, values decoded,
    several values of one name sorted and joined with ','.  With the
    emulator's path-style URLs the path itself starts with /ACCOUNT, so the
    resource is /ACCOUNT/ACCOUNT/CONTAINER/BLOB."""
    out = "/" + account + (path or "/")
    params = {}
    for k, v in query:
        params.setdefault(k.lower(), []).append(v)
    for k in sorted(params):
        out += "\n%s:%s" % (k, ",".join(sorted(params[k])))
    return out


def shared_key_string_to_sign(method, headers, account, path, query):
    """The Blob service string-to-sign (version 2009-09-19 and later)."""
    lower = {k.lower(): str(v) for k, v in headers.items()}
    fields = [method.upper()]
    for h in SIGNED_HEADERS:
        v = lower.get(h.lower(), "")
        if h == "Content-Length" and v == "0":
            v = ""          # 2015-02-21 and later: zero length is empty
        fields.append(v)
    return ("\n".join(fields) + "\n" + canonicalized_headers(headers) +
            canonicalized_resource(account, path, query))


def shared_key_authorization(account, key, method, headers, path, query):
    """(Authorization header value, string-to-sign)."""
    sts = shared_key_string_to_sign(method, headers, account, path, query)
    return "SharedKey %s:%s" % (account, hmac_b64(key, sts)), sts


# -------------------------------------------------------------------- SAS

def _token(pairs):
    return "&".join("%s=%s" % (k, quote_value(v)) for k, v in pairs
                    if v is not None and v != "")


def account_sas(account, key, permissions, expiry, start=None, services="b",
                resource_types="sco", protocol=None, ip=None,
                version=SAS_VERSION, return_sts=False):
    """An account SAS token (without '?').  String-to-sign (Create an
    account SAS): account, sp, ss, srt, st, se, sip, spr, sv, and for sv
    2020-12-06 and later ses, each followed by '\\n'."""
    st, se = iso_time(start), iso_time(expiry)
    fields = [account, permissions, services, resource_types, st or "",
              se, ip or "", protocol or "", version]
    if version >= "2020-12-06":
        fields.append("")           # signedEncryptionScope
    sts = "\n".join(fields) + "\n"
    token = _token([("sv", version), ("ss", services),
                    ("srt", resource_types), ("sp", permissions),
                    ("st", st), ("se", se), ("sip", ip), ("spr", protocol),
                    ("sig", hmac_b64(key, sts))])
    return (token, sts) if return_sts else token


def service_sas(account, key, container, permissions, expiry, blob=None,
                start=None, identifier=None, protocol=None, ip=None,
                version=SAS_VERSION, return_sts=False):
    """A service SAS token for a container (sr=c) or a blob (sr=b).
    String-to-sign (Create a service SAS, sv 2020-12-06 and later): sp, st,
    se, /blob/ACCOUNT/CONTAINER[/BLOB], si, sip, spr, sv, sr, snapshot time,
    ses, rscc, rscd, rsce, rscl, rsct, joined with '\\n' (no final '\\n');
    2018-11-09 to 2020-10-02 lack ses."""
    if version < "2018-11-09":
        raise ValueError("service SAS before sv 2018-11-09 is not supported")
    st, se = iso_time(start), iso_time(expiry)
    sr = "b" if blob is not None else "c"
    resource = "/blob/%s/%s" % (account, container)
    if blob is not None:
        resource += "/" + blob
    fields = [permissions or "", st or "", se or "", resource,
              identifier or "", ip or "", protocol or "", version, sr, ""]
    if version >= "2020-12-06":
        fields.append("")           # signedEncryptionScope
    fields += ["", "", "", "", ""]  # rscc rscd rsce rscl rsct
    sts = "\n".join(fields)
    token = _token([("sv", version), ("sr", sr), ("sp", permissions),
                    ("st", st), ("se", se), ("si", identifier),
                    ("sip", ip), ("spr", protocol),
                    ("sig", hmac_b64(key, sts))])
    return (token, sts) if return_sts else token


def container_sas(account, key, container, permissions, expiry, **kw):
    return service_sas(account, key, container, permissions, expiry, **kw)


def blob_sas(account, key, container, blob, permissions, expiry, **kw):
    return service_sas(account, key, container, permissions, expiry,
                       blob=blob, **kw)


# ----------------------------------------------------------------- client

class Blob:
    __slots__ = ("name", "size", "last_modified", "etag", "content_type")

    def __init__(self, name, size, last_modified, etag, content_type):
        self.name = name
        self.size = size
        self.last_modified = last_modified
        self.etag = etag
        self.content_type = content_type

    def __repr__(self):
        return "Blob(%r, %r, %r)" % (self.name, self.size, self.last_modified)


class ListPage:
    def __init__(self, entries, next_marker, xml):
        self.entries = entries      # ("blob", Blob) / ("prefix", name), in order
        self.blobs = [e for k, e in entries if k == "blob"]
        self.prefixes = [e for k, e in entries if k == "prefix"]
        self.next_marker = next_marker
        self.xml = xml


def _name(el):
    """Text of a <Name>; Encoded="true" names are percent-encoded."""
    text = el.text or ""
    if el.get("Encoded") == "true":
        text = urllib.parse.unquote(text)
    return text


def parse_list_blobs(body):
    root = ET.fromstring(body)
    if root.tag != "EnumerationResults":
        raise ValueError("not a List Blobs answer: <%s>" % root.tag)
    entries = []
    blobs = root.find("Blobs")
    if blobs is not None:
        for el in blobs:
            if el.tag == "Blob":
                props = el.find("Properties")

                def prop(n, props=props):
                    if props is None:
                        return None
                    p = props.find(n)
                    return p.text if p is not None else None
                size = prop("Content-Length")
                entries.append(("blob", Blob(_name(el.find("Name")),
                                             int(size) if size else 0,
                                             prop("Last-Modified"),
                                             prop("Etag"),
                                             prop("Content-Type"))))
            elif el.tag == "BlobPrefix":
                entries.append(("prefix", _name(el.find("Name"))))
    nm = root.find("NextMarker")
    return ListPage(entries, (nm.text or "") if nm is not None else "", body)


def error_from(resp):
    code = resp.header("x-ms-error-code")
    message = None
    if resp.body:
        try:
            root = ET.fromstring(resp.body)
            c = root.find("Code")
            m = root.find("Message")
            code = code or (c.text if c is not None else None)
            message = m.text if m is not None else None
        except ET.ParseError:
            pass
    return AzureError(resp.status, resp.reason, code,
                      message.split("\n")[0] if message else None,
                      resp.headers, resp.body)


class BlobClient:
    """Blob service client.  Give key= (Shared Key) or sas= (a SAS token,
    with or without '?'), or neither for anonymous requests."""

    def __init__(self, endpoint, account=DEV_ACCOUNT, key=None, sas=None,
                 version=DEFAULT_VERSION, timeout=30, cafile=None,
                 insecure=False, debug=None):
        self.account = account
        self.key = key
        self.sas = sas.lstrip("?") if sas else None
        self.version = version
        self.timeout = timeout
        self.debug = debug          # a file to log requests and strings-to-sign
        self.scheme, self.host, self.port, self.base = \
            split_endpoint(endpoint, account)
        self.ctx = None
        if self.scheme == "https":
            self.ctx = ssl.create_default_context(cafile=cafile)
            if insecure:
                self.ctx.check_hostname = False
                self.ctx.verify_mode = ssl.CERT_NONE
        self._local = threading.local()

    @classmethod
    def from_connection_string(cls, cs, **kw):
        d = parse_connection_string(cs)
        account = _get(d, "AccountName")
        key = _get(d, "AccountKey")
        sas = _get(d, "SharedAccessSignature")
        endpoint = _get(d, "BlobEndpoint")
        if (_get(d, "UseDevelopmentStorage") or "").lower() == "true":
            account, key = account or DEV_ACCOUNT, key or DEV_KEY
            endpoint = endpoint or "http://127.0.0.1:10000/" + DEV_ACCOUNT
        if not endpoint:
            if not account:
                raise ValueError("connection string has neither BlobEndpoint "
                                 "nor AccountName")
            endpoint = "%s://%s.blob.%s" % (
                _get(d, "DefaultEndpointsProtocol") or "https", account,
                _get(d, "EndpointSuffix") or "core.windows.net")
        if not account:
            # a SAS-only connection string: the account is in the endpoint
            u = urllib.parse.urlsplit(endpoint)
            seg = u.path.strip("/").split("/")[0]
            account = seg or (u.hostname or "").split(".")[0]
        return cls(endpoint, account, key=key, sas=sas, **kw)

    def url(self, container=None, blob=None):
        return "%s://%s:%d%s" % (self.scheme, self.host, self.port,
                                 self.path(container, blob))

    def path(self, container=None, blob=None):
        p = self.base
        if container:
            p += "/" + quote_path(container)
            if blob is not None:
                p += "/" + quote_path(blob)
        return p or "/"

    def _conn(self, fresh=False):
        c = getattr(self._local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            if self.scheme == "https":
                c = http.client.HTTPSConnection(self.host, self.port,
                                                timeout=self.timeout,
                                                context=self.ctx)
            else:
                c = http.client.HTTPConnection(self.host, self.port,
                                               timeout=self.timeout)
            self._local.conn = c
        return c

    def _log(self, text):
        if self.debug:
            self.debug.write(text)
            self.debug.flush()

    def request(self, method, container=None, blob=None, query=None,
                headers=None, body=b"", path=None, auth=True, date=None,
                sign=True):
        """One request.  query: list of (name, value) (decoded values);
        headers: dict; path: a raw (encoded) path instead of
        container/blob; date: the x-ms-date value (None: now, "": none);
        auth=False: no Authorization and no SAS.  Returns a Response, for
        any status."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        query = list(query or [])
        hdrs = {}
        if self.version:
            hdrs["x-ms-version"] = self.version
        if date is None:
            hdrs["x-ms-date"] = http_date()
        elif date:
            hdrs["x-ms-date"] = date
        if body or method in ("PUT", "POST"):
            hdrs["Content-Length"] = str(len(body))
        hdrs.update(headers or {})
        p = path if path is not None else self.path(container, blob)
        qs = "&".join("%s=%s" % (quote_value(k), quote_value(v))
                      for k, v in query)
        if auth and self.sas:
            qs = qs + "&" + self.sas if qs else self.sas
        elif auth and self.key and sign:
            hdrs["Authorization"], sts = shared_key_authorization(
                self.account, self.key, method, hdrs, p, query)
            self._log("string-to-sign: %r\n" % sts)
        target = p + ("?" + qs if qs else "")
        self._log("%s %s\n" % (method, target))
        for attempt in (0, 1):
            conn = self._conn(fresh=attempt > 0)
            try:
                conn.request(method, target, body=body or None, headers=hdrs)
                r = conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError, http.client.CannotSendRequest):
                # a kept-alive connection the server had closed: once more
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self._conn(fresh=True)
        resp = Response(r.status, r.reason, r.getheaders(), data)
        self._log("-> %d %s %s\n" % (resp.status, resp.reason,
                                     resp.header("x-ms-error-code", "")))
        return resp

    def _ok(self, resp, *statuses):
        if resp.status not in statuses:
            raise error_from(resp)
        return resp

    def create_container(self, container, exist_ok=False):
        r = self.request("PUT", container, query=[("restype", "container")])
        if exist_ok and r.status == 409 and \
                r.header("x-ms-error-code") == "ContainerAlreadyExists":
            return r
        return self._ok(r, 201)

    def delete_container(self, container):
        return self._ok(self.request("DELETE", container,
                                     query=[("restype", "container")]), 202)

    def put_blob(self, container, name, data, content_type=None):
        h = {"x-ms-blob-type": "BlockBlob"}
        if content_type:
            h["Content-Type"] = content_type
        return self._ok(self.request("PUT", container, name, headers=h,
                                     body=data), 201)

    def get_blob(self, container, name):
        return self._ok(self.request("GET", container, name), 200).body

    def delete_blob(self, container, name):
        return self._ok(self.request("DELETE", container, name), 202)

    def list_blobs_page(self, container, prefix=None, delimiter=None,
                        marker=None, maxresults=None):
        q = [("restype", "container"), ("comp", "list")]
        if prefix:
            q.append(("prefix", prefix))
        if delimiter:
            q.append(("delimiter", delimiter))
        if marker:
            q.append(("marker", marker))
        if maxresults:
            q.append(("maxresults", str(maxresults)))
        r = self._ok(self.request("GET", container, query=q), 200)
        return parse_list_blobs(r.body)

    def list_blobs(self, container, prefix=None, delimiter=None, marker=None,
                   maxresults=None):
        """Every page, following NextMarker."""
        while True:
            page = self.list_blobs_page(container, prefix, delimiter, marker,
                                        maxresults)
            yield page
            if not page.next_marker:
                return
            marker = page.next_marker


# -------------------------------------------------------------------- CLI

def client_from_args(a):
    kw = dict(version=None if a.x_ms_version == "none" else a.x_ms_version,
              cafile=a.cafile, insecure=a.insecure,
              debug=sys.stderr if a.debug else None)
    if a.endpoint:
        account = a.account or DEV_ACCOUNT
        key = a.key
        if key is None and not a.sas and account == DEV_ACCOUNT:
            key = DEV_KEY
        return BlobClient(a.endpoint, account, key=key, sas=a.sas, **kw)
    cs = a.connection_string or os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    if not cs:
        raise SystemExit("azblob: give --endpoint or --connection-string "
                         "(or AZURE_STORAGE_CONNECTION_STRING)")
    c = BlobClient.from_connection_string(cs, **kw)
    if a.account:
        c.account = a.account
    if a.key:
        c.key, c.sas = a.key, None
    if a.sas:
        c.sas, c.key = a.sas.lstrip("?"), None
    return c


def read_content(a):
    if a.data is not None:
        return a.data.encode("utf-8")
    if a.file == "-":
        return sys.stdin.buffer.read()
    if a.file:
        with open(a.file, "rb") as f:
            return f.read()
    if a.size is not None:
        return (b"0123456789abcdef" * (a.size // 16 + 1))[:a.size]
    return b""


def cmd_create_container(c, a):
    c.create_container(a.container, exist_ok=a.exist_ok)


def cmd_delete_container(c, a):
    c.delete_container(a.container)


def cmd_put(c, a):
    c.put_blob(a.container, a.name, read_content(a), a.content_type)


def cmd_put_many(c, a):
    src = sys.stdin if a.names == "-" else open(a.names)
    names = [line.rstrip("\n") for line in src if line.rstrip("\n")]
    data = a.data.encode("utf-8") if a.data is not None else None

    def one(n):
        c.put_blob(a.container, n, data if data is not None else n.encode())
    with ThreadPoolExecutor(a.jobs) as ex:
        list(ex.map(one, names))
    print("put %d" % len(names))


def cmd_get(c, a):
    data = c.get_blob(a.container, a.name)
    if a.output and a.output != "-":
        with open(a.output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def cmd_delete(c, a):
    c.delete_blob(a.container, a.name)


def cmd_list(c, a):
    if a.one_page:
        pages = [c.list_blobs_page(a.container, a.prefix, a.delimiter,
                                   a.marker, a.maxresults)]
    else:
        pages = c.list_blobs(a.container, a.prefix, a.delimiter, a.marker,
                             a.maxresults)
    n = 0
    out = sys.stdout
    for page in pages:
        n += 1
        if a.xml:
            out.write(page.xml.decode("utf-8", "replace") + "\n")
            continue
        for kind, e in page.entries:
            if kind == "blob":
                out.write("blob\t%s\t%d\t%s\n" % (e.name, e.size,
                                                  e.last_modified))
            else:
                out.write("prefix\t%s\n" % e)
        if a.pages:
            out.write("page\t%d\t%d\t%s\n" % (n, len(page.entries),
                                               page.next_marker))
        if a.one_page and page.next_marker:
            out.write("next\t%s\n" % page.next_marker)
    if a.pages:
        out.write("pages\t%d\n" % n)


def cmd_sas(c, a):
    key = a.key or (c.key if c else None)
    account = a.account or (c.account if c else DEV_ACCOUNT)
    if not key:
        raise SystemExit("azblob: sas needs the account key")
    kw = dict(start=a.start, protocol=a.protocol, ip=a.ip, version=a.sv,
              return_sts=True)
    if a.kind == "account":
        tok, sts = account_sas(account, key, a.permissions, a.expiry,
                               services=a.services,
                               resource_types=a.resource_types, **kw)
    elif a.kind == "container":
        if not a.container:
            raise SystemExit("azblob: sas container needs CONTAINER")
        tok, sts = service_sas(account, key, a.container, a.permissions,
                               a.expiry, identifier=a.identifier, **kw)
    else:
        if not a.container or a.blob is None:
            raise SystemExit("azblob: sas blob needs CONTAINER BLOB")
        tok, sts = service_sas(account, key, a.container, a.permissions,
                               a.expiry, blob=a.blob,
                               identifier=a.identifier, **kw)
    if a.debug:
        sys.stderr.write("string-to-sign: %r\n" % sts)
    print(tok)


def cmd_connection_string(c, a):
    parts = ["DefaultEndpointsProtocol=%s" % c.scheme,
             "AccountName=%s" % c.account]
    if c.key and not a.sas_token:
        parts.append("AccountKey=%s" % (c.key if isinstance(c.key, str)
                                        else base64.b64encode(c.key).decode()))
    if a.sas_token:
        parts.append("SharedAccessSignature=%s" % a.sas_token.lstrip("?"))
    parts.append("BlobEndpoint=%s://%s:%d%s" % (c.scheme, c.host, c.port,
                                                c.base))
    print(";".join(parts) + ";")


def cmd_raw(c, a):
    """A request of any method to a path below the endpoint (or, starting
    with '/', the whole path), printed as status, headers and body."""
    target = a.target
    path, _, qs = target.partition("?")
    if not path.startswith("/"):
        path = c.base + "/" + path
    query = urllib.parse.parse_qsl(qs, keep_blank_values=True)
    headers = {}
    for h in a.header or []:
        k, _, v = h.partition(":")
        headers[k.strip()] = v.strip()
    date = a.date
    if a.no_date:
        date = ""
    r = c.request(a.method.upper(), query=query, headers=headers,
                  body=read_content(a), path=path, auth=not a.no_auth,
                  date=date)
    print("HTTP %d %s" % (r.status, r.reason))
    for k, v in r.headers:
        print("%s: %s" % (k, v))
    print()
    sys.stdout.buffer.write(r.body)
    if r.body and not r.body.endswith(b"\n"):
        print()
    return 0 if r.status < 400 else 1


def cmd_copy_from_s3(c, a):
    import boto3
    from botocore.config import Config
    s3 = boto3.client("s3", endpoint_url=a.s3_endpoint,
                      region_name=os.environ.get("AWS_DEFAULT_REGION",
                                                 os.environ.get("AWS_REGION",
                                                                "us-east-1")),
                      config=Config(retries={"max_attempts": 3},
                                    max_pool_connections=a.jobs))
    if a.create_container:
        c.create_container(a.container, exist_ok=True)
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=a.bucket, Prefix=a.prefix or ""):
        keys += [o["Key"] for o in page.get("Contents", [])]

    def one(k):
        body = s3.get_object(Bucket=a.bucket, Key=k)["Body"].read()
        rel = k[len(a.prefix):] if a.strip_prefix and a.prefix else k
        c.put_blob(a.container, (a.dest_prefix or "") + rel, body)
        return len(body)
    with ThreadPoolExecutor(a.jobs) as ex:
        total = sum(ex.map(one, keys))
    print("copied %d objects, %d bytes" % (len(keys), total))


def cmd_copy_from_s3_checked(c, a):
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        return cmd_copy_from_s3(c, a)
    except ClientError as e:
        err = e.response.get("Error", {})
        print("error: S3: %s" % e, file=sys.stderr)
        print("code: %s" % err.get("Code", ""), file=sys.stderr)
        return 1
    except BotoCoreError as e:
        print("error: S3: %s" % e, file=sys.stderr)
        return 1


def build_parser():
    p = argparse.ArgumentParser(
        prog="azblob.py",
        description="A small Azure Blob REST client (Shared Key or SAS) for "
        "the tests.  The account comes from --connection-string (default: "
        "$AZURE_STORAGE_CONNECTION_STRING) or from --endpoint with --account "
        "and --key (default: devstoreaccount1 and its well-known key) or "
        "--sas.  An endpoint without a path on 127.0.0.1 or localhost is "
        "Azurite's path-style form: requests go to /ACCOUNT/CONTAINER/BLOB.",
        epilog="Errors print 'error: HTTP STATUS CODE: MESSAGE' and "
        "'code: CODE' on stderr and exit 1.")
    p.add_argument("--connection-string", "-c")
    p.add_argument("--endpoint", "-e", help="e.g. http://127.0.0.1:PORT")
    p.add_argument("--account", "-a")
    p.add_argument("--key", "-k", help="account key (base64)")
    p.add_argument("--sas", "-s", help="SAS token (with or without '?')")
    p.add_argument("--x-ms-version", default=DEFAULT_VERSION,
                   help="x-ms-version to send; 'none' sends none "
                   "(default %(default)s)")
    p.add_argument("--cafile", help="CA certificate for https")
    p.add_argument("--insecure", action="store_true",
                   help="do not verify the https certificate")
    p.add_argument("--debug", action="store_true",
                   help="print requests and strings-to-sign on stderr")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def content(sp):
        g = sp.add_mutually_exclusive_group()
        g.add_argument("--data", help="the content, as text")
        g.add_argument("--file", help="the content, from a file ('-': stdin)")
        g.add_argument("--size", type=int, help="N bytes of filler")

    s = sub.add_parser("create-container", help="create a container")
    s.add_argument("container")
    s.add_argument("--exist-ok", action="store_true")
    s.set_defaults(fn=cmd_create_container)

    s = sub.add_parser("delete-container", help="delete a container")
    s.add_argument("container")
    s.set_defaults(fn=cmd_delete_container)

    s = sub.add_parser("put", help="put a block blob")
    s.add_argument("container")
    s.add_argument("name")
    s.add_argument("--content-type")
    content(s)
    s.set_defaults(fn=cmd_put)

    s = sub.add_parser("put-many", help="put one blob per name read from "
                       "NAMES ('-': stdin), its content the name itself "
                       "(or --data)")
    s.add_argument("container")
    s.add_argument("names")
    s.add_argument("--data")
    s.add_argument("--jobs", type=int, default=8)
    s.set_defaults(fn=cmd_put_many)

    s = sub.add_parser("get", help="get a blob's content")
    s.add_argument("container")
    s.add_argument("name")
    s.add_argument("--output", "-o", help="file to write (default stdout)")
    s.set_defaults(fn=cmd_get)

    s = sub.add_parser("delete", help="delete a blob")
    s.add_argument("container")
    s.add_argument("name")
    s.set_defaults(fn=cmd_delete)

    s = sub.add_parser("list", help="list blobs: 'blob<TAB>NAME<TAB>"
                       "CONTENT-LENGTH<TAB>LAST-MODIFIED' and "
                       "'prefix<TAB>NAME' lines, every page followed")
    s.add_argument("container")
    s.add_argument("--prefix")
    s.add_argument("--delimiter")
    s.add_argument("--marker")
    s.add_argument("--maxresults", type=int)
    s.add_argument("--one-page", action="store_true",
                   help="one request only; ends with 'next<TAB>MARKER' "
                   "when there is more")
    s.add_argument("--pages", action="store_true",
                   help="a 'page<TAB>N<TAB>ENTRIES<TAB>NEXTMARKER' line "
                   "after each page and 'pages<TAB>N' at the end")
    s.add_argument("--xml", action="store_true",
                   help="print each page's XML instead")
    s.set_defaults(fn=cmd_list)

    s = sub.add_parser("sas", help="print a SAS token: account (ss, srt), "
                       "container (sr=c) or blob (sr=b)")
    s.add_argument("kind", choices=["account", "container", "blob"])
    s.add_argument("container", nargs="?")
    s.add_argument("blob", nargs="?")
    s.add_argument("--permissions", "-p", required=True,
                   help="sp, e.g. rl, racwdl")
    s.add_argument("--expiry", default="+3600",
                   help="se: ISO time or +/-SECONDS from now "
                   "(default %(default)s)")
    s.add_argument("--start", help="st: ISO time or +/-SECONDS")
    s.add_argument("--services", default="b", help="ss (default b)")
    s.add_argument("--resource-types", default="sco", help="srt (default sco)")
    s.add_argument("--protocol", help="spr: https or https,http")
    s.add_argument("--ip", help="sip")
    s.add_argument("--identifier", help="si (service SAS)")
    s.add_argument("--sv", default=SAS_VERSION,
                   help="signed version (default %(default)s)")
    s.set_defaults(fn=cmd_sas)

    s = sub.add_parser("connection-string", help="print a connection string "
                       "for the account (with --sas-token: a SAS one)")
    s.add_argument("--sas-token")
    s.set_defaults(fn=cmd_connection_string)

    s = sub.add_parser("raw", help="send one request to TARGET (relative to "
                       "the endpoint, or an absolute path), with query; print "
                       "status, headers and body; exit 1 on status >= 400")
    s.add_argument("method")
    s.add_argument("target", help="e.g. 'c1?restype=container&comp=list'")
    s.add_argument("--header", "-H", action="append", help="NAME: VALUE")
    s.add_argument("--date", help="x-ms-date to send (default: now)")
    s.add_argument("--no-date", action="store_true", help="send no x-ms-date")
    s.add_argument("--no-auth", action="store_true",
                   help="no Authorization header and no SAS")
    content(s)
    s.set_defaults(fn=cmd_raw)

    s = sub.add_parser("copy-from-s3", help="copy every object under an S3 "
                       "prefix into a container (boto3; AWS_* credentials)")
    s.add_argument("--s3-endpoint", required=True)
    s.add_argument("--bucket", required=True)
    s.add_argument("--prefix", default="")
    s.add_argument("--container", required=True)
    s.add_argument("--dest-prefix", default="",
                   help="put before each name (default none)")
    s.add_argument("--strip-prefix", action="store_true",
                   help="drop --prefix from the names first")
    s.add_argument("--create-container", action="store_true")
    s.add_argument("--jobs", type=int, default=8)
    s.set_defaults(fn=cmd_copy_from_s3_checked)
    return p


def main(argv=None):
    a = build_parser().parse_args(argv)
    try:
        if a.cmd == "sas" and (a.key or not (a.endpoint or a.connection_string
                               or os.environ.get(
                                   "AZURE_STORAGE_CONNECTION_STRING"))):
            c = None
        else:
            c = client_from_args(a)
        rc = a.fn(c, a)
        return rc or 0
    except AzureError as e:
        print("error: %s" % e, file=sys.stderr)
        print("code: %s" % (e.code or ""), file=sys.stderr)
        return 1
    except ValueError as e:
        print("azblob: %s" % e, file=sys.stderr)
        return 2
    except (OSError, http.client.HTTPException) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
