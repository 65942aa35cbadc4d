"""One B2BUA call: the caller's leg, the legs we fork to, and the bridge between them.

The first callee to answer wins; the others are cancelled. Media is bridged on the media
plane as soon as a callee sends early media or answers, so the caller hears ringback,
announcements and the callee through the switch, never directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from dialplan_engine.channel_api import DialStatus
from sip.sdp import Direction
from softswitch.calls.legs import CallerLeg, OutboundLeg, release_stream
from softswitch.channel import ChannelState, HangupCause
from softswitch.events import (
    Bridge,
    BridgeCreated,
    BridgeDestroyed,
    BridgeEntered,
    BridgeLeft,
    DialBegan,
    DialEnded,
    DialProgressed,
    EventBus,
)
from softswitch.mediaplane.client import MediaPlane, MediaPlaneError
from softswitch.tasks import TaskSet

log = logging.getLogger(__name__)


def dial_status_for(cause: HangupCause) -> DialStatus:
    if cause is HangupCause.USER_BUSY:
        return DialStatus.BUSY
    if cause in (HangupCause.NO_ANSWER, HangupCause.NO_USER_RESPONSE,
                 HangupCause.NORMAL_CLEARING):
        return DialStatus.NOANSWER
    if cause in (HangupCause.NORMAL_CIRCUIT_CONGESTION, HangupCause.SWITCH_CONGESTION):
        return DialStatus.CONGESTION
    return DialStatus.CHANUNAVAIL


class Call:
    def __init__(self, *, inbound: CallerLeg, media: MediaPlane, bridge_id: int,
                 lingering: TaskSet, events: EventBus, bridge_uniqueid: str) -> None:
        self.inbound = inbound
        self._media = media
        self._bridge_id = bridge_id
        self._events = events
        self._manager_bridge = Bridge(uniqueid=bridge_uniqueid)
        self._dial_ended: set[int] = set()
        """ids of the legs whose DialEnd was published."""
        self.outbound: list[OutboundLeg] = []
        self.winner: OutboundLeg | None = None
        self._bridged_with: OutboundLeg | None = None
        self._ringing_sent = False
        self._progress_sent = False
        self._decided = asyncio.Event()
        self._ended = asyncio.Event()
        self._failures: list[HangupCause] = []
        self.dial_status: DialStatus | None = None
        self.callee_hung_up = False
        self.tasks = TaskSet("call")
        self._lingering = lingering
        self.log = inbound.log

    # -- the dial ---------------------------------------------------------------------------

    async def dial(self, legs: list[OutboundLeg], ring_timeout: float | None) -> DialStatus:
        """Ring every leg at once; return when one answers, all fail, or the caller gives up."""
        self.outbound = legs
        for leg in legs:
            self._events.publish(DialBegan(caller=self.inbound.channel, callee=leg.channel,
                                           dialstring=leg.resource))
            leg.start()
        cancelled = asyncio.ensure_future(self.inbound.cancelled.wait())
        decided = asyncio.ensure_future(self._decided.wait())
        try:
            done, _ = await asyncio.wait({cancelled, decided}, timeout=ring_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (cancelled, decided):
                waiter.cancel()
        if self.winner is not None:
            status = DialStatus.ANSWER
        elif cancelled in done:
            status = DialStatus.CANCEL
        elif not done:
            status = DialStatus.NOANSWER
        else:
            status = self._failure_status()
        for leg in legs:
            if leg is not self.winner:
                leg.cancel()
                # Asterisk tells a caller who gave up or timed out so; the losers of a
                # parallel ring were cancelled because someone else answered.
                self._dial_end(leg, status.value if status in (
                    DialStatus.CANCEL, DialStatus.NOANSWER) else DialStatus.CANCEL.value)
        self.dial_status = status
        return status

    def _dial_end(self, leg: OutboundLeg, status: str) -> None:
        if id(leg) not in self._dial_ended:
            self._dial_ended.add(id(leg))
            self._events.publish(DialEnded(caller=self.inbound.channel, callee=leg.channel,
                                           status=status))

    def _failure_status(self) -> DialStatus:
        statuses = [dial_status_for(cause) for cause in self._failures]
        for preferred in (DialStatus.BUSY, DialStatus.NOANSWER, DialStatus.CONGESTION):
            if preferred in statuses:
                return preferred
        return DialStatus.CHANUNAVAIL

    async def connect(self) -> bool:
        """Bridge the caller with the winner, answering the caller unless it is up already;
        False if the caller never confirmed our answer."""
        winner = self.winner
        assert winner is not None
        await self._bridge(winner)
        if self.inbound.channel.state is not ChannelState.UP and not await self.inbound.answer():
            await self.hang_up(HangupCause.NORMAL_CLEARING)
            return False
        self._enter_bridge(winner)
        return True

    def detach(self, leg: OutboundLeg) -> None:
        """*leg* leaves the call alive (a blind transfer moves it into the dialplan): the
        call no longer releases its media or hangs it up."""
        if leg in self.outbound:
            self.outbound.remove(leg)

    def abandon(self) -> None:
        """The caller leaves (AMI Redirect): stop ringing, or end the wait on the bridge."""
        self._decided.set()
        self._ended.set()

    async def wait_for_hangup(self) -> None:
        """Until either party of the bridged call hangs up (see :attr:`callee_hung_up`)."""
        await self._ended.wait()

    async def hang_up(self, cause: HangupCause) -> None:
        """End every leg that is still up."""
        self._ended.set()
        await self.inbound.hang_up(cause)
        await self.hang_up_callees(cause)

    async def hang_up_callees(self, cause: HangupCause) -> None:
        self._ended.set()
        for leg in self.outbound:
            await leg.hang_up(cause)

    async def release(self) -> None:
        """Unbridge and give back the callees' media; the caller's stream is its channel's."""
        if self._bridged_with is not None:
            # Releasing the callee's stream below ends the bridge with it; only a callee
            # that leaves alive (detached) keeps its stream, and its bridge must go first.
            if self._bridged_with not in self.outbound:
                with contextlib.suppress(MediaPlaneError):
                    await self._media.unbridge(self._bridge_id)
            self._leave_bridge()
        await self.tasks.wait()
        # Media goes back to the pool at once; a cancelled leg that never got a provisional
        # may keep its INVITE transaction until Timer B (RFC 3261 §9.1 forbids the CANCEL
        # before a provisional), but it needs no port for that.
        for leg in self.outbound:
            await release_stream(self._media, leg.stream, leg.channel, self.log)
            if leg.on_release is not None:
                leg.on_release()
            # The call has heard the last of this leg; the back reference would keep both
            # alive until a full garbage collection.
            leg.listener = None
        for outbound in self.outbound:
            # A leg still waiting for Timer B (cancelled before any provisional) must not
            # hold the caller: it finishes in the background.
            self._lingering.spawn(outbound.wait())

    async def _bridge(self, leg: OutboundLeg) -> None:
        """Connect the caller's media with *leg*'s (early media or the answered call)."""
        if self._bridged_with is leg:
            return
        if self._bridged_with is not None:
            await self._media.unbridge(self._bridge_id)
        await self._media.bridge(self._bridge_id,
                                 (self.inbound.stream.stream_id, leg.stream.stream_id))
        self._bridged_with = leg

    def _enter_bridge(self, leg: OutboundLeg) -> None:
        """The Manager's bridge: formed when the callee answers (early media is not one)."""
        bridge = self._manager_bridge
        self._events.publish(BridgeCreated(bridge=bridge))
        for channel in (self.inbound.channel, leg.channel):
            bridge.channels.append(channel)
            channel.bridge_id = bridge.uniqueid
            self._events.publish(BridgeEntered(bridge=bridge, channel=channel))

    def _leave_bridge(self) -> None:
        bridge = self._manager_bridge
        if not bridge.channels:
            return
        for channel in list(bridge.channels):
            bridge.channels.remove(channel)
            channel.bridge_id = ""
            self._events.publish(BridgeLeft(bridge=bridge, channel=channel))
        self._events.publish(BridgeDestroyed(bridge=bridge))

    # -- what the legs tell us ----------------------------------------------------------------

    def leg_ringing(self, leg: OutboundLeg) -> None:
        self._events.publish(DialProgressed(caller=self.inbound.channel, callee=leg.channel,
                                            status="RINGING"))
        if not self._ringing_sent and not self._progress_sent and not self.inbound.ended:
            self._ringing_sent = True
            self.inbound.ring()

    def leg_progress(self, leg: OutboundLeg) -> None:
        if self.inbound.ended or self.winner is not None:
            return
        self._events.publish(DialProgressed(caller=self.inbound.channel, callee=leg.channel,
                                            status="PROGRESS"))
        self.tasks.spawn(self._early_media(leg))

    async def _early_media(self, leg: OutboundLeg) -> None:
        await self._bridge(leg)
        if not self._progress_sent:
            self._progress_sent = True
            self.inbound.progress()

    def leg_answered(self, leg: OutboundLeg) -> None:
        if self.winner is None and not self.inbound.ended:
            self.winner = leg
            self._dial_end(leg, DialStatus.ANSWER.value)
            self._decided.set()
        else:
            self.tasks.spawn(leg.hang_up(HangupCause.NORMAL_CLEARING))

    def leg_failed(self, leg: OutboundLeg, status: int, cause: HangupCause) -> None:
        self._failures.append(cause)
        self._dial_end(leg, dial_status_for(cause).value)
        self.log.info("%s failed: %d (%s)", leg.channel.name, status, cause.text)
        if all(other.ended for other in self.outbound) and self.winner is None:
            self._decided.set()

    def leg_hung_up(self, leg: CallerLeg | OutboundLeg, cause: HangupCause) -> None:
        if leg is self.winner:
            # The caller stays: the dialplan decides what happens next (Dial option g).
            self.callee_hung_up = True
            self._ended.set()
        elif self.inbound.owns(leg):
            self.tasks.spawn(self.hang_up_callees(cause))

    def leg_hold_changed(self, leg: CallerLeg | OutboundLeg, on_hold: bool) -> None:
        self.log.info("%s %s", leg.channel.name, "put the call on hold" if on_hold else
                      "resumed the call")
        # Pass the hold on, so the other phone shows it (and stops sending while held).
        other = self.winner if self.inbound.owns(leg) else self.inbound
        if other is not None and not other.ended:
            self.tasks.spawn(other.reinvite(Direction.SENDONLY if on_hold
                                            else Direction.SENDRECV))
