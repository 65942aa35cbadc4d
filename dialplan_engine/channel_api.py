"""What a dialplan application may do to a channel: Asterisk's ``ast_channel`` idea, typed.

``dialplan_engine`` defines this protocol; ``softswitch`` implements it on its B2BUA legs, and
tests implement it with a scripted fake. Every awaitable method raises :class:`ChannelHungUp`
when the channel goes away while the method waits, so an application can simply let it
propagate: the interpreter then runs the ``h`` extension.

::

    DialplanError
     ├── ChannelHungUp      the caller (or Hangup()) ended the channel
     └── ApplicationError   an application failed (bad arguments, cannot open a file)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class DialplanError(Exception):
    pass


class ChannelHungUp(DialplanError):
    """The channel hung up while an application was using it."""


class ChannelRedirected(DialplanError):
    """Someone outside the dialplan (AMI ``Redirect``) moved the channel: the running
    application is abandoned and the channel continues at :attr:`target`."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target
        """``context,exten,priority`` as Goto takes it."""


class ApplicationError(DialplanError):
    """An application cannot go on; the interpreter hangs the channel up (runs ``h``)."""


class Indication(enum.Enum):
    RINGING = "ringing"
    PROGRESS = "progress"
    BUSY = "busy"
    CONGESTION = "congestion"


class DialStatus(enum.Enum):
    ANSWER = "ANSWER"
    BUSY = "BUSY"
    NOANSWER = "NOANSWER"
    CANCEL = "CANCEL"
    CONGESTION = "CONGESTION"
    CHANUNAVAIL = "CHANUNAVAIL"
    INVALIDARGS = "INVALIDARGS"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialTarget:
    """One ``Tech/resource`` of a Dial string: ``PJSIP/101``, ``SIP/8123@trunk``."""

    technology: str
    """``PJSIP`` (``SIP`` is accepted as its alias and normalised to ``PJSIP``)."""
    resource: str
    """``101`` or ``8123@trunk``: an endpoint, or a number to send to an endpoint (trunk)."""

    @property
    def endpoint(self) -> str:
        """The endpoint to use: the part after ``@`` if any, else the whole resource."""
        return self.resource.rpartition("@")[2] if "@" in self.resource else self.resource

    @property
    def number(self) -> str | None:
        """The number to put in the Request-URI for ``number@endpoint``, else None."""
        return self.resource.partition("@")[0] if "@" in self.resource else None


@dataclass(frozen=True, slots=True, kw_only=True)
class DialOptions:
    ringback: bool = False
    """``r``: play ringback to the caller ourselves instead of relaying the callee's."""
    music_on_hold: str | None = None
    """``m(class)``: music on hold to the caller until answer."""
    continue_on_callee_hangup: bool = False
    """``g``: after the bridged call ends because the callee hung up, go on in the dialplan."""
    callee_transfer: bool = False
    """``t``."""
    caller_transfer: bool = False
    """``T``."""
    call_limit_ms: int | None = None
    """``L(x)`` / ``S(x)``: end the bridged call after this long."""
    progress_timeout_s: float | None = None
    """The ``^progress`` half of the timeout argument."""
    inherit: Mapping[str, str] = field(default_factory=dict)
    """Variables set with ``_``/``__`` on the caller, for the new legs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DialResult:
    status: DialStatus
    peer_name: str = ""
    """Channel name of the leg that answered (``DIALEDPEERNAME``)."""
    peer_number: str = ""
    """The resource that answered (``DIALEDPEERNUMBER``)."""
    ring_time_ms: int | None = None
    progress_time_ms: int | None = None
    dialed_time_s: int | None = None
    """Set only when an answered call ended: age of the calling channel."""
    answered_time_s: int | None = None
    callee_hung_up: bool = False
    """The bridged call ended because the callee hung up (for option ``g``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayResult:
    completed: bool
    """Every file played to the end (False when one was missing: PLAYBACKSTATUS=FAILED)."""
    digit: str | None = None
    """The digit that interrupted playback, when interrupting was allowed."""


class RecordStatus(enum.Enum):
    DTMF = "DTMF"
    OPERATOR = "OPERATOR"
    SILENCE = "SILENCE"
    TIMEOUT = "TIMEOUT"
    HANGUP = "HANGUP"
    SKIP = "SKIP"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordRequest:
    path: Path
    """Absolute file path including the extension (the format)."""
    silence_s: float | None
    max_duration_s: float | None
    terminators: str
    """Digits that end the recording (``#``, ``*`` with ``t``, all with ``y``, none with ``x``)."""
    operator_digit: bool
    """``o``: ``0`` ends with OPERATOR."""
    beep: bool
    append: bool
    keep_on_hangup: bool
    trim_silence: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordResult:
    status: RecordStatus
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorRequest:
    path: Path | None
    """The mixed file (absolute), or None when only ``r()``/``t()`` files are wanted."""
    receive_path: Path | None = None
    transmit_path: Path | None = None
    stereo: bool = False
    """``D``: one 2-channel file, left = received, right = transmitted."""
    append: bool = False
    bridged_only: bool = False
    volume_heard: int = 0
    volume_spoken: int = 0
    post_command: str | None = None
    """Run once the files are closed (``^{VAR}`` already resolved by the application)."""


class ChannelAPI(Protocol):
    """One channel as the dialplan sees it."""

    @property
    def name(self) -> str: ...

    @property
    def uniqueid(self) -> str: ...

    @property
    def linkedid(self) -> str: ...

    @property
    def is_up(self) -> bool:
        """Answered."""
        ...

    @property
    def hung_up(self) -> bool: ...

    @property
    def state_description(self) -> str:
        """``Ring``, ``Ringing``, ``Up`` ... as Asterisk names channel states."""
        ...

    @property
    def hangup_cause(self) -> int:
        """Q.850 cause (``HANGUPCAUSE``), 0 while unknown."""
        ...

    caller_number: str
    caller_name: str
    language: str
    accountcode: str

    @property
    def sip_domain(self) -> str:
        """The caller endpoint's SIP domain (``SIPDOMAIN``), empty on a single-domain PBX."""
        ...

    @property
    def sounds_dir(self) -> Path: ...

    @property
    def monitor_dir(self) -> Path:
        """Where relative MixMonitor names go (``/var/spool/asterisk/monitor``)."""
        ...

    def variable_changed(self, name: str, value: str) -> None:
        """Told after every variable write, so the switch can emit AMI ``VarSet``."""
        ...

    def set_cdr_field(self, name: str, value: str) -> None:
        """Remember a CDR value of this channel (``userfield``, ``amaflags``, a CDR
        variable) for the records the switch writes when the call ends."""
        ...

    def cdr_field(self, name: str) -> str | None:
        """A value :meth:`set_cdr_field` stored, None when there is none."""
        ...

    async def answer(self) -> None: ...

    async def hangup(self, cause: int | None = None) -> None:
        """Request hangup; returns once the channel is down (never raises ChannelHungUp)."""
        ...

    async def indicate(self, indication: Indication) -> None: ...

    async def play(self, files: Sequence[str], *, interrupt_digits: str = "") -> PlayResult:
        """Play sound files (names relative to the sounds folder, without extension, or
        absolute paths); stop early on one of *interrupt_digits*."""
        ...

    async def wait(self, seconds: float) -> None: ...

    async def wait_for_digit(self, timeout_s: float) -> str | None:
        """The next DTMF digit, or None when *timeout_s* passed without one."""
        ...

    async def start_music_on_hold(self, music_class: str) -> None:
        """Play the music on hold of *music_class* to the channel, looping, until
        :meth:`stop_music_on_hold`; digits still reach :meth:`wait_for_digit`
        (WaitExten ``m()``, Asterisk's ``AST_CONTROL_HOLD``)."""
        ...

    async def stop_music_on_hold(self) -> None:
        """Stop the music :meth:`start_music_on_hold` started; nothing when none plays.
        Never raises ChannelHungUp."""
        ...

    async def start_tone(self, tone: str) -> None:
        """Play the call-progress tone named *tone* (``dial``, as ``indications.conf``
        names them) in-band, repeating its cadence, until :meth:`stop_tone`; digits still
        reach :meth:`wait_for_digit` (WaitExten ``d``, Asterisk's ``ast_playtones_start``)."""
        ...

    async def stop_tone(self) -> None:
        """Stop the tone :meth:`start_tone` started; nothing when none plays. Never raises
        ChannelHungUp."""
        ...

    async def dial(
        self, targets: Sequence[DialTarget], timeout_s: float | None, options: DialOptions
    ) -> DialResult: ...

    async def record(self, request: RecordRequest) -> RecordResult: ...

    async def start_mixmonitor(self, request: MixMonitorRequest) -> str:
        """Start recording both directions; returns the recorder id."""
        ...

    async def stop_mixmonitor(self, recorder_id: str | None = None) -> bool:
        """Stop that recorder, or the most recent one; False if there was none."""
        ...

    async def run_agi(self, script: str, args: Sequence[str]) -> str:
        """Run an AGI script (path relative to the AGI folder, or ``agi://host``);
        returns AGISTATUS (SUCCESS, FAILURE, NOTFOUND, HANGUP)."""
        ...
