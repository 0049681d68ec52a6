#!/usr/bin/env python3
"""Copy every object under an S3 prefix into the fake GCS server
(tests/gcs/fake_gcs.py), keeping names, bytes and LastModified (as the
object's `updated`), so that a catalog barman-cloud wrote into moto's S3
can be read from GCS.

Usage: copy_from_s3.py S3_ENDPOINT BUCKET PREFIX GCS_BASE GCS_BUCKET
(credentials from AWS_* in the environment; prints the number copied)
"""
import sys
import urllib.parse
import urllib.request

import boto3


def main():
    endpoint, bucket, prefix, base, gbucket = sys.argv[1:6]
    s3 = boto3.client("s3", endpoint_url=endpoint)
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            q = urllib.parse.urlencode({
                "bucket": gbucket, "name": o["Key"],
                "updated": o["LastModified"].strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z")})
            req = urllib.request.Request(base + "/_fake/objects?" + q,
                                         data=body, method="POST")
            with urllib.request.urlopen(req) as r:
                r.read()
            n += 1
    print(n)


if __name__ == "__main__":
    main()
