"""The quick start's configuration is one the services read as intended."""
import json

import pytest

from cloudkitty import service
from cloudkitty.sample import config as sample_config


@pytest.fixture
def usage_dir(tmp_path):
    usage = tmp_path / 'usage'
    usage.mkdir()
    (usage / 'cloud.json').write_text(json.dumps({
        'metrics_file': '/opt/metrics.yml',
        'projects': [{'id': 'p1'}, {'id': 'p2'}]}))
    return usage


def test_written_configuration_embeds_every_service(tmp_path, usage_dir, capsys):
    assert sample_config.main(['--state-dir', str(tmp_path), '--port', '9999',
                               '--usage', str(usage_dir)]) == 0
    conf_file = tmp_path / 'cloudkitty.conf'
    conf_file.write_text(capsys.readouterr().out)

    conf = service.prepare_service([], [str(conf_file)], setup_logging=False)

    assert conf.auth_strategy == 'noauth'
    assert conf.api.port == 9999
    assert conf.database.connection == 'sqlite:///%s/cloudkitty.sqlite' % tmp_path
    assert conf.storage.backend == 'sqlalchemy'
    assert conf.collect.collector == 'file'
    assert conf.collect.metrics_conf == '/opt/metrics.yml'
    assert conf.fetcher.backend == 'source'
    assert conf.fetcher_source.sources == ['p1', 'p2']
    assert conf.orchestrator.coordination_url == 'file://%s/locks' % tmp_path


def test_later_layers_win_option_by_option(tmp_path):
    settings = sample_config.merged(
        sample_config.embedded(str(tmp_path), 8889, '/etc/paste.ini'),
        sample_config.keystone_authtoken('http://127.0.0.1:5000/v3', 'ck', 'secret'),
        {'orchestrator': {'max_workers': '4'}})
    conf_file = sample_config.write(str(tmp_path / 'ck.conf'), settings)

    conf = service.prepare_service([], [conf_file], setup_logging=False)

    assert conf.auth_strategy == 'keystone'
    assert conf.api_paste_config == '/etc/paste.ini'
    assert conf.orchestrator.max_workers == 4
    assert conf.orchestrator.max_workers_reprocessing == 1


def test_missing_sample_cloud_is_a_clear_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        sample_config.main(['--state-dir', str(tmp_path), '--usage', str(tmp_path)])
    assert stop.value.code == 2
    assert 'cannot read the sample cloud in %s' % tmp_path in capsys.readouterr().err
