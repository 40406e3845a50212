"""HTTP settings of the shared Prometheus client (auth, TLS, URL)."""
import pytest

from cloudkitty.common import exception
from cloudkitty.common.prometheus import PrometheusClient


def test_basic_auth_only_with_user_and_password():
    assert PrometheusClient('http://p/api/v1', 'u', 'p').session.auth == ('u', 'p')
    assert PrometheusClient('http://p/api/v1', 'u', None).session.auth is None
    assert PrometheusClient('http://p/api/v1', None, 'p').session.auth is None


@pytest.mark.parametrize('cafile, insecure, verify', [
    (None, False, True), ('/etc/ca.pem', False, '/etc/ca.pem'), ('/etc/ca.pem', True, False),
])
def test_tls_verification(cafile, insecure, verify):
    client = PrometheusClient('https://p/api/v1', cafile=cafile, insecure=insecure)
    assert client.session.verify == verify


def test_url_is_required_and_trailing_slash_ignored():
    with pytest.raises(exception.ConfigurationError, match='prometheus_url'):
        PrometheusClient('')
    assert PrometheusClient('http://p/api/v1/').url == 'http://p/api/v1'
