"""A tiny HTTP server on a loopback port that answers from a script, to play a misbehaving real server:
each path has a list of answers served in turn (the last one repeats)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Answer:
    def __init__(self, body=b"", status=200, ctype="application/json", headers=None, delay=0.0, truncate=False):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body, ensure_ascii=False)
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.status, self.ctype, self.headers, self.delay, self.truncate = status, ctype, headers or {}, delay, truncate


class FakeServer:
    def __init__(self):
        self.script: dict[str, list[Answer]] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                server.requests.append(self.path)
                answers = server.script.get(path) or server.script.get("*")
                if not answers:
                    self.send_response(404)
                    self.end_headers()
                    return
                n = server.hits.get(path, 0)
                server.hits[path] = n + 1
                a = answers[min(n, len(answers) - 1)]
                if callable(a):
                    a = a(self.path)
                if a.delay:
                    time.sleep(a.delay)
                self.send_response(a.status)
                self.send_header("Content-Type", a.ctype)
                for k, v in a.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(a.body)))
                self.end_headers()
                try:
                    self.wfile.write(a.body[: len(a.body) // 2] if a.truncate else a.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def on(self, path: str, *answers) -> "FakeServer":
        self.script[path] = list(answers)
        self.hits[path] = 0
        return self

    def close(self):
        self.httpd.shutdown()
