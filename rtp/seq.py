"""Wraparound arithmetic for RTP sequence numbers and timestamps, and RFC 3550 A.1 tracking.

Every comparison of a 16-bit sequence number or a 32-bit timestamp in ``rtp`` goes through the
helpers here: RFC 1982 serial-number arithmetic, where ``a`` is "after" ``b`` when the forward
distance from ``b`` to ``a`` is less than half the number space. Exactly half way is neither
after nor before, so ``uint16_gt(a, a + 32768)`` and its mirror are both false.

:class:`SequenceTracker` is the receiver-side validation of RFC 3550 appendix A.1 (probation of
a new source, tolerated dropout and misordering, resynchronisation after a restart) extended
with duplicate detection, so that the counts it feeds into receiver reports are not inflated
by packets the network delivered twice.
"""

from __future__ import annotations

import enum

__all__ = [
    "SeqVerdict",
    "SequenceTracker",
    "uint16_add",
    "uint16_diff",
    "uint16_gt",
    "uint32_add",
    "uint32_diff",
    "uint32_gt",
]

_U16 = 1 << 16


def uint16_add(a: int, b: int) -> int:
    """``a + b`` modulo 2**16 (``b`` may be negative)."""
    return (a + b) & 0xFFFF


def uint16_diff(a: int, b: int) -> int:
    """The signed distance from ``b`` to ``a``, in [-32768, 32767]."""
    return ((a - b + 0x8000) & 0xFFFF) - 0x8000


def uint16_gt(a: int, b: int) -> bool:
    """Whether ``a`` comes after ``b`` in serial-number order (RFC 1982)."""
    forward = (a - b) & 0xFFFF
    return 0 < forward < 0x8000


def uint32_add(a: int, b: int) -> int:
    """``a + b`` modulo 2**32 (``b`` may be negative)."""
    return (a + b) & 0xFFFFFFFF


def uint32_diff(a: int, b: int) -> int:
    """The signed distance from ``b`` to ``a``, in [-2**31, 2**31 - 1]."""
    return ((a - b + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def uint32_gt(a: int, b: int) -> bool:
    """Whether ``a`` comes after ``b`` in serial-number order (RFC 1982)."""
    forward = (a - b) & 0xFFFFFFFF
    return 0 < forward < 0x80000000


class SeqVerdict(enum.Enum):
    """What :meth:`SequenceTracker.update` concluded about one packet."""

    PROBATION = "probation"
    """The source is not validated yet; the packet is not counted."""
    NEW = "new"
    """In order (possibly after a gap): the highest sequence number so far."""
    OLD = "old"
    """Arrived after a later packet (reordered), first copy: counted as received."""
    DUPLICATE = "duplicate"
    """A copy of a packet already counted."""
    JUMP = "jump"
    """Far outside the expected window; dropped unless the next packet confirms the jump."""
    RESYNC = "resync"
    """The second packet of a confirmed jump: the source restarted and tracking starts over."""


class SequenceTracker:
    """Extended highest sequence number, received/expected/lost counts for one SSRC.

    ``max_dropout`` packets ahead still count as the same stream (a gap of losses);
    ``max_misorder`` behind count as late arrivals; anything further is a jump that two
    consecutive packets must confirm (RFC 3550 A.1 defaults: 3000, 100, 2).
    """

    __slots__ = (
        "_bad_seq",
        "_base",
        "_cycles",
        "_max_seq",
        "_probation",
        "_seen",
        "_seen_mask",
        "_started",
        "duplicates",
        "max_dropout",
        "max_misorder",
        "min_sequential",
        "received",
    )

    def __init__(
        self, *, max_dropout: int = 3000, max_misorder: int = 100, min_sequential: int = 2
    ) -> None:
        if not 0 < max_dropout < 0x8000 or not 0 < max_misorder < 0x8000 or min_sequential < 1:
            raise ValueError("tracker limits out of range")
        self.max_dropout = max_dropout
        self.max_misorder = max_misorder
        self.min_sequential = min_sequential
        self.received = 0
        """Distinct packets counted since the source was validated or last resynchronised."""
        self.duplicates = 0
        self._started = False
        self._probation = min_sequential
        self._max_seq = 0
        self._cycles = 0
        self._base = 0
        # Out of the 16-bit range (as in A.1), so nothing matches until a jump arms it with the
        # sequence number that would confirm that jump.
        self._bad_seq = _U16 + 1
        # Bit i set: extended sequence ``extended_max - i`` was counted. Covers the misorder
        # window, which is the only range where a packet can be old yet still counted.
        self._seen = 0
        self._seen_mask = (1 << max_misorder) - 1

    @property
    def validated(self) -> bool:
        """Whether the source has passed probation."""
        return self._started and self._probation == 0

    @property
    def max_seq(self) -> int:
        """The highest sequence number received (16 bits)."""
        return self._max_seq

    @property
    def cycles(self) -> int:
        """How many times the sequence number wrapped since the base."""
        return self._cycles

    @property
    def extended_max(self) -> int:
        """The extended highest sequence number: cycles in the upper 16 bits (RFC 3550 6.4.1)."""
        return (self._cycles << 16) | self._max_seq

    @property
    def expected(self) -> int:
        """Packets expected from the base sequence number to the highest received."""
        if not self.validated:
            return 0
        return self.extended_max - self._base + 1

    @property
    def lost(self) -> int:
        """Cumulative packets lost; never negative, even when late packets precede the base."""
        return max(0, self.expected - self.received)

    def update(self, seq: int) -> SeqVerdict:
        """Account for one packet carrying sequence number ``seq``."""
        if not 0 <= seq <= 0xFFFF:
            raise ValueError(f"sequence number {seq} out of range")
        if not self._started:
            self._started = True
            self._max_seq = uint16_add(seq, -1)
        if self._probation:
            if seq == uint16_add(self._max_seq, 1):
                self._probation -= 1
                self._max_seq = seq
                if self._probation == 0:
                    self._restart(seq)
                    return SeqVerdict.NEW
            else:
                self._probation = self.min_sequential - 1
                self._max_seq = seq
            return SeqVerdict.PROBATION

        forward = (seq - self._max_seq) & 0xFFFF
        if forward == 0:
            self.duplicates += 1
            return SeqVerdict.DUPLICATE
        if forward < self.max_dropout:
            if seq < self._max_seq:
                self._cycles += 1
            self._max_seq = seq
            self._seen = ((self._seen << forward) | 1) & self._seen_mask
            self.received += 1
            return SeqVerdict.NEW
        if forward <= _U16 - self.max_misorder:
            if seq == self._bad_seq:
                self._restart(seq)
                return SeqVerdict.RESYNC
            self._bad_seq = uint16_add(seq, 1)
            return SeqVerdict.JUMP
        behind = _U16 - forward
        bit = 1 << behind
        if self._seen & bit:
            self.duplicates += 1
            return SeqVerdict.DUPLICATE
        self._seen |= bit
        self.received += 1
        return SeqVerdict.OLD

    def _restart(self, seq: int) -> None:
        self._base = seq
        self._max_seq = seq
        self._cycles = 0
        self._bad_seq = _U16 + 1
        self._seen = 1
        self.received = 1
