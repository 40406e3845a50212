"""The rating service the dashboard talks to: API (keystone auth) + processor.

Both run as the real console scripts (``cloudkitty-api``,
``cloudkitty-processor``) on one SQLite database, configured like a
deployment: keystonemiddleware validates the dashboard's tokens against the
test Keystone, and the processor rates usage read by the ``file`` collector.

The usage is the bundled sample cloud (``cloudkitty.sample.generate``) drawn
three times with different seeds (about 100 resources), with the sample's
made-up project ids replaced by the real ids of Keystone projects, so that
the dashboard's token scopes match the rated scopes. It covers the current
month so far, which the Reporting panel reads day by day.
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import requests
import yaml
from cloudkittyclient import client as ck_client
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from cloudkitty.common import tz
from cloudkitty.dataframe import parse_datetime
from cloudkitty.sample import config as sample_config
from cloudkitty.sample import generate
from tests.fixtures import keystone, servers

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASTE_FILE = os.path.join(REPO_ROOT, 'etc', 'cloudkitty', 'api_paste.ini')
BIN_DIR = os.path.dirname(sys.executable)
#: The seeds of the sample clouds merged into the usage (3 x ~33 resources).
SEEDS = (42, 43, 44)
#: The Keystone projects that receive the sample cloud's three projects.
RATED_PROJECTS = ('alpha', 'beta', 'service')
DEMO_USER = 'demo'
DEMO_PASSWORD = 'demo-secret'
STARTUP_TIMEOUT = 60
#: The processor must rate a month of hourly periods for 3 scopes within this.
RATING_TIMEOUT = 300


# A second configuration file (its values win) for the second processor of
# :meth:`RatingStack.start_live_scope`.


@dataclasses.dataclass
class RatingStack:
    url: str
    """The API endpoint registered in the Keystone catalog."""
    auth_url: str
    projects: dict[str, str]
    """Keystone project ids by name."""
    rated_until: datetime.datetime
    """Every rated scope has been processed up to here (naive UTC)."""
    conf_path: str = dataclasses.field(repr=False, default='')
    processes: Processes | None = dataclasses.field(repr=False, default=None)

    def start_live_scope(self, scope_id: str, flavor: str) -> datetime.datetime:
        """Rate ``scope_id`` minute by minute from now on, in a second processor.

        Rules made through the dashboard start when they are created and price
        only the periods that start later: with one-minute periods the next one
        is rated within two minutes. The scope runs one ``flavor`` instance
        for the next hour; its state starts at the current minute (rating it
        from the start of the month would take thousands of periods). Returns
        that minute.
        """
        workdir = os.path.join(self.processes.workdir, 'live')
        start = tz.utcnow().replace(second=0, microsecond=0)
        with open(os.path.join(workdir, 'usage.jsonl'), 'w', encoding='utf-8') as stream:
            for minute in range(60):
                stream.write(json.dumps({
                    'metric': 'instance', 'value': 1,
                    'time': (start + datetime.timedelta(minutes=minute)).isoformat() + 'Z',
                    'labels': {'project_id': scope_id, 'id': 'live-instance',
                               'flavor_name': flavor}}) + '\n')
        # A second configuration file: its values win over the stack's.
        overrides = sample_config.write(os.path.join(workdir, 'live.conf'), sample_config.merged(
            sample_config.file_collection(generate.sample_file(generate.METRICS_FILE),
                                          workdir, [scope_id]),
            {'collect': {'period': '60', 'wait_periods': '0'}}))
        response = self.admin_session.post(self.url + '/v2/scope', json={
            'scope_id': scope_id, 'last_processed_timestamp': start.isoformat()},
            raise_exc=False)
        assert response.status_code == 200, response.text
        self.processes.start('processor', '--config-file', self.conf_path,
                             '--config-file', overrides, log='live-processor')
        return start

    @functools.cached_property
    def admin_session(self) -> ks_session.Session:
        return self.session()

    def session(self, user: str = 'admin', password: str = keystone.ADMIN_PASSWORD,
                project: str = 'admin') -> ks_session.Session:
        """A Keystone session scoped like a dashboard user's token."""
        return ks_session.Session(auth=v3.Password(
            auth_url=self.auth_url, username=user, password=password,
            user_domain_id='default', project_name=project,
            project_domain_id='default'), timeout=30)

    def summary(self, session: ks_session.Session | None = None,
                **params: Any) -> list[dict[str, Any]]:
        """The rows of ``GET /v2/summary`` in the dashboard's object format."""
        response = self.get('/v2/summary', session, response_format='object', **params)
        assert response.status_code == 200, response.text
        return response.json()['results']

    def get(self, path: str, session: ks_session.Session | None = None,
            **params: Any) -> requests.Response:
        """GET on the API with a token of ``session`` (admin by default)."""
        session = session or self.admin_session
        return session.get(self.url + path, params=params, raise_exc=False)


def seed_keystone(auth_url: str, projects: dict[str, str], rating_url: str) -> None:
    """What the dashboard needs beyond the Keystone fixture's seed.

    The ``demo`` user (member of alpha), the ``rating`` service with its
    endpoints, and identity endpoints that point at this Keystone: the
    bootstrapped catalog names port 5000, and Horizon's own Keystone calls
    (project list of Rating Summary) go through the catalog.
    """
    admin = ks_session.Session(auth=v3.Password(
        auth_url=auth_url, username='admin', password=keystone.ADMIN_PASSWORD,
        user_domain_id='default', project_name='admin', project_domain_id='default'),
        timeout=30)

    def call(method: str, path: str, **kwargs) -> dict:
        response = admin.request(auth_url + path, method, **kwargs)
        return response.json() if response.content else {}

    roles = {role['name']: role['id'] for role in call('GET', '/roles')['roles']}
    demo = call('POST', '/users', json={'user': {
        'name': DEMO_USER, 'domain_id': 'default', 'password': DEMO_PASSWORD}})['user']['id']
    call('PUT', '/projects/%s/users/%s/roles/%s' % (projects['alpha'], demo,
                                                    roles['member']))
    for service in call('GET', '/services')['services']:
        if service['type'] == 'identity':
            for endpoint in call('GET', '/endpoints?service_id=%s' % service['id'])[
                    'endpoints']:
                call('PATCH', '/endpoints/%s' % endpoint['id'],
                     json={'endpoint': {'url': auth_url}})
    rating = call('POST', '/services', json={'service': {
        'type': 'rating', 'name': 'cloudkitty'}})['service']['id']
    for interface in ('public', 'internal', 'admin'):
        call('POST', '/endpoints', json={'endpoint': {
            'service_id': rating, 'interface': interface, 'url': rating_url,
            'region_id': 'RegionOne'}})


def write_usage(directory: str, project_ids: list[str], days: int) -> int:
    """The merged sample clouds as one JSON Lines file; the number of resources."""
    os.makedirs(directory, exist_ok=True)
    samples = []
    resources = 0
    for seed in SEEDS:
        sample_projects, cloud = generate.build_cloud(days * 24, seed)
        resources += len(cloud)
        real_ids = dict(zip((p['id'] for p in sample_projects), project_ids, strict=True))
        for sample in generate.iter_samples(days, seed):
            # iter_samples shares one labels dict between a resource's samples.
            labels = dict(sample['labels'])
            sample['labels'] = labels
            labels['project_id'] = real_ids[labels['project_id']]
            # Resource ids repeat across seeds only by accident; keep them apart.
            labels['id'] = '%s-%d' % (labels['id'][:28], seed)
            samples.append(sample)
    samples.sort(key=lambda sample: sample['time'])
    with open(os.path.join(directory, 'usage.jsonl'), 'w', encoding='utf-8') as stream:
        for sample in samples:
            stream.write(json.dumps(sample, separators=(',', ':')) + '\n')
    return resources


def _load_sample_rules(url: str, session: ks_session.Session) -> None:
    """The sample cloud's hashmap rules, active since last month (tools/load_sample_rules)."""
    spec = importlib.util.spec_from_file_location(
        'load_sample_rules', os.path.join(REPO_ROOT, 'tools', 'load_sample_rules.py'))
    loader_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader_module)
    ck = ck_client.Client('2', session=session, endpoint=url)
    since = tz.month_start(tz.month_start() - datetime.timedelta(days=1))
    with open(generate.sample_file(generate.HASHMAP_FILE), encoding='utf-8') as stream:
        rules = yaml.safe_load(stream)
    loader = loader_module.RulesLoader(ck.rating.hashmap, since)
    for service in rules['services']:
        loader.load_service(service)
    ck.rating.update_module(module_id='hashmap', enabled=True)


class Processes:
    """The daemons of the stack; stopped together (SIGTERM, then SIGKILL)."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, *args: str, log: str | None = None) -> subprocess.Popen:
        log = open(os.path.join(self.workdir, '%s.log' % (log or name)), 'wb')  # noqa: SIM115
        process = subprocess.Popen(
            [os.path.join(BIN_DIR, 'cloudkitty-%s' % name), *args], cwd=self.workdir,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()
        self.running.append(process)
        return process

    def run(self, name: str, *args: str) -> None:
        result = subprocess.run([os.path.join(BIN_DIR, 'cloudkitty-%s' % name), *args],
                                cwd=self.workdir, capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise RuntimeError('cloudkitty-%s failed: %s' % (name, result.stderr[-2000:]))

    def log_tail(self, name: str) -> str:
        with open(os.path.join(self.workdir, '%s.log' % name), encoding='utf-8',
                  errors='replace') as stream:
            return stream.read()[-3000:]

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_for_api(url: str, process: subprocess.Popen, processes: Processes) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + '/', timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError('cloudkitty-api did not start:\n' + processes.log_tail('api'))


def _wait_for_rating(stack: RatingStack, scope_ids: list[str],
                     process: subprocess.Popen, processes: Processes) -> None:
    """Until the processor has rated every scope up to ``stack.rated_until``."""
    session = stack.admin_session
    deadline = time.monotonic() + RATING_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        states = stack.get('/v2/scope', session, limit=100).json().get('results', [])
        done = {state['scope_id'] for state in states
                if state.get('last_processed_timestamp')
                and parse_datetime(state['last_processed_timestamp']) >= stack.rated_until}
        if done.issuperset(scope_ids):
            return
        time.sleep(1)
    raise RuntimeError('the processor did not rate %s up to %s:\n%s' % (
        scope_ids, stack.rated_until, processes.log_tail('processor')))


def start(workdir: str, auth_url: str, projects: dict[str, str]):
    """Start the stack; a generator that yields the RatingStack, then stops it."""
    port = servers.free_port()
    url = 'http://127.0.0.1:%d' % port
    seed_keystone(auth_url, projects, url)
    scope_ids = [projects[name] for name in RATED_PROJECTS]
    now = tz.utcnow()
    days = (now - tz.month_start(now)).days + 2
    write_usage(os.path.join(workdir, 'usage'), scope_ids, days)
    conf = os.path.join(workdir, 'cloudkitty.conf')
    sample_config.write(conf, sample_config.merged(
        sample_config.embedded(workdir, port, PASTE_FILE),
        sample_config.file_collection(generate.sample_file(generate.METRICS_FILE),
                                      os.path.join(workdir, 'usage'), scope_ids),
        sample_config.keystone_authtoken(auth_url, keystone.CLOUDKITTY_USER,
                                         keystone.CLOUDKITTY_PASSWORD),
        {'DEFAULT': {'debug': 'false'}, 'collect': {'wait_periods': '1'},
         'orchestrator': {'max_workers': '2'}}))
    os.makedirs(os.path.join(workdir, 'locks'), exist_ok=True)
    processes = Processes(workdir)
    try:
        processes.run('dbsync', '--config-file', conf, 'upgrade')
        processes.run('storage-init', '--config-file', conf)
        api = processes.start('api', '--config-file', conf)
        _wait_for_api(url, api, processes)
        # One hourly period of wait (wait_periods = 1) after the last full hour.
        rated_until = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
            hours=1)
        stack = RatingStack(url, auth_url, projects, rated_until, conf, processes)
        os.makedirs(os.path.join(workdir, 'live'))
        _load_sample_rules(url, stack.session())
        processor = processes.start('processor', '--config-file', conf)
        _wait_for_rating(stack, scope_ids, processor, processes)
        yield stack
    finally:
        processes.stop_all()
