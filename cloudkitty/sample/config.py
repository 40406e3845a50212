"""The all-in-one configuration of the quick start: every service embedded, no servers.

SQLite for rules, progress and rated data, file locks for coordination,
in-process messaging, the ``file`` collector reading the sample usage and the
static ``source`` fetcher listing its projects. The quick start writes it with::

    python -m cloudkitty.sample.config --state-dir /var/lib/cloudkitty \
        --port 8889 --usage /var/lib/cloudkitty/usage > cloudkitty.conf

where ``--usage`` is the directory ``cloudkitty.sample.generate`` wrote. The
functions are also the base the functional tests build their deployments on
(adding Keystone, another collector, ...), so that one layout is exercised.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

#: section -> option -> value, in the order written.
Settings = dict[str, dict[str, str]]


def embedded(state_dir: str, port: int, paste_config: str) -> Settings:
    """API, database, storage and coordination kept under ``state_dir``."""
    return {
        'DEFAULT': {
            'auth_strategy': 'noauth',
            'api_paste_config': paste_config,
            'transport_url': 'fake:/',
        },
        'api': {'host': '127.0.0.1', 'port': str(port)},
        'database': {'connection': 'sqlite:///%s' % os.path.join(state_dir,
                                                                 'cloudkitty.sqlite')},
        'storage': {'version': '2', 'backend': 'sqlalchemy'},
        'orchestrator': {
            'coordination_url': 'file://%s' % os.path.join(state_dir, 'locks'),
            'max_workers': '1',
            'max_workers_reprocessing': '1',
        },
    }


def file_collection(metrics_conf: str, usage_dir: str, scope_ids: list[str]) -> Settings:
    """Collect usage from the JSON Lines files of ``usage_dir`` for a fixed list of scopes."""
    return {
        'collect': {'collector': 'file', 'metrics_conf': metrics_conf},
        'collector_file': {'path': usage_dir},
        'fetcher': {'backend': 'source'},
        'fetcher_source': {'sources': ','.join(scope_ids)},
    }


def keystone_authtoken(auth_url: str, username: str, password: str) -> Settings:
    """Validate tokens with a Keystone whose catalog lists a public identity endpoint."""
    return {
        'DEFAULT': {'auth_strategy': 'keystone'},
        'keystone_authtoken': {
            'www_authenticate_uri': auth_url,
            'auth_url': auth_url,
            'auth_type': 'password',
            'interface': 'public',
            'username': username,
            'password': password,
            'project_name': 'service',
            'user_domain_id': 'default',
            'project_domain_id': 'default',
        },
    }


def merged(*layers: Settings) -> Settings:
    """Later layers win, option by option."""
    result: Settings = {}
    for layer in layers:
        for section, options in layer.items():
            result.setdefault(section, {}).update(options)
    return result


def render(settings: Settings, comment: str = '') -> str:
    """The settings as an oslo.config (INI) file."""
    lines = ['# %s' % comment] if comment else []
    for section, options in settings.items():
        lines.append('[%s]' % section)
        lines.extend('%s = %s' % item for item in options.items())
        lines.append('')
    return '\n'.join(lines)


def write(path: str, settings: Settings) -> str:
    """Write ``settings`` to ``path``; the path, for ``--config-file``."""
    with open(path, 'w', encoding='utf-8') as stream:
        stream.write(render(settings))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--state-dir', required=True,
                        help='directory of the database, locks and api_paste.ini')
    parser.add_argument('--port', type=int, default=8889, help='API port (default 8889)')
    parser.add_argument('--usage', required=True,
                        help='directory written by cloudkitty.sample.generate')
    args = parser.parse_args(argv)
    try:
        with open(os.path.join(args.usage, 'cloud.json'), encoding='utf-8') as stream:
            cloud = json.load(stream)
    except (OSError, ValueError) as error:
        parser.error('cannot read the sample cloud in %s: %s' % (args.usage, error))
    settings = merged(
        embedded(args.state_dir, args.port, os.path.join(args.state_dir, 'api_paste.ini')),
        file_collection(cloud['metrics_file'], args.usage,
                        [project['id'] for project in cloud['projects']]))
    sys.stdout.write(render(settings, 'Embedded defaults, no servers needed '
                                      '(python -m cloudkitty.sample.config).'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
