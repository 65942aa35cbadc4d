"""Schema migrations, run programmatically with Alembic on a connection we already hold.

The version is kept in ``softswitch_schema_version``, not Alembic's default
``alembic_version``, because a site's Asterisk database already has that table for Asterisk's
own migrations, and the two histories must not collide.

Alembic is imported only when a migration runs: every start of the switch and of each CLI
command opens the database, and an up-to-date schema (the usual case) needs nothing but a
look at the version table.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "softswitch_schema_version"
SCRIPT_LOCATION = Path(__file__).parent / "migrations"
HEAD = "0005"
"""The newest revision in ``migrations/versions``; a test checks that they agree."""


def _config() -> Config:
    from alembic.config import Config  # noqa: PLC0415 - see the module docstring

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["version_table"] = VERSION_TABLE
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema on *connection* to *revision*, inside the caller's transaction."""
    from alembic import command  # noqa: PLC0415 - see the module docstring

    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def downgrade(connection: Connection, revision: str) -> None:
    from alembic import command  # noqa: PLC0415 - see the module docstring

    config = _config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the schema is at; None for a database we have never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revision = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if revision is None else str(revision)


def upgrade_if_needed(connection: Connection) -> tuple[str | None, str] | None:
    """Upgrade to :data:`HEAD` unless already there; ``(before, after)`` when something ran."""
    before = current_revision(connection)
    if before == HEAD:
        return None
    upgrade(connection, HEAD)
    return before, HEAD


def script_head() -> str | None:
    """The head revision as Alembic finds it in the scripts folder."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - see the module docstring

    return ScriptDirectory.from_config(_config()).get_current_head()


def migration_sql(dialect_name: str) -> str:
    """The DDL of every migration for *dialect_name* (``postgresql``…), for a DBA to review."""
    from alembic import command  # noqa: PLC0415 - see the module docstring

    buffer = io.StringIO()
    config = _config()
    config.output_buffer = buffer
    config.attributes["dialect_name"] = dialect_name
    command.upgrade(config, "head", sql=True)
    return buffer.getvalue()
