"""Channels: one per call leg, named and numbered like Asterisk's.

A channel is ``PJSIP/<endpoint>-<8 hex digits>`` with a UNIQUEID ``<epoch>.<sequence>`` and
a LINKEDID shared by every channel of one call (the oldest one's UNIQUEID). States and hangup
causes use Asterisk's numbers, which the Manager API and CDRs expose.
"""

from __future__ import annotations

import enum
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class ChannelState(enum.IntEnum):
    DOWN = 0
    RESERVED = 1
    OFFHOOK = 2
    DIALING = 3
    RING = 4
    RINGING = 5
    UP = 6
    BUSY = 7
    DIALING_OFFHOOK = 8
    PRERING = 9

    @property
    def description(self) -> str:
        return _STATE_NAMES[self]


_STATE_NAMES = {
    ChannelState.DOWN: "Down",
    ChannelState.RESERVED: "Rsrvd",
    ChannelState.OFFHOOK: "OffHook",
    ChannelState.DIALING: "Dialing",
    ChannelState.RING: "Ring",
    ChannelState.RINGING: "Ringing",
    ChannelState.UP: "Up",
    ChannelState.BUSY: "Busy",
    ChannelState.DIALING_OFFHOOK: "Dialing Offhook",
    ChannelState.PRERING: "Pre-ring",
}


class HangupCause(enum.IntEnum):
    """Q.850 cause codes, as Asterisk names them (``AST_CAUSE_*``)."""

    NOT_DEFINED = 0
    UNALLOCATED = 1
    NO_ROUTE_DESTINATION = 3
    NORMAL_CLEARING = 16
    USER_BUSY = 17
    NO_USER_RESPONSE = 18
    NO_ANSWER = 19
    SUBSCRIBER_ABSENT = 20
    CALL_REJECTED = 21
    NUMBER_CHANGED = 22
    DESTINATION_OUT_OF_ORDER = 27
    INVALID_NUMBER_FORMAT = 28
    FACILITY_REJECTED = 29
    NORMAL_UNSPECIFIED = 31
    NORMAL_CIRCUIT_CONGESTION = 34
    NETWORK_OUT_OF_ORDER = 38
    NORMAL_TEMPORARY_FAILURE = 41
    SWITCH_CONGESTION = 42
    BEARERCAPABILITY_NOTAVAIL = 58
    BEARERCAPABILITY_NOTIMPL = 65
    INCOMPATIBLE_DESTINATION = 88
    RECOVERY_ON_TIMER_EXPIRE = 102
    INTERWORKING = 127

    @property
    def text(self) -> str:
        """Asterisk's ``HANGUPCAUSE`` description (``Normal Clearing``)."""
        return self.name.replace("_", " ").title()


def cause_from_sip(status: int) -> HangupCause:
    """The cause a SIP failure response maps to (RFC 3398 §7.2.4, as Asterisk does)."""
    exact = {
        401: HangupCause.CALL_REJECTED,
        403: HangupCause.CALL_REJECTED,
        404: HangupCause.UNALLOCATED,
        407: HangupCause.CALL_REJECTED,
        408: HangupCause.RECOVERY_ON_TIMER_EXPIRE,
        410: HangupCause.NUMBER_CHANGED,
        480: HangupCause.NO_ANSWER,
        484: HangupCause.INVALID_NUMBER_FORMAT,
        486: HangupCause.USER_BUSY,
        487: HangupCause.NORMAL_CLEARING,
        488: HangupCause.BEARERCAPABILITY_NOTAVAIL,
        500: HangupCause.NORMAL_TEMPORARY_FAILURE,
        501: HangupCause.FACILITY_REJECTED,
        502: HangupCause.DESTINATION_OUT_OF_ORDER,
        503: HangupCause.NORMAL_CIRCUIT_CONGESTION,
        504: HangupCause.RECOVERY_ON_TIMER_EXPIRE,
        600: HangupCause.USER_BUSY,
        603: HangupCause.CALL_REJECTED,
        604: HangupCause.UNALLOCATED,
        606: HangupCause.BEARERCAPABILITY_NOTAVAIL,
    }
    if status in exact:
        return exact[status]
    if 400 <= status < 500:
        return HangupCause.INTERWORKING
    if 500 <= status < 600:
        return HangupCause.NORMAL_TEMPORARY_FAILURE
    return HangupCause.NORMAL_UNSPECIFIED


def sip_from_cause(cause: HangupCause) -> int:
    """The SIP status we answer an unanswered caller with for *cause*."""
    return {
        HangupCause.UNALLOCATED: 404,
        HangupCause.NO_ROUTE_DESTINATION: 404,
        HangupCause.USER_BUSY: 486,
        HangupCause.NO_USER_RESPONSE: 408,
        HangupCause.NO_ANSWER: 480,
        HangupCause.SUBSCRIBER_ABSENT: 480,
        HangupCause.CALL_REJECTED: 403,
        HangupCause.NUMBER_CHANGED: 410,
        HangupCause.DESTINATION_OUT_OF_ORDER: 502,
        HangupCause.INVALID_NUMBER_FORMAT: 484,
        HangupCause.FACILITY_REJECTED: 501,
        HangupCause.NORMAL_UNSPECIFIED: 480,
        HangupCause.NORMAL_CIRCUIT_CONGESTION: 503,
        HangupCause.NETWORK_OUT_OF_ORDER: 500,
        HangupCause.NORMAL_TEMPORARY_FAILURE: 503,
        HangupCause.SWITCH_CONGESTION: 503,
        HangupCause.BEARERCAPABILITY_NOTAVAIL: 488,
        HangupCause.RECOVERY_ON_TIMER_EXPIRE: 408,
        HangupCause.NORMAL_CLEARING: 487,
    }.get(cause, 500)


class Direction(enum.Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Identifiers:
    """Hands out channel names and UNIQUEIDs: one sequence per process, as Asterisk."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._unique = itertools.count(1)
        self._names = itertools.count(1)

    def uniqueid(self) -> str:
        return f"{int(self._clock())}.{next(self._unique)}"

    def channel_name(self, technology: str, endpoint: str) -> str:
        return f"{technology}/{endpoint}-{next(self._names):08x}"


@dataclass(slots=True, kw_only=True)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    endpoint: str
    direction: Direction
    context: str
    exten: str
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    priority: int = 1
    state: ChannelState = ChannelState.DOWN
    application: str = ""
    data: str = ""
    accountcode: str = ""
    language: str = "en"
    variables: dict[str, str] = field(default_factory=dict)
    hangup_cause: HangupCause | None = None
    created_at: float = field(default_factory=time.time)
    answered_at: float | None = None
    ended_at: float | None = None
    codec: str = ""
    """The negotiated audio codec's Asterisk name (``alaw``, ``ulaw``), once known."""
    dnid: str = ""
    """The number dialled to reach the switch (Asterisk's DNID), for inbound channels."""
    bridge_id: str = ""
    """The bridge the channel is in, empty when none."""
    cdr_fields: dict[str, str] = field(default_factory=dict)
    """What the dialplan wrote with ``CDR(name)``: ``userfield``, ``amaflags`` and CDR
    variables, which its CDRs carry."""
    on_state: Callable[[Channel], None] | None = field(default=None, repr=False,
                                                        compare=False)
    """Told of every state change (the switch publishes AMI ``Newstate`` from it)."""

    @property
    def technology(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def callerid(self) -> str:
        """``"Name" <number>`` as CALLERID(all)."""
        if self.caller_name:
            return f'"{self.caller_name}" <{self.caller_num}>'
        return f"<{self.caller_num}>"

    def set_state(self, state: ChannelState) -> None:
        if state is not self.state:
            self.state = state
            if self.on_state is not None:
                self.on_state(self)

    def answer(self, now: float | None = None) -> None:
        if self.state is not ChannelState.UP:
            self.answered_at = time.time() if now is None else now
            self.set_state(ChannelState.UP)

    def hang_up(self, cause: HangupCause, now: float | None = None) -> None:
        if self.hangup_cause is None:
            self.hangup_cause = cause
            self.ended_at = time.time() if now is None else now
