"""Admission the way kube-apiserver does it for custom resources.

Order, as in the real server: unknown fields (fieldValidation Strict -> 400,
Warn -> pruned + Warning header, Ignore -> pruned), schema defaults, schema
validation with ../shared/tools/crdcheck.py (-> 422 Invalid with causes), and
a small subset of the CEL rules (x-kubernetes-validations) the CNPG CRDs use:
`self == oldSelf` (immutability), `!has(self.x)` and
`!(has(self.a) && has(self.b))`.  Other CEL rules are not evaluated.
"""

import base64
import copy
import importlib.util
import re

from apierrors import ApiError, invalid

_REASONS = [("Required value", "FieldValueRequired"),
            ("Unsupported value", "FieldValueNotSupported"),
            ("Too long", "FieldValueTooLong"),
            ("Too many", "FieldValueTooMany"),
            ("Duplicate value", "FieldValueDuplicate")]


def _k8s_message(field, msg):
    """Reword a crdcheck message the way kube-apiserver words the same error."""
    def q(v):
        return v.replace("'", '"')
    m = re.match(r"^Invalid value (.+?): (.*)$", msg)
    if m:
        return "Invalid value: %s: %s in body %s" % (q(m.group(1)), field, m.group(2))
    m = re.match(r"^Unsupported value (.+?): supported values: (.*)$", msg)
    if m:
        return "Unsupported value: %s: supported values: %s" % (q(m.group(1)), q(m.group(2)))
    m = re.match(r"^must be of type (\S+), got (\w+)", msg)
    if m:
        return 'Invalid value: "%s": %s in body must be of type %s: "%s"' % (
            m.group(2), field, m.group(1), m.group(2))
    return msg


def load_crdcheck(path):
    spec = importlib.util.spec_from_file_location("crdcheck", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _join(path, key):
    return "%s.%s" % (path, key) if path else str(key)


class Validator:
    def __init__(self, crdcheck_path):
        self.cc = load_crdcheck(crdcheck_path)

    # -- unknown fields --------------------------------------------------
    def _prune(self, v, s, path, found):
        """Remove fields the structural schema does not know; record their paths."""
        if not isinstance(s, dict):
            return
        if isinstance(v, dict):
            props = s.get("properties") or {}
            addl = s.get("additionalProperties")
            for key in list(v):
                if key in props:
                    self._prune(v[key], props[key], _join(path, key), found)
                elif isinstance(addl, dict):
                    self._prune(v[key], addl, _join(path, key), found)
                elif addl not in (None, False) or s.get("x-kubernetes-preserve-unknown-fields"):
                    continue
                elif s.get("x-kubernetes-embedded-resource") and \
                        key in ("apiVersion", "kind", "metadata"):
                    continue
                else:
                    found.append(_join(path, key))
                    del v[key]
        elif isinstance(v, list) and isinstance(s.get("items"), dict):
            for i, x in enumerate(v):
                self._prune(x, s["items"], "%s[%d]" % (path, i), found)

    def _unknown(self, obj, schema):
        found = []
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            for k in list(meta):
                if k not in self.cc.OBJECT_META_FIELDS:
                    found.append("metadata." + k)
                    del meta[k]
        if schema is not None:
            props = schema.get("properties") or {}
            for key in list(obj):
                if key in ("apiVersion", "kind", "metadata"):
                    continue
                if key in props:
                    self._prune(obj[key], props[key], key, found)
                elif not schema.get("x-kubernetes-preserve-unknown-fields"):
                    found.append(key)
                    del obj[key]
        return found

    # -- defaults --------------------------------------------------------
    def _default(self, v, s):
        if not isinstance(s, dict):
            return
        if isinstance(v, dict):
            props = s.get("properties") or {}
            for key, sub in props.items():
                if key not in v and "default" in sub:
                    v[key] = copy.deepcopy(sub["default"])
                elif v.get(key) is None and key in v and "default" in sub \
                        and not sub.get("nullable"):
                    v[key] = copy.deepcopy(sub["default"])
            for key, val in v.items():
                sub = props.get(key)
                if sub is None and isinstance(s.get("additionalProperties"), dict):
                    sub = s["additionalProperties"]
                self._default(val, sub)
        elif isinstance(v, list) and isinstance(s.get("items"), dict):
            for x in v:
                self._default(x, s["items"])

    # -- CEL subset ------------------------------------------------------
    def _cel(self, new, old, s, path, errs):
        if not isinstance(s, dict):
            return
        for rule in s.get("x-kubernetes-validations") or []:
            expr = re.sub(r"\s+", "", rule.get("rule", ""))
            msg = rule.get("message") or "failed rule: %s" % rule.get("rule")
            bad = False
            if expr in ("self==oldSelf", "oldSelf==self"):
                bad = old is not _MISSING and new != old
            elif isinstance(new, dict):
                m = re.fullmatch(r"!has\(self\.(\w+)\)", expr)
                m2 = re.fullmatch(r"!\(has\(self\.(\w+)\)&&has\(self\.(\w+)\)\)", expr)
                if m:
                    bad = m.group(1) in new
                elif m2:
                    bad = m2.group(1) in new and m2.group(2) in new
            if bad:
                shown = '"object"' if isinstance(new, dict) else \
                    ('"array"' if isinstance(new, list) else repr(new).replace("'", '"'))
                errs.append((path, "Invalid value: %s: %s" % (shown, msg), "FieldValueInvalid"))
        if isinstance(new, dict):
            props = s.get("properties") or {}
            for key, val in new.items():
                if key in props:
                    o = old.get(key, _MISSING) if isinstance(old, dict) else _MISSING
                    self._cel(val, o, props[key], _join(path, key), errs)

    # -- entry point -----------------------------------------------------
    def admit(self, res, obj, old=None, field_validation="Strict"):
        """Return (admitted object, warnings) or raise ApiError (400/422)."""
        obj = copy.deepcopy(obj)
        name = (obj.get("metadata") or {}).get("name") or ""
        warnings = []
        unknown = self._unknown(obj, res.schema if res.crd else None)
        if unknown and field_validation == "Strict":
            raise ApiError(400, "BadRequest",
                           '%s in version "%s" cannot be handled as a %s: strict decoding '
                           "error: %s" % (res.kind, res.version, res.kind, ", ".join(
                               'unknown field "%s"' % u for u in unknown)))
        if field_validation != "Ignore":
            warnings = ['unknown field "%s"' % u for u in unknown]
        if res.kind == "Secret" and not obj.get("type"):
            obj["type"] = "Opaque"
        if res.kind == "Secret" and isinstance(obj.get("stringData"), dict):
            data = obj.setdefault("data", {}) or {}
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
        errs = []
        if res.crd:
            self._default(obj, res.schema)
            w = self.cc.Walker()
            w.check_resource(obj, res.schema)
            for e in w.errors:
                field, _, msg = e.partition(": ")
                msg = _k8s_message(field, msg)
                reason = next((r for p, r in _REASONS if msg.startswith(p)),
                              "FieldValueInvalid")
                errs.append(("" if field == "<root>" else field, msg, reason))
            self._cel(obj, old if old is not None else _MISSING, res.schema, "", errs)
        else:
            w = self.cc.Walker()
            w.check_meta(obj.get("metadata"), {}, "metadata")
            errs = [(e.partition(": ")[0], e.partition(": ")[2], "FieldValueInvalid")
                    for e in w.errors]
        if errs:
            raise invalid(res, name, errs)
        return obj, warnings


_MISSING = object()
