#!/usr/bin/env python3
"""A fast S3-compatible listing server for `make bench` (not a test).

Serves one synthetic barman-cloud catalog from memory: keys in a sorted list,
ListObjectsV2 (and v1) with prefix, delimiter, continuation-token,
start-after/marker and max-keys; GET and HEAD of every key (backup.info and
.history objects have real bodies; a WAL segment is 16 MiB of 0xFF, which
no decoder reads as WAL).  Segment i was archived at minute i after
2026-01-01T00:00:00Z (its LastModified is 59 s into that minute); backups
begin at the minute of their begin segment.  No signature check.  Listens
on 127.0.0.1, on an ephemeral port, a process per connection.

  GET /_bench/count    "REQUESTS LISTED": the S3 requests and the entries
                       (keys and common prefixes) returned by listings since
                       the last call; resets both (not counted itself)
  GET /_bench/lists    the listing requests alone since its last call

Usage: bench_s3.py BUCKET PREFIX WALS BACKUPS [MISSING,...]   (prints the port on stdout
once the catalog is built)
"""
import bisect
import ctypes
import datetime
import multiprocessing
import os
import signal
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

SEG_PER_LOG = 256  # 16 MiB segments
# Counters shared by the processes that serve connections (one each):
# requests, listed entries, listings.
COUNT, LISTED, LISTS = 0, 1, 2
STATE = multiprocessing.Array("q", 3, lock=True)
LOCK = STATE.get_lock()


def take(i):
    """Counter i, reset to 0 (hold LOCK)."""
    n = STATE[i]
    STATE[i] = 0
    return n
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
SEG_BYTES = 16 << 20
WAL_BODY = b"\xff" * SEG_BYTES


def seg_index(key):
    """The segment number of a WAL segment's key, or None."""
    name = key.rsplit("/", 1)[-1]
    if "/wals/" not in key or len(name) != 24:
        return None
    return int(name[8:16], 16) * SEG_PER_LOG + int(name[16:], 16)


def mtime(key):
    idx = seg_index(key)
    if idx is None:
        return T0
    return T0 + datetime.timedelta(seconds=idx * 60 + 59)


def wal_name(tli, idx):
    return "%08X%08X%08X" % (tli, idx // SEG_PER_LOG, idx % SEG_PER_LOG)


def lsn(idx, off=0x28):
    return "%X/%X" % (idx // SEG_PER_LOG, (idx % SEG_PER_LOG) << 24 | off)


def backup_info(bid, tli, begin, end, t):
    fmt = "%Y-%m-%d %H:%M:%S.%f+00:00"
    return ("backup_label=None\nbackup_name=None\nbegin_offset=40\n"
            "begin_time=%s\nbegin_wal=%s\nbegin_xlog=%s\n"
            "compression=None\nend_offset=312\nend_time=%s\nend_wal=%s\n"
            "end_xlog=%s\nerror=None\nmode=None\npgdata=/pgdata\n"
            "server_name=bench\nsize=None\nstatus=DONE\n"
            "systemid=7441302311487612345\ntimeline=%d\nversion=160004\n"
            "xlog_segment_size=16777216\n" %
            (t.strftime(fmt), wal_name(tli, begin), lsn(begin),
             (t + datetime.timedelta(seconds=30)).strftime(fmt),
             wal_name(tli, end), lsn(end, 0x138), tli)).encode()


def build(prefix, nwals, nbackups, missing=()):
    """Timeline 1 for the first 90% of the segments, timeline 2 after;
    the segment indexes in missing are left out."""
    switch = nwals * 9 // 10
    keys, bodies = [], {}
    for idx in range(nwals):
        if idx in missing:
            continue
        tli = 1 if idx < switch else 2
        name = wal_name(tli, idx)
        keys.append("%swals/%s/%s" % (prefix, name[:16], name))
    hist = "%swals/00000002.history" % prefix
    keys.append(hist)
    bodies[hist] = ("1\t%s\tno recovery target specified\n" %
                    lsn(switch, 0)).encode()
    span = max(1, nwals // nbackups)
    for i in range(nbackups):
        begin = i * span
        end = min(begin + 1, nwals - 1)
        tli = 1 if end < switch else 2
        if begin < switch <= end:
            begin = end = switch
            tli = 2
        t = T0 + datetime.timedelta(seconds=begin * 60)
        bid = t.strftime("%Y%m%dT%H%M%S")
        k = "%sbase/%s/backup.info" % (prefix, bid)
        keys.append(k)
        keys.append("%sbase/%s/data.tar" % (prefix, bid))
        bodies[k] = backup_info(bid, tli, begin, end, t)
    keys.sort()
    return keys, bodies


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body, ctype="application/xml", head=False):
        # One write per response: headers and body apart would meet Nagle
        # and delayed ACKs (40 ms per request on loopback).
        msg = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d"
               "\r\nETag: \"d41d8cd98f00b204e9800998ecf8427e\"\r\n"
               "Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
               "x-amz-request-id: BENCH\r\n\r\n" %
               (code, "OK" if code == 200 else "Error", ctype, len(body)))
        self.wfile.write(msg.encode() + (b"" if head else body))

    def split(self):
        u = urlsplit(self.path)
        path = unquote(u.path).lstrip("/")
        bucket, _, key = path.partition("/")
        q = {k: v[0] for k, v in parse_qs(u.query,
                                           keep_blank_values=True).items()}
        return bucket, key, q

    def do_GET(self):
        self.handle_req(False)

    def do_HEAD(self):
        self.handle_req(True)

    def handle_req(self, head):
        if self.path == "/_bench/count":
            with LOCK:
                n, k = take(COUNT), take(LISTED)
            return self.send(200, b"%d %d\n" % (n, k), "text/plain")
        if self.path == "/_bench/lists":
            with LOCK:
                n = take(LISTS)
            return self.send(200, b"%d\n" % n, "text/plain")
        with LOCK:
            STATE[COUNT] += 1
        bucket, key, q = self.split()
        srv = self.server
        if bucket != srv.bucket:
            return self.send(404, b"<Error><Code>NoSuchBucket</Code>"
                             b"<Message>no such bucket</Message></Error>",
                             head=head)
        if not key:
            if head or "location" in q:
                return self.send(200, b"<LocationConstraint/>", head=head)
            return self.send(200, self.listing(q))
        i = bisect.bisect_left(srv.keys, key)
        if i == len(srv.keys) or srv.keys[i] != key:
            return self.send(404, b"<Error><Code>NoSuchKey</Code>"
                             b"<Message>no such key</Message></Error>",
                             head=head)
        body = WAL_BODY if seg_index(key) is not None else \
            srv.bodies.get(key, b"")
        self.send(200, body, "application/octet-stream", head)

    def listing(self, q):
        keys = self.server.keys
        v2 = q.get("list-type") == "2"
        prefix = q.get("prefix", "")
        delim = q.get("delimiter", "")
        maxk = min(int(q.get("max-keys", "1000")), 1000)
        after = q.get("start-after" if v2 else "marker", "")
        tok = q.get("continuation-token")
        if tok:
            after = bytes.fromhex(tok).decode()
        i = bisect.bisect_right(keys, after) if after else 0
        i = max(i, bisect.bisect_left(keys, prefix))
        out, n, last = [], 0, None
        truncated = False
        while i < len(keys):
            k = keys[i]
            if not k.startswith(prefix):
                break
            if n == maxk:
                truncated = True
                break
            cut = k.find(delim, len(prefix)) if delim else -1
            if cut >= 0:
                cp = k[:cut + len(delim)]
                out.append("<CommonPrefixes><Prefix>%s</Prefix>"
                           "</CommonPrefixes>" % escape(cp))
                last = cp
                i = bisect.bisect_left(keys, cp[:-1] + chr(ord(cp[-1]) + 1))
            else:
                size = SEG_BYTES if seg_index(k) is not None else \
                    len(self.server.bodies.get(k, b""))
                out.append("<Contents><Key>%s</Key><LastModified>"
                           "%s</LastModified><ETag>"
                           "\"d41d8cd98f00b204e9800998ecf8427e\"</ETag>"
                           "<Size>%d</Size><StorageClass>STANDARD"
                           "</StorageClass></Contents>" %
                           (escape(k),
                            mtime(k).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                            size))
                last = k
                i += 1
            n += 1
        with LOCK:
            STATE[LISTED] += n
            STATE[LISTS] += 1
        more = ""
        if truncated:
            if v2:
                more = ("<NextContinuationToken>%s</NextContinuationToken>" %
                        last.encode().hex())
            else:
                more = "<NextMarker>%s</NextMarker>" % escape(last)
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/"
                "2006-03-01/\"><Name>%s</Name><Prefix>%s</Prefix>"
                "<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>"
                "<IsTruncated>%s</IsTruncated>%s%s</ListBucketResult>" %
                (self.server.bucket, escape(prefix), n, maxk,
                 "true" if truncated else "false", more,
                 "".join(out))).encode()


class Server(socketserver.ForkingMixIn, HTTPServer):
    """A process per connection (forked after the catalog is built, so it
    is shared), so that parallel clients use every core, not one GIL."""
    max_children = 64
    # parallel clients connect at once: a short listen queue drops their
    # SYNs, and each dropped one costs its client a 1 s retransmit
    request_queue_size = 128

    def finish_request(self, request, client_address):
        # in the child: die with the server, which tests stop by its PID
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != self.pid:
            os._exit(0)  # the server went before the prctl
        super().finish_request(request, client_address)


def main():
    bucket, prefix, nwals, nbackups = sys.argv[1:5]
    missing = {int(i) for i in sys.argv[5].split(",")} \
        if len(sys.argv) > 5 else set()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.pid = os.getpid()
    srv.bucket = bucket
    srv.keys, srv.bodies = build(prefix, int(nwals), int(nbackups),
                                 missing)
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
