"""What every loopback fake of an AWS service shares: an HTTP server on a free port of 127.0.0.1, run in a thread
for the duration of a `with` block."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LoopbackHandler(BaseHTTPRequestHandler):
    """The request handler every fake speaks through: HTTP/1.1 keep-alive, as botocore expects."""

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body would wait for the client's
    # delayed ACK (40 ms on Linux) on every call, a cost no AWS endpoint has.
    disable_nagle_algorithm = True

    def send_body(self, status: int, content_type: str, payload: bytes) -> None:
        """Answer with `payload` (its length in Content-Length, so the connection stays open for the next call)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:  # quiet: the tests' output is the assertions'
        pass


class LoopbackService:
    """Subclasses give `_handler_class()`; `url` is the endpoint to hand botocore."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The endpoint URL to give botocore."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
