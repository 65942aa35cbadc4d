"""RTP data packets (RFC 3550 section 5.1) and the header fast path used by the relay.

Layout, network byte order::

     0                   1                   2                   3
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    |                           timestamp                           |
    |           synchronization source (SSRC) identifier            |
    |            contributing source (CSRC) identifiers (CC of them) |
    | extension profile (16)        | extension length in words (16) |   if X
    |                      extension data ...                        |
    |                      payload ...          | padding ... | count |   if P

Exceptions::

    ValueError
     └── RtpParseError    bytes that are not an RTP packet; the message names the broken part

:class:`RtpPacket` is for code that looks inside packets (playback, recording, DTMF). The relay
path never builds one: :func:`peek_header` reads the five fields it routes on and
:func:`rewrite_header` patches a received buffer in place before it is sent on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self, TypeAlias

__all__ = [
    "RtpExtension",
    "RtpPacket",
    "RtpParseError",
    "is_rtcp",
    "peek_header",
    "rewrite_header",
]

_HEADER = struct.Struct("!BBHII")
_SEQ_TS_SSRC = struct.Struct("!HII")
_EXTENSION_HEADER = struct.Struct("!HH")
_HEADER_SIZE = _HEADER.size

Buffer: TypeAlias = bytes | bytearray | memoryview


class RtpParseError(ValueError):
    """The input is not a well-formed RTP packet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RtpExtension:
    """The single header extension RFC 3550 allows: a profile-defined word and its data."""

    profile: int
    data: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.profile <= 0xFFFF:
            raise ValueError(f"extension profile {self.profile} out of range")
        if len(self.data) % 4:
            raise ValueError("extension data must be a whole number of 32-bit words")
        if len(self.data) > 0xFFFF * 4:
            raise ValueError("extension data too long")


@dataclass(frozen=True, slots=True, kw_only=True)
class RtpPacket:
    """One RTP packet; every field is range-checked on construction.

    ``padding`` is the total number of padding octets including the count octet (0 = none);
    :meth:`to_bytes` writes zero octets before the count, which is what senders do in practice,
    so a packet with non-zero padding filler re-serialises with zeros there.
    """

    VERSION: ClassVar[int] = 2

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrc: tuple[int, ...] = ()
    extension: RtpExtension | None = None
    padding: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.payload_type <= 127:
            raise ValueError(f"payload type {self.payload_type} out of range")
        if not 0 <= self.sequence <= 0xFFFF:
            raise ValueError(f"sequence number {self.sequence} out of range")
        if not 0 <= self.timestamp <= 0xFFFFFFFF:
            raise ValueError(f"timestamp {self.timestamp} out of range")
        if not 0 <= self.ssrc <= 0xFFFFFFFF:
            raise ValueError(f"SSRC {self.ssrc} out of range")
        if len(self.csrc) > 15:
            raise ValueError("at most 15 CSRC identifiers fit in the header")
        if any(not 0 <= c <= 0xFFFFFFFF for c in self.csrc):
            raise ValueError("CSRC identifier out of range")
        if not 0 <= self.padding <= 255:
            raise ValueError(f"padding length {self.padding} out of range")

    @classmethod
    def parse(cls, data: Buffer) -> Self:
        """Decode one packet; raises :class:`RtpParseError` and nothing else."""
        if len(data) < _HEADER_SIZE:
            raise RtpParseError("RTP packet too short")
        first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
        if first >> 6 != 2:
            raise RtpParseError("RTP version must be 2")
        end = len(data)
        pos = _HEADER_SIZE
        csrc_count = first & 0x0F
        if pos + 4 * csrc_count > end:
            raise RtpParseError("RTP CSRC list truncated")
        csrc = struct.unpack_from(f"!{csrc_count}I", data, pos)
        pos += 4 * csrc_count
        extension = None
        if first & 0x10:
            if pos + 4 > end:
                raise RtpParseError("RTP extension truncated")
            profile, words = _EXTENSION_HEADER.unpack_from(data, pos)
            pos += 4
            if pos + 4 * words > end:
                raise RtpParseError("RTP extension truncated")
            extension = RtpExtension(profile=profile, data=bytes(data[pos : pos + 4 * words]))
            pos += 4 * words
        padding = 0
        if first & 0x20:
            padding = data[end - 1]
            # The count includes itself, so zero is as impossible as a count reaching the header.
            if padding == 0 or padding > end - pos:
                raise RtpParseError("RTP padding length invalid")
        return cls(
            payload_type=second & 0x7F,
            sequence=sequence,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[pos : end - padding]),
            marker=bool(second & 0x80),
            csrc=csrc,
            extension=extension,
            padding=padding,
        )

    def to_bytes(self) -> bytes:
        """The wire form."""
        first = 0x80 | len(self.csrc)
        if self.padding:
            first |= 0x20
        if self.extension is not None:
            first |= 0x10
        second = self.payload_type | (0x80 if self.marker else 0)
        parts = [_HEADER.pack(first, second, self.sequence, self.timestamp, self.ssrc)]
        if self.csrc:
            parts.append(struct.pack(f"!{len(self.csrc)}I", *self.csrc))
        if self.extension is not None:
            ext = self.extension
            parts.append(_EXTENSION_HEADER.pack(ext.profile, len(ext.data) // 4))
            parts.append(ext.data)
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes((self.padding,)))
        return b"".join(parts)


def peek_header(buf: Buffer) -> tuple[int, int, int, int, int] | None:
    """``(payload_type, marker, sequence, timestamp, ssrc)``, or None if this is not RTP v2.

    Only the fixed header is checked: the relay forwards CSRCs, extensions and padding untouched,
    so validating them here would cost every packet for nothing.
    """
    if len(buf) < _HEADER_SIZE:
        return None
    first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(buf)
    if first & 0xC0 != 0x80:
        return None
    return second & 0x7F, second >> 7, sequence, timestamp, ssrc


def rewrite_header(
    buf: bytearray,
    *,
    seq: int,
    ts: int,
    ssrc: int,
    pt: int | None = None,
    marker: bool | None = None,
) -> None:
    """Overwrite sequence, timestamp and SSRC (and optionally PT and marker) in place.

    ``buf`` must hold at least the 12-byte fixed header, which :func:`peek_header` establishes.
    """
    if pt is not None or marker is not None:
        second = buf[1]
        if pt is not None:
            if not 0 <= pt <= 127:
                raise ValueError(f"payload type {pt} out of range")
            second = (second & 0x80) | pt
        if marker is not None:
            second = (second & 0x7F) | (0x80 if marker else 0)
        buf[1] = second
    _SEQ_TS_SSRC.pack_into(buf, 2, seq, ts, ssrc)


def is_rtcp(data: Buffer) -> bool:
    """Whether a packet on an rtcp-mux port is RTCP (RFC 5761 section 4).

    RTCP packet types 192-223 sit where RTP would have a marker bit and payload type 64-95,
    which RFC 5761 reserves for this reason; only the second octet is needed.
    """
    return len(data) >= 2 and 192 <= data[1] <= 223
