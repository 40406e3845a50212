"""``cloudkitty.wsgi.api:application``: the API for an external WSGI server.

Configuration is read like the console scripts do: the default files
(``/etc/cloudkitty/cloudkitty.conf``, ...), or the files named by the
``CLOUDKITTY_CONFIG_FILES`` environment variable (comma separated), plus
the ``--config-file``/``--config-dir`` options when the server passes them
through ``sys.argv``... which uwsgi and gunicorn don't, hence the variable.
"""
from __future__ import annotations

import os

from cloudkitty import service
from cloudkitty.api import app as api_app

CONFIG_FILES_ENV = 'CLOUDKITTY_CONFIG_FILES'


def init_application():
    """Read the configuration and build the paste pipeline."""
    files = [path.strip() for path in os.environ.get(CONFIG_FILES_ENV, '').split(',')
             if path.strip()]
    conf = service.prepare_service([], config_files=files or None)
    return api_app.load_app(conf)


application = init_application()
