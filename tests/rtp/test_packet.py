"""RTP packets (RFC 3550 5.1): golden bytes, exact parse errors, the relay fast path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtp.packet import (
    RtpExtension,
    RtpPacket,
    RtpParseError,
    is_rtcp,
    peek_header,
    rewrite_header,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "rtp"


def _golden(name: str) -> bytes:
    return (DATA / name).read_bytes()


# -- golden packets --------------------------------------------------------------------------


def test_golden_pcmu_packet() -> None:
    """80 80 1234 DEADBEEF 01020304, then 160 octets of 0xFF (µ-law silence)."""
    data = _golden("pcmu_marker.bin")
    packet = RtpPacket.parse(data)
    assert packet == RtpPacket(
        payload_type=0,
        marker=True,
        sequence=0x1234,
        timestamp=0xDEADBEEF,
        ssrc=0x01020304,
        payload=b"\xff" * 160,
    )
    assert packet.to_bytes() == data


def test_golden_packet_with_csrcs_extension_and_padding() -> None:
    """B2 65: V=2 P X CC=2, PT 101; wrapped seq/ts; an RFC 8285 one-byte extension word;
    a telephone-event payload and 4 octets of padding."""
    data = _golden("csrc_ext_padding.bin")
    packet = RtpPacket.parse(data)
    assert packet == RtpPacket(
        payload_type=101,
        marker=False,
        sequence=0xFFFF,
        timestamp=0xFFFFFFFF,
        ssrc=0xCAFEBABE,
        csrc=(0x11111111, 0x22222222),
        extension=RtpExtension(profile=0xBEDE, data=bytes.fromhex("10aa0000")),
        payload=bytes.fromhex("058a0320"),
        padding=4,
    )
    assert packet.to_bytes() == data


@pytest.mark.parametrize("name", ["pcmu_marker.bin", "csrc_ext_padding.bin"])
def test_golden_packets_peek_like_parse(name: str) -> None:
    data = _golden(name)
    packet = RtpPacket.parse(data)
    expected = (packet.payload_type, int(packet.marker), packet.sequence)
    assert peek_header(data) == (*expected, packet.timestamp, packet.ssrc)
    assert peek_header(memoryview(data)) == peek_header(data)


def test_parse_accepts_memoryview_and_bytearray() -> None:
    data = _golden("csrc_ext_padding.bin")
    assert RtpPacket.parse(memoryview(data)) == RtpPacket.parse(bytearray(data))


def test_empty_payload_and_empty_extension() -> None:
    packet = RtpPacket(
        payload_type=13, sequence=1, timestamp=2, ssrc=3, extension=RtpExtension(profile=1)
    )
    data = packet.to_bytes()
    assert data == bytes.fromhex("900d0001 00000002 00000003 0001 0000".replace(" ", ""))
    assert RtpPacket.parse(data) == packet


# -- parse errors ----------------------------------------------------------------------------

_HEADER = bytes.fromhex("80000001000000a000000001")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "RTP packet too short"),
        (_HEADER[:11], "RTP packet too short"),
        (b"\x40" + _HEADER[1:], "RTP version must be 2"),
        (b"\xc0" + _HEADER[1:], "RTP version must be 2"),
        (b"\x00" * 12, "RTP version must be 2"),
        (b"\x81" + _HEADER[1:], "RTP CSRC list truncated"),
        (b"\x83" + _HEADER[1:] + b"\x00" * 11, "RTP CSRC list truncated"),
        (b"\x90" + _HEADER[1:], "RTP extension truncated"),
        (b"\x90" + _HEADER[1:] + b"\xbe\xde", "RTP extension truncated"),
        (b"\x90" + _HEADER[1:] + b"\xbe\xde\x00\x02" + b"\x00" * 7, "RTP extension truncated"),
        (b"\xa0" + _HEADER[1:] + b"\x00\x00\x00\x00", "RTP padding length invalid"),
        (b"\xa0" + _HEADER[1:] + b"\x00\x00\x00\x05", "RTP padding length invalid"),
        # With no octet after the header, the count would have to be read from the header.
        (b"\xa0" + _HEADER[1:], "RTP padding length invalid"),
        # Padding may not eat into the extension.
        (b"\xb0" + _HEADER[1:] + b"\xbe\xde\x00\x00" + b"\x02", "RTP padding length invalid"),
    ],
)
def test_parse_errors_have_exact_messages(data: bytes, message: str) -> None:
    with pytest.raises(RtpParseError) as caught:
        RtpPacket.parse(data)
    assert str(caught.value) == message


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(RtpParseError, ValueError)


def test_padding_may_take_the_whole_payload() -> None:
    packet = RtpPacket.parse(b"\xa0" + _HEADER[1:] + b"\x00\x00\x03")
    assert (packet.payload, packet.padding) == (b"", 3)


@given(st.binary(max_size=80))
def test_parse_raises_only_its_own_error(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except RtpParseError:
        return
    assert RtpPacket.parse(packet.to_bytes()) == packet


@given(st.binary(min_size=12, max_size=80))
def test_parse_of_v2_looking_bytes_raises_only_its_own_error(tail: bytes) -> None:
    # Force the version bits so the search reaches the CSRC, extension and padding checks.
    data = bytes((0x80 | (tail[0] & 0x3F),)) + tail[1:]
    try:
        packet = RtpPacket.parse(data)
    except RtpParseError:
        return
    assert peek_header(data) == (
        packet.payload_type,
        int(packet.marker),
        packet.sequence,
        packet.timestamp,
        packet.ssrc,
    )


packets = st.builds(
    RtpPacket,
    payload_type=st.integers(0, 127),
    sequence=st.integers(0, 0xFFFF),
    timestamp=st.integers(0, 0xFFFFFFFF),
    ssrc=st.integers(0, 0xFFFFFFFF),
    payload=st.binary(max_size=64),
    marker=st.booleans(),
    csrc=st.lists(st.integers(0, 0xFFFFFFFF), max_size=15).map(tuple),
    extension=st.none()
    | st.builds(
        RtpExtension,
        profile=st.integers(0, 0xFFFF),
        data=st.integers(0, 4).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n)),
    ),
    padding=st.integers(0, 255),
)


@given(packets)
def test_build_then_parse_round_trips(packet: RtpPacket) -> None:
    assert RtpPacket.parse(packet.to_bytes()) == packet


# -- construction validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payload_type", 128),
        ("payload_type", -1),
        ("sequence", 65536),
        ("timestamp", 1 << 32),
        ("ssrc", -1),
        ("csrc", tuple(range(16))),
        ("csrc", (1 << 32,)),
        ("padding", 256),
    ],
)
def test_construction_rejects_out_of_range_fields(field: str, value: object) -> None:
    fields: dict[str, object] = {"payload_type": 0, "sequence": 0, "timestamp": 0, "ssrc": 0}
    fields[field] = value
    with pytest.raises(ValueError, match=r"out of range|at most 15"):
        RtpPacket(**fields)  # type: ignore[arg-type]


def test_extension_data_must_be_whole_words() -> None:
    with pytest.raises(ValueError, match="32-bit words"):
        RtpExtension(profile=0xBEDE, data=b"\x10\xaa")
    with pytest.raises(ValueError, match="out of range"):
        RtpExtension(profile=0x10000)


# -- relay fast path -------------------------------------------------------------------------


def test_peek_header_rejects_short_and_non_v2() -> None:
    assert peek_header(b"\x80" * 11) is None
    assert peek_header(b"\x40" + b"\x00" * 11) is None
    assert peek_header(bytes.fromhex("80e3fffe12345678cafebabe")) == (
        99,
        1,
        0xFFFE,
        0x12345678,
        0xCAFEBABE,
    )


def test_rewrite_header_in_place_keeps_everything_else() -> None:
    original = _golden("csrc_ext_padding.bin")
    buf = bytearray(original)
    rewrite_header(buf, seq=0, ts=160, ssrc=0x01020304)
    packet = RtpPacket.parse(buf)
    assert (packet.sequence, packet.timestamp, packet.ssrc) == (0, 160, 0x01020304)
    assert (packet.payload_type, packet.marker) == (101, False)
    assert buf[12:] == original[12:]
    assert buf[0] == original[0]


def test_rewrite_header_payload_type_and_marker() -> None:
    buf = bytearray(_golden("pcmu_marker.bin"))
    rewrite_header(buf, seq=7, ts=8, ssrc=9, pt=8)
    assert peek_header(buf) == (8, 1, 7, 8, 9)
    rewrite_header(buf, seq=7, ts=8, ssrc=9, marker=False)
    assert peek_header(buf) == (8, 0, 7, 8, 9)
    rewrite_header(buf, seq=7, ts=8, ssrc=9, pt=127, marker=True)
    assert peek_header(buf) == (127, 1, 7, 8, 9)
    with pytest.raises(ValueError, match="out of range"):
        rewrite_header(buf, seq=7, ts=8, ssrc=9, pt=128)


@given(
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFFFFFF),
    st.integers(0, 0xFFFFFFFF),
    st.none() | st.integers(0, 127),
    st.none() | st.booleans(),
)
def test_rewrite_then_parse_agrees(
    seq: int, ts: int, ssrc: int, pt: int | None, marker: bool | None
) -> None:
    before = RtpPacket.parse(_golden("csrc_ext_padding.bin"))
    buf = bytearray(before.to_bytes())
    rewrite_header(buf, seq=seq, ts=ts, ssrc=ssrc, pt=pt, marker=marker)
    after = RtpPacket.parse(buf)
    assert (after.sequence, after.timestamp, after.ssrc) == (seq, ts, ssrc)
    assert after.payload_type == (before.payload_type if pt is None else pt)
    assert after.marker == (before.marker if marker is None else marker)
    assert (after.csrc, after.extension, after.payload) == (
        before.csrc,
        before.extension,
        before.payload,
    )


@pytest.mark.parametrize(
    ("second", "expected"),
    [(200, True), (201, True), (192, True), (223, True), (191, False), (224, False)],
)
def test_is_rtcp_by_second_octet(second: int, expected: bool) -> None:
    assert is_rtcp(bytes((0x80, second))) is expected


def test_is_rtcp_on_real_packets() -> None:
    assert is_rtcp(_golden("sr_sdes.bin"))
    assert is_rtcp(memoryview(_golden("rr_bye.bin")))
    # PCMU with the marker bit is 0x80: far from the RTCP range.
    assert not is_rtcp(_golden("pcmu_marker.bin"))
    assert not is_rtcp(b"\x80")
