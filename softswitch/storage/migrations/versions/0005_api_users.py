"""Evolvex API keys: ``api_users``, ``api_access_groups`` and ``api_access``.

The Evolvex ``check`` call answers with these rows as they are: an API user (uuid, name,
description, ``enable`` ``yes``/``no``, ``api_key``, ``group_uuid``) belongs to one access
group, and the group's ``api_access`` entries name the dialplan contexts (``incoming``) the
key may originate into. Identifiers are UUIDs as text, so rows move between SQLite and
PostgreSQL unchanged.

Frozen snapshot, like 0001: it does not import the models.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_UUID = 36


def upgrade() -> None:
    op.create_table(
        "api_access_groups",
        sa.Column("uuid", sa.String(_UUID), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(255), nullable=False, server_default=""),
    )
    op.create_table(
        "api_users",
        sa.Column("uuid", sa.String(_UUID), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(255), nullable=False, server_default=""),
        sa.Column("enable", sa.String(5), nullable=False, server_default="yes"),
        sa.Column("api_key", sa.String(_UUID), nullable=False),
        sa.Column("group_uuid", sa.String(_UUID),
                  sa.ForeignKey("api_access_groups.uuid", name="api_users_group_fk"),
                  nullable=False),
        sa.UniqueConstraint("name", name="api_users_name_uq"),
        sa.UniqueConstraint("api_key", name="api_users_api_key_uq"),
    )
    op.create_table(
        "api_access",
        sa.Column("uuid", sa.String(_UUID), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(255), nullable=False, server_default=""),
        sa.Column("group_uuid", sa.String(_UUID),
                  sa.ForeignKey("api_access_groups.uuid", name="api_access_group_fk"),
                  nullable=False),
        # Also the index for "which contexts may this group use".
        sa.UniqueConstraint("group_uuid", "name", name="api_access_group_name_uq"),
    )


def downgrade() -> None:
    op.drop_table("api_access")
    op.drop_table("api_users")
    op.drop_table("api_access_groups")
