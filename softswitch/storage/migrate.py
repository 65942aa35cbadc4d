"""Schema migrations, run programmatically with Alembic on a connection we already hold.

The version is kept in ``softswitch_schema_version``, not Alembic's default
``alembic_version``, because a site's Asterisk database already has that table for Asterisk's
own migrations, and the two histories must not collide.
"""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

VERSION_TABLE = "softswitch_schema_version"
SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["version_table"] = VERSION_TABLE
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema on *connection* to *revision*, inside the caller's transaction."""
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def downgrade(connection: Connection, revision: str) -> None:
    config = _config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def migration_sql(dialect_name: str) -> str:
    """The DDL of every migration for *dialect_name* (``postgresql``…), for a DBA to review."""
    buffer = io.StringIO()
    config = _config()
    config.output_buffer = buffer
    config.attributes["dialect_name"] = dialect_name
    command.upgrade(config, "head", sql=True)
    return buffer.getvalue()
