"""The switch's internal event stream: typed events, synchronous fan-out to subscribers.

The Manager API, metrics and logs subscribe here; publishers never know who listens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

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


Event = ContactChanged | RegistrationChanged | FullyBooted | DtmfReceived | VarSet
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
