"""PJSIP objects as Manager API fields, and device state from contacts and channels."""

from __future__ import annotations

import pytest

from http_api.ami.pjsip_fields import (
    DeviceState,
    camel_case,
    contact_fields,
    contacts_text,
    device_state,
    object_fields,
    static_contacts,
)
from softswitch.channel import Channel, ChannelState, Direction
from softswitch.storage.records import AorRecord, AuthRecord, ContactRecord, EndpointRecord


@pytest.mark.parametrize(
    ("option", "field"),
    [("max_contacts", "MaxContacts"), ("context", "Context"), ("100rel", "100rel"),
     ("t38_udptl", "T38Udptl")],
)
def test_camel_case_as_asterisk_names_sorcery_fields(option: str, field: str) -> None:
    assert camel_case(option) == field


def test_object_fields_start_with_type_and_name_and_hide_secrets() -> None:
    auth = AuthRecord(id="101", username="101", password="pass101", md5_cred="ab" * 16)
    fields = dict(object_fields("auth", auth))
    assert list(fields)[:2] == ["ObjectType", "ObjectName"]
    assert fields["ObjectType"] == "auth"
    assert fields["ObjectName"] == "101"
    assert fields["Username"] == "101"
    assert fields["NonceLifetime"] == "32"
    assert fields["Realm"] == ""
    assert not {"Password", "Md5Cred", "PasswordDigest"} & set(fields)


def test_object_fields_spell_values_as_sorcery_does() -> None:
    aor = AorRecord(id="trunk", contacts=("sip:a@h", "sip:b@h"), remove_existing=True)
    fields = dict(object_fields("aor", aor))
    assert fields["Contact"] == "sip:a@h,sip:b@h"
    assert fields["RemoveExisting"] == "true"
    assert fields["SupportPath"] == "false"
    assert fields["QualifyTimeout"] == "3.000000"


def test_static_contacts_are_named_like_asterisks_permanent_ones() -> None:
    (contact,) = static_contacts(AorRecord(id="trunk", contacts=("sip:gw@10.0.0.1",),
                                           qualify_frequency=30))
    assert contact.id.startswith("trunk@@")
    assert len(contact.id) == len("trunk@@") + 32
    assert contact.qualify_frequency == 30
    assert contacts_text([contact]) == "trunk/sip:gw@10.0.0.1,"


def test_contact_fields_end_with_status_and_round_trip() -> None:
    reachable = ContactRecord(id="101;@x", aor="101", uri="sip:101@h", expiration_time=9,
                              status="Reachable", rtt_ms=1.5)
    fields = contact_fields(reachable)
    assert fields[-2:] == (("Status", "Reachable"), ("RoundtripUsec", "1500"))
    assert ("Uri", "sip:101@h") in fields
    unknown = ContactRecord(id="101;@y", aor="101", uri="sip:101@h", expiration_time=9)
    assert contact_fields(unknown)[-1] == ("RoundtripUsec", "N/A")


def _channel(state: ChannelState) -> Channel:
    return Channel(name="PJSIP/101-00000001", uniqueid="1.1", linkedid="1.1", endpoint="101",
                   direction=Direction.INBOUND, context="internal", exten="102", state=state)


_ONLINE = (ContactRecord(id="c", aor="101", uri="sip:101@h", expiration_time=9),)
_UNREACHABLE = (ContactRecord(id="c", aor="101", uri="sip:101@h", expiration_time=9,
                              status="Unreachable"),)


@pytest.mark.parametrize(
    ("contacts", "states", "expected"),
    [
        ((), (), DeviceState.UNAVAILABLE),
        (_UNREACHABLE, (), DeviceState.UNAVAILABLE),
        (_ONLINE, (), DeviceState.NOT_INUSE),
        (_ONLINE, (ChannelState.DOWN,), DeviceState.NOT_INUSE),
        (_ONLINE, (ChannelState.UP,), DeviceState.INUSE),
        (_ONLINE, (ChannelState.RING,), DeviceState.INUSE),
        (_ONLINE, (ChannelState.RINGING,), DeviceState.RINGING),
        (_ONLINE, (ChannelState.UP, ChannelState.RINGING), DeviceState.RINGINUSE),
        (_ONLINE, (ChannelState.BUSY,), DeviceState.BUSY),
        (_ONLINE, (ChannelState.BUSY, ChannelState.RINGING), DeviceState.RINGING),
    ],
)
def test_device_state(contacts: tuple[ContactRecord, ...], states: tuple[ChannelState, ...],
                      expected: DeviceState) -> None:
    endpoint = EndpointRecord(id="101", aors=("101",))
    assert device_state(endpoint, contacts, [_channel(s) for s in states]) is expected


def test_device_state_busy_at_counts_occupied_channels() -> None:
    endpoint = EndpointRecord(id="101", aors=("101",), device_state_busy_at=2)
    one = [_channel(ChannelState.UP)]
    assert device_state(endpoint, _ONLINE, one) is DeviceState.INUSE
    assert device_state(endpoint, _ONLINE, one * 2) is DeviceState.BUSY
