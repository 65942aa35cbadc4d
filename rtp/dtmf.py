"""RFC 4733 telephone-event payloads: decoding digits once, and sending them.

Payload (4 octets)::

    |     event     |E|R| volume    |          duration             |

One key press is one *event*: every packet of it carries the same RTP timestamp (the event's
start), a duration that grows as the key is held, and the E bit once it is released; the final
packet is sent three times because there is no retransmission. The first packet has the RTP
marker bit set. Events longer than the 16-bit duration field are sent as consecutive segments,
each with a new timestamp and no marker (RFC 4733 section 2.5.1.3).

The receiver is sans-IO: it is fed what the caller took from packets of the negotiated
telephone-event payload type (101, 96, whatever was offered) and returns events; a lost end is
closed by the next event or by :meth:`DtmfReceiver.expire` at the deadline it advertises.

Exceptions::

    ValueError
     └── DtmfParseError   a payload shorter than one event
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Self, TypeAlias

from rtp.packet import Buffer
from rtp.seq import uint32_diff

__all__ = [
    "DigitEnded",
    "DigitStarted",
    "DtmfEvent",
    "DtmfPacket",
    "DtmfParseError",
    "DtmfReceiver",
    "DtmfSender",
    "TelephoneEvent",
    "digit_to_event",
    "event_to_digit",
]

_PAYLOAD = struct.Struct("!BBH")
_DIGITS = "0123456789*#ABCD!"
"""Index = event code: 0-9, ``*`` 10, ``#`` 11, A-D 12-15, and ``!`` 16 for hook flash."""


class DtmfParseError(ValueError):
    """The payload is not a telephone-event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TelephoneEvent:
    """One telephone-event payload; ``duration`` is in RTP timestamp units."""

    event: int
    end: bool = False
    volume: int = 10
    """Power level as -dBm0 (0 loudest .. 63); RFC 4733 senders typically use 10."""
    duration: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.event <= 255:
            raise ValueError(f"event {self.event} out of range")
        if not 0 <= self.volume <= 63:
            raise ValueError(f"volume {self.volume} out of range")
        if not 0 <= self.duration <= 0xFFFF:
            raise ValueError(f"duration {self.duration} out of range")

    @classmethod
    def parse(cls, payload: Buffer) -> Self:
        """Decode the first event of ``payload``; the R bit is ignored as RFC 4733 requires."""
        if len(payload) < _PAYLOAD.size:
            raise DtmfParseError("telephone-event payload too short")
        event, flags, duration = _PAYLOAD.unpack_from(payload)
        return cls(event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration)

    def to_bytes(self) -> bytes:
        return _PAYLOAD.pack(self.event, (0x80 if self.end else 0) | self.volume, self.duration)


def event_to_digit(event: int) -> str | None:
    """The digit for a DTMF event code (``"!"`` for flash), or None for other events."""
    return _DIGITS[event] if 0 <= event < len(_DIGITS) else None


def digit_to_event(digit: str) -> int:
    """The event code of a DTMF digit; ``a``-``d`` are accepted in lower case too."""
    index = _DIGITS.find(digit.upper()) if len(digit) == 1 else -1
    if index < 0:
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return index


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitStarted:
    """The first packet of a new event arrived."""

    digit: str
    timestamp: int
    """RTP timestamp of the event: the key that ties its :class:`DigitEnded` to it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitEnded:
    """The event ended: an E packet arrived, a newer event started, or it timed out."""

    digit: str
    timestamp: int
    duration_ms: int


DtmfEvent: TypeAlias = DigitStarted | DigitEnded


class _Active:
    """The event being received."""

    __slots__ = (
        "digit",
        "done",
        "earlier_segments",
        "event",
        "last_arrival",
        "samples",
        "timestamp",
    )

    def __init__(self, *, event: int, digit: str, timestamp: int, arrival: float) -> None:
        self.event = event
        self.digit = digit
        self.timestamp = timestamp
        self.samples = 0
        # Duration of the segments before the current one, for events longer than 0xFFFF.
        self.earlier_segments = 0
        self.last_arrival = arrival
        self.done = False


class DtmfReceiver:
    """Turns a stream of telephone-event payloads into one start and one end per digit.

    ``timeout`` is how long after the last packet an event without an E packet is declared
    over; RFC 4733 senders refresh at least every 50 ms while a key is held.
    """

    __slots__ = ("_active", "clock_rate", "malformed", "timeout")

    def __init__(self, *, clock_rate: int = 8000, timeout: float = 0.5) -> None:
        if clock_rate <= 0 or timeout <= 0:
            raise ValueError("clock rate and timeout must be positive")
        self.clock_rate = clock_rate
        self.timeout = timeout
        self.malformed = 0
        """Payloads too short to be an event, ignored."""
        self._active: _Active | None = None

    def feed(
        self, timestamp: int, marker: bool, payload: Buffer, arrival: float
    ) -> list[DtmfEvent]:
        """Account for one telephone-event packet."""
        try:
            packet = TelephoneEvent.parse(payload)
        except DtmfParseError:
            self.malformed += 1
            return []
        digit = event_to_digit(packet.event)
        if digit is None:
            return []
        events: list[DtmfEvent] = []
        active = self._active
        if active is not None and timestamp != active.timestamp:
            offset = uint32_diff(timestamp, active.timestamp)
            if self._is_stale(offset):
                return []
            if self._continues(active, packet.event, marker, offset):
                active.earlier_segments += offset
                active.timestamp = timestamp
                active.samples = 0
            else:
                events.extend(self._finish(active))
                active = None
        if active is None:
            active = _Active(event=packet.event, digit=digit, timestamp=timestamp, arrival=arrival)
            self._active = active
            events.append(DigitStarted(digit=digit, timestamp=timestamp))
        if active.done:
            return events
        active.last_arrival = arrival
        active.samples = max(active.samples, packet.duration)
        if packet.end:
            events.extend(self._finish(active))
        return events

    def next_deadline(self) -> float | None:
        """When :meth:`expire` would next end a digit, if one is still open."""
        active = self._active
        if active is None or active.done:
            return None
        return active.last_arrival + self.timeout

    def expire(self, now: float) -> list[DtmfEvent]:
        """End an open digit whose packets stopped at least ``timeout`` ago."""
        active = self._active
        if active is None or active.done or now < active.last_arrival + self.timeout:
            return []
        return self._finish(active)

    def _is_stale(self, offset: int) -> bool:
        # A packet from before the current event is a late retransmission, unless it is so far
        # back that the sender must have restarted its timestamps.
        return -10 * self.clock_rate <= offset < 0

    def _continues(self, active: _Active, event: int, marker: bool, offset: int) -> bool:
        # A new segment of a long event: same event, no marker, the previous segment open and
        # near the 16-bit limit, and this one starting where that one ended. Slack of 200 ms
        # allows for lost updates; without the limit test, a quickly redialled digit whose end
        # and start packets were both lost would merge into the previous one.
        if marker or active.done or event != active.event:
            return False
        slack = self.clock_rate // 5
        if active.samples < 0xFFFF - slack:
            return False
        return active.samples <= offset <= active.samples + slack

    def _finish(self, active: _Active) -> list[DtmfEvent]:
        if active.done:
            return []
        active.done = True
        duration_ms = (active.earlier_segments + active.samples) * 1000 // self.clock_rate
        return [DigitEnded(digit=active.digit, timestamp=active.timestamp, duration_ms=duration_ms)]


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfPacket:
    """One packet of an outgoing event; the caller assigns sequence numbers and pacing."""

    timestamp: int
    marker: bool
    payload: bytes


class DtmfSender:
    """Builds the packets of one digit: one per ``ptime_ms`` while held, then three ends."""

    __slots__ = ("clock_rate", "ptime_ms", "volume")

    def __init__(self, *, clock_rate: int = 8000, ptime_ms: int = 20, volume: int = 10) -> None:
        if clock_rate <= 0 or ptime_ms <= 0 or not 0 <= volume <= 63:
            raise ValueError("invalid DTMF sender settings")
        self.clock_rate = clock_rate
        self.ptime_ms = ptime_ms
        self.volume = volume

    def packets(self, digit: str, duration_ms: int, timestamp: int) -> list[DtmfPacket]:
        """Every packet for ``digit`` held ``duration_ms``, all stamped ``timestamp``."""
        event = digit_to_event(digit)
        if not 0 <= timestamp <= 0xFFFFFFFF:
            raise ValueError(f"timestamp {timestamp} out of range")
        step = self.clock_rate * self.ptime_ms // 1000
        total = self.clock_rate * duration_ms // 1000
        if total < step:
            raise ValueError(f"a digit lasts at least one packet ({self.ptime_ms} ms)")
        if total > 0xFFFF:
            raise ValueError("digits longer than one 16-bit duration segment are not sent")
        packets = [
            TelephoneEvent(event=event, volume=self.volume, duration=duration)
            for duration in range(step, total, step)
        ]
        packets += [TelephoneEvent(event=event, end=True, volume=self.volume, duration=total)] * 3
        return [
            DtmfPacket(timestamp=timestamp, marker=index == 0, payload=packet.to_bytes())
            for index, packet in enumerate(packets)
        ]
