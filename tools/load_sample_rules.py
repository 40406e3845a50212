#!/usr/bin/env python3
"""Create the hashmap rules of a rules file through the API, and enable hashmap.

The quick start uses it to price the bundled sample cloud
(``cloudkitty/sample/hashmap.yml``); it goes through python-cloudkittyclient,
exactly like an operator typing ``openstack rating hashmap ...``. A service
that already exists is left as it is, so running it twice creates nothing.

A mapping only prices the periods that start after its ``start``, which
defaults to "now"; the sample cloud's usage is in the past, so mappings are
created active from ``--since`` (default: the start of the previous month),
with ``force=true`` as the API requires for a start in the past.

Usage::

    python tools/load_sample_rules.py --endpoint http://127.0.0.1:8889 [RULES_FILE]
"""
from __future__ import annotations

import argparse
import datetime
import sys
from typing import Any

import yaml
from cloudkittyclient import auth, client
from keystoneauth1 import exceptions as ks_exceptions

from cloudkitty.common import tz
from cloudkitty.sample import generate

HOUR = datetime.timedelta(hours=1)


class RulesLoader:
    """Creates services, fields, groups, mappings and thresholds by name."""

    def __init__(self, hashmap, since: datetime.datetime):
        self._hashmap = hashmap
        self._since = since.isoformat()
        self._group_ids: dict[str, str] = {
            group['name']: group['group_id']
            for group in hashmap.get_group()['groups']}

    def existing_services(self) -> set[str]:
        return {service['name'] for service in self._hashmap.get_service()['services']}

    def load_service(self, service: dict[str, Any]) -> None:
        service_id = self._hashmap.create_service(name=service['name'])['service_id']
        self._create_rules(service, service_id=service_id)
        for field in service.get('fields', ()):
            field_id = self._hashmap.create_field(
                service_id=service_id, name=field['name'])['field_id']
            self._create_rules(field, field_id=field_id)

    def _create_rules(self, parent: dict[str, Any], **parent_id: str) -> None:
        for mapping in parent.get('mappings', ()):
            # The client's create_mapping cannot send force=true: post its body here.
            body = {'cost': str(mapping['cost']), 'type': mapping.get('type', 'flat'),
                    'value': mapping.get('value'), 'start': self._since,
                    'group_id': self._group(mapping.get('group')),
                    'tenant_id': mapping.get('tenant_id'), **parent_id}
            self._hashmap.api_client.post(
                self._hashmap.get_url('mappings', {}) + '?force=true', json=body)
        for threshold in parent.get('thresholds', ()):
            self._hashmap.create_threshold(
                level=str(threshold['level']), cost=str(threshold['cost']),
                type=threshold.get('type', 'flat'),
                group_id=self._group(threshold.get('group')), **parent_id)

    def _group(self, name: str | None) -> str | None:
        if name is None:
            return None
        if name not in self._group_ids:
            self._group_ids[name] = self._hashmap.create_group(name=name)['group_id']
        return self._group_ids[name]


def load(endpoint: str, rules_file: str, since: datetime.datetime) -> list[str]:
    """Create the rules missing from the API; return the services created."""
    with open(rules_file, encoding='utf-8') as stream:
        rules = yaml.safe_load(stream)
    ck = client.Client('2', auth=auth.CloudKittyNoAuthPlugin(endpoint=endpoint))
    hashmap = ck.rating.hashmap
    loader = RulesLoader(hashmap, since)
    existing = loader.existing_services()
    created = []
    for service in rules['services']:
        if service['name'] not in existing:
            loader.load_service(service)
            created.append(service['name'])
    ck.rating.update_module(module_id='hashmap', enabled=True)
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('rules_file', nargs='?',
                        default=generate.sample_file(generate.HASHMAP_FILE),
                        help='YAML rules file (default: the sample cloud rules)')
    parser.add_argument('--endpoint', default='http://127.0.0.1:8889',
                        help='API root URL (noauth)')
    parser.add_argument('--since', type=datetime.datetime.fromisoformat,
                        default=tz.month_start(tz.month_start(tz.utcnow()) - HOUR),
                        help='UTC start of the mappings (default: start of last month)')
    args = parser.parse_args(argv)
    try:
        created = load(args.endpoint, args.rules_file, args.since)
    except (OSError, yaml.YAMLError, KeyError) as error:
        print('load_sample_rules: cannot read %s: %s' % (args.rules_file, error),
              file=sys.stderr)
        return 1
    except ks_exceptions.ClientException as error:
        print('load_sample_rules: the API at %s refused the rules: %s' % (
            args.endpoint, error), file=sys.stderr)
        return 1
    if created:
        print('Created hashmap rules for %s; hashmap is enabled.' % ', '.join(created))
    else:
        print('Hashmap rules already loaded; hashmap is enabled.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
