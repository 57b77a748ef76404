"""The part every fake provider server shares: an HTTP server on 127.0.0.1 in a daemon thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    """Serves `_handler_class()` on loopback; `_lock` guards the subclass's state, which the
    handler threads and the test (or the sandbox) both touch."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self, port: int = 0) -> Self:
        """Serve on loopback: `port` 0 (tests) picks a free one; the sandbox uses fixed ports."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True, name=type(self).__name__).start()
        return self

    def stop(self) -> None:
        """Safe to call twice, and before `start`; `url` still names where it served."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"
