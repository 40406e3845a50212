"""Exact PromQL built by the Prometheus collector (contract §6.4)."""
import pytest

from cloudkitty.collector import metrics_config, prometheus


def definition(name='openstack_nova_server_status', groupby=('uuid', 'user_id', 'tenant_id'),
               metadata=('flavor_id', 'name'), scope_key='project_id', **extra_args):
    document = {'metrics': {name: {'unit': 'instance', 'groupby': list(groupby),
                                   'metadata': list(metadata), 'extra_args': extra_args}}}
    config = metrics_config.parse_metrics_config(
        document, prometheus.PrometheusCollector.EXTRA_ARGS, scope_key)
    return next(iter(config.metrics.values()))


def test_contract_example():
    assert prometheus.build_query(definition(), 'project_id', 'abc', 3600) == (
        'max(max_over_time(openstack_nova_server_status{project_id="abc"}[3600s])) '
        'by (uuid, user_id, tenant_id, project_id, flavor_id, name)')


@pytest.mark.parametrize('extra_args, expected', [
    ({'aggregation_method': 'sum'},
     'sum(sum_over_time(m{project_id="p"}[600s])) by (id, project_id)'),
    ({'aggregation_method': 'avg', 'range_function': 'rate'},
     'avg(rate(m{project_id="p"}[600s])) by (id, project_id)'),
    ({'query_function': 'ceil'},
     'max(ceil(max_over_time(m{project_id="p"}[600s]))) by (id, project_id)'),
    ({'aggregation_method': 'count', 'range_function': 'irate', 'query_function': 'abs'},
     'count(abs(irate(m{project_id="p"}[600s]))) by (id, project_id)'),
    ({'query_prefix': '100 *'},
     '100 * max(max_over_time(m{project_id="p"}[600s])) by (id, project_id)'),
    ({'query_suffix': '> 0'},
     'max(max_over_time(m{project_id="p"}[600s])) by (id, project_id) > 0'),
    ({'aggregation_method': 'min', 'range_function': 'delta', 'query_function': 'round',
      'query_prefix': 'scalar(1) *', 'query_suffix': '/ 2'},
     'scalar(1) * min(round(delta(m{project_id="p"}[600s]))) by (id, project_id) / 2'),
])
def test_extra_args_combinations(extra_args, expected):
    query = prometheus.build_query(definition('m', ('id',), (), **extra_args),
                                   'project_id', 'p', 600)
    assert query == expected


@pytest.mark.parametrize('aggregation', prometheus.AGGREGATION_METHODS)
@pytest.mark.parametrize('range_function', (None,) + prometheus.RANGE_FUNCTIONS)
@pytest.mark.parametrize('query_function', (None,) + prometheus.QUERY_FUNCTIONS)
def test_every_function_combination(aggregation, range_function, query_function):
    extra_args = {'aggregation_method': aggregation}
    if range_function:
        extra_args['range_function'] = range_function
    if query_function:
        extra_args['query_function'] = query_function
    query = prometheus.build_query(definition('m', (), (), 'tenant', **extra_args),
                                   'tenant', 't', 60)
    inner = '%s(m{tenant="t"}[60s])' % (range_function or aggregation + '_over_time')
    if query_function:
        inner = '%s(%s)' % (query_function, inner)
    assert query == '%s(%s) by (tenant)' % (aggregation, inner)


def test_alt_name_suffix_is_stripped_from_the_metric():
    document = {'metrics': {'volume_size': [{'unit': 'GiB', 'alt_name': 'a'},
                                            {'unit': 'GiB', 'alt_name': 'b'}]}}
    config = metrics_config.parse_metrics_config(
        document, prometheus.PrometheusCollector.EXTRA_ARGS)
    query = prometheus.build_query(config['volume_size@#b'], 'project_id', 'p', 3600)
    assert query == 'max(max_over_time(volume_size{project_id="p"}[3600s])) by (project_id)'
