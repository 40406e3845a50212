"""The benchmark suite (tools/bench) works: each stage at the smallest sizes.

No timing is asserted: these runs prove that the scripts measure what they
say (every stored point is counted, every query answers, the documentation
tables are regenerated from the JSON) so that a full run on a quiet machine
does not fail after an hour. SQLite only, plus the servers each stage needs.
"""
from __future__ import annotations

import dataclasses
import json
import shutil

from tests.fixtures import servers
from tests.functional.processor import e2e
from tools.bench import report, suite
from tools.bench.api import HttpSettings
from tools.bench.processor import CloudSize
from tools.bench.profiles import QUICK

TINY = dataclasses.replace(
    QUICK, runs=1, backends=('sqlite',), rating_points=(500, 1_000), storage_points=(3_000,),
    storage_projects=3, http=HttpSettings(repeat=2, connections=2, threads=1, duration=1,
                                          runs=1),
    processor_sizes=(CloudSize(2, 2, 2),), processor_workers=(1,), processor_timeout=120)


def _results(tmp_path, stage: str) -> dict:
    output = str(tmp_path / 'results.json')
    suite.run(TINY, [stage], output)
    with open(output, encoding='utf-8') as stream:
        return json.load(stream)


def _regenerated_doc(tmp_path, document: dict) -> str:
    page = tmp_path / 'benchmarks.rst'
    shutil.copy(report.DOC_FILE, page)
    report.update_doc(str(page), report.tables(document))
    return page.read_text(encoding='utf-8')


def test_rating_stage_results_become_the_doc_tables(tmp_path):
    document = _results(tmp_path, 'rating')

    assert [result['points'] for result in document['rating']] == [500, 1_000]
    assert all(result['points_per_second'] > 0 and result['runs'] == 1
               for result in document['rating'])
    assert document['machine']['cores'] >= 1
    page = _regenerated_doc(tmp_path, document)
    rating_part = page.split('.. begin generated table: rating')[1].split('.. end')[0]
    assert '.. list-table:: Rating core' in rating_part
    assert '   * - 1,000\n' in rating_part
    machine_part = page.split('.. begin generated table: machine')[1].split('.. end')[0]
    assert 'Python %s' % document['machine']['python'] in machine_part
    # Stages that did not run keep what the page had.
    with open(report.DOC_FILE, encoding='utf-8') as stream:
        before = stream.read()
    assert (page.split('.. begin generated table: processor')[1]
            == before.split('.. begin generated table: processor')[1])
    # Hand-written prose stays.
    assert 'Running the suite' in page


def test_storage_stage_pushes_then_queries_and_loads_the_api(tmp_path):
    if shutil.which('wrk') is None:
        servers.missing('wrk is not installed (Debian package wrk)')
    document = _results(tmp_path, 'storage')

    [result] = document['storage']
    assert result['backend'] == 'sqlite' and result['size'] == 3_000
    points = result['push']['points']
    assert points >= 3_000 * 0.9
    queries = result['api']['queries']
    assert queries['summary_by_project']['total'] == TINY.storage_projects
    assert queries['summary_by_day']['total'] == 31
    assert queries['dataframes_first_page']['total'] == points
    assert 0 < queries['dataframes_one_project']['total'] < points
    assert all(query['p50_ms'] > 0 for query in queries.values())
    for name in ('summary_by_project', 'hashmap_mappings'):
        load = result['api']['load'][name]
        assert load['requests'] > 0 and load['non_2xx_3xx'] == 0, load
    page = _regenerated_doc(tmp_path, document)
    assert '.. list-table:: HTTP API under load' in page
    assert 'hashmap mappings list' in page


def test_processor_stage_rates_the_whole_synthetic_cloud(tmp_path):
    document = _results(tmp_path, 'processor')

    [result] = document['processor']
    cloud = TINY.processor_sizes[0]
    expected = sum(len(resource.values)
                   for resource in e2e.generate(cloud.scopes, cloud.resources, cloud.hours))
    assert result['rated_points'] == expected
    assert result['scope_periods'] == cloud.scopes * cloud.hours
    assert result['processes'] == 2
    assert result['peak_rss_master_mib'] > 0 and result['peak_rss_worker_max_mib'] > 0
