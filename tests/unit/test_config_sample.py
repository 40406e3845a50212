"""The generated samples committed under ``etc/cloudkitty/`` match the code.

For ``cloudkitty.conf.sample`` only the service's own options are compared: the
oslo libraries' sections move with their releases, which must not fail our
suite. Regenerate with ``tox -e genconfig`` and ``tox -e genpolicy``.
"""
from __future__ import annotations

import io
import pathlib
import re
import subprocess
import sys

from oslo_config import cfg, generator

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONFIG = ROOT / 'etc' / 'oslo-config-generator' / 'cloudkitty.conf'
SAMPLE = ROOT / 'etc' / 'cloudkitty' / 'cloudkitty.conf.sample'
POLICY_GENERATOR_CONFIG = ROOT / 'etc' / 'oslo-policy-generator' / 'cloudkitty.conf'
POLICY_SAMPLE = ROOT / 'etc' / 'cloudkitty' / 'policy.yaml.sample'
OWN_NAMESPACE = 'cloudkitty.common.config'

_GROUP_HEADER = re.compile(r'^\[(?P<group>[^\]]+)\]$', re.MULTILINE)
_NAMESPACE_HEADER = re.compile(r'^#\n# From (?P<namespace>\S+)\n#\n', re.MULTILINE)


def _blocks_by_namespace(sample: str, namespace: str) -> dict[str, str]:
    """group -> the text the generator wrote for ``namespace`` in that group."""
    blocks = {}
    groups = list(_GROUP_HEADER.finditer(sample))
    for index, group in enumerate(groups):
        end = groups[index + 1].start() if index + 1 < len(groups) else len(sample)
        body = sample[group.end():end]
        headers = list(_NAMESPACE_HEADER.finditer(body))
        for position, header in enumerate(headers):
            if header.group('namespace') == namespace:
                stop = (headers[position + 1].start() if position + 1 < len(headers)
                        else len(body))
                blocks[group.group('group')] = body[header.end():stop].strip()
    return blocks


def _generate_sample() -> str:
    conf = cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    conf(['--config-file', str(GENERATOR_CONFIG)])
    output = io.StringIO()
    generator.generate(conf, output_file=output)
    return output.getvalue()


def test_committed_sample_lists_every_option_of_the_service():
    expected = _blocks_by_namespace(_generate_sample(), OWN_NAMESPACE)
    committed = _blocks_by_namespace(SAMPLE.read_text(), OWN_NAMESPACE)

    assert expected, 'the generator found no option of %s' % OWN_NAMESPACE
    stale = sorted(group for group in expected.keys() | committed.keys()
                   if expected.get(group) != committed.get(group))
    assert not stale, (
        '%s is stale in groups %s; regenerate it with "tox -e genconfig"'
        % (SAMPLE.relative_to(ROOT), ', '.join(stale)))


def test_committed_policy_sample_lists_every_rule(tmp_path):
    generated = tmp_path / 'policy.yaml.sample'
    subprocess.run([pathlib.Path(sys.executable).with_name('oslopolicy-sample-generator'),
                    '--config-file', POLICY_GENERATOR_CONFIG, '--output-file', generated],
                   check=True, capture_output=True, cwd=ROOT)

    assert generated.read_text() == POLICY_SAMPLE.read_text(), (
        '%s is stale; regenerate it with "tox -e genpolicy"'
        % POLICY_SAMPLE.relative_to(ROOT))
