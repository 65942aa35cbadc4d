"""The PJSIP objects as plain immutable records: what the rest of the switch works with.

Storage turns ``ps_*`` rows into these and back; the ``pjsip.conf`` importer builds them from
sections. Field names are Asterisk's option names (``rel_100`` stands for ``100rel``,
``AorRecord.contacts`` for the repeatable ``contact``) and every default is Asterisk's, so a
NULL column or an absent option means the same thing here as there. Records check their values
on construction and raise ValueError naming the field.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
from dataclasses import dataclass, field

from softswitch.storage.fields import check_record, meta

DTMF_MODES = ("rfc4733", "inband", "info", "auto", "auto_info")
REL100_MODES = ("no", "required", "peer_supported", "yes")
TIMER_MODES = ("forced", "no", "required", "yes")
MEDIA_ENCRYPTIONS = ("no", "sdes", "dtls")
CALLERID_PRIVACY = (
    "allowed_not_screened",
    "allowed_passed_screen",
    "allowed_failed_screen",
    "allowed",
    "prohib_not_screened",
    "prohib_passed_screen",
    "prohib_failed_screen",
    "prohib",
    "unavailable",
)
IDENTIFY_METHODS = ("username", "auth_username", "ip", "header", "request_uri")
AUTH_TYPES = ("userpass", "md5", "digest", "google_oauth")
TRANSPORT_PROTOCOLS = ("udp", "tcp", "tls", "ws", "wss", "flow")
CONTACT_STATUSES = ("Reachable", "Unreachable", "Unknown")
SOURCE_TRANSPORTS = ("udp", "tcp", "tls", "ws", "wss")


def contact_id(aor: str, uri: str) -> str:
    """The id Asterisk gives a registered contact: ``<aor>;@<md5 of the URI>``."""
    digest = hashlib.md5(uri.encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{aor};@{digest}"


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointRecord:
    """``ps_endpoints``: how to treat calls and registrations of one device or trunk."""

    id: str
    transport: str | None = None
    """Transport object to use; None means any."""
    aors: tuple[str, ...] = ()
    auth: str | None = None
    """Auth object that inbound requests must satisfy; None means no challenge."""
    outbound_auth: str | None = None
    """Auth object used when the far end challenges us (trunks)."""
    context: str = "default"
    disallow: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    dtmf_mode: str = field(default="rfc4733", metadata=meta(choices=DTMF_MODES))
    direct_media: bool = True
    rtp_symmetric: bool = False
    force_rport: bool = True
    rewrite_contact: bool = False
    rtp_timeout: int = 0
    rtp_timeout_hold: int = 0
    callerid: str | None = None
    """``"Name" <number>`` forced onto calls from this endpoint."""
    callerid_privacy: str | None = field(default=None, metadata=meta(choices=CALLERID_PRIVACY))
    callerid_tag: str | None = None
    from_user: str | None = None
    from_domain: str | None = None
    identify_by: tuple[str, ...] = field(
        default=("username", "ip"), metadata=meta(choices=IDENTIFY_METHODS)
    )
    send_pai: bool = False
    send_rpid: bool = False
    trust_id_inbound: bool = False
    trust_id_outbound: bool = False
    send_diversion: bool = True
    rel_100: str = field(default="yes", metadata=meta(option="100rel", choices=REL100_MODES))
    timers: str = field(default="yes", metadata=meta(choices=TIMER_MODES))
    timers_min_se: int = 90
    timers_sess_expires: int = 1800
    media_encryption: str = field(default="no", metadata=meta(choices=MEDIA_ENCRYPTIONS))
    webrtc: bool = False
    mailboxes: str | None = None
    language: str | None = None
    accountcode: str | None = None
    moh_suggest: str = "default"
    tone_zone: str | None = None
    call_group: str | None = None
    pickup_group: str | None = None
    named_call_group: str | None = None
    named_pickup_group: str | None = None
    device_state_busy_at: int = 0
    allow_subscribe: bool = True
    subscribe_context: str | None = None
    allow_transfer: bool = True
    set_var: tuple[str, ...] = field(default=(), metadata=meta(separator=";"))
    """``NAME=value`` assignments made on every channel of this endpoint."""
    deny: tuple[str, ...] = ()
    permit: tuple[str, ...] = ()
    tenantid: str | None = None
    sip_domain: str | None = None
    """The SIP domain this endpoint belongs to on a multi-domain switch (our extension)."""

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthRecord:
    """``ps_auths``: credentials we check (inbound) or present (outbound)."""

    id: str
    # Current Asterisk defaults to ``digest``; ``userpass`` means the same and is the one
    # spelling every existing ``ps_auths.auth_type`` enum accepts.
    auth_type: str = field(default="userpass", metadata=meta(choices=AUTH_TYPES))
    username: str | None = None
    password: str | None = None
    md5_cred: str | None = None
    """Hex MD5 of ``username:realm:password``."""
    realm: str | None = None
    """None means the global ``default_realm`` when we challenge, any realm outbound."""
    nonce_lifetime: int = 32
    password_digest: str | None = None
    """``ALGORITHM:hex`` of ``username:realm:password`` (``SHA-256:…``)."""
    supported_algorithms_uas: tuple[str, ...] = ()
    supported_algorithms_uac: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class AorRecord:
    """``ps_aors``: where an endpoint can be reached and how it may register."""

    id: str
    contacts: tuple[str, ...] = field(default=(), metadata=meta(option="contact"))
    """Permanent contact URIs (trunks, fixed phones)."""
    max_contacts: int = 0
    """0 refuses every REGISTER."""
    remove_existing: bool = False
    remove_unavailable: bool = False
    default_expiration: int = 3600
    minimum_expiration: int = 60
    maximum_expiration: int = 7200
    qualify_frequency: int = 0
    """Seconds between OPTIONS pings of each contact; 0 disables them."""
    qualify_timeout: float = 3.0
    qualify_2xx_only: bool = False
    authenticate_qualify: bool = False
    support_path: bool = False
    outbound_proxy: str | None = None
    mailboxes: str | None = None
    voicemail_extension: str | None = None

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactRecord:
    """``ps_contacts``: one registered binding of an AOR."""

    id: str
    """``<aor>;@<md5 of uri>`` (see :func:`contact_id`)."""
    aor: str
    uri: str
    expiration_time: int
    """Unix time (seconds) at which the binding lapses."""
    endpoint: str | None = None
    user_agent: str | None = None
    reg_server: str | None = None
    """Name of the node that accepted the REGISTER."""
    via_addr: str | None = None
    via_port: int | None = None
    call_id: str | None = None
    cseq: int = 0
    path: str | None = None
    """The Path header values, comma-joined, as Asterisk stores them."""
    contact_header: str | None = None
    """The Contact header value as the phone sent it, parameters included."""
    instance_id: str | None = None
    """``+sip.instance`` of the binding (RFC 5626)."""
    reg_id: str | None = None
    """``reg-id`` of the binding (RFC 5626), as the phone wrote it."""
    outbound_proxy: str | None = None
    source_transport: str | None = field(default=None, metadata=meta(choices=SOURCE_TRANSPORTS))
    """Transport the REGISTER arrived on; with host and port, where requests must go (NAT)."""
    source_host: str | None = None
    source_port: int | None = None
    qualify_frequency: int = 0
    qualify_timeout: float = 3.0
    qualify_2xx_only: bool = False
    authenticate_qualify: bool = False
    prune_on_boot: bool = False
    status: str = field(default="Unknown", metadata=meta(choices=CONTACT_STATUSES))
    rtt_ms: float | None = None
    """Round trip of the last successful qualify."""

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifyRecord:
    """``ps_endpoint_id_ips``: requests from these sources belong to ``endpoint``."""

    id: str
    endpoint: str
    match: tuple[str, ...] = ()
    """IPs, CIDRs, either with ``:port``, or host names."""
    srv_lookups: bool = True
    match_header: str | None = None
    """``Header-Name: value`` (value may be ``/regex/``)."""
    match_request_uri: str | None = None

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationRecord:
    """``ps_registrations``: a REGISTER we send to a provider."""

    id: str
    server_uri: str
    client_uri: str
    contact_user: str | None = None
    outbound_auth: str | None = None
    expiration: int = 3600
    retry_interval: int = 60
    forbidden_retry_interval: int = 0
    fatal_retry_interval: int = 0
    max_retries: int = 10
    auth_rejection_permanent: bool = True
    transport: str | None = None
    outbound_proxy: str | None = None
    line: bool = False
    endpoint: str | None = None
    support_path: bool = False

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportRecord:
    """``ps_transports``: a listening socket as Asterisk describes it."""

    id: str
    protocol: str = field(default="udp", metadata=meta(choices=TRANSPORT_PROTOCOLS))
    bind: str = "0.0.0.0"
    external_signaling_address: str | None = None
    external_signaling_port: int = 0
    external_media_address: str | None = None
    local_net: tuple[str, ...] = ()
    """Networks that are not behind the NAT the external addresses describe."""
    cert_file: str | None = None
    priv_key_file: str | None = None
    method: str | None = None

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainAliasRecord:
    """``ps_domain_aliases``: requests for domain ``id`` are treated as for ``domain``."""

    id: str
    domain: str

    def __post_init__(self) -> None:
        check_record(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class PjsipObjects:
    """Everything one ``pjsip.conf`` (or another source) defines, ready to store."""

    endpoints: tuple[EndpointRecord, ...] = ()
    auths: tuple[AuthRecord, ...] = ()
    aors: tuple[AorRecord, ...] = ()
    identifies: tuple[IdentifyRecord, ...] = ()
    registrations: tuple[RegistrationRecord, ...] = ()
    transports: tuple[TransportRecord, ...] = ()
    domain_aliases: tuple[DomainAliasRecord, ...] = ()
    default_realm: str | None = None
    """``default_realm`` of the ``type=global`` section, if one set it."""
    warnings: tuple[str, ...] = ()
    """``file:line: …`` notes about options that were ignored."""


_SUMMARY_NOUNS = (
    ("endpoints", "endpoint", "endpoints"),
    ("auths", "auth", "auths"),
    ("aors", "aor", "aors"),
    ("identifies", "identify", "identifies"),
    ("registrations", "registration", "registrations"),
    ("transports", "transport", "transports"),
    ("domain_aliases", "domain alias", "domain aliases"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSummary:
    """How many objects of each kind a batch wrote, and how many of them replaced a row."""

    endpoints: int = 0
    auths: int = 0
    aors: int = 0
    identifies: int = 0
    registrations: int = 0
    transports: int = 0
    domain_aliases: int = 0
    replaced: int = 0

    def __str__(self) -> str:
        parts = []
        for attr, one, many in _SUMMARY_NOUNS:
            count: int = getattr(self, attr)
            if count:
                parts.append(f"{count} {one if count == 1 else many}")
        text = ", ".join(parts) if parts else "nothing"
        return f"{text} imported" + (f" ({self.replaced} replaced)" if self.replaced else "")


ASTDB_NAME_MAX = 255
"""The longest family or key the ``astdb`` table holds (its columns are VARCHAR(255))."""


def _check_astdb_name(what: str, name: str) -> None:
    if len(name) > ASTDB_NAME_MAX:
        raise ValueError(f"astdb {what} longer than {ASTDB_NAME_MAX} characters")


@dataclass(frozen=True, slots=True)
class AstDbPut:
    """Set ``DB(family/key)`` to *value*."""

    family: str
    key: str
    value: str

    def __post_init__(self) -> None:
        _check_astdb_name("family", self.family)
        _check_astdb_name("key", self.key)


@dataclass(frozen=True, slots=True)
class AstDbDelete:
    """Remove one key."""

    family: str
    key: str


@dataclass(frozen=True, slots=True)
class AstDbDeleteTree:
    """Remove key *prefix* of a family and the keys below ``prefix/``; all when it is empty."""

    family: str
    prefix: str = ""


AstDbWrite = AstDbPut | AstDbDelete | AstDbDeleteTree
"""One change to ``astdb``, as :meth:`~softswitch.storage.repository.Store.astdb_apply` takes."""


class Disposition(enum.StrEnum):
    """``cdr.disposition``: how the pairing of the record ended, spelled as Asterisk does."""

    ANSWERED = "ANSWERED"
    NO_ANSWER = "NO ANSWER"
    BUSY = "BUSY"
    FAILED = "FAILED"
    CONGESTION = "CONGESTION"
    CANCEL = "CANCEL"


class AmaFlags(enum.StrEnum):
    """``cdr.amaflags``: what the record is for; Asterisk's default is DOCUMENTATION."""

    OMIT = "OMIT"
    BILLING = "BILLING"
    DOCUMENTATION = "DOCUMENTATION"


@dataclass(frozen=True, slots=True, kw_only=True)
class CdrRecord:
    """``cdr``: one call detail record with Asterisk's columns and Evolvex's four extras.

    Empty text is None, stored as NULL, as in the rows Evolvex's ``get_log_cdr`` returns.
    Times are local and whole seconds, without a time zone, as Asterisk writes them.
    """

    channel: str
    """Party A's channel name."""
    uniqueid: str
    """Party A's UNIQUEID."""
    linkedid: str
    start: datetime.datetime
    end: datetime.datetime
    duration: int
    """Whole seconds from start to end, rounded down."""
    billsec: int
    """Whole seconds from answer to end, rounded down; 0 when unanswered."""
    disposition: Disposition
    sequence: int
    answer: datetime.datetime | None = None
    amaflags: AmaFlags = AmaFlags.DOCUMENTATION
    accountcode: str | None = None
    src: str | None = None
    dst: str | None = None
    dcontext: str | None = None
    clid: str | None = None
    dstchannel: str | None = None
    lastapp: str | None = None
    lastdata: str | None = None
    userfield: str | None = None
    peeraccount: str | None = None
    source: str | None = None
    destination: str | None = None
    direction: str | None = None
    group_uuid: str | None = None
    variables: tuple[tuple[str, str], ...] = ()
    """CDR variables (``Set(CDR(route)=27)``), for a site's columns of the same name; not
    read back, since the table cannot tell such a column from any other."""

    def __post_init__(self) -> None:
        for name in ("start", "answer", "end"):
            value: datetime.datetime | None = getattr(self, name)
            if value is not None and (value.tzinfo is not None or value.microsecond):
                raise ValueError(f"CDR {name} must be a local time in whole seconds")
        if self.duration < 0 or self.billsec < 0:
            raise ValueError("CDR duration and billsec cannot be negative")

    def columns(self) -> dict[str, object]:
        """The record as ``cdr`` column values, in the table's order."""
        return {name: getattr(self, name) for name in CDR_COLUMNS}


CDR_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "userfield", "uniqueid", "linkedid", "peeraccount", "sequence", "source", "destination",
    "direction", "group_uuid",
)
"""The columns of ``cdr`` that records carry, in Asterisk's order then Evolvex's."""


ACL_ACTIONS = ("permit", "deny")


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagerUserRecord:
    """``manager_users``: one Manager API login and what it may read and do."""

    name: str
    secret: str
    read: tuple[str, ...] = ()
    """Privilege classes whose events the user receives."""
    write: tuple[str, ...] = ()
    """Privilege classes of the actions the user may run."""
    acl: tuple[tuple[str, str], ...] = ()
    """``(permit|deny, network)`` in file order; the last rule matching the address decides."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a manager user needs a name")
        for action, _network in self.acl:
            if action not in ACL_ACTIONS:
                raise ValueError(f"manager user {self.name}: ACL rule {action!r} is not allowed")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiUserRecord:
    """``api_users``: one Evolvex API key, whose it is, and the access group it belongs to."""

    uuid: str
    name: str
    api_key: str
    group_uuid: str
    description: str = ""
    enabled: bool = True
    """Stored as ``enable`` = ``yes``/``no``; a disabled key is known but refused (403)."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an API user needs a name")
        if not self.api_key:
            raise ValueError(f"API user {self.name}: no key")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiAccessGroupRecord:
    """``api_access_groups``: a named set of contexts shared by API users."""

    uuid: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiAccessRecord:
    """``api_access``: one dialplan context (``name``) an access group may use."""

    uuid: str
    name: str
    group_uuid: str
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an API access entry needs a context name")
