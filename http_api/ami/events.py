"""The switch's internal events as Manager API events, with their privilege classes."""

from __future__ import annotations

import datetime

from http_api.ami import channel_events
from http_api.ami.channel_fields import channel_block
from http_api.ami.protocol import Event
from softswitch import events as bus


def to_ami(event: bus.Event) -> Event | None:
    """The AMI form of *event*; None for one the Manager API does not show."""
    match event:
        case bus.ContactChanged():
            fields = [("URI", event.uri), ("ContactStatus", event.status), ("AOR", event.aor),
                      ("EndpointName", event.endpoint or "")]
            if event.rtt_ms is not None:
                fields.append(("RoundtripUsec", str(int(event.rtt_ms * 1000))))
            return Event(name="ContactStatus", classes=("system",), fields=tuple(fields))
        case bus.PeerStatusChanged():
            return Event(name="PeerStatus", classes=("system",), fields=(
                ("ChannelType", "PJSIP"), ("Peer", f"PJSIP/{event.endpoint}"),
                ("PeerStatus", event.status), ("Address", event.address)))
        case bus.RegistrationChanged():
            fields = [("ChannelType", "pjsip"), ("Username", event.registration),
                      ("Domain", event.server_uri), ("Status", event.status)]
            if event.cause:
                fields.append(("Cause", event.cause))
            return Event(name="Registry", classes=("system",), fields=tuple(fields))
        case bus.DtmfReceived():
            fields = [("Channel", event.channel), ("Uniqueid", event.uniqueid),
                      ("Digit", event.digit)]
            if event.end:
                fields.append(("DurationMs", str(event.duration_ms or 0)))
            fields.append(("Direction", "Received"))
            return Event(name="DTMFEnd" if event.end else "DTMFBegin", classes=("dtmf",),
                         fields=tuple(fields))
        case bus.VarSet():
            return Event(name="VarSet", classes=("dialplan",), fields=(
                ("Channel", event.channel), ("Uniqueid", event.uniqueid),
                ("Variable", event.variable), ("Value", event.value)))
        case bus.FullyBooted():
            return Event(name="FullyBooted", classes=("system",),
                         fields=(("Status", "Fully Booted"),))
        case bus.UserEventRaised():
            # The dialplan application's event starts with its channel; the action's has none.
            block = () if event.channel is None else channel_block(event.channel)
            return Event(name="UserEvent", classes=("user",),
                         fields=(*block, ("UserEvent", event.name), *event.fields))
        case bus.CdrPosted():
            return Event(name="Cdr", classes=("cdr",), fields=tuple(
                (header, _cdr_value(event.row.get(column))) for header, column in _CDR_FIELDS))
    return channel_events.to_ami(event)


_CDR_FIELDS = (
    ("AccountCode", "accountcode"),
    ("Source", "src"),
    ("Destination", "dst"),
    ("DestinationContext", "dcontext"),
    ("CallerID", "clid"),
    ("Channel", "channel"),
    ("DestinationChannel", "dstchannel"),
    ("LastApplication", "lastapp"),
    ("LastData", "lastdata"),
    ("StartTime", "start"),
    ("AnswerTime", "answer"),
    ("EndTime", "end"),
    ("Duration", "duration"),
    ("BillableSeconds", "billsec"),
    ("Disposition", "disposition"),
    ("AMAFlags", "amaflags"),
    ("UniqueID", "uniqueid"),
    ("UserField", "userfield"),
)
"""``Cdr`` headers in cdr_manager's order, and the ``cdr`` columns they show."""


def _cdr_value(value: object) -> str:
    """A CDR cell as cdr_manager prints it: times local ``YYYY-MM-DD HH:MM:SS``, NULL empty."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
