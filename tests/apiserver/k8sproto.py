"""Decode the few protobuf bodies kubectl's typed clients send.

`kubectl create secret|configmap|namespace|serviceaccount` and
`kubectl auth can-i` post `application/vnd.kubernetes.protobuf` (and do not
fall back to JSON on 415), so the server turns those kinds into JSON here: the "k8s\\0"
envelope (runtime.Unknown), ObjectMeta's name/generateName/namespace/labels/
annotations and the kinds' own simple fields.  Anything else is rejected
with 415 by the caller.
"""

import base64

MAGIC = b"k8s\x00"


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """Yield (field number, wire type, value) of a message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        elif wt == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported protobuf wire type %d" % wt)
        yield num, wt, val


def _map_entry(buf):
    k = v = b""
    for num, _wt, val in _fields(buf):
        if num == 1:
            k = val
        elif num == 2:
            v = val
    return k.decode(), v


def _meta(buf):
    out = {}
    names = {1: "name", 2: "generateName", 3: "namespace"}
    for num, _wt, val in _fields(buf):
        if num in names:
            if val:
                out[names[num]] = val.decode()
        elif num in (11, 12):
            k, v = _map_entry(val)
            out.setdefault("labels" if num == 11 else "annotations", {})[k] = v.decode()
        elif num == 14:
            out.setdefault("finalizers", []).append(val.decode())
    return out


def _body(kind, buf):
    obj = {}
    for num, wt, val in _fields(buf):
        if num == 1:
            obj["metadata"] = _meta(val)
        elif kind == "Secret":
            if num == 2:
                k, v = _map_entry(val)
                obj.setdefault("data", {})[k] = base64.b64encode(v).decode()
            elif num == 3 and val:
                obj["type"] = val.decode()
            elif num == 4:
                k, v = _map_entry(val)
                obj.setdefault("stringData", {})[k] = v.decode()
            elif num == 5:
                obj["immutable"] = bool(val)
        elif kind == "ConfigMap":
            if num == 2:
                k, v = _map_entry(val)
                obj.setdefault("data", {})[k] = v.decode()
            elif num == 3:
                k, v = _map_entry(val)
                obj.setdefault("binaryData", {})[k] = base64.b64encode(v).decode()
            elif num == 4:
                obj["immutable"] = bool(val)
        elif kind == "Namespace" and num == 2:
            obj["spec"] = {"finalizers": [v.decode() for n, _w, v in _fields(val) if n == 1]}
        elif kind == "SelfSubjectAccessReview" and num == 2:
            names = ["namespace", "verb", "group", "version", "resource", "subresource", "name"]
            for n, _w, v in _fields(val):
                if n == 1:
                    obj["spec"] = {"resourceAttributes": {
                        names[a - 1]: b.decode() for a, _x, b in _fields(v) if 1 <= a <= 7}}
        elif kind == "ServiceAccount" and num == 4 and wt == 0:
            obj["automountServiceAccountToken"] = bool(val)
    return obj


def decode(data):
    """Return the JSON form of a protobuf-encoded Secret, ConfigMap, Namespace,
    ServiceAccount or SelfSubjectAccessReview, or raise ValueError."""
    if not data.startswith(MAGIC):
        raise ValueError("missing the k8s protobuf magic prefix")
    api_version = kind = ""
    raw = b""
    for num, _wt, val in _fields(data[len(MAGIC):]):
        if num == 1:
            for n, _w, v in _fields(val):
                if n == 1:
                    api_version = v.decode()
                elif n == 2:
                    kind = v.decode()
        elif num == 2:
            raw = val
    if kind not in ("Secret", "ConfigMap", "Namespace", "ServiceAccount",
                    "SelfSubjectAccessReview"):
        raise ValueError("protobuf bodies of kind %r are not supported" % kind)
    obj = {"apiVersion": api_version, "kind": kind}
    obj.update(_body(kind, raw))
    return obj
