#!/usr/bin/env python3
"""Set up moto for tests/cli/t220-s3-moto.sh.

  moto_setup.py ENDPOINT fill BUCKET N    create BUCKET and upload N keys
                                          (plus a few with special names);
                                          print every key, as boto3's
                                          paginated listing returns them
  moto_setup.py ENDPOINT iam BUCKET       create BUCKET, user 'reader' (full
                                          s3 access) and user 'nolist'
                                          (s3:GetObject only); print
                                          "NAME ACCESS_KEY SECRET" lines.
                                          Makes exactly 7 requests: start
                                          moto with INITIAL_NO_AUTH_ACTION_
                                          COUNT=7.
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

CFG = Config(retries={"max_attempts": 1}, max_pool_connections=16)


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=CFG)


def fill(endpoint, bucket, n):
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    keys = ["pg/c1/wals/%016X/%024X.gz" % (i // 256, i) for i in range(n)]
    keys += ["pg/c1/odd & key é+=%.txt", "pg/c1/x y/z", "pg/c1/base/a~b"]
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda k: s3.put_object(Bucket=bucket, Key=k,
                                            Body=k.encode()), keys))
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                         Prefix="pg/")
    for page in pages:
        for o in page.get("Contents", []):
            print(o["Key"])


def iam(endpoint, bucket):
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    im = client(endpoint, "iam")
    policies = {
        "reader": ["s3:*"],
        "nolist": ["s3:GetObject"],
    }
    for name, actions in policies.items():
        im.create_user(UserName=name)
        key = im.create_access_key(UserName=name)["AccessKey"]
        im.put_user_policy(UserName=name, PolicyName="p",
                           PolicyDocument=json.dumps({
                               "Version": "2012-10-17",
                               "Statement": [{"Effect": "Allow",
                                              "Action": actions,
                                              "Resource": "*"}]}))
        print(name, key["AccessKeyId"], key["SecretAccessKey"])


if __name__ == "__main__":
    if sys.argv[2] == "fill":
        fill(sys.argv[1], sys.argv[3], int(sys.argv[4]))
    else:
        iam(sys.argv[1], sys.argv[3])
