"""Authentication (client certificates, bearer tokens) and deny rules."""

import json
import threading
import time

import yaml

from apierrors import forbidden


class User:
    def __init__(self, name, groups):
        self.name = name
        self.groups = list(groups) + ["system:authenticated"]

    @property
    def is_admin(self):
        return "system:masters" in self.groups


class Auth:
    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}          # token -> (user, groups, expires_at or None)
        self.rules = []           # [{user, verb, resource, namespace?}]

    def add_token(self, token, user, groups=(), expires_in=None):
        with self.lock:
            self.tokens[token] = (user, list(groups),
                                  time.time() + expires_in if expires_in is not None else None)

    def authenticate(self, peercert, authorization):
        """Return a User, or None (-> 401).  A verified client cert wins, as in the
        real server's union authenticator; then a bearer token."""
        if peercert:
            cn, orgs = None, []
            for rdn in peercert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
                    elif k == "organizationName":
                        orgs.append(v)
            if cn:
                return User(cn, orgs)
        if authorization and authorization[:7].lower() == "bearer ":
            with self.lock:
                entry = self.tokens.get(authorization[7:].strip())
            if entry and (entry[2] is None or time.time() < entry[2]):
                return User(entry[0], entry[1])
        return None

    # -- deny rules --------------------------------------------------------
    @staticmethod
    def load_rules(path):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            rules = json.loads(text)
        except ValueError:
            rules = yaml.safe_load(text)
        return Auth.check_rules(rules)

    @staticmethod
    def check_rules(rules):
        if rules is None:
            return []
        if isinstance(rules, dict) and "rules" in rules:
            rules = rules["rules"]
        if not isinstance(rules, list) or not all(
                isinstance(r, dict) and {"user", "verb", "resource"} <= set(r)
                and set(r) <= {"user", "verb", "resource", "namespace"} for r in rules):
            raise ValueError("rules must be a list of {user, verb, resource, namespace?}")
        return rules

    def set_rules(self, rules):
        with self.lock:
            self.rules = self.check_rules(rules)

    def authorize(self, user, verb, res, subresource, namespace, name):
        """Raise 403 Forbidden when a deny rule matches."""
        resname = res.plural + ("/" + subresource if subresource else "")
        with self.lock:
            rules = list(self.rules)
        for r in rules:
            if r["user"] not in ("*", user.name):
                continue
            if r["verb"] not in ("*", verb):
                continue
            if r["resource"] not in ("*", res.plural, resname,
                                     res.plural + "." + res.group if res.group else res.plural):
                continue
            if r.get("namespace") not in (None, "*", namespace or ""):
                continue
            raise forbidden(resname, res.group, verb, user.name, namespace, name)
