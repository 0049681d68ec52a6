#!/usr/bin/env python3
"""A canned S3 for tests/cli/t221-s3-retries.sh: retries, region retry,
clock skew, size cap.  Path-style buckets choose the behaviour:

  /slow/...      two 503 SlowDown answers, then an empty listing
  /internal/...  always 500 InternalError
  /euw/...        AuthorizationHeaderMalformed (Region eu-west-1) unless the
                 request is signed for eu-west-1, then an empty listing
  /skew/...      403 SignatureDoesNotMatch with a Date one hour behind
  /big/KEY       a 2 MiB body
  /stall/...     a listing that stops after 40 bytes of its body (the
                 Content-Length announces all of it) for 20 s

Usage: fake_s3.py PORTFILE [CERT KEY]   (TLS with CERT and KEY; listens on 127.0.0.1, ephemeral port, writes
the port to PORTFILE; logs "METHOD PATH" per request on stdout)
"""
import email.utils
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNT = {}
EMPTY = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult '
         b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>'
         b'<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>'
         b'</ListBucketResult>')


def error(code, message, extra=""):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
            "</Code><Message>%s</Message>%s<RequestId>REQ123</RequestId>"
            "</Error>" % (code, message, extra)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        bucket = self.path.split("/")[1].split("?")[0]
        COUNT[bucket] = COUNT.get(bucket, 0) + 1
        print(self.command, self.path, flush=True)
        if bucket == "slow":
            if COUNT[bucket] <= 2:
                return self.answer(503, error("SlowDown", "Reduce your rate"))
            return self.answer(200, EMPTY)
        if bucket == "internal":
            return self.answer(500, error("InternalError", "We encountered an internal error"))
        if bucket == "euw":
            if "/eu-west-1/s3/" not in self.headers.get("Authorization", ""):
                return self.answer(400, error(
                    "AuthorizationHeaderMalformed",
                    "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
                    "<Region>eu-west-1</Region>"))
            return self.answer(200, EMPTY)
        if bucket == "big":
            return self.answer(200, b"x" * (2 << 20))
        if bucket == "stall":
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(EMPTY)))
            self.end_headers()
            self.wfile.write(EMPTY[:40])
            self.wfile.flush()
            time.sleep(20)
            self.close_connection = True
            return None
        return self.answer(404, error("NoSuchBucket", "no such bucket"))

    do_HEAD = do_GET

    # The Date header: an hour behind for the skew bucket.
    def date_time_string(self, timestamp=None):
        bucket = self.path.split("/")[1].split("?")[0]
        if bucket == "skew":
            return email.utils.formatdate(time.time() - 3600, usegmt=True)
        return super().date_time_string(timestamp)


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    orig = Handler.do_GET

    def do_get(self):
        bucket = self.path.split("/")[1].split("?")[0]
        if bucket == "skew":
            print(self.command, self.path, flush=True)
            return self.answer(403, error(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match"))
        return orig(self)
    Handler.do_GET = do_get
    Handler.do_HEAD = do_get
    if len(sys.argv) > 3:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
