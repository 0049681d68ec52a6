#!/usr/bin/env python3
"""Helpers for make-catalog.sh (run under the default python3, with boto3).

  scenario.py mkbucket ENDPOINT BUCKET
      create BUCKET on the S3 endpoint (credentials from the environment)
  scenario.py write DIR
      read DIR/catalog.env (shell KEY=VALUE lines), DIR/rows.tsv (id, batch,
      commit time) and DIR/backups.tsv (after-batch per backup, in order),
      list the backups in the store and write DIR/rows.json and
      DIR/scenario.json (formats in README.md)
"""
import datetime
import json
import os
import sys

import boto3


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    )


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                env[k] = v
    return env


def rfc3339(barman_time):
    """'2026-11-24 23:27:21.942828+00:00' -> '2026-11-24T23:27:21.942828Z'."""
    if not barman_time or barman_time == "None":
        return None
    t = datetime.datetime.fromisoformat(barman_time)
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_info(text):
    info = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            info[k.strip()] = v.strip()
    return info


def list_keys(s3, bucket, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


def write(d):
    env = read_env(os.path.join(d, "catalog.env"))
    s3 = client(env["ENDPOINT"])
    bucket, prefix, server = env["BUCKET"], env["PREFIX"], env["SERVER"]
    base = "%s/%s/base/" % (prefix, server) if prefix else "%s/base/" % server

    rows = []
    with open(os.path.join(d, "rows.tsv")) as f:
        for line in f:
            rid, batch, ctime = line.rstrip("\n").split("\t")
            rows.append({"id": int(rid), "batch": int(batch), "commit_time": ctime})
    with open(os.path.join(d, "rows.json"), "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")

    batches = {}
    for r in rows:
        b = batches.setdefault(
            r["batch"],
            {"batch": r["batch"], "rows": 0, "first_id": r["id"], "last_id": r["id"],
             "commit_time": r["commit_time"]},
        )
        b["rows"] += 1
        b["first_id"] = min(b["first_id"], r["id"])
        b["last_id"] = max(b["last_id"], r["id"])

    after = []
    with open(os.path.join(d, "backups.tsv")) as f:
        after = [int(line.split("\t")[0]) for line in f if line.strip()]

    ids = sorted({k[len(base):].split("/")[0] for k in list_keys(s3, bucket, base)
                  if k.endswith("/backup.info")})
    backups = []
    for i, bid in enumerate(ids):
        body = s3.get_object(Bucket=bucket, Key=base + bid + "/backup.info")["Body"].read()
        info = parse_info(body.decode())
        backups.append({
            "id": bid,
            "after_batch": after[i] if i < len(after) else None,
            "status": info.get("status"),
            "begin_time": info.get("begin_time"),
            "end_time": info.get("end_time"),
            "begin_time_rfc3339": rfc3339(info.get("begin_time")),
            "end_time_rfc3339": rfc3339(info.get("end_time")),
            "begin_wal": info.get("begin_wal"),
            "end_wal": info.get("end_wal"),
            "begin_xlog": info.get("begin_xlog"),
            "end_xlog": info.get("end_xlog"),
            "timeline": int(info["timeline"]) if info.get("timeline", "None") != "None" else None,
        })

    scenario = {
        "endpoint": env["ENDPOINT"],
        "bucket": bucket,
        "prefix": prefix,
        "destination_path": env["DEST"],
        "server_name": server,
        "region": env["AWS_DEFAULT_REGION"],
        "access_key_id": env["AWS_ACCESS_KEY_ID"],
        "secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "compression": env["COMPRESSION"],
        "wal_segsize_mb": int(env["WAL_SEGSIZE"]),
        "pg_dir": os.path.join(d, "pg"),
        "running": env.get("RUNNING") == "1",
        "backups": backups,
        "batches": [batches[k] for k in sorted(batches)],
        "last_archived_wal": env.get("LAST_ARCHIVED_WAL"),
    }
    with open(os.path.join(d, "scenario.json"), "w") as f:
        json.dump(scenario, f, indent=2)
        f.write("\n")


def main(argv):
    if len(argv) == 4 and argv[1] == "mkbucket":
        client(argv[2]).create_bucket(Bucket=argv[3])
    elif len(argv) == 3 and argv[1] == "write":
        write(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
