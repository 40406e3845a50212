"""Alembic environment: runs online against the engine the caller hands over."""
from alembic import context

from cloudkitty.db import models

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes['engine']
    with engine.begin() as connection:
        context.configure(connection=connection,
                          target_metadata=models.Base.metadata,
                          version_table=config.attributes['version_table'],
                          render_as_batch=engine.dialect.name == 'sqlite')
        context.run_migrations()


run_migrations_online()
