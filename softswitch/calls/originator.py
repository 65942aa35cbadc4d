"""Ringing the channel of an Originate: every contact of the endpoint at once, the first to
answer wins, the others are cancelled, and the outcome is Asterisk's originate reason."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from softswitch.calls.legs import InboundLeg, OutboundLeg
from softswitch.calls.originate import OriginateReason
from softswitch.channel import HangupCause
from softswitch.tasks import TaskSet

log = logging.getLogger(__name__)

_BUSY = frozenset({HangupCause.USER_BUSY})
_CONGESTION = frozenset({HangupCause.NORMAL_CIRCUIT_CONGESTION, HangupCause.SWITCH_CONGESTION})
_REJECTED = frozenset({HangupCause.CALL_REJECTED, HangupCause.NORMAL_CLEARING})


def reason_for(causes: list[HangupCause], rang: bool) -> OriginateReason:
    if any(cause in _BUSY for cause in causes):
        return OriginateReason.BUSY
    if any(cause in _CONGESTION for cause in causes):
        return OriginateReason.CONGESTION
    if any(cause in _REJECTED for cause in causes):
        return OriginateReason.HANGUP
    return OriginateReason.RINGING if rang else OriginateReason.FAILED


class Originator:
    """The :class:`~softswitch.calls.legs.LegListener` of the legs until one answers."""

    def __init__(self) -> None:
        self.legs: list[OutboundLeg] = []
        self.winner: OutboundLeg | None = None
        self._rang = False
        self._causes: list[HangupCause] = []
        self._decided = asyncio.Event()
        self._tasks = TaskSet("originate")

    async def ring(self, legs: list[OutboundLeg], timeout_s: float) -> OriginateReason:
        self.legs = legs
        for leg in legs:
            leg.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._decided.wait(), timeout=max(timeout_s, 0.0))
        for leg in legs:
            if leg is not self.winner:
                leg.cancel()
        await self._tasks.wait()
        if self.winner is not None:
            return OriginateReason.ANSWERED
        if not self._decided.is_set():
            return OriginateReason.RINGING if self._rang else OriginateReason.FAILED
        return reason_for(self._causes, self._rang)

    def leg_ringing(self, leg: OutboundLeg) -> None:
        self._rang = True

    def leg_progress(self, leg: OutboundLeg) -> None:
        self._rang = True

    def leg_answered(self, leg: OutboundLeg) -> None:
        if self.winner is None and not self._decided.is_set():
            self.winner = leg
            self._decided.set()
        else:
            self._tasks.spawn(leg.hang_up(HangupCause.NORMAL_CLEARING))

    def leg_failed(self, leg: OutboundLeg, status: int, cause: HangupCause) -> None:
        self._causes.append(cause)
        log.info("originate to %s failed: %d (%s)", leg.channel.name, status, cause.text)
        if all(other.ended for other in self.legs) and self.winner is None:
            self._decided.set()

    def leg_hung_up(self, leg: InboundLeg | OutboundLeg, cause: HangupCause) -> None:
        # Only the winner can hang up (the others never answered); the dialplan that takes
        # it over sees ``leg.ended``.
        pass

    def leg_hold_changed(self, leg: InboundLeg | OutboundLeg, on_hold: bool) -> None:
        pass
