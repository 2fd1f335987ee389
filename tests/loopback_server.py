#!/usr/bin/env python3
"""loopback_server.py — a small HTTP/1.1 server for the harvester's tests
(stdlib only). Serves a directory the way a publisher would (ETag,
Last-Modified, conditional GET, optional gzip) plus fault routes that
misbehave on purpose. Binds 127.0.0.1 on a free port (port 0; with
--port N, port N when it is free, else a free one) and prints the port on
the first line of stdout; runs until killed.

usage: loopback_server.py --root DIR [--log FILE] [--port N]

Routes (REL is a path relative to --root):
  /REL                           the file: ETag, Last-Modified, 304 on a
                                 matching If-None-Match / If-Modified-Since
  /_gz/REL                       the file gzip-encoded (Content-Encoding)
  /_nocond/REL                   the file without ETag or Last-Modified
  /_fault/status/CODE/N/REL      the first N requests answer CODE, then the
                                 file; ?retry_after=S adds Retry-After: S
  /_fault/truncate/REL           Content-Length of the whole file, half of it
                                 sent, then the connection is closed
  /_fault/badgzip                Content-Encoding: gzip on bytes that are not
  /_fault/loop                   302 to itself, forever
  /_fault/redirect?to=URL        302 to URL (any scheme)
  /_fault/big/BYTES              BYTES bytes; ?chunked=1: chunked, no length
  /_fault/slow/SECS              headers, then SECS seconds of silence, then
                                 the body
  /_fault/reset                  the connection closes without an answer
  /_page/REL?page=N&of=K         the JSON file REL with links.next set to
                                 page N+1 while N < K; &loop=1: to itself;
                                 &at=HOST:PORT: page N+1 on that server
                                 (another origin)
  POST /_ted/DIR/search           TED's Search API (v3 notices/search, as
                                 docs.ted.europa.eu documents it) over the
                                 notice files DIR/YYYY-OJSNNN-NNNNNNNN.xml:
                                 the body's "limit", "iterationNextToken" and
                                 a "publication-date>=YYYYMMDD" in "query";
                                 answers {"notices": [{publication-number,
                                 publication-date, links.xml.MUL}],
                                 "totalNoticeCount", "iterationNextToken"}.
                                 An unknown token answers 500 (as the live
                                 API does for an expired one). Faults:
                                 ?s429=N / ?s500=N the first N searches answer
                                 429 (Retry-After: 1) / 500; ?expire=N the
                                 first N searches with a token answer 500;
                                 ?badtoken=1 every search with a token does;
                                 ?missing=PUBNO that notice's XML link 404s
  /_ted/DIR/notice/PUBNO/xml     the notice's XML (ETag, 304)

Every request is logged to --log as one JSON line: method, path, status,
inm / ims (whether If-None-Match / If-Modified-Since were sent), bytes.
"""
import argparse
import datetime
import email.utils
import re
import gzip
import hashlib
import json
import mimetypes
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = "."
LOG = None
LOCK = threading.Lock()
COUNTS = {}
ISSUED = set()  # iteration tokens the TED search route handed out


def log(entry):
    if not LOG:
        return
    with LOCK:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def bump(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


def safe_path(rel):
    """The file under ROOT for rel, or None when it escapes or is missing."""
    rel = urllib.parse.unquote(rel).lstrip("/")
    full = os.path.realpath(os.path.join(ROOT, rel))
    root = os.path.realpath(ROOT)
    if full != root and not full.startswith(root + os.sep):
        return None
    return full if os.path.isfile(full) else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "caselib-loopback/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is enough
        pass

    def finish_log(self, status, nbytes):
        log({
            "method": self.command,
            "path": self.path,
            "status": status,
            "inm": self.headers.get("If-None-Match") is not None,
            "ims": self.headers.get("If-Modified-Since") is not None,
            "ae": self.headers.get("Accept-Encoding") or "",
            "ua": self.headers.get("User-Agent") or "",
            "bytes": nbytes,
        })

    def send_body(self, status, body, headers=None, head_only=False):
        # Logged before the answer goes out, so a client that has its
        # answer finds the request in the log.
        self.finish_log(status, len(body))
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only and body:
            self.wfile.write(body)

    def serve_file(self, rel, gz=False, cond=True, head_only=False):
        full = safe_path(rel)
        if not full:
            self.send_body(404, b"not found\n", {"Content-Type": "text/plain"}, head_only)
            return
        st = os.stat(full)
        with open(full, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
        lm = email.utils.formatdate(st.st_mtime, usegmt=True)
        ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype}
        if cond:
            headers["ETag"] = etag
            headers["Last-Modified"] = lm
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            fresh = False
            if inm is not None:
                fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
            elif ims is not None:
                try:
                    t = email.utils.parsedate_to_datetime(ims).timestamp()
                    fresh = int(st.st_mtime) <= int(t)
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                self.finish_log(304, 0)
                self.send_response(304)
                for k in ("ETag", "Last-Modified"):
                    self.send_header(k, headers[k])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if gz and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        self.send_body(200, data, headers, head_only)

    # ---- TED Search API ----------------------------------------------

    def ted_notices(self, rel):
        d = os.path.realpath(os.path.join(ROOT, urllib.parse.unquote(rel).lstrip("/")))
        root = os.path.realpath(ROOT)
        if not d.startswith(root + os.sep) or not os.path.isdir(d):
            return None, []
        out = []
        for f in sorted(os.listdir(d)):
            m = re.match(r"^(\d{4})-OJS(\d{3})-(\d{8})\.xml$", f)
            if not m:
                continue
            y, issue, num = int(m.group(1)), int(m.group(2)), m.group(3)
            day = datetime.date(y, 1, 1) + datetime.timedelta(days=issue - 1)
            out.append({"id": "%s-%d" % (num, y), "date": day, "file": os.path.join(d, f)})
        return d, out

    def ted_search(self, rel, q):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            req = json.loads(self.rfile.read(n).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self.send_body(400, b'{"message": "bad request body"}',
                                  {"Content-Type": "application/json"})
        for kind, code in (("s429", 429), ("s500", 500)):
            if kind in q and bump(kind + self.path) <= int(q[kind][0]):
                headers = {"Content-Type": "application/json"}
                if code == 429:
                    headers["Retry-After"] = "1"
                return self.send_body(code, b'{"message": "fault"}', headers)
        token = req.get("iterationNextToken")
        if token and "badtoken" in q:
            return self.send_body(500, b'{"message": "invalid iteration token"}',
                                  {"Content-Type": "application/json"})
        if token and "expire" in q and bump("expire" + self.path) <= int(q["expire"][0]):
            return self.send_body(500, b'{"message": "iteration token expired"}',
                                  {"Content-Type": "application/json"})
        _, notices = self.ted_notices(rel)
        m = re.search(r"publication-date>=(\d{8})", req.get("query") or "")
        if m:
            since = datetime.datetime.strptime(m.group(1), "%Y%m%d").date()
            notices = [x for x in notices if x["date"] >= since]
        limit = int(req.get("limit") or 10)
        offset = 0
        if token:
            with LOCK:
                ok = token in ISSUED
            if not ok:
                return self.send_body(500, b'{"message": "unknown iteration token"}',
                                      {"Content-Type": "application/json"})
            offset = int(token.split("-")[1])
        page = notices[offset:offset + limit]
        nxt = None
        if offset + limit < len(notices):
            with LOCK:
                nxt = "it-%d-%d" % (offset + limit, len(ISSUED))
                ISSUED.add(nxt)
        host = self.headers.get("Host")
        missing = q.get("missing", [""])[0]
        out = []
        for x in page:
            link = "http://%s/_ted/%s/notice/%s/xml" % (host, rel, x["id"])
            if x["id"] == missing:
                link += "?missing=1"
            out.append({"publication-number": x["id"],
                        "publication-date": x["date"].isoformat() + "+01:00",
                        "links": {"xml": {"MUL": link},
                                  "pdf": {"SWE": link.replace("/xml", "/pdf")}}})
        body = json.dumps({"notices": out, "totalNoticeCount": len(notices),
                           "iterationNextToken": nxt, "timedOut": False}).encode("utf-8")
        return self.send_body(200, body, {"Content-Type": "application/json"})

    def ted_route(self, rest, q, head_only):
        m = re.match(r"^(.*)/notice/([0-9]{1,8}-[0-9]{4})/xml$", rest)
        if not m or q.get("missing"):
            return self.send_body(404, b"not found\n", head_only=head_only)
        _, notices = self.ted_notices(m.group(1))
        for x in notices:
            if x["id"] == m.group(2):
                return self.serve_file(os.path.relpath(x["file"], ROOT), head_only=head_only)
        return self.send_body(404, b"not found\n", head_only=head_only)

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        try:
            if u.path.startswith("/_ted/") and u.path.endswith("/search"):
                return self.ted_search(u.path[6:-7], q)
            self.send_body(405, b"method not allowed\n", {"Content-Type": "text/plain"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_HEAD(self):
        self.route(head_only=True)

    def do_GET(self):
        self.route(head_only=False)

    def route(self, head_only):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        p = u.path
        try:
            if p.startswith("/_gz/"):
                return self.serve_file(p[5:], gz=True, head_only=head_only)
            if p.startswith("/_nocond/"):
                return self.serve_file(p[9:], cond=False, head_only=head_only)
            if p.startswith("/_page/"):
                return self.page(p[7:], q, head_only)
            if p.startswith("/_fault/"):
                return self.fault(p[8:], q, head_only)
            if p.startswith("/_ted/"):
                return self.ted_route(p[6:], q, head_only)
            return self.serve_file(p, head_only=head_only)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def page(self, rel, q, head_only):
        full = safe_path(rel)
        if not full:
            return self.send_body(404, b"not found\n", head_only=head_only)
        with open(full, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        n = int(q.get("page", ["1"])[0])
        k = int(q.get("of", ["1"])[0])
        host = self.headers.get("Host")
        at = q.get("at", [None])[0]
        if q.get("loop"):
            nxt = "http://%s%s" % (host, self.path)
        elif n < k:
            nxt = "http://%s/_page/%s?page=%d&of=%d" % (at or host, rel, n + 1, k)
        else:
            nxt = None
        if isinstance(doc, dict):
            if nxt:
                doc["links"] = {"next": nxt}
            else:
                doc.pop("links", None)
        body = json.dumps(doc).encode("utf-8")
        self.send_body(200, body, {"Content-Type": "application/json"}, head_only)

    def plain_head(self, nbytes, length):
        """Logs a 200 of nbytes and sends its text/plain head announcing length."""
        self.finish_log(200, nbytes)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def hang_up(self):
        """Closes the connection under the client, as a dropped link would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def fault(self, rest, q, head_only):
        parts = rest.split("/")
        kind = parts[0]
        if kind == "status":
            code, n, rel = int(parts[1]), int(parts[2]), "/".join(parts[3:])
            if bump(self.path) <= n:
                headers = {"Content-Type": "text/plain"}
                if "retry_after" in q:
                    headers["Retry-After"] = q["retry_after"][0]
                return self.send_body(code, b"fault: status %d\n" % code, headers, head_only)
            return self.serve_file(rel, head_only=head_only)
        if kind == "truncate":
            full = safe_path("/".join(parts[1:]))
            if not full:
                return self.send_body(404, b"not found\n", head_only=head_only)
            with open(full, "rb") as f:
                data = f.read()
            half = data[: len(data) // 2]
            self.plain_head(len(half), len(data))
            self.wfile.write(half)
            self.wfile.flush()
            self.hang_up()
            return None
        if kind == "badgzip":
            body = b"this is not gzip data at all, " * 20
            return self.send_body(200, body, {"Content-Type": "text/plain",
                                              "Content-Encoding": "gzip"}, head_only)
        if kind == "loop":
            return self.send_body(302, b"", {"Location": "/_fault/loop"}, head_only)
        if kind == "redirect":
            return self.send_body(302, b"", {"Location": q.get("to", ["/"])[0]}, head_only)
        if kind == "big":
            n = int(parts[1])
            if q.get("chunked"):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = 0
                chunk = b"a" * 65536
                try:
                    while sent < n:
                        c = chunk[: min(len(chunk), n - sent)]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                        sent += len(c)
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                self.finish_log(200, sent)
                return None
            return self.send_body(200, b"a" * n, {"Content-Type": "text/plain"}, head_only)
        if kind == "slow":
            secs = float(parts[1])
            body = b"slow body\n"
            self.plain_head(len(body), len(body))
            self.wfile.flush()
            time.sleep(secs)
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return None
        if kind == "reset":
            self.finish_log(0, 0)
            self.hang_up()
            return None
        return self.send_body(404, b"no such fault\n", head_only=head_only)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gives up (timeouts, size limits) is part of the
        # tests; only unexpected errors are worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    global ROOT, LOG
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--log")
    ap.add_argument("--port", type=int, default=0,
                    help="port to try first (scripts/demo-store: the port of the last run)")
    a = ap.parse_args()
    ROOT = a.root
    LOG = a.log
    srv = None
    if 0 < a.port < 65536:
        try:
            srv = Server(("127.0.0.1", a.port), Handler)
        except OSError:
            srv = None
    if srv is None:
        srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
