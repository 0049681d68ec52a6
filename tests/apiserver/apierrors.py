"""Kubernetes `Status` errors as the real API server writes them."""


class ApiError(Exception):
    """An error answered with a metav1.Status body."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        return status_body(self.code, self.reason, self.message, self.details)


def status_body(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason}
    if details:
        body["details"] = details
    body["code"] = code
    return body


def qualified(res):
    """`clusters.postgresql.cnpg.io`, or `secrets` for the core group."""
    return res.plural + ("." + res.group if res.group else "")


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(res), name),
                    {"name": name, "group": res.group, "kind": res.plural})


def already_exists(res, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(res), name),
                    {"name": name, "group": res.group, "kind": res.plural})


def conflict(res, name):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                    "please apply your changes to the latest version and try again"
                    % (qualified(res), name),
                    {"name": name, "group": res.group, "kind": res.plural})


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid(res, name, causes):
    """422 Invalid; causes are (field, message, reason) tuples."""
    texts = ["%s: %s" % (f, m) if f else m for f, m, _ in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    gk = res.kind + ("." + res.group if res.group else "")
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (gk, name, joined),
                    {"name": name, "group": res.group, "kind": res.kind,
                     "causes": [{"reason": r, "message": m, "field": f}
                                for f, m, r in causes]})


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(res_name, group, verb, user, namespace, name=None):
    """403 in the RBAC authorizer's words; res_name may be "backups/status"."""
    subject = res_name.split("/")[0] + ("." + group if group else "")
    if name:
        subject += ' "%s"' % name
    where = ('in the namespace "%s"' % namespace) if namespace else "at the cluster scope"
    msg = ('%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s" %s'
           % (subject, user, verb, res_name, group, where))
    details = {"group": group, "kind": res_name.split("/")[0]}
    if name:
        details = {"name": name} | details
    return ApiError(403, "Forbidden", msg, details)
