#!/usr/bin/env python3
"""make bench: kubectl-cnpgops catalog versus barman-cloud 3.4 and a boto3
paginated listing, on synthetic catalogs served by bench_s3.py.

For each size (WAL objects, plus 30 backups and one history file), runs each
tool once against the same store and reports the S3 requests it made, the
entries its listings returned, its wall time, its peak RSS (the child's own
ru_maxrss, from wait4) and what it saw.  Writes build/bench/results.md and
prints it.  Not a test: nothing here passes or fails on the numbers.

Usage: run.py BINARY [SIZES...]   (default sizes: 10000 100000 1000000)
BARMAN_PYTHON (default /usr/bin/python3) runs the barman-cloud tools.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BUCKET, SERVER, BACKUPS = "bench", "pg", 30
BARMAN_PY = os.environ.get("BARMAN_PYTHON", "/usr/bin/python3")

BOTO3_LIST = r"""
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
n = 0
for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=sys.argv[2], Prefix=sys.argv[3]):
    n += page.get("KeyCount", 0)
print(n)
"""


def run_measured(argv, env):
    """(exit code, stdout, stderr, wall seconds, peak RSS MiB) of one child;
    the RSS is the child's own, from wait4."""
    with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e:
        t = time.monotonic()
        p = subprocess.Popen(argv, env=env, stdout=o, stderr=e)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        o.seek(0)
        e.seek(0)
        return (p.returncode, o.read().decode(), e.read().decode(), wall,
                ru.ru_maxrss / 1024.0)


def counts(url):
    with urllib.request.urlopen(url + "/_bench/count") as r:
        req, listed = r.read().split()
    return int(req), int(listed)


def bench_size(binary, nwals):
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "bench_s3.py"),
                            BUCKET, "%s/%s/" % (SERVER, SERVER), str(nwals),
                            str(BACKUPS)], stdout=subprocess.PIPE)
    try:
        port = int(srv.stdout.readline())
        url = "http://127.0.0.1:%d" % port
        env = dict(os.environ, AWS_ACCESS_KEY_ID="bench",
                   AWS_SECRET_ACCESS_KEY="bench",
                   AWS_DEFAULT_REGION="us-east-1")
        dest = "s3://%s/%s" % (BUCKET, SERVER)
        rows = []
        counts(url)

        rc, out, err, wall, rss = run_measured(
            [binary, "catalog", "--destination-path", dest, "--server-name",
             SERVER, "--endpoint-url", url, "--no-wal-decode", "-o",
             "json"], env)
        req, listed = counts(url)
        seen = "error: %s" % err.strip()[:80]
        if rc == 0:
            cat = json.loads(out)
            segs = 0
            for tl in cat["timelines"]:
                for r in tl["walRanges"]:
                    segs += (int(r["last"][8:16], 16) * 256 +
                             int(r["last"][16:], 16)) - \
                        (int(r["first"][8:16], 16) * 256 +
                         int(r["first"][16:], 16)) + 1
            seen = "%d backups, %d WAL segments, %d timelines" % (
                len(cat["backups"]), segs, len(cat["timelines"]))
        rows.append(("kubectl-cnpgops catalog", req, listed, wall, rss, seen))

        rc, out, err, wall, rss = run_measured(
            [BARMAN_PY, "/usr/bin/barman-cloud-backup-list",
             "--endpoint-url", url, "--format", "json", dest, SERVER], env)
        req, listed = counts(url)
        if rc == 0:
            seen = "%d backups" % len(json.loads(out)["backups_list"])
        else:
            seen = "exit %d: %s" % (rc, err.strip().splitlines()[-1][:80])
        rows.append(("barman-cloud-backup-list 3.4", req, listed, wall, rss,
                     seen))

        # --timeline above every timeline in the store: the check lists
        # wals/ and passes; the listing is what is measured.
        rc, out, err, wall, rss = run_measured(
            [BARMAN_PY, "/usr/bin/barman-cloud-check-wal-archive",
             "--endpoint-url", url, "--timeline", "3", dest, SERVER], env)
        req, listed = counts(url)
        seen = "exit %d, %d of %d WAL keys listed" % (rc, listed, nwals + 1)
        rows.append(("barman-cloud-check-wal-archive 3.4", req, listed, wall,
                     rss, seen))

        rc, out, err, wall, rss = run_measured(
            [sys.executable, "-c", BOTO3_LIST, url, BUCKET,
             "%s/%s/wals/" % (SERVER, SERVER)], env)
        req, listed = counts(url)
        seen = ("%s WAL keys" % out.strip()) if rc == 0 else \
            "exit %d: %s" % (rc, err.strip()[-80:])
        rows.append(("boto3 paginated list_objects_v2 (wals/)", req, listed,
                     wall, rss, seen))
        return rows
    finally:
        srv.kill()
        srv.wait()


def main():
    binary = os.path.abspath(sys.argv[1])
    sizes = [int(s) for s in sys.argv[2:]] or [10000, 100000, 1000000]
    lines = ["# kubectl-cnpgops bench", "",
             "%s, %s, %d CPUs, Python %s; barman-cloud from %s" % (
                 time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 platform.platform(), os.cpu_count(),
                 platform.python_version(), BARMAN_PY), "",
             "Each store: N WAL objects (90%% on timeline 1, 10%% on "
             "timeline 2), one history file, %d backups (backup.info + "
             "data.tar). Minimum listing requests for wals/: "
             "ceil(objects/1000)." % BACKUPS, ""]
    for n in sizes:
        sys.stderr.write("bench: %d WAL objects...\n" % n)
        rows = bench_size(binary, n)
        lines += ["## %d WAL objects (minimum wals/ pages: %d)" % (
            n, -(-(n + 1) // 1000)), "",
            "| tool | requests | listed entries | wall (s) | peak RSS (MiB) "
            "| saw |", "|---|---:|---:|---:|---:|---|"]
        for name, req, listed, wall, rss, seen in rows:
            lines.append("| %s | %d | %d | %.2f | %.1f | %s |" % (
                name, req, listed, wall, rss, seen))
        lines.append("")
    text = "\n".join(lines)
    os.makedirs("build/bench", exist_ok=True)
    with open("build/bench/results.md", "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
