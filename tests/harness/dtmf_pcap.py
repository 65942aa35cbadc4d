"""Capture files of RFC 4733 key presses for SIPp's ``play_pcap_audio``.

SIPp's bundled captures hold one digit each, all with unrelated timestamps, so a string of
them looks like late retransmissions to a receiver; this writes one capture with the whole
string, timestamps and sequence numbers running on as a phone would send them.
"""

from __future__ import annotations

import struct
from pathlib import Path

from rtp.dtmf import DtmfSender
from rtp.packet import RtpPacket

_PAYLOAD_TYPE = 101
_PTIME_S = 0.02


def _udp_frame(payload: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around *payload*; SIPp replaces the addresses and ports."""
    udp = struct.pack("!HHHH", 4000, 4000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
    return b"\x00" * 12 + b"\x08\x00" + ip


def write_dtmf_pcap(path: Path, digits: str, *, press_ms: int = 200,
                    gap_ms: int = 300) -> Path:
    """*digits* pressed one after another, each for *press_ms* with *gap_ms* between."""
    sender = DtmfSender()
    records = []
    moment = 0.0
    sequence = 1000
    timestamp = 8000
    for digit in digits:
        for packet in sender.packets(digit, press_ms, timestamp):
            rtp = RtpPacket(payload_type=_PAYLOAD_TYPE, sequence=sequence,
                            timestamp=packet.timestamp, ssrc=0x1234ABCD,
                            payload=packet.payload, marker=packet.marker).to_bytes()
            frame = _udp_frame(rtp)
            seconds = int(moment)
            micros = int((moment - seconds) * 1_000_000)
            records.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)
            sequence += 1
            moment += _PTIME_S
        moment += gap_ms / 1000
        timestamp += 8 * (press_ms + gap_ms + 60)
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    path.write_bytes(header + b"".join(records))
    return path
