#!/usr/bin/env python3
"""Expected S3 SigV4 results from botocore, for tests/unit/test_s3.c.

Signs a table of requests with botocore.auth.S3SigV4Auth at a fixed time
and prints JSON: for each request its raw inputs (method, host, path,
query pairs, extra headers, body, session token) and botocore's canonical
request, string to sign and Authorization header.  The output is committed
as tests/fixtures/s3/sigv4_botocore.json; tests/cli/t210-s3-sigv4-fixture.sh
regenerates it and compares, so the fixture cannot go stale.

Usage: sigv4_vectors.py > tests/fixtures/s3/sigv4_botocore.json
"""
import datetime
import hashlib
import json
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
WHEN = datetime.datetime(2013, 5, 24, 0, 0, 0)

CASES = [
    dict(name="get-object-range", method="GET",
         host="examplebucket.s3.amazonaws.com", path="/test.txt",
         headers=[["Range", "bytes=0-9"]]),
    dict(name="list-prefix-slash", method="GET", host="127.0.0.1:9000",
         path="/bucket",
         query=[["list-type", "2"], ["prefix", "pg/cluster-1/base/"],
                ["delimiter", "/"], ["max-keys", "1000"]]),
    dict(name="list-spaces-plus-equals-percent", method="GET",
         host="s3.eu-west-1.amazonaws.com", path="/bucket",
         region="eu-west-1",
         query=[["list-type", "2"], ["prefix", "a b+c=d%e&f"],
                ["start-after", "x/y z"]]),
    dict(name="list-unicode", method="GET",
         host="bucket.s3.amazonaws.com", path="/",
         query=[["list-type", "2"], ["prefix", "données/é"],
                ["clé", "välue"]]),
    dict(name="list-continuation-token", method="GET",
         host="bucket.s3.amazonaws.com", path="/",
         query=[["list-type", "2"],
                ["continuation-token",
                 "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="],
                ["prefix", "wals/"]]),
    dict(name="get-key-special-chars", method="GET",
         host="127.0.0.1:9000",
         path="/bucket/dir one/a+b=c&d~e%f(g)*h'é.txt"),
    dict(name="session-token", method="HEAD",
         host="bucket.s3.us-west-2.amazonaws.com",
         path="/pg/base/20240101T000000/backup.info", region="us-west-2",
         token="FQoGZXIvYXdzEJr//////////wEaDOq+token/with+plus=="),
    dict(name="put-small-body", method="PUT", host="127.0.0.1:9000",
         path="/bucket/archive-test/probe", body="hello, world\n",
         headers=[["Content-Type", "application/octet-stream"]]),
    dict(name="delete-object", method="DELETE", host="127.0.0.1:9000",
         path="/bucket/archive-test/probe"),
    dict(name="empty-query-value-repeated-keys", method="GET",
         host="bucket.s3.amazonaws.com", path="/",
         query=[["lifecycle", ""], ["b", "2"], ["b", "1"]]),
]


def sign(case):
    region = case.get("region", "us-east-1")
    token = case.get("token")
    body = case.get("body", "").encode("utf-8")
    url = "http://%s%s" % (case["host"], quote(case["path"], safe="/~"))
    req = AWSRequest(method=case["method"], url=url,
                     headers=dict(case.get("headers", [])),
                     data=body or None,
                     params=[tuple(p) for p in case.get("query", [])])
    # Sign the real body hash, as our client does (not UNSIGNED-PAYLOAD).
    req.context["client_config"] = None
    auth = botocore.auth.S3SigV4Auth(Credentials(AK, SK, token), "s3",
                                     region)
    seen = {}
    orig_cr, orig_sts = auth.canonical_request, auth.string_to_sign

    def canonical_request(r):
        seen["cr"] = orig_cr(r)
        return seen["cr"]

    def string_to_sign(r, cr):
        seen["sts"] = orig_sts(r, cr)
        return seen["sts"]

    # Record what botocore signs (not recomputed afterwards).
    auth.canonical_request = canonical_request
    auth.string_to_sign = string_to_sign
    with mock.patch("botocore.auth.get_current_datetime",
                    return_value=WHEN):
        auth.add_auth(req)
    authorization = req.headers["Authorization"]
    cr, sts = seen["cr"], seen["sts"]
    out = dict(case)
    out.setdefault("query", [])
    out.setdefault("headers", [])
    out.setdefault("region", region)
    out["token"] = token
    out["body"] = case.get("body", "")
    out["amz_date"] = "20130524T000000Z"
    out["payload_hash"] = hashlib.sha256(body).hexdigest()
    out["canonical_request"] = cr
    out["string_to_sign"] = sts
    out["authorization"] = authorization
    return out


def main():
    json.dump({"access_key": AK, "secret_key": SK,
               "cases": [sign(c) for c in CASES]},
              sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
