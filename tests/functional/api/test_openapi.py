"""The OpenAPI description (doc/source/_static/openapi.yaml) against the live API.

The document is checked as OpenAPI 3.1, then schemathesis generates requests
for every operation (valid and invalid ones, from the document alone) and
sends them to the real paste pipeline served over loopback, in noauth mode,
on a database holding rated data, hashmap rules, scripts, scopes and a
reprocessing schedule. Every answer must be a documented status with a body
of the documented shape, and never a 5xx.

The run is bounded and reproducible: a fixed seed, deterministic generation
and a fixed number of examples per operation; the tests share one xdist
group (one worker, one server).
"""
from __future__ import annotations

import datetime
import decimal
import os
import threading

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from openapi_spec_validator import validate as validate_openapi
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from cloudkitty import storage
from cloudkitty.api import app as api_app
from cloudkitty.cmd import api as api_cmd
from cloudkitty.common import tz
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures.api import REPO_ROOT, api_conf
from tests.fixtures.database import ThrowawayDatabase
from tests.functional.api import storage_data

pytestmark = pytest.mark.xdist_group('openapi-live')

OPENAPI_PATH = os.path.join(REPO_ROOT, 'doc', 'source', '_static', 'openapi.yaml')
#: Generated requests per operation, and the seed that makes them the same on
#: every run; both can be raised locally to search further, e.g.
#: ``CK_OPENAPI_EXAMPLES=50 CK_OPENAPI_SEED=7``.
EXAMPLES_PER_OPERATION = int(os.environ.get('CK_OPENAPI_EXAMPLES', 10))
SEED = int(os.environ.get('CK_OPENAPI_SEED', 20250))


def load_document() -> dict:
    with open(OPENAPI_PATH, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


def test_document_is_valid_openapi_3():
    document = load_document()

    validate_openapi(document)
    loaded = schemathesis.openapi.from_dict(document)
    loaded.validate()
    assert document['openapi'].startswith('3.')


def test_document_lists_every_route_of_both_versions():
    paths = set(load_document()['paths'])

    for route in ('/v1/rating/quote', '/v1/report/summary', '/v1/storage/dataframes',
                  '/v1/rating/module_config/hashmap/mappings/{mapping_id}',
                  '/v1/rating/module_config/pyscripts/scripts/{script_id}',
                  '/v1/collector/states/{name}', '/v1/info/metrics/{metric_id}',
                  '/v2/scope', '/v2/summary', '/v2/dataframes', '/v2/task/reprocesses',
                  '/v2/task/reprocesses/{scope_id}', '/v2/rating/modules/{module_id}'):
        assert route in paths


# --- the live, populated server ------------------------------------------------

def _current_month_frames(tenant: str) -> list[DataFrame]:
    start = tz.month_start()
    frames = []
    for hour in range(3):
        begin = start + datetime.timedelta(hours=hour)
        frame = DataFrame(begin, begin + datetime.timedelta(hours=1))
        frame.add_points([DataPoint.create('instance', 1, decimal.Decimal('0.5'),
                                           groupby={'project_id': tenant, 'id': 'vm-%d' % hour},
                                           metadata={'flavor_name': 'm1.small'})], 'instance')
        frames.append(frame)
    return frames


def _populate(url: str, conf, db: Database) -> dict[str, str]:
    """Rules and scripts through the API itself, rated data through the storage."""
    hashmap = url + '/v1/rating/module_config/hashmap'
    session = requests.Session()

    def post(path: str, body: dict) -> dict:
        response = session.post(path, json=body, timeout=30)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    service = post(hashmap + '/services', {'name': 'instance'})
    field = post(hashmap + '/fields', {'name': 'flavor_name',
                                       'service_id': service['service_id']})
    group = post(hashmap + '/groups', {'name': 'instance_uptime'})
    mapping = post(hashmap + '/mappings?force=true', {
        'field_id': field['field_id'], 'value': 'm1.small', 'cost': '0.5',
        'group_id': group['group_id'], 'start': '2015-01-01'})
    post(hashmap + '/mappings?force=true', {'service_id': service['service_id'],
                                           'cost': '0.01', 'type': 'rate',
                                           'start': '2015-01-01'})
    threshold = post(hashmap + '/thresholds', {
        'service_id': service['service_id'], 'level': '10', 'cost': '0.9',
        'type': 'rate', 'group_id': group['group_id']})
    script = post(url + '/v1/rating/module_config/pyscripts/scripts?force=true', {
        'name': 'noop-script', 'data': 'data = data\n', 'start': '2015-01-01'})
    post(url + '/v1/collector/mappings/gnocchi/instance', {})
    post(url + '/v2/scope', {'scope_id': storage_data.TENANT_A,
                             'last_processed_timestamp': '2015-01-05T00:00:00'})
    response = session.post(url + '/v2/task/reprocesses', json={
        'scope_ids': storage_data.TENANT_A, 'reason': 'fixture',
        'start_reprocess_time': '2015-01-04T13:00:00',
        'end_reprocess_time': '2015-01-04T14:00:00'}, timeout=30)
    assert response.status_code == 202, response.text

    driver = storage.get_storage(conf, db)
    for tenant in storage_data.PERIODS:
        driver.push(storage_data.frames_of(tenant), tenant)
        driver.push(_current_month_frames(tenant), tenant)
    return {
        'service_id': service['service_id'], 'field_id': field['field_id'],
        'group_id': group['group_id'], 'mapping_id': mapping['mapping_id'],
        'threshold_id': threshold['threshold_id'], 'script_id': script['script_id'],
        'module_id': 'hashmap', 'metric_id': 'instance', 'name': 'gnocchi',
        'service': 'instance', 'collector': 'gnocchi', 'scope_id': storage_data.TENANT_A,
    }


@pytest.fixture(scope='module')
def live_server(tmp_path_factory):
    """The paste pipeline (noauth) on 127.0.0.1, on its own populated SQLite database."""
    throwaway = ThrowawayDatabase('sqlite', str(tmp_path_factory.mktemp('openapi')))
    db = Database(throwaway.url)
    migration.upgrade(db)
    conf = api_conf(db)
    server = api_cmd.make_server(api_app.load_app(conf), '127.0.0.1', 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = 'http://127.0.0.1:%d' % server.server_address[1]
    try:
        yield url, _populate(url, conf, db)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        db.dispose()


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of the document, in document order."""
    return [(method.upper(), path) for path, item in load_document()['paths'].items()
            for method in item if method in ('get', 'put', 'post', 'patch', 'delete')]


@pytest.fixture(scope='module')
def api_schema(live_server):
    url, _ids = live_server
    config = schemathesis.config.SchemathesisConfig.from_dict({
        'seed': SEED, 'base-url': url,
        'generation': {'deterministic': True},
    })
    return schemathesis.openapi.from_dict(load_document(), config=config)


#: What every answer must satisfy: documented status, content type and body
#: shape, and never a server error.
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance,
          st_checks.content_type_conformance, st_checks.response_schema_conformance]


def _strategies(operation, ids: dict[str, str]):
    """Valid requests on the created objects, then valid and invalid generated ones.

    Generated ids never exist: the first strategy reaches the 2xx answers of
    the ``…/{id}`` operations.
    """
    known = {parameter.name: ids[parameter.name] for parameter in operation.path_parameters
             if parameter.name in ids}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known)]
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE))
    strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return hypothesis.strategies.one_of(*strategies)


@pytest.mark.parametrize('method, path', _operations())
def test_live_api_conforms_to_the_document(method, path, api_schema, live_server):
    url, ids = live_server
    operation = api_schema[path][method]
    session = requests.Session()

    @hypothesis.seed(SEED)
    @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, database=None, deadline=None,
                         phases=[hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(case=_strategies(operation, ids))
    def call(case):
        case.call_and_validate(base_url=url, session=session, checks=CHECKS,
                               allow_redirects=False, timeout=30)

    call()
