#!/usr/bin/env python3
"""Fill krew-manifest.yaml from its template and the release archives.

usage: mkkrew.py VERSION BASE_URL TEMPLATE ARCHIVE... > krew-manifest.yaml

Each archive is named kubectl-cnpgops_<version>_<os>_<arch>.tar.gz; its
platform entry gets the download URI BASE_URL/v<version>/<archive> and the
archive's sha256.
"""
import hashlib
import os
import re
import sys


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    version, base, template = argv[1], argv[2].rstrip("/"), argv[3]
    entries = []
    for path in argv[4:]:
        name = os.path.basename(path)
        m = re.fullmatch(r"kubectl-cnpgops_(.+)_([a-z0-9]+)_([a-z0-9]+)\.tar\.gz", name)
        if not m or m.group(1) != version:
            sys.exit("mkkrew: unexpected archive name %s" % name)
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        entries.append(
            "  - selector:\n"
            "      matchLabels:\n"
            "        os: %s\n"
            "        arch: %s\n"
            "    uri: %s/v%s/%s\n"
            "    sha256: %s\n"
            "    bin: kubectl-cnpgops\n"
            "    files:\n"
            "    - from: kubectl-cnpgops\n"
            "      to: .\n"
            "    - from: LICENSE\n"
            "      to: .\n"
            "    - from: kubectl-cnpgops.1\n"
            "      to: .\n" % (m.group(2), m.group(3), base, version, name, digest))
    with open(template) as f:
        text = f.read()
    text = text.replace("@VERSION@", version).replace("@PLATFORMS@\n", "".join(entries))
    sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)
