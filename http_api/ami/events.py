"""The switch's internal events as Manager API events, with their privilege classes."""

from __future__ import annotations

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
    return None
