"""The switch's bus events as AMI events, and their delivery by read class."""

from __future__ import annotations

import pytest

from http_api.ami.events import to_ami
from http_api.ami.protocol import Event
from softswitch import events as bus


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            bus.ContactChanged(aor="101", endpoint="101", uri="sip:101@192.0.2.5",
                               status="Reachable", rtt_ms=1.5),
            Event(name="ContactStatus", classes=("system",), fields=(
                ("URI", "sip:101@192.0.2.5"), ("ContactStatus", "Reachable"), ("AOR", "101"),
                ("EndpointName", "101"), ("RoundtripUsec", "1500"))),
        ),
        (
            bus.PeerStatusChanged(endpoint="101", status="Unreachable",
                                  address="sip:101@192.0.2.5"),
            Event(name="PeerStatus", classes=("system",), fields=(
                ("ChannelType", "PJSIP"), ("Peer", "PJSIP/101"), ("PeerStatus", "Unreachable"),
                ("Address", "sip:101@192.0.2.5"))),
        ),
        (
            bus.RegistrationChanged(registration="trunk", server_uri="sip:pbx.example",
                                    status="Rejected", cause="403"),
            Event(name="Registry", classes=("system",), fields=(
                ("ChannelType", "pjsip"), ("Username", "trunk"), ("Domain", "sip:pbx.example"),
                ("Status", "Rejected"), ("Cause", "403"))),
        ),
        (
            bus.DtmfReceived(channel="PJSIP/101-1", uniqueid="1.1", digit="5", end=False),
            Event(name="DTMFBegin", classes=("dtmf",), fields=(
                ("Channel", "PJSIP/101-1"), ("Uniqueid", "1.1"), ("Digit", "5"),
                ("Direction", "Received"))),
        ),
        (
            bus.DtmfReceived(channel="PJSIP/101-1", uniqueid="1.1", digit="#", end=True,
                             duration_ms=120),
            Event(name="DTMFEnd", classes=("dtmf",), fields=(
                ("Channel", "PJSIP/101-1"), ("Uniqueid", "1.1"), ("Digit", "#"),
                ("DurationMs", "120"), ("Direction", "Received"))),
        ),
        (
            bus.VarSet(channel="PJSIP/101-1", uniqueid="1.1", variable="X", value="y"),
            Event(name="VarSet", classes=("dialplan",), fields=(
                ("Channel", "PJSIP/101-1"), ("Uniqueid", "1.1"), ("Variable", "X"),
                ("Value", "y"))),
        ),
        (
            bus.FullyBooted(),
            Event(name="FullyBooted", classes=("system",), fields=(("Status", "Fully Booted"),)),
        ),
    ],
    ids=lambda value: type(value).__name__,
)
def test_mapping(event: bus.Event, expected: Event) -> None:
    assert to_ami(event) == expected
