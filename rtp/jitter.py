"""A fixed-depth jitter buffer for media the switch terminates (playback, recording, mixing).

The relay path does not use it: forwarded packets keep the sender's timing. Here packets go in
as they arrive and one frame comes out per tick of the media loop, in sequence order:

* playout starts once ``depth`` packets are queued, or once the first queued packet has waited
  ``depth`` ticks (so a short talk spurt before silence suppression still plays);
* a missing packet while later ones are queued is lost: ``get`` returns None (the caller
  conceals) and moves on; if it turns up afterwards it is late and dropped;
* when the queue runs dry the buffer waits and refills to ``depth`` again instead of counting
  every silent tick as a loss, which is what a sender doing silence suppression looks like;
* a new SSRC, or a sequence or timestamp jump no reordering explains, means the source was
  replaced (re-INVITE, transfer): the queue is flushed and filling starts over.

Sequence numbers are unwrapped to unbounded integers against the highest one seen, through
:func:`rtp.seq.uint16_diff`, so ordering is plain integer comparison.
"""

from __future__ import annotations

import enum

from rtp.seq import uint16_diff, uint32_add, uint32_diff

__all__ = ["JitterBuffer", "PutResult"]

_PLAYED_WINDOW = 64
_PLAYED_MASK = (1 << _PLAYED_WINDOW) - 1


class PutResult(enum.Enum):
    """What :meth:`JitterBuffer.put` did with a packet."""

    QUEUED = "queued"
    REORDERED = "reordered"
    """Queued, though it arrived after a later packet."""
    DUPLICATE = "duplicate"
    """Dropped: already queued or already played."""
    LATE = "late"
    """Dropped: its turn to play has passed."""


class JitterBuffer:
    """Reorders one incoming stream and releases a frame per tick.

    ``frame_samples`` is the timestamp increment per packet (160 for 20 ms at 8 kHz) and
    ``ptime`` the tick in seconds; ``max_packets`` bounds memory and latency when the sender
    runs fast; ``max_jump`` (seconds) is the timestamp discontinuity treated as a new source.
    """

    __slots__ = (
        "_buffering_since",
        "_frames",
        "_high",
        "_high_ts",
        "_next",
        "_played",
        "_playing",
        "_ssrc",
        "depth",
        "duplicates",
        "frame_samples",
        "late",
        "lost",
        "max_dropout",
        "max_jump_samples",
        "max_misorder",
        "max_packets",
        "overflows",
        "ptime",
        "reordered",
        "resets",
    )

    def __init__(
        self,
        *,
        depth: int = 3,
        max_packets: int = 50,
        frame_samples: int = 160,
        ptime: float = 0.02,
        clock_rate: int = 8000,
        max_jump: float = 2.0,
        max_dropout: int = 3000,
        max_misorder: int = 100,
    ) -> None:
        if not 1 <= depth <= max_packets:
            raise ValueError("depth must be between 1 and max_packets")
        if frame_samples <= 0 or ptime <= 0 or clock_rate <= 0 or max_jump <= 0:
            raise ValueError("frame size, ptime, clock rate and max jump must be positive")
        self.depth = depth
        self.max_packets = max_packets
        self.frame_samples = frame_samples
        self.ptime = ptime
        self.max_jump_samples = int(max_jump * clock_rate)
        self.max_dropout = max_dropout
        self.max_misorder = max_misorder
        self.late = 0
        self.lost = 0
        """Frames never played because they had not arrived in time (late ones included)."""
        self.duplicates = 0
        self.reordered = 0
        self.overflows = 0
        """Frames discarded because ``max_packets`` were already queued."""
        self.resets = 0
        self._frames: dict[int, bytes] = {}
        self._ssrc: int | None = None
        self._high: int | None = None
        self._high_ts = 0
        self._next: int | None = None
        # Bit i set: frame ``_next - 1 - i`` was played; tells a duplicate from a late packet.
        self._played = 0
        self._playing = False
        self._buffering_since: float | None = None

    @property
    def buffered(self) -> int:
        """Frames queued right now."""
        return len(self._frames)

    def put(
        self, *, seq: int, timestamp: int, payload: bytes, arrival: float, ssrc: int
    ) -> PutResult:
        """Queue one received packet."""
        if ssrc != self._ssrc:
            if self._ssrc is not None:
                self._reset()
            self._ssrc = ssrc
        high = self._high
        ext = seq
        if high is not None:
            offset = uint16_diff(seq, high & 0xFFFF)
            drift = uint32_diff(timestamp, uint32_add(self._high_ts, offset * self.frame_samples))
            if (
                offset > self.max_dropout
                or offset < -self.max_misorder
                or abs(drift) > self.max_jump_samples
            ):
                self._reset()
                high = None
            else:
                ext = high + offset
        if self._next is not None and ext < self._next:
            behind = self._next - 1 - ext
            if behind < _PLAYED_WINDOW and self._played >> behind & 1:
                self.duplicates += 1
                return PutResult.DUPLICATE
            self.late += 1
            return PutResult.LATE
        if ext in self._frames:
            self.duplicates += 1
            return PutResult.DUPLICATE
        self._frames[ext] = payload
        if self._buffering_since is None and not self._playing:
            self._buffering_since = arrival
        result = PutResult.QUEUED
        if high is None or ext > high:
            self._high = ext
            self._high_ts = timestamp
        else:
            self.reordered += 1
            result = PutResult.REORDERED
        while len(self._frames) > self.max_packets:
            oldest = min(self._frames)
            del self._frames[oldest]
            self.overflows += 1
            if self._next is not None and oldest >= self._next:
                self._advance(oldest + 1 - self._next, played=False)
        return result

    def get(self, now: float) -> bytes | None:
        """The frame for this tick, or None when there is nothing to play (conceal)."""
        if not self._playing and not self._start(now):
            return None
        assert self._next is not None
        payload = self._frames.pop(self._next, None)
        if payload is not None:
            self._advance(1, played=True)
            return payload
        if not self._frames:
            # Dry: wait for the stream to resume rather than counting silence as loss.
            self._playing = False
            return None
        self.lost += 1
        self._advance(1, played=False)
        return None

    def _start(self, now: float) -> bool:
        if not self._frames or self._buffering_since is None:
            return False
        waited = now - self._buffering_since
        # Tolerance for float noise in tick times that are multiples of ptime.
        if len(self._frames) < self.depth and waited < self.depth * self.ptime - 1e-9:
            return False
        first = min(self._frames)
        if self._next is None:
            self._next = first
        elif first > self._next:
            # Frames that never came while the buffer was refilling.
            self.lost += first - self._next
            self._advance(first - self._next, played=False)
        self._playing = True
        self._buffering_since = None
        return True

    def _advance(self, count: int, *, played: bool) -> None:
        assert self._next is not None
        self._next += count
        shifted = self._played << count if count < _PLAYED_WINDOW else 0
        self._played = (shifted | (1 if played else 0)) & _PLAYED_MASK

    def _reset(self) -> None:
        self.resets += 1
        self._frames.clear()
        self._high = None
        self._next = None
        self._played = 0
        self._playing = False
        self._buffering_since = None
