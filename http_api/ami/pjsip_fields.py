"""The PJSIP objects as the Manager API shows them: fields, contacts and device state.

Asterisk writes a sorcery object as ``ObjectType``, ``ObjectName``, then each option in
CamelCase (``max_contacts`` is ``MaxContacts``, booleans ``true``/``false``); the same shape
serves every ``PJSIPShow...`` action here. Secrets (``password``, ``md5_cred``,
``password_digest``) are left out: a manager client that may list endpoints need not learn
their credentials.

An endpoint's contacts are its AORs' live registrations and their static ``contact`` URIs;
its device state follows chan_pjsip: ``Unavailable`` without a usable contact, otherwise the
states of its channels taken together.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Iterable, Sequence

from softswitch.channel import Channel, ChannelState
from softswitch.storage import Store
from softswitch.storage.fields import FieldKind, record_specs
from softswitch.storage.records import (
    AorRecord,
    AuthRecord,
    ContactRecord,
    EndpointRecord,
    IdentifyRecord,
    RegistrationRecord,
    TransportRecord,
)

Pairs = tuple[tuple[str, str], ...]
PjsipRecord = (
    EndpointRecord | AuthRecord | AorRecord | ContactRecord | IdentifyRecord
    | RegistrationRecord | TransportRecord
)

_SECRETS = frozenset({"password", "md5_cred", "password_digest"})


def camel_case(option: str) -> str:
    """``max_contacts`` → ``MaxContacts``, as Asterisk names sorcery fields in events."""
    return "".join(part[:1].upper() + part[1:] for part in option.split("_"))


def _text(value: object, kind: FieldKind, separator: str) -> str:
    if kind is FieldKind.BOOL:
        return "true" if value else "false"
    if isinstance(value, tuple):
        return separator.join(value)
    if isinstance(value, float):
        return f"{value:f}"
    return "" if value is None else str(value)


def object_fields(object_type: str, record: PjsipRecord, *, skip: Iterable[str] = ()) -> Pairs:
    """``ObjectType``, ``ObjectName`` and every option of *record* but *skip* and secrets."""
    left_out = _SECRETS | {"id", *skip}
    return (
        ("ObjectType", object_type),
        ("ObjectName", record.id),
        *(
            (camel_case(spec.option), _text(getattr(record, spec.name), spec.kind,
                                            spec.separator))
            for spec in record_specs(type(record))
            if spec.name not in left_out
        ),
    )


def roundtrip_usec(contact: ContactRecord) -> str:
    """The last qualify's round trip in microseconds; ``N/A`` unless it answered."""
    if contact.status != "Reachable" or contact.rtt_ms is None:
        return "N/A"
    return str(int(contact.rtt_ms * 1000))


def contact_fields(contact: ContactRecord) -> Pairs:
    """A ``ContactList`` item: the contact's options, its ``Status`` and ``RoundtripUsec``."""
    return (
        *object_fields("contact", contact, skip=("status", "rtt_ms")),
        ("Status", contact.status),
        ("RoundtripUsec", roundtrip_usec(contact)),
    )


def static_contacts(aor: AorRecord) -> list[ContactRecord]:
    """The AOR's ``contact`` URIs as contacts, named ``<aor>@@<md5 of uri>`` as Asterisk's
    permanent contacts are; they never expire and are qualified with the AOR's settings."""
    return [
        ContactRecord(
            id=f"{aor.id}@@{hashlib.md5(uri.encode(), usedforsecurity=False).hexdigest()}",
            aor=aor.id, uri=uri, expiration_time=0,
            qualify_frequency=aor.qualify_frequency, qualify_timeout=aor.qualify_timeout,
            qualify_2xx_only=aor.qualify_2xx_only,
            authenticate_qualify=aor.authenticate_qualify,
        )
        for uri in aor.contacts
    ]


async def aor_contacts(store: Store, aor_id: str, now: float | None = None
                       ) -> list[ContactRecord]:
    """The live registrations of *aor_id*, then its static contacts."""
    moment = time.time() if now is None else now
    registered = [contact for contact in await store.list_contacts(aor_id)
                  if contact.expiration_time > moment]
    aor = await store.get_aor(aor_id)
    return registered + (static_contacts(aor) if aor is not None else [])


async def endpoint_contacts(store: Store, endpoint: EndpointRecord) -> list[ContactRecord]:
    now = time.time()
    contacts: list[ContactRecord] = []
    for aor_id in endpoint.aors:
        contacts += await aor_contacts(store, aor_id, now)
    return contacts


def contacts_text(contacts: Sequence[ContactRecord]) -> str:
    """``aor/uri,`` for each contact: the ``Contacts`` field of ``EndpointList``."""
    return "".join(f"{contact.aor}/{contact.uri}," for contact in contacts)


class DeviceState(enum.Enum):
    """Asterisk's device states with the text ``ast_devstate_str`` gives them."""

    UNKNOWN = "Unknown"
    NOT_INUSE = "Not in use"
    INUSE = "In use"
    BUSY = "Busy"
    INVALID = "Invalid"
    UNAVAILABLE = "Unavailable"
    RINGING = "Ringing"
    RINGINUSE = "Ring+Inuse"
    ONHOLD = "On Hold"


# Channel states that occupy the device, as chan_pjsip counts them for device_state_busy_at.
_OCCUPYING = frozenset({ChannelState.UP, ChannelState.RING, ChannelState.BUSY})


def device_state(endpoint: EndpointRecord, contacts: Sequence[ContactRecord],
                 channels: Sequence[Channel]) -> DeviceState:
    """The endpoint's state from its contacts and its live channels.

    Without a contact that is not Unreachable the endpoint is offline: ``Unavailable``.
    Otherwise each channel counts as ``ast_state_chan2dev`` says and they combine in
    Asterisk's order: ringing (``Ring+Inuse`` with another one in use), then busy, then in
    use; ``device_state_busy_at`` channels up, ringing in or busy make it ``Busy`` at once.
    """
    if not any(contact.status != "Unreachable" for contact in contacts):
        return DeviceState.UNAVAILABLE
    occupying = sum(1 for channel in channels if channel.state in _OCCUPYING)
    if endpoint.device_state_busy_at and occupying >= endpoint.device_state_busy_at:
        return DeviceState.BUSY
    states = {channel.state for channel in channels}
    in_use = bool(states - {ChannelState.DOWN, ChannelState.RINGING, ChannelState.BUSY})
    if ChannelState.RINGING in states:
        return DeviceState.RINGINUSE if in_use else DeviceState.RINGING
    if ChannelState.BUSY in states:
        return DeviceState.BUSY
    return DeviceState.INUSE if in_use else DeviceState.NOT_INUSE


def endpoint_channels(channels: Iterable[Channel], endpoint: EndpointRecord) -> list[Channel]:
    return [channel for channel in channels if channel.endpoint == endpoint.id]


def active_channels_text(channels: Sequence[Channel]) -> str:
    """``ActiveChannels``: the channels' unique ids, each followed by a comma."""
    return "".join(f"{channel.uniqueid}," for channel in channels)
