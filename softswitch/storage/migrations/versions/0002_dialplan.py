"""Dialplan tables: ``realtime_extensions``, ``static_extensions`` (globals) and ``astdb``.

``realtime_extensions`` has the columns of Asterisk's dynamic realtime ``extensions`` table
under the name Evolvex sites give it; ``static_extensions`` has Asterisk's ``ast_config``
layout, where Evolvex keeps the ``[globals]`` of the dialplan; ``astdb`` holds ``DB()`` and
``DIALGROUP`` values by family and key. The two dialplan tables, when a site already has
them, are adopted as in 0001: missing columns are added, rows and extra columns stay.

Other tools change the dialplan with plain SQL (the Evolvex manual edits ``appdata`` with an
``UPDATE``), and a running switch must notice at the next call. Triggers on both dialplan
tables bump the one row of ``softswitch_dialplan_changes`` in the writer's own transaction,
so "has anything changed?" is a single-row read however big the dialplan is. The bump is an
upsert, so a counter row someone deleted comes back (counting from 1 again).

Frozen snapshot, like 0001: it does not import the models.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_CHANGES = "softswitch_dialplan_changes"
_WATCHED = ("realtime_extensions", "static_extensions")
_PG_FUNCTION = "softswitch_dialplan_changed"
_UNIQUE = "realtime_extensions_uq"
_UNIQUE_COLUMNS = ["context", "exten", "priority"]
_BUMP = (
    f"INSERT INTO {_CHANGES} (id, serial) VALUES (1, 1)"
    f" ON CONFLICT (id) DO UPDATE SET serial = {_CHANGES}.serial + 1"
)


def _extension_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("context", sa.String(40), nullable=False),
        sa.Column("exten", sa.String(40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("appdata", sa.String(256), nullable=False, server_default=""),
    ]


def _static_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("cat_metric", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("var_metric", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("commented", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("filename", sa.String(128), nullable=False, server_default="extensions.conf"),
        sa.Column("category", sa.String(128), nullable=False, server_default="default"),
        sa.Column("var_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("var_val", sa.String(1024), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    # Rendering SQL for review (offline mode) has no database to look at: assume it is empty.
    inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names()) if inspector is not None else set()

    if "realtime_extensions" not in existing:
        op.create_table(
            "realtime_extensions",
            # SQLite autoincrements only a column declared INTEGER.
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            *_extension_columns(),
            sa.UniqueConstraint(*_UNIQUE_COLUMNS, name=_UNIQUE),
        )
    else:
        assert inspector is not None
        _add_missing_columns(inspector, "realtime_extensions", _extension_columns())
        if not _has_unique_key(inspector, "realtime_extensions"):
            # Upserts by (context, exten, priority) need the key Asterisk's table has; one
            # made by an old script may lack it.
            op.create_index(_UNIQUE, "realtime_extensions", _UNIQUE_COLUMNS, unique=True)

    if "static_extensions" not in existing:
        op.create_table(
            "static_extensions",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            *_static_columns(),
        )
    else:
        assert inspector is not None
        _add_missing_columns(inspector, "static_extensions", _static_columns())

    # Never adopted: Asterisk keeps its own astdb, of another layout, in a file of its own, so
    # a table of that name here is foreign and creating ours fails loudly.
    op.create_table(
        "astdb",
        sa.Column("family", sa.String(255), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )

    op.create_table(
        _CHANGES,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
    )
    op.execute(f"INSERT INTO {_CHANGES} (id, serial) VALUES (1, 0)")
    _create_triggers()


def _add_missing_columns(
    inspector: sa.Inspector, table: str, columns: list[sa.Column[object]]
) -> None:
    present = {column["name"] for column in inspector.get_columns(table)}
    for column in columns:
        if column.name not in present:
            # Nullable: a NOT NULL column without a value cannot join a table with rows.
            column.nullable = True
            op.add_column(table, column)


def _has_unique_key(inspector: sa.Inspector, table: str) -> bool:
    wanted = set(_UNIQUE_COLUMNS)
    keys = [set(c["column_names"]) for c in inspector.get_unique_constraints(table)]
    for index in inspector.get_indexes(table):
        if index["unique"]:
            keys.append({name for name in index["column_names"] if name is not None})
    return wanted in keys


def _create_triggers() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table in _WATCHED:
            # Per statement: a 2,000-row import bumps the counter once.
            op.execute(
                f"CREATE TRIGGER {table}_changed"
                f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
        return
    for table in _WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_after_{event.lower()} AFTER {event} ON {table}"
                f" BEGIN {_BUMP}; END"
            )


def _drop_triggers() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute(f"DROP FUNCTION {_PG_FUNCTION}()")
        return
    for table in _WATCHED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_after_{event}")


def downgrade() -> None:
    """Drop the dialplan tables with their rows (adopted ones included)."""
    _drop_triggers()
    op.drop_table(_CHANGES)
    for table in ("astdb", "static_extensions", "realtime_extensions"):
        op.drop_table(table)
