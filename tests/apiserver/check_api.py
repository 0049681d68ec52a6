#!/usr/bin/env python3
"""Protocol-level checks of the test API server (run by tests/cli/t103-*.sh).

    python3 tests/apiserver/check_api.py STATEDIR

STATEDIR is a running server's state directory; the server must have been
started with `--event-window 20 --bookmark-interval 0.2`.  Prints one line
per failed check and exits 1 if any failed.
"""

import http.client
import json
import os
import socket
import ssl
import sys
import time

D = sys.argv[1]
PORT = int(open(os.path.join(D, "port")).read())
FAILED = []
CL = "/apis/postgresql.cnpg.io/v1/namespaces/default/clusters"
BK = "/apis/postgresql.cnpg.io/v1/namespaces/default/backups"


def check(cond, what):
    if not cond:
        FAILED.append(what)
        print("FAIL:", what)


def ctx(cert=True):
    c = ssl.create_default_context(cafile=os.path.join(D, "ca.crt"))
    if cert:
        c.load_cert_chain(os.path.join(D, "client.crt"), os.path.join(D, "client.key"))
    return c


ADMIN = ctx()


def conn(c=ADMIN):
    return http.client.HTTPSConnection("127.0.0.1", PORT, context=c, timeout=20)


def req(method, path, body=None, ctype="application/json", headers=None, c=None):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        h["Content-Type"] = ctype
    cn = c or conn()
    cn.request(method, path, body=data, headers=h)
    r = cn.getresponse()
    raw = r.read()
    try:
        out = json.loads(raw) if raw else None
    except ValueError:
        out = raw
    if c is None:
        cn.close()
    return r.status, out, r


def cluster(name, instances=1, labels=None):
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"instances": instances, "storage": {"size": "1Gi"}}}


class _Resp:
    def __init__(self, headers):
        self.headers = headers

    def getheader(self, name):
        return self.headers.get(name.lower())


def watch_lines(path, limit, timeout=10):
    """Open a watch and return (response, its first `limit` events); the
    event list ends with "dropped" if the stream broke without its last chunk."""
    raw = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s = ADMIN.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    f = s.makefile("rb")
    f.readline()
    headers = {}
    while True:
        line = f.readline().decode().strip()
        if not line:
            break
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    events = []
    try:
        while len(events) < limit:
            size_line = f.readline()
            if not size_line:
                events.append("dropped")
                break
            size = int(size_line.strip(), 16)
            if size == 0:
                break
            events.append(json.loads(f.read(size)))
            f.readline()
    except (ConnectionError, ssl.SSLError, ValueError):
        events.append("dropped")
    s.close()
    return _Resp(headers), events


# -- keep-alive: several requests on one connection ---------------------------
c = conn()
for _ in range(3):
    st, _, r = req("GET", "/api", c=c)
    check(st == 200, "GET /api on a kept-alive connection")
c.close()

# -- CRUD, status subresource, generation -------------------------------------
st, obj, _ = req("POST", CL, cluster("c1", 1, {"app": "a", "tier": "gold"}))
check(st == 201 and obj["metadata"]["generation"] == 1, "create c1 -> 201, generation 1")
rv1 = obj["metadata"]["resourceVersion"]
st, obj, _ = req("POST", CL, cluster("c1"))
check(st == 409 and obj["reason"] == "AlreadyExists"
      and obj["message"] == 'clusters.postgresql.cnpg.io "c1" already exists', "409 AlreadyExists")
st, obj, _ = req("POST", CL, dict(cluster(""), metadata={"generateName": "gen-"}))
GEN = obj["metadata"]["name"]
check(st == 201 and GEN.startswith("gen-") and len(GEN) == 9, "generateName")
st, obj, _ = req("POST", CL + "?dryRun=All", cluster("dry"))
check(st == 201 and req("GET", CL + "/dry")[0] == 404, "dryRun=All stores nothing")
st, obj, _ = req("POST", "/apis/postgresql.cnpg.io/v1/namespaces/nope/clusters", cluster("x"))
check(st == 404 and obj["message"] == 'namespaces "nope" not found', "missing namespace -> 404")

st, cur, _ = req("GET", CL + "/c1")
stale = json.loads(json.dumps(cur))
cur["spec"]["instances"] = 2
cur["status"] = {"phase": "ignored"}
st, upd, _ = req("PUT", CL + "/c1", cur)
check(st == 200 and upd["metadata"]["generation"] == 2 and "status" not in upd,
      "PUT bumps generation and ignores status")
stale["spec"]["instances"] = 5
st, obj, _ = req("PUT", CL + "/c1", stale)
check(st == 409 and obj["reason"] == "Conflict" and "the object has been modified"
      in obj["message"], "stale resourceVersion -> 409 Conflict")
upd["status"] = {"phase": "Cluster in healthy state", "readyInstances": 2}
st, obj, _ = req("PUT", CL + "/c1/status", upd)
check(st == 200 and obj["status"]["readyInstances"] == 2
      and obj["metadata"]["generation"] == 2, "PUT /status sets status only")
st, obj, _ = req("PATCH", CL + "/c1/status", {"status": {"readyInstances": 1}},
                 "application/merge-patch+json")
check(st == 200 and obj["status"] == {"phase": "Cluster in healthy state",
                                      "readyInstances": 1}, "merge patch /status")
st, obj, _ = req("PATCH", CL + "/c1", {"spec": {"instances": 0}},
                 "application/merge-patch+json")
check(st == 422 and obj["details"]["causes"][0]["field"] == "spec.instances"
      and obj["details"]["causes"][0]["reason"] == "FieldValueInvalid"
      and obj["message"].startswith('Cluster.postgresql.cnpg.io "c1" is invalid: '
                                    "spec.instances: Invalid value: 0"), "422 on patch")
st, obj, _ = req("PATCH", CL + "/c1", {"spec": {"instances": 3}},
                 "application/strategic-merge-patch+json")
check(st == 415 and obj["reason"] == "UnsupportedMediaType",
      "strategic merge patch of a custom resource -> 415 (as the real server)")
st, obj, _ = req("PATCH", CL + "/c1", [{"op": "replace", "path": "/spec/instances",
                                        "value": 3}], "application/json-patch+json")
check(st == 200 and obj["spec"]["instances"] == 3, "json patch")
st, obj, _ = req("PATCH", CL + "/c1?fieldValidation=Strict", {"spec": {"bogus": 1}},
                 "application/merge-patch+json")
check(st == 400 and 'unknown field "spec.bogus"' in obj["message"], "strict unknown field")
st, obj, r = req("PATCH", CL + "/c1", {"spec": {"bogus": 1}}, "application/merge-patch+json")
check(st == 200 and "bogus" not in obj["spec"]
      and 'unknown field \\"spec.bogus\\"' in (r.getheader("Warning") or ""),
      "default fieldValidation=Warn prunes with a Warning header")

# -- lists: selectors and pagination --------------------------------------------
for i in range(5):
    req("POST", CL, cluster("p%d" % i, 1, {"app": "p", "idx": str(i)}))
st, lst, _ = req("GET", CL + "?labelSelector=app%3Dp,idx+notin+(1,2)")
check([o["metadata"]["name"] for o in lst["items"]] == ["p0", "p3", "p4"]
      and lst["kind"] == "ClusterList", "labelSelector = and notin")
st, lst, _ = req("GET", CL + "?labelSelector=!idx")
check(sorted(o["metadata"]["name"] for o in lst["items"]) == sorted(["c1", GEN]),
      "labelSelector !key")
st, lst, _ = req("GET", CL + "?fieldSelector=metadata.name%3Dp2")
check([o["metadata"]["name"] for o in lst["items"]] == ["p2"], "fieldSelector metadata.name")
st, obj, _ = req("GET", CL + "?fieldSelector=spec.instances%3D1")
check(st == 400 and obj["message"] == "field label not supported: spec.instances",
      "unsupported field selector -> 400")
names, token, pages = [], "", 0
while True:
    st, lst, _ = req("GET", CL + "?labelSelector=app%3Dp&limit=2" +
                     ("&continue=" + token if token else ""))
    pages += 1
    names += [o["metadata"]["name"] for o in lst["items"]]
    token = lst["metadata"].get("continue")
    if not token or pages > 5:
        break
check(names == ["p0", "p1", "p2", "p3", "p4"] and pages == 3, "limit + continue")
st, lst, _ = req("GET", "/api/v1/namespaces")
check(st == 200 and "kind" not in lst["items"][0], "core list items carry no kind")

# -- finalizers and delete -------------------------------------------------------
req("POST", CL, dict(cluster("fin"), metadata={"name": "fin", "finalizers": ["x/y"]}))
st, obj, _ = req("DELETE", CL + "/fin", {"kind": "DeleteOptions", "apiVersion": "v1",
                                         "propagationPolicy": "Background"})
check(st == 200 and obj["metadata"].get("deletionTimestamp"), "delete with a finalizer")
check(req("GET", CL + "/fin")[0] == 200, "finalized object still there")
req("PATCH", CL + "/fin", {"metadata": {"finalizers": None}}, "application/merge-patch+json")
check(req("GET", CL + "/fin")[0] == 404, "removing the last finalizer deletes")
st, obj, _ = req("DELETE", CL + "/p4", {"preconditions": {"uid": "not-the-uid"}})
check(st == 409 and "Precondition failed: UID in precondition: not-the-uid"
      in obj["message"], "delete precondition on uid -> 409")
st, obj, _ = req("DELETE", CL + "/p4?propagationPolicy=Sideways")
check(st == 422, "bad propagationPolicy -> 422")

# -- watch -----------------------------------------------------------------------
st, lst, _ = req("GET", CL)
rv = lst["metadata"]["resourceVersion"]
req("PATCH", CL + "/p0", {"metadata": {"labels": {"w": "1"}}}, "application/merge-patch+json")
req("DELETE", CL + "/p1")
r, evs = watch_lines(CL + "?watch=1&resourceVersion=%s&timeoutSeconds=5" % rv, 2)
check([(e["type"], e["object"]["metadata"]["name"]) for e in evs]
      == [("MODIFIED", "p0"), ("DELETED", "p1")], "watch from a resourceVersion")
check(r.getheader("Transfer-Encoding") == "chunked", "watch is chunked")
r, evs = watch_lines(CL + "?watch=true&labelSelector=w%3D1&timeoutSeconds=5", 1)
check([(e["type"], e["object"]["metadata"]["name"]) for e in evs] == [("ADDED", "p0")],
      "watch without resourceVersion starts with ADDED for current objects")
r, evs = watch_lines(CL + "?watch=1&resourceVersion=%s&timeoutSeconds=1" % rv, 10)
check(len(evs) == 2, "timeoutSeconds ends the watch cleanly")
st, lst, _ = req("GET", CL)
r, evs = watch_lines(CL + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=5&"
                     "resourceVersion=" + lst["metadata"]["resourceVersion"], 1)
check(evs and evs[0] != "dropped" and evs[0]["type"] == "BOOKMARK"
      and evs[0]["object"]["metadata"]["resourceVersion"] == lst["metadata"]["resourceVersion"],
      "bookmarks")
# more than --event-window (20) events: the old resourceVersion is gone
for i in range(25):
    req("PATCH", CL + "/p2", {"metadata": {"labels": {"n": str(i)}}},
        "application/merge-patch+json")
r, evs = watch_lines(CL + "?watch=1&resourceVersion=%s" % rv1, 1)
check(evs and evs[0] != "dropped" and evs[0]["type"] == "ERROR"
      and evs[0]["object"]["code"] == 410 and evs[0]["object"]["reason"] == "Expired"
      and evs[0]["object"]["message"].startswith("too old resource version: %s (" % rv1),
      "watch from a compacted resourceVersion -> ERROR 410 Expired")
st, lst, _ = req("GET", CL)
req("POST", "/_test/compact")
r, evs = watch_lines(CL + "?watch=1&resourceVersion=%d"
                     % (int(lst["metadata"]["resourceVersion"]) - 1), 1)
check(evs and evs[0] != "dropped" and evs[0]["object"].get("code") == 410,
      "/_test/compact expires older resourceVersions")

# -- fault injection and the request log -------------------------------------------
req("DELETE", "/_test/requests")
req("POST", "/_test/faults", {"verb": "list", "resource": "clusters", "count": 2,
                              "status": 500})
codes = [req("GET", CL)[0] for _ in range(3)]
check(codes == [500, 500, 200], "fault: two 500s then success (got %s)" % codes)
st, log, _ = req("GET", "/_test/requests?verb=list&resource=clusters")
check(log["count"] == 3 and [e["status"] for e in log["requests"]] == [500, 500, 200]
      and log["requests"][0]["user"] == "admin", "request log counts the retries")
req("POST", "/_test/faults", {"verb": "get", "resource": "backups", "count": 1,
                              "status": 429, "retryAfter": 3})
st, obj, r = req("GET", BK + "/anything")
check(st == 429 and r.getheader("Retry-After") == "3" and obj["reason"] == "TooManyRequests"
      and obj["details"]["retryAfterSeconds"] == 3, "fault: 429 with Retry-After")
check(req("GET", BK + "/anything")[0] == 404, "fault count is honoured")
req("POST", "/_test/faults", {"verb": "create", "resource": "*", "count": 1, "status": 503})
st, obj, _ = req("POST", CL, cluster("f503"))
check(st == 503 and obj["reason"] == "ServiceUnavailable"
      and req("GET", CL + "/f503")[0] == 404, "fault: 503 on create stores nothing")
req("POST", "/_test/faults", {"verb": "get", "resource": "clusters", "name": "p0",
                              "status": 502, "body": "<html>Bad Gateway</html>",
                              "contentType": "text/html"})
st, obj, r = req("GET", CL + "/c1")
check(st == 200, "a fault for another name does not apply")
st, obj, r = req("GET", CL + "/p0")
check(st == 502 and obj == b"<html>Bad Gateway</html>"
      and r.getheader("Content-Type") == "text/html", "fault: raw non-Status body")
req("POST", "/_test/faults", {"verb": "get", "resource": "clusters", "delay": 0.3})
t0 = time.time()
st, _, _ = req("GET", CL + "/c1")
check(st == 200 and time.time() - t0 >= 0.3, "fault: delay")
req("POST", "/_test/faults", {"verb": "get", "resource": "clusters", "reset": True})
try:
    req("GET", CL + "/c1")
    check(False, "fault: reset closes the connection without an answer")
except (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
    pass
req("POST", "/_test/faults", {"verb": "watch", "resource": "clusters", "dropAfter": 2})
r, evs = watch_lines(CL + "?watch=1&timeoutSeconds=5", 10)
check(len(evs) == 3 and evs[-1] == "dropped", "fault: watch dropped after 2 events")
req("POST", "/_test/faults", {"verb": "watch", "resource": "clusters", "status": 410})
r, evs = watch_lines(CL + "?watch=1&resourceVersion=1", 3)
check(len(evs) == 1 and evs[0] != "dropped" and evs[0]["type"] == "ERROR"
      and evs[0]["object"]["code"] == 410, "fault: 410 on a watch is an ERROR event")
st, fl, _ = req("GET", "/_test/faults")
check(fl["faults"] == [], "all faults used up")

# -- control objects bypass validation --------------------------------------------
st, out, _ = req("PUT", "/_test/objects", {
    "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
    "metadata": {"name": "c1", "namespace": "default"},
    "spec": {"instances": 3, "storage": {"size": "1Gi"}},
    "status": {"phase": "Setting up primary"}})
st, obj, _ = req("GET", CL + "/c1")
check(obj["status"] == {"phase": "Setting up primary"}, "PUT /_test/objects sets status")

# -- table output ---------------------------------------------------------------
st, t, _ = req("GET", CL, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
check(t["kind"] == "Table" and [c["name"] for c in t["columnDefinitions"]]
      == ["Name", "Age", "Instances", "Ready", "Status", "Primary"], "Table columns")
row = [r_ for r_ in t["rows"] if r_["cells"][0] == "c1"][0]
check(row["cells"][2] is None and row["cells"][4] == "Setting up primary"
      and row["object"]["kind"] == "PartialObjectMetadata", "Table cells")

if FAILED:
    print("%d check(s) failed" % len(FAILED))
    sys.exit(1)
print("all checks passed")
