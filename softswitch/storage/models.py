"""SQLAlchemy models of the realtime tables, with Asterisk's table and column names.

A site's existing Asterisk database can be used as it is: its extra columns are ignored and
ours are added by the migration. Booleans are text (``yes``/``no``), as Asterisk's
``ast_bool_values`` enum, and multi-valued options are separated text, as Asterisk's realtime
drivers write them; :mod:`softswitch.storage.fields` converts both. Column names equal the
option names of :mod:`softswitch.storage.records` (a test keeps them in step), and the types
are portable: every table works on SQLite and PostgreSQL alike.

Columns that are ours, not Asterisk's: ``ps_endpoints.sip_domain``, and in ``ps_contacts``
``aor``, ``cseq``, ``contact_header``, ``instance_id``, ``reg_id``, ``source_*``, ``status``
and ``rtt_ms``; ``cdr`` has Evolvex's ``source``, ``destination``, ``direction`` and
``group_uuid``, and a key ``id``. The table that is ours: ``softswitch_dialplan_changes``, a
counter that triggers bump on every write to the dialplan tables (see migration 0002).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FLAG = String(5)
"""A boolean as Asterisk stores it: the longest of its eight spellings is ``false``."""
NAME = String(255)
LIST = String(2048)


class Base(DeclarativeBase):
    metadata = MetaData()


class PsEndpoint(Base):
    __tablename__ = "ps_endpoints"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    transport: Mapped[str | None] = mapped_column(String(40))
    aors: Mapped[str | None] = mapped_column(LIST)
    auth: Mapped[str | None] = mapped_column(NAME)
    outbound_auth: Mapped[str | None] = mapped_column(NAME)
    context: Mapped[str | None] = mapped_column(String(80))
    disallow: Mapped[str | None] = mapped_column(String(200))
    allow: Mapped[str | None] = mapped_column(String(200))
    dtmf_mode: Mapped[str | None] = mapped_column(String(20))
    direct_media: Mapped[str | None] = mapped_column(FLAG)
    rtp_symmetric: Mapped[str | None] = mapped_column(FLAG)
    force_rport: Mapped[str | None] = mapped_column(FLAG)
    rewrite_contact: Mapped[str | None] = mapped_column(FLAG)
    rtp_timeout: Mapped[int | None] = mapped_column(Integer)
    rtp_timeout_hold: Mapped[int | None] = mapped_column(Integer)
    callerid: Mapped[str | None] = mapped_column(NAME)
    callerid_privacy: Mapped[str | None] = mapped_column(String(40))
    callerid_tag: Mapped[str | None] = mapped_column(NAME)
    from_user: Mapped[str | None] = mapped_column(NAME)
    from_domain: Mapped[str | None] = mapped_column(NAME)
    identify_by: Mapped[str | None] = mapped_column(String(80))
    send_pai: Mapped[str | None] = mapped_column(FLAG)
    send_rpid: Mapped[str | None] = mapped_column(FLAG)
    trust_id_inbound: Mapped[str | None] = mapped_column(FLAG)
    trust_id_outbound: Mapped[str | None] = mapped_column(FLAG)
    send_diversion: Mapped[str | None] = mapped_column(FLAG)
    rel_100: Mapped[str | None] = mapped_column("100rel", String(20))
    timers: Mapped[str | None] = mapped_column(String(20))
    timers_min_se: Mapped[int | None] = mapped_column(Integer)
    timers_sess_expires: Mapped[int | None] = mapped_column(Integer)
    media_encryption: Mapped[str | None] = mapped_column(String(20))
    webrtc: Mapped[str | None] = mapped_column(FLAG)
    mailboxes: Mapped[str | None] = mapped_column(NAME)
    language: Mapped[str | None] = mapped_column(String(40))
    accountcode: Mapped[str | None] = mapped_column(String(80))
    moh_suggest: Mapped[str | None] = mapped_column(String(80))
    tone_zone: Mapped[str | None] = mapped_column(String(40))
    call_group: Mapped[str | None] = mapped_column(String(40))
    pickup_group: Mapped[str | None] = mapped_column(String(40))
    named_call_group: Mapped[str | None] = mapped_column(NAME)
    named_pickup_group: Mapped[str | None] = mapped_column(NAME)
    device_state_busy_at: Mapped[int | None] = mapped_column(Integer)
    allow_subscribe: Mapped[str | None] = mapped_column(FLAG)
    subscribe_context: Mapped[str | None] = mapped_column(String(80))
    allow_transfer: Mapped[str | None] = mapped_column(FLAG)
    set_var: Mapped[str | None] = mapped_column(Text)
    deny: Mapped[str | None] = mapped_column(LIST)
    permit: Mapped[str | None] = mapped_column(LIST)
    tenantid: Mapped[str | None] = mapped_column(String(80))
    sip_domain: Mapped[str | None] = mapped_column(NAME)


class PsAuth(Base):
    __tablename__ = "ps_auths"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    auth_type: Mapped[str | None] = mapped_column(String(20))
    username: Mapped[str | None] = mapped_column(NAME)
    password: Mapped[str | None] = mapped_column(NAME)
    md5_cred: Mapped[str | None] = mapped_column(String(40))
    realm: Mapped[str | None] = mapped_column(NAME)
    nonce_lifetime: Mapped[int | None] = mapped_column(Integer)
    password_digest: Mapped[str | None] = mapped_column(String(1024))
    supported_algorithms_uas: Mapped[str | None] = mapped_column(String(1024))
    supported_algorithms_uac: Mapped[str | None] = mapped_column(String(1024))


class PsAor(Base):
    __tablename__ = "ps_aors"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    contact: Mapped[str | None] = mapped_column(LIST)
    max_contacts: Mapped[int | None] = mapped_column(Integer)
    remove_existing: Mapped[str | None] = mapped_column(FLAG)
    remove_unavailable: Mapped[str | None] = mapped_column(FLAG)
    default_expiration: Mapped[int | None] = mapped_column(Integer)
    minimum_expiration: Mapped[int | None] = mapped_column(Integer)
    maximum_expiration: Mapped[int | None] = mapped_column(Integer)
    qualify_frequency: Mapped[int | None] = mapped_column(Integer)
    qualify_timeout: Mapped[float | None] = mapped_column(Float)
    qualify_2xx_only: Mapped[str | None] = mapped_column(FLAG)
    authenticate_qualify: Mapped[str | None] = mapped_column(FLAG)
    support_path: Mapped[str | None] = mapped_column(FLAG)
    outbound_proxy: Mapped[str | None] = mapped_column(NAME)
    mailboxes: Mapped[str | None] = mapped_column(NAME)
    voicemail_extension: Mapped[str | None] = mapped_column(String(40))


class PsContact(Base):
    __tablename__ = "ps_contacts"
    __table_args__ = (UniqueConstraint("id", "reg_server", name="ps_contacts_uq"),)

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    aor: Mapped[str | None] = mapped_column(NAME, index=True)
    uri: Mapped[str | None] = mapped_column(String(511))
    expiration_time: Mapped[int | None] = mapped_column(BigInteger)
    endpoint: Mapped[str | None] = mapped_column(NAME)
    user_agent: Mapped[str | None] = mapped_column(NAME)
    reg_server: Mapped[str | None] = mapped_column(NAME)
    via_addr: Mapped[str | None] = mapped_column(NAME)
    via_port: Mapped[int | None] = mapped_column(Integer)
    call_id: Mapped[str | None] = mapped_column(NAME)
    cseq: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(Text)
    contact_header: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[str | None] = mapped_column(NAME)
    reg_id: Mapped[str | None] = mapped_column(String(40))
    outbound_proxy: Mapped[str | None] = mapped_column(NAME)
    source_transport: Mapped[str | None] = mapped_column(String(10))
    source_host: Mapped[str | None] = mapped_column(NAME)
    source_port: Mapped[int | None] = mapped_column(Integer)
    qualify_frequency: Mapped[int | None] = mapped_column(Integer)
    qualify_timeout: Mapped[float | None] = mapped_column(Float)
    qualify_2xx_only: Mapped[str | None] = mapped_column(FLAG)
    authenticate_qualify: Mapped[str | None] = mapped_column(FLAG)
    prune_on_boot: Mapped[str | None] = mapped_column(FLAG)
    status: Mapped[str | None] = mapped_column(String(20))
    rtt_ms: Mapped[float | None] = mapped_column(Float)


class PsEndpointIdIp(Base):
    __tablename__ = "ps_endpoint_id_ips"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    endpoint: Mapped[str | None] = mapped_column(NAME)
    match: Mapped[str | None] = mapped_column(LIST)
    srv_lookups: Mapped[str | None] = mapped_column(FLAG)
    match_header: Mapped[str | None] = mapped_column(NAME)
    match_request_uri: Mapped[str | None] = mapped_column(NAME)


class PsRegistration(Base):
    __tablename__ = "ps_registrations"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    server_uri: Mapped[str | None] = mapped_column(NAME)
    client_uri: Mapped[str | None] = mapped_column(NAME)
    contact_user: Mapped[str | None] = mapped_column(NAME)
    outbound_auth: Mapped[str | None] = mapped_column(NAME)
    expiration: Mapped[int | None] = mapped_column(Integer)
    retry_interval: Mapped[int | None] = mapped_column(Integer)
    forbidden_retry_interval: Mapped[int | None] = mapped_column(Integer)
    fatal_retry_interval: Mapped[int | None] = mapped_column(Integer)
    max_retries: Mapped[int | None] = mapped_column(Integer)
    auth_rejection_permanent: Mapped[str | None] = mapped_column(FLAG)
    transport: Mapped[str | None] = mapped_column(String(40))
    outbound_proxy: Mapped[str | None] = mapped_column(NAME)
    line: Mapped[str | None] = mapped_column(FLAG)
    endpoint: Mapped[str | None] = mapped_column(NAME)
    support_path: Mapped[str | None] = mapped_column(FLAG)


class PsTransport(Base):
    __tablename__ = "ps_transports"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    protocol: Mapped[str | None] = mapped_column(String(10))
    bind: Mapped[str | None] = mapped_column(NAME)
    external_signaling_address: Mapped[str | None] = mapped_column(NAME)
    external_signaling_port: Mapped[int | None] = mapped_column(Integer)
    external_media_address: Mapped[str | None] = mapped_column(NAME)
    local_net: Mapped[str | None] = mapped_column(LIST)
    cert_file: Mapped[str | None] = mapped_column(NAME)
    priv_key_file: Mapped[str | None] = mapped_column(NAME)
    method: Mapped[str | None] = mapped_column(String(40))


class PsDomainAlias(Base):
    __tablename__ = "ps_domain_aliases"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    domain: Mapped[str | None] = mapped_column(NAME)


class PsGlobal(Base):
    __tablename__ = "ps_globals"

    id: Mapped[str] = mapped_column(NAME, primary_key=True)
    default_realm: Mapped[str | None] = mapped_column(NAME)


ROW_ID = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit autoincrement key; SQLite autoincrements only a column declared ``INTEGER``."""


class RealtimeExtension(Base):
    """One priority of the dialplan, as Asterisk's dynamic realtime switch reads it."""

    __tablename__ = "realtime_extensions"
    # The unique constraint's index also serves lookups by (context, exten): no second index.
    __table_args__ = (
        UniqueConstraint("context", "exten", "priority", name="realtime_extensions_uq"),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    context: Mapped[str] = mapped_column(String(40))
    exten: Mapped[str] = mapped_column(String(40))
    priority: Mapped[int] = mapped_column(Integer)
    app: Mapped[str] = mapped_column(String(40))
    appdata: Mapped[str] = mapped_column(String(256), server_default="")


class StaticExtension(Base):
    """A line of a configuration file in Asterisk's static realtime (``ast_config``) layout.

    Evolvex keeps the dialplan's ``[globals]`` here: rows of category ``globals``.
    """

    __tablename__ = "static_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cat_metric: Mapped[int] = mapped_column(Integer, server_default="0")
    var_metric: Mapped[int] = mapped_column(Integer, server_default="0")
    commented: Mapped[int] = mapped_column(Integer, server_default="0")
    filename: Mapped[str] = mapped_column(String(128), server_default="extensions.conf")
    category: Mapped[str] = mapped_column(String(128), server_default="default")
    var_name: Mapped[str] = mapped_column(String(128), server_default="")
    var_val: Mapped[str] = mapped_column(String(1024), server_default="")


class AstDb(Base):
    """Asterisk's key/value database (``DB()``, ``DIALGROUP``), one row per family and key."""

    __tablename__ = "astdb"

    family: Mapped[str] = mapped_column(NAME, primary_key=True)
    key: Mapped[str] = mapped_column(NAME, primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DialplanChanges(Base):
    """One row whose ``serial`` grows with every write to the two dialplan tables."""

    __tablename__ = "softswitch_dialplan_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    serial: Mapped[int] = mapped_column(BigInteger)


CDR_TIME = DateTime().with_variant(
    sqlite.DATETIME(  # type: ignore[no-untyped-call]  # the dialect's types are unannotated
        storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"
    ),
    "sqlite",
)
"""A CDR time: local, whole seconds; SQLite keeps the text Asterisk writes,
``YYYY-MM-DD HH:MM:SS``, so that text ranges compare as times."""


class Cdr(Base):
    """One call detail record: Asterisk's ``cdr`` columns and Evolvex's four extras.

    A site's table may hold more columns, filled from CDR variables of the same name: the
    writer inserts into the columns it finds, not into this model (see ``Store.insert_cdrs``).
    """

    __tablename__ = "cdr"

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    accountcode: Mapped[str | None] = mapped_column(String(80))
    src: Mapped[str | None] = mapped_column(String(80))
    dst: Mapped[str | None] = mapped_column(String(80))
    dcontext: Mapped[str | None] = mapped_column(String(80))
    clid: Mapped[str | None] = mapped_column(String(80))
    channel: Mapped[str | None] = mapped_column(String(80))
    dstchannel: Mapped[str | None] = mapped_column(String(80))
    lastapp: Mapped[str | None] = mapped_column(String(80))
    lastdata: Mapped[str | None] = mapped_column(String(80))
    start: Mapped[datetime | None] = mapped_column(CDR_TIME, index=True)
    answer: Mapped[datetime | None] = mapped_column(CDR_TIME)
    end: Mapped[datetime | None] = mapped_column(CDR_TIME)
    duration: Mapped[int | None] = mapped_column(Integer)
    billsec: Mapped[int | None] = mapped_column(Integer)
    disposition: Mapped[str | None] = mapped_column(String(45))
    amaflags: Mapped[str | None] = mapped_column(String(45))
    userfield: Mapped[str | None] = mapped_column(String(256))
    uniqueid: Mapped[str | None] = mapped_column(String(150))
    linkedid: Mapped[str | None] = mapped_column(String(150))
    peeraccount: Mapped[str | None] = mapped_column(String(80))
    sequence: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(80))
    destination: Mapped[str | None] = mapped_column(String(80))
    direction: Mapped[str | None] = mapped_column(String(20))
    group_uuid: Mapped[str | None] = mapped_column(String(36))


class ManagerUser(Base):
    """A Manager API (AMI) login, as a ``[user]`` section of ``manager.conf`` describes it."""

    __tablename__ = "manager_users"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    secret: Mapped[str] = mapped_column(NAME)
    read: Mapped[str] = mapped_column(LIST, server_default="")
    write: Mapped[str] = mapped_column(LIST, server_default="")
    acl: Mapped[str] = mapped_column(LIST, server_default="")
    """``deny``/``permit`` rules in file order, as ``deny:NET,permit:NET``: the last match wins."""


UUID = String(36)
"""A UUID as text (``8-4-4-4-12`` hex digits), the same on SQLite and PostgreSQL."""


class ApiAccessGroup(Base):
    """An Evolvex API access group: the set of contexts its users' keys may use."""

    __tablename__ = "api_access_groups"

    uuid: Mapped[str] = mapped_column(UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(NAME, server_default="")


class ApiUser(Base):
    """An Evolvex API key and whose it is; ``enable`` is ``yes`` or ``no``."""

    __tablename__ = "api_users"
    __table_args__ = (
        UniqueConstraint("name", name="api_users_name_uq"),
        UniqueConstraint("api_key", name="api_users_api_key_uq"),
    )

    uuid: Mapped[str] = mapped_column(UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(NAME, server_default="")
    enable: Mapped[str] = mapped_column(FLAG, server_default="yes")
    api_key: Mapped[str] = mapped_column(UUID)
    group_uuid: Mapped[str] = mapped_column(
        UUID, ForeignKey("api_access_groups.uuid", name="api_users_group_fk")
    )


class ApiAccess(Base):
    """One context (``name``, e.g. ``incoming``) an access group may originate into."""

    __tablename__ = "api_access"
    __table_args__ = (
        UniqueConstraint("group_uuid", "name", name="api_access_group_name_uq"),
    )

    uuid: Mapped[str] = mapped_column(UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(NAME, server_default="")
    group_uuid: Mapped[str] = mapped_column(
        UUID, ForeignKey("api_access_groups.uuid", name="api_access_group_fk")
    )
