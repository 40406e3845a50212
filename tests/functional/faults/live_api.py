"""The API served over HTTP on 127.0.0.1, as ``cloudkitty-api`` serves it.

The full paste pipeline (``api_paste.ini``, noauth) built from a ConfigOpts
by ``load_app``, on the console script's own threaded server, in a thread of
the test process: a fault test can then take a server away under it.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from cloudkitty import messaging
from cloudkitty.api import app as api_app
from cloudkitty.cmd import api as api_cmd


@contextlib.contextmanager
def serving(conf) -> Iterator[str]:
    """Serve the API of ``conf`` until the block exits; yields its base URL."""
    server = api_cmd.make_server(api_app.load_app(conf), '127.0.0.1', 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d' % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        messaging.cleanup(conf)
