"""The switch's internal event stream: typed events, synchronous fan-out to subscribers.

The Manager API, metrics and logs subscribe here; publishers never know who listens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softswitch.channel import Channel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactChanged:
    """A registration was created, refreshed, removed, or its reachability changed."""

    aor: str
    endpoint: str | None
    uri: str
    status: str
    """``Created``, ``Removed``, ``Reachable``, ``Unreachable`` (AMI ContactStatus values)."""
    rtt_ms: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerStatusChanged:
    """An endpoint became reachable or unreachable by qualify (AMI ``PeerStatus``)."""

    endpoint: str
    status: str
    """``Reachable`` or ``Unreachable``."""
    address: str = ""
    """The contact's URI that was qualified."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationChanged:
    """An outbound registration to a trunk changed state (AMI ``Registry``)."""

    registration: str
    server_uri: str
    status: str
    """``Registered``, ``Unregistered``, ``Rejected`` or ``Failed``."""
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FullyBooted:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfReceived:
    """A digit arrived from a channel's peer (AMI ``DTMFBegin``/``DTMFEnd``)."""

    channel: str
    uniqueid: str
    digit: str
    end: bool
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VarSet:
    """A dialplan variable was written on a channel (AMI ``VarSet``)."""

    channel: str
    uniqueid: str
    variable: str
    value: str


# -- channel life ---------------------------------------------------------------------------
# Channel events carry the live :class:`~softswitch.channel.Channel`: subscribers run
# synchronously, so they read it as it is at the moment of the event and copy what they keep.


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelCreated:
    """AMI ``Newchannel``: the first event of every channel."""

    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStateChanged:
    """AMI ``Newstate``: ``channel.state`` is the new state."""

    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerIdChanged:
    """AMI ``NewCallerid``: the dialplan changed ``CALLERID``."""

    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class DialplanStep:
    """AMI ``Newexten``: the channel is about to run one priority (appdata substituted)."""

    channel: Channel
    context: str
    exten: str
    priority: int
    application: str
    appdata: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupRequested:
    """AMI ``HangupRequest``: something asked the channel to hang up (a BYE, the Manager)."""

    channel: Channel
    cause: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEnded:
    """AMI ``Hangup``: the last event of every channel; ``channel.hangup_cause`` and
    ``channel.ended_at`` are set, and the ``h`` extension (if any) has run."""

    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class DialBegan:
    """AMI ``DialBegin``: *caller* rings *callee* (a new outbound channel)."""

    caller: Channel
    callee: Channel
    dialstring: str
    """The resource dialled, as ``DialString`` shows it (``102``, ``81234567890@trunk``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DialProgressed:
    """AMI ``DialState``: ``RINGING`` or ``PROGRESS`` from the callee."""

    caller: Channel
    callee: Channel
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialEnded:
    """AMI ``DialEnd``: the callee's outcome, a ``DIALSTATUS`` value (``ANSWER``, ``BUSY``,
    ``NOANSWER``, ``CANCEL``, ``CONGESTION``, ``CHANUNAVAIL``)."""

    caller: Channel
    callee: Channel
    status: str


@dataclass(slots=True, kw_only=True)
class Bridge:
    """Two or more channels whose media the media plane mixes or relays."""

    uniqueid: str
    technology: str = "simple_bridge"
    channels: list[Channel] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeCreated:
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeEntered:
    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeLeft:
    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeDestroyed:
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorChanged:
    """AMI ``MixMonitorStart`` / ``MixMonitorStop`` / ``MixMonitorMute``."""

    channel: Channel
    action: str
    """``start``, ``stop`` or ``mute``."""
    path: str = ""
    direction: str = ""
    """For ``mute``: ``read``, ``write`` or ``both``."""
    muted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateFinished:
    """AMI ``OriginateResponse``: how an asynchronous Originate ended."""

    action_id: str | None
    success: bool
    channel: str
    context: str
    exten: str
    application: str
    data: str
    reason: int
    """Asterisk's originate reason: 0 failed, 1 hung up, 3 ringing, 4 answered, 5 busy,
    8 congestion."""
    uniqueid: str
    caller_num: str
    caller_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UserEventRaised:
    """AMI ``UserEvent``: from the ``UserEvent`` action or dialplan application."""

    name: str
    fields: tuple[tuple[str, str], ...] = ()
    channel: Channel | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CdrPosted:
    """AMI ``Cdr``: one finished CDR row (a mapping of the ``cdr`` table's columns)."""

    row: dict[str, object]


Event = (
    ContactChanged | PeerStatusChanged | RegistrationChanged | FullyBooted | DtmfReceived | VarSet
    | ChannelCreated | ChannelStateChanged | CallerIdChanged | DialplanStep | HangupRequested
    | ChannelEnded | DialBegan | DialProgressed | DialEnded | BridgeCreated | BridgeEntered
    | BridgeLeft | BridgeDestroyed | MixMonitorChanged | OriginateFinished | UserEventRaised
    | CdrPosted
)
Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add *subscriber*; the returned function removes it again."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                # One broken listener must not stop the others or the publisher.
                log.exception("event subscriber failed on %s", type(event).__name__)
