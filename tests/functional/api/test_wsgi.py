"""``cloudkitty.wsgi.api:application`` for external WSGI servers."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.fixtures.api import METRICS_FILE, PASTE_FILE

PROBE = '''
import json, webob
from cloudkitty.wsgi.api import application
response = webob.Request.blank('/v1/info/metrics/instance').get_response(application)
print(response.status_code, response.headers['x-openstack-request-id'][:4],
      json.loads(response.body)['unit'])
'''


def test_application_reads_the_config_files_from_the_environment(sqlite_db, tmp_path):
    config = tmp_path / 'cloudkitty.conf'
    config.write_text(
        '[DEFAULT]\nauth_strategy = noauth\napi_paste_config = %s\n'
        '[database]\nconnection = %s\n[storage]\nbackend = sqlalchemy\n'
        '[collect]\ncollector = prometheus\nmetrics_conf = %s\n'
        % (PASTE_FILE, sqlite_db.engine.url.render_as_string(hide_password=False),
           METRICS_FILE))
    result = subprocess.run(
        [sys.executable, '-c', PROBE], capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CLOUDKITTY_CONFIG_FILES=str(config)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ['200', 'req-', 'instance']
