"""Manager API logins: ``manager_users``, one row per ``[user]`` of ``manager.conf``.

``read`` and ``write`` are comma lists of privilege classes; ``acl`` keeps the section's
``deny``/``permit`` lines in file order (``deny:0.0.0.0/0,permit:127.0.0.1/32``), because the
last matching rule decides and two separate columns would lose that order.

Frozen snapshot, like 0001: it does not import the models.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "manager_users",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("secret", sa.String(255), nullable=False),
        sa.Column("read", sa.String(2048), nullable=False, server_default=""),
        sa.Column("write", sa.String(2048), nullable=False, server_default=""),
        sa.Column("acl", sa.String(2048), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("manager_users")
