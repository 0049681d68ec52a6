"""In-memory object store with a global resourceVersion and a watch event log.

All state is behind one condition variable (`Store.cond`); watchers wait on
it.  Objects are stored and handed out as deep copies.  The store does no
schema validation: the HTTP layer validates before calling it, and the
operator simulation (see README.md) writes through the same methods.

Simulation API (kind = "Cluster", "clusters", "clusters.postgresql.cnpg.io" or
a Resource):
    get(kind, ns, name) -> obj or None
    list(kind, ns=None, labels=None) -> [obj]          (labels: selector string)
    put(obj) -> obj                                    (create or replace, status kept)
    update_status(kind, ns, name, status) -> obj       (replace .status)
    patch(kind, ns, name, merge_patch) -> obj          (RFC 7386 merge, status included)
    delete(kind, ns, name) -> obj or None
"""

import collections
import copy
import queue
import secrets
import sys
import threading
import time
import uuid

import labelsel as sel
from apierrors import ApiError, already_exists, conflict, not_found, qualified

_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch; returns a new value."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _content(res, obj):
    """The part of an object whose change bumps metadata.generation."""
    skip = {"metadata", "status"} if res.status else {"metadata"}
    return {k: v for k, v in obj.items() if k not in skip}


class Store:
    def __init__(self, registry, window=1000):
        self.reg = registry
        self.cond = threading.Condition()
        self.rv = 0
        self.objects = {}            # (group, plural, ns, name) -> obj
        self.events = collections.deque()   # (rv, type, res, obj, old)
        self.compacted = 0           # rv of the newest event dropped from the log
        self.window = window
        self.hooks = []              # (event, Resource, fn)
        self._hook_q = queue.Queue()
        threading.Thread(target=self._dispatch, name="hooks", daemon=True).start()

    # -- helpers ---------------------------------------------------------
    def resolve(self, kind):
        if not isinstance(kind, str):
            return kind
        res = self.reg.by_kind(kind)
        if res is None:
            raise KeyError("unknown kind %r" % kind)
        return res

    @staticmethod
    def _k(res, ns, name):
        return (res.group, res.plural, (ns or "") if res.namespaced else "", name)

    def _emit(self, etype, res, obj, old=None):
        self.events.append((self.rv, etype, res, copy.deepcopy(obj),
                            copy.deepcopy(old) if old else None))
        while len(self.events) > self.window:
            self.compacted = self.events.popleft()[0]
        self.cond.notify_all()
        hook = {"ADDED": "create", "MODIFIED": "update", "DELETED": "delete"}[etype]
        for ev, hres, fn in self.hooks:
            if ev == hook and hres.key == res.key:
                self._hook_q.put((fn, copy.deepcopy(obj), copy.deepcopy(old)))

    def _dispatch(self):
        while True:
            fn, obj, old = self._hook_q.get()
            try:
                fn(obj, old)
            except Exception as e:  # a broken simulation must not kill the server
                print("apiserver: sim hook %r failed: %r" % (fn, e), file=sys.stderr,
                      flush=True)

    def on(self, event, kind, fn):
        """Call fn(obj, old) after each create/update/delete of kind (old None on create)."""
        if event not in ("create", "update", "delete"):
            raise ValueError("event must be create, update or delete")
        self.hooks.append((event, self.resolve(kind), fn))

    def _check_namespace(self, res, ns):
        if res.namespaced and self._k(self.reg.by_kind("Namespace"), None, ns) \
                not in self.objects:
            raise not_found(self.reg.by_kind("Namespace"), ns)

    # -- the operations the HTTP layer uses ------------------------------
    def current_rv(self):
        with self.cond:
            return self.rv

    def get_obj(self, res, ns, name):
        with self.cond:
            o = self.objects.get(self._k(res, ns, name))
            return copy.deepcopy(o) if o is not None else None

    def list_objs(self, res, ns=None):
        """Objects of res (in ns, or all), sorted by namespace/name, and the list rv."""
        with self.cond:
            items = [copy.deepcopy(o) for k, o in sorted(self.objects.items())
                     if k[:2] == res.key and (ns is None or not res.namespaced or k[2] == ns)]
            return items, self.rv

    def generate_name(self, res, ns, prefix):
        """An unused name: prefix plus 5 random characters, as the real server does."""
        with self.cond:
            while True:
                name = prefix + "".join(secrets.choice(_NAME_CHARS) for _ in range(5))
                if self._k(res, ns, name) not in self.objects:
                    return name

    def create_obj(self, res, obj, dry_run=False):
        """Store a new object (name or generateName set); returns the stored copy."""
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        with self.cond:
            ns = meta.get("namespace") if res.namespaced else None
            if res.namespaced:
                self._check_namespace(res, ns)
            else:
                meta.pop("namespace", None)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = self.generate_name(res, ns, meta["generateName"])
            if self._k(res, ns, meta["name"]) in self.objects:
                raise already_exists(res, meta["name"])
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_rfc3339()
            if res.crd:
                meta["generation"] = 1
            for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
                meta.pop(k, None)
            obj["apiVersion"], obj["kind"] = res.api_version, res.kind
            if res.kind == "Namespace":
                obj.setdefault("spec", {"finalizers": ["kubernetes"]})
                obj["status"] = {"phase": "Active"}
            if dry_run:
                meta.pop("resourceVersion", None)
                return obj
            self.rv += 1
            meta["resourceVersion"] = str(self.rv)
            self.objects[self._k(res, ns, meta["name"])] = obj
            self._emit("ADDED", res, obj)
            return copy.deepcopy(obj)

    def replace_obj(self, res, obj, dry_run=False, subresource=None):
        """Update an existing object (PUT semantics).

        With subresource "status" only .status is taken from obj; otherwise
        .status is kept from the stored object when res has a status
        subresource.  A resourceVersion in obj must match (409 Conflict).  A
        no-op update returns the stored object without a new resourceVersion.
        """
        meta = obj.get("metadata") or {}
        ns, name = meta.get("namespace") if res.namespaced else None, meta.get("name")
        with self.cond:
            old = self.objects.get(self._k(res, ns, name))
            if old is None:
                raise not_found(res, name)
            want = meta.get("resourceVersion")
            if want and want != old["metadata"]["resourceVersion"]:
                raise conflict(res, name)
            if subresource == "status":
                new = copy.deepcopy(old)
                if "status" in obj:
                    new["status"] = copy.deepcopy(obj["status"])
                else:
                    new.pop("status", None)
            else:
                new = copy.deepcopy(obj)
                new["apiVersion"], new["kind"] = res.api_version, res.kind
                if res.status:
                    if "status" in old:
                        new["status"] = copy.deepcopy(old["status"])
                    else:
                        new.pop("status", None)
                nm = new.setdefault("metadata", {})
                for k in ("uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "name", "namespace"):
                    if k in old["metadata"]:
                        nm[k] = old["metadata"][k]
                    else:
                        nm.pop(k, None)
                if res.crd and _content(res, new) != _content(res, old):
                    nm["generation"] = old["metadata"].get("generation", 1) + 1
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if new == old:
                return copy.deepcopy(old)
            if dry_run:
                return new
            if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
                self._remove(res, new)
                return new
            self.rv += 1
            new["metadata"]["resourceVersion"] = str(self.rv)
            self.objects[self._k(res, ns, name)] = new
            self._emit("MODIFIED", res, new, old)
            return copy.deepcopy(new)

    def delete_obj(self, res, ns, name, dry_run=False, propagation=None, precond=None):
        """Delete; returns (object, deleted_now).  Finalizers delay the removal."""
        with self.cond:
            old = self.objects.get(self._k(res, ns, name))
            if old is None:
                raise not_found(res, name)
            precond = precond or {}
            if precond.get("uid") and precond["uid"] != old["metadata"]["uid"]:
                raise ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": '
                               "Precondition failed: UID in precondition: %s, UID in object "
                               "meta: %s" % (qualified(res), name, precond["uid"],
                                             old["metadata"]["uid"]),
                               {"name": name, "group": res.group, "kind": res.plural})
            if precond.get("resourceVersion") and \
                    precond["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise conflict(res, name)
            if dry_run:
                return copy.deepcopy(old), True
            if old["metadata"].get("finalizers"):
                if old["metadata"].get("deletionTimestamp"):
                    return copy.deepcopy(old), False
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                self.rv += 1
                new["metadata"]["resourceVersion"] = str(self.rv)
                self.objects[self._k(res, ns, name)] = new
                self._emit("MODIFIED", res, new, old)
                return copy.deepcopy(new), False
            gone = self._remove(res, old, orphan=propagation == "Orphan")
            return gone, True

    def _remove(self, res, obj, orphan=False):
        meta = obj["metadata"]
        key = self._k(res, meta.get("namespace"), meta["name"])
        self.objects.pop(key, None)
        self.rv += 1
        gone = copy.deepcopy(obj)
        gone["metadata"]["resourceVersion"] = str(self.rv)
        self._emit("DELETED", res, gone)
        # namespace deletion takes its contents; garbage collection takes dependents
        doomed = []
        for k, o in self.objects.items():
            if res.kind == "Namespace" and k[2] == meta["name"]:
                doomed.append((k, o))
            elif not orphan and any(r.get("uid") == meta["uid"]
                                    for r in o["metadata"].get("ownerReferences") or []):
                doomed.append((k, o))
        for k, o in doomed:
            if k in self.objects:
                self._remove(self.reg.by_api_kind(o["apiVersion"], o["kind"]), o)
        return gone

    # -- watch support ---------------------------------------------------
    def events_after(self, rv):
        """Events with resourceVersion > rv; raises 410 Expired if some were dropped.

        Call with self.cond held.
        """
        if rv < self.compacted:
            oldest = self.events[0][0] if self.events else self.rv
            raise ApiError(410, "Expired", "too old resource version: %d (%d)" % (rv, oldest - 1))
        out = []
        for ev in reversed(self.events):
            if ev[0] <= rv:
                break
            out.append(ev)
        out.reverse()
        return out

    # -- simulation / control API ----------------------------------------
    def get(self, kind, ns, name):
        return self.get_obj(self.resolve(kind), ns, name)

    def list(self, kind, ns=None, labels=None):
        res = self.resolve(kind)
        reqs = sel.parse_labels(labels) if labels else []
        items, _ = self.list_objs(res, ns)
        return [o for o in items if sel.match_labels(reqs, o["metadata"].get("labels"))]

    def put(self, obj):
        """Create or replace obj as given (status included, no validation)."""
        res = self.reg.by_api_kind(obj.get("apiVersion"), obj.get("kind"))
        if res is None:
            raise ApiError(400, "BadRequest", "no resource for apiVersion %r kind %r"
                           % (obj.get("apiVersion"), obj.get("kind")))
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            meta.setdefault("namespace", "default")
        with self.cond:
            cur = self.get_obj(res, meta.get("namespace"), meta.get("name"))
            if cur is None:
                return self.create_obj(res, obj)
            obj = copy.deepcopy(obj)
            obj["metadata"].pop("resourceVersion", None)
            new = self.replace_obj(res, obj)
            if res.status and new.get("status") != obj.get("status"):
                obj["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"]
                new = self.replace_obj(res, obj, subresource="status")
            return new

    def update_status(self, kind, ns, name, status):
        res = self.resolve(kind)
        with self.cond:
            cur = self.get_obj(res, ns, name)
            if cur is None:
                raise not_found(res, name)
            cur["status"] = status
            return self.replace_obj(res, cur, subresource="status" if res.status else None)

    def patch(self, kind, ns, name, patch):
        res = self.resolve(kind)
        with self.cond:
            cur = self.get_obj(res, ns, name)
            if cur is None:
                raise not_found(res, name)
            new = merge_patch(cur, patch)
            new["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
            out = self.replace_obj(res, new)
            if res.status and "status" in patch:
                new["metadata"]["resourceVersion"] = out["metadata"]["resourceVersion"]
                out = self.replace_obj(res, new, subresource="status")
            return out

    def delete(self, kind, ns, name):
        res = self.resolve(kind)
        try:
            return self.delete_obj(res, ns, name)[0]
        except ApiError as e:
            if e.code == 404:
                return None
            raise
