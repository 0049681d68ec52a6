"""A minimal OpenAPI v3 discovery (/openapi/v3 and /openapi/v3/apis/GROUP/VERSION).

kubectl needs it: `kubectl create/apply` (with the default --validate=strict)
look for a PATCH operation of the object's group/version/kind that takes the
`fieldValidation` query parameter, and then leave validation to the server.
`kubectl apply` also reads the PATCH request content types to decide between
strategic merge patch (built-in kinds) and JSON merge patch (custom
resources).  The documents carry the paths and operations with those
details, and the CRD schemas as components.
"""

import hashlib
import json

_PATCH_TYPES_CRD = ["application/json-patch+json", "application/merge-patch+json",
                    "application/apply-patch+yaml"]
_PATCH_TYPES_CORE = _PATCH_TYPES_CRD + ["application/strategic-merge-patch+json"]


def _param(name, where="query", required=False):
    return {"name": name, "in": where, "required": required, "schema": {"type": "string"},
            "uniqueItems": True}


def _schema_name(res):
    parts = list(reversed(res.group.split("."))) if res.group else ["io", "k8s", "api", "core"]
    return ".".join(parts + [res.version, res.kind])


def _op(res, action, opid, body=False, patch=False):
    ref = {"$ref": "#/components/schemas/" + _schema_name(res)}
    op = {"operationId": opid + res.kind, "tags": [res.group or "core_v1"],
          "responses": {"200": {"description": "OK", "content": {
              "application/json": {"schema": ref}}}},
          "x-kubernetes-action": action,
          "x-kubernetes-group-version-kind": {"group": res.group, "version": res.version,
                                              "kind": res.kind},
          "parameters": [_param("dryRun")]}
    if body or patch:
        op["parameters"] += [_param("fieldManager"), _param("fieldValidation")]
        types = (_PATCH_TYPES_CRD if res.crd else _PATCH_TYPES_CORE) if patch \
            else ["application/json", "application/yaml"]
        op["requestBody"] = {"required": True, "content": {
            t: {"schema": {"type": "object"} if patch else ref} for t in types}}
    if patch:
        op["parameters"].append(_param("force"))
    return op


def group_doc(registry, group, version):
    paths, schemas = {}, {}
    prefix = "/apis/%s/%s" % (group, version) if group else "/api/%s" % version
    for res in registry.in_group(group, version):
        ns = "/namespaces/{namespace}" if res.namespaced else ""
        coll = "%s%s/%s" % (prefix, ns, res.plural)
        params = [_param("namespace", "path", True)] if res.namespaced else []
        paths[coll] = {"parameters": params,
                       "get": _op(res, "list", "list"),
                       "post": _op(res, "post", "create", body=True),
                       "delete": _op(res, "deletecollection", "deleteCollection")}
        item = {"parameters": params + [_param("name", "path", True)],
                "get": _op(res, "get", "read"),
                "put": _op(res, "put", "replace", body=True),
                "patch": _op(res, "patch", "patch", patch=True),
                "delete": _op(res, "delete", "delete")}
        paths[coll + "/{name}"] = item
        if res.status:
            paths[coll + "/{name}/status"] = {
                "parameters": item["parameters"],
                "get": _op(res, "get", "readStatus"),
                "put": _op(res, "put", "replaceStatus", body=True),
                "patch": _op(res, "patch", "patchStatus", patch=True)}
        schema = dict(res.schema) if res.schema else {"type": "object"}
        schema["x-kubernetes-group-version-kind"] = [
            {"group": res.group, "version": res.version, "kind": res.kind}]
        schemas[_schema_name(res)] = schema
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"},
            "paths": paths, "components": {"schemas": schemas}}


class OpenAPI:
    def __init__(self, registry):
        self.docs = {}
        gvs = [("", "v1")] + registry.groups()
        for g, v in gvs:
            key = "apis/%s/%s" % (g, v) if g else "api/%s" % v
            body = json.dumps(group_doc(registry, g, v)).encode()
            self.docs[key] = (hashlib.sha512(body).hexdigest().upper()[:128], body)

    def index(self):
        return {"paths": {k: {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (k, h)}
                          for k, (h, _b) in self.docs.items()}}

    def doc(self, key):
        entry = self.docs.get(key)
        return entry[1] if entry else None
