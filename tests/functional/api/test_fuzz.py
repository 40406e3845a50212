"""Random query strings and JSON bodies never produce a 5xx or a traceback."""
from __future__ import annotations

import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROUTES = [
    ('GET', '/v1/collector/mappings/'), ('GET', '/v1/collector/mappings/s1'),
    ('POST', '/v1/collector/mappings/'), ('DELETE', '/v1/collector/mappings/'),
    ('GET', '/v1/collector/states/'), ('PUT', '/v1/collector/states/'),
    ('GET', '/v1/info/config'), ('GET', '/v1/info/metrics/'),
    ('GET', '/v1/rating/modules/'), ('GET', '/v1/rating/modules/hashmap'),
    ('PUT', '/v1/rating/modules/hashmap'), ('POST', '/v1/rating/quote'),
    ('GET', '/v1/report/tenants'), ('GET', '/v1/report/total'),
    ('GET', '/v1/report/summary'), ('GET', '/v1/storage/dataframes'),
    ('GET', '/v2/scope'), ('PUT', '/v2/scope'), ('PATCH', '/v2/scope'),
    ('POST', '/v2/scope'), ('GET', '/v2/summary'), ('GET', '/v2/dataframes'),
    ('POST', '/v2/dataframes'), ('GET', '/v2/task/reprocesses'),
    ('POST', '/v2/task/reprocesses'), ('GET', '/v2/rating/modules/noop'),
    ('PUT', '/v2/rating/modules/hashmap'),
]

PARAMETER_NAMES = [
    'begin', 'end', 'tenant_id', 'service', 'groupby', 'all_tenants', 'resource_type',
    'collector', 'name', 'enabled', 'offset', 'limit', 'scope_id', 'scope_key',
    'fetcher', 'active', 'filters', 'custom_fields', 'response_format', 'scope_ids',
    'order', 'module_id', 'priority', 'state', 'last_processed_timestamp',
    'all_scopes', 'resources', 'dataframes', 'start_reprocess_time',
    'end_reprocess_time', 'reason', 'volume', 'desc', 'period', 'usage',
]

names = st.one_of(st.sampled_from(PARAMETER_NAMES), st.text(max_size=8))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.floats(allow_nan=False), st.text(max_size=20),
    st.sampled_from(['2019-01-01', '2019-01-01T00:00:00+00:00', 'ALL', 'asc', 'x:y',
                     'type:cpu', 'time-d', 'table', 'object', 'true', '0', '-1',
                     '1e400', 'NaN', '9' * 30, '0001-01-01T00:00:00+14:00',
                     '9999-12-31T23:59:59', '1969-12-31T23:00:00-02:00']))
json_values = st.recursive(
    scalars, lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(names, children, max_size=4)),
    max_leaves=10)
query_values = st.one_of(st.text(max_size=20), scalars.map(str))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES),
       query=st.lists(st.tuples(names, query_values), max_size=4),
       body=st.one_of(st.none(), st.dictionaries(names, json_values, max_size=5),
                      json_values))
def test_no_server_error_for_random_input(client, route, query, body):
    method, path = route
    if query:
        path += '?' + urllib.parse.urlencode(query)
    response = client.request(method, path, json=body)
    assert response.status < 500, (method, path, body, response.text)
    assert 'Traceback' not in response.text


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from([r for r in ROUTES if r[0] != 'GET']),
       raw=st.binary(max_size=64))
def test_no_server_error_for_random_bytes(client, route, raw):
    method, path = route
    response = client.request(method, path, body=raw)
    assert response.status < 500, (method, path, raw, response.text)
