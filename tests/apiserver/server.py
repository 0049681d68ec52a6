#!/usr/bin/env python3
"""A test stand-in for kube-apiserver with the CloudNativePG CRDs installed.

    python3 tests/apiserver/server.py --dir STATEDIR [--crds DIR] [--rules FILE]
        [--seed FILE.yaml ...] [--sim MODULE.py] [--sim-step SECONDS]
        [--event-window N] [--bookmark-interval SECONDS] [--key-type ec|rsa]

HTTPS on 127.0.0.1 (ephemeral port), client-certificate and bearer-token
authentication, deny rules, discovery, CRUD + watch for core v1 and CRD
kinds, schema validation, and a control API under /_test/ for fault
injection and request logs.  See README.md next to this file.
"""

import argparse
import base64
import copy
import importlib.util
import json
import os
import select
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import certs  # noqa: E402
import k8sproto  # noqa: E402
import labelsel  # noqa: E402
import tables  # noqa: E402
from apierrors import ApiError, bad_request, not_found, unauthorized  # noqa: E402
from auth import Auth  # noqa: E402
from openapi import OpenAPI  # noqa: E402
from resources import Registry  # noqa: E402
from store import Store, merge_patch  # noqa: E402
from validate import Validator  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
MAX_BODY = 3 * 1024 * 1024
REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 422: "Invalid",
           429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
           504: "Timeout"}
VERSION_INFO = {"major": "1", "minor": "32", "gitVersion": "v1.32.4",
                "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean", "buildDate": "2025-04-22T00:00:00Z",
                "goVersion": "go1.23.8", "compiler": "gc", "platform": "linux/amd64"}


class Route:
    """A parsed API path."""

    def __init__(self, res, ns, name, sub):
        self.res, self.ns, self.name, self.sub = res, ns, name, sub


class App:
    """Shared server state; also the object handed to a simulation's register()."""

    def __init__(self, args):
        self.args = args
        self.registry = Registry(args.crds)
        self.store = Store(self.registry, args.event_window)
        self.validator = Validator(args.crdcheck)
        self.openapi = OpenAPI(self.registry)
        self.auth = Auth()
        self.lock = threading.Lock()
        self.faults = []
        self.requests = []
        self.step = args.sim_step
        self.port = None
        self.shutdown_hooks = []
        self.pod_logs = {}  # (namespace, pod) -> text, for pods/log (simulations write it)

    # -- for simulations ---------------------------------------------------
    def on(self, event, kind, fn):
        """Subscribe fn(obj, old) to create/update/delete events of kind."""
        self.store.on(event, kind, fn)

    def after(self, seconds, fn, *a):
        """Run fn(*a) on a background thread after `seconds` (errors are logged)."""
        def run():
            try:
                fn(*a)
            except Exception as e:
                self.log("sim: %r failed: %r" % (fn, e))
        t = threading.Timer(seconds, run)
        t.daemon = True
        t.start()
        return t

    @staticmethod
    def log(msg):
        print("apiserver: %s" % msg, file=sys.stderr, flush=True)

    # -- faults and the request log -----------------------------------------
    def take_fault(self, verb, resource, namespace, name):
        with self.lock:
            for f in self.faults:
                if f["count"] > 0 and f["verb"] in ("*", verb) and \
                        f["resource"] in ("*", resource) and \
                        f.get("namespace") in (None, "*", namespace) and \
                        f.get("name") in (None, "*", name):
                    f["count"] -= 1
                    taken = dict(f)
                    self.faults = [x for x in self.faults if x["count"] > 0]
                    return taken
        return None

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)
            del self.requests[:-10000]

    # -- routing -----------------------------------------------------------
    def route(self, parts):
        """Map path segments to (kind, value): ("discovery", body) or ("api", Route)."""
        reg = self.registry
        if parts == ["api"]:
            return "discovery", {"kind": "APIVersions", "versions": ["v1"],
                                 "serverAddressByClientCIDRs": [{
                                     "clientCIDR": "0.0.0.0/0",
                                     "serverAddress": "127.0.0.1:%d" % self.port}]}
        if parts == ["apis"]:
            return "discovery", {"kind": "APIGroupList", "apiVersion": "v1",
                                 "groups": [self._group(g, v) for g, v in reg.groups()]}
        if parts == ["version"]:
            return "discovery", VERSION_INFO
        if parts == ["openapi", "v3"]:
            return "discovery", self.openapi.index()
        if parts[:2] == ["openapi", "v3"]:
            doc = self.openapi.doc("/".join(parts[2:]))
            return ("discovery", doc) if doc else None
        if parts == ["api", "v1"]:
            return "discovery", self._resource_list("", "v1")
        if len(parts) == 2 and parts[0] == "apis":
            for g, v in reg.groups():
                if g == parts[1]:
                    return "discovery", dict(self._group(g, v), kind="APIGroup",
                                             apiVersion="v1")
            return None
        if len(parts) == 3 and parts[0] == "apis":
            if (parts[1], parts[2]) in reg.groups():
                return "discovery", self._resource_list(parts[1], parts[2])
            return None
        if len(parts) >= 3 and parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif len(parts) >= 4 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        if group == "" and rest[0] == "namespaces" and (
                len(rest) <= 2 or (len(rest) == 3 and rest[2] == "status")):
            return "api", Route(reg.find("", "v1", "namespaces"), None,
                                rest[1] if len(rest) > 1 else None,
                                rest[2] if len(rest) > 2 else None)
        if rest[0] == "namespaces" and len(rest) >= 3:
            res = reg.find(group, version, rest[2])
            if res is None or not res.namespaced or len(rest) > 5:
                return None
            sub = rest[4] if len(rest) > 4 else None
            if sub and not (sub == "status" and res.status) and \
                    not (sub == "log" and res.plural == "pods"):
                return None
            return "api", Route(res, rest[1], rest[3] if len(rest) > 3 else None, sub)
        res = reg.find(group, version, rest[0])
        if res is None or len(rest) > 3 or (res.namespaced and len(rest) > 1):
            return None
        sub = rest[2] if len(rest) > 2 else None
        if sub and (sub != "status" or not res.status):
            return None
        return "api", Route(res, None, rest[1] if len(rest) > 1 else None, sub)

    @staticmethod
    def _group(g, v):
        gv = {"groupVersion": "%s/%s" % (g, v), "version": v}
        return {"name": g, "versions": [gv], "preferredVersion": gv}

    def _resource_list(self, group, version):
        out = []
        for r in self.registry.in_group(group, version):
            out.append(r.discovery())
            if r.status:
                out.append({"name": r.plural + "/status", "singularName": "",
                            "namespaced": r.namespaced, "kind": r.kind,
                            "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": "%s/%s" % (group, version) if group else version,
                "resources": out}


def _jsonpatch(doc, ops):
    """RFC 6902 JSON patch."""
    doc = copy.deepcopy(doc)

    def walk(path):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        if not path.startswith("/"):
            raise bad_request("invalid JSON pointer %r" % path)
        cur = doc
        for p in parts[:-1]:
            cur = cur[int(p)] if isinstance(cur, list) else cur[p]
        return cur, parts[-1]

    def get(path):
        parent, key = walk(path)
        return parent[int(key)] if isinstance(parent, list) else parent[key]

    def remove(path):
        parent, key = walk(path)
        if isinstance(parent, list):
            return parent.pop(int(key))
        return parent.pop(key)

    def add(path, value):
        parent, key = walk(path)
        if isinstance(parent, list):
            parent.insert(len(parent) if key == "-" else int(key), value)
        else:
            parent[key] = value

    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    try:
        for op in ops:
            kind, path = op.get("op"), op.get("path", "")
            if kind == "add":
                add(path, copy.deepcopy(op["value"]))
            elif kind == "remove":
                remove(path)
            elif kind == "replace":
                remove(path)
                add(path, copy.deepcopy(op["value"]))
            elif kind == "move":
                add(path, remove(op["from"]))
            elif kind == "copy":
                add(path, copy.deepcopy(get(op["from"])))
            elif kind == "test":
                if get(path) != op.get("value"):
                    raise ApiError(422, "Invalid", "the server rejected our request due to "
                                   "an error in our request: testing value %s failed" % path)
            else:
                raise bad_request("Unexpected kind: %s" % kind)
    except (KeyError, IndexError, ValueError, TypeError) as e:
        raise ApiError(422, "Invalid", "the server rejected our request due to an error in "
                       "our request: %s" % e) from None
    return doc


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cnpgops-test-apiserver"
    timeout = 300

    # -- plumbing ----------------------------------------------------------
    def setup(self):
        super().setup()
        self.tls_ok = True
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError) as e:
            self.tls_ok = False
            self.app.log("TLS handshake failed from %s: %s" % (self.client_address[0], e))
            self.close_connection = True

    def handle(self):
        if self.tls_ok:
            super().handle()

    @property
    def app(self):
        return self.server.app

    def log_message(self, fmt, *a):
        pass

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, code, body, headers=None, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.status_sent = code
        stall = getattr(self, "_stall", None)
        if stall is not None and self.command != "HEAD":
            self.wfile.write(data[:stall[0]])
            self.wfile.flush()
            time.sleep(stall[1])
            self.close_connection = True
            return
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_error(self, e):
        headers = dict(e.headers)
        self._send(e.code, e.status(), headers)

    # -- entry points ------------------------------------------------------
    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _dispatch(self):
        self.status_sent = 0
        self.warnings = []
        url = urllib.parse.urlsplit(self.path)
        self.params = {k: v[-1] for k, v in urllib.parse.parse_qs(
            url.query, keep_blank_values=True).items()}
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        entry = {"time": time.time(), "method": self.command, "path": url.path,
                 "query": url.query, "user": None, "verb": None, "resource": None,
                 "namespace": None, "name": None, "subresource": None,
                 "contentType": self.headers.get("Content-Type"),
                 "accept": self.headers.get("Accept"),
                 "userAgent": self.headers.get("User-Agent"), "body": None, "status": 0}
        self.entry = entry
        try:
            raw = self._read_body()
            if len(raw) > MAX_BODY:
                raise ApiError(413, "RequestEntityTooLarge", "Request entity too large")
            if raw:
                try:
                    entry["body"] = json.loads(raw)
                except ValueError:
                    try:
                        entry["body"] = k8sproto.decode(raw)
                    except (ValueError, IndexError, UnicodeDecodeError):
                        entry["body"] = raw[:65536].decode("utf-8", "replace")
            if parts and parts[0] in ("healthz", "readyz", "livez"):
                self._send(200, b"ok", ctype="text/plain; charset=utf-8")
                return
            peer = self.connection.getpeercert()
            user = self.app.auth.authenticate(peer, self.headers.get("Authorization"))
            if user is None:
                raise unauthorized()
            entry["user"] = user.name
            if parts and parts[0] == "_test":
                self.entry = None   # control requests are not logged
                if not user.is_admin:
                    raise ApiError(403, "Forbidden", "the control API is for admin only")
                self._control(parts[1:], raw)
                return
            self._api(parts, raw, user, entry)
        except ApiError as e:
            if self.status_sent:    # too late for a Status: just hang up
                self.close_connection = True
            else:
                self._send_error(e)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # a server bug: answer 500 and log it
            traceback.print_exc()
            if not self.status_sent:
                self._send_error(ApiError(500, "InternalError",
                                          "Internal error occurred: %r" % e))
        finally:
            if self.entry is not None:
                self.entry["status"] = self.status_sent
                self.app.record(self.entry)

    # -- the Kubernetes API --------------------------------------------------
    def _api(self, parts, raw, user, entry):
        app = self.app
        found = app.route(parts)
        verb = "get"
        route = None
        if found and found[0] == "api":
            route = found[1]
            verb = self._verb(route)
            entry.update(verb=verb, resource=route.res.plural, namespace=route.ns,
                         name=route.name, subresource=route.sub)
        else:
            entry.update(verb=verb, resource="")
        fault = app.take_fault(verb, route.res.plural if route else "",
                               route.ns if route else None, route.name if route else None)
        self._stall = None
        if fault:
            if fault.get("stallAfter") is not None:
                # answer normally, but stop after that many body bytes
                self._stall = (int(fault["stallAfter"]), float(fault.get("stallFor", 30)))
            if fault.get("delay"):
                time.sleep(float(fault["delay"]))
            if fault.get("reset"):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            code = fault.get("status")
            if code and fault.get("body") is not None:
                # not a Status: what a proxy or load balancer in front might answer
                self._send(int(code), str(fault["body"]).encode(),
                           ctype=fault.get("contentType", "text/plain; charset=utf-8"))
                return
            if code and verb == "watch" and int(code) == 410:
                pass   # like the real server: 200, then an ERROR event (see _watch)
            elif code:
                code = int(code)
                details, headers = None, {}
                if fault.get("retryAfter") is not None:
                    headers["Retry-After"] = str(fault["retryAfter"])
                    details = {"retryAfterSeconds": int(fault["retryAfter"])}
                msg = fault.get("message") or {
                    429: "Too many requests, please try again later.",
                    503: "the server is currently unable to handle the request",
                    504: "the server was unable to return a response in the time allotted, "
                         "but may still be processing the request"}.get(
                    code, "Internal error occurred: injected fault")
                raise ApiError(code, REASONS.get(code, "InternalError"), msg, details, headers)
        if found is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource",
                           {})
        if found[0] == "discovery":
            if self.command != "GET":
                raise ApiError(405, "MethodNotAllowed",
                               "the server does not allow this method on the requested "
                               "resource")
            self._send(200, found[1])
            return
        if verb not in route.res.verbs:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method "
                           "on the requested resource")
        app.auth.authorize(user, verb, route.res, route.sub,
                           route.ns if route.res.namespaced else None, route.name)
        if route.res.kind == "SelfSubjectAccessReview":
            self._access_review(user, raw)
            return
        handler = {"get": self._get, "list": self._list, "watch": self._watch,
                   "create": self._create, "update": self._update, "patch": self._patch,
                   "delete": self._delete, "deletecollection": self._deletecollection}[verb]
        handler(route, raw, fault)

    def _verb(self, route):
        m = self.command
        if route.res.namespaced and route.ns is None and m not in ("GET", "HEAD"):
            # the all-namespaces path only lists and watches
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method "
                           "on the requested resource")
        if m in ("GET", "HEAD"):
            if route.name is None:
                return "watch" if self.params.get("watch") in ("1", "true") else "list"
            return "get"
        if m == "POST":
            if route.name is not None:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this "
                               "method on the requested resource")
            return "create"
        if route.name is None and m in ("PUT", "PATCH"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method "
                           "on the requested resource")
        if m == "DELETE":
            return "delete" if route.name is not None else "deletecollection"
        return {"PUT": "update", "PATCH": "patch"}[m]

    def _wants_table(self):
        return "as=Table" in (self.headers.get("Accept") or "")

    def _out(self, route, obj):
        """Strip apiVersion/kind from core list items, like typed lists do."""
        if not route.res.crd:
            obj = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        return obj

    def _dry_run(self, opts=None):
        vals = (opts or {}).get("dryRun") or ([self.params["dryRun"]]
                                              if "dryRun" in self.params else [])
        for v in vals:
            if v != "All":
                raise ApiError(400, "BadRequest", 'Invalid dryRun value "%s"; supported '
                               'values: "All"' % v)
        return bool(vals)

    def _field_validation(self):
        fv = self.params.get("fieldValidation") or "Warn"
        if fv not in ("Strict", "Warn", "Ignore"):
            raise bad_request('fieldValidation must be one of "Ignore", "Warn", or "Strict"')
        return fv

    def _parse_obj(self, raw):
        if not raw:
            raise bad_request("the body of the request was empty")
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0]
        if ctype == "application/vnd.kubernetes.protobuf":
            try:
                return k8sproto.decode(raw)
            except (ValueError, IndexError, UnicodeDecodeError) as e:
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in "
                               "an unknown format - accepted media types include: "
                               "application/json, application/yaml (%s)" % e) from None
        if ctype not in ("application/json", "application/yaml", "text/yaml",
                         "application/x-yaml", "*/*"):
            raise ApiError(415, "UnsupportedMediaType", 'the body of the request was in an '
                           'unknown format - accepted media types include: application/json, '
                           'application/yaml')
        try:
            if "yaml" in ctype:
                obj = yaml.safe_load(raw)
            else:
                obj = json.loads(raw)
        except (ValueError, yaml.YAMLError) as e:
            raise bad_request("the object provided is unrecognized (%s)" % e) from None
        if not isinstance(obj, dict):
            raise bad_request("the object provided is not a JSON object")
        return obj

    def _check_identity(self, route, obj, name_required):
        res = route.res
        if obj.get("apiVersion") and obj["apiVersion"] != res.api_version:
            raise bad_request("the API version in the data (%s) does not match the expected "
                              "API version (%s)" % (obj["apiVersion"], res.api_version))
        if obj.get("kind") and obj["kind"] != res.kind:
            raise bad_request("the kind in the data (%s) does not match the expected kind "
                              "(%s)" % (obj["kind"], res.kind))
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != route.ns:
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
            meta["namespace"] = route.ns
        elif not meta.get("namespace"):
            meta.pop("namespace", None)
        if name_required and meta.get("name") != route.name:
            raise bad_request("the name of the object (%s) does not match the name on the "
                              "URL (%s)" % (meta.get("name"), route.name))

    def _headers(self):
        return {"Warning": ", ".join('299 - "%s"' % w.replace('"', '\\"')
                                     for w in self.warnings)} if self.warnings else {}

    # -- verbs ---------------------------------------------------------------
    def _get(self, route, raw, fault):
        obj = self.app.store.get_obj(route.res, route.ns, route.name)
        if obj is None:
            raise not_found(route.res, route.name)
        if route.sub == "log":  # pods/log: what the simulation recorded
            with self.app.lock:
                text = self.app.pod_logs.get((route.ns, route.name), "")
            self._send(200, text.encode(), ctype="text/plain")
            return
        if self._wants_table():
            self._send(200, tables.table(route.res, [obj], {"resourceVersion": obj[
                "metadata"]["resourceVersion"]}, self.params.get("includeObject", "Metadata")))
        else:
            self._send(200, obj)

    def _select(self, route):
        labels = labelsel.parse_labels(self.params.get("labelSelector"))
        fields = labelsel.parse_fields(self.params.get("fieldSelector"), route.res.fields)
        return lambda o: (o is not None and labelsel.match_labels(
            labels, o["metadata"].get("labels")) and labelsel.match_fields(fields, o))

    def _list(self, route, raw, fault):
        store = self.app.store
        match = self._select(route)
        items, rv = store.list_objs(route.res, route.ns)
        items = [o for o in items if match(o)]
        start = ""
        token = self.params.get("continue")
        if token:
            try:
                t = json.loads(base64.urlsafe_b64decode(token.encode()))
                start, token_rv = t["start"], int(t["rv"])
            except (ValueError, KeyError, TypeError):
                raise bad_request("continue key is not valid: invalid continue token") \
                    from None
            with store.cond:
                if token_rv < store.compacted:
                    raise ApiError(410, "Expired", "The provided continue parameter is too "
                                   "old to display a consistent list result. You can start a "
                                   "new list without the continue parameter.")
            rv = token_rv
            items = [o for o in items if self._sort_key(o) > start]
        meta = {"resourceVersion": str(rv)}
        try:
            limit = int(self.params.get("limit") or 0)
        except ValueError:
            raise bad_request("limit: Invalid value: %r" % self.params["limit"]) from None
        if limit > 0 and len(items) > limit:
            rest = len(items) - limit
            items = items[:limit]
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(
                {"rv": rv, "start": self._sort_key(items[-1])}).encode()).decode()
            meta["remainingItemCount"] = rest
        if self._wants_table():
            self._send(200, tables.table(route.res, items, meta,
                                         self.params.get("includeObject", "Metadata")))
            return
        self._send(200, {"kind": route.res.kind + "List", "apiVersion": route.res.api_version,
                         "metadata": meta, "items": [self._out(route, o) for o in items]})

    @staticmethod
    def _sort_key(o):
        return "%s/%s" % (o["metadata"].get("namespace") or "", o["metadata"]["name"])

    def _create(self, route, raw, fault):
        res = route.res
        obj = self._parse_obj(raw)
        self._check_identity(route, obj, False)
        if res.status:
            obj.pop("status", None)
        meta = obj["metadata"]
        if not meta.get("name") and isinstance(meta.get("generateName"), str):
            meta["name"] = self.app.store.generate_name(res, route.ns, meta["generateName"])
        obj, self.warnings = self.app.validator.admit(res, obj, None, self._field_validation())
        if res.kind in ("Pod", "PersistentVolumeClaim"):
            obj["status"] = {"phase": "Pending"}
        out = self.app.store.create_obj(res, obj, self._dry_run())
        self._send(201, out, self._headers())

    def _update(self, route, raw, fault):
        res = route.res
        obj = self._parse_obj(raw)
        self._check_identity(route, obj, True)
        store = self.app.store
        with store.cond:
            old = store.get_obj(res, route.ns, route.name)
            if old is None:
                raise not_found(res, route.name)
            out = self._write(route, obj, old)
        self._send(200, out, self._headers())

    def _write(self, route, obj, old):
        """Admit obj as the new state of old (PUT semantics, status rules applied)."""
        res = route.res
        if route.sub == "status":
            full = copy.deepcopy(old)
            full["status"] = obj.get("status")
            if full["status"] is None:
                full.pop("status")
            full["metadata"]["resourceVersion"] = obj["metadata"].get("resourceVersion")
        else:
            full = copy.deepcopy(obj)
            if res.status:
                full.pop("status", None)
        admitted, self.warnings = self.app.validator.admit(res, full, old,
                                                           self._field_validation())
        if res.status and route.sub != "status" and "status" in old:
            admitted["status"] = old["status"]
        admitted["metadata"]["name"] = route.name
        if res.namespaced:
            admitted["metadata"]["namespace"] = route.ns
        return self.app.store.replace_obj(res, admitted, self._dry_run(), route.sub)

    def _patch(self, route, raw, fault):
        res = route.res
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        store = self.app.store
        if ctype == "application/apply-patch+yaml" and not self.params.get("fieldManager"):
            raise bad_request("PATCH, application/apply-patch+yaml requires fieldManager "
                              "parameter")
        accepted = ["application/json-patch+json", "application/merge-patch+json",
                    "application/apply-patch+yaml"]
        if not res.crd or self.app.args.lenient_patch:
            accepted.append("application/strategic-merge-patch+json")
        if ctype not in accepted:
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media "
                           "types include: " + ", ".join(accepted))
        try:
            if ctype == "application/apply-patch+yaml":
                patch = yaml.safe_load(raw)
            else:
                patch = json.loads(raw or b"null")
        except (ValueError, yaml.YAMLError) as e:
            raise bad_request("error decoding patch: %s" % e) from None
        with store.cond:
            old = store.get_obj(res, route.ns, route.name)
            if old is None:
                if ctype == "application/apply-patch+yaml" and route.sub is None:
                    self._check_identity(route, patch, True)
                    obj, self.warnings = self.app.validator.admit(
                        res, patch, None, self._field_validation())
                    self._send(201, store.create_obj(res, obj, self._dry_run()),
                               self._headers())
                    return
                raise not_found(res, route.name)
            if ctype == "application/json-patch+json":
                new = _jsonpatch(old, patch)
            else:
                if not isinstance(patch, dict):
                    raise bad_request("patch must be a JSON object")
                new = merge_patch(old, patch)
            if not isinstance(new.get("metadata"), dict):
                raise bad_request("metadata must be an object")
            pmeta = patch.get("metadata") if isinstance(patch, dict) else None
            if not (isinstance(pmeta, dict) and pmeta.get("resourceVersion")) and \
                    ctype != "application/json-patch+json":
                new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            out = self._write(route, new, old)
        self._send(200, out, self._headers())

    def _access_review(self, user, raw):
        """SelfSubjectAccessReview: allowed unless a deny rule matches."""
        review = self._parse_obj(raw)
        attrs = (review.get("spec") or {}).get("resourceAttributes")
        status = {"allowed": True}
        if isinstance(attrs, dict):
            res = self.app.registry.by_kind("%s.%s" % (attrs.get("resource"), attrs.get(
                "group"))) if attrs.get("group") else self.app.registry.by_kind(
                attrs.get("resource") or "")
            if res is not None and res.group == (attrs.get("group") or ""):
                try:
                    self.app.auth.authorize(user, attrs.get("verb") or "", res,
                                            attrs.get("subresource") or None,
                                            attrs.get("namespace") or None,
                                            attrs.get("name") or None)
                except ApiError:
                    status = {"allowed": False}   # RBAC gives no reason either
        review["status"] = status
        review.setdefault("metadata", {})["creationTimestamp"] = None
        self._send(201, review)

    def _delete_options(self, raw):
        opts = {}
        if raw:
            try:
                opts = json.loads(raw)
            except ValueError:
                opts = None
            if not isinstance(opts, dict):
                raise bad_request("invalid DeleteOptions body")
        pp = opts.get("propagationPolicy") or self.params.get("propagationPolicy")
        if pp not in (None, "Orphan", "Background", "Foreground"):
            raise ApiError(422, "Invalid", 'DeleteOptions.meta.k8s.io "" is invalid: '
                           'propagationPolicy: Unsupported value: "%s": supported values: '
                           '"Foreground", "Background", "Orphan", "nil"' % pp)
        if opts.get("orphanDependents") is True:
            pp = "Orphan"
        return opts, pp

    def _delete(self, route, raw, fault):
        res = route.res
        opts, pp = self._delete_options(raw)
        obj, _gone = self.app.store.delete_obj(res, route.ns, route.name, self._dry_run(opts),
                                               pp, opts.get("preconditions"))
        if res.kind == "Namespace":
            obj.setdefault("status", {})["phase"] = "Terminating"
        if res.crd or res.kind in ("Pod", "Namespace"):
            self._send(200, obj)
        else:
            self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                             "status": "Success",
                             "details": {"name": route.name, "group": res.group,
                                         "kind": res.plural,
                                         "uid": obj["metadata"].get("uid")}})

    def _deletecollection(self, route, raw, fault):
        opts, pp = self._delete_options(raw)
        match = self._select(route)
        store = self.app.store
        items, _ = store.list_objs(route.res, route.ns)
        out = []
        for o in items:
            if match(o):
                try:
                    out.append(store.delete_obj(route.res, o["metadata"].get("namespace"),
                                                o["metadata"]["name"], self._dry_run(opts),
                                                pp)[0])
                except ApiError as e:
                    if e.code != 404:
                        raise
        self._send(200, {"kind": route.res.kind + "List", "apiVersion": route.res.api_version,
                         "metadata": {"resourceVersion": str(store.current_rv())},
                         "items": [self._out(route, o) for o in out]})

    # -- watch ---------------------------------------------------------------
    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(r)

    def _watch(self, route, raw, fault):
        store, res, app = self.app.store, route.res, self.app
        match = self._select(route)
        as_table = self._wants_table()
        include = self.params.get("includeObject", "Metadata")
        timeout = float(self.params.get("timeoutSeconds") or 1800)
        deadline = time.monotonic() + timeout
        bookmarks = self.params.get("allowWatchBookmarks") in ("1", "true")
        initial = self.params.get("sendInitialEvents") in ("1", "true")
        rv_param = self.params.get("resourceVersion") or ""
        drop_after = int(fault["dropAfter"]) if fault and fault.get("dropAfter") is not None \
            else None
        pending, expired, cursor = [], None, 0
        if fault and str(fault.get("status")) == "410":
            # an injected 410 arrives like the real one: in the stream
            expired = ApiError(410, "Expired", fault.get("message") or
                               "too old resource version: %s (%d)"
                               % (rv_param or "0", store.current_rv()))
        elif rv_param in ("", "0") or initial:
            items, cursor = store.list_objs(res, route.ns)
            pending = [("ADDED", o) for o in items if match(o)]
        else:
            try:
                cursor = int(rv_param)
            except ValueError:
                raise ApiError(400, "BadRequest", 'resourceVersion: Invalid value: "%s": '
                               "invalid resource version" % rv_param) from None
            with store.cond:
                try:
                    store.events_after(cursor)
                except ApiError as e:
                    expired = e
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.status_sent = 200
        # a watch is logged when it starts, so tests can wait for it
        self.entry["status"] = 200
        self.app.record(self.entry)
        self.entry = None
        sent = [0]
        first_table = [True]

        def emit(etype, obj):
            if as_table and etype not in ("ERROR", "BOOKMARK"):
                obj = tables.table(res, [obj], {"resourceVersion": obj["metadata"].get(
                    "resourceVersion", "")}, include, headers=first_table[0])
                first_table[0] = False
            self._chunk(json.dumps({"type": etype, "object": obj}).encode() + b"\n")
            sent[0] += 1
            if drop_after is not None and sent[0] >= drop_after:
                raise ConnectionAbortedError("injected watch drop")

        def bookmark(annotations=None):
            meta = {"resourceVersion": str(cursor)}
            if annotations:
                meta["annotations"] = annotations
            emit("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version,
                              "metadata": meta})

        interval = app.args.bookmark_interval
        next_bm = time.monotonic() + interval
        try:
            if drop_after == 0:
                raise ConnectionAbortedError("injected watch drop")
            if expired is not None:
                emit("ERROR", expired.status())
                self._chunk(b"")
                return
            for etype, obj in pending:
                emit(etype, obj)
            if initial and bookmarks:
                bookmark({"k8s.io/initial-events-end": "true"})
            while True:
                now = time.monotonic()
                if now >= deadline:
                    break
                if bookmarks and now >= next_bm:
                    bookmark()
                    next_bm = now + interval
                with store.cond:
                    try:
                        evs = store.events_after(cursor)
                        if not evs:
                            store.cond.wait(min(1.0, deadline - now,
                                                max(0.01, next_bm - now) if bookmarks
                                                else 1.0))
                            evs = store.events_after(cursor)
                    except ApiError as e:   # the watcher fell out of the event window
                        evs, expired = [], e
                if expired is not None:
                    emit("ERROR", expired.status())
                    break
                for rv, etype, eres, obj, old in evs:
                    cursor = rv
                    if eres.key != res.key or (route.ns and res.namespaced and
                                               obj["metadata"].get("namespace") != route.ns):
                        continue
                    now_in, was_in = match(obj), match(old)
                    if etype == "MODIFIED":
                        if now_in and not was_in:
                            etype = "ADDED"
                        elif was_in and not now_in:
                            etype = "DELETED"
                        elif not now_in:
                            continue
                    elif not now_in:
                        continue
                    emit(etype, obj)
                if not evs and self._client_gone():
                    self.close_connection = True
                    return
            self._chunk(b"")
        except ConnectionAbortedError:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- control API -----------------------------------------------------------
    def _control(self, parts, raw):
        app, m = self.app, self.command
        what = parts[0] if parts else ""
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                try:
                    body = yaml.safe_load(raw)
                except yaml.YAMLError as e:
                    raise bad_request("cannot parse the body: %s" % e) from None
        if what == "faults":
            if m == "POST":
                faults = body if isinstance(body, list) else [body]
                added = []
                for f in faults:
                    if not isinstance(f, dict):
                        raise bad_request("a fault must be an object")
                    f = dict({"verb": "*", "resource": "*", "count": 1}, **f)
                    if not any(k in f for k in ("status", "delay", "dropAfter", "reset",
                                                "stallAfter")):
                        raise bad_request("a fault needs status, delay, dropAfter, reset "
                                          "or stallAfter")
                    added.append(f)
                with app.lock:
                    app.faults.extend(added)
                self._send(201, {"faults": added})
            elif m == "GET":
                with app.lock:
                    faults = list(app.faults)
                self._send(200, {"faults": faults})
            elif m == "DELETE":
                with app.lock:
                    app.faults.clear()
                self._send(200, {"faults": []})
            else:
                raise ApiError(405, "MethodNotAllowed", "use GET, POST or DELETE")
        elif what == "requests":
            if m == "DELETE":
                with app.lock:
                    app.requests.clear()
                self._send(200, {"requests": [], "count": 0})
                return
            with app.lock:
                reqs = list(app.requests)
            for k in ("verb", "resource", "method", "user", "namespace", "name", "status"):
                if k in self.params:
                    reqs = [r for r in reqs if str(r.get(k)) == self.params[k]]
            self._send(200, {"requests": reqs, "count": len(reqs)})
        elif what == "tokens" and m == "POST":
            if not isinstance(body, dict) or not body.get("token") or not body.get("user"):
                raise bad_request("need {token, user, groups?, expiresIn?}")
            app.auth.add_token(body["token"], body["user"], body.get("groups") or [],
                               body.get("expiresIn"))
            self._send(201, {"token": body["token"], "user": body["user"]})
        elif what == "rules":
            if m in ("POST", "PUT"):
                try:
                    app.auth.set_rules(body)
                except ValueError as e:
                    raise bad_request(str(e)) from None
            self._send(200, {"rules": app.auth.rules})
        elif what == "objects" and m in ("PUT", "POST"):
            docs = body if isinstance(body, list) else [body]
            self._send(200, {"items": [app.store.put(d) for d in docs]})
        elif what == "objects" and m == "DELETE":
            self._send(200, {"deleted": app.store.delete(
                self.params.get("kind", ""), self.params.get("namespace"),
                self.params.get("name", ""))})
        elif what == "compact" and m == "POST":
            with app.store.cond:
                app.store.events.clear()
                app.store.compacted = app.store.rv
            self._send(200, {"compacted": app.store.rv})
        else:
            raise ApiError(404, "NotFound", "unknown control endpoint /_test/%s"
                           % "/".join(parts))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 64

    def __init__(self, app, ctx):
        self.app = app
        self.ctx = ctx
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # the handshake runs on the request thread (Handler.setup)
        return self.ctx.wrap_socket(sock, server_side=True,
                                    do_handshake_on_connect=False), addr


def _load_seeds(app, paths):
    """Create the objects in the seed files: admitted like a create (defaults,
    validation, stringData), but with their status kept.  Missing namespaces
    are created.  A bad seed stops the server with a message."""
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d]
        for doc in docs:
            res = app.registry.by_api_kind(doc.get("apiVersion"), doc.get("kind"))
            if res is None:
                sys.exit("server.py: %s: no resource for apiVersion %r kind %r"
                         % (p, doc.get("apiVersion"), doc.get("kind")))
            meta = doc.setdefault("metadata", {})
            if res.namespaced:
                meta.setdefault("namespace", "default")
                if app.store.get("Namespace", None, meta["namespace"]) is None:
                    app.store.put({"apiVersion": "v1", "kind": "Namespace",
                                   "metadata": {"name": meta["namespace"]}})
            status = doc.pop("status", None)
            try:
                obj, _ = app.validator.admit(res, doc, None, "Strict")
            except ApiError as e:
                sys.exit("server.py: %s: %s" % (p, e.message))
            if status is not None:
                obj["status"] = status
            app.store.put(obj)


def _load_sim(app, path):
    spec = importlib.util.spec_from_file_location(
        "sim_" + os.path.splitext(os.path.basename(path))[0], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.register(app)


def main(argv=None):
    ap = argparse.ArgumentParser(description="test Kubernetes API server")
    ap.add_argument("--dir", required=True, help="state directory (certs, kubeconfig, port)")
    ap.add_argument("--crds", default=os.path.join(REPO, "..", "shared", "crds"))
    ap.add_argument("--crdcheck", default=None,
                    help="path of crdcheck.py (default: CRDS/../tools/crdcheck.py)")
    ap.add_argument("--rules", help="deny rules file (JSON or YAML)")
    ap.add_argument("--seed", action="append", default=[], help="YAML objects to preload")
    ap.add_argument("--sim", help="simulation module (a .py path) with register(server)")
    ap.add_argument("--sim-step", type=float,
                    default=float(os.environ.get("CNPGOPS_SIM_STEP", "0.2")),
                    help="seconds between simulated state changes (env CNPGOPS_SIM_STEP)")
    ap.add_argument("--event-window", type=int, default=1000,
                    help="watch events kept; older resourceVersions get 410 Gone")
    ap.add_argument("--bookmark-interval", type=float, default=5.0)
    ap.add_argument("--lenient-patch", action="store_true",
                    help="accept strategic merge patches for custom resources (as merge "
                         "patches); the real server answers 415")
    ap.add_argument("--key-type", choices=("ec", "rsa"), default="ec",
                    help="key type of the generated CAs and certificates")
    args = ap.parse_args(argv)
    args.crds = os.path.abspath(args.crds)
    if args.crdcheck is None:
        args.crdcheck = os.path.join(os.path.dirname(args.crds), "tools", "crdcheck.py")
    statedir = os.path.abspath(args.dir)
    os.makedirs(statedir, exist_ok=True)
    for f in ("ready", "port", "pid"):
        if os.path.exists(os.path.join(statedir, f)):
            os.unlink(os.path.join(statedir, f))

    app = App(args)
    material = certs.generate(statedir, args.key_type)
    app.auth.add_token(material["token"], "token-user")
    if args.rules:
        app.auth.set_rules(Auth.load_rules(args.rules))

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(material["server.crt"], material["server.key"])
    ctx.load_verify_locations(material["ca.crt"])
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])

    srv = Server(app, ctx)
    app.port = srv.server_address[1]
    app.store.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    _load_seeds(app, args.seed)
    if args.sim:
        _load_sim(app, args.sim)
    certs.write_kubeconfig(statedir, app.port, material["token"])
    with open(os.path.join(statedir, "port"), "w") as fh:
        fh.write("%d\n" % app.port)
    with open(os.path.join(statedir, "pid"), "w") as fh:
        fh.write("%d\n" % os.getpid())
    def terminate(*_):
        for fn in app.shutdown_hooks:  # a simulation's children, stopped by PID
            try:
                fn()
            except Exception as e:
                app.log("shutdown hook %r failed: %r" % (fn, e))
        os._exit(0)
    signal.signal(signal.SIGTERM, terminate)
    with open(os.path.join(statedir, "ready"), "w") as fh:
        fh.write("https://127.0.0.1:%d\n" % app.port)
    app.log("listening on https://127.0.0.1:%d" % app.port)
    srv.serve_forever()


if __name__ == "__main__":
    main()
