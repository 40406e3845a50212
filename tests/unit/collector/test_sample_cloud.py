"""The bundled sample cloud: deterministic usage the file collector can rate."""
import datetime
import json

import yaml

from cloudkitty.collector import file as file_collector
from cloudkitty.collector import metrics_config
from cloudkitty.common import exception
from cloudkitty.sample import generate as sample
from tests.fixtures.collect import make_conf

NOW = datetime.datetime(2025, 5, 20, 13, 42)


def test_same_seed_same_cloud_other_seed_other_cloud(tmp_path):
    first = sample.generate(str(tmp_path / 'a'), days=2, seed=7, now=NOW)
    second = sample.generate(str(tmp_path / 'b'), days=2, seed=7, now=NOW)
    other = sample.generate(str(tmp_path / 'c'), days=2, seed=8, now=NOW)
    assert (tmp_path / 'a' / 'usage.jsonl').read_bytes() == \
        (tmp_path / 'b' / 'usage.jsonl').read_bytes()
    assert first['projects'] == second['projects'] != other['projects']


def test_hourly_samples_over_the_last_days(tmp_path):
    summary = sample.generate(str(tmp_path), days=3, now=NOW)
    lines = [json.loads(line) for line in open(summary['usage_file'])]
    assert len(lines) == summary['samples']
    times = sorted({line['time'] for line in lines})
    assert times[0] == '2025-05-17T13:00:00Z' and times[-1] == '2025-05-20T12:00:00Z'
    assert len(times) == 72
    assert {line['metric'] for line in lines} == {
        'instance', 'volume.size', 'ip.floating', 'image.size', 'network.outgoing.bytes'}
    assert {line['labels']['project_id'] for line in lines} == {
        project['id'] for project in summary['projects']}
    assert len(summary['projects']) == 3
    flavors = {line['labels']['flavor_name'] for line in lines if line['metric'] == 'instance'}
    assert len(flavors) >= 2
    volume_types = {line['labels']['volume_type'] for line in lines
                    if line['metric'] == 'volume.size'}
    assert volume_types == {'ssd', 'hdd'}
    assert json.load(open(tmp_path / 'cloud.json'))['projects'] == summary['projects']


def test_bundled_metrics_rate_the_generated_usage(tmp_path):
    summary = sample.generate(str(tmp_path), days=1, now=NOW)
    conf = make_conf({'collect': {'collector': 'file',
                                  'metrics_conf': summary['metrics_file']},
                      'collector_file': {'path': str(tmp_path)}})
    collector = file_collector.FileCollector(conf)
    start = datetime.datetime(2025, 5, 20, 12)
    collected = {}
    for project in summary['projects']:
        for key in collector.metrics:
            try:
                points = collector.collect(key, project['id'], start,
                                           start + datetime.timedelta(hours=1))
            except exception.NoDataCollected:  # a project may lack a resource type
                continue
            collected.setdefault(collector.metric_type(key), []).extend(points)
    assert {'instance', 'volume.size'} <= set(collected)
    assert all(point.qty == 1 for point in collected['instance'])
    assert all(point.metadata['flavor_name'] in sample.FLAVORS
               for point in collected['instance'])


def test_hashmap_rules_reference_rated_metric_types():
    config = metrics_config.load_metrics_config(sample.sample_file(sample.METRICS_FILE),
                                                'file')
    metric_types = {definition.metric_type for definition in config.metrics.values()}
    with open(sample.sample_file(sample.HASHMAP_FILE)) as stream:
        rules = yaml.safe_load(stream)
    services = {service['name'] for service in rules['services']}
    assert services == metric_types
    for service in rules['services']:
        definition = config.by_metric_type(service['name'])
        for field in service.get('fields', []):
            assert field['name'] in definition.groupby + definition.metadata


def test_command_line(tmp_path, capsys):
    assert sample.main(['--output', str(tmp_path), '--days', '1', '--seed', '3']) == 0
    assert 'samples for projects' in capsys.readouterr().out
    assert (tmp_path / 'usage.jsonl').stat().st_size > 0
