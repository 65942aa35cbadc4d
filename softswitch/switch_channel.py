"""The dialplan's view of a caller's channel: :class:`~dialplan_engine.channel_api.ChannelAPI`
implemented on an inbound B2BUA leg, its media stream and the switch's services.

Every wait races the channel's hangup: when the caller goes (BYE, CANCEL, or our own
hangup) a waiting method raises :class:`ChannelHungUp` and the interpreter runs ``h``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dialplan_engine.apps import find_application
from dialplan_engine.channel_api import (
    ApplicationError,
    ChannelHungUp,
    ChannelRedirected,
    DialOptions,
    DialResult,
    DialStatus,
    DialTarget,
    Indication,
    MixMonitorRequest,
    PlayResult,
    RecordRequest,
    RecordResult,
    RecordStatus,
)
from dialplan_engine.funcs import assign
from dialplan_engine.interpreter import Step
from dialplan_engine.state import ExecState
from dialplan_engine.substitution import substitute
from softswitch.calls.call import Call
from softswitch.calls.legs import CallerLeg, OutboundLeg
from softswitch.calls.transfer import (
    BLIND_TRANSFER,
    DIGIT_TIMEOUT_S,
    Progress,
    Transfer,
    TransferNumber,
)
from softswitch.channel import Channel, ChannelState, HangupCause, sip_from_cause
from softswitch.events import (
    CallerIdChanged,
    DialplanStep,
    EventBus,
    HangupRequested,
    MixMonitorChanged,
    VarSet,
)
from softswitch.media_waiters import MediaWaiters
from softswitch.mediaplane.client import CommandFailed, MediaPlane, MediaPlaneError
from softswitch.mediaplane.protocol import RecordingFinished, Tone
from softswitch.post_recording import PostRecording
from softswitch.sound_files import find_music, find_sound
from softswitch.tasks import TaskSet

if TYPE_CHECKING:
    from softswitch.calls.service import CallService

log = logging.getLogger(__name__)

T = TypeVar("T")

_RECORD_REASONS = {
    "dtmf": RecordStatus.DTMF,
    "silence": RecordStatus.SILENCE,
    "maxduration": RecordStatus.TIMEOUT,
    "hangup": RecordStatus.HANGUP,
    "stopped": RecordStatus.HANGUP,
    "error": RecordStatus.ERROR,
}


class SwitchChannel:
    def __init__(
        self,
        *,
        service: CallService,
        inbound: CallerLeg,
        media: MediaPlane,
        waiters: MediaWaiters,
        events: EventBus,
        sounds_dir: Path,
        monitor_dir: Path,
        sip_domain: str,
        post_recording: PostRecording,
    ) -> None:
        self._service = service
        self.leg = inbound
        self._media = media
        self._waiters = waiters
        self._events = events
        self._sounds_dir = sounds_dir
        self._monitor_dir = monitor_dir
        self._sip_domain = sip_domain
        self._post = post_recording
        self._hung_up = asyncio.Event()
        self._redirected = asyncio.Event()
        self._redirect_to: str | None = None
        self.exec_state: ExecState | None = None
        self._background: int | None = None
        """The music or tone under a WaitExten, if one plays."""
        """Where the dialplan has the channel, once it runs (Getvar, Setvar, Redirect)."""
        self._digits: asyncio.Queue[str] = asyncio.Queue()
        self._call: Call | None = None
        self._recorders: list[int] = []
        self._dial_cause: HangupCause | None = None
        """Why the last Dial failed; a later plain Hangup() passes it on, as Asterisk does."""
        self.tasks = TaskSet("channel")
        self.log = inbound.log
        waiters.listen_digits(inbound.stream.stream_id, self._digit)
        inbound.listener = self
        self._cancel_watch = asyncio.ensure_future(self._watch_cancel())
        if inbound.ended:
            # An originated leg can hang up between its answer and this takeover.
            self._mark_hung_up(HangupCause.NORMAL_CLEARING)

    async def _watch_cancel(self) -> None:
        """A CANCEL before the answer hangs the channel up (the caller hears 487)."""
        await self.leg.cancelled.wait()
        if not self.is_up and not self.leg.ended:
            self.leg.reject(487, HangupCause.NORMAL_CLEARING)
        self._mark_hung_up(HangupCause.NORMAL_CLEARING)

    # -- identity and state ------------------------------------------------------------------

    @property
    def channel(self) -> Channel:
        return self.leg.channel

    @property
    def name(self) -> str:
        return self.leg.channel.name

    @property
    def uniqueid(self) -> str:
        return self.leg.channel.uniqueid

    @property
    def linkedid(self) -> str:
        return self.leg.channel.linkedid

    @property
    def is_up(self) -> bool:
        return self.leg.channel.state is ChannelState.UP

    @property
    def hung_up(self) -> bool:
        return self._hung_up.is_set()

    @property
    def state_description(self) -> str:
        return self.leg.channel.state.description

    @property
    def hangup_cause(self) -> int:
        cause = self.leg.channel.hangup_cause
        return int(cause) if cause is not None else 0

    @property
    def caller_number(self) -> str:
        return self.leg.channel.caller_num

    @caller_number.setter
    def caller_number(self, value: str) -> None:
        if value != self.leg.channel.caller_num:
            self.leg.channel.caller_num = value
            self._events.publish(CallerIdChanged(channel=self.leg.channel))

    @property
    def caller_name(self) -> str:
        return self.leg.channel.caller_name

    @caller_name.setter
    def caller_name(self, value: str) -> None:
        if value != self.leg.channel.caller_name:
            self.leg.channel.caller_name = value
            self._events.publish(CallerIdChanged(channel=self.leg.channel))

    @property
    def language(self) -> str:
        return self.leg.channel.language

    @language.setter
    def language(self, value: str) -> None:
        self.leg.channel.language = value

    @property
    def accountcode(self) -> str:
        return self.leg.channel.accountcode

    @accountcode.setter
    def accountcode(self, value: str) -> None:
        self.leg.channel.accountcode = value

    @property
    def sip_domain(self) -> str:
        return self._sip_domain

    @property
    def sounds_dir(self) -> Path:
        return self._sounds_dir

    @property
    def monitor_dir(self) -> Path:
        return self._monitor_dir

    def variable_changed(self, name: str, value: str) -> None:
        self.leg.channel.variables[name] = value
        self._events.publish(VarSet(channel=self.name, uniqueid=self.uniqueid,
                                    variable=name, value=value))

    def set_cdr_field(self, name: str, value: str) -> None:
        self.leg.channel.cdr_fields[name] = value

    def cdr_field(self, name: str) -> str | None:
        return self.leg.channel.cdr_fields.get(name)

    def on_dialplan_step(self, state: ExecState, step: Step) -> None:
        """The interpreter is about to run *step*: keep the channel's place current (Status,
        the CDR's lastapp) and tell the Manager (``Newexten``)."""
        self.exec_state = state
        channel = self.leg.channel
        channel.context, channel.exten, channel.priority = step.context, step.exten, \
            step.priority
        channel.application, channel.data = step.app, step.appdata
        self._events.publish(DialplanStep(
            channel=channel, context=step.context, exten=step.exten, priority=step.priority,
            application=step.app, appdata=step.appdata))

    # -- control from outside the dialplan (the Manager API) ----------------------------------

    async def request_hangup(self, cause: HangupCause) -> None:
        self._events.publish(HangupRequested(channel=self.leg.channel, cause=int(cause)))
        if not self.hung_up:
            await self.hangup(int(cause))

    def redirect(self, target: str) -> bool:
        """Continue at ``context,exten,priority``: the running application is abandoned (a
        bridged callee is hung up). False once the channel has hung up."""
        if self.hung_up:
            return False
        self._redirect_to = target
        self._redirected.set()
        if self._call is not None:
            self._call.abandon()
        return True

    def _take_redirect(self) -> ChannelRedirected | None:
        target = self._redirect_to
        if target is None:
            return None
        self._redirect_to = None
        self._redirected.clear()
        return ChannelRedirected(target)

    def get_variable(self, name: str) -> str:
        """A variable or function value as ``${name}`` reads it in the channel's dialplan."""
        if self.exec_state is None:
            return self.leg.channel.variables.get(name, "")
        return substitute("${" + name + "}", self.exec_state)

    def set_variable(self, name: str, value: str) -> None:
        """Set a variable or write a function, as ``Set(name=value)`` would."""
        if self.exec_state is None:
            self.variable_changed(name, value)
        else:
            assign(self.exec_state, name, value)

    async def run_application(self, application: str, args: str) -> None:
        app = find_application(application)
        if app is None:
            raise ApplicationError(f"no application {application}")
        if self.exec_state is None or self.hung_up:
            raise ApplicationError(f"{self.name} is not in the dialplan")
        await app.execute(self.exec_state, args)

    # -- racing the hangup -------------------------------------------------------------------

    async def _unless_hung_up(self, work: Awaitable[T]) -> T:
        """*work*'s result, unless the channel hangs up (:class:`ChannelHungUp`) or is
        redirected (:class:`ChannelRedirected`) first; then *work* is cancelled."""
        redirect = self._take_redirect()
        if self.hung_up or redirect is not None:
            if asyncio.iscoroutine(work):
                work.close()
            raise redirect if redirect is not None and not self.hung_up \
                else ChannelHungUp(self.name)
        task = asyncio.ensure_future(work)
        gone = asyncio.ensure_future(self._hung_up.wait())
        moved = asyncio.ensure_future(self._redirected.wait())
        try:
            await asyncio.wait({task, gone, moved}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            moved.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, MediaPlaneError):
            await task
        redirect = self._take_redirect()
        if redirect is not None and not self.hung_up:
            raise redirect
        raise ChannelHungUp(self.name)

    def _mark_hung_up(self, cause: HangupCause) -> None:
        if not self.hung_up:
            self.leg.channel.hang_up(cause)
            self._hung_up.set()
            if self._call is not None:
                self.tasks.spawn(self._call.hang_up_callees(cause))

    # -- what the inbound leg tells us (LegListener) ------------------------------------------

    def leg_ringing(self, leg: OutboundLeg) -> None:
        if self._call is not None:
            self._call.leg_ringing(leg)

    def leg_progress(self, leg: OutboundLeg) -> None:
        if self._call is not None:
            self._call.leg_progress(leg)

    def leg_answered(self, leg: OutboundLeg) -> None:
        if self._call is not None:
            self._call.leg_answered(leg)

    def leg_failed(self, leg: OutboundLeg, status: int, cause: HangupCause) -> None:
        if self._call is not None:
            self._call.leg_failed(leg, status, cause)

    def leg_hung_up(self, leg: CallerLeg | OutboundLeg, cause: HangupCause) -> None:
        if self.leg.owns(leg):
            self._mark_hung_up(cause)
        elif self._call is not None:
            self._call.leg_hung_up(leg, cause)

    def leg_hold_changed(self, leg: CallerLeg | OutboundLeg, on_hold: bool) -> None:
        if self._call is not None:
            self._call.leg_hold_changed(leg, on_hold)

    def _digit(self, digit: str, ended: bool, duration_ms: int | None) -> None:
        if not ended:
            self._digits.put_nowait(digit)

    # -- ChannelAPI actions --------------------------------------------------------------------

    async def answer(self) -> None:
        if self.is_up:
            return
        if self.hung_up:
            raise ChannelHungUp(self.name)
        if not await self._unless_hung_up(self.leg.answer()):
            self._mark_hung_up(HangupCause.NORMAL_CLEARING)
            raise ChannelHungUp(self.name)

    async def hangup(self, cause: int | None = None) -> None:
        reason = _cause(cause) if cause is not None else (
            self._dial_cause or HangupCause.NORMAL_CLEARING)
        was_up = self.is_up
        self._mark_hung_up(reason)
        if not self.leg.ended:
            if was_up:
                await self.leg.hang_up(reason)
            else:
                self.leg.reject(_unanswered_status(reason), reason)

    async def indicate(self, indication: Indication) -> None:
        if self.hung_up:
            raise ChannelHungUp(self.name)
        if indication is Indication.RINGING and not self.is_up:
            self.leg.ring()
        elif indication is Indication.PROGRESS and not self.is_up:
            self.leg.progress()
        elif indication in (Indication.BUSY, Indication.CONGESTION):
            if self.is_up:
                play_id = self._waiters.new_id()
                await self._media.play_tone(
                    self.leg.stream.stream_id, play_id,
                    "busy" if indication is Indication.BUSY else "congestion",
                )
            else:
                cause = (HangupCause.USER_BUSY if indication is Indication.BUSY
                         else HangupCause.NORMAL_CIRCUIT_CONGESTION)
                self.leg.reject(486 if indication is Indication.BUSY else 503, cause)
                self._mark_hung_up(cause)
                raise ChannelHungUp(self.name)

    async def play(self, files: Sequence[str], *, interrupt_digits: str = "") -> PlayResult:
        completed = True
        for name in files:
            path = find_sound(name, self._sounds_dir, self.language)
            if path is None:
                self.log.warning("%s: sound file %r not found", self.name, name)
                completed = False
                continue
            digit = await self._play_one(path, interrupt_digits)
            if digit is not None:
                return PlayResult(completed=completed, digit=digit)
        return PlayResult(completed=completed)

    async def _play_one(self, path: Path, interrupt_digits: str) -> str | None:
        play_id = self._waiters.new_id()
        finished = self._waiters.playback(play_id)
        try:
            await self._media.play(self.leg.stream.stream_id, play_id, str(path))
        except CommandFailed as exc:
            self.log.warning("%s: cannot play %s: %s", self.name, path, exc)
            return None
        if not interrupt_digits:
            await self._unless_hung_up(finished)
            return None
        while True:
            digit_wait = asyncio.ensure_future(self._digits.get())
            waiting: set[asyncio.Future[Any]] = {finished, digit_wait}
            try:
                done, _ = await self._unless_hung_up(asyncio.wait(
                    waiting, return_when=asyncio.FIRST_COMPLETED))
            finally:
                digit_wait.cancel()
            if finished in done:
                return None
            digit = digit_wait.result()
            if digit in interrupt_digits:
                with contextlib.suppress(CommandFailed):
                    await self._media.stop_play(play_id)
                return digit

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._unless_hung_up(self._hung_up.wait()), seconds)

    async def wait_for_digit(self, timeout_s: float) -> str | None:
        try:
            return await asyncio.wait_for(self._unless_hung_up(self._digits.get()),
                                          max(0.0, timeout_s))
        except TimeoutError:
            return None

    async def start_music_on_hold(self, music_class: str) -> None:
        await self.stop_music_on_hold()
        music = find_music(self._sounds_dir, music_class)
        if music is None:
            self.log.warning("%s: no music on hold in class %r", self.name, music_class)
            return
        await self._start_background(lambda play_id: self._media.play(
            self.leg.stream.stream_id, play_id, str(music), loop=True))

    async def stop_music_on_hold(self) -> None:
        await self._stop_background()

    async def start_tone(self, tone: str) -> None:
        await self.stop_tone()
        if tone not in _TONES:
            self.log.warning("%s: no tone %r", self.name, tone)
            return
        await self._start_background(lambda play_id: self._media.play_tone(
            self.leg.stream.stream_id, play_id, _TONES[tone]))

    async def stop_tone(self) -> None:
        await self._stop_background()

    async def _start_background(self, start: Callable[[int], Awaitable[None]]) -> None:
        """Sound under a wait for digits (WaitExten ``m``/``d``): one at a time."""
        if self.hung_up:
            raise ChannelHungUp(self.name)
        play_id = self._waiters.new_id()
        try:
            await start(play_id)
        except CommandFailed as exc:
            self.log.warning("%s: cannot play: %s", self.name, exc)
            return
        self._background = play_id

    async def _stop_background(self) -> None:
        play_id, self._background = self._background, None
        if play_id is not None:
            with contextlib.suppress(MediaPlaneError):
                await self._media.stop_play(play_id)

    async def dial(self, targets: Sequence[DialTarget], timeout_s: float | None,
                   options: DialOptions) -> DialResult:
        if self.hung_up:
            raise ChannelHungUp(self.name)
        started = time.monotonic()
        call = Call(inbound=self.leg, media=self._media,
                    bridge_id=self._service.new_bridge_id(), lingering=self._service.lingering,
                    events=self._events, bridge_uniqueid=str(uuid.uuid4()))
        legs = await self._service.legs_for_targets(call, self.leg.channel, targets, options)
        if not legs:
            self._dial_cause = HangupCause.SUBSCRIBER_ABSENT
            return DialResult(status=DialStatus.CHANUNAVAIL)
        self._call = call
        comfort = await self._start_comfort(options)
        handoff: Transfer | None = None
        try:
            status = await call.dial(legs, ring_timeout=timeout_s)
            if comfort is not None:
                with contextlib.suppress(CommandFailed):
                    await self._media.stop_play(comfort)
            self._raise_if_redirected()
            winner = call.winner
            if status is not DialStatus.ANSWER or winner is None:
                if self.hung_up:
                    return DialResult(status=DialStatus.CANCEL)
                ring, progress = _ring_times(legs)
                self._dial_cause = _DIAL_CAUSES.get(status)
                return DialResult(status=status, ring_time_ms=ring,
                                  progress_time_ms=progress)
            answered_at = time.monotonic()
            if not await call.connect():
                raise ChannelHungUp(self.name)
            transfer = await self._bridged(call, winner, options)
            await self._hang_up_if_redirected(call)
            if transfer is not None:
                # A callee transferred by the caller goes on in the dialplan once the call
                # has let go of its media (below, in ``finally``).
                handoff = transfer if transfer.by_caller else None
                await self._transfer(call, winner, transfer)
            ended = time.monotonic()
            callee_hung_up = call.callee_hung_up
            if not callee_hung_up:
                await call.hang_up_callees(HangupCause.NORMAL_CLEARING)
            ring, progress = _ring_times([winner])
            return DialResult(
                status=DialStatus.ANSWER,
                peer_name=winner.channel.name,
                peer_number=winner.resource,
                dialed_time_s=int(ended - started),
                answered_time_s=int(ended - answered_at),
                callee_hung_up=callee_hung_up,
                ring_time_ms=ring,
                progress_time_ms=progress,
            )
        finally:
            self._call = None
            await call.release()
            if handoff is not None and call.winner is not None:
                self._service.continue_in_dialplan(call.winner, handoff.context,
                                                   handoff.exten)

    def _raise_if_redirected(self) -> None:
        redirect = self._take_redirect()
        if redirect is not None and not self.hung_up:
            raise redirect

    async def _hang_up_if_redirected(self, call: Call) -> None:
        """A redirected caller leaves the bridge: its callee is hung up, as in Asterisk."""
        redirect = self._take_redirect()
        if redirect is not None and not self.hung_up:
            await call.hang_up_callees(HangupCause.NORMAL_CLEARING)
            raise redirect

    async def _bridged(self, call: Call, callee: OutboundLeg,
                       options: DialOptions) -> Transfer | None:
        """Until either side hangs up, the ``L()``/``S()`` limit ends the call, or a party
        allowed to (``T`` the caller, ``t`` the callee) dials a blind transfer."""
        limit_ms = options.call_limit_ms
        ended = asyncio.ensure_future(call.wait_for_hangup())
        gone = asyncio.ensure_future(self._hung_up.wait())
        waiting: set[asyncio.Future[Any]] = {ended, gone}
        transfer: asyncio.Task[Transfer] | None = None
        if options.caller_transfer or options.callee_transfer:
            transfer = asyncio.ensure_future(self._watch_transfer(callee, options))
            waiting.add(transfer)
        try:
            done, _ = await asyncio.wait(
                waiting, timeout=limit_ms / 1000 if limit_ms else None,
                return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiting:
                waiter.cancel()
            if transfer is not None:
                self._waiters.forget_stream(callee.stream.stream_id)
        if not done:
            self.log.info("%s: call limit of %d ms reached", self.name, limit_ms)
        if transfer is not None and transfer in done:
            return transfer.result()
        return None

    async def _watch_transfer(self, callee: OutboundLeg, options: DialOptions) -> Transfer:
        """The first complete blind transfer either allowed party dials."""
        from_callee: asyncio.Queue[str] = asyncio.Queue()
        if options.callee_transfer:
            self._waiters.listen_digits(
                callee.stream.stream_id,
                lambda digit, ended, _ms: None if ended else from_callee.put_nowait(digit))
        while not self._digits.empty():
            self._digits.get_nowait()
        sources: list[tuple[bool, asyncio.Queue[str]]] = []
        if options.caller_transfer:
            sources.append((True, self._digits))
        if options.callee_transfer:
            sources.append((False, from_callee))
        while True:
            by_caller, queue = await _first_digit(sources, BLIND_TRANSFER)
            context = self._transfer_context(callee, by_caller)
            number = TransferNumber(dialplan=await self._service.dialplan_now(),
                                    context=context)
            progress = Progress.MORE
            while progress is Progress.MORE:
                try:
                    digit = await asyncio.wait_for(queue.get(), DIGIT_TIMEOUT_S)
                except TimeoutError:
                    progress = number.timed_out()
                else:
                    progress = number.feed(digit)
            party = self.name if by_caller else callee.channel.name
            if progress is Progress.COMPLETE:
                self.log.info("%s transfers the call to %s@%s", party, number.digits, context)
                return Transfer(by_caller=by_caller, context=context, exten=number.digits)
            self.log.info("%s dialled %r to transfer to: no such extension in %s", party,
                          number.digits, context)

    def _transfer_context(self, callee: OutboundLeg, by_caller: bool) -> str:
        """The transferer's context, unless it set ``TRANSFER_CONTEXT``."""
        if by_caller:
            override = self.get_variable("TRANSFER_CONTEXT")
            return override or self.leg.channel.context
        return callee.channel.variables.get("TRANSFER_CONTEXT") or callee.channel.context

    async def _transfer(self, call: Call, callee: OutboundLeg, transfer: Transfer) -> None:
        """Carry out a blind transfer: the transferer leaves, the other party goes on in the
        dialplan at the number dialled. Always raises: the caller's Dial is over."""
        if transfer.by_caller:
            call.detach(callee)
            await self.hangup(int(HangupCause.NORMAL_CLEARING))
            raise ChannelHungUp(self.name)
        await call.hang_up_callees(HangupCause.NORMAL_CLEARING)
        raise ChannelRedirected(f"{transfer.context},{transfer.exten},1")

    async def _start_comfort(self, options: DialOptions) -> int | None:
        """What the caller hears while the callees ring: ``r`` ringback, ``m`` music.

        An unanswered caller gets ``180`` for ``r`` (its phone rings back itself) and early
        media (``183``) for ``m``; an answered one hears our tone or music in-band.
        """
        if not options.ringback and options.music_on_hold is None:
            return None
        if not self.is_up:
            if options.music_on_hold is None:
                self.leg.ring()
                return None
            self.leg.progress()
        play_id = self._waiters.new_id()
        music = (find_music(self._sounds_dir, options.music_on_hold)
                 if options.music_on_hold is not None else None)
        try:
            if music is not None:
                await self._media.play(self.leg.stream.stream_id, play_id, str(music),
                                       loop=True)
            else:
                await self._media.play_tone(self.leg.stream.stream_id, play_id, "ringback")
        except CommandFailed as exc:
            self.log.warning("%s: no ringback: %s", self.name, exc)
            return None
        return play_id

    async def record(self, request: RecordRequest) -> RecordResult:
        if request.beep:
            await self._beep()
        record_id = self._waiters.new_id()
        finished = self._waiters.recording(record_id)
        terminators = request.terminators + ("0" if request.operator_digit else "")
        request.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            await self._media.record(
                record_id, stream_id=self.leg.stream.stream_id, path_rx=str(request.path),
                stop_on_dtmf=terminators, max_duration_s=request.max_duration_s,
                silence_s=request.silence_s,
            )
        except CommandFailed as exc:
            self.log.warning("%s: cannot record to %s: %s", self.name, request.path, exc)
            return RecordResult(status=RecordStatus.ERROR)
        try:
            outcome = await self._unless_hung_up(asyncio.shield(finished))
        except ChannelHungUp:
            with contextlib.suppress(CommandFailed):
                await self._media.stop_record(record_id)
            outcome = await finished
            if not request.keep_on_hangup:
                with contextlib.suppress(FileNotFoundError):
                    request.path.unlink()
            return RecordResult(status=RecordStatus.HANGUP, duration_s=outcome.duration_s)
        status = _RECORD_REASONS.get(outcome.reason, RecordStatus.ERROR)
        if status is RecordStatus.DTMF and outcome.digit == "0" and request.operator_digit:
            status = RecordStatus.OPERATOR
        return RecordResult(status=status, duration_s=outcome.duration_s)

    async def _beep(self) -> None:
        play_id = self._waiters.new_id()
        finished = self._waiters.playback(play_id)
        await self._media.play_tone(self.leg.stream.stream_id, play_id, "beep")
        await self._unless_hung_up(finished)

    async def start_mixmonitor(self, request: MixMonitorRequest) -> str:
        record_id = self._waiters.new_id()
        for path in (request.path, request.receive_path, request.transmit_path):
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
        stereo = request.path if request.stereo else None
        mixed = None if request.stereo else request.path
        self._waiters.on_recording_finished(
            record_id, lambda event: self._mixmonitor_done(event, request))
        try:
            await self._media.record(
                record_id, stream_id=self.leg.stream.stream_id,
                path_mixed=str(mixed) if mixed else None,
                path_rx=str(request.receive_path) if request.receive_path else None,
                path_tx=str(request.transmit_path) if request.transmit_path else None,
                path_stereo=str(stereo) if stereo else None,
            )
        except CommandFailed as exc:
            raise ApplicationError(f"MixMonitor cannot record: {exc}") from exc
        self._recorders.append(record_id)
        self._events.publish(MixMonitorChanged(channel=self.leg.channel, action="start",
                                               path=str(request.path)))
        return str(record_id)

    def _mixmonitor_done(self, event: RecordingFinished, request: MixMonitorRequest) -> None:
        with contextlib.suppress(ValueError):
            self._recorders.remove(event.record_id)
        self._events.publish(MixMonitorChanged(channel=self.leg.channel, action="stop",
                                               path=str(request.path)))
        if request.post_command:
            self._post.run(request.post_command, self.log)

    async def stop_mixmonitor(self, recorder_id: str | None = None) -> bool:
        if recorder_id is None:
            if not self._recorders:
                return False
            record_id = self._recorders[-1]
        else:
            try:
                record_id = int(recorder_id)
            except ValueError:
                return False
            if record_id not in self._recorders:
                return False
        with contextlib.suppress(CommandFailed):
            await self._media.stop_record(record_id)
        return True

    async def run_agi(self, script: str, args: Sequence[str]) -> str:
        return await self._service.agi.run(self, script, list(args))

    async def close(self) -> None:
        """The dialplan is done with the channel: stop its recorders, end any leftovers."""
        self._cancel_watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._cancel_watch
        for record_id in list(self._recorders):
            with contextlib.suppress(MediaPlaneError):
                await self._media.stop_record(record_id)
        await self.tasks.wait()
        self._waiters.forget_stream(self.leg.stream.stream_id)
        # The leg and the dialplan state point back at the channel; left as cycles, every
        # ended call would wait in memory for a full collection of the garbage collector.
        self.leg.listener = None
        self.exec_state = None


_TONES: dict[str, Tone] = {"dial": "dial", "ring": "ringback", "ringback": "ringback",
                          "busy": "busy", "congestion": "congestion"}
"""indications.conf names the dialplan uses → the media plane's tones."""

_DIAL_CAUSES = {
    DialStatus.BUSY: HangupCause.USER_BUSY,
    DialStatus.NOANSWER: HangupCause.NO_ANSWER,
    DialStatus.CONGESTION: HangupCause.NORMAL_CIRCUIT_CONGESTION,
    DialStatus.CHANUNAVAIL: HangupCause.SUBSCRIBER_ABSENT,
}


def _cause(cause: int) -> HangupCause:
    try:
        return HangupCause(cause)
    except ValueError:
        return HangupCause.NORMAL_UNSPECIFIED


def _unanswered_status(cause: HangupCause) -> int:
    """What an unanswered caller is told when the dialplan hangs up on it."""
    if cause is HangupCause.NORMAL_CLEARING:
        return 480
    return sip_from_cause(cause)


def _ring_times(legs: Sequence[OutboundLeg]) -> tuple[int | None, int | None]:
    """RINGTIME_MS and PROGRESSTIME_MS: the first ringing and progress among the legs."""
    rings = [leg.ring_time_ms for leg in legs if leg.ring_time_ms is not None]
    progress = [leg.progress_time_ms for leg in legs if leg.progress_time_ms is not None]
    return (min(rings) if rings else None, min(progress) if progress else None)


async def _first_digit(sources: Sequence[tuple[bool, asyncio.Queue[str]]],
                       wanted: str) -> tuple[bool, asyncio.Queue[str]]:
    """The source (``by_caller``, its queue) on which *wanted* is pressed first."""
    while True:
        getters = {asyncio.ensure_future(queue.get()): (by_caller, queue)
                   for by_caller, queue in sources}
        try:
            done, _ = await asyncio.wait(getters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for getter in getters:
                getter.cancel()
        for getter in done:
            source = getters[getter]
            if getter.result() == wanted:
                return source

