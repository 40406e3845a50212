"""``cloudkitty-api``: serve the API with a small multi-threaded WSGI server.

For production, an external WSGI server can run
``cloudkitty.wsgi.api:application`` instead.
"""
from __future__ import annotations

import signal
import socket
import socketserver
import sys
import threading
from wsgiref import simple_server

from oslo_log import log as logging

from cloudkitty import service
from cloudkitty.api import app as api_app
from cloudkitty.cmd._common import run_cli
from cloudkitty.common import exception

LOG = logging.getLogger(__name__)


class _QuietHandler(simple_server.WSGIRequestHandler):
    """Access lines go to oslo.log instead of stderr."""

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        LOG.info('%s %s', self.address_string(), format % args)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    """One thread per connection; threads die with the process."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 makes the kernel drop or reset
    # connections as soon as a few dozen clients connect at once.
    request_queue_size = socket.SOMAXCONN


def make_server(app, host: str, port: int) -> ThreadingWSGIServer:
    """A bound server (port 0 picks a free port) serving ``app``."""
    try:
        return simple_server.make_server(host, port, app,
                                         server_class=ThreadingWSGIServer,
                                         handler_class=_QuietHandler)
    except OSError as error:
        raise exception.ConfigurationError(
            reason='cannot listen on %s:%d: %s' % (host, port, error.strerror)) from None


def serve(server: ThreadingWSGIServer) -> None:
    """Serve until SIGTERM/SIGINT, then finish cleanly."""

    def stop(signum, _frame):
        LOG.info('Signal %d received, stopping the API server', signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    LOG.info('CloudKitty API listening on http://%s:%d', host, port)
    try:
        server.serve_forever()
    finally:
        server.server_close()


@run_cli
def main() -> int:
    conf = service.prepare_service(sys.argv[1:])
    app = api_app.load_app(conf)
    serve(make_server(app, conf.api.host, conf.api.port))
    return 0
