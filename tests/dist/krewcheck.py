#!/usr/bin/env python3
"""Check a krew Plugin manifest the way krew validates and installs one.

usage: krewcheck.py MANIFEST ARCHIVE_DIR

Structure (krew's validation): apiVersion/kind, metadata.name a valid plugin
name, spec.version a semantic version with a leading v, shortDescription,
platforms with os/arch selectors, uri, a 64-hex sha256 and bin.  Install
(krew's steps, offline): for each platform whose archive is in ARCHIVE_DIR
(named as the uri's last segment), the sha256 must match; the files rules
are applied to the unpacked archive and bin must then exist and be
executable.
"""
import hashlib
import os
import re
import shutil
import sys
import tarfile
import tempfile
import fnmatch

import yaml


def fail(msg):
    print("krewcheck: " + msg)
    sys.exit(1)


def check(manifest, archive_dir):
    with open(manifest) as f:
        doc = yaml.safe_load(f)
    if doc.get("apiVersion") != "krew.googlecontainertools.github.com/v1alpha2":
        fail("apiVersion must be krew.googlecontainertools.github.com/v1alpha2")
    if doc.get("kind") != "Plugin":
        fail("kind must be Plugin")
    name = (doc.get("metadata") or {}).get("name", "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or name == "krew":
        fail("invalid plugin name %r" % name)
    spec = doc.get("spec") or {}
    if not re.fullmatch(r"v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", str(spec.get("version", ""))):
        fail("spec.version %r is not a v-prefixed semantic version" % spec.get("version"))
    if not spec.get("shortDescription"):
        fail("spec.shortDescription is required")
    platforms = spec.get("platforms") or []
    if not platforms:
        fail("spec.platforms is empty")
    installed = 0
    for i, p in enumerate(platforms):
        labels = ((p.get("selector") or {}).get("matchLabels")) or {}
        if not labels.get("os") or not labels.get("arch"):
            fail("platform %d: selector needs os and arch" % i)
        for key in ("uri", "sha256", "bin"):
            if not p.get(key):
                fail("platform %d: %s is required" % (i, key))
        if not re.fullmatch(r"[0-9a-f]{64}", p["sha256"]):
            fail("platform %d: sha256 is not 64 lower-case hex digits" % i)
        if not p["uri"].startswith("https://"):
            fail("platform %d: uri must be https" % i)
        archive = os.path.join(archive_dir, p["uri"].rsplit("/", 1)[-1])
        if not os.path.exists(archive):
            continue
        with open(archive, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != p["sha256"]:
                fail("platform %d: sha256 does not match %s" % (i, archive))
        work = tempfile.mkdtemp()
        try:
            src, dst = os.path.join(work, "src"), os.path.join(work, "dst")
            os.makedirs(dst)
            with tarfile.open(archive) as t:
                for m in t.getmembers():
                    if m.name.startswith("/") or ".." in m.name.split("/"):
                        fail("archive member %r escapes the folder" % m.name)
                t.extractall(src)
            rules = p.get("files") or [{"from": "*", "to": "."}]
            for r in rules:
                matched = [e for e in os.listdir(src) if fnmatch.fnmatch(e, r["from"])]
                if not matched:
                    fail("platform %d: files rule %r matches nothing" % (i, r["from"]))
                for e in matched:
                    shutil.move(os.path.join(src, e), os.path.join(dst, r.get("to", "."), e))
            binpath = os.path.join(dst, p["bin"])
            if not os.path.isfile(binpath) or not os.access(binpath, os.X_OK):
                fail("platform %d: bin %s is missing or not executable after install" % (i, p["bin"]))
            installed += 1
        finally:
            shutil.rmtree(work)
    if installed == 0:
        fail("no platform archive found in %s" % archive_dir)
    print("krewcheck: %s %s ok, %d platform(s) installed" % (name, spec["version"], installed))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    check(sys.argv[1], sys.argv[2])
