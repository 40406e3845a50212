"""``/``, version prefixes and the wire conventions every route shares."""
from __future__ import annotations

import json
import urllib.request

import pytest
from oslo_middleware import cors


def test_versions_document_lists_v1_and_v2(client):
    response = client.get('/')
    assert response.status == 200
    assert response.json == {'versions': [
        {'id': 'v1', 'status': 'CURRENT',
         'links': [{'href': 'http://localhost/v1', 'rel': 'self'}]},
        {'id': 'v2', 'status': 'EXPERIMENTAL',
         'links': [{'href': 'http://localhost/v2', 'rel': 'self'}]}]}


def test_head_root_is_ok(client):
    assert client.head('/').status == 200


def test_post_root_is_not_allowed(client):
    assert client.post('/', json={}).status == 405


def test_storage_v1_hides_v2(sqlite_db, make_api_client):
    client = make_api_client(sqlite_db, storage={'version': 1})
    versions = client.get('/').json['versions']
    assert [version['id'] for version in versions] == ['v1']
    assert client.get('/v2/rating/modules').status == 404


def test_v1_root_is_method_not_allowed_in_pecan_shape(client):
    response = client.get('/v1')
    assert response.status == 405
    assert response.json == {'code': 405, 'title': 'Method Not Allowed',
                             'description': ''}


@pytest.mark.parametrize('path', ['/v2', '/v2/', '/v2/scopes', '/v2/unknown/deeper'])
def test_unknown_v2_paths_are_404_messages(client, path):
    response = client.get(path)
    assert response.status == 404
    assert set(response.json) == {'message'}


def test_unknown_v1_path_is_404_in_pecan_shape(client):
    response = client.get('/v1/nothing/here')
    assert response.status == 404
    assert response.json['code'] == 404
    assert response.json['title'] == 'Not Found'


def test_html_clients_get_406(client):
    response = client.get('/v1/rating/modules', headers={'Accept': 'text/html'})
    assert response.status == 406


def test_json_and_wildcard_accept_are_served(client):
    assert client.get('/', headers={'Accept': 'application/json'}).status == 200
    assert client.get('/', headers={'Accept': '*/*'}).status == 200


def test_body_over_the_limit_is_413(sqlite_db, make_api_client):
    client = make_api_client(sqlite_db, api={'max_request_body_size': 1024})
    response = client.post('/v2/scope', body=b'{"scope_id": "' + b'x' * 2000 + b'"}')
    assert response.status == 413
    assert response.json['code'] == 413


def test_invalid_content_length_is_400(client):
    response = client.post('/v2/scope', body=b'{}',
                           headers={'Content-Length': 'many'})
    assert response.status == 400


def test_live_server_serves_the_paste_pipeline(live_api_server):
    with urllib.request.urlopen(live_api_server.url + '/v1/rating/modules/') as reply:
        assert reply.status == 200
        assert reply.headers['x-openstack-request-id'].startswith('req-')
        modules = json.load(reply)['modules']
    assert 'noop' in [module['module_id'] for module in modules]


def test_live_server_healthcheck(live_api_server):
    with urllib.request.urlopen(live_api_server.url + '/healthcheck') as reply:
        assert reply.status == 200


def test_live_server_cors_echoes_allowed_origin(sqlite_db, live_api_server):
    # The live server is noauth with the default [cors] (no allowed origin).
    request = urllib.request.Request(live_api_server.url + '/',
                                     headers={'Origin': 'http://evil.example.com'})
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 200
        assert 'Access-Control-Allow-Origin' not in reply.headers


def test_cors_echoes_an_allowed_origin(sqlite_db, tmp_path):
    from cloudkitty.api import app as api_app
    from tests.fixtures.api import ApiClient, api_conf
    conf = api_conf(sqlite_db)
    conf.register_opts(cors.CORS_OPTS, group='cors')
    conf.set_override('allowed_origin', ['http://valid.example.com'], group='cors')
    client = ApiClient(api_app.load_app(conf), conf, sqlite_db)
    allowed = client.get('/', headers={'Origin': 'http://valid.example.com'})
    assert allowed.status == 200
    assert allowed.headers['Access-Control-Allow-Origin'] == 'http://valid.example.com'
    preflight = client.request('OPTIONS', '/', headers={
        'Origin': 'http://valid.example.com', 'Access-Control-Request-Method': 'GET'})
    assert preflight.headers['Access-Control-Allow-Origin'] == \
        'http://valid.example.com'
    other = client.get('/', headers={'Origin': 'http://invalid.example.com'})
    assert other.status == 200
    assert 'Access-Control-Allow-Origin' not in other.headers
