"""Call detail records: the ``cdr`` table in Asterisk's layout, plus Evolvex's four columns.

The columns are those of Asterisk's ``cdr`` table (``"end"`` is a reserved word and quoted by
SQLAlchemy wherever it appears) and the ``source``, ``destination``, ``direction`` and
``group_uuid`` that Evolvex's ``get_log_cdr`` returns. The stock Asterisk table has no key; a
new one gets an autoincrement ``id``, which nothing but row identity uses. A ``cdr`` table
that already exists (a site's Asterisk database) is adopted as 0001 adopts ``ps_*`` tables:
the columns it lacks are added, its rows and its own columns stay, since the writer inserts
by column name (extra columns are filled from CDR variables of the same name). Reports ask
for time ranges, hence the index on ``start``.

Frozen snapshot, like 0001: it does not import the models.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_Type = Callable[[], sa.types.TypeEngine[Any]]


def _text(length: int) -> _Type:
    return lambda: sa.String(length)


_COLUMNS: tuple[tuple[str, _Type], ...] = (
    ("accountcode", _text(80)),
    ("src", _text(80)),
    ("dst", _text(80)),
    ("dcontext", _text(80)),
    ("clid", _text(80)),
    ("channel", _text(80)),
    ("dstchannel", _text(80)),
    ("lastapp", _text(80)),
    ("lastdata", _text(80)),
    ("start", sa.DateTime),
    ("answer", sa.DateTime),
    ("end", sa.DateTime),
    ("duration", sa.Integer),
    ("billsec", sa.Integer),
    ("disposition", _text(45)),
    ("amaflags", _text(45)),
    ("userfield", _text(256)),
    ("uniqueid", _text(150)),
    ("linkedid", _text(150)),
    ("peeraccount", _text(80)),
    ("sequence", sa.Integer),
    ("source", _text(80)),
    ("destination", _text(80)),
    ("direction", _text(20)),
    ("group_uuid", _text(36)),
)

_START_INDEX = "ix_cdr_start"


def upgrade() -> None:
    # Rendering SQL for review (offline mode) has no database to look at: assume it is empty.
    inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
    if inspector is None or not inspector.has_table("cdr"):
        op.create_table(
            "cdr",
            # SQLite autoincrements only a column declared INTEGER.
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            *(sa.Column(name, type_()) for name, type_ in _COLUMNS),
        )
        op.create_index(_START_INDEX, "cdr", ["start"])
        return
    # Asterisk's column names are lower case, but a site's MySQL-born table may differ in case.
    present = {column["name"].lower() for column in inspector.get_columns("cdr")}
    for name, type_ in _COLUMNS:
        if name not in present:
            op.add_column("cdr", sa.Column(name, type_()))
    leading = {
        (index["column_names"] or [None])[0] for index in inspector.get_indexes("cdr")
    }
    if "start" not in leading:
        op.create_index(_START_INDEX, "cdr", ["start"])


def downgrade() -> None:
    """Drop the ``cdr`` table with its rows (an adopted Asterisk table included)."""
    op.drop_table("cdr")
