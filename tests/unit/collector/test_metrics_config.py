"""metrics.yml validation (contract §6.1): what is accepted, what each error says."""
import decimal
import os

import pytest

from cloudkitty.collector import metrics_config
from cloudkitty.common import exception
from cloudkitty.sample import generate as sample
from tests.fixtures.collect import write_metrics

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def load(tmp_path, document, collector='prometheus', scope_key='project_id'):
    path = write_metrics(tmp_path, document)
    return metrics_config.load_metrics_config(path, collector, scope_key)


def error_of(tmp_path, document, collector='prometheus') -> str:
    with pytest.raises(exception.InvalidMetricsConfig) as caught:
        load(tmp_path, document, collector)
    message = str(caught.value)
    assert message.startswith('Invalid metrics configuration %s: '
                              % os.path.join(str(tmp_path), 'metrics.yml'))
    return message.split(': ', 1)[1]


def test_minimal_definition_gets_defaults(tmp_path):
    config = load(tmp_path, {'metrics': {'cpu': {'unit': 'instance'}}})
    cpu = config['cpu']
    assert cpu.unit == 'instance'
    assert cpu.metric_type == 'cpu'
    assert cpu.factor == 1 and cpu.offset == 0
    assert cpu.groupby == ('project_id',)
    assert cpu.metadata == ()
    assert cpu.mutate == 'NONE'
    assert cpu.extra_args == {'aggregation_method': 'max', 'query_function': None,
                              'range_function': None, 'query_prefix': '',
                              'query_suffix': ''}


def test_scope_key_appended_once(tmp_path):
    config = load(tmp_path, {'metrics': {
        'a': {'unit': 'u', 'groupby': ['id']},
        'b': {'unit': 'u', 'groupby': ['tenant', 'id']},
    }}, scope_key='tenant')
    assert config['a'].groupby == ('id', 'tenant')
    assert config['b'].groupby == ('tenant', 'id')


def test_factor_and_offset_forms(tmp_path):
    config = load(tmp_path, {'metrics': {'m': {
        'unit': 'MiB', 'factor': '1/1048576', 'offset': 2.5}}})
    assert config['m'].factor == decimal.Decimal(1 / 1048576)
    assert config['m'].offset == decimal.Decimal('2.5')
    config = load(tmp_path, {'metrics': {'m': {'unit': 'u', 'factor': 3, 'offset': -1}}})
    assert (config['m'].factor, config['m'].offset) == (3, -1)


def test_list_of_definitions_keyed_by_alt_name(tmp_path):
    config = load(tmp_path, {'metrics': {'volume.size': [
        {'unit': 'GiB', 'alt_name': 'volume'},
        {'unit': 'GiB', 'alt_name': 'volume_ssd', 'extra_args': {
            'aggregation_method': 'sum'}},
    ]}})
    assert list(config) == ['volume.size@#volume', 'volume.size@#volume_ssd']
    ssd = config['volume.size@#volume_ssd']
    assert ssd.source == 'volume.size'
    assert ssd.metric_type == 'volume_ssd'
    assert ssd.extra_args['aggregation_method'] == 'sum'


def test_metrics_sorted_by_key_and_raw_document_kept(tmp_path):
    document = {'metrics': {'zeta': {'unit': 'z'}, 'alpha': {'unit': 'a', 'alt_name': 'x'}}}
    config = load(tmp_path, document)
    assert list(config) == ['alpha', 'zeta']
    assert config.raw == document


def test_info_lists_metric_ids_units_and_unique_metadata(tmp_path):
    config = load(tmp_path, {'metrics': {
        'cpu': {'unit': 'instance', 'alt_name': 'instance',
                'metadata': ['flavor', 'vcpus', 'flavor']},
        'image.size': {'unit': 'MiB'},
    }})
    infos = {info.metric_id: info for info in config.metrics_info()}
    assert set(infos) == {'instance', 'image.size'}
    assert infos['instance'].unit == 'instance'
    assert sorted(infos['instance'].metadata) == ['flavor', 'vcpus']
    assert config.metric_info('instance').unit == 'instance'
    assert config.metric_info('cpu') is None
    assert config.by_metric_type('instance').key == 'cpu'


def test_mutate_map_accepted_with_map(tmp_path):
    config = load(tmp_path, {'metrics': {'m': {
        'unit': 'u', 'mutate': 'MAP', 'mutate_map': {0: 1, 1.5: 2}}}})
    assert config['m'].mutate_map == {0.0: 1.0, 1.5: 2.0}


@pytest.mark.parametrize('document, expected', [
    ('metrics: [', 'not valid YAML'),
    ('- a\n- b\n', '(top level): expected a mapping with a "metrics" key'),
    ({'other': 1}, 'metrics: required key missing'),
    ({'metrics': {}, 'x': 1}, 'x: unknown key (only "metrics" is allowed)'),
    ({'metrics': {}}, 'metrics: expected a non-empty mapping of metric names'),
    ({'metrics': ['cpu']}, 'metrics: expected a non-empty mapping of metric names'),
    ({'metrics': {'cpu': 'instance'}},
     'metrics.cpu: expected a mapping (or a list of mappings)'),
    ({'metrics': {'cpu': []}}, 'metrics.cpu: expected at least one definition'),
    ({'metrics': {'cpu': {'alt_name': 'x'}}}, 'metrics.cpu.unit: required key missing'),
    ({'metrics': {'cpu': {'unit': ''}}},
     "metrics.cpu.unit: expected a non-empty string, got ''"),
    ({'metrics': {'cpu': {'unit': 'u', 'colour': 'red'}}}, 'metrics.cpu.colour: unknown key'),
    ({'metrics': {'cpu': {'unit': 'u', 'factor': 'half'}}},
     "metrics.cpu.factor: expected a number or a fraction like \"1/1024\", got 'half'"),
    ({'metrics': {'cpu': {'unit': 'u', 'offset': '1/0'}}}, 'metrics.cpu.offset: expected'),
    ({'metrics': {'cpu': {'unit': 'u', 'factor': True}}}, 'metrics.cpu.factor: expected'),
    ({'metrics': {'cpu': {'unit': 'u', 'groupby': 'id'}}},
     "metrics.cpu.groupby: expected a list of strings, got 'id'"),
    ({'metrics': {'cpu': {'unit': 'u', 'metadata': ['a', 3]}}},
     'metrics.cpu.metadata[1]: expected a non-empty string, got 3'),
    ({'metrics': {'cpu': {'unit': 'u', 'groupby': ['id'], 'metadata': ['id']}}},
     "metrics.cpu: 'id' is listed in both groupby and metadata"),
    ({'metrics': {'cpu': {'unit': 'u', 'metadata': ['project_id']}}},
     "metrics.cpu: 'project_id' is listed in both groupby and metadata (the scope key"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'ROUND'}}},
     "metrics.cpu.mutate: invalid value 'ROUND', expected one of: NONE, NUMBOOL"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'MAP'}}},
     'metrics.cpu.mutate_map: required when mutate is MAP'),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate_map': {1: 2}}}},
     'metrics.cpu.mutate_map: only allowed when mutate is MAP'),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'MAP', 'mutate_map': {1: 'x'}}}},
     "metrics.cpu.mutate_map.1: expected numbers on both sides, got 'x'"),
    ({'metrics': {'cpu': {'unit': 'u', 'skip_datapoints_expression': ''}}},
     'metrics.cpu.skip_datapoints_expression: expected a non-empty string'),
    ({'metrics': {'cpu': [{'unit': 'u', 'alt_name': 'a'}, {'unit': 'v', 'alt_name': 'a'}]}},
     "metrics.cpu[1]: another definition of cpu already uses alt_name 'a'"),
    ({'metrics': {'cpu': [{'unit': 'u'}, {'unit': 'v'}]}},
     "metrics.cpu[1]: another definition of cpu already uses alt_name 'cpu'"),
    ({'metrics': {'cpu': [{'unit': 'u', 'alt_name': 'a'}, {'alt_name': 'b'}]}},
     'metrics.cpu[1].unit: required key missing'),
    ({'metrics': {'cpu': {'unit': 'u', 'extra_args': ['max']}}},
     "metrics.cpu.extra_args: expected a mapping, got ['max']"),
    ({'metrics': {'cpu': {'unit': 'u', 'extra_args': {'resource_type': 'x'}}}},
     'metrics.cpu.extra_args.resource_type: unknown key for this collector (allowed: '
     'aggregation_method, query_function, query_prefix, query_suffix, range_function)'),
    ({'metrics': {'cpu': {'unit': 'u', 'extra_args': {'aggregation_method': 'mean'}}}},
     "metrics.cpu.extra_args.aggregation_method: invalid value 'mean', expected one of: "
     'avg, count, max, min, stddev, stdvar, sum'),
    ({'metrics': {'cpu': {'unit': 'u', 'extra_args': {'range_function': 'increase'}}}},
     "metrics.cpu.extra_args.range_function: invalid value 'increase'"),
    ({'metrics': {'cpu': {'unit': 'u', 'extra_args': {'query_prefix': 3}}}},
     'metrics.cpu.extra_args.query_prefix: expected a string, got 3'),
])
def test_rule_violations_name_the_key(tmp_path, document, expected):
    assert expected in error_of(tmp_path, document)


def test_extra_args_checked_against_the_active_collector(tmp_path):
    document = {'metrics': {'cpu': {'unit': 'u', 'extra_args': {
        'aggregation_method': 'stddev'}}}}
    assert load(tmp_path, document)['cpu'].extra_args['aggregation_method'] == 'stddev'
    assert ("metrics.cpu.extra_args.aggregation_method: invalid value 'stddev'"
            in error_of(tmp_path, document, collector='file'))


def test_unreadable_file(tmp_path):
    with pytest.raises(exception.InvalidMetricsConfig) as caught:
        metrics_config.load_metrics_config(str(tmp_path / 'nope.yml'), 'prometheus')
    assert 'nope.yml: cannot read the file: No such file or directory' in str(caught.value)


def test_unknown_collector_names_the_option(tmp_path):
    path = write_metrics(tmp_path, {'metrics': {'cpu': {'unit': 'u'}}})
    with pytest.raises(exception.ConfigurationError) as caught:
        metrics_config.load_metrics_config(path, 'gnocchix')
    assert str(caught.value) == (
        'Invalid configuration: [collect] collector = gnocchix is not a known collector '
        '(available: file, gnocchi, prometheus)')


@pytest.mark.parametrize('path, collector, scope_key', [
    (os.path.join(REPO, 'etc', 'cloudkitty', 'metrics.yml'), 'prometheus', 'project'),
    (os.path.join(REPO, 'etc', 'cloudkitty', 'metrics-file.yml'), 'file', 'project_id'),
    (sample.sample_file(sample.METRICS_FILE), 'file', 'project_id'),
])
def test_shipped_samples_are_valid(path, collector, scope_key):
    config = metrics_config.load_metrics_config(path, collector, scope_key)
    assert len(config) >= 5


def test_file_collector_sample_matches_the_bundled_one():
    with open(os.path.join(REPO, 'etc', 'cloudkitty', 'metrics-file.yml')) as etc_file, \
            open(sample.sample_file(sample.METRICS_FILE)) as bundled:
        assert etc_file.read() == bundled.read()
