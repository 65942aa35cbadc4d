"""The Manager API's "channel block" and the fields of a ``Status`` event, from a channel.

Every channel event (Newchannel, Hangup, DialBegin with its ``Dest`` twin, …) starts with the
same block; empty caller-id fields read ``<unknown>`` as in Asterisk.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from softswitch.channel import Channel, Direction

Pairs = tuple[tuple[str, str], ...]

_FORMATS = {"PCMA": "alaw", "PCMU": "ulaw"}


def _known(value: str) -> str:
    return value or "<unknown>"


def channel_block(channel: Channel, prefix: str = "") -> Pairs:
    """Asterisk's channel snapshot fields; *prefix* gives the ``Dest…`` block of Dial events."""
    return tuple((prefix + key, value) for key, value in (
        ("Channel", channel.name),
        ("ChannelState", str(int(channel.state))),
        ("ChannelStateDesc", channel.state.description),
        ("CallerIDNum", _known(channel.caller_num)),
        ("CallerIDName", _known(channel.caller_name)),
        ("ConnectedLineNum", _known(channel.connected_num)),
        ("ConnectedLineName", _known(channel.connected_name)),
        ("Language", channel.language),
        ("AccountCode", channel.accountcode),
        ("Context", channel.context),
        ("Exten", channel.exten),
        ("Priority", str(channel.priority)),
        ("Uniqueid", channel.uniqueid),
        ("Linkedid", channel.linkedid),
    ))


def audio_format(channel: Channel) -> str:
    """``alaw``/``ulaw`` for a negotiated channel, else the formats it offers."""
    return _FORMATS.get(channel.codec, "")


def status_fields(channel: Channel, *, now: float | None = None) -> Pairs:
    """The fields of one ``Status`` event after ``Event``/``Privilege``: the channel block,
    then what Asterisk adds for a live channel (formats, application, bridge, seconds up)."""
    moment = time.time() if now is None else now
    fmt = audio_format(channel)
    native = f"({fmt})" if fmt else "(alaw|ulaw)"
    seconds = int(moment - channel.answered_at) if channel.answered_at is not None else 0
    application = channel.application
    data = channel.data
    if not application and channel.direction is Direction.OUTBOUND:
        application, data = "AppDial", "(Outgoing Line)"
    return (
        *channel_block(channel),
        ("Type", channel.technology),
        ("DNID", channel.dnid),
        ("EffectiveConnectedLineNum", _known(channel.connected_num)),
        ("EffectiveConnectedLineName", _known(channel.connected_name)),
        ("TimeToHangup", "0"),
        ("BridgeID", channel.bridge_id),
        ("Application", application),
        ("Data", data),
        ("Nativeformats", native),
        ("Readformat", fmt),
        ("Readtrans", ""),
        ("Writeformat", fmt),
        ("Writetrans", ""),
        ("Callgroup", "0"),
        ("Pickupgroup", "0"),
        ("Seconds", str(seconds)),
    )


def variable_fields(variables: Mapping[str, str]) -> Pairs:
    """``Variable: NAME=value`` lines, as Status prints requested variables."""
    return tuple(("Variable", f"{name}={value}") for name, value in variables.items())
