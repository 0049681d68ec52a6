"""Label and field selectors (the subset of k8s.io/apimachinery that lists use)."""

import re

from apierrors import bad_request

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_REQ = re.compile(r"^\s*(?P<neg>!)?\s*(?P<key>%s)\s*(?:(?P<op>==|!=|=|\s+notin\s+|\s+in\s+)"
                  r"\s*(?P<val>\([^)]*\)|[^,()\s]*))?\s*$" % _KEY)


def _split(text):
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p.strip()]


def parse_labels(text):
    """Parse a labelSelector into a list of (op, key, values); 400 on errors."""
    reqs = []
    for part in _split(text or ""):
        m = _REQ.match(part)
        if not m or (m.group("neg") and m.group("op")):
            raise bad_request("unable to parse requirement: invalid label selector: %r"
                              % part.strip())
        key, op, val = m.group("key"), (m.group("op") or "").strip(), m.group("val")
        if m.group("neg"):
            reqs.append(("!", key, []))
        elif not op:
            reqs.append(("exists", key, []))
        elif op in ("in", "notin"):
            if not val or not val.startswith("("):
                raise bad_request("unable to parse requirement: found '%s', expected: '('"
                                  % (val or ""))
            reqs.append((op, key, [v.strip() for v in val[1:-1].split(",") if v.strip()]))
        else:
            reqs.append(("!=" if op == "!=" else "=", key, [val or ""]))
    return reqs


def match_labels(reqs, labels):
    labels = labels or {}
    for op, key, vals in reqs:
        have = key in labels
        if op == "exists" and not have:
            return False
        if op == "!" and have:
            return False
        if op in ("=", "in") and (not have or labels[key] not in vals):
            return False
        if op in ("!=", "notin") and have and labels[key] in vals:
            return False
    return True


def _lookup(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def parse_fields(text, allowed):
    """Parse a fieldSelector; only fields in `allowed` are supported (400 otherwise)."""
    reqs = []
    for part in _split(text or ""):
        m = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*?)\s*$", part)
        if not m:
            raise bad_request('invalid selector: \'%s\'; can\'t understand \'%s\''
                              % (text, part))
        field, op, val = m.groups()
        if field not in allowed:
            raise bad_request("field label not supported: %s" % field)
        reqs.append((field, op != "!=", val))
    return reqs


def match_fields(reqs, obj):
    return all((_lookup(obj, f) == v) == eq for f, eq, v in reqs)
