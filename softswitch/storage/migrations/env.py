"""Alembic environment: runs the migrations on the connection :mod:`..migrate` hands over.

There is no ``alembic.ini``: the caller puts the connection (or, for SQL rendering, a dialect
name) and the version table's name into ``config.attributes``.
"""

from __future__ import annotations

from alembic import context

from softswitch.storage.models import Base

config = context.config
version_table: str = config.attributes["version_table"]

if context.is_offline_mode():
    context.configure(
        dialect_name=config.attributes["dialect_name"],
        literal_binds=True,
        version_table=version_table,
        target_metadata=Base.metadata,
    )
else:
    context.configure(
        connection=config.attributes["connection"],
        version_table=version_table,
        target_metadata=Base.metadata,
        # Database.open begins SQLite transactions itself, which makes its DDL transactional.
        transactional_ddl=True,
    )
with context.begin_transaction():
    context.run_migrations()
