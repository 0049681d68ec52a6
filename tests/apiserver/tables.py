"""meta.k8s.io/v1 Table responses (what `kubectl get` asks for with as=Table)."""

import calendar
import json
import re
import time

NAME_COL = {"name": "Name", "type": "string", "format": "name", "priority": 0,
            "description": "Name must be unique within a namespace. Is required when "
                           "creating resources, although some resources may allow a client "
                           "to request the generation of an appropriate name automatically. "
                           "Name is primarily intended for creation idempotence and "
                           "configuration definition. Cannot be updated. More info: "
                           "https://kubernetes.io/docs/concepts/overview/working-with-objects"
                           "/names#names"}


def human_age(ts):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration of now - ts."""
    if not ts:
        return "<unknown>"
    try:
        then = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return "<invalid>"
    s = int(time.time() - then)
    if s < -1:
        return "<invalid>"
    s = max(s, 0)
    m, h, d = s // 60, s // 3600, s // 86400
    y = d // 365
    if s < 120:
        return "%ds" % s
    if m < 10:
        return "%dm%ds" % (m, s % 60) if s % 60 else "%dm" % m
    if m < 180:
        return "%dm" % m
    if h < 8:
        return "%dh%dm" % (h, m % 60) if m % 60 else "%dh" % h
    if h < 48:
        return "%dh" % h
    if h < 192:
        return "%dd%dh" % (d, h % 24) if h % 24 else "%dd" % d
    if y < 2:
        return "%dd" % d
    if y < 8:
        return "%dy%dd" % (y, d % 365) if d % 365 else "%dy" % y
    return "%dy" % y


def jsonpath(obj, path):
    """Evaluate the simple JSONPaths printer columns use: .a.b, .a[0].b."""
    cur = obj
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        key, idx = part
        if key:
            if not isinstance(cur, dict) or key not in cur:
                return None
            cur = cur[key]
        else:
            if not isinstance(cur, list) or int(idx) >= len(cur):
                return None
            cur = cur[int(idx)]
    return cur


def _cell(obj, col):
    _name, typ, getter, _desc, _prio = col
    v = getter(obj) if callable(getter) else jsonpath(obj, getter)
    if typ == "date":
        return human_age(v)
    if v is None:
        return None
    if typ == "integer":
        return v if isinstance(v, int) else None
    if typ == "boolean":
        return v if isinstance(v, bool) else None
    if typ == "number":
        return v if isinstance(v, (int, float)) else None
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return v if isinstance(v, str) else str(v)


def column_definitions(res):
    defs = [dict(NAME_COL)]
    for name, typ, _g, desc, prio in res.columns:
        defs.append({"name": name, "type": typ, "format": "", "description": desc,
                     "priority": prio})
    return defs


def row(res, obj, include):
    r = {"cells": [obj["metadata"].get("name")] + [_cell(obj, c) for c in res.columns]}
    if include == "Object":
        r["object"] = obj
    elif include != "None":
        r["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                       "metadata": obj.get("metadata") or {}}
    return r


def table(res, objs, meta, include="Metadata", headers=True):
    t = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    if headers:
        t["columnDefinitions"] = column_definitions(res)
    t["rows"] = [row(res, o, include) for o in objs]
    return t
