"""What the Manager API may do to a live channel, whatever runs it.

A channel in the dialplan (a caller, or an answered Originate) is controlled through its
:class:`~softswitch.switch_channel.SwitchChannel`; a leg that Dial placed has no dialplan of
its own, so only hanging up and its plain variables apply.
"""

from __future__ import annotations

from typing import Protocol

from softswitch.calls.legs import OutboundLeg
from softswitch.channel import Channel, HangupCause
from softswitch.events import EventBus, HangupRequested, VarSet


class ChannelControl(Protocol):
    @property
    def channel(self) -> Channel: ...

    async def request_hangup(self, cause: HangupCause) -> None: ...

    def redirect(self, target: str) -> bool:
        """Continue at ``context,exten,priority``; False when the channel cannot."""
        ...

    def get_variable(self, name: str) -> str:
        """A variable, or a function such as ``CALLERID(num)`` where a dialplan runs."""
        ...

    def set_variable(self, name: str, value: str) -> None: ...

    async def run_application(self, application: str, args: str) -> None:
        """Run one dialplan application on the channel beside its dialplan (the Manager's
        MixMonitor); :class:`NoDialplan` for a dialled leg, ``ApplicationError`` if it
        fails."""
        ...

    async def stop_mixmonitor(self, recorder_id: str | None = None) -> bool: ...


class NoDialplan(Exception):
    """The channel is a dialled leg: it has no dialplan to record or move from."""


class DialledLegControl:
    def __init__(self, leg: OutboundLeg, events: EventBus) -> None:
        self._leg = leg
        self._events = events

    @property
    def channel(self) -> Channel:
        return self._leg.channel

    async def request_hangup(self, cause: HangupCause) -> None:
        leg = self._leg
        self._events.publish(HangupRequested(channel=leg.channel, cause=int(cause)))
        was_answered = leg.answered and not leg.ended
        await leg.hang_up(cause)
        if was_answered and leg.listener is not None:
            # Our own BYE: the call hears of it as if the callee had hung up.
            leg.listener.leg_hung_up(leg, cause)

    def redirect(self, target: str) -> bool:
        return False

    def get_variable(self, name: str) -> str:
        return self._leg.channel.variables.get(name, "")

    def set_variable(self, name: str, value: str) -> None:
        channel = self._leg.channel
        channel.variables[name] = value
        self._events.publish(VarSet(channel=channel.name, uniqueid=channel.uniqueid,
                                    variable=name, value=value))

    async def run_application(self, application: str, args: str) -> None:
        raise NoDialplan(self._leg.channel.name)

    async def stop_mixmonitor(self, recorder_id: str | None = None) -> bool:
        return False
