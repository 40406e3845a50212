"""A real Prometheus behind a loopback HTTP proxy that can fail the queries of one scope.

The proxy forwards every request to the real server, except the queries
about a scope (``project_id="<scope>"``) that the test made fail, in one of
three ways:

``error``
    answer at once with a Prometheus error (HTTP 503);
``silent``
    accept the request and say nothing until the scope is healed;
``trickle``
    answer 200 and send a blank every half second until the scope is healed:
    no read ever times out, only a deadline on the whole collection ends it.

Healing a scope makes its stalled requests complete with the real answer
(leading blanks are valid JSON), as a server that was only slow would.
"""
from __future__ import annotations

import contextlib
import http.server
import re
import threading
import urllib.parse
from collections.abc import Iterator

import requests

from tests.fixtures import servers

MODES = ('error', 'silent', 'trickle')
_SCOPE = re.compile(r'project_id="([^"]+)"')
_TRICKLE_EVERY = 0.5
#: A stalled request gives up by itself after this long (the test is over).
_STALL_LIMIT = 600


class StallingPrometheus:
    """The proxy; ``url`` is the API URL to give ``[collector_prometheus]``."""

    def __init__(self, upstream_api_url: str):
        self.upstream = upstream_api_url.rstrip('/')
        self._lock = threading.Lock()
        self._failing: dict[str, tuple[str, threading.Event]] = {}
        self.stalled: dict[str, int] = {}
        """Scope -> how many of its requests were failed or stalled."""
        self._server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', servers.free_port()), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = 'http://127.0.0.1:%d/api/v1' % self._server.server_address[1]

    def fail(self, scope: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        with self._lock:
            self._failing[scope] = (mode, threading.Event())

    def heal(self, scope: str) -> None:
        with self._lock:
            _mode, healed = self._failing.pop(scope, (None, threading.Event()))
        healed.set()

    def close(self) -> None:
        for scope in list(self._failing):
            self.heal(scope)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _fault_for(self, path: str) -> tuple[str, threading.Event] | None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get('query', [''])[0]
        match = _SCOPE.search(query)
        if match is None:
            return None
        with self._lock:
            fault = self._failing.get(match.group(1))
            if fault is not None:
                self.stalled[match.group(1)] = self.stalled.get(match.group(1), 0) + 1
            return fault

    def _forward(self, path: str) -> requests.Response:
        prefix = '/api/v1'
        return requests.get(self.upstream + path[len(prefix):], timeout=60)

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
                pass

            def do_GET(self):  # noqa: N802 (stdlib name)
                fault = proxy._fault_for(self.path)
                with contextlib.suppress(OSError):
                    if fault is None:
                        self._reply(proxy._forward(self.path))
                    elif fault[0] == 'error':
                        self._send(503, b'{"status": "error", "errorType": "unavailable", '
                                        b'"error": "injected fault"}')
                    elif fault[0] == 'silent':
                        fault[1].wait(_STALL_LIMIT)
                        self._reply(proxy._forward(self.path))
                    else:
                        self._trickle(fault[1])

            def _reply(self, upstream: requests.Response) -> None:
                self._send(upstream.status_code, upstream.content)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _trickle(self, healed: threading.Event) -> None:
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Transfer-Encoding', 'chunked')
                self.end_headers()
                waited = 0.0
                while not healed.wait(_TRICKLE_EVERY) and waited < _STALL_LIMIT:
                    waited += _TRICKLE_EVERY
                    self._chunk(b' ')
                self._chunk(proxy._forward(self.path).content)
                self._chunk(b'')

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
                self.wfile.flush()

        return Handler


@contextlib.contextmanager
def stalling_prometheus(upstream_api_url: str) -> Iterator[StallingPrometheus]:
    proxy = StallingPrometheus(upstream_api_url)
    try:
        yield proxy
    finally:
        proxy.close()
