"""Building the configured storage, and ``cloudkitty-storage-init``."""
from __future__ import annotations

import sys

import pytest
import sqlalchemy as sa

from cloudkitty import service, storage
from cloudkitty.cmd import storage_init
from cloudkitty.common import exception
from cloudkitty.storage.v1.adapter import V1StorageAdapter
from cloudkitty.storage.v2.sqlalchemy import SQLAlchemyStorage


def _conf(**storage_options):
    conf = service.prepare_service([], setup_logging=False)
    for name, value in storage_options.items():
        conf.set_override(name, value, group='storage')
    return conf


def test_v2_sqlalchemy_is_the_default(sqlite_db):
    assert isinstance(storage.get_storage(_conf(), db=sqlite_db), SQLAlchemyStorage)


def test_version_1_wraps_the_v1_backend(sqlite_db):
    built = storage.get_storage(_conf(version=1), db=sqlite_db)
    assert isinstance(built, V1StorageAdapter)
    assert built.db is sqlite_db


@pytest.mark.parametrize('version, valid', [(2, 'sqlalchemy'), (1, 'sqlalchemy')])
def test_unknown_backend_names_the_option_and_the_choices(sqlite_db, version, valid):
    with pytest.raises(exception.ConfigurationError) as error:
        storage.get_storage(_conf(version=version, backend='nosuch'), db=sqlite_db)
    message = str(error.value)
    assert '[storage] backend' in message and "'nosuch'" in message
    assert valid in message.split('valid names:')[1]


def test_storage_init_creates_the_tables(tmp_path, monkeypatch, capsys):
    database = tmp_path / 'ck.sqlite'
    config = tmp_path / 'cloudkitty.conf'
    config.write_text('[database]\nconnection = sqlite:///%s\n' % database)
    monkeypatch.setattr(sys, 'argv', ['cloudkitty-storage-init', '--config-file',
                                      str(config)])

    assert storage_init.main() == 0

    tables = sa.inspect(sa.create_engine('sqlite:///%s' % database)).get_table_names()
    assert {'cloudkitty_storage_states', 'storage_rated_points',
            'rated_data_frames'} <= set(tables)


def test_storage_init_reports_a_bad_backend_in_one_line(tmp_path, monkeypatch, capsys):
    config = tmp_path / 'cloudkitty.conf'
    config.write_text('[database]\nconnection = sqlite:///%s\n[storage]\nbackend = nosuch\n'
                      % (tmp_path / 'ck.sqlite'))
    monkeypatch.setattr(sys, 'argv', ['cloudkitty-storage-init', '--config-file',
                                      str(config)])

    assert storage_init.main() == 1
    assert '[storage] backend' in capsys.readouterr().err
