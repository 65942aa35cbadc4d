"""A scripted stand-in for the switch's channel (records every call, never sleeps), and
the little switch around it that the dialplan tests run calls through.

Tests script what the far end does (digits, dial results, recordings, the moment the caller
hangs up) and then read :attr:`FakeChannel.calls`. Time is a :class:`FakeClock` that
``wait`` and digit timeouts advance, so timeouts are exercised without waiting for them.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialplan_engine.channel_api import (
    ChannelHungUp,
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
from dialplan_engine.interpreter import Interpreter, Step
from dialplan_engine.model import Dialplan, RealtimeRow
from dialplan_engine.parser import parse_extensions_conf
from dialplan_engine.scope import AstDbDialgroups, MemoryAstDb, split_inheritance
from dialplan_engine.state import ExecState


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True, slots=True)
class DialCall:
    targets: tuple[DialTarget, ...]
    timeout_s: float | None
    options: DialOptions


class FakeChannel:
    """Implements :class:`~dialplan_engine.channel_api.ChannelAPI` from a script."""

    def __init__(
        self,
        *,
        name: str = "PJSIP/101-00000001",
        uniqueid: str = "1700000000.1",
        linkedid: str = "",
        caller_number: str = "101",
        caller_name: str = "Alice",
        up: bool = False,
        clock: FakeClock | None = None,
        sounds_dir: Path = Path("/var/lib/asterisk/sounds"),
        monitor_dir: Path = Path("/var/spool/asterisk/monitor"),
        sip_domain: str = "",
    ) -> None:
        self.name = name
        self.uniqueid = uniqueid
        self.linkedid = linkedid or uniqueid
        self.caller_number = caller_number
        self.caller_name = caller_name
        self.language = "en"
        self.accountcode = ""
        self.sip_domain = sip_domain
        self.sounds_dir = sounds_dir
        self.monitor_dir = monitor_dir
        self.clock = clock or FakeClock()
        self.is_up = up
        self.hung_up = False
        self.hangup_cause = 0
        # -- the script ----------------------------------------------------------------
        self.digits: deque[str | None] = deque()
        """What each wait_for_digit returns (None: the timeout passed); empty = timeouts."""
        self.missing_files: set[str] = set()
        self.presses: dict[str, str] = {}
        """file -> digit the caller presses while it plays."""
        self.dial_results: deque[DialResult | BaseException] = deque()
        self.record_results: deque[RecordResult | BaseException] = deque()
        self.agi_statuses: deque[str] = deque()
        self.hang_up_in: set[str] = set()
        """Methods during which the caller hangs up (they raise ChannelHungUp)."""
        self.block_in_wait = False
        """wait() never returns by itself (something else must cancel it)."""
        # -- what happened -------------------------------------------------------------
        self.calls: list[tuple[object, ...]] = []
        self.dials: list[DialCall] = []
        self.records: list[RecordRequest] = []
        self.mixmonitors: list[MixMonitorRequest] = []
        self.agis: list[tuple[str, tuple[str, ...]]] = []
        self.variable_log: list[tuple[str, str]] = []
        self.cdr_fields: dict[str, str] = {}
        self.media_after_hangup: list[str] = []
        self._recorders = 0
        self._running: list[str] = []

    @property
    def state_description(self) -> str:
        return "Up" if self.is_up else "Ring"

    def methods(self) -> list[object]:
        return [call[0] for call in self.calls]

    def var(self, name: str) -> str | None:
        """The last value the dialplan gave variable *name* (as the switch heard it)."""
        for written, value in reversed(self.variable_log):
            if split_inheritance(written)[0] == name:
                return value
        return None

    def _enter(self, method: str, *args: object) -> None:
        """Record a media call; fail it as the switch does once the channel is gone."""
        self.calls.append((method, *args))
        if self.hung_up:
            self.media_after_hangup.append(method)
            raise ChannelHungUp(self.name)
        if method in self.hang_up_in:
            self.far_end_hangup()
            raise ChannelHungUp(self.name)

    def far_end_hangup(self, cause: int = 16) -> None:
        self.hung_up = True
        self.hangup_cause = self.hangup_cause or cause

    # -- ChannelAPI ----------------------------------------------------------------------

    def variable_changed(self, name: str, value: str) -> None:
        self.variable_log.append((name, value))

    def set_cdr_field(self, name: str, value: str) -> None:
        self.cdr_fields[name] = value

    def cdr_field(self, name: str) -> str | None:
        return self.cdr_fields.get(name)

    async def answer(self) -> None:
        self._enter("answer")
        self.is_up = True

    async def hangup(self, cause: int | None = None) -> None:
        self.calls.append(("hangup", cause))
        if cause is not None:
            self.hangup_cause = cause
        self.far_end_hangup()

    async def indicate(self, indication: Indication) -> None:
        self._enter("indicate", indication)

    async def play(self, files: Sequence[str], *, interrupt_digits: str = "") -> PlayResult:
        self._enter("play", tuple(files), interrupt_digits)
        completed = True
        for file in files:
            if file in self.missing_files:
                completed = False
                continue
            pressed = self.presses.get(file)
            if pressed is not None and pressed in interrupt_digits:
                return PlayResult(completed=completed, digit=pressed)
        return PlayResult(completed=completed)

    async def wait(self, seconds: float) -> None:
        self._enter("wait", seconds)
        if self.block_in_wait:
            await asyncio.Event().wait()
        if math.isinf(seconds):
            # Only a hang-up ends an endless wait.
            self.far_end_hangup()
            raise ChannelHungUp(self.name)
        self.clock.advance(seconds)

    async def wait_for_digit(self, timeout_s: float) -> str | None:
        self._enter("wait_for_digit", timeout_s)
        digit = self.digits.popleft() if self.digits else None
        if digit is None:
            self.clock.advance(timeout_s)
        return digit

    async def start_music_on_hold(self, music_class: str) -> None:
        self._enter("start_music_on_hold", music_class)

    async def stop_music_on_hold(self) -> None:
        self.calls.append(("stop_music_on_hold",))

    async def start_tone(self, tone: str) -> None:
        self._enter("start_tone", tone)

    async def stop_tone(self) -> None:
        self.calls.append(("stop_tone",))

    async def dial(
        self, targets: Sequence[DialTarget], timeout_s: float | None, options: DialOptions
    ) -> DialResult:
        self._enter("dial", tuple(targets), timeout_s)
        self.dials.append(DialCall(tuple(targets), timeout_s, options))
        outcome = (
            self.dial_results.popleft()
            if self.dial_results
            else DialResult(status=DialStatus.NOANSWER)
        )
        if isinstance(outcome, BaseException):
            if isinstance(outcome, ChannelHungUp):
                self.far_end_hangup()
            raise outcome
        if outcome.status is DialStatus.ANSWER:
            self.is_up = True
        if outcome.status is DialStatus.CANCEL:
            self.far_end_hangup()
        return outcome

    async def record(self, request: RecordRequest) -> RecordResult:
        self._enter("record", request.path)
        self.records.append(request)
        outcome = (
            self.record_results.popleft()
            if self.record_results
            else RecordResult(status=RecordStatus.DTMF)
        )
        if isinstance(outcome, BaseException):
            if isinstance(outcome, ChannelHungUp):
                self.far_end_hangup()
            raise outcome
        if outcome.status is RecordStatus.HANGUP:
            self.far_end_hangup()
        return outcome

    async def start_mixmonitor(self, request: MixMonitorRequest) -> str:
        self._enter("start_mixmonitor", request.path)
        self.mixmonitors.append(request)
        self._recorders += 1
        recorder_id = f"{self.name}-mixmonitor-{self._recorders}"
        self._running.append(recorder_id)
        return recorder_id

    async def stop_mixmonitor(self, recorder_id: str | None = None) -> bool:
        self.calls.append(("stop_mixmonitor", recorder_id))
        if recorder_id is None:
            if not self._running:
                return False
            self._running.pop()
            return True
        if recorder_id not in self._running:
            return False
        self._running.remove(recorder_id)
        return True

    async def run_agi(self, script: str, args: Sequence[str]) -> str:
        # Allowed after hang-up: the h extension runs AGI on the dead channel.
        self.calls.append(("run_agi", script, tuple(args)))
        self.agis.append((script, tuple(args)))
        return self.agi_statuses.popleft() if self.agi_statuses else "SUCCESS"


def panel_rows(
    context: str, exten: str, lines: Sequence[str], *, first_id: int = 1
) -> list[RealtimeRow]:
    """Realtime rows from the web panel's ``Application : arguments`` lines, priority 1 up."""
    rows = []
    for offset, line in enumerate(lines):
        app, _, appdata = line.partition(":")
        rows.append(
            RealtimeRow(
                id=first_id + offset,
                context=context,
                exten=exten,
                priority=offset + 1,
                app=app.strip(),
                appdata=appdata.strip(),
            )
        )
    return rows


@dataclass
class Switch:
    """The pieces the switch hands the interpreter, with test defaults."""

    dialplan: Dialplan
    globals: dict[str, str] = field(default_factory=dict)
    astdb: MemoryAstDb = field(default_factory=MemoryAstDb)
    clock: FakeClock = field(default_factory=FakeClock)

    def __post_init__(self) -> None:
        self.dialgroups = AstDbDialgroups(self.astdb)
        self.steps: list[Step] = []
        self.states: list[ExecState] = []
        self.interpreter = Interpreter(
            dialplan_source=lambda: self.dialplan,
            dialgroups=self.dialgroups,
            astdb=self.astdb,
            globals=self.globals,
            clock=self.clock,
            on_step=self._step,
        )

    def _step(self, state: ExecState, step: Step) -> None:
        self.steps.append(step)
        if state not in self.states:
            self.states.append(state)

    def executed(self) -> list[str]:
        """``exten@context:priority App`` of every priority run so far."""
        return [f"{s.exten}@{s.context}:{s.priority} {s.app}" for s in self.steps]

    @classmethod
    def from_conf(cls, text: str) -> Switch:
        return cls(parse_extensions_conf(text, filename="test.conf"))

    def channel(self, **kwargs: Any) -> FakeChannel:
        return FakeChannel(clock=self.clock, **kwargs)

    async def call(
        self,
        context: str,
        exten: str = "s",
        *,
        channel: FakeChannel | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> FakeChannel:
        channel = channel or self.channel()
        await self.interpreter.run(channel, context, exten, variables=variables or {})
        return channel
