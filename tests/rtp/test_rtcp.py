"""Compound RTCP (RFC 3550 section 6) and receiver statistics (appendix A.3, A.8)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtp.rtcp import (
    Goodbye,
    ReceiverReport,
    ReceptionStats,
    ReportBlock,
    RtcpPacket,
    RtcpParseError,
    SdesChunk,
    SdesItem,
    SenderReport,
    SourceDescription,
    UnknownRtcp,
    build_compound,
    ntp_from_unix,
    ntp_middle32,
    parse_compound,
)
from rtp.seq import SeqVerdict, uint16_add, uint32_add

DATA = Path(__file__).resolve().parents[1] / "data" / "rtp"


def _golden(name: str) -> bytes:
    return (DATA / name).read_bytes()


# -- golden compound packets -----------------------------------------------------------------


def test_golden_sr_with_report_block_and_sdes() -> None:
    data = _golden("sr_sdes.bin")
    packets = parse_compound(data)
    assert packets == (
        SenderReport(
            ssrc=0x11223344,
            ntp_timestamp=0xE1A2B3C4_80000000,
            rtp_timestamp=8000,
            packet_count=100,
            octet_count=16000,
            reports=(
                ReportBlock(
                    ssrc=0x55667788,
                    fraction_lost=64,
                    cumulative_lost=-2,
                    highest_sequence=0x0001000A,
                    jitter=18,
                    lsr=0xB2C48000,
                    dlsr=65536,
                ),
            ),
        ),
        SourceDescription(
            chunks=(
                SdesChunk(ssrc=0x11223344, items=(SdesItem(kind=1, value="user@example.com"),)),
            )
        ),
    )
    assert isinstance(packets[1], SourceDescription)
    assert packets[1].chunks[0].cname == "user@example.com"
    assert build_compound(packets) == data


def test_golden_rr_and_bye_with_reason() -> None:
    data = _golden("rr_bye.bin")
    packets = parse_compound(data)
    assert packets == (
        ReceiverReport(ssrc=0x11223344),
        Goodbye(ssrcs=(0x11223344,), reason="teardown"),
    )
    assert build_compound(packets) == data


def test_golden_unknown_type_is_kept_whole() -> None:
    data = _golden("rr_nack.bin")
    packets = parse_compound(data)
    assert packets == (
        ReceiverReport(
            ssrc=0x0A0B0C0D, reports=(ReportBlock(ssrc=0x55667788, highest_sequence=0xFFFF),)
        ),
        UnknownRtcp(packet_type=205, count=1, body=bytes.fromhex("0a0b0c0d5566778801020005")),
    )
    assert build_compound(packets) == data


def test_sdes_with_several_items_and_chunks() -> None:
    sdes = SourceDescription(
        chunks=(
            SdesChunk(
                ssrc=1,
                items=(SdesItem(kind=1, value="a@b"), SdesItem(kind=6, value="softswitch")),
            ),
            SdesChunk(ssrc=2),
            SdesChunk(ssrc=3, items=(SdesItem(kind=2, value="Zoë"),)),
        )
    )
    data = sdes.to_bytes()
    assert len(data) % 4 == 0
    assert parse_compound(data) == (sdes,)
    assert sdes.chunks[1].cname is None


def test_sdes_item_that_ends_on_a_word_boundary_gets_a_whole_null_word() -> None:
    # 4 (SSRC) + 2 + 2 = 8: the terminator needs a full extra word of zeros.
    data = SdesChunk(ssrc=7, items=(SdesItem(kind=1, value="ab"),)).to_bytes()
    assert data == bytes.fromhex("00000007 0102 6162 00000000".replace(" ", ""))


def test_non_utf8_text_survives_the_round_trip() -> None:
    chunk = bytes.fromhex("00000001 0102 e9ff 00000000".replace(" ", ""))
    data = bytes.fromhex("81ca0003") + chunk
    packets = parse_compound(data)
    assert build_compound(packets) == data


def test_bye_without_reason_and_with_several_sources() -> None:
    bye = Goodbye(ssrcs=(1, 2, 3))
    assert bye.to_bytes() == bytes.fromhex("83cb0003000000010000000200000003")
    assert parse_compound(bye.to_bytes()) == (bye,)
    # Reason padding: length octet + 3 octets is exactly one word, so no padding follows.
    assert Goodbye(reason="bye").to_bytes() == bytes.fromhex("80cb000103627965")


def test_padding_on_the_last_packet_is_removed() -> None:
    rr = ReceiverReport(ssrc=5).to_bytes()
    padded = bytes((rr[0] | 0x20,)) + rr[1:3] + bytes((rr[3] + 1,)) + rr[4:] + b"\x00\x00\x00\x04"
    assert parse_compound(padded) == (ReceiverReport(ssrc=5),)


def test_profile_extension_of_sr_and_rr_is_kept() -> None:
    sr = SenderReport(
        ssrc=1, ntp_timestamp=2, rtp_timestamp=3, packet_count=4, octet_count=5, extension=b"xyzw"
    )
    rr = ReceiverReport(ssrc=1, reports=(ReportBlock(ssrc=9),), extension=b"12345678")
    assert parse_compound(build_compound([sr, rr])) == (sr, rr)


# -- parse errors ----------------------------------------------------------------------------

_RR = ReceiverReport(ssrc=1).to_bytes()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "RTCP packet too short"),
        (b"\x80\xc9\x00", "RTCP packet too short"),
        (_RR + b"\x80\xc9", "RTCP packet too short"),
        (b"\x40" + _RR[1:], "RTCP version must be 2"),
        (_RR + b"\x00" * 8, "RTCP version must be 2"),
        (_RR[:-1], "RTCP length exceeds data"),
        (b"\x80\xc9\x00\x05" + _RR[4:], "RTCP length exceeds data"),
        (b"\xa0\xc9\x00\x01\x00\x00\x00\x00", "RTCP padding length invalid"),
        (b"\xa0\xc9\x00\x01\x00\x00\x00\x02", "RTCP padding length invalid"),
        (b"\xa0\xc9\x00\x01\x00\x00\x00\x0c", "RTCP padding length invalid"),
        (b"\xa0\xc9\x00\x00", "RTCP padding length invalid"),
        (b"\x80\xc9\x00\x00", "RTCP receiver report too short"),
        (b"\x81\xc9\x00\x01" + _RR[4:], "RTCP report blocks truncated"),
        (b"\x80\xc8\x00\x01" + _RR[4:], "RTCP sender report too short"),
        (b"\x81\xc8\x00\x06" + bytes(24), "RTCP report blocks truncated"),
        (b"\x81\xca\x00\x00", "RTCP SDES chunk truncated"),
        (b"\x81\xca\x00\x01\x00\x00\x00\x01", "RTCP SDES chunk truncated"),
        (b"\x81\xca\x00\x02\x00\x00\x00\x01\x01\x05ab\x00", "RTCP SDES chunk truncated"),
        (b"\x81\xca\x00\x02\x00\x00\x00\x01\x01\x02ab", "RTCP SDES chunk truncated"),
        (b"\x82\xca\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00", "RTCP SDES chunk truncated"),
        (b"\x82\xcb\x00\x01\x00\x00\x00\x01", "RTCP BYE truncated"),
        (b"\x81\xcb\x00\x02\x00\x00\x00\x01\x05abc", "RTCP BYE truncated"),
    ],
)
def test_parse_errors_have_exact_messages(data: bytes, message: str) -> None:
    with pytest.raises(RtcpParseError) as caught:
        parse_compound(data)
    assert str(caught.value) == message


@given(st.binary(max_size=120))
def test_parse_raises_only_its_own_error(data: bytes) -> None:
    with contextlib.suppress(RtcpParseError):
        parse_compound(data)


@given(st.lists(st.binary(max_size=40), min_size=1, max_size=4), st.lists(st.integers(0, 255)))
def test_parse_of_rtcp_looking_bytes_raises_only_its_own_error(
    bodies: list[bytes], types: list[int]
) -> None:
    # Well-framed packets with garbage bodies reach every type-specific parser.
    data = b""
    for index, raw in enumerate(bodies):
        body = raw + bytes(-len(raw) % 4)
        packet_type = 200 + index % 4 if index >= len(types) else types[index]
        count = body[0] & 0x3F if body else 0
        data += bytes((0x80 | (count & 0x1F), packet_type)) + (len(body) // 4).to_bytes(2) + body
    try:
        packets = parse_compound(data)
    except RtcpParseError:
        return
    assert parse_compound(build_compound(packets)) == packets


blocks = st.builds(
    ReportBlock,
    ssrc=st.integers(0, 0xFFFFFFFF),
    fraction_lost=st.integers(0, 255),
    cumulative_lost=st.integers(-0x800000, 0x7FFFFF),
    highest_sequence=st.integers(0, 0xFFFFFFFF),
    jitter=st.integers(0, 0xFFFFFFFF),
    lsr=st.integers(0, 0xFFFFFFFF),
    dlsr=st.integers(0, 0xFFFFFFFF),
)
u32 = st.integers(0, 0xFFFFFFFF)
text = st.text(max_size=60)
rtcp_packets: st.SearchStrategy[RtcpPacket] = st.one_of(
    st.builds(
        SenderReport,
        ssrc=u32,
        ntp_timestamp=st.integers(0, (1 << 64) - 1),
        rtp_timestamp=u32,
        packet_count=u32,
        octet_count=u32,
        reports=st.lists(blocks, max_size=3).map(tuple),
    ),
    st.builds(ReceiverReport, ssrc=u32, reports=st.lists(blocks, max_size=3).map(tuple)),
    st.builds(
        SourceDescription,
        chunks=st.lists(
            st.builds(
                SdesChunk,
                ssrc=u32,
                items=st.lists(
                    st.builds(SdesItem, kind=st.integers(1, 8), value=text), max_size=3
                ).map(tuple),
            ),
            max_size=3,
        ).map(tuple),
    ),
    st.builds(Goodbye, ssrcs=st.lists(u32, max_size=4).map(tuple), reason=st.none() | text),
)


@given(st.lists(rtcp_packets, min_size=1, max_size=4))
def test_build_then_parse_round_trips(packets: list[RtcpPacket]) -> None:
    assert parse_compound(build_compound(packets)) == tuple(packets)


# -- construction validation -----------------------------------------------------------------


def test_report_block_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="fraction lost"):
        ReportBlock(ssrc=1, fraction_lost=256)
    with pytest.raises(ValueError, match="cumulative lost"):
        ReportBlock(ssrc=1, cumulative_lost=0x800000)
    with pytest.raises(ValueError, match="jitter"):
        ReportBlock(ssrc=1, jitter=-1)
    with pytest.raises(ValueError, match="at most 31"):
        ReceiverReport(ssrc=1, reports=(ReportBlock(ssrc=1),) * 32)
    with pytest.raises(ValueError, match="32-bit words"):
        ReceiverReport(ssrc=1, extension=b"abc")
    with pytest.raises(ValueError, match="255 octets"):
        SdesItem(kind=1, value="x" * 256)
    with pytest.raises(ValueError, match="255 octets"):
        Goodbye(reason="é" * 128)


def test_negative_cumulative_loss_encodes_as_24_bit_twos_complement() -> None:
    encoded = ReportBlock(ssrc=0, fraction_lost=1, cumulative_lost=-1).to_bytes()
    assert encoded[4:8] == b"\x01\xff\xff\xff"


def test_ntp_conversion() -> None:
    # 1970-01-01 is 2208988800 s after the NTP epoch; half a second is 0x80000000.
    assert ntp_from_unix(0.5) == (2_208_988_800 << 32) | 0x80000000
    assert ntp_middle32(0xE1A2B3C4_80000000) == 0xB3C48000


# -- ReceptionStats --------------------------------------------------------------------------


def _stream(
    stats: ReceptionStats, seqs: list[int], *, start_seq: int = 0, start_ts: int = 0
) -> None:
    for index in seqs:
        stats.on_packet(uint16_add(start_seq, index), uint32_add(start_ts, index * 160), index / 50)


def test_perfectly_paced_stream_has_zero_jitter_and_no_loss() -> None:
    stats = ReceptionStats(0xABCD, 8000)
    _stream(stats, list(range(100)), start_seq=65500, start_ts=0xFFFFF000)
    block = stats.report_block(now=2.0)
    assert block.jitter == 0
    assert (block.fraction_lost, block.cumulative_lost) == (0, 0)
    assert block.highest_sequence == (1 << 16) | uint16_add(65500, 99)
    assert (block.lsr, block.dlsr) == (0, 0)
    assert block.ssrc == 0xABCD


def test_jitter_follows_rfc3550_a8() -> None:
    stats = ReceptionStats(1, 8000)
    # Packets sent every 20 ms; every other one arrives 10 ms late (80 timestamp units).
    arrivals = [i * 0.02 + (0.01 if i % 2 else 0.0) for i in range(200)]
    expected = 0.0
    for index, arrival in enumerate(arrivals):
        stats.on_packet(index, index * 160, arrival)
        if index:
            expected += (80 - expected) / 16
    assert stats.jitter == pytest.approx(expected)
    assert stats.report_block(now=4.0).jitter == int(expected)
    # The estimate converges on |D| = 80 units, i.e. 10 ms at 8 kHz.
    assert 79 <= stats.report_block(now=4.0).jitter <= 80


def test_fraction_lost_is_per_interval_and_cumulative_is_total() -> None:
    stats = ReceptionStats(1, 8000)
    _stream(stats, [i for i in range(101) if i % 4 != 3])  # 1 in 4 lost after probation
    first = stats.report_block(now=2.0)
    assert first.cumulative_lost == 25
    assert first.fraction_lost == 25 * 256 // 100
    _stream(stats, list(range(101, 201)))
    second = stats.report_block(now=4.0)
    assert second.cumulative_lost == 25
    assert second.fraction_lost == 0


def test_fraction_lost_saturates_when_everything_in_the_interval_is_lost() -> None:
    stats = ReceptionStats(1, 8000)
    _stream(stats, [0, 1])
    stats.report_block(now=0.1)
    # A single packet far ahead: everything in between was lost.
    stats.on_packet(1001, 1001 * 160, 20.0)
    assert stats.report_block(now=20.0).fraction_lost == 255


def test_duplicates_do_not_affect_loss_or_jitter() -> None:
    stats = ReceptionStats(1, 8000)
    _stream(stats, list(range(10)))
    assert stats.on_packet(9, 9 * 160, 5.0) is SeqVerdict.DUPLICATE
    block = stats.report_block(now=5.0)
    assert (block.cumulative_lost, block.jitter) == (0, 0)


def test_restart_resets_the_interval_and_jitter_reference() -> None:
    stats = ReceptionStats(1, 8000)
    _stream(stats, list(range(50)))
    stats.report_block(now=1.0)
    # The source restarts far away in sequence and timestamp.
    assert stats.on_packet(30000, 123456, 1.02) is SeqVerdict.JUMP
    assert stats.on_packet(30001, 123616, 1.04) is SeqVerdict.RESYNC
    stats.on_packet(30002, 123776, 1.06)
    block = stats.report_block(now=1.1)
    assert (block.fraction_lost, block.cumulative_lost, block.jitter) == (0, 0, 0)
    assert block.highest_sequence == 30002


def test_lsr_and_dlsr_echo_the_last_sender_report() -> None:
    stats = ReceptionStats(1, 8000)
    _stream(stats, [0, 1])
    stats.on_sender_report(0xE1A2B3C4_80000000, arrival=10.0)
    block = stats.report_block(now=11.5)
    assert block.lsr == 0xB3C48000
    assert block.dlsr == int(1.5 * 65536)


def test_reception_stats_validate_arguments() -> None:
    with pytest.raises(ValueError, match="clock rate"):
        ReceptionStats(1, 0)
    with pytest.raises(ValueError, match="ssrc"):
        ReceptionStats(1 << 32, 8000)
