"""The resource types the server serves: a few core v1 kinds plus every CRD.

A `Resource` carries what discovery, routing, validation and table printing
need: group/version/plural/kind, scope, short names, whether it has a status
subresource, its schema (CRDs only) and its printer columns.
"""

import glob
import os

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


class Resource:
    def __init__(self, group, version, plural, singular, kind, namespaced=True,
                 short_names=None, categories=None, status=False, schema=None,
                 columns=None, fields=None, crd=False, verbs=None):
        self.group = group
        self.version = version
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.namespaced = namespaced
        self.short_names = short_names or []
        self.categories = categories or []
        self.status = status
        self.schema = schema
        self.columns = columns or []          # [(name, type, jsonPath or callable, desc, priority)]
        self.fields = {"metadata.name"} | ({"metadata.namespace"} if namespaced else set()) \
            | set(fields or [])
        self.crd = crd
        self.verbs = verbs or VERBS

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def key(self):
        return (self.group, self.plural)

    def discovery(self):
        out = {"name": self.plural, "singularName": self.singular,
               "namespaced": self.namespaced, "kind": self.kind, "verbs": self.verbs}
        if self.short_names:
            out["shortNames"] = self.short_names
        if self.categories:
            out["categories"] = self.categories
        out["storageVersionHash"] = ""
        return out


def _core():
    def data_count(o):
        return len(o.get("data") or {}) + len(o.get("binaryData") or {})

    def pod_ready(o):
        cs = (o.get("status") or {}).get("containerStatuses") or []
        n = len((o.get("spec") or {}).get("containers") or []) or len(cs)
        return "%d/%d" % (sum(1 for c in cs if c.get("ready")), n)

    def restarts(o):
        return sum(c.get("restartCount", 0)
                   for c in (o.get("status") or {}).get("containerStatuses") or [])

    def involved(o):
        io = o.get("involvedObject") or {}
        return "%s/%s" % ((io.get("kind") or "").lower(), io.get("name") or "")

    age = ("Age", "date", ".metadata.creationTimestamp", "", 0)
    return [
        Resource("", "v1", "namespaces", "namespace", "Namespace", namespaced=False,
                 short_names=["ns"], status=True, fields=["status.phase"],
                 columns=[("Status", "string", ".status.phase", "", 0), age]),
        Resource("", "v1", "secrets", "secret", "Secret", fields=["type"],
                 columns=[("Type", "string", ".type", "", 0),
                          ("Data", "string", data_count, "", 0), age]),
        Resource("", "v1", "configmaps", "configmap", "ConfigMap", short_names=["cm"],
                 columns=[("Data", "string", data_count, "", 0), age]),
        Resource("", "v1", "pods", "pod", "Pod", short_names=["po"], categories=["all"],
                 status=True, fields=["status.phase", "spec.nodeName"],
                 columns=[("Ready", "string", pod_ready, "", 0),
                          ("Status", "string", ".status.phase", "", 0),
                          ("Restarts", "integer", restarts, "", 0), age]),
        Resource("", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
                 "PersistentVolumeClaim", short_names=["pvc"], status=True,
                 columns=[("Status", "string", ".status.phase", "", 0),
                          ("Volume", "string", ".spec.volumeName", "", 0),
                          ("Capacity", "string", ".status.capacity.storage", "", 0), age]),
        Resource("batch", "v1", "jobs", "job", "Job", status=True,
                 columns=[("Status", "string",
                           lambda o: "Complete" if (o.get("status") or {}).get("succeeded")
                           else "Failed" if (o.get("status") or {}).get("failed")
                           else "Running", "", 0), age]),
        Resource("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount",
                 short_names=["sa"], columns=[age]),
        Resource("", "v1", "events", "event", "Event", short_names=["ev"],
                 fields=["involvedObject.kind", "involvedObject.name",
                         "involvedObject.namespace", "involvedObject.uid",
                         "reason", "type", "source"],
                 columns=[("Type", "string", ".type", "", 0),
                          ("Reason", "string", ".reason", "", 0),
                          ("Object", "string", involved, "", 0),
                          ("Message", "string", ".message", "", 0)]),
        # `kubectl auth can-i` and permission checks: answered from the deny rules
        Resource("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "",
                 "SelfSubjectAccessReview", namespaced=False, verbs=["create"]),
    ]


def _from_crd(crd):
    spec = crd["spec"]
    names = spec["names"]
    out = []
    for ver in spec.get("versions") or []:
        if not ver.get("served"):
            continue
        cols = [(c["name"], c.get("type", "string"), c["jsonPath"], c.get("description", ""),
                 c.get("priority", 0)) for c in ver.get("additionalPrinterColumns") or []]
        if not ver.get("additionalPrinterColumns"):
            cols = [("Age", "date", ".metadata.creationTimestamp", "", 0)]
        out.append(Resource(
            spec["group"], ver["name"], names["plural"], names.get("singular") or
            names["kind"].lower(), names["kind"], namespaced=spec.get("scope") == "Namespaced",
            short_names=names.get("shortNames"), categories=names.get("categories"),
            status="status" in (ver.get("subresources") or {}),
            schema=(ver.get("schema") or {}).get("openAPIV3Schema") or {},
            columns=cols, crd=True))
    return out


class Registry:
    def __init__(self, crd_dir):
        self.resources = _core()
        files = sorted(glob.glob(os.path.join(crd_dir, "*.yaml"))
                       + glob.glob(os.path.join(crd_dir, "*.yml"))) if crd_dir else []
        for f in files:
            with open(f, encoding="utf-8") as fh:
                for doc in yaml.load_all(fh, Loader=_LOADER):
                    if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                        self.resources.extend(_from_crd(doc))

    def groups(self):
        """[(group, version)] of the named API groups, in discovery order."""
        seen = []
        for r in self.resources:
            if r.group and (r.group, r.version) not in seen:
                seen.append((r.group, r.version))
        return seen

    def in_group(self, group, version):
        return [r for r in self.resources if r.group == group and r.version == version]

    def find(self, group, version, plural):
        for r in self.resources:
            if r.group == group and r.version == version and r.plural == plural:
                return r
        return None

    def by_kind(self, name):
        """Look up by Kind ("Cluster"), plural, or "plural.group"."""
        for r in self.resources:
            if name in (r.kind, r.plural, r.plural + "." + r.group):
                return r
        return None

    def by_api_kind(self, api_version, kind):
        for r in self.resources:
            if r.api_version == api_version and r.kind == kind:
                return r
        return None
