"""Compound RTCP (RFC 3550 section 6): SR, RR, SDES, BYE, and the receiver-side statistics.

Every RTCP packet starts with the same word::

    |V=2|P|  count  |  packet type  |  length (32-bit words - 1)    |

and a compound packet is several of them back to back. Types this module does not model
(APP, the RFC 4585 feedback messages, XR) are kept as :class:`UnknownRtcp` with their body, so a
compound packet always re-serialises to what was received, padding aside: padding is accepted
on parse and never written (it only matters for encryption, which SRTP does differently).

Exceptions::

    ValueError
     └── RtcpParseError   bytes that are not a compound RTCP packet

:class:`ReceptionStats` turns the packets of one incoming stream into the report block an
SR or RR carries: loss from :class:`~rtp.seq.SequenceTracker` and interarrival jitter per
RFC 3550 appendix A.8.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self, TypeAlias

from rtp.packet import Buffer
from rtp.seq import SequenceTracker, SeqVerdict, uint32_diff

__all__ = [
    "PT_BYE",
    "PT_RR",
    "PT_SDES",
    "PT_SR",
    "SDES_CNAME",
    "Goodbye",
    "ReceiverReport",
    "ReceptionStats",
    "ReportBlock",
    "RtcpPacket",
    "RtcpParseError",
    "SdesChunk",
    "SdesItem",
    "SenderReport",
    "SourceDescription",
    "UnknownRtcp",
    "build_compound",
    "ntp_from_unix",
    "ntp_middle32",
    "parse_compound",
]

PT_SR = 200
PT_RR = 201
PT_SDES = 202
PT_BYE = 203

SDES_CNAME = 1

_NTP_UNIX_OFFSET = 2_208_988_800
"""Seconds from the NTP epoch (1900) to the Unix epoch (1970)."""

_COMMON = struct.Struct("!BBH")
_SENDER_INFO = struct.Struct("!IQIII")
_REPORT_BLOCK = struct.Struct("!IIIIII")
_SSRC = struct.Struct("!I")
_MAX_COUNT = 31


class RtcpParseError(ValueError):
    """The input is not a well-formed compound RTCP packet."""


def _check_u32(value: int, name: str) -> None:
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{name} {value} out of range")


def _check_count(items: tuple[object, ...], name: str) -> None:
    if len(items) > _MAX_COUNT:
        raise ValueError(f"at most {_MAX_COUNT} {name} fit in one RTCP packet")


def _check_words(data: bytes, name: str) -> None:
    if len(data) % 4:
        raise ValueError(f"{name} must be a whole number of 32-bit words")


def _header(count: int, packet_type: int, body_length: int) -> bytes:
    return _COMMON.pack(0x80 | count, packet_type, body_length // 4)


def _text(raw: bytes) -> str:
    # surrogateescape keeps non-UTF-8 octets from older stacks, so values re-encode exactly.
    return raw.decode("utf-8", "surrogateescape")


def _octets(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportBlock:
    """Reception statistics about one source (RFC 3550 section 6.4.1)."""

    ssrc: int
    fraction_lost: int = 0
    """Lost fraction since the previous report, in 1/256 units."""
    cumulative_lost: int = 0
    """24-bit signed: duplicates can make it negative at other implementations."""
    highest_sequence: int = 0
    """Extended highest sequence number received."""
    jitter: int = 0
    """Interarrival jitter in timestamp units."""
    lsr: int = 0
    """Middle 32 bits of the NTP timestamp of the last SR received from this source."""
    dlsr: int = 0
    """Delay since that SR, in 1/65536 seconds."""

    def __post_init__(self) -> None:
        for name in ("ssrc", "highest_sequence", "jitter", "lsr", "dlsr"):
            _check_u32(getattr(self, name), name)
        if not 0 <= self.fraction_lost <= 255:
            raise ValueError(f"fraction lost {self.fraction_lost} out of range")
        if not -0x800000 <= self.cumulative_lost <= 0x7FFFFF:
            raise ValueError(f"cumulative lost {self.cumulative_lost} out of range")

    @classmethod
    def _parse(cls, data: Buffer, pos: int) -> Self:
        ssrc, loss, highest, jitter, lsr, dlsr = _REPORT_BLOCK.unpack_from(data, pos)
        cumulative = loss & 0xFFFFFF
        if cumulative & 0x800000:
            cumulative -= 0x1000000
        return cls(
            ssrc=ssrc,
            fraction_lost=loss >> 24,
            cumulative_lost=cumulative,
            highest_sequence=highest,
            jitter=jitter,
            lsr=lsr,
            dlsr=dlsr,
        )

    def to_bytes(self) -> bytes:
        loss = (self.fraction_lost << 24) | (self.cumulative_lost & 0xFFFFFF)
        return _REPORT_BLOCK.pack(
            self.ssrc, loss, self.highest_sequence, self.jitter, self.lsr, self.dlsr
        )


def _parse_blocks(body: Buffer, pos: int, count: int) -> tuple[ReportBlock, ...]:
    if pos + count * _REPORT_BLOCK.size > len(body):
        raise RtcpParseError("RTCP report blocks truncated")
    return tuple(ReportBlock._parse(body, pos + i * _REPORT_BLOCK.size) for i in range(count))


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderReport:
    """SR: sender info, reception reports, and a profile-specific extension."""

    ssrc: int
    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()
    extension: bytes = b""

    def __post_init__(self) -> None:
        for name in ("ssrc", "rtp_timestamp", "packet_count", "octet_count"):
            _check_u32(getattr(self, name), name)
        if not 0 <= self.ntp_timestamp < 1 << 64:
            raise ValueError(f"NTP timestamp {self.ntp_timestamp} out of range")
        _check_count(self.reports, "report blocks")
        _check_words(self.extension, "SR extension")

    def to_bytes(self) -> bytes:
        body = b"".join(
            (
                _SENDER_INFO.pack(
                    self.ssrc,
                    self.ntp_timestamp,
                    self.rtp_timestamp,
                    self.packet_count,
                    self.octet_count,
                ),
                *(block.to_bytes() for block in self.reports),
                self.extension,
            )
        )
        return _header(len(self.reports), PT_SR, len(body)) + body


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverReport:
    """RR: the reporter's SSRC and reception reports."""

    ssrc: int
    reports: tuple[ReportBlock, ...] = ()
    extension: bytes = b""

    def __post_init__(self) -> None:
        _check_u32(self.ssrc, "ssrc")
        _check_count(self.reports, "report blocks")
        _check_words(self.extension, "RR extension")

    def to_bytes(self) -> bytes:
        body = b"".join(
            (
                _SSRC.pack(self.ssrc),
                *(block.to_bytes() for block in self.reports),
                self.extension,
            )
        )
        return _header(len(self.reports), PT_RR, len(body)) + body


@dataclass(frozen=True, slots=True, kw_only=True)
class SdesItem:
    """One SDES item: ``kind`` 1 = CNAME, 2 = NAME, ... 8 = PRIV (RFC 3550 section 6.5)."""

    kind: int
    value: str

    def __post_init__(self) -> None:
        if not 1 <= self.kind <= 255:
            raise ValueError(f"SDES item type {self.kind} out of range")
        if len(_octets(self.value)) > 255:
            raise ValueError("SDES item longer than 255 octets")


@dataclass(frozen=True, slots=True, kw_only=True)
class SdesChunk:
    """The items describing one SSRC or CSRC."""

    ssrc: int
    items: tuple[SdesItem, ...] = ()

    def __post_init__(self) -> None:
        _check_u32(self.ssrc, "ssrc")

    @property
    def cname(self) -> str | None:
        """The CNAME item's value, if the chunk has one."""
        return next((item.value for item in self.items if item.kind == SDES_CNAME), None)

    def to_bytes(self) -> bytes:
        parts = [_SSRC.pack(self.ssrc)]
        size = 4
        for item in self.items:
            value = _octets(item.value)
            parts.append(bytes((item.kind, len(value))) + value)
            size += 2 + len(value)
        # The list ends with a zero type octet, then zeros up to the next word boundary.
        parts.append(bytes(4 - size % 4))
        return b"".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceDescription:
    """SDES: one chunk per described source."""

    chunks: tuple[SdesChunk, ...] = ()

    def __post_init__(self) -> None:
        _check_count(self.chunks, "SDES chunks")

    def to_bytes(self) -> bytes:
        body = b"".join(chunk.to_bytes() for chunk in self.chunks)
        return _header(len(self.chunks), PT_SDES, len(body)) + body


@dataclass(frozen=True, slots=True, kw_only=True)
class Goodbye:
    """BYE: the sources leaving, with an optional reason."""

    ssrcs: tuple[int, ...] = ()
    reason: str | None = None

    def __post_init__(self) -> None:
        _check_count(self.ssrcs, "BYE sources")
        for ssrc in self.ssrcs:
            _check_u32(ssrc, "ssrc")
        if self.reason is not None and len(_octets(self.reason)) > 255:
            raise ValueError("BYE reason longer than 255 octets")

    def to_bytes(self) -> bytes:
        body = b"".join(_SSRC.pack(ssrc) for ssrc in self.ssrcs)
        if self.reason is not None:
            reason = _octets(self.reason)
            text = bytes((len(reason),)) + reason
            body += text + bytes(-len(text) % 4)
        return _header(len(self.ssrcs), PT_BYE, len(body)) + body


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownRtcp:
    """Any other packet type, kept whole so relaying and re-serialising lose nothing."""

    packet_type: int
    count: int = 0
    body: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.packet_type <= 255:
            raise ValueError(f"RTCP packet type {self.packet_type} out of range")
        if not 0 <= self.count <= _MAX_COUNT:
            raise ValueError(f"RTCP count {self.count} out of range")
        _check_words(self.body, "RTCP body")

    def to_bytes(self) -> bytes:
        return _header(self.count, self.packet_type, len(self.body)) + self.body


RtcpPacket: TypeAlias = SenderReport | ReceiverReport | SourceDescription | Goodbye | UnknownRtcp


def _parse_sr(count: int, body: Buffer) -> SenderReport:
    if len(body) < _SENDER_INFO.size:
        raise RtcpParseError("RTCP sender report too short")
    ssrc, ntp, rtp_ts, packets, octets = _SENDER_INFO.unpack_from(body)
    reports = _parse_blocks(body, _SENDER_INFO.size, count)
    rest = _SENDER_INFO.size + count * _REPORT_BLOCK.size
    return SenderReport(
        ssrc=ssrc,
        ntp_timestamp=ntp,
        rtp_timestamp=rtp_ts,
        packet_count=packets,
        octet_count=octets,
        reports=reports,
        extension=bytes(body[rest:]),
    )


def _parse_rr(count: int, body: Buffer) -> ReceiverReport:
    if len(body) < _SSRC.size:
        raise RtcpParseError("RTCP receiver report too short")
    (ssrc,) = _SSRC.unpack_from(body)
    reports = _parse_blocks(body, _SSRC.size, count)
    rest = _SSRC.size + count * _REPORT_BLOCK.size
    return ReceiverReport(ssrc=ssrc, reports=reports, extension=bytes(body[rest:]))


def _parse_sdes(count: int, body: Buffer) -> SourceDescription:
    chunks = []
    pos = 0
    for _ in range(count):
        if pos + 4 > len(body):
            raise RtcpParseError("RTCP SDES chunk truncated")
        (ssrc,) = _SSRC.unpack_from(body, pos)
        pos += 4
        items = []
        while True:
            if pos >= len(body):
                raise RtcpParseError("RTCP SDES chunk truncated")
            kind = body[pos]
            if kind == 0:
                break
            if pos + 2 > len(body) or pos + 2 + body[pos + 1] > len(body):
                raise RtcpParseError("RTCP SDES chunk truncated")
            length = body[pos + 1]
            items.append(SdesItem(kind=kind, value=_text(bytes(body[pos + 2 : pos + 2 + length]))))
            pos += 2 + length
        # Skip the terminating zero and the padding to the word boundary.
        pos += 4 - pos % 4
        chunks.append(SdesChunk(ssrc=ssrc, items=tuple(items)))
    return SourceDescription(chunks=tuple(chunks))


def _parse_bye(count: int, body: Buffer) -> Goodbye:
    if count * 4 > len(body):
        raise RtcpParseError("RTCP BYE truncated")
    ssrcs = struct.unpack_from(f"!{count}I", body)
    pos = count * 4
    reason = None
    if pos < len(body):
        length = body[pos]
        if pos + 1 + length > len(body):
            raise RtcpParseError("RTCP BYE truncated")
        reason = _text(bytes(body[pos + 1 : pos + 1 + length]))
    return Goodbye(ssrcs=ssrcs, reason=reason)


def parse_compound(data: Buffer) -> tuple[RtcpPacket, ...]:
    """Split and decode a compound packet; raises :class:`RtcpParseError` and nothing else."""
    if len(data) < _COMMON.size:
        raise RtcpParseError("RTCP packet too short")
    view = memoryview(data)
    packets: list[RtcpPacket] = []
    pos = 0
    while pos < len(view):
        if pos + _COMMON.size > len(view):
            raise RtcpParseError("RTCP packet too short")
        first, packet_type, words = _COMMON.unpack_from(view, pos)
        if first >> 6 != 2:
            raise RtcpParseError("RTCP version must be 2")
        end = pos + 4 * (words + 1)
        if end > len(view):
            raise RtcpParseError("RTCP length exceeds data")
        body = view[pos + _COMMON.size : end]
        if first & 0x20:
            # RFC 3550 6.4.1: the count includes itself and is a multiple of four, because
            # every RTCP body is made of whole words.
            padding = body[-1] if len(body) else 0
            if padding == 0 or padding % 4 or padding > len(body):
                raise RtcpParseError("RTCP padding length invalid")
            body = body[: len(body) - padding]
        count = first & 0x1F
        packet: RtcpPacket
        if packet_type == PT_SR:
            packet = _parse_sr(count, body)
        elif packet_type == PT_RR:
            packet = _parse_rr(count, body)
        elif packet_type == PT_SDES:
            packet = _parse_sdes(count, body)
        elif packet_type == PT_BYE:
            packet = _parse_bye(count, body)
        else:
            packet = UnknownRtcp(packet_type=packet_type, count=count, body=bytes(body))
        packets.append(packet)
        pos = end
    return tuple(packets)


def build_compound(packets: Iterable[RtcpPacket]) -> bytes:
    """Concatenate packets into one compound packet (the caller orders them: SR/RR first)."""
    return b"".join(packet.to_bytes() for packet in packets)


def ntp_from_unix(unix_time: float) -> int:
    """A 64-bit NTP timestamp (32.32 fixed point since 1900) for a Unix time."""
    return round((unix_time + _NTP_UNIX_OFFSET) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


def ntp_middle32(ntp_timestamp: int) -> int:
    """The compact form RR/SR blocks echo as LSR: 16 bits of seconds, 16 of fraction."""
    return (ntp_timestamp >> 16) & 0xFFFFFFFF


class ReceptionStats:
    """What a receiver knows about one incoming stream, ready to become a report block.

    Times are seconds on any monotonic clock, the same one for every call.
    """

    __slots__ = (
        "_expected_prior",
        "_last_arrival",
        "_last_sr_arrival",
        "_last_sr_middle",
        "_last_timestamp",
        "_received_prior",
        "clock_rate",
        "jitter",
        "ssrc",
        "tracker",
    )

    def __init__(
        self, ssrc: int, clock_rate: int, *, tracker: SequenceTracker | None = None
    ) -> None:
        _check_u32(ssrc, "ssrc")
        if clock_rate <= 0:
            raise ValueError("clock rate must be positive")
        self.ssrc = ssrc
        self.clock_rate = clock_rate
        self.tracker = tracker if tracker is not None else SequenceTracker()
        self.jitter = 0.0
        """Interarrival jitter estimate in timestamp units (RFC 3550 A.8)."""
        self._last_arrival: float | None = None
        self._last_timestamp = 0
        self._expected_prior = 0
        self._received_prior = 0
        self._last_sr_middle = 0
        self._last_sr_arrival: float | None = None

    def on_packet(self, seq: int, rtp_timestamp: int, arrival: float) -> SeqVerdict:
        """Account for one RTP packet from this source; returns the tracker's verdict."""
        verdict = self.tracker.update(seq)
        if verdict in (SeqVerdict.DUPLICATE, SeqVerdict.JUMP):
            return verdict
        if verdict is SeqVerdict.RESYNC:
            # A restarted source has a new timestamp origin: transit times before and after
            # cannot be compared, and the previous interval's counts no longer apply.
            self._last_arrival = None
            self._expected_prior = 0
            self._received_prior = 0
        if self._last_arrival is not None:
            arrived = (arrival - self._last_arrival) * self.clock_rate
            sent = uint32_diff(rtp_timestamp, self._last_timestamp)
            self.jitter += (abs(arrived - sent) - self.jitter) / 16
        self._last_arrival = arrival
        self._last_timestamp = rtp_timestamp
        return verdict

    def on_sender_report(self, ntp_timestamp: int, arrival: float) -> None:
        """Remember the source's latest SR, which the next report block echoes."""
        self._last_sr_middle = ntp_middle32(ntp_timestamp)
        self._last_sr_arrival = arrival

    def report_block(self, now: float) -> ReportBlock:
        """The block for the next SR/RR; starts a new interval for the fraction lost."""
        tracker = self.tracker
        expected_interval = tracker.expected - self._expected_prior
        received_interval = tracker.received - self._received_prior
        self._expected_prior = tracker.expected
        self._received_prior = tracker.received
        lost_interval = expected_interval - received_interval
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            # 256 would mean "all lost" but does not fit the 8-bit field.
            fraction = min(255, (lost_interval << 8) // expected_interval)
        dlsr = 0
        if self._last_sr_arrival is not None:
            dlsr = min(0xFFFFFFFF, max(0, int((now - self._last_sr_arrival) * 65536)))
        return ReportBlock(
            ssrc=self.ssrc,
            fraction_lost=fraction,
            cumulative_lost=min(tracker.lost, 0x7FFFFF),
            highest_sequence=tracker.extended_max & 0xFFFFFFFF,
            jitter=min(int(self.jitter), 0xFFFFFFFF),
            lsr=self._last_sr_middle,
            dlsr=dlsr,
        )
