"""The simulator's HTTP server: threaded, HTTP/1.1 with keep-alive, as the servers it stands for are (FROST
behind Tomcat keeps connections open). werkzeug's development server closes every connection after one
answer, which made a back-fill pay a TCP connection per page on both ends; this one keeps a connection open
for the next request when the answer had a Content-Length and the request had no body."""
from __future__ import annotations

import logging
import socketserver
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

log = logging.getLogger(__name__)
IDLE_S = 30          # an idle kept-alive connection is closed after this long


class _Handler(ServerHandler):
    http_version = "1.1"

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        if "Content-Length" not in self.headers or self.request_handler.close_connection:
            # no length to end the answer by (or the request said close): the connection's end marks it
            self.headers["Connection"] = "close"
            self.request_handler.close_connection = True


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_S

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():     # answers the error itself
            self.close_connection = True
            return
        if self.headers.get("Content-Length", "0") not in ("", "0") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True    # a body the app may leave unread must not be taken for the next request
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self
        try:
            handler.run(self.server.get_app())
        except ConnectionError:
            self.close_connection = True

    def log_message(self, format, *args) -> None:  # noqa: A002 - the signature of http.server's method
        log.debug("%s - %s", self.address_string(), format % args)


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(host: str, port: int, app) -> ThreadingServer:
    """A server answering `app` on (host, port), a thread per connection; port 0 picks a free one."""
    server = ThreadingServer((host, port), KeepAliveRequestHandler)
    server.set_app(app)
    return server
