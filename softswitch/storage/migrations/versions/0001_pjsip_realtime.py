"""PJSIP realtime tables in Asterisk's layout, plus the columns the softswitch adds.

A database that already holds these tables (a site's Asterisk realtime database) is adopted
rather than recreated: the columns it lacks are added, its rows and extra columns stay, and
contacts written by Asterisk get their ``aor`` column filled from their id.

This file is a frozen snapshot of the schema; later changes belong in later revisions, never
here, so it deliberately does not import the models.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_Type = Callable[[], sa.types.TypeEngine[Any]]


def _name() -> sa.types.TypeEngine[Any]:
    return sa.String(255)


def _flag() -> sa.types.TypeEngine[Any]:
    return sa.String(5)


def _list() -> sa.types.TypeEngine[Any]:
    return sa.String(2048)


def _text(length: int) -> _Type:
    return lambda: sa.String(length)


_int: _Type = sa.Integer
_bigint: _Type = sa.BigInteger
_float: _Type = sa.Float
_longtext: _Type = sa.Text

_TABLES: dict[str, tuple[tuple[str, _Type], ...]] = {
    "ps_endpoints": (
        ("transport", _text(40)),
        ("aors", _list),
        ("auth", _name),
        ("outbound_auth", _name),
        ("context", _text(80)),
        ("disallow", _text(200)),
        ("allow", _text(200)),
        ("dtmf_mode", _text(20)),
        ("direct_media", _flag),
        ("rtp_symmetric", _flag),
        ("force_rport", _flag),
        ("rewrite_contact", _flag),
        ("rtp_timeout", _int),
        ("rtp_timeout_hold", _int),
        ("callerid", _name),
        ("callerid_privacy", _text(40)),
        ("callerid_tag", _name),
        ("from_user", _name),
        ("from_domain", _name),
        ("identify_by", _text(80)),
        ("send_pai", _flag),
        ("send_rpid", _flag),
        ("trust_id_inbound", _flag),
        ("trust_id_outbound", _flag),
        ("send_diversion", _flag),
        ("100rel", _text(20)),
        ("timers", _text(20)),
        ("timers_min_se", _int),
        ("timers_sess_expires", _int),
        ("media_encryption", _text(20)),
        ("webrtc", _flag),
        ("mailboxes", _name),
        ("language", _text(40)),
        ("accountcode", _text(80)),
        ("moh_suggest", _text(80)),
        ("tone_zone", _text(40)),
        ("call_group", _text(40)),
        ("pickup_group", _text(40)),
        ("named_call_group", _name),
        ("named_pickup_group", _name),
        ("device_state_busy_at", _int),
        ("allow_subscribe", _flag),
        ("subscribe_context", _text(80)),
        ("allow_transfer", _flag),
        ("set_var", _longtext),
        ("deny", _list),
        ("permit", _list),
        ("tenantid", _text(80)),
        ("sip_domain", _name),
    ),
    "ps_auths": (
        ("auth_type", _text(20)),
        ("username", _name),
        ("password", _name),
        ("md5_cred", _text(40)),
        ("realm", _name),
        ("nonce_lifetime", _int),
        ("password_digest", _text(1024)),
        ("supported_algorithms_uas", _text(1024)),
        ("supported_algorithms_uac", _text(1024)),
    ),
    "ps_aors": (
        ("contact", _list),
        ("max_contacts", _int),
        ("remove_existing", _flag),
        ("remove_unavailable", _flag),
        ("default_expiration", _int),
        ("minimum_expiration", _int),
        ("maximum_expiration", _int),
        ("qualify_frequency", _int),
        ("qualify_timeout", _float),
        ("qualify_2xx_only", _flag),
        ("authenticate_qualify", _flag),
        ("support_path", _flag),
        ("outbound_proxy", _name),
        ("mailboxes", _name),
        ("voicemail_extension", _text(40)),
    ),
    "ps_contacts": (
        ("aor", _name),
        ("uri", _text(511)),
        ("expiration_time", _bigint),
        ("endpoint", _name),
        ("user_agent", _name),
        ("reg_server", _name),
        ("via_addr", _name),
        ("via_port", _int),
        ("call_id", _name),
        ("cseq", _int),
        ("path", _longtext),
        ("contact_header", _longtext),
        ("instance_id", _name),
        ("reg_id", _text(40)),
        ("outbound_proxy", _name),
        ("source_transport", _text(10)),
        ("source_host", _name),
        ("source_port", _int),
        ("qualify_frequency", _int),
        ("qualify_timeout", _float),
        ("qualify_2xx_only", _flag),
        ("authenticate_qualify", _flag),
        ("prune_on_boot", _flag),
        ("status", _text(20)),
        ("rtt_ms", _float),
    ),
    "ps_endpoint_id_ips": (
        ("endpoint", _name),
        ("match", _list),
        ("srv_lookups", _flag),
        ("match_header", _name),
        ("match_request_uri", _name),
    ),
    "ps_registrations": (
        ("server_uri", _name),
        ("client_uri", _name),
        ("contact_user", _name),
        ("outbound_auth", _name),
        ("expiration", _int),
        ("retry_interval", _int),
        ("forbidden_retry_interval", _int),
        ("fatal_retry_interval", _int),
        ("max_retries", _int),
        ("auth_rejection_permanent", _flag),
        ("transport", _text(40)),
        ("outbound_proxy", _name),
        ("line", _flag),
        ("endpoint", _name),
        ("support_path", _flag),
    ),
    "ps_transports": (
        ("protocol", _text(10)),
        ("bind", _name),
        ("external_signaling_address", _name),
        ("external_signaling_port", _int),
        ("external_media_address", _name),
        ("local_net", _list),
        ("cert_file", _name),
        ("priv_key_file", _name),
        ("method", _text(40)),
    ),
    "ps_domain_aliases": (("domain", _name),),
    "ps_globals": (("default_realm", _name),),
}

_CONTACT_AOR_INDEX = "ix_ps_contacts_aor"


def upgrade() -> None:
    # Rendering SQL for review (offline mode) has no database to look at: assume it is empty.
    inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names()) if inspector is not None else set()
    for table, columns in _TABLES.items():
        if table not in existing:
            extra: list[sa.schema.SchemaItem] = []
            if table == "ps_contacts":
                extra.append(sa.UniqueConstraint("id", "reg_server", name="ps_contacts_uq"))
            op.create_table(
                table,
                sa.Column("id", sa.String(255), primary_key=True),
                *(sa.Column(name, type_()) for name, type_ in columns),
                *extra,
            )
            continue
        assert inspector is not None
        present = {column["name"] for column in inspector.get_columns(table)}
        for name, type_ in columns:
            if name not in present:
                op.add_column(table, sa.Column(name, type_()))
        if table == "ps_contacts" and "aor" not in present:
            _fill_contact_aors()
    indexes = (
        {index["name"] for index in inspector.get_indexes("ps_contacts")}
        if inspector is not None and "ps_contacts" in existing
        else set()
    )
    if _CONTACT_AOR_INDEX not in indexes:
        op.create_index(_CONTACT_AOR_INDEX, "ps_contacts", ["aor"])


def _fill_contact_aors() -> None:
    """Give contacts Asterisk wrote (id ``<aor>;@<hash>``) the AOR our queries filter on."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id FROM ps_contacts WHERE aor IS NULL")).all()
    updates = [
        {"id": contact_id, "aor": contact_id.partition(";@")[0]}
        for (contact_id,) in rows
        if ";@" in contact_id
    ]
    if updates:
        bind.execute(sa.text("UPDATE ps_contacts SET aor = :aor WHERE id = :id"), updates)


def downgrade() -> None:
    """Drop every PJSIP table with its rows (adopted Asterisk tables included)."""
    op.drop_index(_CONTACT_AOR_INDEX, table_name="ps_contacts")
    for table in reversed(_TABLES):
        op.drop_table(table)
