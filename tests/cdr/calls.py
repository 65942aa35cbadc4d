"""Scripted calls for the CDR builder: real :class:`Channel` objects and the bus events the
call code publishes for them, in its order, at times the test chooses."""

from __future__ import annotations

import datetime
import itertools

from softswitch.cdr.builder import CdrBuilder
from softswitch.channel import Channel, Direction, HangupCause
from softswitch.events import (
    ChannelCreated,
    ChannelEnded,
    DialBegan,
    DialEnded,
    DialplanStep,
    Event,
    EventBus,
)
from softswitch.storage.records import CdrRecord

T0 = 1_700_000_000.0
"""When each script starts (epoch seconds)."""


def local(offset: float) -> datetime.datetime:
    """The CDR time of ``T0 + offset``: local, whole seconds."""
    return datetime.datetime.fromtimestamp(int(T0 + offset))


class Script:
    """Feeds one builder, :attr:`rows` collecting what it returns; or, given a *bus*,
    publishes the events there for whoever listens."""

    def __init__(self, builder: CdrBuilder | None = None, *, bus: EventBus | None = None) -> None:
        self.builder = builder or CdrBuilder()
        self.bus = bus
        self.now = T0
        self.rows: list[CdrRecord] = []
        self._ids = itertools.count(1)

    def at(self, offset: float) -> Script:
        self.now = T0 + offset
        return self

    def send(self, event: Event) -> list[CdrRecord]:
        if self.bus is not None:
            self.bus.publish(event)
            return []
        rows = self.builder.handle(event, self.now)
        self.rows.extend(rows)
        return rows

    def caller(self, number: str = "101", name: str = "Alice", *, exten: str = "102",
               context: str = "internal") -> Channel:
        channel = self._channel(number, Direction.INBOUND, exten=exten, context=context,
                                caller_num=number, caller_name=name)
        self.send(ChannelCreated(channel=channel))
        return channel

    def step(self, channel: Channel, application: str, appdata: str = "", *,
             exten: str | None = None, priority: int = 1) -> None:
        exten = channel.exten if exten is None else exten
        channel.application, channel.data = application, appdata
        self.send(DialplanStep(channel=channel, context=channel.context, exten=exten,
                               priority=priority, application=application, appdata=appdata))

    def dial(self, caller: Channel, endpoint: str) -> Channel:
        callee = self._channel(endpoint, Direction.OUTBOUND, exten=endpoint,
                               context=caller.context, linkedid=caller.linkedid,
                               caller_num=caller.caller_num, caller_name=caller.caller_name)
        self.send(ChannelCreated(channel=callee))
        self.send(DialBegan(caller=caller, callee=callee, dialstring=endpoint))
        return callee

    def answer(self, channel: Channel) -> None:
        channel.answer(self.now)

    def dial_end(self, caller: Channel, callee: Channel, status: str) -> None:
        self.send(DialEnded(caller=caller, callee=callee, status=status))

    def hang_up(self, channel: Channel,
                cause: HangupCause = HangupCause.NORMAL_CLEARING) -> None:
        """The hangup itself; the channel's ``h`` may still run before :meth:`end`."""
        channel.hang_up(cause, self.now)

    def end(self, channel: Channel) -> list[CdrRecord]:
        return self.send(ChannelEnded(channel=channel))

    def gone(self, channel: Channel,
             cause: HangupCause = HangupCause.NORMAL_CLEARING) -> list[CdrRecord]:
        self.hang_up(channel, cause)
        return self.end(channel)

    def _channel(self, endpoint: str, direction: Direction, *, exten: str, context: str,
                 linkedid: str = "", caller_num: str = "", caller_name: str = "") -> Channel:
        number = next(self._ids)
        uniqueid = f"{int(T0)}.{number}"
        return Channel(name=f"PJSIP/{endpoint}-{number:08x}", uniqueid=uniqueid,
                       linkedid=linkedid or uniqueid, endpoint=endpoint, direction=direction,
                       context=context, exten=exten, caller_num=caller_num,
                       caller_name=caller_name, created_at=self.now)
