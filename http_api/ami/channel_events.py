"""The switch's channel, dial and bridge events as Manager API events (class ``call``,
``dialplan`` for Newexten)."""

from __future__ import annotations

from http_api.ami.channel_fields import Pairs, channel_block
from http_api.ami.protocol import Event
from softswitch import events as bus
from softswitch.channel import HangupCause


def _call(name: str, fields: Pairs) -> Event:
    return Event(name=name, classes=("call",), fields=fields)


def _bridge_block(bridge: bus.Bridge) -> Pairs:
    return (
        ("BridgeUniqueid", bridge.uniqueid),
        ("BridgeType", "basic"),
        ("BridgeTechnology", bridge.technology),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", str(len(bridge.channels))),
        ("BridgeVideoSourceMode", "none"),
    )


def _cause_text(cause: int) -> str:
    try:
        return HangupCause(cause).text
    except ValueError:
        return "Unknown"


def to_ami(event: bus.Event) -> Event | None:
    """The AMI form of a channel-life event; None for any other event."""
    match event:
        case bus.ChannelCreated(channel=channel):
            return _call("Newchannel", channel_block(channel))
        case bus.ChannelStateChanged(channel=channel):
            return _call("Newstate", channel_block(channel))
        case bus.CallerIdChanged(channel=channel):
            return _call("NewCallerid", (
                *channel_block(channel),
                ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")))
        case bus.DialplanStep():
            return Event(name="Newexten", classes=("dialplan",), fields=(
                *channel_block(event.channel), ("Extension", event.exten),
                ("Application", event.application), ("AppData", event.appdata)))
        case bus.HangupRequested(channel=channel, cause=cause):
            return _call("HangupRequest", (*channel_block(channel), ("Cause", str(cause))))
        case bus.ChannelEnded(channel=channel):
            cause = int(channel.hangup_cause or 0)
            return _call("Hangup", (*channel_block(channel), ("Cause", str(cause)),
                                    ("Cause-txt", _cause_text(cause))))
        case bus.DialBegan():
            return _call("DialBegin", (*channel_block(event.caller),
                                       *channel_block(event.callee, "Dest"),
                                       ("DialString", event.dialstring)))
        case bus.DialProgressed():
            return _call("DialState", (*channel_block(event.caller),
                                       *channel_block(event.callee, "Dest"),
                                       ("DialStatus", event.status)))
        case bus.DialEnded():
            return _call("DialEnd", (*channel_block(event.caller),
                                     *channel_block(event.callee, "Dest"),
                                     ("DialStatus", event.status)))
        case bus.BridgeCreated(bridge=bridge):
            return _call("BridgeCreate", _bridge_block(bridge))
        case bus.BridgeDestroyed(bridge=bridge):
            return _call("BridgeDestroy", _bridge_block(bridge))
        case bus.BridgeEntered(bridge=bridge, channel=channel):
            return _call("BridgeEnter", (*_bridge_block(bridge), *channel_block(channel)))
        case bus.BridgeLeft(bridge=bridge, channel=channel):
            return _call("BridgeLeave", (*_bridge_block(bridge), *channel_block(channel)))
        case bus.MixMonitorChanged(channel=channel, action="mute"):
            return _call("MixMonitorMute", (*channel_block(channel),
                                            ("Direction", event.direction),
                                            ("State", "1" if event.muted else "0")))
        case bus.MixMonitorChanged(channel=channel, action=action):
            name = "MixMonitorStart" if action == "start" else "MixMonitorStop"
            return _call(name, channel_block(channel))
        case bus.OriginateFinished():
            return _originate_response(event)
    return None


def _originate_response(event: bus.OriginateFinished) -> Event:
    fields: list[tuple[str, str]] = []
    if event.action_id is not None:
        fields.append(("ActionID", event.action_id))
    fields += [("Response", "Success" if event.success else "Failure"),
               ("Channel", event.channel)]
    if event.application:
        fields += [("Application", event.application), ("Data", event.data)]
    else:
        fields += [("Context", event.context), ("Exten", event.exten)]
    fields += [("Reason", str(event.reason)),
               ("Uniqueid", event.uniqueid or "<unknown>"),
               ("CallerIDNum", event.caller_num or "<unknown>"),
               ("CallerIDName", event.caller_name or "<unknown>")]
    return _call("OriginateResponse", tuple(fields))
